package cmd_test

import (
	"context"
	"iter"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/userapi"
)

// listRecorder records the options of each listing.
type listRecorder struct {
	*fakeBackend
	got []userapi.ListOptions
}

func (r *listRecorder) ListUsers(ctx context.Context, o userapi.ListOptions) iter.Seq2[userapi.User, error] {
	r.got = append(r.got, o)
	return r.fakeBackend.ListUsers(ctx, o)
}

func TestPageConcurrencyReachesTheListingWithASharedLimiter(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    int
		limiter bool
	}{
		{[]string{"users", "list", "--all"}, 8, true},
		{[]string{"users", "list", "--all", "--page-concurrency", "3"}, 3, true},
		{[]string{"users", "list", "--page-concurrency", "1"}, 1, false},
		{[]string{"users", "export"}, 8, true},
		{[]string{"users", "export", "--page-concurrency", "1"}, 1, false},
		{[]string{"users", "export", "--page-concurrency=64"}, 64, true},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			h := newHarness(t, false)
			rec := &listRecorder{fakeBackend: h.backend}
			var env userapi.Env
			h.f.BackendOverride = func(e userapi.Env) (userapi.Backend, error) { env = e; return rec, nil }
			if code := h.run(tc.args...); code != 0 {
				t.Fatalf("exit %d: %s", code, h.errOut)
			}
			if len(rec.got) != 1 || rec.got[0].PageConcurrency != tc.want {
				t.Fatalf("listings %+v, want one with PageConcurrency %d", rec.got, tc.want)
			}
			if (env.Limiter != nil) != tc.limiter {
				t.Fatalf("shared limiter %v, want %v", env.Limiter != nil, tc.limiter)
			}
			if strings.Count(h.out.String(), "u1@example.com") != 1 || strings.Count(h.out.String(), "u3@example.com") != 1 {
				t.Fatalf("output %q, want each user once", h.out)
			}
		})
	}
}

func TestPageConcurrencyOutOfRangeIsAUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"users", "list", "--page-concurrency", "0"},
		{"users", "list", "--page-concurrency", "-3"},
		{"users", "export", "--page-concurrency", "65"},
	} {
		h := newHarness(t, false)
		if code := h.run(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if !strings.Contains(h.errOut.String(), "--page-concurrency must be between 1 and 64") {
			t.Errorf("%v: stderr %q", args, h.errOut)
		}
		if len(h.backend.calls) != 0 || h.out.Len() != 0 {
			t.Errorf("%v: listed anyway (%v, %q)", args, h.backend.calls, h.out)
		}
	}
}
