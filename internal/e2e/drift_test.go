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

// TestCopyPasswordsAndSkipExisting: exports carry no passwords; where the
// target needs one, --generate-passwords (which needs --report) writes it
// to the 0600 report and nowhere else; without it the lines fail with the
// reason. --skip-existing skips users already there before validating
// them, and a password given for an existing user is shown as
// unreconciled in the plan.
func TestCopyPasswordsAndSkipExisting(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	c.profile("src", "rest", c.serve("rest", "--seed", "3"))
	c.profile("dst", "rest", c.serve("rest"))
	r := c.run("-p", "src", "users", "export")
	want(t, r, 0)
	export := r.stdout

	r = c.runIn(export, "-p", "dst", "users", "import", "-f", "-")
	want(t, r, 7)
	wantIn(t, "stderr", r.stderr, "missing password", "--generate-passwords")
	want(t, c.runIn(export, "-p", "dst", "users", "import", "-f", "-", "--generate-passwords"), 2)

	report := filepath.Join(c.dir, "out", "pw.jsonl")
	// A report file that exists, world-readable, is made 0600 before any
	// password is written to it.
	if err := os.MkdirAll(filepath.Dir(report), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(report, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r = c.runIn(export, "-p", "dst", "users", "import", "-f", "-", "--generate-passwords", "--report", report)
	want(t, r, 0)
	st, err := os.Stat(report)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("report: %v %v", st, err)
	}
	for _, l := range reportLines(t, report) {
		pw, _ := l["password"].(string)
		if l["result"] != "created" || len(pw) < 20 {
			t.Errorf("report line without a strong generated password: %v", l)
		}
		wantNotIn(t, "output", r.stdout+r.stderr, pw)
	}

	// Re-run: the users exist; --skip-existing skips them before the
	// missing passwords would fail them.
	r = c.runIn(export, "-p", "dst", "users", "import", "-f", "-", "--skip-existing")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "3 skipped")

	// apply with a password for an existing user: said, not ignored.
	line := `{"email":"user1@example.com","password":"another-password"}` + "\n"
	r = c.runIn(line, "-p", "dst", "users", "apply", "-f", "-", "--dry-run", "--exit-code")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "unreconciled", "password")
}
