// Package httpx is the HTTP client every dialect shares: per-request
// timeouts, cancellation, retries with backoff, rate-limit waits, a shared
// limiter for bulk work, size-limited bodies, TLS with a private CA, proxies
// from the environment, redirects that never leave the API's origin, a
// redacted --debug log and errors scrubbed of every known secret. Every
// non-2xx answer becomes an *errkind.Error; the package knows nothing of
// userapi or the dialects.
package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/ratelimit"
)

// Defaults.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxAttempts  = 3
	DefaultRateAttempts = 6
	DefaultMaxWait      = 60 * time.Second
	DefaultMaxBody      = 64 << 20
)

// Options configure a Client.
type Options struct {
	// BaseURL is prepended to relative request paths; its path is kept.
	BaseURL string
	// Auth adds credentials to each request. A request to an absolute URL
	// on another origin than BaseURL's (a next-page link elsewhere, or
	// plain http when the base is https) is refused before it is sent, so
	// a link cannot pull secrets elsewhere.
	Auth func(*http.Request)
	// SecretHeaders are extra header names redacted in logs and whose
	// values are scrubbed from server text (Authorization, cookies and the
	// API-key headers of the dialects are always treated so).
	SecretHeaders []string
	// Secrets are the profile's secret values (token, keys, password):
	// wherever a server echoes one back, as is or base64- or URL-encoded,
	// it is replaced by [REDACTED] in errors and in the --debug log. The
	// credentials Auth sets are added automatically.
	Secrets []string
	// Timeout bounds each attempt (default 30s), body read included.
	Timeout time.Duration
	// CAFile is a PEM file of extra certificate authorities to trust.
	CAFile string
	// Debug receives the redacted request/response log.
	Debug io.Writer
	// Transport replaces the default transport (a clone of
	// http.DefaultTransport, which honours HTTPS_PROXY/NO_PROXY).
	Transport http.RoundTripper
	// UserAgent is sent with every request when set.
	UserAgent string
	// MaxAttempts bounds tries for 5xx and connection errors (default 3).
	MaxAttempts int
	// RateAttempts bounds tries for 429 and 503 with a wait (default 6).
	RateAttempts int
	// MaxWait bounds the rate-limit waits of one request (default 60s),
	// each and together: a server asking for longer fails at once with a
	// rate-limited error.
	MaxWait time.Duration
	// MaxBody bounds a response body (default 64 MiB).
	MaxBody int64
	// Backoff returns the pause before retry n (1-based) after a 5xx or a
	// connection error, and after a 429 that says not how long to wait; the
	// default is exponential with jitter from 200ms.
	Backoff func(n int) time.Duration
	// Limiter is shared by concurrent callers (optional). If it also
	// implements ratelimit.Observer it is told the server's advertised rate.
	Limiter ratelimit.Limiter
	// ErrorMessage extracts the server's message from an error body; the
	// default understands the usual JSON shapes, JSON strings, text and HTML.
	ErrorMessage func(status int, header http.Header, body []byte) string
}

// Client sends requests for one profile. It is safe for concurrent use.
type Client struct {
	opts    Options
	base    *url.URL
	http    *http.Client
	secrets map[string]bool
	scrub   *scrubber
}

// Request is one API call. Path is relative to the base URL unless absolute.
type Request struct {
	Method string
	// Path is joined to the base URL's path ("users/x" and "/users/x" are
	// the same; a trailing slash is kept); it may carry a query and must
	// already be escaped (url.PathEscape each segment). An absolute
	// http(s) URL is used as is.
	Path string
	// Query is merged into the path's query, replacing keys it has too.
	Query  url.Values
	Header http.Header
	// Body is sent as is with ContentType (default application/json).
	Body        []byte
	ContentType string
	// Retry forces (true) or forbids (false) blind retries; by default
	// GET, HEAD, OPTIONS, PUT and DELETE are retried and POST and PATCH are
	// not. A 429 is retried whatever the method: the server refused it.
	Retry *bool
	// Secrets are secret values of this request beyond the profile's,
	// scrubbed like Options.Secrets. The values of secret-named fields of
	// a JSON or form body (password, …) and of secret-named headers are
	// added automatically.
	Secrets []string
}

// Response is a completed call with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// URL is the final URL, after redirects.
	URL *url.URL
}

var alwaysSecret = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Dd-Api-Key", "Dd-Application-Key"}

