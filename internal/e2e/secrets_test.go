package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
)

func TestSecretsRedactedInDebug(t *testing.T) {
	t.Parallel()
	t.Run("rest token and password", func(t *testing.T) {
		t.Parallel()
		const token, password = "tok-e2e-SECRET-rest", "pw-e2e-SECRET-rest"
		c := newCLI(t)
		c.set("USERCTL_URL", c.serve("rest", "--token", token), "USERCTL_TOKEN", token)
		r := c.runIn(password+"\n", "--debug", "users", "create", "--email", "dbg@example.com", "--name", "Debug Me", "--password-stdin")
		want(t, r, 0)
		wantIn(t, "stderr", r.stderr, "[REDACTED]", "> POST ")
		wantNotIn(t, "stdout+stderr", r.stdout+r.stderr, token, password)

		r = c.run("--debug", "users", "list")
		want(t, r, 0)
		wantIn(t, "stderr", r.stderr, "[REDACTED]", "> GET ")
		wantNotIn(t, "stdout+stderr", r.stdout+r.stderr, token)

		// USERCTL_DEBUG does the same.
		r = c.runIO("", []string{"USERCTL_DEBUG=1"}, "users", "get", "usr_000001")
		want(t, r, 0)
		wantIn(t, "stderr", r.stderr, "[REDACTED]")
		wantNotIn(t, "stdout+stderr", r.stdout+r.stderr, token)

		// A refused request shows no secret either.
		r = c.runIO("", []string{"USERCTL_TOKEN=tok-e2e-WRONG"}, "--debug", "users", "list")
		want(t, r, 4)
		wantNotIn(t, "stdout+stderr", r.stdout+r.stderr, "tok-e2e-WRONG", token)
	})
	t.Run("datadog keys", func(t *testing.T) {
		t.Parallel()
		const apiKey, appKey = "ddapi-e2e-SECRET", "ddapp-e2e-SECRET"
		c := newCLI(t)
		c.profile("dd", "datadog", c.serve("datadog", "--api-key", apiKey, "--app-key", appKey))
		c.set("USERCTL_API_KEY", apiKey, "USERCTL_APP_KEY", appKey)
		r := c.run("--debug", "users", "create", "--email", "dbg@example.com", "--name", "Debug Me")
		want(t, r, 0)
		r = c.run("--debug", "users", "list")
		want(t, r, 0)
		wantIn(t, "stderr", r.stderr, "[REDACTED]", "dbg@example.com")
		wantNotIn(t, "stdout+stderr", r.stdout+r.stderr, apiKey, appKey)
	})
	t.Run("basic password", func(t *testing.T) {
		t.Parallel()
		const user, password = "admin", "basic-e2e-SECRET"
		c := newCLI(t)
		c.profile("svc", "basic", c.serve("basic", "--username", user, "--password", password), "--username", user)
		c.set("USERCTL_PASSWORD", password)
		const newPW, newPW2 = "new-user-SECRET-1", "new-user-SECRET-2"
		r := c.runIn(newPW+"\n", "--debug", "users", "create", "dbg", "--password-stdin")
		want(t, r, 0)
		r2 := c.runIn(newPW+"\n"+newPW2+"\n", "--debug", "users", "passwd", "dbg", "--password-stdin")
		want(t, r2, 0)
		r3 := c.run("--debug", "users", "list")
		want(t, r3, 0)
		out := r.stdout + r.stderr + r2.stdout + r2.stderr + r3.stdout + r3.stderr
		wantIn(t, "stderr", out, "[REDACTED]")
		wantNotIn(t, "stdout+stderr", out, password, newPW, newPW2,
			base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	})
}

func TestSecretsProfileAdd(t *testing.T) {
	t.Parallel()
	const token = "tok-e2e-SECRET-stored"
	c := newCLI(t)
	url := c.serve("rest", "--token", token, "--seed", "2")

	// Secrets never come from arguments.
	for _, args := range [][]string{
		{"profile", "add", "p", "--api", "rest", "--url", url, "--token", token},
		{"profile", "add", "p", "--api", "rest", "--url", url, "--set", "token=" + token},
	} {
		r := c.run(args...)
		want(t, r, 2)
	}
	// --with-secrets without the lines it needs is a usage error.
	want(t, c.run("profile", "add", "p", "--api", "rest", "--url", url, "--with-secrets"), 2)

	r := c.runIn(token+"\n", "profile", "add", "p", "--api", "rest", "--url", url, "--with-secrets")
	want(t, r, 0)
	wantNotIn(t, "stdout+stderr", r.stdout+r.stderr, token)

	for _, args := range [][]string{{"profile", "show", "p"}, {"profile", "show"}, {"profile", "show", "p", "-o", "json"}, {"profile", "list", "-o", "yaml"}} {
		r = c.run(args...)
		want(t, r, 0)
		wantNotIn(t, "stdout+stderr", r.stdout+r.stderr, token)
	}
	r = c.run("profile", "show", "p")
	wantIn(t, "stdout", r.stdout, "token", url)

	fi, err := os.Stat(c.configPath())
	if err != nil {
		t.Fatalf("no config file: %v", err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("config file mode %o, want 600", m)
	}
	di, err := os.Stat(filepath.Dir(c.configPath()))
	if err != nil {
		t.Fatal(err)
	}
	if m := di.Mode().Perm(); m != 0o700 {
		t.Errorf("config dir mode %o, want 700", m)
	}

	// The stored secret works: the server accepts only that token.
	r = c.run("-p", "p", "users", "list", "-o", "json")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "user1@example.com")
	// and it is the current profile (the first one added).
	want(t, c.run("users", "get", "usr_000002"), 0)
	// The environment overrides it, and is never written back.
	want(t, c.runIO("", []string{"USERCTL_TOKEN=tok-e2e-env"}, "users", "list"), 4)
	data, err := os.ReadFile(c.configPath())
	if err != nil {
		t.Fatal(err)
	}
	wantNotIn(t, "config file", string(data), "tok-e2e-env")
}
