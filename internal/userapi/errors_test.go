package userapi_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/userctl/userctl/internal/userapi"
)

// TestExitCodes is the table of CLI.md "Exit codes".
func TestExitCodes(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("network down"), 1},
		{&userapi.Error{Kind: userapi.KindServer, Status: 502}, 1},
		{&userapi.Error{Kind: userapi.KindUsage}, 2},
		{&userapi.Error{Kind: userapi.KindInvalid, Status: 400}, 2},
		{&userapi.Error{Kind: userapi.KindUnsupported}, 2},
		{&userapi.Error{Kind: userapi.KindNotFound, Status: 404}, 3},
		{&userapi.Error{Kind: userapi.KindAuth, Status: 403}, 4},
		{&userapi.Error{Kind: userapi.KindConflict, Status: 409}, 5},
		{&userapi.Error{Kind: userapi.KindRateLimited, Status: 429}, 6},
		{&userapi.Error{Kind: userapi.KindPartial}, 7},
		{&userapi.Error{Kind: userapi.KindInterrupted}, 130},
		{context.Canceled, 130},
		{fmt.Errorf("wrapped: %w", &userapi.Error{Kind: userapi.KindNotFound}), 3},
	}
	for _, c := range cases {
		if got := userapi.ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestKindForStatus(t *testing.T) {
	want := map[int]int{400: 2, 422: 2, 401: 4, 403: 4, 404: 3, 410: 3, 409: 5, 429: 6, 500: 1, 503: 1, 418: 2}
	for status, exit := range want {
		if got := userapi.ExitCode(&userapi.Error{Kind: userapi.KindForStatus(status)}); got != exit {
			t.Errorf("status %d: exit %d, want %d", status, got, exit)
		}
	}
}

func TestWithSubjectNamesTheThing(t *testing.T) {
	err := userapi.WithSubject(&userapi.Error{Kind: userapi.KindNotFound, Status: 404, Message: "404 Not Found: no such user"}, `user "usr_1"`)
	if got := err.Error(); got != `user "usr_1" not found: no such user` {
		t.Errorf("message = %q", got)
	}
	if userapi.ExitCode(err) != 3 {
		t.Errorf("kind lost: exit %d", userapi.ExitCode(err))
	}
}

func TestUserJSONContract(t *testing.T) {
	b, err := userapi.User{ID: "1"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"1","username":null,"email":null,"name":null,"roles":[],"status":null,"created_at":null,"updated_at":null,"extra":{}}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
}
