package httpx

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
)

// TestScrubEchoedSecrets: a server that repeats the credentials and the
// request's password (as is, base64, URL-encoded) in its error body never
// gets them into the error or the --debug log.
func TestScrubEchoedSecrets(t *testing.T) {
	const token, pw = "tok-0123456789", "new pass/word+9"
	forms := []string{token, pw, base64.StdEncoding.EncodeToString([]byte(pw)), url.QueryEscape(pw),
		base64.StdEncoding.EncodeToString([]byte("admin:" + token))}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("denied " + strings.Join(forms, " ") + " " + r.Header.Get("Authorization")))
	})
	var log strings.Builder
	c := newClient(t, srv, func(o *Options) {
		o.Debug = &log
		o.Auth = func(r *http.Request) { r.SetBasicAuth("admin", token) }
	})
	_, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/users", Body: []byte(`{"user": {"password": "` + pw + `"}}`)})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, f := range forms {
		if strings.Contains(err.Error(), f) || strings.Contains(log.String(), f) {
			t.Errorf("%q shown:\nerror: %v\nlog:\n%s", f, err, log.String())
		}
	}
	if !strings.Contains(err.Error(), "denied "+Redacted) {
		t.Errorf("error %q, want the server's message with [REDACTED]", err)
	}
}

func TestRedactText(t *testing.T) {
	for in, want := range map[string]string{
		"loop at /users?page=2&access_token=abc; stopping":   "loop at /users?page=2&access_token=[REDACTED]; stopping",
		`{"next": "https://u:p@h/x?sig=1&code=2&jwt=3&a=4"}`: `{"next": "https://[REDACTED]@h/x?sig=[REDACTED]&code=[REDACTED]&jwt=[REDACTED]&a=4"}`,
		"no url here = fine": "no url here = fine",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNotSent: a request interrupted while waiting out a 429 was surely not
// carried out (NotSent); one cut short in flight may have been.
func TestNotSent(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if strings.HasSuffix(r.URL.Path, "/busy") {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // before the server closes
	c := newClient(t, srv, func(o *Options) { o.MaxWait = time.Minute })
	for _, tc := range []struct {
		path    string
		notSent bool
	}{{"/busy", true}, {"/slow", false}} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		_, err := c.Do(ctx, Request{Method: http.MethodPost, Path: tc.path, Body: []byte(`{}`)})
		var e *errkind.Error
		if !errors.As(err, &e) || e.NotSent != tc.notSent {
			t.Errorf("%s: error %v (NotSent %v), want NotSent %v", tc.path, err, e != nil && e.NotSent, tc.notSent)
		}
		cancel()
	}
}
