package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
)

// statusSeq answers with the given statuses in turn (the last repeats),
// with Retry-After: 0 on 429 and 503 unless header is set.
func statusSeq(header http.Header, statuses ...int) http.HandlerFunc {
	var mu sync.Mutex
	i := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		s := statuses[min(i, len(statuses)-1)]
		i++
		mu.Unlock()
		for k, v := range header {
			w.Header()[k] = v
		}
		if (s == 429 || s == 503) && header == nil {
			w.Header().Set("Retry-After", "0")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(s)
		fmt.Fprintf(w, `{"message": "status %d"}`, s)
	}
}

func TestRetries(t *testing.T) {
	noWait := http.Header{"X-Other": {"1"}}
	tests := []struct {
		name      string
		method    string
		header    http.Header
		statuses  []int
		wantHits  int64
		wantErr   bool
		wantKind  errkind.Kind
		wantExit  int
		maybeSent bool
	}{
		{"GET 500 then ok", "GET", nil, []int{500, 200}, 2, false, 0, 0, false},
		{"GET 502 exhausts 3 tries", "GET", nil, []int{502}, 3, true, errkind.Server, 1, false},
		{"PUT 500 retried", "PUT", nil, []int{500, 500, 204}, 3, false, 0, 0, false},
		{"DELETE 504 retried", "DELETE", nil, []int{504, 204}, 2, false, 0, 0, false},
		{"POST 500 not re-sent", "POST", nil, []int{500, 201}, 1, true, errkind.Server, 1, true},
		{"POST 503 with Retry-After not re-sent", "POST", nil, []int{503, 201}, 1, true, errkind.Server, 1, true},
		{"PATCH 502 not re-sent", "PATCH", nil, []int{502, 200}, 1, true, errkind.Server, 1, true},
		{"POST 429 re-sent", "POST", nil, []int{429, 429, 201}, 3, false, 0, 0, false},
		{"GET 429 then ok", "GET", nil, []int{429, 200}, 2, false, 0, 0, false},
		{"GET 429 exhausts RateAttempts", "GET", nil, []int{429}, DefaultRateAttempts, true, errkind.RateLimited, 6, false},
		{"GET 429 without wait header backs off", "GET", noWait, []int{429, 200}, 2, false, 0, 0, false},
		{"GET 503 with Retry-After waits", "GET", nil, []int{503, 503, 503, 503, 200}, 5, false, 0, 0, false},
		{"GET 503 without Retry-After is a 5xx", "GET", noWait, []int{503}, 3, true, errkind.Server, 1, false},
		{"GET 429 wait too long fails at once", "GET", http.Header{"Retry-After": {"3600"}}, []int{429, 200}, 1, true, errkind.RateLimited, 6, false},
		{"GET 429 reset too long fails at once", "GET", http.Header{"X-Ratelimit-Reset": {"120"}}, []int{429, 200}, 1, true, errkind.RateLimited, 6, false},
		{"GET 404 not retried", "GET", nil, []int{404, 200}, 1, true, errkind.NotFound, 3, false},
		{"GET 401 not retried", "GET", nil, []int{401, 200}, 1, true, errkind.Auth, 4, false},
		{"POST 409", "POST", nil, []int{409}, 1, true, errkind.Conflict, 5, false},
		{"POST 422", "POST", nil, []int{422}, 1, true, errkind.Invalid, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newServer(t, statusSeq(tt.header, tt.statuses...))
			c := newClient(t, ts, func(o *Options) { o.MaxWait = 10 * time.Second })
			var body []byte
			if tt.method == "POST" || tt.method == "PUT" || tt.method == "PATCH" {
				body = []byte(`{"email":"a@example.com"}`)
			}
			resp, err := c.Do(context.Background(), Request{Method: tt.method, Path: "/users", Body: body})
			if got := ts.hits.Load(); got != tt.wantHits {
				t.Errorf("server saw %d requests, want %d", got, tt.wantHits)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if resp.Status >= 300 {
					t.Fatalf("status %d", resp.Status)
				}
				return
			}
			var e *errkind.Error
			if !errors.As(err, &e) {
				t.Fatalf("Do = %v, want an *errkind.Error", err)
			}
			if e.Kind != tt.wantKind || errkind.ExitCode(err) != tt.wantExit {
				t.Errorf("kind %v exit %d, want %v exit %d (%v)", e.Kind, errkind.ExitCode(err), tt.wantKind, tt.wantExit, err)
			}
			if e.MaybeSent != tt.maybeSent {
				t.Errorf("MaybeSent = %v, want %v", e.MaybeSent, tt.maybeSent)
			}
			if !strings.Contains(e.Message, "status ") {
				t.Errorf("message %q lacks the server's message", e.Message)
			}
		})
	}
}

