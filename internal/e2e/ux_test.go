package e2e

import (
	"net/http"
	"os"
	"path/filepath"
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
