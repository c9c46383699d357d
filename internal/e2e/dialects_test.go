package e2e

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// object runs a command with -o json and decodes its one object.
func object(t *testing.T, c *cli, stdin string, args ...string) map[string]any {
	t.Helper()
	r := c.runIn(stdin, append(args, "-o", "json")...)
	want(t, r, 0)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, r)
	}
	return m
}

// array runs a command with -o json and decodes its array.
func array(t *testing.T, c *cli, args ...string) []map[string]any {
	t.Helper()
	r := c.run(append(args, "-o", "json")...)
	want(t, r, 0)
	var a []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &a); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, r)
	}
	return a
}

func rolesOf(u map[string]any) []string {
	var out []string
	rs, _ := u["roles"].([]any)
	for _, r := range rs {
		if s, ok := r.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for x := range 4 {
		for y := range 4 {
			img.Set(x, y, color.RGBA{R: uint8(60 * x), G: uint8(60 * y), B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDialectUdata(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("gouv", "udata", c.serve("udata"))
	c.set("USERCTL_TOKEN", "udata-e2e-key")

	ada := object(t, c, "", "users", "create", "--first-name", "Ada", "--last-name", "Byron", "--email", "ada.byron@example.com", "--role", "admin")
	adaID, _ := ada["id"].(string)
	if adaID == "" || ada["name"] != "Ada Byron" || !contains(rolesOf(ada), "admin") {
		t.Fatalf("created user: %v", ada)
	}
	alan := object(t, c, "", "users", "create", "--first-name", "Alan", "--last-name", "Turing", "--email", "alan.turing@example.com")
	alanID, _ := alan["id"].(string)

	t.Run("list", func(t *testing.T) {
		got := emails(listJSON(t, c))
		if !got["ada.byron@example.com"] || !got["alan.turing@example.com"] {
			t.Errorf("list: %v", got)
		}
		r := c.run("users", "list", "--query", "nomatch-e2e", "-o", "json")
		want(t, r, 0)
		if s := strings.TrimSpace(r.stdout); s != "[]" {
			t.Errorf("list --query nomatch: %q, want []", s)
		}
	})
	t.Run("update keeps roles", func(t *testing.T) {
		u := object(t, c, "", "users", "update", adaID, "--email", "ada.king@example.com")
		if u["email"] != "ada.king@example.com" || !contains(rolesOf(u), "admin") {
			t.Errorf("after update: %v", u)
		}
		u = object(t, c, "", "users", "get", adaID)
		if !contains(rolesOf(u), "admin") {
			t.Errorf("roles lost by update: %v", u)
		}
	})
	t.Run("follow", func(t *testing.T) {
		want(t, c.run("users", "follow", alanID), 0)
		if fs := array(t, c, "users", "followers", alanID); len(fs) != 1 {
			t.Errorf("followers after follow: %v", fs)
		}
		want(t, c.run("users", "unfollow", alanID), 0)
		r := c.run("users", "followers", alanID, "-o", "json")
		want(t, r, 0)
		if s := strings.TrimSpace(r.stdout); s != "[]" {
			t.Errorf("followers after unfollow: %q, want []", s)
		}
	})
	t.Run("avatar", func(t *testing.T) {
		img := filepath.Join(c.dir, "face.png")
		writePNG(t, img)
		r := c.run("users", "avatar", "upload", alanID, img)
		want(t, r, 0)
		r = c.run("users", "avatar", "upload", alanID, img, "--bbox", "0,0,2,2")
		want(t, r, 0)
		txt := filepath.Join(c.dir, "notes.txt")
		if err := os.WriteFile(txt, []byte("not an image at all\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r = c.run("users", "avatar", "upload", alanID, txt)
		want(t, r, 2)
		wantIn(t, "stderr", oneLineError(t, r), "notes.txt", "is not a JPEG, PNG or WebP image (detected text/plain; charset=utf-8)")
	})
	t.Run("suggest", func(t *testing.T) {
		r := c.run("users", "suggest", "alan", "-o", "json")
		want(t, r, 0)
		wantIn(t, "stdout", r.stdout, alanID)
	})
	t.Run("roles", func(t *testing.T) {
		r := c.run("users", "roles")
		want(t, r, 0)
		wantIn(t, "stdout", r.stdout, "admin")
	})
	t.Run("passwd rotates", func(t *testing.T) {
		r := c.run("users", "passwd", alanID)
		want(t, r, 0)
		wantIn(t, "stderr", strings.ToLower(r.stderr), "rotation")
	})
	t.Run("debug redacts the API key", func(t *testing.T) {
		r := c.run("--debug", "users", "get", adaID)
		want(t, r, 0)
		wantIn(t, "stderr", r.stderr, "[REDACTED]")
		wantNotIn(t, "stdout+stderr", r.stdout+r.stderr, "udata-e2e-key")
	})
	t.Run("delete twice", func(t *testing.T) {
		want(t, c.run("users", "delete", alanID, "--yes"), 0)
		r := c.run("users", "delete", alanID, "--yes")
		want(t, r, 3)
		wantIn(t, "stderr", r.stderr, "userctl: user \""+alanID+"\" not found")
	})
}

func TestDialectDatadog(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("dd", "datadog", c.serve("datadog"))
	c.set("USERCTL_API_KEY", "dd-api-e2e", "USERCTL_APP_KEY", "dd-app-e2e")
	const handle = "grace@example.com"

	u := object(t, c, "", "users", "create", "--email", handle, "--name", "Grace Hopper")
	if u["id"] != handle || u["username"] != handle {
		t.Fatalf("created user: %v", u)
	}
	if !emails(listJSON(t, c))[handle] {
		t.Errorf("%s not listed", handle)
	}
	r := c.run("users", "create", "--email", handle, "--name", "Grace Hopper")
	want(t, r, 5)

	r = c.run("users", "delete", handle, "--yes")
	want(t, r, 0)
	wantIn(t, "stderr", strings.ToLower(r.stderr), "disable")
	if u := object(t, c, "", "users", "get", handle); u["status"] != "disabled" {
		t.Errorf("after delete: status %v, want disabled", u["status"])
	}
	r = c.run("users", "delete", handle, "--yes")
	want(t, r, 3) // as deleted as Datadog allows: see TestDatadogDeleteRerun
	wantIn(t, "stderr", strings.ToLower(r.stderr), "already disabled")

	want(t, c.run("users", "enable", handle), 0)
	if u := object(t, c, "", "users", "get", handle); u["status"] == "disabled" {
		t.Errorf("after enable: status %v", u["status"])
	}
	want(t, c.run("users", "get", "nobody@example.com"), 3)
}

func TestDialectBasic(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("svc", "basic", c.serve("basic"), "--username", "admin")
	c.set("USERCTL_PASSWORD", "admin-e2e-pass")

	r := c.runIn("alice-pass-1\n", "users", "create", "alice", "--password-stdin")
	want(t, r, 0)
	if u := object(t, c, "", "users", "get", "alice"); u["username"] != "alice" || u["id"] != "alice" {
		t.Errorf("get alice: %v", u)
	}
	r = c.runIn("alice-pass-1\nalice-pass-2\n", "users", "passwd", "alice", "--password-stdin")
	want(t, r, 0)
	r = c.runIn("wrong-current\nalice-pass-3\n", "users", "passwd", "alice", "--password-stdin")
	want(t, r, 4)
	r = c.runIn("alice-pass-2\nshort\n", "users", "passwd", "alice", "--password-stdin")
	want(t, r, 2)
	r = c.runIn("only-one-line\n", "users", "passwd", "alice", "--password-stdin")
	want(t, r, 2)

	r = c.runIn("alice-pass-9\n", "users", "create", "alice", "--password-stdin")
	want(t, r, 5)
	oneLineError(t, r)

	want(t, c.run("users", "update", "alice", "--email", "a@example.com"), 2)

	want(t, c.run("users", "delete", "alice", "--yes"), 0)
	want(t, c.run("users", "get", "alice"), 3)
}

func TestAPICommand(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest", "--seed", "2"), "USERCTL_TOKEN", "t0k")

	r := c.run("api", "GET", "/users")
	want(t, r, 0)
	var page map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &page); err != nil {
		t.Fatalf("api GET /users: %v\n%s", err, r)
	}
	if data, _ := page["data"].([]any); len(data) != 2 {
		t.Errorf("api GET /users: %v", page)
	}

	r = c.run("api", "GET", "/users/nope")
	want(t, r, 3)
	wantIn(t, "stdout", r.stdout, `"error"`, "nope")

	r = c.run("api", "GET", "/users", "--jq", ".data[].email")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "user1@example.com", "user2@example.com")

	r = c.run("api", "POST", "/users", "--data", `{"email":"raw@example.com","name":"Raw","password":"long-enough-pass"}`)
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "raw@example.com")
	wantNotIn(t, "stdout", r.stdout, "long-enough-pass")

	want(t, c.run("api", "POST", "/users", "--data", "{not json"), 2)
}
