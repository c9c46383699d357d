// Package httpx is the HTTP client every dialect shares: per-request
// timeouts, cancellation, retries with backoff, rate-limit waits, a shared
// limiter for bulk work, size-limited bodies, TLS with a private CA, proxies
// from the environment, redirects that never carry secrets to another host,
// and a redacted --debug log. Every non-2xx answer becomes a *userapi.Error.
package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/userapi"
)

// Defaults.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxAttempts  = 3
	DefaultRateAttempts = 6
	DefaultMaxWait      = 60 * time.Second
	DefaultMaxBody      = 64 << 20
)

// Limiter paces requests shared by many goroutines (bulk commands). Wait is
// called before each attempt; Backoff when the server said to slow down for
// d; Success after each 2xx.
type Limiter interface {
	Wait(ctx context.Context) error
	Backoff(d time.Duration)
	Success()
}

// Options configure a Client.
type Options struct {
	// BaseURL is prepended to relative request paths; its path is kept.
	BaseURL string
	// Auth adds credentials to each request.
	Auth func(*http.Request)
	// SecretHeaders are extra header names redacted in logs and dropped on
	// a redirect to another host (Authorization, cookies and the API-key
	// headers of the dialects are always treated so).
	SecretHeaders []string
	Timeout       time.Duration
	CAFile        string
	// Debug receives the redacted request/response log.
	Debug     io.Writer
	Transport http.RoundTripper
	UserAgent string
	// MaxAttempts bounds tries for 5xx and connection errors (default 3).
	MaxAttempts int
	// RateAttempts bounds tries for 429 and 503 with a wait (default 6).
	RateAttempts int
	// MaxWait bounds one rate-limit wait (default 60s): a server asking for
	// longer fails at once with a rate-limited error.
	MaxWait time.Duration
	// MaxBody bounds a response body (default 64 MiB).
	MaxBody int64
	// Backoff returns the pause before retry n (1-based) after a 5xx or a
	// connection error; the default is exponential with jitter from 200ms.
	Backoff func(n int) time.Duration
	// Limiter is shared by concurrent callers (optional).
	Limiter Limiter
	// ErrorMessage extracts the server's message from an error body; the
	// default understands the usual JSON shapes, JSON strings, text and HTML.
	ErrorMessage func(status int, header http.Header, body []byte) string
}

// Client sends requests for one profile.
type Client struct {
	opts    Options
	base    *url.URL
	http    *http.Client
	secrets map[string]bool
}

// Request is one API call. Path is relative to the base URL unless absolute.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	// Body is sent as is with ContentType (default application/json).
	Body        []byte
	ContentType string
	// Retry forces (true) or forbids (false) blind retries; by default
	// GET, HEAD, PUT and DELETE are retried and POST and PATCH are not.
	Retry *bool
}

// Response is a completed call with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	URL    *url.URL
}

var alwaysSecret = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Dd-Api-Key", "Dd-Application-Key"}

// New builds a client.
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
		u, err := url.Parse(strings.TrimRight(o.BaseURL, "/"))
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, &userapi.Error{Kind: userapi.KindUsage, Message: fmt.Sprintf("invalid API URL %q: want e.g. https://api.example.com/v1", o.BaseURL)}
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return nil, &userapi.Error{Kind: userapi.KindUsage, Message: fmt.Sprintf("invalid API URL %q: scheme must be http or https", o.BaseURL)}
		}
		c.base = u
	}
	rt := o.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return nil, &userapi.Error{Kind: userapi.KindUsage, Message: fmt.Sprintf("reading ca_file: %v", err)}
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, &userapi.Error{Kind: userapi.KindUsage, Message: fmt.Sprintf("ca_file %s holds no PEM certificate", o.CAFile)}
			}
			t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		rt = t
	}
	c.http = &http.Client{Transport: rt, CheckRedirect: c.checkRedirect}
	return c, nil
}

