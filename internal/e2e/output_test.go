package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// normalizedKeys is the stable user object of CLI.md.
var normalizedKeys = []string{"created_at", "email", "extra", "id", "name", "roles", "status", "updated_at", "username"}

func TestOutputFormats(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest", "--seed", "5"), "USERCTL_TOKEN", "t0k")
	const n = 5
	allEmails := make([]string, n)
	for i := range n {
		allEmails[i] = fmt.Sprintf("user%d@example.com", i+1)
	}

	t.Run("json", func(t *testing.T) {
		users := listJSON(t, c)
		if len(users) != n {
			t.Fatalf("got %d users, want %d", len(users), n)
		}
		for _, u := range users {
			var keys []string
			for k := range u {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if !reflect.DeepEqual(keys, normalizedKeys) {
				t.Errorf("user keys %v, want %v", keys, normalizedKeys)
			}
			if _, ok := u["roles"].([]any); !ok {
				t.Errorf("roles is %T, want a list: %v", u["roles"], u)
			}
		}
	})
	t.Run("json empty", func(t *testing.T) {
		r := c.run("users", "list", "-o", "json", "--role", "no-such-role")
		want(t, r, 0)
		if got := strings.TrimSpace(r.stdout); got != "[]" {
			t.Errorf("empty list as JSON is %q, want []", got)
		}
	})
	t.Run("jsonl", func(t *testing.T) {
		r := c.run("users", "list", "-o", "jsonl")
		want(t, r, 0)
		lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		if len(lines) != n {
			t.Fatalf("got %d lines, want %d:\n%s", len(lines), n, r.stdout)
		}
		for _, l := range lines {
			var u map[string]any
			if err := json.Unmarshal([]byte(l), &u); err != nil {
				t.Errorf("line %q: %v", l, err)
			}
		}
	})
	t.Run("yaml", func(t *testing.T) {
		r := c.run("users", "list", "-o", "yaml")
		want(t, r, 0)
		var users []map[string]any
		if err := yaml.Unmarshal([]byte(r.stdout), &users); err != nil {
			t.Fatalf("yaml: %v\n%s", err, r.stdout)
		}
		if len(users) != n || users[0]["email"] != "user1@example.com" {
			t.Errorf("yaml users: %v", users)
		}
	})
	t.Run("csv", func(t *testing.T) {
		r := c.run("users", "list", "-o", "csv")
		want(t, r, 0)
		recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if err != nil {
			t.Fatalf("csv: %v\n%s", err, r.stdout)
		}
		if len(recs) != n+1 {
			t.Fatalf("got %d records, want header + %d", len(recs), n)
		}
		if recs[0][0] != "id" || !contains(recs[0], "email") {
			t.Errorf("csv header %v", recs[0])
		}
	})
	t.Run("fields order", func(t *testing.T) {
		r := c.run("users", "list", "-o", "csv", "--fields", "email,id")
		want(t, r, 0)
		lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		if lines[0] != "email,id" || lines[1] != "user1@example.com,usr_000001" {
			t.Errorf("csv with --fields email,id:\n%s", r.stdout)
		}
		r = c.run("users", "list", "-o", "json", "--fields", "name,id")
		want(t, r, 0)
		if !strings.Contains(r.stdout, `"name"`) || strings.Index(r.stdout, `"name"`) > strings.Index(r.stdout, `"id"`) {
			t.Errorf("json with --fields name,id does not keep the order:\n%s", r.stdout)
		}
		wantNotIn(t, "stdout", r.stdout, `"email"`)
	})
	t.Run("unknown field", func(t *testing.T) {
		r := c.run("users", "list", "--fields", "email,shoe_size")
		want(t, r, 2)
		wantIn(t, "stderr", oneLineError(t, r), "shoe_size", "email", "status")
		if r.stdout != "" {
			t.Errorf("stdout not empty:\n%s", r.stdout)
		}
	})
	t.Run("jq", func(t *testing.T) {
		r := c.run("users", "list", "--jq", ".[].email")
		want(t, r, 0)
		lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		if len(lines) != n {
			t.Fatalf("--jq .[].email printed %d lines:\n%s", len(lines), r.stdout)
		}
		for i, l := range lines {
			if strings.Trim(l, `"`) != allEmails[i] {
				t.Errorf("line %d = %q, want %s", i, l, allEmails[i])
			}
		}
		r = c.run("users", "list", "--jq", ".[")
		want(t, r, 2)
	})
	t.Run("template", func(t *testing.T) {
		r := c.run("users", "list", "--template", "{{.email}} is {{.status}}")
		want(t, r, 0)
		wantIn(t, "stdout", r.stdout, "user1@example.com is active", "user5@example.com is active")
		r = c.run("users", "list", "--template", "{{.email")
		want(t, r, 2)
	})
	t.Run("no header", func(t *testing.T) {
		r := c.run("users", "list", "-o", "csv", "--no-header")
		want(t, r, 0)
		if !strings.HasPrefix(r.stdout, "usr_000001,") {
			t.Errorf("csv --no-header starts with a header:\n%s", r.stdout)
		}
		r = c.run("users", "list", "--no-header")
		want(t, r, 0)
		wantNotIn(t, "stdout", r.stdout, "EMAIL")
		wantIn(t, "stdout", r.stdout, "user1@example.com")
	})
	t.Run("get several is an array", func(t *testing.T) {
		r := c.run("users", "get", "usr_000001", "usr_000002", "-o", "json")
		want(t, r, 0)
		var users []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &users); err != nil || len(users) != 2 {
			t.Errorf("get of two IDs: %v\n%s", err, r.stdout)
		}
		r = c.run("users", "get", "usr_000001", "-o", "json")
		want(t, r, 0)
		var u map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &u); err != nil || u["id"] != "usr_000001" {
			t.Errorf("get of one ID is not one object: %v\n%s", err, r.stdout)
		}
	})
}

func TestOutputTablePiped(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest"), "USERCTL_TOKEN", "t0k")
	long := "Maximilian " + strings.Repeat("Wolfeschlegelsteinhausenbergerdorff", 4) + " Senior"
	r := c.runIn("long-enough-pass\n", "users", "create", "--email", "max@example.com", "--name", long, "--password-stdin")
	want(t, r, 0)
	for _, env := range [][]string{nil, {"NO_COLOR=1"}, {"CLICOLOR_FORCE=0", "COLUMNS=40"}} {
		r = c.runIO("", env, "users", "list")
		want(t, r, 0)
		wantIn(t, "stdout", r.stdout, long, "max@example.com", "EMAIL")
		wantNotIn(t, "stdout", r.stdout, "\x1b[", "…", "...")
		wantNotIn(t, "stderr", r.stderr, "\x1b[")
	}
	r = c.run("users", "list", "-o", "wide")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, long, "CREATED")
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
