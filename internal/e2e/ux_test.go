package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMistypedVerbSuggestsAtEveryLevel: a mistyped command or verb is a
// usage error (exit 2) on one line with a "did you mean", at the root and
// under every group.
func TestMistypedVerbSuggestsAtEveryLevel(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "list"}, `userctl: unknown command "user" for "userctl"; did you mean "users"?`},
		{[]string{"users", "lst"}, `userctl: unknown command "lst" for "userctl users"; did you mean "list"`},
		{[]string{"profile", "ad", "x"}, `userctl: unknown command "ad" for "userctl profile"; did you mean "add"?`},
		{[]string{"sandbox", "srve"}, `userctl: unknown command "srve" for "userctl sandbox"; did you mean "serve"?`},
		{[]string{"users", "avatar", "uplod"}, `userctl: unknown command "uplod" for "userctl users avatar"; did you mean "upload"?`},
		{[]string{"frobnicate"}, "userctl: unknown command \"frobnicate\" for \"userctl\" (see `userctl --help`)"},
	} {
		r := c.run(tc.args...)
		want(t, r, 2)
		wantIn(t, "stderr", oneLineError(t, r), tc.want)
		if r.stdout != "" {
			t.Errorf("stdout not empty:\n%s", r)
		}
	}
	// The bare groups still show their help.
	r := c.run("users")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "Available Commands:")
}

// TestNamedConfigMustExist: a config file named by --config or
// USERCTL_CONFIG that does not exist is exit 2, not a silent fallback to
// the sandbox; `profile add` still creates it.
func TestNamedConfigMustExist(t *testing.T) {
	c := newCLI(t)
	r := c.run("--config", "typo.yaml", "users", "list")
	want(t, r, 2)
	wantIn(t, "stderr", oneLineError(t, r), "typo.yaml", "--config", "does not exist")
	if r.stdout != "" {
		t.Errorf("a missing config printed data:\n%s", r)
	}
	r = c.runIO("", []string{"USERCTL_CONFIG=" + filepath.Join(c.dir, "nope.yaml")}, "users", "list")
	want(t, r, 2)
	wantIn(t, "stderr", oneLineError(t, r), "nope.yaml", "USERCTL_CONFIG", "does not exist")

	// The default config may be missing: the sandbox answers.
	want(t, c.run("users", "list", "--limit", "1"), 0)

	// profile add creates the named file; later commands read it.
	url := c.serve("rest")
	want(t, c.run("--config", "new.yaml", "profile", "add", "p1", "--api", "rest", "--url", url), 0)
	if _, err := os.Stat(filepath.Join(c.dir, "new.yaml")); err != nil {
		t.Fatalf("profile add did not create the named config: %v", err)
	}
	r = c.run("--config", "new.yaml", "profile", "list")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, url)
}

// TestHTMLErrorPageText: an HTML error page (a WAF, a proxy) is reported
// with its title and the start of its visible text, on one line.
func TestHTMLErrorPageText(t *testing.T) {
	c := newCLI(t).set("USERCTL_TOKEN", "t0k")
	page := "<!DOCTYPE html>\n<html><head><title>403 Forbidden</title><style>body{font:sans}</style></head>\n" +
		"<body><h1>403 Forbidden</h1>\n<p>Access denied by WAF.</p><p>Request ID: 7f3a</p></body></html>"
	srv := newCounter(t, http.StatusForbidden, http.Header{"Content-Type": {"text/html"}}, page)
	c.profile("waf", "rest", srv.URL)
	r := c.run("users", "list")
	want(t, r, 4)
	wantIn(t, "stderr", oneLineError(t, r), "403 Forbidden: Access denied by WAF. Request ID: 7f3a (HTML page)")
	wantNotIn(t, "stderr", r.stderr, "<p>", "font:sans")
}

// TestProfileShapes: profile show -o json is one object (jq .url works),
// and profiles on their dialect's default URL show that URL.
func TestProfileShapes(t *testing.T) {
	c := newCLI(t)
	url := c.serve("rest")
	c.profile("crm", "rest", url)
	want(t, c.runIn("tok-1\n", "profile", "add", "gouv", "--api", "udata", "--with-secrets"), 0)

	r := c.run("profile", "show", "crm", "-o", "json")
	want(t, r, 0)
	var obj map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &obj); err != nil {
		t.Fatalf("profile show -o json is not an object: %v\n%s", err, r)
	}
	if obj["url"] != url || obj["api"] != "rest" || obj["name"] != "crm" {
		t.Errorf("profile show -o json = %v", obj)
	}
	r = c.run("profile", "show", "gouv", "--jq", ".url")
	want(t, r, 0)
	if r.stdout != "https://www.data.gouv.fr/api/1\n" {
		t.Errorf("jq .url of a profile on the default URL:\n%s", r)
	}
	r = c.run("profile", "show", "gouv", "-o", "json")
	wantIn(t, "stdout", r.stdout, `"token": "••••"`, `"where": {`)
	wantNotIn(t, "stdout", r.stdout, "tok-1")

	r = c.run("profile", "list")
	want(t, r, 0)
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "gouv") && !strings.Contains(line, "https://www.data.gouv.fr/api/1") {
			t.Errorf("profile list does not show the URL used: %q", line)
		}
	}
}