// TestBackoffCalls checks the injected backoff is asked with 1, 2, ...
func TestBackoffCalls(t *testing.T) {
	ts := newServer(t, statusSeq(nil, 500, 500, 200))
	var ns []int
	c := newClient(t, ts, func(o *Options) {
		o.Backoff = func(n int) time.Duration { ns = append(ns, n); return 0 }
	})
	if _, err := c.Do(context.Background(), Request{Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ns) != "[1 2]" {
		t.Errorf("Backoff called with %v, want [1 2]", ns)
	}
	for n := 1; n < 10; n++ {
		if d := defaultBackoff(n); d < 0 || d > 5*time.Second {
			t.Errorf("defaultBackoff(%d) = %s", n, d)
		}
	}
}

// TestRetryAfterHeaders checks the waits the client honours.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		h     http.Header
		want  time.Duration
		known bool
	}{
		{http.Header{"Retry-After": {"2"}}, 2 * time.Second, true},
		{http.Header{"Retry-After": {" 0 "}}, 0, true},
		{http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond, true},
		{http.Header{"Retry-After": {now.Add(30 * time.Second).Format(http.TimeFormat)}}, 30 * time.Second, true},
		{http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0, true},
		{http.Header{"Retry-After": {"-3"}}, 0, false},
		{http.Header{"Retry-After": {"NaN"}}, 0, false},
		{http.Header{"Retry-After": {"Inf"}}, 0, false},
		{http.Header{"Retry-After": {"1e300"}}, maxRetryAfter, true},
		{http.Header{"Retry-After": {"soon"}, "X-Ratelimit-Reset": {"7"}}, 7 * time.Second, true},
		{http.Header{"X-Ratelimit-Reset": {fmt.Sprint(now.Add(42 * time.Second).Unix())}}, 42 * time.Second, true},
		{http.Header{"X-Ratelimit-Reset": {"garbage"}}, 0, false},
		{http.Header{}, 0, false},
	}
	for _, tt := range tests {
		got, known := RetryAfter(tt.h, now)
		if got != tt.want || known != tt.known {
			t.Errorf("RetryAfter(%v) = %s, %v; want %s, %v", tt.h, got, known, tt.want, tt.known)
		}
	}
}

// TestTimeout: a server slower than the attempt timeout is a timeout error,
// retried for GET, not re-sent for POST.
func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	for _, tc := range []struct {
		method    string
		hits      int64
		maybeSent bool
	}{{"GET", 2, false}, {"POST", 1, true}} {
		ts := newServer(t, slow)
		c := newClient(t, ts, func(o *Options) { o.Timeout = 50 * time.Millisecond; o.MaxAttempts = 2 })
		_, err := c.Do(context.Background(), Request{Method: tc.method, Path: "/slow", Body: []byte("{}")})
		var e *errkind.Error
		if !errors.As(err, &e) || e.Kind != errkind.Unknown || !strings.Contains(e.Message, "timeout") {
			t.Fatalf("%s: Do = %v, want an errkind.Unknown timeout", tc.method, err)
		}
		if e.MaybeSent != tc.maybeSent {
			t.Errorf("%s: MaybeSent = %v", tc.method, e.MaybeSent)
		}
		if got := ts.hits.Load(); got != tc.hits {
			t.Errorf("%s: %d requests, want %d", tc.method, got, tc.hits)
		}
	}
}

