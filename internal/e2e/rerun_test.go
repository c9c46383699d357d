package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDatadogDeleteRerun: Datadog only disables users, and answers a second
// delete with 400 "User is already disabled". A re-run with
// --ignore-not-found is exit 0 and says "already disabled"; without it the
// user is as deleted as the API allows, exit 3 like a second delete on the
// other APIs; other IDs on the command line go on either way.
func TestDatadogDeleteRerun(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("dd", "datadog", c.serve("datadog"))
	c.set("USERCTL_API_KEY", "dd-api-e2e", "USERCTL_APP_KEY", "dd-app-e2e")
	const ada, bob = "ada@example.com", "bob@example.com"
	for _, h := range []string{ada, bob} {
		want(t, c.run("users", "create", "--email", h, "--name", "Someone"), 0)
	}
	want(t, c.run("users", "delete", ada, "--yes"), 0)

	r := c.run("users", "delete", ada, "--yes", "--ignore-not-found")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, `User "ada@example.com" already disabled`)

	r = c.run("users", "delete", ada, "--yes", "--ignore-not-found", "-o", "json")
	want(t, r, 0)
	var res map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res["id"] != ada || res["action"] != "already disabled" {
		t.Errorf("want {id, action: already disabled} (%v):\n%s", err, r)
	}

	r = c.run("users", "delete", ada, "--yes")
	want(t, r, 3)
	wantIn(t, "stderr", lastLine(r.stderr), `userctl: user "ada@example.com" is already disabled`)

	// Several IDs: the disabled one does not stop the next.
	r = c.run("users", "delete", ada, bob, "--yes")
	want(t, r, 3)
	if u := object(t, c, "", "users", "get", bob); u["status"] != "disabled" {
		t.Errorf("%s not disabled after the delete: %v", bob, u)
	}
	r = c.run("users", "delete", ada, bob, "--yes", "--ignore-not-found")
	want(t, r, 0)
	if n := strings.Count(r.stderr, "already disabled"); n != 2 {
		t.Errorf("want both users said already disabled:\n%s", r)
	}

	// disable is idempotent on Datadog (PUT disabled:true).
	want(t, c.run("users", "disable", ada, "--yes"), 0)
}
