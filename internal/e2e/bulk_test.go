package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The safety of bulk commands with real account bases (apply --prune,
// uncertain creates, malformed bulk files, --report checks), through the
// binary.

// writeFile writes text to name in the user's directory and returns the
// path.
func writeFile(t *testing.T, c *cli, name, text string) string {
	t.Helper()
	path := filepath.Join(c.dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestApplyPruneRefusesEmptyInput(t *testing.T) {
	t.Parallel()
	api := newCounter(t, http.StatusInternalServerError, nil, `{"error": "no request was expected"}`)
	c := newCLI(t).set("USERCTL_URL", api.URL, "USERCTL_TOKEN", "t0k")
	for _, in := range []struct{ name, file, stdin string }{
		{"stdin", "-", ""},
		{"blank stdin", "-", "\n\n"},
		{"csv header only", writeFile(t, c, "header.csv", "email,name\n"), ""},
		{"empty json array", writeFile(t, c, "empty.json", "[]\n"), ""},
		{"empty yaml", writeFile(t, c, "empty.yaml", "# nobody\n"), ""},
		{"empty csv", writeFile(t, c, "empty.csv", ""), ""},
	} {
		r := c.runIn(in.stdin, "users", "apply", "-f", in.file, "--prune", "--yes")
		want(t, r, 2)
		wantIn(t, "stderr of "+in.name, oneLineError(t, r), "no users", "refusing to delete every user")
	}
	if n := api.n.Load(); n != 0 {
		t.Errorf("the server saw %d requests, want none", n)
	}
}

func TestApplyPruneKeepsSelfUdata(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("gouv", "udata", c.serve("udata"))
	c.set("USERCTL_TOKEN", "udata-e2e-key")
	keep := object(t, c, "", "users", "create", "--first-name", "Kay", "--last-name", "Keep", "--email", "kay@example.com")
	gone := object(t, c, "", "users", "create", "--first-name", "Gil", "--last-name", "Gone", "--email", "gil@example.com")
	file := writeFile(t, c, "team.csv", "email,first_name,last_name\nkay@example.com,Kay,Keep\n")

	r := c.run("--debug", "users", "apply", "-f", file, "--prune", "--yes", "--no-mail")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "kept: the account userctl authenticates as", "sandbox-admin")
	wantIn(t, "stderr", r.stderr, fmt.Sprintf("> DELETE %s", ""), "/users/"+gone["id"].(string)+"/?no_mail=true")
	wantNotIn(t, "stderr", r.stderr, "You cannot delete yourself")
	got := emails(listJSON(t, c))
	if !got["admin@sandbox.userctl.invalid"] || !got["kay@example.com"] || got["gil@example.com"] {
		t.Errorf("after apply --prune: %v, want the admin and kay@ only", got)
	}
	_ = keep
	// Converged: a second run deletes nothing and still keeps the admin.
	r = c.run("users", "apply", "-f", file, "--prune", "--yes")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "kept: the account userctl authenticates as")
}

func TestApplyPruneKeepsSelfBasic(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("svc", "basic", c.serve("basic"), "--username", "admin")
	c.set("USERCTL_PASSWORD", "admin-e2e-pass")
	for _, u := range []string{"admin", "alice", "bob"} {
		want(t, c.runIn(u+"-pass-123\n", "users", "create", u, "--password-stdin"), 0)
	}
	file := writeFile(t, c, "team.jsonl", `{"username": "alice"}`+"\n")
	r := c.run("users", "apply", "-f", file, "--prune", "--yes", "-o", "json")
	want(t, r, 0)
	wantIn(t, "stdout", strings.Join(strings.Fields(r.stdout), ""), `"action":"keep"`, `"key":"admin"`)
	got := map[string]bool{}
	for _, u := range listJSON(t, c) {
		got[fmt.Sprint(u["username"])] = true
	}
	if !got["admin"] || !got["alice"] || got["bob"] {
		t.Errorf("after apply --prune: %v, want admin and alice", got)
	}
}

func TestApplyPruneDatadogSelfUnknown(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("dd", "datadog", c.serve("datadog"))
	c.set("USERCTL_API_KEY", "dd-api-e2e", "USERCTL_APP_KEY", "dd-app-e2e")
	want(t, c.run("users", "create", "--email", "grace@example.com", "--name", "Grace Hopper"), 0)
	file := writeFile(t, c, "team.csv", "email,name\ngrace@example.com,Grace Hopper\n")
	r := c.run("users", "apply", "-f", file, "--prune", "--dry-run")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "cannot tell which account userctl authenticates as")
}

func TestApplyPruneMaxDeletes(t *testing.T) {
	t.Parallel()
	const n = 25
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest"), "USERCTL_TOKEN", "t0k")
	want(t, c.run("users", "import", "-f", writeUsers(t, c.dir, "many", n)), 0)
	before := len(listJSON(t, c))
	file := writeFile(t, c, "one.csv", "email,name\nmany-000001@example.com,many 1\n")

	r := c.run("users", "apply", "-f", file, "--prune", "--yes")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, fmt.Sprintf("deletes %d users, more than --max-deletes 20", before-1), "nothing was changed")
	if after := len(listJSON(t, c)); after != before {
		t.Fatalf("%d users after a refused apply, want %d", after, before)
	}
	r = c.run("users", "apply", "-f", file, "--prune", "--yes", "--max-deletes", "0")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, "more than --max-deletes 0")

	want(t, c.run("users", "apply", "-f", file, "--max-deletes", "30"), 2)

	r = c.run("users", "apply", "-f", file, "--prune", "--yes", "--max-deletes", fmt.Sprint(before))
	want(t, r, 0)
	if users := listJSON(t, c); len(users) != 1 || users[0]["email"] != "many-000001@example.com" {
		t.Errorf("after apply --prune --max-deletes %d: %v", before, users)
	}
}
