package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// recorder is an API server on 127.0.0.1 that answers every request with
// one fixed JSON body and records each request's method and escaped path.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []string
}

func newRecorder(t *testing.T, body string) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r.Method+" "+r.URL.EscapedPath())
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(rec.Close)
	return rec
}

// lastLine is the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func (rec *recorder) requests() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.reqs...)
}

// TestInvalidIDsAreNeverSent runs every verb that takes a user ID with IDs
// that would change the request path, on every dialect: each is exit 2,
// names the ID, and sends nothing at all.
func TestInvalidIDsAreNeverSent(t *testing.T) {
	t.Parallel()
	type run struct {
		stdin string
		args  []string
	}
	dialects := []struct {
		api   string
		add   []string
		env   []string
		runs  []run
		valid run // the same kind of command with a good ID reaches the server
	}{
		{"rest", nil, []string{"USERCTL_TOKEN", "t0ken"}, []run{
			{"", []string{"users", "delete", "", "--yes"}},
			{"", []string{"users", "delete", "..", "--yes"}},
			{"", []string{"users", "disable", "", "--yes"}},
			{"", []string{"users", "enable", "."}},
			{"", []string{"users", "update", "", "--name", "Eve"}},
			{"new-password-1\n", []string{"users", "passwd", ".", "--password-stdin"}},
			{"", []string{"users", "get", "../admin"}},
			{"", []string{"users", "get", `..\admin`}},
			{"", []string{"users", "get", "   "}},
		}, run{"", []string{"users", "get", "usr_1"}}},
		{"udata", nil, []string{"USERCTL_TOKEN", "k3y"}, []run{
			{"", []string{"users", "follow", ".."}},
			{"", []string{"users", "unfollow", ""}},
			{"", []string{"users", "followers", "."}},
			{"", []string{"users", "avatar", "upload", "..", "AVATAR"}},
			{"", []string{"users", "passwd", ""}},
			{"", []string{"users", "delete", "a/b", "--yes"}},
			{"", []string{"users", "update", "..", "--first-name", "Eve"}},
		}, run{"", []string{"users", "get", "some-slug"}}},
		{"datadog", nil, []string{"USERCTL_API_KEY", "dd-api", "USERCTL_APP_KEY", "dd-app"}, []run{
			{"", []string{"users", "delete", "", "--yes"}},
			{"", []string{"users", "delete", "..", "--yes"}},
			{"", []string{"users", "disable", "a/b@example.com", "--yes"}},
			{"", []string{"users", "get", "."}},
			{"", []string{"users", "update", "", "--name", "Eve"}},
			{"", []string{"users", "enable", "..\n"}},
		}, run{"", []string{"users", "get", "ada@example.com"}}},
		{"basic", []string{"--username", "admin"}, []string{"USERCTL_PASSWORD", "admin-pass"}, []run{
			{"current-pass-1\nnew-password-1\n", []string{"users", "passwd", "..", "--password-stdin"}},
			{"", []string{"users", "delete", "", "--yes"}},
			{"", []string{"users", "get", "."}},
			{"new-password-1\n", []string{"users", "create", "..", "--password-stdin"}},
		}, run{"", []string{"users", "get", "alice"}}},
	}
	for _, d := range dialects {
		t.Run(d.api, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			rec := newRecorder(t, `{}`)
			c.profile("p", d.api, rec.URL, d.add...)
			c.set(d.env...)
			img := filepath.Join(c.dir, "a.png")
			writePNG(t, img)
			for _, r := range d.runs {
				args := make([]string, len(r.args))
				var id string
				for i, a := range r.args {
					if a == "AVATAR" {
						a = img
					}
					args[i] = a
				}
				id = args[2]
				if args[1] == "avatar" {
					id = args[3]
				}
				res := c.runIn(r.stdin, args...)
				want(t, res, 2)
				q, _ := json.Marshal(id) // the ID as %q shows it
				wantIn(t, "stderr", lastLine(res.stderr), "userctl: invalid user ID "+string(q))
				if got := rec.requests(); len(got) != 0 {
					t.Fatalf("%q sent %v", args, got)
				}
			}
			// The server is reachable: a valid ID gets there.
			c.runIn(d.valid.stdin, d.valid.args...)
			if len(rec.requests()) == 0 {
				t.Errorf("%q sent nothing: the test proves nothing", d.valid.args)
			}
		})
	}
}

// TestIDsArePathEscaped checks that an ID with characters that mean
// something in a URL stays one path segment.
func TestIDsArePathEscaped(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	rec := newRecorder(t, `{"id": "x", "email": "x@example.com"}`)
	c.profile("p", "rest", rec.URL)
	c.set("USERCTL_TOKEN", "t0ken")
	want(t, c.run("users", "get", "a?b#c d%2e"), 0)
	want(t, c.run("users", "delete", "...", "--yes"), 0)
	got := strings.Join(rec.requests(), "\n")
	if got != "GET /users/a%3Fb%23c%20d%252e\nDELETE /users/..." {
		t.Errorf("requests:\n%s", got)
	}
}

// TestMultiIDVerbsGoOnPastInvalidIDs: an invalid ID among others is
// reported and skipped, like a user not found; the others are done and the
// exit code is 2.
func TestMultiIDVerbsGoOnPastInvalidIDs(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("p", "rest", c.serve("rest"))
	c.set("USERCTL_TOKEN", "t0ken")
	var ids []string
	for _, n := range []string{"ann", "bob", "cyd"} {
		u := object(t, c, "secret-pass-1\n", "users", "create", "--email", n+"@example.com", "--name", n, "--password-stdin")
		ids = append(ids, u["id"].(string))
	}

	r := c.run("users", "get", ids[0], "", ids[1], "-o", "json")
	want(t, r, 2)
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 2 {
		t.Fatalf("want the two valid users as a JSON array (%v):\n%s", err, r)
	}
	wantIn(t, "stderr", oneLineError(t, r), `invalid user ID ""`)

	r = c.run("users", "disable", ids[0], "..", "--yes")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, `invalid user ID ".."`)
	if u := object(t, c, "", "users", "get", ids[0]); u["status"] != "disabled" {
		t.Errorf("%s not disabled: %v", ids[0], u)
	}

	r = c.run("users", "delete", ids[0], "", ids[1], "nobody-here", "..", "--yes", "--ignore-not-found")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, `Invalid user ID ""`, `Invalid user ID ".."`, `User "nobody-here" not found (ignored)`)
	wantIn(t, "stderr", lastLine(r.stderr), `userctl: 2 invalid user IDs: "", ".."`)
	for _, id := range ids[:2] {
		want(t, c.run("users", "get", id), 3)
	}
	want(t, c.run("users", "get", ids[2]), 0)
}