// TestOutputFlagConflicts: --jq or --template with an -o they would
// silently override is exit 2; version speaks the data formats.
func TestOutputFlagConflicts(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"users", "list", "-o", "csv", "--jq", ".[].id"},
		{"users", "list", "-o", "yaml", "--template", "{{.id}}"},
		{"users", "list", "-o", "table", "--jq", ".[].id"},
	} {
		r := c.run(args...)
		want(t, r, 2)
		wantIn(t, "stderr", oneLineError(t, r), "cannot be used with -o")
		if r.stdout != "" {
			t.Errorf("printed data:\n%s", r)
		}
	}
	want(t, c.run("users", "list", "-o", "json", "--jq", ".[].id", "--limit", "1"), 0)

	r := c.run("version", "-o", "json")
	want(t, r, 0)
	var v map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v["version"] == "" || v["commit"] == "" {
		t.Errorf("version -o json: %v\n%s", err, r)
	}
	r = c.run("version")
	wantIn(t, "stdout", r.stdout, "userctl ")
}

// TestHelpMarksUnsupportedVerbs: `users --help` lists every verb and marks
// those the profile's API cannot do, per dialect.
func TestHelpMarksUnsupportedVerbs(t *testing.T) {
	c := newCLI(t)
	r := c.run("users", "--help")
	want(t, r, 0)
	for _, verb := range []string{"follow", "followers", "unfollow", "avatar", "roles", "suggest"} {
		found := false
		for _, line := range strings.Split(r.stdout, "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[0] == verb {
				found = true
				wantIn(t, verb+" line", line, "(not with the rest API)")
			}
		}
		if !found {
			t.Errorf("users --help does not list %q:\n%s", verb, r.stdout)
		}
	}
	wantIn(t, "stdout", r.stdout, `Not available with profile "sandbox" (rest API): avatar, follow, followers, roles, suggest, unfollow.`)

	// On udata, which can follow, follow is not marked.
	url := c.serve("udata")
	c.profile("gouv", "udata", url)
	r = c.run("-p", "gouv", "users", "--help")
	want(t, r, 0)
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "follow" && strings.Contains(line, "not with") {
			t.Errorf("udata marks follow as unsupported: %q", line)
		}
	}
}