// TestCancel: Ctrl-C during a request or during a rate-limit wait is
// errkind.Interrupted, exit 130, at once.
func TestCancel(t *testing.T) {
	t.Run("in flight", func(t *testing.T) {
		started := make(chan struct{})
		ts := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
		})
		c := newClient(t, ts, nil)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-started; cancel() }()
		_, err := c.Do(ctx, Request{Path: "/x"})
		if errkind.Of(err) != errkind.Interrupted || errkind.ExitCode(err) != 130 {
			t.Fatalf("Do = %v, want interrupted", err)
		}
		if ts.hits.Load() != 1 {
			t.Errorf("%d requests, want 1", ts.hits.Load())
		}
	})
	t.Run("mid wait", func(t *testing.T) {
		ts := newServer(t, statusSeq(http.Header{"Retry-After": {"30"}}, 429))
		ctx, cancel := context.WithCancel(context.Background())
		logged := &signalWriter{match: "waiting", ch: make(chan struct{})}
		c := newClient(t, ts, func(o *Options) { o.Debug = logged })
		go func() { <-logged.ch; cancel() }()
		_, err := c.Do(ctx, Request{Path: "/x"})
		if errkind.Of(err) != errkind.Interrupted {
			t.Fatalf("Do = %v, want interrupted", err)
		}
	})
	t.Run("mid backoff", func(t *testing.T) {
		ts := newServer(t, statusSeq(nil, 500))
		ctx, cancel := context.WithCancel(context.Background())
		c := newClient(t, ts, func(o *Options) {
			o.Backoff = func(int) time.Duration { cancel(); return time.Hour }
		})
		if _, err := c.Do(ctx, Request{Path: "/x"}); errkind.Of(err) != errkind.Interrupted {
			t.Fatalf("Do = %v, want interrupted", err)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		ts := newServer(t, statusSeq(nil, 200))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := newClient(t, ts, nil).Do(ctx, Request{Path: "/x"}); errkind.Of(err) != errkind.Interrupted {
			t.Fatalf("Do = %v, want interrupted", err)
		}
		if ts.hits.Load() != 0 {
			t.Error("a request was sent")
		}
	})
}

// signalWriter closes ch once a write contains match.
type signalWriter struct {
	mu    sync.Mutex
	match string
	ch    chan struct{}
	done  bool
}

func (s *signalWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done && strings.Contains(string(p), s.match) {
		s.done = true
		close(s.ch)
	}
	return len(p), nil
}

// TestConnectionErrors: a refused dial (nothing sent) is retried even for
// POST; a connection dropped after the request was written is retried for
// GET and reported MaybeSent for POST.
func TestConnectionErrors(t *testing.T) {
	t.Run("dial refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		var tries int
		c, err := New(Options{BaseURL: "http://" + addr + "/api/1", Backoff: func(int) time.Duration { tries++; return 0 }})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Do(context.Background(), Request{Method: "POST", Path: "/users", Body: []byte("{}")})
		var e *errkind.Error
		if !errors.As(err, &e) || e.Kind != errkind.Unknown || e.MaybeSent || !strings.Contains(e.Message, "cannot reach") {
			t.Fatalf("Do = %#v, want errkind.Unknown 'cannot reach', not MaybeSent", err)
		}
		if tries != DefaultMaxAttempts-1 {
			t.Errorf("%d retries, want %d", tries, DefaultMaxAttempts-1)
		}
	})
	hangUp := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	for _, tc := range []struct {
		method    string
		hits      int64
		maybeSent bool
	}{{"GET", 3, false}, {"POST", 1, true}} {
		ts := newServer(t, hangUp)
		c := newClient(t, ts, nil)
		_, err := c.Do(context.Background(), Request{Method: tc.method, Path: "/users", Body: []byte("{}")})
		var e *errkind.Error
		if !errors.As(err, &e) || e.Kind != errkind.Unknown || e.MaybeSent != tc.maybeSent {
			t.Fatalf("%s: Do = %v (MaybeSent %v), want errkind.Unknown, MaybeSent %v", tc.method, err, e != nil && e.MaybeSent, tc.maybeSent)
		}
		if got := ts.hits.Load(); got != tc.hits {
			t.Errorf("%s: %d requests, want %d", tc.method, got, tc.hits)
		}
	}
}

