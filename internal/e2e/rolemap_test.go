package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCopyRoleMap copies udata users to Datadog, which has no "editor"
// role: without --role-map the editors fail with the hint to map them
// (exit 7, in a dry run too); with --role-map editor=st they are created
// as standard users, and a second run with the same map plans nothing. A
// malformed --role-map is exit 2 before any request.
func TestCopyRoleMap(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set(copyCredentials...)
	// Seed 15: users 7 and 14 are editors; with the sandbox's own admin,
	// 16 users.
	c.profile("ud", "udata", c.serve("udata", "--seed", "15"))
	c.profile("dd", "datadog", c.serve("datadog"))
	r := c.run("-p", "ud", "users", "export")
	want(t, r, 0)
	export := r.stdout
	var editors []string
	for _, l := range strings.Split(strings.TrimSpace(export), "\n") {
		var u struct {
			Email string   `json:"email"`
			Roles []string `json:"roles"`
		}
		if err := json.Unmarshal([]byte(l), &u); err != nil {
			t.Fatalf("export line %q: %v", l, err)
		}
		if slices.Contains(u.Roles, "editor") {
			editors = append(editors, u.Email)
		}
	}
	if len(editors) != 2 {
		t.Fatalf("export has editors %v, want 2:\n%s", editors, export)
	}
	const hint = `(map it with --role-map editor=ROLE)`

	// Without the map: the editors fail with the hint, in a dry run too.
	r = c.runIn(export, "-p", "dd", "users", "import", "-f", "-", "--dry-run")
	want(t, r, 7)
	wantIn(t, "stderr", r.stderr, `unknown Datadog access role "editor"`, hint)
	report := filepath.Join(c.dir, "first.jsonl")
	r = c.runIn(export, "-p", "dd", "users", "apply", "-f", "-", "--report", report)
	want(t, r, 7)
	created, failed := 0, 0
	for _, l := range reportLines(t, report) {
		switch l["result"] {
		case "created":
			created++
		case "failed":
			failed++
			if msg := fmt.Sprint(l["error"]); !strings.Contains(msg, `unknown Datadog access role "editor"`) || !strings.Contains(msg, hint) {
				t.Errorf("failed line without the hint: %v", l)
			}
		default:
			t.Errorf("report line %v", l)
		}
	}
	if created != 14 || failed != 2 {
		t.Fatalf("without --role-map: %d created, %d failed, want 14 and 2\n%s", created, failed, r)
	}

	// With the map: the dry run is clean, the run creates the editors as
	// standard users, and a second run plans nothing.
	r = c.runIn(export, "-p", "dd", "users", "import", "-f", "-", "--dry-run", "--skip-existing", "--role-map", "editor=st")
	want(t, r, 0)
	report = filepath.Join(c.dir, "second.jsonl")
	r = c.runIn(export, "-p", "dd", "users", "apply", "-f", "-", "--role-map", "editor=st", "--report", report)
	want(t, r, 0)
	wantNotIn(t, "stderr", r.stderr, hint)
	created = 0
	for _, l := range reportLines(t, report) {
		if l["result"] == "created" {
			created++
		}
	}
	if created != 2 {
		t.Fatalf("with --role-map: created %d, want the 2 editors\n%s", created, r)
	}
	r = c.run("-p", "dd", "users", "list", "-o", "json")
	want(t, r, 0)
	var users []struct {
		Email string   `json:"email"`
		Roles []string `json:"roles"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &users); err != nil {
		t.Fatalf("list -o json: %v\n%s", err, r.stdout)
	}
	standard := 0
	for _, u := range users {
		if slices.Contains(editors, u.Email) {
			if !slices.Equal(u.Roles, []string{"st"}) {
				t.Errorf("editor %s has roles %v on Datadog, want [st]", u.Email, u.Roles)
			}
			standard++
		}
	}
	if standard != 2 {
		t.Errorf("found %d of the editors %v on Datadog:\n%s", standard, editors, r.stdout)
	}
	r = c.runIn(export, "-p", "dd", "users", "apply", "-f", "-", "--role-map", "editor=st", "--dry-run", "--exit-code")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "0 to create, 0 to update, 16 unchanged")

	// Malformed maps: exit 2, nothing sent.
	api := newCounter(t, http.StatusInternalServerError, nil, `{"errors": ["no request was expected"]}`)
	c.profile("deaf", "datadog", api.URL)
	for _, args := range [][]string{
		{"users", "apply", "-f", "-", "--role-map", "bad"},
		{"users", "import", "-f", "-", "--role-map", "bad"},
		{"users", "apply", "-f", "-", "--role-map", "=st"},
		{"users", "import", "-f", "-", "--role-map", "editor=st,=ro"},
	} {
		r := c.runIn(export, append([]string{"-p", "deaf"}, args...)...)
		want(t, r, 2)
		wantIn(t, "stderr", r.stderr, "--role-map")
	}
	if n := api.n.Load(); n != 0 {
		t.Errorf("malformed --role-map: the server saw %d requests, want none", n)
	}
}