// BaseURL returns the base URL requests are relative to.
func (c *Client) BaseURL() *url.URL { return c.base }

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host || (via[0].URL.Scheme == "https" && req.URL.Scheme != "https") {
		for h := range c.secrets {
			req.Header.Del(h)
		}
	}
	return nil
}

// URL resolves a request path against the base URL.
func (c *Client) URL(path string, q url.Values) (*url.URL, error) {
	var u *url.URL
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		p, err := url.Parse(path)
		if err != nil {
			return nil, err
		}
		u = p
	} else {
		if c.base == nil {
			return nil, &userapi.Error{Kind: userapi.KindUsage, Message: "the profile has no API URL"}
		}
		cp := *c.base
		rel, err := url.Parse(path)
		if err != nil {
			return nil, err
		}
		cp.Path = strings.TrimRight(cp.Path, "/") + "/" + strings.TrimLeft(rel.Path, "/")
		cp.RawPath = ""
		if rel.RawPath != "" {
			cp.RawPath = strings.TrimRight(c.base.EscapedPath(), "/") + "/" + strings.TrimLeft(rel.RawPath, "/")
		}
		cp.RawQuery = rel.RawQuery
		u = &cp
	}
	if len(q) > 0 {
		merged := u.Query()
		for k, vs := range q {
			merged[k] = vs
		}
		u.RawQuery = merged.Encode()
	}
	return u, nil
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
// a 2xx answer or a *userapi.Error.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	u, err := c.URL(r.Path, r.Query)
	if err != nil {
		return nil, err
	}
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	retryable := r.retryable()
	var failures, rateWaits int
	for {
		if err := ctx.Err(); err != nil {
			return nil, interrupted(err)
		}
		if c.opts.Limiter != nil {
			if err := c.opts.Limiter.Wait(ctx); err != nil {
				return nil, interrupted(err)
			}
		}
		resp, err := c.once(ctx, u, r)
		if err != nil {
			if ctx.Err() != nil {
				return nil, interrupted(ctx.Err())
			}
			sent := !isDialError(err)
			failures++
			if (retryable || !sent) && failures < c.opts.MaxAttempts {
				if werr := sleep(ctx, c.opts.Backoff(failures)); werr != nil {
					return nil, interrupted(werr)
				}
				continue
			}
			return nil, transportError(r.Method, u, err, c.opts.Timeout, sent && !retryable)
		}
		if resp.Status >= 200 && resp.Status < 300 {
			if c.opts.Limiter != nil {
				c.opts.Limiter.Success()
			}
			return resp, nil
		}
		if resp.Status >= 300 && resp.Status < 400 {
			return nil, &userapi.Error{Kind: userapi.KindUnknown, Status: resp.Status,
				Message: fmt.Sprintf("unexpected redirect %d from %s %s", resp.Status, r.Method, redactURL(u))}
		}
		// A 429 was refused by the server, so even a POST may be re-sent;
		// a 503 only for retryable methods.
		if resp.Status == http.StatusTooManyRequests || (resp.Status == http.StatusServiceUnavailable && retryable) {
			wait, known := RetryAfter(resp.Header, time.Now())
			if !known {
				wait = c.opts.Backoff(rateWaits + 1)
			}
			if c.opts.Limiter != nil && resp.Status == http.StatusTooManyRequests {
				c.opts.Limiter.Backoff(wait)
			}
			rateWaits++
			if rateWaits < c.opts.RateAttempts && wait <= c.opts.MaxWait {
				if c.opts.Limiter == nil || resp.Status != http.StatusTooManyRequests {
					if werr := sleep(ctx, wait); werr != nil {
						return nil, interrupted(werr)
					}
				}
				continue
			}
			e := c.statusError(r.Method, resp)
			if resp.Status == http.StatusTooManyRequests {
				e.Message = fmt.Sprintf("rate limited by the server after %d tries (%s)", rateWaits, e.Message)
				if wait > c.opts.MaxWait {
					e.Message = fmt.Sprintf("rate limited: the server asks to wait %s, more than the %s limit (%s)", wait.Round(time.Second), c.opts.MaxWait, c.statusError(r.Method, resp).Message)
				}
			}
			return nil, e
		}
		if resp.Status >= 500 && retryable {
			failures++
			if failures < c.opts.MaxAttempts {
				if werr := sleep(ctx, c.opts.Backoff(failures)); werr != nil {
					return nil, interrupted(werr)
				}
				continue
			}
		}
		e := c.statusError(r.Method, resp)
		if resp.Status >= 500 && !retryable {
			e.MaybeSent = true
		}
		return nil, e
	}
}

