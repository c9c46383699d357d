package bulk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/bulk"
	"github.com/userctl/userctl/internal/ratelimit"
	"github.com/userctl/userctl/internal/sandbox"
	_ "github.com/userctl/userctl/internal/sandbox/rest" // its sandbox server
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/rest"
)

// TestImportAgainstRateLimitedSandbox imports through the real rest client,
// sharing one adaptive limiter, into a sandbox limited to 1000 req/s: every
// user lands exactly once, whatever the 429s. The achieved rate is logged
// (scripts/bench.sh measures it on a longer run).
func TestImportAgainstRateLimitedSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 2 s (rate-limited on purpose)")
	}
	const n, limit = 3000, 1000
	st := sandbox.NewStore()
	h, err := sandbox.NewHandler(sandbox.Options{API: "rest", RateLimit: limit}, st)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	lim := ratelimit.NewAdaptive(0)
	b, err := rest.New(userapi.Profile{Name: "bench", API: "rest", URL: srv.URL + h.Dialect().BasePath, Secrets: map[string]string{"token": "x"}},
		userapi.Env{Limiter: lim, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	items := func(yield func(bulk.Item, error) bool) {
		for i := range n {
			it := bulk.Item{Line: i + 2, Email: fmt.Sprintf("u%d@example.com", i), Name: fmt.Sprintf("U %d", i), Password: "password-123"}
			if !yield(it, nil) {
				return
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	sum, err := bulk.Import(ctx, b, items, bulk.Options{Concurrency: 16})
	elapsed := time.Since(start)
	if err != nil || sum.Created != n {
		t.Fatalf("import: %+v, %v", sum, err)
	}
	seen := map[string]int{}
	for u, err := range b.ListUsers(ctx, userapi.ListOptions{PageSize: 1000}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[strings.ToLower(u.Email)]++
	}
	if len(seen) != n {
		t.Errorf("%d users stored, want %d", len(seen), n)
	}
	for e, c := range seen {
		if c != 1 {
			t.Errorf("%s stored %d times", e, c)
		}
	}
	// The bucket starts full (one second's worth): the steady rate is what
	// came after it.
	steady := float64(n-limit) / elapsed.Seconds()
	t.Logf("%d users in %v: %.0f/s overall, %.0f/s after the initial burst (limit %d/s), %d rate-limited answers",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), steady, limit, h.Stats().RateLimited.Load())
}
