package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestApplyDriftExitCodes: apply --dry-run --exit-code is 8 while the API
// differs from the file, 0 once it matches; a dry run with an invalid line
// is 2. On Datadog, role names converge with the codes the API returns,
// and an unknown role fails in the dry run as in the real run.
func TestApplyDriftExitCodes(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("dd", "datadog", c.serve("datadog"))
	c.set("USERCTL_API_KEY", "dd-api-e2e", "USERCTL_APP_KEY", "dd-app-e2e")
	file := filepath.Join(c.dir, "team.yaml")
	if err := os.WriteFile(file, []byte("- {email: ada@example.com, name: Ada Lovelace, roles: [admin]}\n"+
		"- {email: ro@example.com, name: Read Only, roles: [read-only]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("users", "apply", "-f", file, "--dry-run", "--exit-code")
	want(t, r, 8)
	wantIn(t, "stderr", r.stderr, "would create 2", "the API differs")

	want(t, c.run("users", "apply", "-f", file), 0)
	r = c.run("users", "apply", "-f", file, "--dry-run", "--exit-code")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "Plan: 0 to create, 0 to update, 2 unchanged")

	// Without --exit-code, changes are not an error.
	wizard := filepath.Join(c.dir, "wizard.jsonl")
	if err := os.WriteFile(wizard, []byte(`{"email":"ada@example.com","roles":["wizard"]}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run("users", "apply", "-f", wizard, "--dry-run")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, `unknown Datadog access role "wizard"`)
	r = c.run("users", "import", "-f", wizard, "--dry-run")
	want(t, r, 7)
	wantIn(t, "stderr", r.stderr, `unknown Datadog access role "wizard"`)

	// --exit-code without --dry-run is a usage error.
	want(t, c.run("users", "apply", "-f", file, "--exit-code"), 2)
}

// TestImportReadsListJSONArray: `users list -o json | users import -f -`
// reads the array, and a dry run counts the valid items as "would create".
func TestImportReadsListJSONArray(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	c.profile("src", "scim", c.serve("scim", "--seed", "3"))
	r := c.run("-p", "src", "users", "list", "-o", "json")
	want(t, r, 0)
	var users []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &users); err != nil || len(users) != 3 {
		t.Fatalf("list -o json: %v\n%s", err, r)
	}
	other := newCLI(t)
	other.set("USERCTL_TOKEN", "t0k")
	other.profile("dst", "scim", other.serve("scim"))
	r = other.runIn(r.stdout, "-p", "dst", "users", "import", "-f", "-", "--dry-run")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "3 would create")
	r = other.runIn(strings.Repeat(" ", 3)+mustList(t, c), "-p", "dst", "users", "import", "-f", "-")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "3 created")
}

func mustList(t *testing.T, c *cli) string {
	t.Helper()
	r := c.run("-p", "src", "users", "list", "-o", "json")
	want(t, r, 0)
	return r.stdout
}