// New builds a client. An invalid BaseURL or CAFile is an errkind.Usage error.
func New(o Options) (*Client, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.RateAttempts <= 0 {
		o.RateAttempts = DefaultRateAttempts
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Backoff == nil {
		o.Backoff = defaultBackoff
	}
	if o.ErrorMessage == nil {
		o.ErrorMessage = func(_ int, h http.Header, b []byte) string { return ServerMessage(h.Get("Content-Type"), b) }
	}
	c := &Client{opts: o, secrets: map[string]bool{}}
	for _, h := range append(append([]string{}, alwaysSecret...), o.SecretHeaders...) {
		c.secrets[http.CanonicalHeaderKey(h)] = true
	}
	if o.BaseURL != "" {
		u, err := parseBaseURL(o.BaseURL)
		if err != nil {
			return nil, err
		}
		c.base = u
	}
	secretValues := append([]string{}, o.Secrets...)
	if o.Auth != nil {
		probe, _ := http.NewRequest(http.MethodGet, "http://userctl.invalid/", nil)
		o.Auth(probe)
		secretValues = append(secretValues, c.secretValuesOf(probe.Header)...)
	}
	c.scrub = newScrubber(secretValues, nil)
	rt := o.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("reading ca_file: %v", err), Err: err}
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("ca_file %s holds no PEM certificate", o.CAFile)}
			}
			t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		rt = t
	}
	c.http = &http.Client{Transport: rt, CheckRedirect: c.checkRedirect}
	return c, nil
}

// CheckBaseURL validates an API base URL as New does: http or https, a
// host, and no user name or password in it (credentials in a URL would be
// stored and shown in clear; they go through the profile's secrets). An
// empty URL is valid (the dialect's default applies). Errors are errkind.Usage.
func CheckBaseURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	_, err := parseBaseURL(raw)
	return err
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("invalid API URL %q: want e.g. https://api.example.com/v1", redactRawURL(raw))}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("invalid API URL %q: scheme must be http or https", redactRawURL(raw))}
	}
	if u.User != nil {
		return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("the API URL %q holds a user name or password: remove it and give credentials as secrets "+
			"(`userctl profile add --with-secrets` or a masked prompt, or USERCTL_USERNAME / USERCTL_PASSWORD / USERCTL_TOKEN)", redactRawURL(raw))}
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// BaseURL returns the base URL requests are relative to (nil when none).
func (c *Client) BaseURL() *url.URL { return c.base }

// checkRedirect logs every hop and follows at most 10 redirects within the
// origin of the first request. A redirect to another origin (another host
// or port, or from https to http) is refused with an error naming both: a
// write or a body (which may hold a password) is never re-sent there, and
// no data from there is used, so a hostile or misconfigured server cannot
// make userctl report a change the real server never saw, nor merge pages
// of another server. (Go re-sends a body on 307/308 when the request has
// GetBody, which a bytes body has.)
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	if req.Response != nil {
		c.logf("< %s: redirected to %s\n", req.Response.Status, redactURL(req.URL))
	}
	if len(via) >= 10 {
		return &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf("%s %s: stopped after 10 redirects", first.Method, redactURL(first.URL))}
	}
	if !sameOrigin(first.URL, req.URL) {
		what := "not followed"
		if first.Method != http.MethodGet && first.Method != http.MethodHead || first.ContentLength != 0 {
			what = "the request was not re-sent there"
		}
		return &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf(
			"%s %s was redirected from %s to another origin, %s: %s (userctl only talks to the origin of the API URL; fix the profile's url if the API moved)",
			first.Method, redactURL(first.URL), origin(first.URL), origin(req.URL), what)}
	}
	c.logf("> %s %s\n", req.Method, redactURL(req.URL))
	return nil
}

