package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDialectSCIMListsEveryPage lists 1,000 users of the scim sandbox,
// which caps pages at 100 resources.
func TestDialectSCIMListsEveryPage(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("scim", "scim", c.serve("scim", "--seed", "1000"))
	c.set("USERCTL_TOKEN", "scim-e2e-token")

	r := c.run("-p", "scim", "users", "list", "--all", "-o", "jsonl")
	want(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	ids := map[string]bool{}
	for _, l := range lines {
		var u map[string]any
		if err := json.Unmarshal([]byte(l), &u); err != nil {
			t.Fatalf("not JSON Lines: %v\n%s", err, l)
		}
		id, _ := u["id"].(string)
		ids[id] = true
	}
	if len(lines) != 1000 || len(ids) != 1000 {
		t.Fatalf("listed %d lines, %d distinct users; want 1000", len(lines), len(ids))
	}
	r = c.run("-p", "scim", "users", "list", "--limit", "150", "-o", "jsonl")
	want(t, r, 0)
	if n := len(strings.Split(strings.TrimSpace(r.stdout), "\n")); n != 150 {
		t.Errorf("--limit 150 listed %d", n)
	}
	u := listJSON(t, c, "--query", "user999@")
	if len(u) != 1 || u[0]["username"] != "user999" {
		t.Errorf("--query user999@: %v", u)
	}
}

// TestDialectSCIM drives every verb of the scim dialect through the binary.
func TestDialectSCIM(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	url := c.serve("scim", "--token", "the-scim-token")
	r := c.runIn("the-scim-token\n", "profile", "add", "idp", "--api", "scim", "--url", url, "--with-secrets")
	want(t, r, 0)
	wantNotIn(t, "output", r.stdout+r.stderr, "the-scim-token")
	want(t, c.run("profile", "check"), 0)

	ann := object(t, c, "ann-pass-123\n", "users", "create", "--email", "ann@example.com", "--first-name", "Ann", "--last-name", "Lee",
		"--role", "dev", "--password-stdin")
	id, _ := ann["id"].(string)
	if id == "" || ann["username"] != "ann@example.com" || ann["name"] != "Ann Lee" || !contains(rolesOf(ann), "dev") {
		t.Fatalf("created: %v", ann)
	}
	extra, _ := ann["extra"].(map[string]any)
	if extra["first_name"] != "Ann" || extra["last_name"] != "Lee" {
		t.Errorf("extra: %v", extra)
	}

	t.Run("duplicate is a conflict", func(t *testing.T) {
		r := c.run("users", "create", "--email", "ann@example.com")
		want(t, r, 5)
		line := oneLineError(t, r)
		wantIn(t, "stderr", line, "already exists", "(uniqueness)")
	})
	t.Run("get and find", func(t *testing.T) {
		if u := object(t, c, "", "users", "get", id); u["email"] != "ann@example.com" {
			t.Errorf("get: %v", u)
		}
		want(t, c.run("users", "get", "no-such-id"), 3)
	})
	t.Run("update", func(t *testing.T) {
		u := object(t, c, "", "users", "update", id, "--name", "Ann B. Lee", "--email", "ann.lee@example.com", "--role", "ops")
		if u["name"] != "Ann B. Lee" || u["email"] != "ann.lee@example.com" || !contains(rolesOf(u), "ops") || contains(rolesOf(u), "dev") {
			t.Errorf("after update: %v", u)
		}
	})
	t.Run("disable enable", func(t *testing.T) {
		want(t, c.run("users", "disable", id, "--yes"), 0)
		if u := object(t, c, "", "users", "get", id); u["status"] != "disabled" {
			t.Errorf("after disable: %v", u["status"])
		}
		want(t, c.run("users", "enable", id), 0)
		if u := object(t, c, "", "users", "get", id); u["status"] != "active" {
			t.Errorf("after enable: %v", u["status"])
		}
	})
	t.Run("passwd", func(t *testing.T) {
		r := c.runIn("new-pass-456\n", "--debug", "users", "passwd", id, "--password-stdin")
		want(t, r, 0)
		wantIn(t, "stderr", r.stderr, "PATCH")
		wantNotIn(t, "output", r.stdout+r.stderr, "new-pass-456", "the-scim-token")
	})
	t.Run("invalid value", func(t *testing.T) {
		r := c.run("users", "update", id, "--email", "not-an-email")
		want(t, r, 2)
		wantIn(t, "stderr", oneLineError(t, r), "not a valid email", "(invalidValue)")
	})
	t.Run("invalid filter", func(t *testing.T) {
		r := c.run("api", "GET", "/Users?filter=nope%20eq%20%22x%22")
		want(t, r, 2)
		wantIn(t, "stdout", r.stdout, "invalidFilter")
	})
	t.Run("api", func(t *testing.T) {
		r := c.run("api", "GET", "/ServiceProviderConfig")
		want(t, r, 0)
		wantIn(t, "stdout", r.stdout, `"changePassword"`)
	})
	t.Run("export import apply", func(t *testing.T) {
		file := filepath.Join(c.dir, "users.jsonl")
		r := c.run("users", "export", "-o", "jsonl")
		want(t, r, 0)
		if err := os.WriteFile(file, []byte(r.stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		other := newCLI(t)
		other.profile("copy", "scim", other.serve("scim"))
		other.set("USERCTL_TOKEN", "x")
		want(t, other.run("users", "import", "-f", file), 0)
		if got := emails(listJSON(t, other)); !got["ann.lee@example.com"] {
			t.Errorf("after import: %v", got)
		}
		r = other.run("users", "apply", "-f", file, "--dry-run")
		want(t, r, 0)
		wantIn(t, "stderr", r.stderr, "0 to create, 0 to update, 1 unchanged")
	})
	t.Run("delete", func(t *testing.T) {
		want(t, c.run("users", "delete", id, "--yes"), 0)
		want(t, c.run("users", "get", id), 3)
		want(t, c.run("users", "delete", id, "--yes", "--ignore-not-found"), 0)
	})
	t.Run("wrong token", func(t *testing.T) {
		r := c.runIO("", []string{"USERCTL_TOKEN=wrong"}, "users", "list")
		want(t, r, 4)
	})
}

// TestSCIMInHelpAndCompletion: the dialect is offered wherever dialects
// are listed.
func TestSCIMInHelpAndCompletion(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.run("__complete", "profile", "add", "x", "--api", "")
	want(t, r, 0)
	wantIn(t, "completion", r.stdout, "scim\n")
	r = c.run("__complete", "sandbox", "serve", "--api", "")
	want(t, r, 0)
	wantIn(t, "completion", r.stdout, "scim\n")
	r = c.run("profile", "add", "--help")
	want(t, r, 0)
	wantIn(t, "help", r.stdout, "scim")
}
