package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// Defects found by the acceptance pass over issues 11–18, one test each.

// TestQASCIMRepeatedPagesListEachUserOnce: a SCIM server that ignores
// startIndex past its end (it wraps around, claiming more users than it
// has) is listed until a page repeats, and no user is printed twice — the
// startIndex 0 probe for 0-based servers must not add one already listed.
func TestQASCIMRepeatedPagesListEachUserOnce(t *testing.T) {
	t.Parallel()
	const users, pageSize = 12, 4
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/Users") {
			http.NotFound(w, r)
			return
		}
		start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
		n := pageSize // a silent cap on count
		if count, err := strconv.Atoi(r.URL.Query().Get("count")); err == nil && count < n {
			n = count
		}
		var res []map[string]any
		for i := 0; i < n; i++ {
			n := 1 + (start-1+i+users)%users // wraps around: never an empty page
			res = append(res, map[string]any{"id": fmt.Sprintf("u%d", n), "userName": fmt.Sprintf("user%d", n)})
		}
		w.Header().Set("Content-Type", "application/scim+json")
		_ = json.NewEncoder(w).Encode(map[string]any{"totalResults": 1000, "Resources": res})
	}))
	t.Cleanup(srv.Close)
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	c.profile("wrap", "scim", srv.URL+"/scim/v2")
	for _, conc := range []string{"1", "4"} {
		r := c.run("users", "list", "--all", "--page-concurrency", conc, "-o", "jsonl")
		seen := map[string]int{}
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var u struct{ ID string }
			if err := json.Unmarshal([]byte(line), &u); err != nil {
				t.Fatalf("line %q: %v\n%s", line, err, r)
			}
			seen[u.ID]++
			if seen[u.ID] > 1 {
				t.Fatalf("--page-concurrency %s: user %s listed twice\n%s", conc, u.ID, r)
			}
		}
	}
}

// TestQAInvalidHeaderNamesAreUsageErrors: a header name that HTTP cannot
// carry (a space, a colon) in a scim profile's auth=header:NAME, or in
// `userctl api -H`, is refused before any request with exit 2 — not taken
// into the profile and failed with exit 1 at every later command.
func TestQAInvalidHeaderNamesAreUsageErrors(t *testing.T) {
	t.Parallel()
	srv := newCounter(t, http.StatusOK, nil, `{"totalResults":0,"Resources":[]}`)
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	r := c.run("profile", "add", "bad", "--api", "scim", "--url", srv.URL+"/scim/v2", "--set", "auth=header:X Token")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, `"X Token"`)
	// rest maps the same key the same way.
	r = c.run("profile", "add", "badrest", "--api", "rest", "--url", srv.URL+"/v1", "--set", "auth=header:X Token")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, `"X Token"`)
	// A config written by hand is refused the same way, before a request.
	if err := os.MkdirAll(filepath.Dir(c.configPath()), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "current_profile: bad\nprofiles:\n  bad: {api: scim, url: " + srv.URL + "/scim/v2, auth: \"header:X Token\"}\n"
	if err := os.WriteFile(c.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run("users", "list")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, `"X Token"`)
	if err := os.Remove(c.configPath()); err != nil {
		t.Fatal(err)
	}
	c.profile("good", "scim", srv.URL+"/scim/v2")
	for _, h := range []string{"X Y: v", "(x): v", "X: a\r\nInjected: 1"} {
		r = c.run("-p", "good", "api", "GET", "/Users", "-H", h)
		want(t, r, 2)
	}
	if n := srv.n.Load(); n != 0 {
		t.Fatalf("%d requests sent with an invalid header", n)
	}
}

// TestQAGetSeveralIgnoredPrintsEmptyArray: `users get` with several IDs
// prints a JSON array, `[]` when --ignore-not-found left every user out —
// never nothing, which `jq` and JSON parsers refuse.
func TestQAGetSeveralIgnoredPrintsEmptyArray(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	c.profile("src", "rest", c.serve("rest", "--seed", "2"))
	r := c.run("users", "get", "usr_404a", "usr_404b", "--ignore-not-found", "-o", "json")
	want(t, r, 0)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("want [], got:\n%s", r)
	}
	r = c.runIn("usr_404a\nusr_404b\n", "users", "get", "-f", "-", "--ignore-not-found", "-o", "json")
	want(t, r, 0)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("want [], got:\n%s", r)
	}
}