// origin renders scheme://host[:port] of u.
func origin(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

// sameOrigin reports whether credentials meant for from may go to to: the
// same host and port, and no downgrade from https to http.
func sameOrigin(from, to *url.URL) bool {
	if !strings.EqualFold(from.Host, to.Host) {
		return false
	}
	return !(from.Scheme == "https" && to.Scheme != "https")
}

// URL resolves a request path against the base URL and merges q into its
// query. A path must be escaped already; an absolute http(s) URL is used as
// is. A malformed path is an errkind.Usage error.
func (c *Client) URL(path string, q url.Values) (*url.URL, error) {
	var u *url.URL
	if isAbsURL(path) {
		p, err := url.Parse(path)
		if err != nil || p.Host == "" {
			return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("invalid URL %q", redactRawURL(path)), Err: err}
		}
		p.Fragment, p.RawFragment = "", ""
		u = p
	} else {
		if c.base == nil {
			return nil, &errkind.Error{Kind: errkind.Usage, Message: "the profile has no API URL"}
		}
		path, _, _ = strings.Cut(path, "#")
		p, rawQuery, hasQuery := strings.Cut(path, "?")
		if _, err := url.PathUnescape(p); err != nil {
			return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("invalid request path %q: %v", p, err), Err: err}
		}
		cp := *c.base
		esc := strings.TrimRight(c.base.EscapedPath(), "/")
		if p != "" {
			esc += "/" + strings.TrimLeft(p, "/")
		}
		cp.Path, _ = url.PathUnescape(esc)
		cp.RawPath = esc // used when it is a valid encoding of Path
		if hasQuery {
			cp.RawQuery = rawQuery
		}
		u = &cp
	}
	if len(q) > 0 {
		merged, _ := url.ParseQuery(u.RawQuery)
		for k, vs := range q {
			merged[k] = vs
		}
		u.RawQuery = merged.Encode()
	}
	return u, nil
}

