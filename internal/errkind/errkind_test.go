package errkind_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
)

// TestExitCodes is the table of CLI.md "Exit codes".
func TestExitCodes(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("network down"), 1},
		{&errkind.Error{Kind: errkind.Server, Status: 502}, 1},
		{&errkind.Error{Kind: errkind.Usage}, 2},
		{&errkind.Error{Kind: errkind.Invalid, Status: 400}, 2},
		{&errkind.Error{Kind: errkind.Unsupported}, 2},
		{&errkind.Error{Kind: errkind.NotFound, Status: 404}, 3},
		{&errkind.Error{Kind: errkind.Auth, Status: 403}, 4},
		{&errkind.Error{Kind: errkind.Conflict, Status: 409}, 5},
		{&errkind.Error{Kind: errkind.RateLimited, Status: 429}, 6},
		{&errkind.Error{Kind: errkind.Partial}, 7},
		{&errkind.Error{Kind: errkind.Drift}, 8},
		{&errkind.Error{Kind: errkind.Interrupted}, 130},
		{context.Canceled, 130},
		{fmt.Errorf("wrapped: %w", &errkind.Error{Kind: errkind.NotFound}), 3},
	}
	for _, c := range cases {
		if got := errkind.ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestKindForStatus(t *testing.T) {
	want := map[int]int{400: 2, 422: 2, 401: 4, 403: 4, 404: 3, 410: 3, 409: 5, 429: 6, 500: 1, 503: 1, 418: 2}
	for status, exit := range want {
		if got := errkind.ExitCode(&errkind.Error{Kind: errkind.ForStatus(status)}); got != exit {
			t.Errorf("status %d: exit %d, want %d", status, got, exit)
		}
	}
}

func TestWithSubjectNamesTheThing(t *testing.T) {
	err := errkind.WithSubject(&errkind.Error{Kind: errkind.NotFound, Status: 404, Message: "404 Not Found: no such user"}, `user "usr_1"`)
	if got := err.Error(); got != `user "usr_1" not found: no such user` {
		t.Errorf("message = %q", got)
	}
	if errkind.ExitCode(err) != 3 {
		t.Errorf("kind lost: exit %d", errkind.ExitCode(err))
	}
}
