package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// `userctl api` builds its request (method, headers) and prints the status
// line without the command importing net/http: the header parsing, the
// method check and the status line are checked here through the binary.
func TestAPIHeadersMethodAndStatusLine(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Reply", "yes")
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"no such thing"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	requests := func() []*http.Request {
		mu.Lock()
		defer mu.Unlock()
		return append([]*http.Request(nil), seen...)
	}
	c := newCLI(t)
	c.profile("raw", "rest", srv.URL)
	c.set("USERCTL_PROFILE", "raw", "USERCTL_TOKEN", "t0k")

	r := c.run("api", "post", "/things", "-H", "x-trace: a", "-H", "X-Trace:b ", "--data", `{}`, "-i")
	want(t, r, 0)
	if got := strings.TrimSpace(r.stdout); got != `{"ok":true}` {
		t.Errorf("stdout = %q", got)
	}
	wantIn(t, "stderr", r.stderr, "HTTP 201 Created\n", "X-Reply: yes\n")
	reqs := requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if reqs[0].Method != "POST" {
		t.Errorf("method %q, want POST", reqs[0].Method)
	}
	if got := reqs[0].Header.Values("X-Trace"); strings.Join(got, ",") != "a,b" {
		t.Errorf("X-Trace = %q, want [a b] (one header, both values, trimmed)", got)
	}

	// The error status prints its own line, and the exit code follows it.
	r = c.run("api", "GET", "/missing", "--include")
	want(t, r, 3)
	wantIn(t, "stderr", r.stderr, "HTTP 404 Not Found\n")
	wantIn(t, "stdout", r.stdout, "no such thing")

	// Malformed headers and unknown methods are usage errors, and nothing
	// is sent.
	before := len(requests())
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"api", "GET", "/things", "-H", "novalue"}, `userctl: --header "novalue": want KEY:VALUE`},
		{[]string{"api", "GET", "/things", "-H", " : v"}, `userctl: --header " : v": want KEY:VALUE`},
		{[]string{"api", "fetch", "/things"}, `userctl: unknown method "fetch" (want GET, POST, PUT, PATCH, DELETE or HEAD)`},
	} {
		r := c.run(tc.args...)
		want(t, r, 2)
		if got := oneLineError(t, r); got != tc.msg {
			t.Errorf("%v: stderr %q, want %q", tc.args, got, tc.msg)
		}
	}
	if n := len(requests()); n != before {
		t.Errorf("%d requests sent by refused commands", n-before)
	}
}