// TestQAGetSelectionIsAlwaysAnArray: `users get -f FILE -o json` prints a
// JSON array however many IDs the selection holds, so a pipe such as
// `users list --role guest -o jsonl | users get -f - -o json | jq '.[]'`
// does not break on the day one user matches.
func TestQAGetSelectionIsAlwaysAnArray(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	c.profile("src", "rest", c.serve("rest", "--seed", "2"))
	r := c.runIn(`{"id":"usr_000001"}`+"\n", "users", "get", "-f", "-", "-o", "json")
	want(t, r, 0)
	var users []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &users); err != nil || len(users) != 1 || users[0]["id"] != "usr_000001" {
		t.Fatalf("want an array of one user (%v), got:\n%s", err, r)
	}
	// One ID given as an argument stays one object.
	r = c.run("users", "get", "usr_000001", "-o", "json")
	want(t, r, 0)
	var one map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || one["id"] != "usr_000001" {
		t.Fatalf("want one object (%v), got:\n%s", err, r)
	}
}

// TestQANextLinkTokenNeverShown: a next link carrying a secret query
// parameter (access_token=…) is a secret of the request that follows it:
// the server echoing that value back in an error is scrubbed, and the
// Link header shown by --debug has the value redacted, as every URL.
func TestQANextLinkTokenNeverShown(t *testing.T) {
	t.Parallel()
	const secret = "nextLinkSecret-4242"
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if tok := r.URL.Query().Get("access_token"); tok != "" {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = fmt.Fprintf(w, `{"message":"upstream refused token %s"}`, tok)
			return
		}
		w.Header().Set("Link", "<"+srv.URL+"/v1/users?page=2&access_token="+secret+`>; rel="next"`)
		_, _ = w.Write([]byte(`[{"id":"a1","email":"a1@example.com"}]`))
	}))
	t.Cleanup(srv.Close)
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	c.profile("link", "rest", srv.URL+"/v1")
	r := c.run("users", "list", "--all")
	if r.code == 0 {
		t.Fatalf("want the page error, got:\n%s", r)
	}
	wantIn(t, "stderr", r.stderr, "upstream refused token [REDACTED]")
	wantNotIn(t, "output", r.stdout+r.stderr, secret)
	r = c.run("--debug", "users", "list", "--all")
	wantIn(t, "stderr", r.stderr, "access_token=[REDACTED]")
	wantNotIn(t, "--debug output", r.stdout+r.stderr, secret)
}

// TestQAProfileAddTokenEnv: `profile add --set token_env=NAME` records
// where the secret lives (CLI.md: "A profile may also say where a secret
// lives instead of holding it"), asks for no token, and the commands read
// the token from NAME at run time — it is not refused as a secret value.
func TestQAProfileAddTokenEnv(t *testing.T) {
	t.Parallel()
	var got atomic.Value
	got.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = w.Write([]byte(`{"totalResults":0,"Resources":[]}`))
	}))
	t.Cleanup(srv.Close)
	c := newCLI(t)
	r := c.run("profile", "add", "ci", "--api", "scim", "--url", srv.URL+"/scim/v2", "--set", "token_env=CI_SCIM_TOKEN")
	want(t, r, 0)
	wantNotIn(t, "stderr", r.stderr, "saved without secrets")
	r = c.run("profile", "show", "ci")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "env CI_SCIM_TOKEN (token_env)")
	r = c.runIO("", []string{"CI_SCIM_TOKEN=from-env-4242"}, "users", "list")
	want(t, r, 0)
	if a := got.Load().(string); a != "Bearer from-env-4242" {
		t.Fatalf("Authorization %q, want the token of CI_SCIM_TOKEN", a)
	}
	// A variable name that no shell can set is refused.
	r = c.run("profile", "add", "bad", "--api", "scim", "--url", srv.URL+"/scim/v2", "--set", "token_env=1 X")
	want(t, r, 2)
}

// TestQAProfileCheckNamesTheMissingSecret: profile check of a profile
// whose token_env variable is unset names that variable (as every other
// command does), and one with no secret says "has no token", not
// "has no [token]".
func TestQAProfileCheckNamesTheMissingSecret(t *testing.T) {
	t.Parallel()
	srv := newCounter(t, http.StatusOK, nil, `{"totalResults":0,"Resources":[]}`)
	c := newCLI(t)
	c.profile("viaenv", "scim", srv.URL+"/scim/v2", "--set", "token_env=QA_UNSET_TOKEN")
	r := c.run("profile", "check", "viaenv")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, "QA_UNSET_TOKEN", "not set")
	c.profile("none", "scim", srv.URL+"/scim/v2")
	r = c.run("profile", "check", "none")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, `profile "none" has no token:`)
	if n := srv.n.Load(); n != 0 {
		t.Fatalf("%d requests sent without a token", n)
	}
}