func isAbsURL(s string) bool {
	l := strings.ToLower(s[:min(len(s), 8)])
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// authorized reports whether the profile's credentials may go to u.
func (c *Client) authorized(u *url.URL) bool {
	return c.base == nil || sameOrigin(c.base, u)
}

func (r *Request) retryable() bool {
	if r.Retry != nil {
		return *r.Retry
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// Do sends the request, retrying as CLI.md says, and returns the response of
// a 2xx answer or an *errkind.Error:
//   - 429 (any method) and 503 with a Retry-After or X-RateLimit-Reset
//     (retryable methods) wait as asked, at most RateAttempts tries; a wait
//     longer than MaxWait fails at once (429: errkind.RateLimited);
//   - other 5xx and connection errors back off (Backoff) and retry, at most
//     MaxAttempts tries, for retryable methods only; a request that surely
//     was not sent (dial or DNS error) is retried whatever its method;
//   - a non-retryable request that may have reached the server (5xx,
//     timeout, connection lost) fails with MaybeSent set;
//   - the caller's context ending is errkind.Interrupted at once, even mid-wait.
func (c *Client) Do(ctx context.Context, r Request) (resp *Response, err error) {
	sc := c.scrub.with(c.requestSecrets(r))
	defer func() { err = sc.Error(err) }()
	return c.do(ctx, r, sc)
}

func (c *Client) do(ctx context.Context, r Request, sc *scrubber) (*Response, error) {
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	u, err := c.URL(r.Path, r.Query)
	if err != nil {
		return nil, err
	}
	if c.base != nil && !sameOrigin(c.base, u) {
		return nil, &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf(
			"refusing %s %s: it is on another origin than the API (%s); a page link or URL from the server must stay on the API's origin",
			r.Method, redactURL(u), origin(c.base))}
	}
	retryable := r.retryable()
	lim := c.opts.Limiter
	var failures, rateWaits int
	// waited sums the rate-limit waits of this request: with MaxWait it
	// bounds them all, not only each one.
	var waited time.Duration
	// arrived is set once an attempt may have been carried out (anything
	// but a 429, which the server refused, or a send that surely failed).
	arrived := false
	interrupted := func() error {
		err := ctxError(ctx, r.Method, u)
		if !arrived {
			err.NotSent = true
		}
		return err
	}
	for {
		if ctx.Err() != nil {
			return nil, interrupted()
		}
		if lim != nil {
			if err := lim.Wait(ctx); err != nil {
				return nil, interrupted()
			}
		}
		resp, err := c.once(ctx, u, r, sc)
		if err != nil {
			// A request cut short in flight may have been carried out;
			// only a failed dial surely was not.
			sent := !notSent(err)
			arrived = arrived || sent
			if ctx.Err() != nil {
				return nil, interrupted()
			}
			var final *errkind.Error
			if errors.As(err, &final) {
				return nil, final
			}
			failures++
			if !isTLSError(err) && (retryable || !sent) && failures < c.opts.MaxAttempts {
				d := c.opts.Backoff(failures)
				c.logf("! retrying %s %s in %s (try %d of %d)\n", r.Method, redactURL(u), d, failures+1, c.opts.MaxAttempts)
				if sleep(ctx, d) != nil {
					return nil, interrupted()
				}
				continue
			}
			return nil, transportError(r.Method, u, err, c.opts.Timeout, sent && !retryable)
		}
		c.observe(resp.Header)
		if resp.Status != http.StatusTooManyRequests {
			arrived = true
		}
		switch {
		case resp.Status >= 200 && resp.Status < 300:
			if lim != nil {
				lim.Success()
			}
			return resp, nil
		case resp.Status >= 300 && resp.Status < 400:
			e := c.statusError(r.Method, resp, sc)
			e.Kind = errkind.Unknown
			e.Message = fmt.Sprintf("unexpected redirect %d from %s %s", resp.Status, r.Method, redactURL(u))
			return nil, e
		}
		wait, known := RetryAfter(resp.Header, time.Now())
		if resp.Status == http.StatusTooManyRequests || (resp.Status == http.StatusServiceUnavailable && known && retryable) {
			if !known {
				wait = c.opts.Backoff(rateWaits + 1)
			}
			rateWaits++
			if wait > c.opts.MaxWait {
				e := c.statusError(r.Method, resp, sc)
				e.Message = fmt.Sprintf("%s %s: the server asks to wait %s, more than the %s limit (--max-wait) (%s)",
					r.Method, redactURL(u), roundWait(wait), c.opts.MaxWait, e.Message)
				e.NotSent = !arrived
				return nil, e
			}
			if waited+wait > c.opts.MaxWait {
				e := c.statusError(r.Method, resp, sc)
				e.Message = fmt.Sprintf("%s %s: still refused after waiting %s, and %s more would pass the %s limit (--max-wait) (%s)",
					r.Method, redactURL(u), roundWait(waited), roundWait(wait), c.opts.MaxWait, e.Message)
				e.NotSent = !arrived
				return nil, e
			}
			if rateWaits >= c.opts.RateAttempts {
				e := c.statusError(r.Method, resp, sc)
				e.Message = fmt.Sprintf("%s %s: still refused after %d tries (%s)", r.Method, redactURL(u), rateWaits, e.Message)
				e.NotSent = !arrived
				return nil, e
			}
			waited += wait
			c.logf("! %d: waiting %s before try %d of %d\n", resp.Status, wait, rateWaits+1, c.opts.RateAttempts)
			if lim != nil && resp.Status == http.StatusTooManyRequests {
				// The limiter pauses every worker sharing it; its Wait at
				// the top of the loop paces this retry.
				lim.Backoff(wait)
				continue
			}
			if sleep(ctx, wait) != nil {
				return nil, interrupted()
			}
			continue
		}
		if resp.Status >= 500 && retryable {
			failures++
			if failures < c.opts.MaxAttempts {
				d := c.opts.Backoff(failures)
				c.logf("! %d: retrying in %s (try %d of %d)\n", resp.Status, d, failures+1, c.opts.MaxAttempts)
				if sleep(ctx, d) != nil {
					return nil, interrupted()
				}
				continue
			}
		}
		e := c.statusError(r.Method, resp, sc)
		if resp.Status >= 500 && !retryable {
			e.MaybeSent = true
		}
		return nil, e
	}
}

// observe tells a ratelimit.Observer limiter the server's advertised rate.
func (c *Client) observe(h http.Header) {
	obs, ok := c.opts.Limiter.(ratelimit.Observer)
	if !ok {
		return
	}
	if limit, period, ok := rateLimitHint(h); ok {
		obs.ObserveRateLimit(limit, period)
	}
}

// rateLimitHint reads X-RateLimit-Limit ("100", or "100;w=60") and
// X-RateLimit-Period (seconds).
func rateLimitHint(h http.Header) (float64, time.Duration, bool) {
	lv := strings.TrimSpace(h.Get("X-RateLimit-Limit"))
	if lv == "" {
		return 0, 0, false
	}
	num, params, _ := strings.Cut(lv, ";")
	num, _, _ = strings.Cut(num, ",")
	limit, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || !(limit > 0) || math.IsInf(limit, 0) {
		return 0, 0, false
	}
	pv := strings.TrimSpace(h.Get("X-RateLimit-Period"))
	if pv == "" {
		if w, ok := strings.CutPrefix(strings.TrimSpace(params), "w="); ok {
			pv = w
		}
	}
	secs, err := strconv.ParseFloat(pv, 64)
	if err != nil || !(secs > 0) || secs > 86400*366 {
		return 0, 0, false
	}
	return limit, time.Duration(secs * float64(time.Second)), true
}

// once makes one attempt under its own timeout and reads the body. A
// *errkind.Error it returns is final; any other error may be retried.
func (c *Client) once(ctx context.Context, u *url.URL, r Request, sc *scrubber) (*Response, error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body) // gives the request GetBody: 307/308 re-send it
	}
	req, err := http.NewRequestWithContext(actx, r.Method, u.String(), body)
	if err != nil {
		return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("building request %s %s: %v", r.Method, redactURL(u), err), Err: err}
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if r.Body != nil && req.Header.Get("Content-Type") == "" {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	if c.opts.Auth != nil && c.authorized(u) {
		c.opts.Auth(req)
	}
	start := time.Now()
	c.logRequest(req, r.Body, sc)
	hr, err := c.http.Do(req)
	if err != nil {
		c.logf("! %s %s: %v\n", r.Method, redactURL(u), rootCause(err))
		return nil, err
	}
	defer hr.Body.Close()
	if hr.ContentLength > c.opts.MaxBody {
		c.logf("! %s %s: %d-byte body not read\n", r.Method, redactURL(u), hr.ContentLength)
		return nil, c.tooLarge(r.Method, u, hr.StatusCode)
	}
	data, err := readBody(hr.Body, hr.ContentLength, c.opts.MaxBody+1)
	if err != nil {
		c.logf("! %s %s: reading body: %v\n", r.Method, redactURL(u), err)
		return nil, &bodyError{status: hr.StatusCode, err: err}
	}
	if int64(len(data)) > c.opts.MaxBody {
		c.logf("! %s %s: body over %d bytes not read\n", r.Method, redactURL(u), c.opts.MaxBody)
		return nil, c.tooLarge(r.Method, u, hr.StatusCode)
	}
	c.logResponse(hr, data, time.Since(start), sc)
	return &Response{Status: hr.StatusCode, Header: hr.Header, Body: data, URL: hr.Request.URL}, nil
}

func (c *Client) tooLarge(method string, u *url.URL, status int) error {
	return &errkind.Error{Kind: errkind.Unknown, Status: status,
		Message: fmt.Sprintf("response to %s %s is larger than %s; refusing to read it", method, redactURL(u), byteSize(c.opts.MaxBody))}
}

// bodyError is a response whose body could not be read to its end.
type bodyError struct {
	status int
	err    error
}

func (e *bodyError) Error() string {
	if errors.Is(e.err, io.ErrUnexpectedEOF) {
		return fmt.Sprintf("connection closed while reading the %d response body (%v)", e.status, e.err)
	}
	return fmt.Sprintf("reading the %d response body: %v", e.status, e.err)
}

func (e *bodyError) Unwrap() error { return e.err }

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// statusError is the error of a non-2xx response. Secrets are scrubbed
// from the body before the message is taken from it, so that clipping the
// message cannot leave part of a secret.
func (c *Client) statusError(method string, resp *Response, sc *scrubber) *errkind.Error {
	msg := c.opts.ErrorMessage(resp.Status, resp.Header, sc.Bytes(resp.Body))
	text := errkind.StatusLine(resp.Status)
	// A server message that only repeats the status ("Forbidden", "429 Too
	// Many Requests") adds nothing.
	if rest := strings.TrimSpace(strings.TrimSuffix(msg, "(HTML page)")); rest != "" &&
		!strings.EqualFold(rest, http.StatusText(resp.Status)) && !strings.EqualFold(rest, text) {
		text += ": " + msg
	}
	return &errkind.Error{Kind: errkind.ForStatus(resp.Status), Status: resp.Status, Message: text, Body: resp.Body}
}

// ctxError reports the end of the caller's context: Ctrl-C (cancel) is
// errkind.Interrupted; a deadline the caller set is a timeout.
func ctxError(ctx context.Context, method string, u *url.URL) *errkind.Error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf("%s %s: deadline exceeded (timeout)", method, redactURL(u)), Err: err}
	}
	return &errkind.Error{Kind: errkind.Interrupted, Message: "interrupted", Err: err}
}

