package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// TestQAApplyCountsOneItem: a dry run (and a prune) with one invalid line
// says "1 item", not "1 items" (issue 18, wording).
func TestQAApplyCountsOneItem(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	c.profile("dst", "rest", c.serve("rest", "--seed", "2"))
	file := filepath.Join(c.dir, "one.jsonl")
	if err := os.WriteFile(file, []byte(`{"id":"bogus"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("users", "apply", "-f", file, "--dry-run")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, "1 item of the input is invalid")
	r = c.run("users", "apply", "-f", file, "--prune", "--dry-run")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, "1 item of the file is invalid")
	wantNotIn(t, "stderr", r.stderr, "1 items")
}

// TestQANoticesNameTheAPI: the notices of apply name the API the way the
// unsupported-verb errors do ("the scim API (SCIM 2.0)"), not as "the
// SCIM 2.0 cannot …" or "the /api/v1/users with HTTP Basic cannot …".
func TestQANoticesNameTheAPI(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "t0k")
	c.profile("dst", "scim", c.serve("scim", "--seed", "2"))
	file := filepath.Join(c.dir, "in.jsonl")
	if err := os.WriteFile(file, []byte(`{"username":"ann","email":"ann@example.com","extra":{"slug":"ann"}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("users", "apply", "-f", file, "--prune", "--dry-run")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr,
		"the scim API (SCIM 2.0) cannot hold these fields of the input",
		"the scim API (SCIM 2.0) cannot tell which account userctl authenticates as")
	wantNotIn(t, "stderr", r.stderr, "the SCIM 2.0 cannot")
}
