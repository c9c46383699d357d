// Package e2e drives the real userctl binary as a user would: it builds it
// once in TestMain, then runs it in an isolated environment (HOME and the
// XDG directories in a temporary folder, no stdin, no inherited USERCTL_*
// or CI variables) against `userctl sandbox serve` subprocesses and small
// httptest servers on 127.0.0.1.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/userctl/userctl/cmd"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// binary is the userctl executable built by TestMain.
var binary string

// runTimeout bounds one invocation of the binary: nothing here should come
// close, and a hung command must fail the test rather than the package.
const runTimeout = 30 * time.Second

func TestMain(m *testing.M) {
	if os.Getenv("USERCTL_E2E_IN_PROCESS") == "never-set" {
		linkProduct(cmd.BuildInfo{}) // keeps the product linked: see deps_test.go
	}
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "userctl-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	name := "userctl"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	binary = filepath.Join(dir, name)
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join("/usr/local/go/bin", "go")
	}
	build := exec.Command(gobin, "build", "-o", binary, "github.com/userctl/userctl")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building userctl: %v\n", err)
		return 1
	}
	return m.Run()
}

// cli is one isolated user: their own home, config and data directories,
// and environment variables.
type cli struct {
	t   *testing.T
	dir string
	env map[string]string
	// timeout bounds one invocation (0: runTimeout).
	timeout time.Duration
}

// newCLI returns a user with an empty home and no userctl configuration.
func newCLI(t *testing.T) *cli {
	t.Helper()
	dir := t.TempDir()
	c := &cli{t: t, dir: dir, env: map[string]string{
		"HOME":            filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"XDG_DATA_HOME":   filepath.Join(dir, "data"),
		"XDG_CACHE_HOME":  filepath.Join(dir, "cache"),
		"TMPDIR":          filepath.Join(dir, "tmp"),
		"PATH":            os.Getenv("PATH"),
		"TERM":            "dumb",
	}}
	for _, d := range []string{"home", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// set sets an environment variable for every later invocation.
func (c *cli) set(kv ...string) *cli {
	for i := 0; i+1 < len(kv); i += 2 {
		c.env[kv[i]] = kv[i+1]
	}
	return c
}

// configPath is where userctl keeps its config by default.
func (c *cli) configPath() string {
	return filepath.Join(c.env["XDG_CONFIG_HOME"], "userctl", "config.yaml")
}

func (c *cli) environ(extra []string) []string {
	m := make(map[string]string, len(c.env)+len(extra))
	for k, v := range c.env {
		m[k] = v
	}
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// result is what one invocation did.
type result struct {
	args   []string
	stdout string
	stderr string
	code   int
}

func (r result) String() string {
	return fmt.Sprintf("userctl %s\nexit %d\n--- stdout:\n%s\n--- stderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// run runs userctl with args and no stdin.
func (c *cli) run(args ...string) result {
	c.t.Helper()
	return c.runIO("", nil, args...)
}

// runIn runs userctl with stdin.
func (c *cli) runIn(stdin string, args ...string) result {
	c.t.Helper()
	return c.runIO(stdin, nil, args...)
}

// runIO runs userctl with stdin ("" is none) and extra KEY=VALUE
// environment entries for this invocation only.
func (c *cli) runIO(stdin string, env []string, args ...string) result {
	c.t.Helper()
	timeout := runTimeout
	if c.timeout > 0 {
		timeout = c.timeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = c.environ(env)
	cmd.Dir = c.dir
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return c.ended(ctx, err, result{args: args, stdout: out.String(), stderr: errb.String()}, timeout)
}

// ended sets r's exit code from how the process ended: killed when ctx
// expired after timeout, its exit status, or a failure to run it (code -1,
// reported with Errorf, not Fatalf: it may be called from other goroutines).
func (c *cli) ended(ctx context.Context, err error, r result, timeout time.Duration) result {
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		c.t.Errorf("userctl %s: killed after %s\n%s", strings.Join(r.args, " "), timeout, r)
		r.code = -1
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		c.t.Errorf("userctl %s: %v", strings.Join(r.args, " "), err)
		r.code = -1
	}
	return r
}

// interrupt sends SIGINT to cmd (its Wait result arriving on done) and
// requires it to end within 15 s with exit 130.
func interrupt(t *testing.T, cmd *exec.Cmd, done <-chan error, stderr fmt.Stringer) {
	t.Helper()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("import still running 15s after SIGINT\nstderr:\n%s", stderr)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d, want 130\nstderr:\n%s", code, stderr)
	}
}

// want fails the test unless r exited with code.
func want(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got:\n%s", code, r)
	}
}

// wantIn fails the test unless s contains every substring.
func wantIn(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

// wantNotIn fails the test if s contains any substring.
func wantNotIn(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			t.Errorf("%s contains %q:\n%s", what, sub, s)
		}
	}
}

// oneLineError checks that stderr is exactly one `userctl: ...` line and
// returns it.
func oneLineError(t *testing.T, r result) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "userctl: ") {
		t.Errorf("want one `userctl: ...` line on stderr, got:\n%s", r)
	}
	return lines[len(lines)-1]
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve starts `userctl sandbox serve --api API --addr 127.0.0.1:0 ARGS...`
// and returns the base URL it prints; the server is stopped (SIGINT, then
// killed) when the test ends.
func (c *cli) serve(api string, args ...string) string {
	c.t.Helper()
	full := append([]string{"sandbox", "serve", "--api", api, "--addr", "127.0.0.1:0"}, args...)
	cmd := exec.Command(binary, full...)
	cmd.Env = c.environ(nil)
	cmd.Dir = c.dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("starting the sandbox: %v", err)
	}
	done := make(chan error, 1)
	urlc := make(chan string, 1)
	go func() {
		br := bufio.NewReader(stdout)
		line, _ := br.ReadString('\n')
		urlc <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, br)
		done <- cmd.Wait()
	}()
	c.t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	select {
	case u := <-urlc:
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			c.t.Fatalf("sandbox serve --api %s %v: first stdout line %q is not a URL on 127.0.0.1\nstderr:\n%s", api, args, u, stderr)
		}
		return u
	case <-time.After(20 * time.Second):
		c.t.Fatalf("sandbox serve --api %s: no URL within 20s\nstderr:\n%s", api, stderr)
	}
	return ""
}

// profile adds a profile without secrets, non-interactively.
func (c *cli) profile(name, api, url string, extra ...string) {
	c.t.Helper()
	r := c.run(append([]string{"profile", "add", name, "--api", api, "--url", url}, extra...)...)
	want(c.t, r, 0)
}

// counter is an httptest server answering every request with one fixed
// response, counting the requests it saw.
type counter struct {
	*httptest.Server
	n atomic.Int64
}

func newCounter(t *testing.T, status int, header http.Header, body string) *counter {
	t.Helper()
	c := &counter{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		for k, vs := range header {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(c.Close)
	return c
}

// closedURL returns the URL of a port on 127.0.0.1 nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}
