package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Stats counts what a sandbox handler answered. The counters are safe to
// read while the handler serves (benchmarks read them at the end).
type Stats struct {
	// Requests is every request received.
	Requests atomic.Int64
	// RateLimited is the requests answered 429 by the rate limiter.
	RateLimited atomic.Int64
	// Failed is the requests answered 503 by fault injection (or cancelled
	// during the injected latency).
	Failed atomic.Int64
	// Created is the POST requests the dialect answered with a 2xx.
	Created atomic.Int64
}

// Handler is a dialect's handler wrapped in the shared middleware:
// latency, rate limit and fault injection. Build it with NewHandler.
type Handler struct {
	dialect Dialect
	inner   http.Handler
	opts    Options
	now     func() time.Time
	limiter *rate.Limiter
	failN   atomic.Uint64
	stats   Stats
}

// DefaultAPI is the dialect the sandbox serves when none is named, and the
// dialect of the built-in sandbox profile.
const DefaultAPI = "rest"

// NewHandler returns the sandbox server of opts.API ("" is rest) over st.
// When opts.Seed > 0 and st is empty it first adds opts.Seed generated users.
//
// The middleware, in the order a request meets it:
//   - Latency: the response is delayed by opts.Latency; a request whose
//     context ends meanwhile is answered 503 and never reaches the dialect.
//   - RateLimit: a token bucket of opts.RateLimit tokens per second (burst:
//     one second's worth, at least 1). Every response carries
//     X-RateLimit-Limit (N), X-RateLimit-Period (1, seconds),
//     X-RateLimit-Remaining and X-RateLimit-Reset: the seconds until the
//     next token, fractional with millisecond precision ("0.004"). Over the
//     limit the answer is 429 with the dialect's error body and Retry-After
//     in whole seconds, rounded up, when the wait is at least a second, else
//     "Retry-After: 0" (the wait being in X-RateLimit-Reset): whole seconds
//     would cap a well-behaved client far below N/s at high rates.
//   - FailRate: that fraction of the requests is answered 503 with
//     "Retry-After: 0" and the dialect's error body. The choice is
//     deterministic: request n fails when floor(n*f) > floor((n-1)*f), so
//     exactly one in 1/f fails, evenly spread.
func NewHandler(opts Options, st *Store) (*Handler, error) {
	if opts.API == "" {
		opts.API = DefaultAPI
	}
	d, ok := LookupDialect(opts.API)
	if !ok {
		return nil, fmt.Errorf("sandbox: unknown API %q (known: %v)", opts.API, Dialects())
	}
	switch {
	case opts.RateLimit < 0 || math.IsNaN(opts.RateLimit) || math.IsInf(opts.RateLimit, 0):
		return nil, fmt.Errorf("sandbox: rate limit %v: want a positive number of requests per second, or 0 for none", opts.RateLimit)
	case !(opts.FailRate >= 0 && opts.FailRate <= 1):
		return nil, fmt.Errorf("sandbox: fail rate %v: want a fraction between 0 and 1", opts.FailRate)
	case opts.Latency < 0:
		return nil, fmt.Errorf("sandbox: latency %v is negative", opts.Latency)
	case opts.MaxPageSize < 0:
		return nil, fmt.Errorf("sandbox: max page size %d is negative", opts.MaxPageSize)
	}
	if opts.Seed > 0 && st.Len() == 0 {
		d.Seed(st, opts.Seed)
	}
	h := &Handler{dialect: d, inner: d.New(st, opts), opts: opts, now: opts.Clock}
	if h.now == nil {
		h.now = time.Now
	}
	if opts.RateLimit > 0 {
		burst := max(1, int(math.Ceil(opts.RateLimit)))
		h.limiter = rate.NewLimiter(rate.Limit(opts.RateLimit), burst)
	}
	return h, nil
}

// Dialect returns the dialect the handler speaks.
func (h *Handler) Dialect() Dialect { return h.dialect }

// Stats returns the handler's live counters.
func (h *Handler) Stats() *Stats { return &h.stats }

// ServeHTTP applies the middleware, then the dialect's handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.stats.Requests.Add(1)
	if h.opts.Latency > 0 {
		t := time.NewTimer(h.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			h.stats.Failed.Add(1)
			h.fail(w, http.StatusServiceUnavailable, "request cancelled")
			return
		}
	}
	if h.limiter != nil && !h.admit(w.Header()) {
		h.stats.RateLimited.Add(1)
		h.fail(w, http.StatusTooManyRequests, "rate limit exceeded")
		return
	}
	if h.injectFailure() {
		h.stats.Failed.Add(1)
		w.Header().Set("Retry-After", "0")
		h.fail(w, http.StatusServiceUnavailable, "service unavailable (injected failure)")
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	h.inner.ServeHTTP(sw, r)
	if r.Method == http.MethodPost && sw.status >= 200 && sw.status < 300 {
		h.stats.Created.Add(1)
	}
}

// admit takes a token if one is available and sets the X-RateLimit-*
// headers (and Retry-After when it returns false).
func (h *Handler) admit(hd http.Header) bool {
	now := h.now()
	ok := h.limiter.AllowN(now, 1)
	tokens := h.limiter.TokensAt(now)
	var wait time.Duration
	if tokens < 1 {
		wait = time.Duration(math.Ceil((1 - tokens) / h.opts.RateLimit * float64(time.Second)))
	}
	hd.Set("X-RateLimit-Limit", strconv.FormatFloat(h.opts.RateLimit, 'f', -1, 64))
	hd.Set("X-RateLimit-Period", "1")
	hd.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, int(tokens))))
	hd.Set("X-RateLimit-Reset", resetSeconds(wait))
	if !ok {
		retry := 0
		if wait >= time.Second {
			retry = int(math.Ceil(wait.Seconds()))
		}
		hd.Set("Retry-After", strconv.Itoa(retry))
	}
	return ok
}

// resetSeconds formats a wait as seconds with millisecond precision,
// rounded up so that a client waiting that long finds a token.
func resetSeconds(d time.Duration) string {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
}

func (h *Handler) injectFailure() bool {
	f := h.opts.FailRate
	if f <= 0 {
		return false
	}
	n := float64(h.failN.Add(1))
	return math.Floor(n*f) > math.Floor((n-1)*f)
}

// fail answers status with the dialect's error body.
func (h *Handler) fail(w http.ResponseWriter, status int, msg string) {
	ct, body := h.dialect.ErrorBody(status, msg)
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// statusWriter records the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming dialect handlers flush through the middleware.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
