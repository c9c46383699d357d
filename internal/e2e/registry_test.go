package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes the default config file of c.
func writeConfig(t *testing.T, c *cli, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(c.configPath()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.configPath(), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A typo'd profile key is an error naming the file, the line and the key it
// was meant to be, never silently ignored.
func TestProfileUnknownKeyInConfigFile(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	writeConfig(t, c, `current_profile: crm
profiles:
  crm:
    api: rest
    url: http://127.0.0.1:1/v1
    token: t
    pagniation: cursor
`)
	r := c.run("users", "list")
	want(t, r, 2)
	line := oneLineError(t, r)
	wantIn(t, "stderr", line, c.configPath(), "line 7", `unknown key "pagniation"`, `did you mean "pagination"?`)

	// A key of another dialect is unknown too: site is Datadog's.
	writeConfig(t, c, "profiles:\n  u: {api: udata, token: t, site: datadoghq.eu}\n")
	r = c.run("-p", "u", "users", "list")
	want(t, r, 2)
	wantIn(t, "stderr", oneLineError(t, r), "line 2", `unknown key "site" for the udata API`)

	// A declared key with a value its dialect refuses.
	writeConfig(t, c, "profiles:\n  crm: {api: rest, url: 'http://127.0.0.1:1', token: t, pagination: sideways}\n")
	r = c.run("-p", "crm", "users", "list")
	want(t, r, 2)
	wantIn(t, "stderr", oneLineError(t, r), `pagination "sideways" is not one of auto, none, page, offset, cursor, link`)

	// Every declared key is accepted, secrets by reference included.
	writeConfig(t, c, `profiles:
  dd: {api: datadog, site: datadoghq.eu, api_key_env: MY_DD_KEY, app_key: a}
  crm: {api: rest, url: 'http://127.0.0.1:1', token_source: keyring, list_path: /people, page_size: 50, auth: 'header:X-Key'}
  svc: {api: basic, url: 'http://127.0.0.1:1', username: admin, password_env: SVC_PW}
`)
	r = c.run("profile", "list")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "site datadoghq.eu")
}

// profile add refuses a typo'd --set key, a flag of another dialect and an
// invalid value before anything is written.
func TestProfileAddChecksDeclaredSettings(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"crm", "--api", "rest", "--url", "http://127.0.0.1:1", "--set", "pagniation=cursor"},
			`unknown key "pagniation" for the rest API (did you mean "pagination"?)`},
		{[]string{"dd", "--api", "datadog", "--set", "sit=datadoghq.eu"}, `did you mean "site"?`},
		{[]string{"u", "--api", "udata", "--site", "datadoghq.eu"}, "--site does not apply to the udata API"},
		{[]string{"dd", "--api", "datadog", "--site", "datadoghq.moon"}, `unknown Datadog site "datadoghq.moon"`},
		{[]string{"crm", "--api", "rest", "--url", "http://127.0.0.1:1", "--set", "page_size=-3"}, `page_size "-3" is not a positive number`},
		{[]string{"crm", "--api", "rest", "--url", "http://127.0.0.1:1", "--set", "api_key=x"}, `unknown key "api_key" for the rest API`},
		{[]string{"dd", "--api", "datadog", "--set", "app_key=x"}, "secrets are never taken from arguments"},
	} {
		r := c.run(append([]string{"profile", "add"}, tc.args...)...)
		want(t, r, 2)
		wantIn(t, "stderr", oneLineError(t, r), tc.msg)
		if _, err := os.Stat(c.configPath()); err == nil {
			t.Fatalf("%v wrote the config file", tc.args)
		}
	}

	// The declared flags and keys are stored; profile show lists them.
	r := c.run("profile", "add", "crm", "--api", "rest", "--url", "http://127.0.0.1:1", "--set", "pagination=cursor", "--username", "ops")
	want(t, r, 0)
	r = c.run("profile", "show", "crm")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "pagination", "cursor", "username", "ops")
	data, err := os.ReadFile(c.configPath())
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, "config", string(data), "pagination: cursor", "username: ops")
}

// A dialect-specific flag given with a dialect that does not have it is a
// usage error before any request, not silently ignored.
func TestDialectFlagRefusedElsewhere(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest", "--seed", "3"), "USERCTL_TOKEN", "t")
	r := c.run("users", "delete", "usr_000001", "--yes", "--no-mail")
	want(t, r, 2)
	wantIn(t, "stderr", oneLineError(t, r), "--no-mail is not supported by the rest API", "it applies to: udata")
	want(t, c.run("users", "get", "usr_000001"), 0) // nothing was deleted

	r = c.run("users", "delete", "usr_000001", "--yes", "--delete-comments")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, "--delete-comments is not supported by the rest API")

	file := filepath.Join(c.dir, "team.jsonl")
	if err := os.WriteFile(file, []byte(`{"email":"a@example.com","name":"A","password":"long-enough-1"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run("users", "apply", "-f", file, "--prune", "--yes", "--no-mail")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, "--no-mail is not supported by the rest API")
	want(t, c.run("users", "get", "usr_000002"), 0) // nothing was pruned

	// The dialect that declares them takes them.
	u := newCLI(t)
	u.profile("ud", "udata", u.serve("udata", "--seed", "3"))
	u.set("USERCTL_TOKEN", "t")
	r = u.run("users", "list", "-o", "jsonl", "--fields", "id")
	want(t, r, 0)
	id := strings.TrimSpace(strings.SplitN(r.stdout, "\n", 2)[0])
	id = strings.TrimSuffix(strings.TrimPrefix(id, `{"id":"`), `"}`)
	want(t, u.run("users", "delete", id, "--yes", "--no-mail", "--delete-comments"), 0)

	// The help of the flag says which dialects have it.
	r = c.run("users", "delete", "--help")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "do not notify the user by mail (udata)")
}

// users --help knows what the profile's API cannot do from its declaration:
// no client is built, so missing credentials or a profile the client would
// refuse do not hide it.
func TestUsersHelpFromDeclaredCapabilities(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	writeConfig(t, c, "current_profile: svc\nprofiles:\n  svc: {api: basic, url: 'http://127.0.0.1:1', username: 'ops:team'}\n")
	r := c.run("users", "--help")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, `Not available with profile "svc" (basic API)`, "update", "followers", "suggest")
}

// Completion offers what the dialects declare.
func TestCompletionFromDeclarations(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.run("__complete", "profile", "add", "x", "--api", "datadog", "--site", "")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "datadoghq.eu\n", "us5.datadoghq.com\n")
	r = c.run("__complete", "profile", "add", "x", "--api", "rest", "--set", "pag")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "pagination=\n", "page_size=\n")
	wantNotIn(t, "stdout", r.stdout, "token=")
	r = c.run("__complete", "profile", "add", "x", "--api", "rest", "--set", "pagination=")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "pagination=cursor\n")
}
