package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// demoUsers are the people the built-in sandbox starts with.
var demoUsers = []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Linus Torvalds", "Margaret Hamilton", "Ken Thompson"}

func listJSON(t *testing.T, c *cli, args ...string) []map[string]any {
	t.Helper()
	r := c.run(append([]string{"users", "list", "--all", "-o", "json"}, args...)...)
	want(t, r, 0)
	var users []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &users); err != nil {
		t.Fatalf("users list -o json: %v\n%s", err, r)
	}
	return users
}

func emails(users []map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, u := range users {
		if e, ok := u["email"].(string); ok {
			out[e] = true
		}
	}
	return out
}

func TestOutOfTheBoxListsDemoUsers(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.run("users", "list")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, demoUsers...)
	wantIn(t, "stdout", r.stdout, "ada.lovelace@example.com", "EMAIL")
	if _, err := os.Stat(c.configPath()); err == nil {
		t.Errorf("users list wrote a config file %s", c.configPath())
	}
}

func TestOutOfTheBoxCreatePersists(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.runIn("correct-horse-battery\n", "users", "create", "--email", "new.person@example.com", "--name", "New Person", "--password-stdin")
	want(t, r, 0)
	wantNotIn(t, "stdout+stderr", r.stdout+r.stderr, "correct-horse-battery")

	r = c.run("users", "list")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "new.person@example.com", "New Person", "Ada Lovelace")

	state := filepath.Join(c.env["XDG_DATA_HOME"], "userctl", "sandbox-rest.json")
	if _, err := os.Stat(state); err != nil {
		t.Errorf("no sandbox state under XDG_DATA_HOME: %v", err)
	}
}

func TestOutOfTheBoxConcurrentCreates(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	const n = 2
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.runIn("correct-horse-battery\n", "users", "create",
				"--email", fmt.Sprintf("racer%d@example.com", i), "--name", fmt.Sprintf("Racer %d", i), "--password-stdin")
		}()
	}
	wg.Wait()
	for _, r := range results {
		want(t, r, 0)
	}
	users := listJSON(t, c)
	got := emails(users)
	for i := range n {
		if e := fmt.Sprintf("racer%d@example.com", i); !got[e] {
			t.Errorf("%s missing after concurrent creates: %v", e, got)
		}
	}
	if want := len(demoUsers) + n; len(users) != want {
		t.Errorf("got %d users, want %d (demo users seeded once plus %d created): %v", len(users), want, n, got)
	}
}
