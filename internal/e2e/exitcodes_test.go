package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExitSuccess(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.run("version")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "dev")
	if r.stderr != "" {
		t.Errorf("version wrote to stderr:\n%s", r)
	}
}

func TestExitUnreachable(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	u := closedURL(t)
	c.set("USERCTL_URL", u)
	for _, format := range []string{"table", "json", "csv", "yaml"} {
		r := c.run("users", "list", "-o", format)
		want(t, r, 1)
		line := oneLineError(t, r)
		wantIn(t, "stderr", line, strings.TrimPrefix(u, "http://"))
		// A failed list prints no data: no header, no empty [] a script
		// could take for an empty result.
		if r.stdout != "" {
			t.Errorf("-o %s: stdout not empty on failure:\n%s", format, r)
		}
	}
}

func TestExitServerError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, ctype, body string
	}{
		{"json", "application/json", `{"error": "database on fire"}`},
		{"html", "text/html; charset=utf-8", "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1>\n<p>The server encountered an internal error.</p></body></html>\n"},
		{"text", "text/plain", "upstream exploded\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newCounter(t, http.StatusInternalServerError, http.Header{"Content-Type": {tc.ctype}}, tc.body)
			c := newCLI(t).set("USERCTL_URL", srv.URL)
			r := c.run("users", "list")
			want(t, r, 1)
			line := oneLineError(t, r)
			wantIn(t, "stderr", line, "500")
			wantNotIn(t, "stderr", line, "<html", "<body", "<h1>", "<!DOCTYPE")
			if tc.name == "json" {
				wantIn(t, "stderr", line, "database on fire")
			}
			if n := srv.n.Load(); n != 3 {
				t.Errorf("server saw %d requests, want 3 (a GET is tried at most 3 times)", n)
			}
		})
	}
}

// TestExitUsage covers exit 2 caught before any request: the counting
// server must see nothing.
func TestExitUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		api   string // profile dialect; "" is the default (rest via USERCTL_URL)
		stdin string
		env   []string
		args  []string
		msg   []string
	}{
		{name: "missing required flag with CI set", env: []string{"CI=true"}, args: []string{"users", "create", "--email", "ci@example.com"}, msg: []string{"missing required flag --name"}},
		{name: "no-input flag", args: []string{"--no-input", "users", "delete", "usr_000001"}, msg: []string{"--yes"}},
		{name: "bad flag", args: []string{"users", "list", "--bogus"}, msg: []string{"unknown flag", "--bogus"}},
		{name: "unknown output format", args: []string{"users", "list", "-o", "xml"}, msg: []string{"unknown output format", "xml"}},
		{name: "unknown output format env", args: []string{"users", "list"}, msg: []string{"USERCTL_OUTPUT"}},
		{name: "missing required flag", args: []string{"users", "create", "--name", "No Email"}, msg: []string{"missing required flag --email"}},
		{name: "delete without yes", args: []string{"users", "delete", "usr_000001"}, msg: []string{"--yes"}},
		{name: "disable without yes", args: []string{"users", "disable", "usr_000001"}, msg: []string{"--yes"}},
		{name: "followers on rest", args: []string{"users", "followers", "usr_000001"}, msg: []string{"followers", "rest"}},
		{name: "avatar on rest", args: []string{"users", "avatar", "upload", "usr_000001", "face.png"}, msg: []string{"avatar", "rest"}},
		{name: "passwd on datadog", api: "datadog", stdin: "long-enough-pass\n", args: []string{"users", "passwd", "ada@example.com", "--password-stdin"}, msg: []string{"passwd", "atadog"}},
		{name: "followers on basic", api: "basic", args: []string{"users", "followers", "alice"}, msg: []string{"followers"}},
		{name: "short password", stdin: "short\n", args: []string{"users", "create", "--email", "a@example.com", "--name", "A", "--password-stdin"}, msg: []string{"at least 8"}},
		{name: "password without stdin flag", args: []string{"users", "create", "--email", "a@example.com", "--name", "A"}, msg: []string{"--password-stdin"}},
		{name: "too many args", args: []string{"users", "passwd", "a", "b"}, msg: []string{"passwd"}},
		{name: "bad bbox", args: []string{"users", "avatar", "upload", "x", "f.png", "--bbox", "1,2"}, msg: []string{"--bbox"}},
		{name: "api with absolute url", args: []string{"api", "GET", "http://example.com/users"}, msg: []string{"relative"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newCounter(t, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, `{"data": []}`)
			c := newCLI(t).set("USERCTL_TOKEN", "t0k", "USERCTL_API_KEY", "k", "USERCTL_APP_KEY", "a", "USERCTL_PASSWORD", "pw")
			if tc.name == "unknown output format env" {
				c.set("USERCTL_OUTPUT", "xml")
			}
			if tc.api != "" {
				extra := []string{}
				if tc.api == "basic" {
					extra = append(extra, "--username", "admin")
				}
				c.profile("p", tc.api, srv.URL, extra...)
			} else {
				c.set("USERCTL_URL", srv.URL)
			}
			r := c.runIO(tc.stdin, tc.env, tc.args...)
			want(t, r, 2)
			line := oneLineError(t, r)
			wantIn(t, "stderr", line, tc.msg...)
			if n := srv.n.Load(); n != 0 {
				t.Errorf("server saw %d request(s); want none before a usage error", n)
			}
		})
	}
}

