package httpx

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
)

func TestURLJoin(t *testing.T) {
	c, err := New(Options{BaseURL: "https://api.example.com/api/1/"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		q    url.Values
		want string
	}{
		{"users", nil, "https://api.example.com/api/1/users"},
		{"/users", nil, "https://api.example.com/api/1/users"},
		{"/users/", nil, "https://api.example.com/api/1/users/"},
		{"users/abc/followers/", nil, "https://api.example.com/api/1/users/abc/followers/"},
		{"", nil, "https://api.example.com/api/1"},
		{"/users/?q=x", nil, "https://api.example.com/api/1/users/?q=x"},
		{"/users?page=1&q=a", url.Values{"page": {"2"}, "size": {"5"}}, "https://api.example.com/api/1/users?page=2&q=a&size=5"},
		{"/users", url.Values{"q": {"a b&c"}}, "https://api.example.com/api/1/users?q=a+b%26c"},
		{"/user/user%40example.com", nil, "https://api.example.com/api/1/user/user%40example.com"},
		{"/user/user@example.com", nil, "https://api.example.com/api/1/user/user@example.com"},
		{"/users/a%2Fb", nil, "https://api.example.com/api/1/users/a%2Fb"},
		{"/users/" + url.PathEscape("john doe"), nil, "https://api.example.com/api/1/users/john%20doe"},
		{"/users#frag", nil, "https://api.example.com/api/1/users"},
		{"https://other.example.com/api/1/users/?page=2", nil, "https://other.example.com/api/1/users/?page=2"},
		{"HTTP://api.example.com/x?page=2", url.Values{"page": {"3"}}, "http://api.example.com/x?page=3"},
	}
	for _, tt := range tests {
		u, err := c.URL(tt.path, tt.q)
		if err != nil {
			t.Errorf("URL(%q): %v", tt.path, err)
			continue
		}
		if got := u.String(); got != tt.want {
			t.Errorf("URL(%q, %v) = %s, want %s", tt.path, tt.q, got, tt.want)
		}
	}
}

func TestURLErrors(t *testing.T) {
	for _, base := range []string{"api.example.com/v1", "localhost:8080", "ftp://x/y", "https://", "http://[::1", "://x"} {
		if _, err := New(Options{BaseURL: base}); errkind.Of(err) != errkind.Usage {
			t.Errorf("New(BaseURL %q) = %v, want a usage error", base, err)
		}
	}
	c, err := New(Options{BaseURL: "https://api.example.com/v1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.URL("/users/%zz", nil); errkind.Of(err) != errkind.Usage {
		t.Errorf("bad escape: %v, want a usage error", err)
	}
	if _, err := c.URL("https:///nohost", nil); errkind.Of(err) != errkind.Usage {
		t.Errorf("absolute URL without host: %v, want a usage error", err)
	}
	noBase, _ := New(Options{})
	if _, err := noBase.URL("/users", nil); errkind.Of(err) != errkind.Usage {
		t.Errorf("no base: %v, want a usage error", err)
	}
	if _, err := noBase.URL("https://x.example/users", nil); err != nil {
		t.Errorf("no base, absolute URL: %v", err)
	}
}

// TestRequestPathsOnServer checks what really goes on the wire under a
// base path, including trailing slashes and escaped segments.
func TestRequestPathsOnServer(t *testing.T) {
	var got []string
	ts := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		s := relPath(r)
		if r.URL.RawQuery != "" {
			s += "?" + r.URL.RawQuery
		}
		got = append(got, s)
		w.WriteHeader(http.StatusNoContent)
	})
	c := newClient(t, ts, nil)
	ctx := context.Background()
	for _, p := range []string{"users/", "/user/user%40example.com", "/user/user@example.com", "/users?page=2", ts.URL + basePath + "/users/?page=3"} {
		if _, err := c.Do(ctx, Request{Path: p}); err != nil {
			t.Fatalf("Do(%q): %v", p, err)
		}
	}
	want := []string{"/users/", "/user/user%40example.com", "/user/user@example.com", "/users?page=2", "/users/?page=3"}
	if len(got) != len(want) {
		t.Fatalf("server saw %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: server saw %q, want %q", i, got[i], want[i])
		}
	}
}

// TestOtherOriginURLRefused: an absolute URL (a next-page link) on another
// origin is refused before anything is sent there; one on the base's
// origin carries the credentials.
func TestOtherOriginURLRefused(t *testing.T) {
	var auths []string
	h := func(w http.ResponseWriter, r *http.Request) {
		auths = append(auths, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusNoContent)
	}
	a, b := newServer(t, h), newServer(t, h)
	c := newClient(t, a, func(o *Options) {
		o.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer s3cr3t") }
	})
	ctx := context.Background()
	if _, err := c.Do(ctx, Request{Path: a.URL + basePath + "/users"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Do(ctx, Request{Path: b.URL + basePath + "/users?access_token=leaked"})
	if err == nil || !strings.Contains(err.Error(), b.URL) || !strings.Contains(err.Error(), a.URL) || strings.Contains(err.Error(), "leaked") {
		t.Errorf("error = %v, want one naming both origins, token redacted", err)
	}
	if len(auths) != 1 || auths[0] != "Bearer s3cr3t" {
		t.Errorf("Authorization sent = %q, want one request, to the base host", auths)
	}
}
