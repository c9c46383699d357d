package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// jsonlIDs returns the ids of JSON Lines output, failing on a duplicate.
func jsonlIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var u struct{ ID string }
		if err := json.Unmarshal([]byte(l), &u); err != nil {
			t.Fatalf("not JSON Lines: %v\n%s", err, l)
		}
		if seen[u.ID] {
			t.Fatalf("user %s written twice", u.ID)
		}
		seen[u.ID] = true
		ids = append(ids, u.ID)
	}
	return ids
}

// TestPagingExportInParallelWritesWhatOneByOneWrites: export and list --all
// of every dialect whose paging allows it write byte for byte what one
// page at a time writes, from a sandbox capping pages at 9 users.
func TestPagingExportInParallelWritesWhatOneByOneWrites(t *testing.T) {
	t.Parallel()
	for _, api := range []string{"rest", "udata", "scim"} {
		t.Run(api, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			c.profile("p", api, c.serve(api, "--seed", "400", "--max-page-size", "9"))
			c.set("USERCTL_TOKEN", "paging-e2e-token")
			one := c.run("-p", "p", "users", "export", "--page-concurrency", "1")
			want(t, one, 0)
			if n := len(jsonlIDs(t, one.stdout)); n < 400 {
				t.Fatalf("exported %d users one page at a time, want the 400 seeded", n)
			}
			for _, args := range [][]string{
				{"users", "export"},
				{"users", "export", "--page-concurrency", "3", "--page-size", "50"},
				{"users", "list", "--all", "-o", "jsonl", "--page-concurrency", "16"},
			} {
				r := c.run(append([]string{"-p", "p"}, args...)...)
				want(t, r, 0)
				if r.stdout != one.stdout {
					t.Fatalf("%v wrote %d users, not the %d of --page-concurrency 1 in the same order",
						args, len(jsonlIDs(t, r.stdout)), len(jsonlIDs(t, one.stdout)))
				}
			}
		})
	}
}

// pagedServer is a rest API of n users on pages of at most 10, with a
// total; hook, when set, may answer a page itself.
func pagedServer(t *testing.T, n int, hook func(page int, w http.ResponseWriter) bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, err := strconv.Atoi(r.URL.Query().Get("page"))
		if err != nil || r.URL.Path != "/users" {
			http.Error(w, `{"error": "not here"}`, http.StatusNotFound)
			return
		}
		if hook != nil && hook(page, w) {
			return
		}
		const size = 10
		data := []map[string]string{}
		for i := (page - 1) * size; i < page*size && i < n; i++ {
			data = append(data, map[string]string{"id": fmt.Sprintf("usr_%04d", i), "email": fmt.Sprintf("u%d@example.com", i)})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "page": page, "per_page": size, "total": n})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func wantOrdered(t *testing.T, ids []string, n int) {
	t.Helper()
	if len(ids) != n {
		t.Fatalf("%d users, want %d", len(ids), n)
	}
	for i, id := range ids {
		if id != fmt.Sprintf("usr_%04d", i) {
			t.Fatalf("user %d is %s: out of order", i, id)
		}
	}
}

// TestPagingExportHasPagesInFlightTogether: the server answers pages 3 to
// 6 only once all four are asked for at the same time, page 3 last, which
// an export fetching one page after another never does.
func TestPagingExportHasPagesInFlightTogether(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	inFlight := 0
	all, sixth := make(chan struct{}), make(chan struct{})
	srv := pagedServer(t, 95, func(page int, w http.ResponseWriter) bool {
		if page < 3 || page > 6 {
			return false
		}
		mu.Lock()
		if inFlight++; inFlight == 4 {
			close(all)
		}
		mu.Unlock()
		timeout := time.After(10 * time.Second)
		select {
		case <-all:
		case <-timeout:
			http.Error(w, `{"error": "pages 3 to 6 were never asked for together"}`, http.StatusBadRequest)
			return true
		}
		switch page {
		case 3:
			select {
			case <-sixth:
			case <-timeout:
			}
		case 6:
			defer close(sixth)
		}
		return false
	})
	c := newCLI(t)
	c.profile("p", "rest", srv.URL)
	c.set("USERCTL_TOKEN", "tok")
	r := c.run("-p", "p", "users", "export", "--page-concurrency", "4")
	want(t, r, 0)
	wantOrdered(t, jsonlIDs(t, r.stdout), 95)
}

// TestPagingExportFailsOnAPageThatKeepsFailing: page 5 answers 500 every
// time; the export retries it, then fails (exit 1) after writing exactly
// the users of pages 1 to 4, never those after the hole.
func TestPagingExportFailsOnAPageThatKeepsFailing(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	tries := 0
	srv := pagedServer(t, 200, func(page int, w http.ResponseWriter) bool {
		if page != 5 {
			return false
		}
		mu.Lock()
		tries++
		mu.Unlock()
		http.Error(w, `{"error": "page 5 is broken"}`, http.StatusInternalServerError)
		return true
	})
	c := newCLI(t)
	c.profile("p", "rest", srv.URL)
	c.set("USERCTL_TOKEN", "tok")
	r := c.run("-p", "p", "users", "export")
	want(t, r, 1)
	wantIn(t, "stderr", oneLineError(t, r), "page 5 is broken")
	wantOrdered(t, jsonlIDs(t, r.stdout), 40)
	mu.Lock()
	defer mu.Unlock()
	if tries < 2 {
		t.Errorf("page 5 asked for %d times: not retried", tries)
	}
}

func TestPagingSandboxMaxPageSizeRefusesNegative(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.run("sandbox", "serve", "--addr", "127.0.0.1:0", "--max-page-size", "-1")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, "--max-page-size")
}

// TestPagingExportUnderARateLimitSharesOneLimiter: pages in parallel
// against a sandbox limited to 20 requests a second, which it advertises
// (X-RateLimit-Limit): the pages in flight share one limiter that paces
// them all under it, so none is refused with a 429, and the export is
// whole and in order.
func TestPagingExportUnderARateLimitSharesOneLimiter(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest", "--seed", "500", "--max-page-size", "10", "--rate-limit", "20"), "USERCTL_TOKEN", "tok")
	r := c.run("users", "export", "--page-concurrency", "16", "--debug")
	want(t, r, 0)
	one := c.run("users", "export", "--page-concurrency", "1")
	want(t, one, 0)
	if n := len(jsonlIDs(t, r.stdout)); r.stdout != one.stdout || n != 500 {
		t.Fatalf("rate-limited parallel export wrote %d users, not the 500 of one page at a time in the same order", n)
	}
	// Once the first answer told the limit, no page is refused.
	_, after, ok := strings.Cut(r.stderr, "< HTTP/1.1 200 OK")
	if !ok {
		t.Fatalf("no page answered 200 in the --debug log:\n%s", r.stderr)
	}
	if n := strings.Count(after, "< HTTP/1.1 429"); n > 0 {
		t.Fatalf("%d pages refused with 429 after the limit was known: the pages in flight do not share one limiter", n)
	}
}