func (c *Client) once(ctx context.Context, u *url.URL, r Request) (*Response, error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(actx, r.Method, u.String(), body)
	if err != nil {
		return nil, err
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
	if c.opts.Auth != nil {
		c.opts.Auth(req)
	}
	start := time.Now()
	c.logRequest(req, r.Body)
	hr, err := c.http.Do(req)
	if err != nil {
		c.logf("! %s %s: %v\n", r.Method, redactURL(u), redactErr(err))
		return nil, err
	}
	defer hr.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hr.Body, c.opts.MaxBody+1))
	if err != nil {
		c.logf("! %s %s: reading body: %v\n", r.Method, redactURL(u), err)
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if int64(len(data)) > c.opts.MaxBody {
		return nil, &userapi.Error{Kind: userapi.KindUnknown, Status: hr.StatusCode,
			Message: fmt.Sprintf("response from %s %s is larger than %d MiB; refusing to read it", r.Method, redactURL(u), c.opts.MaxBody>>20)}
	}
	c.logResponse(hr, data, time.Since(start))
	return &Response{Status: hr.StatusCode, Header: hr.Header, Body: data, URL: hr.Request.URL}, nil
}

func (c *Client) statusError(method string, resp *Response) *userapi.Error {
	msg := c.opts.ErrorMessage(resp.Status, resp.Header, resp.Body)
	text := fmt.Sprintf("%d %s", resp.Status, http.StatusText(resp.Status))
	if msg != "" {
		text += ": " + msg
	}
	return &userapi.Error{Kind: userapi.KindForStatus(resp.Status), Status: resp.Status, Message: text}
}

// StatusMessage is the server's own message of an error, without the status.
func StatusMessage(err error) string {
	var e *userapi.Error
	if !errors.As(err, &e) {
		return ""
	}
	if e.Status == 0 {
		return e.Message
	}
	prefix := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	return strings.TrimPrefix(strings.TrimPrefix(e.Message, prefix), ": ")
}

func interrupted(err error) error {
	return &userapi.Error{Kind: userapi.KindInterrupted, Message: "interrupted", Err: err}
}

func transportError(method string, u *url.URL, err error, timeout time.Duration, maybeSent bool) error {
	var msg string
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		msg = fmt.Sprintf("%s %s: no response within %s (timeout)", method, redactURL(u), timeout)
	case isDialError(err):
		msg = fmt.Sprintf("cannot reach %s: %v", u.Host, rootCause(err))
	default:
		msg = fmt.Sprintf("%s %s: %v", method, redactURL(u), rootCause(err))
	}
	return &userapi.Error{Kind: userapi.KindUnknown, Message: msg, Err: err, MaybeSent: maybeSent}
}

func rootCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func redactErr(err error) error { return rootCause(err) }

func isDialError(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de)
}

func defaultBackoff(n int) time.Duration {
	base := 200 * time.Millisecond << (n - 1)
	if base > 5*time.Second {
		base = 5 * time.Second
	}
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

// RetryAfter reads how long the server asks to wait: Retry-After (seconds or
// an HTTP date), else X-RateLimit-Reset (seconds until reset, or a Unix time).
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			d := t.Sub(now)
			if d < 0 {
				d = 0
			}
			return d, true
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			if s > 1e9 { // a Unix timestamp
				d := time.Unix(int64(s), 0).Sub(now)
				if d < 0 {
					d = 0
				}
				return d, true
			}
			return time.Duration(s * float64(time.Second)), true
		}
	}
	return 0, false
}
