package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The rest dialect against a real server nobody here wrote: json-server
// 0.17.4 from npm (PUT replaces the whole record, _page/_limit paging with
// Link and X-Total-Count headers, no uniqueness on email). CI installs it
// with `npm install --prefix DIR json-server@0.17.4` and sets
// USERCTL_JSONSERVER_DIR=DIR and USERCTL_REQUIRE_JSONSERVER=1 (.ci/run).

const jsonServerVersion = "0.17.4"

// jsonServerScript finds json-server's entry script under
// USERCTL_JSONSERVER_DIR; the test skips where it is absent, or fails when
// USERCTL_REQUIRE_JSONSERVER=1 says it must run.
func jsonServerScript(t *testing.T) string {
	t.Helper()
	missing := func(format string, args ...any) string {
		msg := fmt.Sprintf(format, args...) + fmt.Sprintf(
			"; install it with `npm install --prefix DIR json-server@%s` and set USERCTL_JSONSERVER_DIR=DIR", jsonServerVersion)
		if os.Getenv("USERCTL_REQUIRE_JSONSERVER") == "1" {
			t.Fatalf("USERCTL_REQUIRE_JSONSERVER=1 but %s", msg)
		}
		t.Skip(msg)
		return ""
	}
	dir := os.Getenv("USERCTL_JSONSERVER_DIR")
	if dir == "" {
		return missing("USERCTL_JSONSERVER_DIR is not set")
	}
	if _, err := exec.LookPath("node"); err != nil {
		return missing("node is not on PATH")
	}
	pkg := filepath.Join(dir, "node_modules", "json-server")
	b, err := os.ReadFile(filepath.Join(pkg, "package.json"))
	if err != nil {
		return missing("json-server is not installed in %s: %v", dir, err)
	}
	var meta struct {
		Version string `json:"version"`
		Bin     any    `json:"bin"`
	}
	if err := json.Unmarshal(b, &meta); err != nil || meta.Version != jsonServerVersion {
		return missing("%s holds json-server %q, not %s", dir, meta.Version, jsonServerVersion)
	}
	bin := "lib/cli/bin.js"
	switch v := meta.Bin.(type) {
	case string:
		bin = v
	case map[string]any:
		if s, ok := v["json-server"].(string); ok {
			bin = s
		}
	}
	return filepath.Join(pkg, bin)
}

// jsonServer is a running json-server over its own db.json.
type jsonServer struct {
	t   *testing.T
	url string
}

