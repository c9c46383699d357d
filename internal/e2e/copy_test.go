package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// copyDialects are the dialects TestCopyBetweenDialects copies between.
var copyDialects = []string{"rest", "udata", "datadog", "basic", "scim"}

// copyCredentials are sandbox credentials of every dialect's kind.
var copyCredentials = []string{"USERCTL_TOKEN", "copy-token", "USERCTL_API_KEY", "copy-api", "USERCTL_APP_KEY", "copy-app",
	"USERCTL_USERNAME", "copy-admin", "USERCTL_PASSWORD", "copy-admin-pass"}

// reportLines reads a JSON Lines report.
func reportLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("report line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// TestCopyBetweenDialects copies 50 users from each dialect's sandbox to
// an empty sandbox of every dialect (export | apply -f -, with the
// --role-map of copyRoleMaps), requires every line to succeed, then checks
// that a second apply would change nothing (--dry-run --exit-code: 0).
func TestCopyBetweenDialects(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set(copyCredentials...)
	// Datadog's create limit (100 a minute, in the sandbox's headers too)
	// paces 50 creates over about half a minute.
	c.timeout = 90 * time.Second
	// One source per dialect, 50 users each: the sandbox's own seed, and
	// for basic (whose users are a username and a password) an import of
	// 50 users named by email address.
	for _, api := range copyDialects {
		if api == "basic" {
			c.profile("src-basic", api, c.serve(api), "--username", "copy-admin")
			var in strings.Builder
			for i := range 50 {
				fmt.Fprintf(&in, `{"username":"copy%02d@example.com","password":"pass-word-%02d"}`+"\n", i, i)
			}
			want(t, c.runIn(in.String(), "-p", "src-basic", "users", "import", "-f", "-"), 0)
			continue
		}
		c.profile("src-"+api, api, c.serve(api, "--seed", "50"))
	}
	exports := map[string]string{}
	for _, src := range copyDialects {
		r := c.run("-p", "src-"+src, "users", "export")
		want(t, r, 0)
		if n := strings.Count(r.stdout, "\n"); n < 50 {
			t.Fatalf("export of %s: %d users, want 50 or more\n%s", src, n, r)
		}
		exports[src] = r.stdout
		for _, dst := range copyDialects {
			var extra []string
			if dst == "basic" {
				extra = []string{"--username", "copy-admin"}
			}
			c.profile("dst-"+src+"-"+dst, dst, c.serve(dst), extra...)
		}
	}
	// The pairs run at once, not as parallel subtests (which -parallel
	// bounds to the CPU count): most of their time is Datadog's pacing.
	var wg sync.WaitGroup
	for _, src := range copyDialects {
		for _, dst := range copyDialects {
			wg.Go(func() { copyPair(t, c, src, dst, exports[src]) })
		}
	}
	wg.Wait()
}

// copyRoleMaps are the --role-map flags a copy to each dialect needs for
// the roles other dialects have and it does not: udata's "editor" is a
// standard Datadog user, Datadog's read-only "ro" a plain udata account.
var copyRoleMaps = map[string][]string{
	"datadog": {"--role-map", "editor=st"},
	"udata":   {"--role-map", "ro="},
}

// copyPair applies the export of src to the empty dst sandbox, with the
// --role-map dst needs, then checks that the second apply with the same
// map plans nothing. It reports with Errorf: it runs on its own goroutine.
func copyPair(t *testing.T, c *cli, src, dst, export string) {
	pair := src + " to " + dst
	p := "dst-" + src + "-" + dst
	report := filepath.Join(t.TempDir(), p+".jsonl")
	args := append([]string{"-p", p, "users", "apply", "-f", "-"}, copyRoleMaps[dst]...)
	r := c.runIn(export, append(args, "--generate-passwords", "--report", report)...)
	if r.code != 0 {
		t.Errorf("%s: first apply: want exit 0, got:\n%s", pair, r)
		return
	}
	// Fields the target cannot hold are left out with one notice (udata's
	// slug everywhere but rest, which takes any field).
	if src == "udata" && dst != "rest" {
		if n := strings.Count(r.stderr, "cannot hold"); n != 1 || !strings.Contains(r.stderr, "extra.slug (") {
			t.Errorf("%s: want one notice naming extra.slug, got:\n%s", pair, r)
		}
	}
	// Every line is created: none fails, not even for a role the target
	// does not have (--role-map maps it).
	created := 0
	for _, l := range reportLines(t, report) {
		switch {
		case l["result"] == "created":
			created++
			if pw, _ := l["password"].(string); pw == "" && (dst == "rest" || dst == "basic") {
				t.Errorf("%s: created without a generated password in the report: %v", pair, l)
			}
		case l["result"] == "unchanged" || l["result"] == "updated":
		default:
			t.Errorf("%s: report line %v", pair, l)
		}
	}
	if created < 50 {
		t.Errorf("%s: %d users created, want 50 or more\n%s", pair, created, r)
	}
	again := c.runIn(export, append(args, "--dry-run", "--exit-code")...)
	if again.code != 0 || !strings.Contains(again.stderr, "0 to create, 0 to update") {
		t.Errorf("%s: second apply: want exit 0 and nothing to create or update, got:\n%s", pair, again)
	}
}
