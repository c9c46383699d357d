package httpx

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
)

// TestRedirectToOtherOrigin: a redirect to another origin (another port of
// 127.0.0.1 counts) is refused, whatever the method: nothing reaches the
// other server and the error names both origins. A redirect on the same
// origin keeps the credentials and the body.
func TestRedirectToOtherOrigin(t *testing.T) {
	type seen struct{ auth, key, custom, body string }
	var hits atomic.Int32
	b := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(201)
	})
	var same seen
	a := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch relPath(r) {
		case "/away":
			http.Redirect(w, r, b.URL+basePath+"/landed", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, basePath+"/landed", http.StatusTemporaryRedirect)
		default:
			body, _ := io.ReadAll(r.Body)
			same = seen{r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("X-Secret-Thing"), string(body)}
			w.WriteHeader(204)
		}
	})
	var log strings.Builder
	c := newClient(t, a, func(o *Options) {
		o.SecretHeaders = []string{"X-Secret-Thing"}
		o.Debug = &log
		o.Auth = func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer t")
			r.Header.Set("X-API-KEY", "k")
			r.Header.Set("X-Secret-Thing", "s")
		}
	})
	ctx := context.Background()
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		var body []byte
		if m != http.MethodGet {
			body = []byte(`{"password":"hunter2-long"}`)
		}
		_, err := c.Do(ctx, Request{Method: m, Path: "/away", Body: body})
		if err == nil || !strings.Contains(err.Error(), a.URL) || !strings.Contains(err.Error(), b.URL) {
			t.Errorf("%s: error = %v, want a refusal naming both origins", m, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the other origin received %d requests", n)
	}
	if _, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/here", Body: []byte(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	if same != (seen{"Bearer t", "k", "s", `{"a":1}`}) {
		t.Errorf("same origin lost credentials or body: %+v", same)
	}
	if !strings.Contains(log.String(), "redirected to "+b.URL) || !strings.Contains(log.String(), "redirected to "+a.URL) {
		t.Errorf("--debug log does not show the hops:\n%s", log.String())
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		{"https://a.example/x", "https://a.example/y", true},
		{"https://a.example/x", "http://a.example/y", false},
		{"http://a.example/x", "https://a.example/y", true},
		{"https://a.example/x", "https://b.example/y", false},
		{"https://a.example/x", "https://a.example:8443/y", false},
		{"https://A.example/x", "https://a.example/y", true},
	}
	for _, tt := range tests {
		f, _ := http.NewRequest("GET", tt.from, nil)
		to, _ := http.NewRequest("GET", tt.to, nil)
		if got := sameOrigin(f.URL, to.URL); got != tt.want {
			t.Errorf("sameOrigin(%s, %s) = %v", tt.from, tt.to, got)
		}
	}
}

// TestRedirect308ResendsBody: Go follows a 307/308 for a POST only when the
// body can be re-read; a bytes body can.
func TestRedirect308ResendsBody(t *testing.T) {
	var got string
	var method string
	ts := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if relPath(r) == "/users" {
			http.Redirect(w, r, basePath+"/users/", http.StatusPermanentRedirect)
			return
		}
		b, _ := io.ReadAll(r.Body)
		got, method = string(b), r.Method
		w.WriteHeader(201)
	})
	c := newClient(t, ts, nil)
	resp, err := c.Do(context.Background(), Request{Method: "POST", Path: "/users", Body: []byte(`{"email":"a@b.c"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if method != "POST" || got != `{"email":"a@b.c"}` || resp.Status != 201 {
		t.Errorf("after 308: %s %q status %d", method, got, resp.Status)
	}
	if resp.URL.Path != basePath+"/users/" {
		t.Errorf("Response.URL = %s, want the final URL", resp.URL)
	}
	if ts.hits.Load() != 2 {
		t.Errorf("%d requests, want 2", ts.hits.Load())
	}
}

func TestCAFile(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"ok": true}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	c, err := New(Options{BaseURL: srv.URL + "/api/1", CAFile: caFile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(ctx, Request{Path: "/users"}); err != nil {
		t.Fatalf("with ca_file: %v", err)
	}

	tries := 0
	c, err = New(Options{BaseURL: srv.URL + "/api/1", Backoff: func(int) time.Duration { tries++; return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(ctx, Request{Method: "POST", Path: "/users", Body: []byte("{}")})
	var e *errkind.Error
	if !errors.As(err, &e) || e.Kind != errkind.Unknown || e.MaybeSent ||
		!strings.Contains(e.Message, "certificate") || !strings.Contains(e.Message, "ca_file") {
		t.Fatalf("without ca_file: %v, want an errkind.Unknown certificate error naming ca_file", err)
	}
	if tries != 0 {
		t.Errorf("a certificate error was retried %d times", tries)
	}

	for _, bad := range []string{filepath.Join(dir, "missing.pem"), writeFile(t, dir, "junk.pem", "not a cert")} {
		if _, err := New(Options{BaseURL: srv.URL, CAFile: bad}); errkind.Of(err) != errkind.Usage {
			t.Errorf("CAFile %s: %v, want a usage error", bad, err)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProxyFromEnvironment: the default transport is a clone of
// http.DefaultTransport and so honours HTTPS_PROXY/NO_PROXY. (Go never
// proxies loopback hosts, and reads the environment once per process, so
// the proxying itself cannot be exercised here.)
func TestProxyFromEnvironment(t *testing.T) {
	c, err := New(Options{BaseURL: "https://api.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := c.http.Transport.(*http.Transport)
	if !ok || tr.Proxy == nil {
		t.Fatalf("transport %T has no Proxy func", c.http.Transport)
	}
	if tr == http.DefaultTransport {
		t.Error("the shared DefaultTransport is used, not a clone")
	}
	custom := roundTripFunc(func(r *http.Request) (*http.Response, error) { return nil, errors.New("x") })
	c, _ = New(Options{BaseURL: "https://api.example.com", Transport: custom})
	if _, ok := c.http.Transport.(roundTripFunc); !ok {
		t.Error("Options.Transport not used")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