func TestBodies(t *testing.T) {
	t.Run("too large", func(t *testing.T) {
		ts := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			// Unknown length (chunked) and far more than MaxBody.
			chunk := strings.Repeat("x", 1024)
			for range 64 {
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		})
		c := newClient(t, ts, func(o *Options) { o.MaxBody = 4096 })
		_, err := c.Do(context.Background(), Request{Path: "/big"})
		if errkind.Of(err) != errkind.Unknown || !strings.Contains(err.Error(), "larger than 4 KiB") {
			t.Fatalf("Do = %v, want a 'larger than 4 KiB' error", err)
		}
		if ts.hits.Load() != 1 {
			t.Errorf("%d requests: an oversized body must not be retried", ts.hits.Load())
		}
	})
	t.Run("too large by Content-Length", func(t *testing.T) {
		ts := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000000")
			io.WriteString(w, strings.Repeat("y", 1000000))
		})
		c := newClient(t, ts, func(o *Options) { o.MaxBody = 1 << 10 })
		if _, err := c.Do(context.Background(), Request{Path: "/big"}); err == nil || !strings.Contains(err.Error(), "larger than 1 KiB") {
			t.Fatalf("Do = %v", err)
		}
	})
	t.Run("closed mid-body", func(t *testing.T) {
		ts := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(200)
			io.WriteString(w, `{"id": "usr_1", "na`)
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		})
		c := newClient(t, ts, nil)
		_, err := c.Do(context.Background(), Request{Path: "/x"})
		if err == nil || !strings.Contains(err.Error(), "connection closed while reading") {
			t.Fatalf("Do = %v, want a 'connection closed while reading' error", err)
		}
		_, err = c.Do(context.Background(), Request{Method: "POST", Path: "/x", Body: []byte("{}")})
		var e *errkind.Error
		if !errors.As(err, &e) || !e.MaybeSent {
			t.Fatalf("POST: Do = %v, want MaybeSent", err)
		}
	})
	t.Run("error body kept", func(t *testing.T) {
		ts := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no such user", http.StatusNotFound)
		})
		_, err := newClient(t, ts, nil).Do(context.Background(), Request{Path: "/users/x"})
		var e *errkind.Error
		if !errors.As(err, &e) || e.Message != "404 Not Found: no such user" || string(e.Body) != "no such user\n" {
			t.Fatalf("Do = %v, body %q", err, e.Body)
		}
		if errkind.ServerMessage(err) != "no such user" {
			t.Errorf("ServerMessage = %q", errkind.ServerMessage(err))
		}
	})
}

// fakeLimiter records the hook calls.
type fakeLimiter struct {
	mu       sync.Mutex
	calls    []string
	limit    float64
	period   time.Duration
	observed int
}

func (f *fakeLimiter) Wait(ctx context.Context) error { f.add("wait"); return ctx.Err() }
func (f *fakeLimiter) Backoff(d time.Duration)        { f.add("backoff " + d.String()) }
func (f *fakeLimiter) Success()                       { f.add("success") }
func (f *fakeLimiter) ObserveRateLimit(l float64, p time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limit, f.period = l, p
	f.observed++
}
func (f *fakeLimiter) add(s string) { f.mu.Lock(); f.calls = append(f.calls, s); f.mu.Unlock() }

func TestLimiterHook(t *testing.T) {
	h := http.Header{"Retry-After": {"0"}, "X-Ratelimit-Limit": {"100"}, "X-Ratelimit-Period": {"60"}}
	ts := newServer(t, statusSeq(h, 429, 200))
	f := &fakeLimiter{}
	c := newClient(t, ts, func(o *Options) { o.Limiter = f })
	if _, err := c.Do(context.Background(), Request{Method: "POST", Path: "/user", Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.calls, ","); got != "wait,backoff 0s,wait,success" {
		t.Errorf("limiter calls %q", got)
	}
	if f.observed != 2 || f.limit != 100 || f.period != time.Minute {
		t.Errorf("observed %d: %v per %s", f.observed, f.limit, f.period)
	}
}

func TestRateLimitHint(t *testing.T) {
	tests := []struct {
		limit, period string
		want          float64
		wantP         time.Duration
		ok            bool
	}{
		{"100", "60", 100, time.Minute, true},
		{"1000", "1", 1000, time.Second, true},
		{"100;w=60", "", 100, time.Minute, true},
		{"100", "", 0, 0, false},
		{"", "60", 0, 0, false},
		{"-1", "60", 0, 0, false},
		{"x", "60", 0, 0, false},
		{"10", "0", 0, 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		h.Set("X-RateLimit-Limit", tt.limit)
		h.Set("X-RateLimit-Period", tt.period)
		l, p, ok := rateLimitHint(h)
		if l != tt.want || p != tt.wantP || ok != tt.ok {
			t.Errorf("rateLimitHint(%q, %q) = %v, %s, %v", tt.limit, tt.period, l, p, ok)
		}
	}
}