func transportError(method string, u *url.URL, err error, timeout time.Duration, maybeSent bool) error {
	var msg string
	var ne net.Error
	var be *bodyError
	var rh tls.RecordHeaderError
	switch {
	case errors.As(err, &be):
		msg = fmt.Sprintf("%s %s: %v", method, redactURL(u), be)
	case isCertError(err):
		msg = fmt.Sprintf("cannot verify the TLS certificate of %s: %v (for a private CA, set the profile's ca_file)", u.Host, rootCause(err))
	case errors.As(err, &rh):
		msg = fmt.Sprintf("TLS handshake with %s failed: %v (is the URL's scheme right?)", u.Host, rootCause(err))
	case errors.As(err, &ne) && ne.Timeout():
		msg = fmt.Sprintf("%s %s: no response within %s (timeout)", method, redactURL(u), timeout)
	case notSent(err):
		msg = fmt.Sprintf("cannot reach %s: %v", u.Host, rootCause(err))
	default:
		msg = fmt.Sprintf("%s %s: %v", method, redactURL(u), rootCause(err))
	}
	if maybeSent {
		msg += " (the request may have reached the server)"
	}
	return &errkind.Error{Kind: errkind.Unknown, Message: msg, Err: err, MaybeSent: maybeSent}
}

// rootCause strips the *url.Error wrapper, whose text repeats the URL
// (which may hold secrets in its query).
func rootCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// notSent reports whether err proves the request never left: DNS failure,
// a refused dial, a failed proxy connect or TLS handshake.
func notSent(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && (oe.Op == "dial" || oe.Op == "proxyconnect") {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de) || isTLSError(err)
}

