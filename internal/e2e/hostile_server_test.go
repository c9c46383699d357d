package e2e

// The hostile-server suite: small servers on 127.0.0.1 that echo secrets,
// redirect elsewhere, advertise absurd rate limits or never stop answering
// 429, driven through the binary. Each case is one guarantee of
// docs/security.md ("Against a hostile server").

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// echoServer answers every request with status and a body that repeats the
// request's credentials and body, as is and URL-encoded, the way a WAF page
// or a chatty error does.
func echoServer(t *testing.T, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var parts []string
		for _, h := range []string{"Authorization", "X-Api-Key", "Dd-Api-Key", "Dd-Application-Key"} {
			if v := r.Header.Get(h); v != "" {
				parts = append(parts, h+"="+v)
			}
		}
		parts = append(parts, "body="+string(body), "form="+url.QueryEscape(string(body)))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", strings.Join(parts, " "))
		w.WriteHeader(status)
		msg, _ := json.Marshal(map[string]string{"message": "rejected: " + strings.Join(parts, " ")})
		_, _ = w.Write(msg)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// wantNoSecret fails when any of secrets appears in what.
func wantNoSecret(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			t.Errorf("%s shows the secret %q:\n%s", what, sec, s)
		}
	}
}

func TestHostileServer(t *testing.T) {
	t.Parallel()

	// Bullet 2: secrets echoed back by a server are never printed, in
	// errors, the --report file or the --debug log, for every dialect.
	t.Run("secrets echoed back", func(t *testing.T) {
		t.Parallel()
		const token = "tok-SECRET-0123456789"
		const apiKey, appKey = "ddapi-SECRET-0123456789", "ddapp-SECRET-0123456789"
		const password = "basic-SECRET-pw-0123456789"
		const newPassword = "new-user-SECRET-pw-0123456789"
		basicCred := base64.StdEncoding.EncodeToString([]byte("admin:" + password))
		for _, tc := range []struct {
			api     string
			env     []string
			args    []string
			stdin   string
			secrets []string
		}{
			{"rest", []string{"USERCTL_TOKEN", token}, []string{"users", "create", "--email", "e@example.com", "--name", "E", "--password-stdin"},
				newPassword + "\n", []string{token, newPassword, url.QueryEscape(newPassword)}},
			{"udata", []string{"USERCTL_TOKEN", token}, []string{"users", "get", "someone"}, "", []string{token}},
			{"datadog", []string{"USERCTL_API_KEY", apiKey, "USERCTL_APP_KEY", appKey}, []string{"users", "get", "a@example.com"}, "",
				[]string{apiKey, appKey}},
			{"basic", []string{"USERCTL_USERNAME", "admin", "USERCTL_PASSWORD", password},
				[]string{"users", "create", "bob", "--password-stdin"}, newPassword + "\n",
				[]string{password, basicCred, newPassword}},
		} {
			t.Run(tc.api, func(t *testing.T) {
				t.Parallel()
				srv := echoServer(t, http.StatusBadRequest)
				c := newCLI(t)
				var extra []string
				if tc.api == "basic" { // --username is a setting of basic only
					extra = []string{"--username", "admin"}
				}
				c.profile("hostile", tc.api, srv.URL, extra...)
				c.set(tc.env...)
				for _, debug := range []bool{false, true} {
					args := tc.args
					if debug {
						args = append([]string{"--debug"}, args...)
					}
					r := c.runIn(tc.stdin, args...)
					if r.code == 0 {
						t.Fatalf("want a failure:\n%s", r)
					}
					wantNoSecret(t, "stderr", r.stderr, tc.secrets...)
					wantNoSecret(t, "stdout", r.stdout, tc.secrets...)
					wantIn(t, "stderr", r.stderr, "[REDACTED]")
				}
			})
		}
		t.Run("datadog delete notice", func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.Method != http.MethodDelete {
					_, _ = io.WriteString(w, `{"user": {"handle": "a@example.com", "email": "a@example.com", "disabled": false}}`)
					return
				}
				msg, _ := json.Marshal(map[string]string{"message": "User a@example.com disabled by key " + r.Header.Get("Dd-Application-Key")})
				_, _ = w.Write(msg)
			}))
			t.Cleanup(srv.Close)
			c := newCLI(t)
			c.profile("dd", "datadog", srv.URL)
			r := c.set("USERCTL_API_KEY", apiKey, "USERCTL_APP_KEY", appKey).run("users", "delete", "a@example.com", "--yes")
			want(t, r, 0)
			wantIn(t, "notice", r.stderr+r.stdout, "disabled by key [REDACTED]")
			wantNoSecret(t, "output", r.stderr+r.stdout, appKey)
		})
		t.Run("import report", func(t *testing.T) {
			t.Parallel()
			srv := echoServer(t, http.StatusUnprocessableEntity)
			c := newCLI(t).set("USERCTL_URL", srv.URL, "USERCTL_TOKEN", token)
			in := filepath.Join(c.dir, "in.csv")
			if err := os.WriteFile(in, []byte("email,name,password\na@example.com,A,"+newPassword+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			report := filepath.Join(c.dir, "report.jsonl")
			r := c.run("--debug", "users", "import", "-f", in, "--report", report)
			want(t, r, 7)
			rep, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			wantIn(t, "report", string(rep), "[REDACTED]")
			wantNoSecret(t, "report", string(rep), token, newPassword, url.QueryEscape(newPassword))
			wantNoSecret(t, "stderr", r.stderr, token, newPassword, url.QueryEscape(newPassword))
		})
	})

	// Bullet 3: a cross-origin 307/308 never re-sends a write or a password
	// body, and a page on another origin is an error, not merged data.
	t.Run("cross-origin redirects", func(t *testing.T) {
		t.Parallel()
		var otherHits atomic.Int64
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			otherHits.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id": "evil", "email": "e@example.com", "username": "bob"}`)
		}))
		t.Cleanup(other.Close)
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusPermanentRedirect)
		}))
		t.Cleanup(redirector.Close)
		for _, tc := range []struct {
			name  string
			api   string
			env   []string
			args  []string
			stdin string
		}{
			{"rest create", "rest", []string{"USERCTL_TOKEN", "tok-0123456789"},
				[]string{"users", "create", "--email", "e@example.com", "--name", "E", "--password-stdin"}, "a-long-new-password\n"},
			{"basic passwd", "basic", []string{"USERCTL_USERNAME", "admin", "USERCTL_PASSWORD", "admin-pw-0123456789"},
				[]string{"users", "passwd", "bob", "--password-stdin"}, "old-password-123\nnew-password-456\n"},
			{"rest delete", "rest", []string{"USERCTL_TOKEN", "tok-0123456789"}, []string{"users", "delete", "usr_1", "--yes"}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := newCLI(t)
				c.profile("hostile", tc.api, redirector.URL, "--username", "admin")
				c.set(tc.env...)
				before := otherHits.Load()
				r := c.runIn(tc.stdin, append([]string{"--debug"}, tc.args...)...)
				want(t, r, 1)
				wantIn(t, "error", lastLine(r.stderr), "userctl: ", redirector.URL, other.URL, "another origin")
				wantIn(t, "stderr", r.stderr, "redirected to "+other.URL)
				wantNotIn(t, "stderr", r.stderr, "created", "changed", "deleted")
				if n := otherHits.Load() - before; n != 0 {
					t.Errorf("the other origin received %d requests", n)
				}
			})
		}
		t.Run("list page on another origin", func(t *testing.T) {
			before := otherHits.Load()
			first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"data": [{"id": "usr_1", "email": "a@example.com"}], "next": %q}`,
					other.URL+"/users?page=2&access_token=tok-SECRET-in-link")
			}))
			t.Cleanup(first.Close)
			c := newCLI(t).set("USERCTL_URL", first.URL, "USERCTL_TOKEN", "tok-0123456789")
			r := c.run("users", "list", "--all", "-o", "jsonl")
			want(t, r, 1)
			wantIn(t, "error", oneLineError(t, r), other.URL, "another origin")
			wantNoSecret(t, "stderr", r.stderr, "tok-SECRET-in-link")
			wantNotIn(t, "stdout", r.stdout, "evil")
			if n := otherHits.Load() - before; n != 0 {
				t.Errorf("the other origin received %d requests", n)
			}
		})
	})

	// Bullet 4: absurd rate-limit hints and 429 storms end in bounded time
	// with every line in the report; lines never sent say "not sent".
	t.Run("rate limit hint of one a year", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k := n.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-RateLimit-Limit", "1")
			w.Header().Set("X-RateLimit-Period", "31536000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			if r.Method != http.MethodPost {
				_, _ = io.WriteString(w, `{"data": []}`)
				return
			}
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"id": "usr_%d", "email": "x%d@example.com"}`, k, k)
		}))
		t.Cleanup(srv.Close)
		c := newCLI(t).set("USERCTL_URL", srv.URL, "USERCTL_TOKEN", "tok-0123456789")
		report := filepath.Join(c.dir, "report.jsonl")
		const lines = 20
		start := time.Now()
		r := c.runLong(2*time.Minute, "users", "import", "-f", writeUsers(t, c.dir, "year", lines), "--report", report)
		want(t, r, 0)
		for _, e := range byLine(t, readReport(t, report), lines) {
			if e.Result != "created" {
				t.Errorf("line %d: %s %q", e.Line, e.Result, e.Error)
			}
		}
		if d := time.Since(start); d > 2*time.Minute {
			t.Errorf("took %s", d)
		}
	})
	t.Run("429 with Retry-After 1 forever", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name  string
			flags []string
			bound time.Duration
		}{
			// 4s of waiting, then the requests in flight end their own (at
			// most 4s more): never the minutes of unbounded retries.
			{"max-wait 4s", []string{"--max-wait", "4s"}, 20 * time.Second},
			// The defaults: about a minute, so on request (as CI does).
			{"defaults", nil, 2 * time.Minute},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.flags == nil && os.Getenv("USERCTL_TEST_SLOW") == "" {
					t.Skip("set USERCTL_TEST_SLOW=1 to run: with the default --max-wait it takes about a minute")
				}
				t.Parallel()
				srv := newCounter(t, http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}, "Content-Type": {"application/json"}},
					`{"error": "slow down"}`)
				c := newCLI(t).set("USERCTL_URL", srv.URL, "USERCTL_TOKEN", "tok-0123456789")
				report := filepath.Join(c.dir, "report.jsonl")
				const lines = 3
				start := time.Now()
				args := append(tc.flags, "users", "import", "-f", writeUsers(t, c.dir, "storm", lines), "--report", report)
				r := c.runLong(tc.bound+30*time.Second, args...)
				want(t, r, 6)
				wantIn(t, "error", oneLineErrorAfterSummary(t, r), "gave up", "--max-wait")
				for _, e := range byLine(t, readReport(t, report), lines) {
					if e.Result != "failed" || !strings.HasPrefix(e.Error, "not sent: ") {
						t.Errorf("line %d: %s %q, want failed, not sent", e.Line, e.Result, e.Error)
					}
				}
				if d := time.Since(start); d > tc.bound {
					t.Errorf("took %s to give up, want at most %s", d, tc.bound)
				}
			})
		}
	})

	// Bullet 6: a URL in an error is redacted, and credentials in --url
	// are refused.
	t.Run("pagination loop hides access_token", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data": [{"id": "usr_1", "email": "a@example.com"}], "next": "/users?page=2&access_token=tok-SECRET-loop"}`)
		}))
		t.Cleanup(srv.Close)
		c := newCLI(t).set("USERCTL_URL", srv.URL, "USERCTL_TOKEN", "tok-0123456789")
		r := c.run("--debug", "users", "list", "--all", "-o", "jsonl")
		want(t, r, 1)
		wantIn(t, "error", lastLine(r.stderr), "pagination loop")
		wantNoSecret(t, "stderr", r.stderr, "tok-SECRET-loop", "tok-0123456789")
	})
	t.Run("url with user and password", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		r := c.runIn("pw-from-stdin\n", "profile", "add", "svc", "--api", "basic", "--url", "http://admin:url-SECRET-pw@127.0.0.1:9/",
			"--username", "admin", "--with-secrets")
		want(t, r, 2)
		wantIn(t, "error", oneLineError(t, r), "user name or password", "--with-secrets")
		wantNoSecret(t, "stderr", r.stderr, "url-SECRET-pw")
		if b, err := os.ReadFile(c.configPath()); err == nil && strings.Contains(string(b), "url-SECRET-pw") {
			t.Errorf("the config file holds the password:\n%s", b)
		}
		r = c.set("USERCTL_URL", "http://admin:url-SECRET-pw@127.0.0.1:9/", "USERCTL_TOKEN", "tok-0123456789").run("users", "list")
		want(t, r, 2)
		wantNoSecret(t, "stderr", r.stderr, "url-SECRET-pw")
	})
	t.Run("debug redacts more names", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Session-Jwt", "jwt-SECRET-header")
			_, _ = io.WriteString(w, `{"pwd": "pwd-SECRET", "otp": "otp-SECRET", "jwt": "jwt-SECRET", "session_id": "sid-SECRET", "pass": "pass-SECRET", "auth": "auth-SECRET"}`)
		}))
		t.Cleanup(srv.Close)
		c := newCLI(t).set("USERCTL_URL", srv.URL, "USERCTL_TOKEN", "tok-0123456789")
		r := c.run("--debug", "api", "GET", "/things?sig=sig-SECRET&code=code-SECRET&jwt=jwtq-SECRET&page=2",
			"-H", "X-Custom-Auth: hdr-SECRET", "-H", "X-Pass: hdr2-SECRET")
		want(t, r, 0)
		wantIn(t, "stderr", r.stderr, "page=2", "[REDACTED]")
		wantNoSecret(t, "stderr", r.stderr, "pwd-SECRET", "otp-SECRET", "jwt-SECRET", "sid-SECRET", "pass-SECRET", "auth-SECRET",
			"sig-SECRET", "code-SECRET", "jwtq-SECRET", "hdr-SECRET", "hdr2-SECRET", "tok-0123456789")
	})

	// Bullet 7: the sandbox never accepts any credential from the network.
	t.Run("sandbox serve off loopback", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		for _, tc := range []struct{ api, missing string }{
			{"rest", "--token"}, {"udata", "--token"}, {"datadog", "--api-key and --app-key"}, {"basic", "--username and --password"},
		} {
			r := c.run("sandbox", "serve", "--api", tc.api, "--addr", "0.0.0.0:0")
			want(t, r, 2)
			wantIn(t, "error", oneLineError(t, r), "not a loopback address", tc.missing)
			if r.stdout != "" {
				t.Errorf("%s: it served: %q", tc.api, r.stdout)
			}
		}
		// With exact credentials it goes on, warning first. 192.0.2.1
		// (TEST-NET-1) is no address of this machine, so nothing listens.
		r := c.run("sandbox", "serve", "--api", "rest", "--addr", "192.0.2.1:0", "--token", "exact-token")
		wantIn(t, "stderr", r.stderr, "warning: --addr 192.0.2.1:0 is not a loopback address")
		if r.code == 0 || r.stdout != "" {
			t.Errorf("want a failure to listen on 192.0.2.1:\n%s", r)
		}
	})
}

// runLong is run with a longer bound than runTimeout, for runs whose point
// is to end within d.
func (c *cli) runLong(d time.Duration, args ...string) result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env, cmd.Dir = c.environ(nil), c.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run()
	r := result{args: args, stdout: out.String(), stderr: errb.String(), code: cmd.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		c.t.Errorf("userctl %s: still running after %s\n%s", strings.Join(args, " "), d, r)
	}
	return r
}

// lastLine is the last line of s.
