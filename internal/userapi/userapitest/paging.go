package userapitest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/sandbox"
	"github.com/userctl/userctl/internal/userapi"
)

// PagingHarness adapts the paging suite to a dialect whose listing pages
// by number or offset with a known total, where ListUsers fetches pages
// concurrently.
type PagingHarness struct {
	// API is the sandbox dialect to serve.
	API string
	// New returns a backend of the sandbox whose base URL is url.
	New func(t *testing.T, url string) userapi.Backend
	// Page returns the 1-based page a list request asks for, given the
	// server's page size; ok is false for any other request.
	Page func(r *http.Request, size int) (page int, ok bool)
}

// pagingUsers and pagingSize make 14 pages, the last one short.
const (
	pagingUsers = 95
	pagingSize  = 7
)

// RunPaging checks what users of list --all and export rely on when pages
// are fetched in parallel, against the dialect's sandbox capped at 7 users
// a page: every user once, in the order of a page-by-page listing, a failed
// page failing the listing (after retries) instead of being skipped, and
// the pages really in flight together.
func RunPaging(t *testing.T, h PagingHarness) {
	t.Helper()
	// serve starts a seeded sandbox whose list pages go through hook
	// (nil: none); hook returns true when it answered the request itself
	// (next is the sandbox).
	serve := func(t *testing.T, hook func(page int, w http.ResponseWriter, r *http.Request, next http.Handler) bool) (userapi.Backend, *atomic.Int64) {
		t.Helper()
		sh, err := sandbox.NewHandler(sandbox.Options{API: h.API, Seed: pagingUsers, MaxPageSize: pagingSize}, sandbox.NewStore())
		if err != nil {
			t.Fatal(err)
		}
		var lists atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p, ok := h.Page(r, pagingSize); ok {
				lists.Add(1)
				if hook != nil && hook(p, w, r, sh) {
					return
				}
			}
			sh.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		return h.New(t, srv.URL+sh.Dialect().BasePath), &lists
	}
	list := func(t *testing.T, b userapi.Backend, opts userapi.ListOptions) ([]string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var ids []string
		for u, err := range b.ListUsers(ctx, opts) {
			if err != nil {
				return ids, err
			}
			ids = append(ids, u.ID)
		}
		return ids, nil
	}
	sequential := func(t *testing.T) []string {
		t.Helper()
		b, _ := serve(t, nil)
		ids, err := list(t, b, userapi.ListOptions{PageConcurrency: 1})
		if err != nil {
			t.Fatal(err)
		}
		// The seeded users, and the account of the key where the dialect's
		// sandbox makes one.
		if len(ids) < pagingUsers || len(ids) > pagingUsers+1 {
			t.Fatalf("listed %d users one page at a time, want the %d seeded", len(ids), pagingUsers)
		}
		return ids
	}

	t.Run("SameUsersInTheSameOrderWhateverTheWindow", func(t *testing.T) {
		want := sequential(t)
		seen := map[string]bool{}
		for _, id := range want {
			if seen[id] {
				t.Fatalf("user %s listed twice", id)
			}
			seen[id] = true
		}
		for _, window := range []int{0, 2, 8, 64} {
			b, _ := serve(t, nil)
			got, err := list(t, b, userapi.ListOptions{PageConcurrency: window})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("window %d listed %d users %v\nwant the %d of a page-by-page listing %v", window, len(got), got, len(want), want)
			}
		}
	})

	t.Run("PagesInFlightTogetherStillComeInOrder", func(t *testing.T) {
		want := sequential(t)
		const window = 4
		var mu sync.Mutex
		inFlight, peak := 0, 0
		all := make(chan struct{})
		done := map[int]chan struct{}{}
		doneOf := func(p int) chan struct{} {
			mu.Lock()
			defer mu.Unlock()
			if done[p] == nil {
				done[p] = make(chan struct{})
			}
			return done[p]
		}
		b, _ := serve(t, func(p int, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
			if p < 3 || p > 6 {
				return false
			}
			// Pages 3 to 6 are asked for together: each waits until all
			// four are in flight, and page 3 answers only after page 6,
			// so they finish out of order.
			mu.Lock()
			inFlight++
			peak = max(peak, inFlight)
			if inFlight == window {
				close(all)
			}
			mu.Unlock()
			timeout := time.After(10 * time.Second)
			select {
			case <-all:
			case <-timeout:
				http.Error(w, fmt.Sprintf("page %d: the pages were never in flight together", p), http.StatusBadRequest)
				return true
			}
			switch p {
			case 3:
				select {
				case <-doneOf(6):
				case <-timeout:
				}
			case 6:
				next.ServeHTTP(w, r)
				w.(http.Flusher).Flush()
				close(doneOf(6))
				return true
			}
			return false
		})
		got, err := list(t, b, userapi.ListOptions{PageConcurrency: window})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("listed %v\nwant %v", got, want)
		}
		mu.Lock()
		defer mu.Unlock()
		if peak != window {
			t.Fatalf("at most %d pages in flight, want %d", peak, window)
		}
	})

	t.Run("AFailingPageFailsTheListingAfterItsPredecessors", func(t *testing.T) {
		want := sequential(t)
		b, _ := serve(t, func(p int, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
			if p == 5 {
				http.Error(w, "page 5 is broken", http.StatusInternalServerError)
				return true
			}
			return false
		})
		got, err := list(t, b, userapi.ListOptions{PageConcurrency: 8})
		if err == nil {
			t.Fatalf("listing with a broken page succeeded with %d users", len(got))
		}
		if code := errkind.ExitCode(err); code != 1 {
			t.Errorf("exit code %d for a page failing with 500, want 1 (%v)", code, err)
		}
		if !slices.Equal(got, want[:4*pagingSize]) {
			t.Fatalf("users before the error %v\nwant exactly the first 4 pages' %v", got, want[:4*pagingSize])
		}
	})

	t.Run("ARetriedPageKeepsTheListingWhole", func(t *testing.T) {
		want := sequential(t)
		var failed atomic.Bool
		b, _ := serve(t, func(p int, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
			if p == 5 && failed.CompareAndSwap(false, true) {
				w.Header().Set("Retry-After", "0")
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return true
			}
			return false
		})
		got, err := list(t, b, userapi.ListOptions{PageConcurrency: 8})
		if err != nil {
			t.Fatal(err)
		}
		if !failed.Load() || !slices.Equal(got, want) {
			t.Fatalf("failed once: %v; listed %v\nwant %v", failed.Load(), got, want)
		}
	})

	t.Run("ALimitAsksForNoPageMoreThanOneByOne", func(t *testing.T) {
		want := sequential(t)
		b, lists := serve(t, nil)
		got, err := list(t, b, userapi.ListOptions{Limit: 10, PageConcurrency: 8})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want[:10]) {
			t.Fatalf("--limit 10 listed %v, want %v", got, want[:10])
		}
		if n := lists.Load(); n > 2 {
			t.Fatalf("%d list requests for 10 users on pages of 7, want 2", n)
		}
	})
}