// isTLSError reports a failed TLS handshake: retrying will not help.
func isTLSError(err error) bool {
	var rh tls.RecordHeaderError
	return isCertError(err) || errors.As(err, &rh)
}

func isCertError(err error) bool {
	var cve *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cve) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

func defaultBackoff(n int) time.Duration {
	n = max(1, min(n, 6))
	base := 200 * time.Millisecond << (n - 1)
	base = min(base, 5*time.Second)
	return base/2 + rand.N(base/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func roundWait(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d
}

// maxRetryAfter caps absurd waits so the arithmetic cannot overflow.
const maxRetryAfter = 100 * 365 * 24 * time.Hour

// RetryAfter reads how long the server asks to wait: Retry-After (seconds or
// an HTTP date), else X-RateLimit-Reset (seconds until reset, or a Unix time
// when larger than 1e9). A date in the past is 0. The result is never
// negative and at most about a century.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if d, ok := parseSeconds(v); ok {
			// Retry-After has whole seconds: a server that says 0 may give
			// the precise sub-second wait in X-RateLimit-Reset.
			if d == 0 {
				if r, ok := resetAfter(h, now); ok && r > 0 {
					return r, true
				}
			}
			return d, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return clampWait(t.Sub(now)), true
		}
	}
	return resetAfter(h, now)
}

// resetAfter reads X-RateLimit-Reset: seconds until reset, or a Unix time.
func resetAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 1e9 && s < 1e11 {
			// A Unix timestamp.
			sec, frac := math.Modf(s)
			return clampWait(time.Unix(int64(sec), int64(frac*1e9)).Sub(now)), true
		}
		if d, ok := parseSeconds(v); ok {
			return d, true
		}
	}
	return 0, false
}

// parseSeconds reads a non-negative, finite number of seconds.
func parseSeconds(v string) (time.Duration, bool) {
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || !(s >= 0) || math.IsInf(s, 0) {
		return 0, false
	}
	if s >= maxRetryAfter.Seconds() {
		return maxRetryAfter, true
	}
	return time.Duration(s * float64(time.Second)), true
}

func clampWait(d time.Duration) time.Duration {
	return max(0, min(d, maxRetryAfter))
}

// readBody reads at most limit bytes, into one buffer of the announced size
// when the server gave one (pages of users are read without regrowing).
func readBody(r io.Reader, size, limit int64) ([]byte, error) {
	lr := io.LimitReader(r, limit)
	if size <= 0 || size >= limit {
		return io.ReadAll(lr)
	}
	buf := make([]byte, size+1)
	n, err := io.ReadFull(lr, buf)
	switch {
	case (err == io.ErrUnexpectedEOF || err == io.EOF) && int64(n) == size:
		return buf[:n], nil // exactly the announced body
	case err == io.EOF:
		return buf[:n], io.ErrUnexpectedEOF
	case err != nil:
		return buf[:n], err
	}
	rest, err := io.ReadAll(lr) // more than announced
	return append(buf, rest...), err
}