// startJSONServer writes db as db.json in a temporary folder and serves it
// on 127.0.0.1 until the test ends.
func startJSONServer(t *testing.T, db map[string]any) *jsonServer {
	t.Helper()
	script := jsonServerScript(t)
	dir := t.TempDir()
	b, err := json.MarshalIndent(db, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "db.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The port is picked free, then handed to json-server: another process
	// may take it in between, so a start that fails is tried on another.
	var failures []string
	for range 3 {
		js, why := tryJSONServer(t, script, dir)
		if js != nil {
			return js
		}
		failures = append(failures, why)
	}
	t.Fatalf("json-server did not start:\n%s", strings.Join(failures, "\n"))
	return nil
}

// tryJSONServer starts json-server on a free port of 127.0.0.1, stopped
// when the test ends; nil and why when it did not serve.
func tryJSONServer(t *testing.T, script, dir string) (*jsonServer, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command("node", script, "--port", fmt.Sprint(port), "--host", "127.0.0.1", "db.json")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting json-server: %v", err)
	}
	done := make(chan struct{})
	ready := make(chan struct{}, 1)
	var out syncBuffer
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(&out, sc.Text())
			// json-server prints its resources once it listens.
			if strings.Contains(sc.Text(), base+"/users") {
				select {
				case ready <- struct{}{}:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	select {
	case <-ready:
		return &jsonServer{t: t, url: base}, ""
	case <-done:
		return nil, fmt.Sprintf("json-server exited before serving on %s\nstdout:\n%s\nstderr:\n%s", base, out.String(), stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("json-server not serving within 30s\nstdout:\n%s\nstderr:\n%s", out.String(), stderr)
	}
	return nil, ""
}

// raw reads a path of json-server as it stores it, bypassing userctl.
func (s *jsonServer) raw(path string) (int, any) {
	s.t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v any
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			s.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode, v
}

// record is one stored user.
func (s *jsonServer) record(id string) map[string]any {
	s.t.Helper()
	code, v := s.raw("/users/" + id)
	if code != http.StatusOK {
		s.t.Fatalf("GET /users/%s on json-server: %d", id, code)
	}
	return v.(map[string]any)
}

// all is every stored user.
func (s *jsonServer) all() []any {
	s.t.Helper()
	code, v := s.raw("/users")
	if code != http.StatusOK {
		s.t.Fatalf("GET /users on json-server: %d", code)
	}
	return v.([]any)
}

// seedUsers are n users as a json-server db holds them: string IDs, the
// document's fields and one of the server's own (team).
func seedUsers(n int) []any {
	users := make([]any, 0, n)
	for i := 1; i <= n; i++ {
		role := "user"
		if i%10 == 0 {
			role = "admin"
		}
		users = append(users, map[string]any{
			"id": fmt.Sprintf("usr_%06d", i), "email": fmt.Sprintf("user%d@example.com", i),
			"name": fmt.Sprintf("User %d", i), "role": role, "status": "active", "team": fmt.Sprintf("team-%d", i%3),
			"created_at": "2024-01-15T10:30:00Z", "updated_at": "2024-01-15T10:30:00Z",
		})
	}
	return users
}

// wantKept fails unless after equals before but for the keys of changed.
func wantKept(t *testing.T, what string, before, after map[string]any, changed map[string]any) {
	t.Helper()
	want := map[string]any{}
	for k, v := range before {
		want[k] = v
	}
	for k, v := range changed {
		want[k] = v
	}
	if !reflect.DeepEqual(after, want) {
		t.Errorf("%s: json-server holds\n %v\nwant\n %v", what, after, want)
	}
}

func TestJSONServerInterop(t *testing.T) {
	t.Parallel()
	js := startJSONServer(t, map[string]any{"users": seedUsers(250)})
	c := newCLI(t)
	r := c.run("profile", "add", "js", "--api", "rest", "--url", js.url, "--set", "auth=none", "--set", "page_param=_page",
		"--set", "size_param=_limit", "--set", "fields.status=status", "--set", "page_size=40")
	want(t, r, 0)
	wantNotIn(t, "profile add stderr", r.stderr, "without secrets", "USERCTL_TOKEN")
	r = c.run("profile", "check")
	want(t, r, 0)

	t.Run("list --all is complete, with the server's paging", func(t *testing.T) {
		r := c.run("--debug", "users", "list", "--all", "-o", "json")
		want(t, r, 0)
		var users []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &users); err != nil {
			t.Fatalf("%v\n%s", err, r)
		}
		ids := map[string]bool{}
		for _, u := range users {
			ids[u["id"].(string)] = true
		}
		if len(users) != 250 || len(ids) != 250 {
			t.Errorf("list --all: %d users (%d distinct), want 250", len(users), len(ids))
		}
		wantIn(t, "debug log", r.stderr, "_limit=40&_page=1", "_limit=40&_page=7", "X-Total-Count: 250")
		if n := strings.Count(r.stderr, "> GET "); n != 7 {
			t.Errorf("%d list requests, want 7 pages of 40", n)
		}
	})

	t.Run("get", func(t *testing.T) {
		u := object(t, c, "", "users", "get", "usr_000010")
		if u["email"] != "user10@example.com" || u["name"] != "User 10" || fmt.Sprint(u["roles"]) != "[admin]" ||
			u["created_at"] != "2024-01-15T10:30:00Z" {
			t.Errorf("get usr_000010 = %v", u)
		}
		r := c.run("users", "get", "usr_999999")
		want(t, r, 3)
		wantIn(t, "stderr", oneLineError(t, r), `user "usr_999999" not found`)
		wantNotIn(t, "stderr", r.stderr, "{}")
	})

	t.Run("writes keep every other field", func(t *testing.T) {
		before := js.record("usr_000020")
		u := object(t, c, "", "users", "update", "usr_000020", "--name", "Renamed Twenty")
		if u["email"] != "user20@example.com" || u["name"] != "Renamed Twenty" {
			t.Errorf("update printed %v", u)
		}
		wantKept(t, "after update", before, js.record("usr_000020"), map[string]any{"name": "Renamed Twenty"})

		want(t, c.run("users", "disable", "usr_000020", "--yes"), 0)
		wantKept(t, "after disable", before, js.record("usr_000020"), map[string]any{"name": "Renamed Twenty", "status": "disabled"})
		want(t, c.run("users", "enable", "usr_000020"), 0)
		wantKept(t, "after enable", before, js.record("usr_000020"), map[string]any{"name": "Renamed Twenty", "status": "active"})

		want(t, c.runIn("brand-new-pass-20\n", "users", "passwd", "usr_000020", "--password-stdin"), 0)
		wantKept(t, "after passwd", before, js.record("usr_000020"),
			map[string]any{"name": "Renamed Twenty", "status": "active", "password": "brand-new-pass-20"})
	})

	t.Run("create and delete", func(t *testing.T) {
		u := object(t, c, "created-pass-1\n", "users", "create", "--email", "created@example.com", "--name", "Created One",
			"--role", "admin", "--password-stdin")
		id, _ := u["id"].(string)
		if id == "" || u["email"] != "created@example.com" {
			t.Fatalf("create printed %v", u)
		}
		rec := js.record(id)
		if rec["email"] != "created@example.com" || rec["name"] != "Created One" || rec["role"] != "admin" || rec["status"] != "active" {
			t.Errorf("json-server holds %v", rec)
		}
		want(t, c.run("users", "delete", id, "--yes"), 0)
		if code, _ := js.raw("/users/" + id); code != http.StatusNotFound {
			t.Errorf("after delete, GET /users/%s answers %d, want 404", id, code)
		}
		r := c.run("users", "delete", id, "--yes")
		want(t, r, 3)
		wantNotIn(t, "stderr", r.stderr, "{}")
	})

	t.Run("export", func(t *testing.T) {
		r := c.run("users", "export", "-o", "jsonl")
		want(t, r, 0)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 250 {
			t.Fatalf("export wrote %d lines, want 250", len(lines))
		}
		wantNotIn(t, "export", r.stdout, "brand-new-pass-20", `"password"`)
		var u map[string]any
		if err := json.Unmarshal([]byte(lines[0]), &u); err != nil {
			t.Fatal(err)
		}
		if u["id"] != "usr_000001" || fmt.Sprint(u["extra"]) != "map[team:team-1]" {
			t.Errorf("first exported user = %v", u)
		}
	})
}

func TestJSONServerBulk(t *testing.T) {
	t.Parallel()
	js := startJSONServer(t, map[string]any{"users": seedUsers(250)})
	c := newCLI(t)
	c.profile("js", "rest", js.url, "--set", "auth=none", "--set", "page_param=_page", "--set", "size_param=_limit",
		"--set", "fields.status=status")

	var csv strings.Builder
	csv.WriteString("email,name,password,roles\n")
	for i := 1; i <= 100; i++ {
		fmt.Fprintf(&csv, "imported%d@example.com,Imported %d,import-pass-%03d,user\n", i, i, i)
	}
	file := writeFile(t, c, "import.csv", csv.String())
	r := c.run("users", "import", "-f", file)
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "100 created")
	if n := len(js.all()); n != 350 {
		t.Fatalf("after import json-server holds %d users, want 350", n)
	}
	// json-server has no unique email: only userctl can keep a re-run from
	// creating duplicates.
	r = c.run("users", "import", "-f", file, "--skip-existing")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "100 skipped")
	wantNotIn(t, "stderr", r.stderr, "created")
	if n := len(js.all()); n != 350 {
		t.Errorf("after the --skip-existing re-run json-server holds %d users, want 350", n)
	}

	apply := writeFile(t, c, "apply.csv", "email,name,roles,status,password\n"+
		"user1@example.com,Applied One,admin,active,\n"+
		"user2@example.com,User 2,user,disabled,\n"+
		"applied@example.com,Applied New,user,active,applied-pass-1\n")
	before := js.record("usr_000001")
	r = c.run("users", "apply", "-f", apply, "--yes")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "1 created", "2 updated")
	wantKept(t, "after apply", before, js.record("usr_000001"), map[string]any{"name": "Applied One", "role": "admin"})
	snapshot := js.all()
	r = c.run("users", "apply", "-f", apply, "--yes")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "3 unchanged")
	if after := js.all(); !reflect.DeepEqual(after, snapshot) {
		t.Errorf("the second apply changed json-server's data")
	}
}