// TestHintsFitTheError: the credentials hint is only given where the
// credentials may be the cause; a secret missing from its token_env names
// that variable; the rest "no token" hint is a command that works.
func TestHintsFitTheError(t *testing.T) {
	c := newCLI(t)

	// A 403 that says why is not about the credentials.
	ud := c.serve("udata")
	c.profile("gouv", "udata", ud)
	r := c.runIO("", []string{"USERCTL_TOKEN=k"}, "-p", "gouv", "users", "follow", "5f00000000000000000000a1")
	want(t, r, 4)
	if got := oneLineError(t, r); got != "userctl: 403 Forbidden: You can't follow yourself" {
		t.Errorf("stderr = %q", got)
	}
	b := c.serve("basic")
	c.profile("svc", "basic", b, "--username", "admin")
	env := []string{"USERCTL_PASSWORD=admin"}
	want(t, c.runIO("s3cret-pass\n", env, "-p", "svc", "users", "create", "bob", "--password-stdin"), 0)
	r = c.runIO("wrong-pass\nn3w-password\n", env, "-p", "svc", "users", "passwd", "bob", "--password-stdin")
	want(t, r, 4)
	wantIn(t, "stderr", oneLineError(t, r), "Current password does not match")
	wantNotIn(t, "stderr", r.stderr, "profile check")

	// A 401 may well be the credentials.
	srv := newCounter(t, http.StatusUnauthorized, http.Header{"Content-Type": {"application/json"}}, `{"message":"Invalid API token"}`)
	c.profile("bad", "udata", srv.URL)
	r = c.runIO("", []string{"USERCTL_TOKEN=k"}, "-p", "bad", "users", "list")
	want(t, r, 4)
	wantIn(t, "stderr", oneLineError(t, r), "Invalid API token", "(check the credentials with `userctl profile check`)")

	// token_env names an unset variable: say which.
	cfg := "profiles:\n  crm: {api: rest, url: " + srv.URL + ", token_env: CRM_TOKEN}\n"
	if err := os.MkdirAll(filepath.Dir(c.configPath()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run("-p", "crm", "users", "list")
	want(t, r, 2)
	wantIn(t, "stderr", oneLineError(t, r), "CRM_TOKEN", "token_env", "not set")
	wantNotIn(t, "stderr", r.stderr, "USERCTL_TOKEN")
	if n := srv.n.Load(); n != 1 {
		t.Errorf("requests sent: %d, want only the 401 one", n)
	}

	// A rest profile without a token: the hint's command works as given.
	rest := c.serve("rest")
	c.profile("api", "rest", rest)
	r = c.run("-p", "api", "users", "list")
	want(t, r, 2)
	msg := oneLineError(t, r)
	wantIn(t, "stderr", msg, "USERCTL_TOKEN", "`userctl profile add api --api rest --url URL --force`")
	want(t, c.runIn("tok\n", "profile", "add", "api", "--api", "rest", "--url", rest, "--force", "--with-secrets"), 0)
	want(t, c.run("-p", "api", "users", "list"), 0)
}

// TestConfigSyntaxErrorLine: a config indentation error names its own line.
func TestConfigSyntaxErrorLine(t *testing.T) {
	c := newCLI(t)
	if err := os.MkdirAll(filepath.Dir(c.configPath()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.configPath(), []byte("current_profile: a\nprofiles:\n  a:\n    api: rest\n   url: http://x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("users", "list")
	want(t, r, 2)
	wantIn(t, "stderr", oneLineError(t, r), "config.yaml: line 5: did not find expected key")
}

// TestSuccessWording: success messages quote IDs the same way, no "Note:"
// comes before a request that fails, and no dot is glued to a URL.
func TestSuccessWording(t *testing.T) {
	c := newCLI(t).set("USERCTL_TOKEN", "k")
	url := c.serve("udata", "--seed", "2")
	c.profile("gouv", "udata", url)
	r := c.run("-p", "gouv", "users", "list", "-o", "jsonl", "--limit", "1", "--jq", ".id")
	want(t, r, 0)
	id := strings.TrimSpace(r.stdout)

	// A request that fails: no note before it.
	r = c.run("-p", "gouv", "users", "passwd", "5f0000000000000000000999")
	want(t, r, 3)
	wantNotIn(t, "stderr", r.stderr, "Note:")
	r = c.run("-p", "gouv", "users", "delete", "5f0000000000000000000999", "--yes")
	want(t, r, 3)
	wantNotIn(t, "stderr", r.stderr, "Note:")

	r = c.run("-p", "gouv", "users", "passwd", id)
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, `User "`+id+`" must set a new password at next login.`+"\nNote: udata has no password endpoint")

	r = c.run("-p", "gouv", "users", "follow", id)
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, `Now following user "`+id+`"`)

	png := filepath.Join(c.dir, "face.png")
	if err := os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run("-p", "gouv", "users", "avatar", "upload", id, png)
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, `Avatar of user "`+id+`" uploaded: http`)
	if !strings.HasSuffix(r.stderr, ".png\n") {
		t.Errorf("a dot is glued to the avatar URL:\n%s", r)
	}

	r = c.run("-p", "gouv", "users", "delete", id, "--yes")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, `User "`+id+`" deleted (account anonymised)`+"\nNote: udata anonymises")
}

// TestFieldsNestedExtraUdata: --fields reaches into udata's metrics.
func TestFieldsNestedExtraUdata(t *testing.T) {
	c := newCLI(t).set("USERCTL_TOKEN", "k")
	url := c.serve("udata", "--seed", "2")
	c.profile("gouv", "udata", url)
	r := c.run("-p", "gouv", "users", "list", "--fields", "id,extra.metrics.followers")
	want(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "ID ") {
		t.Fatalf("table:\n%s", r)
	}
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) != 2 || f[1] == "-" {
			t.Errorf("followers not shown: %q", l)
		}
	}
	r = c.run("-p", "gouv", "users", "list", "-o", "csv", "--fields", "extra.metrics.followers")
	want(t, r, 0)
	wantNotIn(t, "stdout", r.stdout, ",,")
}
