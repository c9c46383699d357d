package sandbox_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func serveOnce(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func authed(method, target string) *http.Request {
	req := httptest.NewRequest(method, target, nil)
	req.Header.Set("Authorization", "Bearer tok")
	return req
}

func TestNewHandlerOptions(t *testing.T) {
	st := sandbox.NewStore()
	for _, opts := range []sandbox.Options{
		{API: "nope"},
		{API: "rest", RateLimit: -1},
		{API: "rest", FailRate: 1.5},
		{API: "rest", FailRate: -0.1},
		{API: "rest", Latency: -time.Second},
	} {
		if _, err := sandbox.NewHandler(opts, st); err == nil {
			t.Errorf("NewHandler(%+v): no error", opts)
		}
	}
	h, err := sandbox.NewHandler(sandbox.Options{Seed: 3}, st)
	if err != nil || h.Dialect().Name != "rest" || st.Len() != 3 {
		t.Fatalf("default API: %v %v, %d users", h, err, st.Len())
	}
	// A store with users is not seeded again.
	if _, err := sandbox.NewHandler(sandbox.Options{Seed: 3}, st); err != nil || st.Len() != 3 {
		t.Fatalf("second handler seeded again: %d users", st.Len())
	}
}

func TestRateLimit(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	h, err := sandbox.NewHandler(sandbox.Options{API: "rest", RateLimit: 2, Clock: clock.Now}, sandbox.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	for i, remaining := range []string{"1", "0"} {
		rec := serveOnce(h, authed("GET", "/v1/users"))
		if rec.Code != 200 || rec.Header().Get("X-RateLimit-Remaining") != remaining ||
			rec.Header().Get("X-RateLimit-Limit") != "2" || rec.Header().Get("X-RateLimit-Period") != "1" {
			t.Fatalf("request %d: %d %v", i, rec.Code, rec.Header())
		}
	}
	rec := serveOnce(h, authed("GET", "/v1/users"))
	if rec.Code != 429 {
		t.Fatalf("third request: %d", rec.Code)
	}
	hd := rec.Header()
	if hd.Get("Retry-After") != "0" || hd.Get("X-RateLimit-Reset") != "0.5" || hd.Get("X-RateLimit-Remaining") != "0" ||
		hd.Get("X-RateLimit-Limit") != "2" || hd.Get("Content-Type") != "application/json" {
		t.Fatalf("429 headers: %v", hd)
	}
	if !strings.Contains(rec.Body.String(), `"error":"rate limit exceeded"`) {
		t.Fatalf("429 body: %s", rec.Body)
	}
	clock.Add(250 * time.Millisecond)
	if rec := serveOnce(h, authed("GET", "/v1/users")); rec.Code != 429 || rec.Header().Get("X-RateLimit-Reset") != "0.25" {
		t.Fatalf("before the reset: %d %v", rec.Code, rec.Header())
	}
	clock.Add(250 * time.Millisecond)
	if rec := serveOnce(h, authed("GET", "/v1/users")); rec.Code != 200 {
		t.Fatalf("after the reset: %d", rec.Code)
	}
	if got := h.Stats().RateLimited.Load(); got != 2 {
		t.Fatalf("RateLimited = %d", got)
	}
	if got := h.Stats().Requests.Load(); got != 5 {
		t.Fatalf("Requests = %d", got)
	}
}

func TestRateLimitSlowRateRetryAfterWholeSeconds(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	h, _ := sandbox.NewHandler(sandbox.Options{API: "rest", RateLimit: 0.4, Clock: clock.Now}, sandbox.NewStore())
	serveOnce(h, authed("GET", "/v1/users"))
	rec := serveOnce(h, authed("GET", "/v1/users"))
	// One token per 2.5 s: Retry-After rounds the wait up.
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "3" || rec.Header().Get("X-RateLimit-Reset") != "2.5" ||
		rec.Header().Get("X-RateLimit-Limit") != "0.4" {
		t.Fatalf("slow rate: %d %v", rec.Code, rec.Header())
	}
}

// A client that waits X-RateLimit-Reset after each 429 gets through at the
// configured rate.
func TestRateLimitWellBehavedClientReachesRate(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	h, _ := sandbox.NewHandler(sandbox.Options{API: "rest", RateLimit: 1000, Clock: clock.Now}, sandbox.NewStore())
	start := clock.Now()
	ok := 0
	for ok < 5000 {
		rec := serveOnce(h, authed("GET", "/v1/users?per_page=1"))
		if rec.Code == 200 {
			ok++
			continue
		}
		d, err := time.ParseDuration(rec.Header().Get("X-RateLimit-Reset") + "s")
		if err != nil || d <= 0 || d > 2*time.Millisecond {
			t.Fatalf("reset %q", rec.Header().Get("X-RateLimit-Reset"))
		}
		clock.Add(d)
	}
	elapsed := clock.Now().Sub(start)
	// 1000 of burst, then 4000 at 1000/s.
	if rate := float64(ok-1000) / elapsed.Seconds(); rate < 950 {
		t.Fatalf("reached %.0f/s of 1000/s", rate)
	}
}

func TestFailRate(t *testing.T) {
	h, _ := sandbox.NewHandler(sandbox.Options{API: "rest", FailRate: 0.25}, sandbox.NewStore())
	var codes []int
	for range 8 {
		rec := serveOnce(h, authed("GET", "/v1/users"))
		codes = append(codes, rec.Code)
		if rec.Code == 503 {
			if rec.Header().Get("Retry-After") != "0" || !strings.Contains(rec.Body.String(), `"error":`) {
				t.Fatalf("503: %v %s", rec.Header(), rec.Body)
			}
		}
	}
	want := []int{200, 200, 200, 503, 200, 200, 200, 503}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("codes = %v, want %v", codes, want)
		}
	}
	if h.Stats().Failed.Load() != 2 {
		t.Fatalf("Failed = %d", h.Stats().Failed.Load())
	}
	all, _ := sandbox.NewHandler(sandbox.Options{API: "rest", FailRate: 1}, sandbox.NewStore())
	for range 3 {
		if rec := serveOnce(all, authed("GET", "/v1/users")); rec.Code != 503 {
			t.Fatalf("fail rate 1: %d", rec.Code)
		}
	}
}