func TestExitNotFound(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest", "--seed", "2"), "USERCTL_TOKEN", "t0k")

	r := c.run("users", "get", "usr_999999")
	want(t, r, 3)
	wantIn(t, "stderr", oneLineError(t, r), `user "usr_999999" not found`)

	r = c.run("users", "delete", "usr_999999", "--yes")
	want(t, r, 3)

	r = c.run("users", "delete", "usr_999999", "--yes", "--ignore-not-found")
	want(t, r, 0)

	r = c.run("users", "get", "usr_000001", "usr_999999")
	want(t, r, 3)
}

func TestExitAuth(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest", "--token", "right-token", "--seed", "1"))

	r := c.runIO("", []string{"USERCTL_TOKEN=wrong-token"}, "users", "list")
	want(t, r, 4)
	line := oneLineError(t, r)
	wantIn(t, "stderr", line, "invalid token")
	wantNotIn(t, "stderr", line, "wrong-token", "right-token")

	r = c.runIO("", []string{"USERCTL_TOKEN=right-token"}, "users", "list")
	want(t, r, 0)
}

func TestExitConflict(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest"), "USERCTL_TOKEN", "t0k")
	args := []string{"users", "create", "--email", "twice@example.com", "--name", "Twice", "--password-stdin"}
	want(t, c.runIn("long-enough-pass\n", args...), 0)
	r := c.runIn("long-enough-pass\n", args...)
	want(t, r, 5)
	wantIn(t, "stderr", oneLineError(t, r), "already exists")
}

func TestExitRateLimited(t *testing.T) {
	t.Parallel()
	t.Run("long retry-after", func(t *testing.T) {
		t.Parallel()
		srv := newCounter(t, http.StatusTooManyRequests,
			http.Header{"Retry-After": {"3600"}, "Content-Type": {"application/json"}}, `{"error": "slow down"}`)
		c := newCLI(t).set("USERCTL_URL", srv.URL, "USERCTL_TOKEN", "t0k")
		start := time.Now()
		r := c.run("users", "list")
		want(t, r, 6)
		oneLineError(t, r)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %s: a server asking for an hour must fail at once", d)
		}
		if n := srv.n.Load(); n != 1 {
			t.Errorf("server saw %d requests, want 1", n)
		}
	})
	t.Run("sandbox rate limit", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		// One request per 1000 s: the first list takes the only token, the
		// second is told to wait far longer than userctl ever waits.
		c.set("USERCTL_URL", c.serve("rest", "--rate-limit", "0.001", "--seed", "3"), "USERCTL_TOKEN", "t0k")
		want(t, c.run("users", "list"), 0)
		r := c.run("users", "list")
		want(t, r, 6)
		wantIn(t, "stderr", oneLineError(t, r), "rate limit")
	})
}

func TestExitPartialImport(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest"), "USERCTL_TOKEN", "t0k")
	csv := filepath.Join(c.dir, "users.csv")
	report := filepath.Join(c.dir, "report.jsonl")
	data := "email,name,password\n" +
		"imp1@example.com,Imp One,long-enough-1\n" +
		"not-an-email,Imp Bad,long-enough-2\n" +
		"imp2@example.com,Imp Two,long-enough-3\n"
	if err := os.WriteFile(csv, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("users", "import", "-f", csv, "--report", report)
	want(t, r, 7)
	wantNotIn(t, "stdout+stderr", r.stdout+r.stderr, "long-enough-1", "long-enough-2", "long-enough-3")

	f, err := os.Open(report)
	if err != nil {
		t.Fatalf("no report: %v\n%s", err, r)
	}
	defer f.Close()
	outcomes := map[string]string{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		n++
		var e struct {
			Key    string `json:"key"`
			Result string `json:"result"`
			Error  string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("report line %q: %v", sc.Text(), err)
		}
		outcomes[e.Key] = e.Result
		if e.Result == "failed" && e.Error == "" {
			t.Errorf("failed item without an error: %s", sc.Text())
		}
	}
	if n != 3 {
		t.Errorf("report has %d entries, want 3 (one per line)", n)
	}
	var created, failed int
	for _, o := range outcomes {
		switch o {
		case "created":
			created++
		case "failed":
			failed++
		}
	}
	if created != 2 || failed != 1 {
		t.Errorf("outcomes %v: want 2 created, 1 failed", outcomes)
	}
	got := emails(listJSON(t, c))
	if !got["imp1@example.com"] || !got["imp2@example.com"] {
		t.Errorf("imported users missing: %v", got)
	}
}

// TestExitInterrupted sends SIGINT while a request waits on a slow sandbox.
func TestExitInterrupted(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest", "--latency", "30s"), "USERCTL_TOKEN", "t0k")

	cmd := exec.Command(binary, "--debug", "users", "list")
	cmd.Env = c.environ(nil)
	cmd.Dir = c.dir
	var stdout syncBuffer
	cmd.Stdout = &stdout
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	sent := make(chan struct{})
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		br := bufio.NewReader(io.TeeReader(stderrPipe, &stderr))
		signalled := false
		for {
			line, err := br.ReadString('\n')
			if !signalled && strings.HasPrefix(line, "> GET ") {
				signalled = true
				close(sent)
			}
			if err != nil {
				return
			}
		}
	}()
	done := make(chan error, 1)
	go func() {
		<-drained
		done <- cmd.Wait()
	}()
	select {
	case <-sent:
	case err := <-done:
		t.Fatalf("userctl exited before sending its request: %v\nstderr:\n%s", err, stderr.String())
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("no request logged within 15s\nstderr:\n%s", stderr.String())
	}
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("userctl still running 10s after SIGINT\nstderr:\n%s", stderr.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to stop after SIGINT", d)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d, want 130\nstderr:\n%s", code, stderr.String())
	}
	wantIn(t, "stderr", stderr.String(), "userctl: interrupted")
	wantNotIn(t, "stdout", stdout.String(), "@example.com")
}
