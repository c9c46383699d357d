package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSelectionsPipe: get, disable, enable and delete take -f FILE|- (IDs
// a line, JSON Lines with an id, a JSON array), with one rule for users
// not found: the others are done, exit 3 at the end naming them, 0 with
// --ignore-not-found.
func TestSelectionsPipe(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	c.profile("idp", "scim", c.serve("scim", "--seed", "6"))
	all := array(t, c, "users", "list", "-o", "json")
	if len(all) != 6 {
		t.Fatalf("want 6 users, got %d", len(all))
	}
	id := func(i int) string { return all[i]["id"].(string) }

	// list -o jsonl | disable -f - --yes
	r := c.run("users", "list", "--limit", "2", "-o", "jsonl")
	want(t, r, 0)
	want(t, c.runIn(r.stdout, "users", "disable", "-f", "-", "--yes"), 0)
	for _, i := range []int{0, 1} {
		if u := object(t, c, "", "users", "get", id(i)); u["status"] != "disabled" {
			t.Errorf("user %s after disable -f -: %v", id(i), u["status"])
		}
	}

	// A JSON array (list -o json) is a selection too.
	sel, _ := json.Marshal([]map[string]any{{"id": id(0)}, {"id": id(1)}})
	r = c.runIn(string(sel), "users", "get", "-f", "-", "-o", "json")
	want(t, r, 0)
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 2 {
		t.Fatalf("get -f - with a JSON array: %v\n%s", err, r)
	}

	// A missing user in the middle does not stop the others: exit 3.
	file := filepath.Join(c.dir, "ids.txt")
	if err := os.WriteFile(file, []byte(id(0)+"\nno-such-user\n\n"+id(1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run("users", "enable", "-f", file)
	want(t, r, 3)
	wantIn(t, "stderr", r.stderr, `"no-such-user"`)
	for _, i := range []int{0, 1} {
		if u := object(t, c, "", "users", "get", id(i)); u["status"] == "disabled" {
			t.Errorf("user %s after enable -f: still disabled", id(i))
		}
	}
	want(t, c.run("users", "enable", "-f", file, "--ignore-not-found"), 0)
	r = c.run("users", "get", "-f", file, "-o", "jsonl")
	want(t, r, 3)
	if n := strings.Count(r.stdout, "\n"); n != 2 {
		t.Errorf("get -f: want the 2 users found, got %d lines\n%s", n, r)
	}

	// delete -f - with JSON Lines.
	r = c.runIn(`{"id":"`+id(4)+`"}`+"\n"+`{"id":"`+id(5)+`","email":"x"}`+"\n", "users", "delete", "-f", "-", "--yes")
	want(t, r, 0)
	want(t, c.run("users", "get", id(4)), 3)
	want(t, c.run("users", "get", id(5)), 3)

	// Usage errors: IDs and -f together, an empty selection, an object
	// without an id.
	want(t, c.runIn(id(0)+"\n", "users", "get", id(1), "-f", "-"), 2)
	want(t, c.runIn("\n\n", "users", "get", "-f", "-"), 2)
	r = c.runIn(`{"email":"a@example.com"}`+"\n", "users", "delete", "-f", "-", "--yes")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, `line 1: the object has no "id"`)
}

// TestUpdateAddRemoveRole changes one role, keeping the others.
func TestUpdateAddRemoveRole(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	c.profile("idp", "scim", c.serve("scim", "--seed", "1"))
	u := array(t, c, "users", "list", "-o", "json")[0]
	id := u["id"].(string)
	want(t, c.run("users", "update", id, "--role", "user", "--role", "guest"), 0)
	want(t, c.run("users", "update", id, "--add-role", "editor", "--remove-role", "guest"), 0)
	got := rolesOf(object(t, c, "", "users", "get", id))
	slices.Sort(got)
	if !slices.Equal(got, []string{"editor", "user"}) {
		t.Errorf("roles after --add-role editor --remove-role guest: %v", got)
	}
	want(t, c.run("users", "update", id, "--role", "x", "--add-role", "y"), 2)
}