func TestLatencyCancelledByContext(t *testing.T) {
	st := sandbox.NewStore()
	h, _ := sandbox.NewHandler(sandbox.Options{API: "rest", Latency: time.Hour}, st)
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, "POST", "/v1/users",
		strings.NewReader(`{"email":"a@example.com","name":"A","password":"12345678"}`))
	req.Header.Set("Authorization", "Bearer tok")
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- serveOnce(h, req) }()
	cancel()
	rec := <-done
	if rec.Code != 503 || st.Len() != 0 {
		t.Fatalf("cancelled during latency: %d, %d users", rec.Code, st.Len())
	}
}

func TestLatencyDelays(t *testing.T) {
	h, _ := sandbox.NewHandler(sandbox.Options{API: "rest", Latency: 20 * time.Millisecond}, sandbox.NewStore())
	start := time.Now()
	if rec := serveOnce(h, authed("GET", "/v1/users")); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("answered after %v", d)
	}
}

func TestStatsCountsCreates(t *testing.T) {
	h, _ := sandbox.NewHandler(sandbox.Options{API: "rest"}, sandbox.NewStore())
	post := func(body string) int {
		req := httptest.NewRequest("POST", "/v1/users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		return serveOnce(h, req).Code
	}
	if c := post(`{"email":"a@example.com","name":"A","password":"12345678"}`); c != 201 {
		t.Fatalf("create: %d", c)
	}
	if c := post(`{"email":"a@example.com","name":"A","password":"12345678"}`); c != 409 {
		t.Fatalf("duplicate: %d", c)
	}
	if h.Stats().Created.Load() != 1 || h.Stats().Requests.Load() != 2 {
		t.Fatalf("stats: created %d requests %d", h.Stats().Created.Load(), h.Stats().Requests.Load())
	}
}

func TestServeShutsDownOnContext(t *testing.T) {
	ln := listenLocal(t)
	url := sandbox.BaseURL(ln, "rest")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/v1") {
		t.Fatalf("BaseURL = %q", url)
	}
	h, err := sandbox.NewHandler(sandbox.Options{API: "rest", Seed: 2, Latency: time.Hour}, sandbox.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	arrived := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- sandbox.ServeHandler(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			h.ServeHTTP(w, r)
		}))
	}()
	// A request stuck in the injected latency is answered 503 at shutdown.
	resp := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", url+"/users", nil)
		req.Header.Set("Authorization", "Bearer tok")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			resp <- 0
			return
		}
		r.Body.Close()
		resp <- r.StatusCode
	}()
	<-arrived
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if code := <-resp; code != 503 {
		t.Fatalf("request in flight at shutdown: %d", code)
	}
	if r, err := http.Get(url + "/users"); err == nil {
		r.Body.Close()
		t.Fatal("still serving after shutdown")
	}
}

func TestServeUnknownAPI(t *testing.T) {
	ln := listenLocal(t)
	if err := sandbox.Serve(context.Background(), ln, sandbox.Options{API: "nope"}, sandbox.NewStore()); err == nil {
		t.Fatal("no error for an unknown API")
	}
}

func TestBaseURLUnspecifiedAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skipf("cannot listen on 0.0.0.0: %v", err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if got := sandbox.BaseURL(ln, "rest"); got != "http://127.0.0.1:"+port+"/v1" {
		t.Fatalf("BaseURL = %q", got)
	}
}

func listenLocal(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}
