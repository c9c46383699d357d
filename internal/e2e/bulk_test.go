package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The safety of bulk commands with real account bases (apply --prune,
// uncertain creates, malformed bulk files, --report checks), through the
// binary.

// writeFile writes text to name in the user's directory and returns the
// path.
func writeFile(t *testing.T, c *cli, name, text string) string {
	t.Helper()
	path := filepath.Join(c.dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestApplyPruneRefusesEmptyInput(t *testing.T) {
	t.Parallel()
	api := newCounter(t, http.StatusInternalServerError, nil, `{"error": "no request was expected"}`)
	c := newCLI(t).set("USERCTL_URL", api.URL, "USERCTL_TOKEN", "t0k")
	for _, in := range []struct{ name, file, stdin string }{
		{"stdin", "-", ""},
		{"blank stdin", "-", "\n\n"},
		{"csv header only", writeFile(t, c, "header.csv", "email,name\n"), ""},
		{"empty json array", writeFile(t, c, "empty.json", "[]\n"), ""},
		{"empty yaml", writeFile(t, c, "empty.yaml", "# nobody\n"), ""},
		{"empty csv", writeFile(t, c, "empty.csv", ""), ""},
	} {
		r := c.runIn(in.stdin, "users", "apply", "-f", in.file, "--prune", "--yes")
		want(t, r, 2)
		wantIn(t, "stderr of "+in.name, oneLineError(t, r), "no users", "refusing to delete every user")
	}
	if n := api.n.Load(); n != 0 {
		t.Errorf("the server saw %d requests, want none", n)
	}
}

func TestApplyPruneKeepsSelfUdata(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("gouv", "udata", c.serve("udata"))
	c.set("USERCTL_TOKEN", "udata-e2e-key")
	keep := object(t, c, "", "users", "create", "--first-name", "Kay", "--last-name", "Keep", "--email", "kay@example.com")
	gone := object(t, c, "", "users", "create", "--first-name", "Gil", "--last-name", "Gone", "--email", "gil@example.com")
	file := writeFile(t, c, "team.csv", "email,first_name,last_name\nkay@example.com,Kay,Keep\n")

	r := c.run("--debug", "users", "apply", "-f", file, "--prune", "--yes", "--no-mail")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "kept: the account userctl authenticates as", "sandbox-admin")
	wantIn(t, "stderr", r.stderr, fmt.Sprintf("> DELETE %s", ""), "/users/"+gone["id"].(string)+"/?no_mail=true")
	wantNotIn(t, "stderr", r.stderr, "You cannot delete yourself")
	got := emails(listJSON(t, c))
	if !got["admin@sandbox.userctl.invalid"] || !got["kay@example.com"] || got["gil@example.com"] {
		t.Errorf("after apply --prune: %v, want the admin and kay@ only", got)
	}
	_ = keep
	// Converged: a second run deletes nothing and still keeps the admin.
	r = c.run("users", "apply", "-f", file, "--prune", "--yes")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "kept: the account userctl authenticates as")
}

func TestApplyPruneKeepsSelfBasic(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("svc", "basic", c.serve("basic"), "--username", "admin")
	c.set("USERCTL_PASSWORD", "admin-e2e-pass")
	for _, u := range []string{"admin", "alice", "bob"} {
		want(t, c.runIn(u+"-pass-123\n", "users", "create", u, "--password-stdin"), 0)
	}
	file := writeFile(t, c, "team.jsonl", `{"username": "alice"}`+"\n")
	r := c.run("users", "apply", "-f", file, "--prune", "--yes", "-o", "json")
	want(t, r, 0)
	wantIn(t, "stdout", strings.Join(strings.Fields(r.stdout), ""), `"action":"keep"`, `"key":"admin"`)
	got := map[string]bool{}
	for _, u := range listJSON(t, c) {
		got[fmt.Sprint(u["username"])] = true
	}
	if !got["admin"] || !got["alice"] || got["bob"] {
		t.Errorf("after apply --prune: %v, want admin and alice", got)
	}
}

func TestApplyPruneDatadogSelfUnknown(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.profile("dd", "datadog", c.serve("datadog"))
	c.set("USERCTL_API_KEY", "dd-api-e2e", "USERCTL_APP_KEY", "dd-app-e2e")
	want(t, c.run("users", "create", "--email", "grace@example.com", "--name", "Grace Hopper"), 0)
	file := writeFile(t, c, "team.csv", "email,name\ngrace@example.com,Grace Hopper\n")
	r := c.run("users", "apply", "-f", file, "--prune", "--dry-run")
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, "cannot tell which account userctl authenticates as")
}

func TestApplyPruneMaxDeletes(t *testing.T) {
	t.Parallel()
	const n = 25
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest"), "USERCTL_TOKEN", "t0k")
	want(t, c.run("users", "import", "-f", writeUsers(t, c.dir, "many", n)), 0)
	before := len(listJSON(t, c))
	file := writeFile(t, c, "one.csv", "email,name\nmany-000001@example.com,many 1\n")

	r := c.run("users", "apply", "-f", file, "--prune", "--yes")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, fmt.Sprintf("deletes %d users, more than --max-deletes 20", before-1), "nothing was changed")
	if after := len(listJSON(t, c)); after != before {
		t.Fatalf("%d users after a refused apply, want %d", after, before)
	}
	r = c.run("users", "apply", "-f", file, "--prune", "--yes", "--max-deletes", "0")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, "more than --max-deletes 0")

	want(t, c.run("users", "apply", "-f", file, "--max-deletes", "30"), 2)

	r = c.run("users", "apply", "-f", file, "--prune", "--yes", "--max-deletes", fmt.Sprint(before))
	want(t, r, 0)
	if users := listJSON(t, c); len(users) != 1 || users[0]["email"] != "many-000001@example.com" {
		t.Errorf("after apply --prune --max-deletes %d: %v", before, users)
	}
}

// TestImportRerunFlakyNeverCountsExistingAsCreated reruns an import against
// a server that answers some requests 503: the users that were there
// before the rerun are never reported created, even when a create of
// theirs was answered 503 and a lookup found them.
func TestImportRerunFlakyNeverCountsExistingAsCreated(t *testing.T) {
	t.Parallel()
	const n = 60
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest", "--fail-rate", "0.3"), "USERCTL_TOKEN", "t0k")
	file := writeUsers(t, c.dir, "flaky", n)
	want(t, c.run("users", "import", "-f", file), 0)

	report := filepath.Join(c.dir, "rerun.jsonl")
	r := c.run("users", "import", "-f", file, "--report", report)
	want(t, r, 7)
	for _, e := range byLine(t, readReport(t, report), n) {
		if e.Result != "failed" || !strings.Contains(e.Error, "already exists") {
			t.Errorf("line %d: %s %q, want failed as already existing", e.Line, e.Result, e.Error)
		}
	}
	r = c.run("users", "import", "-f", file, "--skip-existing", "--report", report)
	want(t, r, 0)
	wantIn(t, "stderr", r.stderr, fmt.Sprintf("%d skipped", n))
	for _, e := range byLine(t, readReport(t, report), n) {
		if e.Result != "skipped" || e.Note != "already exists" {
			t.Errorf("line %d: %s %q %q, want skipped as already existing", e.Line, e.Result, e.Error, e.Note)
		}
	}
	wantEachOnce(t, exportCounts(t, c), "flaky", n)
}

// TestInterruptThenSkipExistingOnFlakyServer interrupts an import against a
// server that answers some requests 503, then reruns it with
// --skip-existing: no user is counted created by both runs, and together
// they account for every user exactly once.
func TestInterruptThenSkipExistingOnFlakyServer(t *testing.T) {
	t.Parallel()
	const n = 600
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest", "--rate-limit", "200", "--fail-rate", "0.2"), "USERCTL_TOKEN", "t0k")
	file := writeUsers(t, c.dir, "intrf", n)
	report := filepath.Join(c.dir, "report.jsonl")

	cmd := c.command("users", "import", "-f", file, "--report", report)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for countLines(report) < 50 && time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("import ended (%v) before it could be interrupted\nstderr:\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	interrupt(t, cmd, done, &stderr)
	created, maybe := map[string]bool{}, map[string]bool{}
	for _, e := range byLine(t, readReport(t, report), n) {
		switch e.Result {
		case "created":
			created[e.Key] = true
		case "failed": // in flight when interrupted: may have been carried out
			maybe[e.Key] = true
		}
	}
	if len(created) == 0 || len(created) == n {
		t.Fatalf("%d of %d created: the interrupt proves nothing", len(created), n)
	}

	report2 := filepath.Join(c.dir, "report2.jsonl")
	r := c.run("users", "import", "-f", file, "--skip-existing", "--report", report2)
	want(t, r, 0)
	created2 := 0
	for _, e := range byLine(t, readReport(t, report2), n) {
		switch {
		case created[e.Key] && e.Result != "skipped":
			t.Errorf("line %d (%s), created by the first run: %s %q %q, want skipped", e.Line, e.Key, e.Result, e.Error, e.Note)
		case e.Result == "created":
			created2++
		case e.Result != "skipped" || !(created[e.Key] || maybe[e.Key]):
			t.Errorf("line %d (%s), not created by the first run: %s %q %q, want created", e.Line, e.Key, e.Result, e.Error, e.Note)
		}
	}
	if total := len(created) + created2; total > n || total < n-len(maybe) {
		t.Errorf("%d created by the first run + %d by the rerun = %d, want %d (%d uncertain)", len(created), created2, total, n, len(maybe))
	}
	wantEachOnce(t, exportCounts(t, c), "intrf", n)
}

// TestImportBadRecordsFailAlone: a stray quote, a broken JSON element or an
// oversized record fails its own record, the later ones are still created,
// every record is reported once and the run exits 7.
func TestImportBadRecordsFailAlone(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest"), "USERCTL_TOKEN", "t0k")
	huge := strings.Repeat("x", 2<<20)
	for _, tc := range []struct {
		name, text string
		bad        map[int]string // line -> error substring
		good       []string       // emails created
	}{
		{"csv.csv", "email,name,password\ncsv1@example.com,A,long-enough-1\n\"csv2@example.com,B,long-enough-2\n" +
			"csv3@example.com,C,long-enough-3\ncsv4@example.com,\"D, d\",long-enough-4\n",
			map[int]string{3: "not closed"}, []string{"csv1@example.com", "csv3@example.com", "csv4@example.com"}},
		{"huge.jsonl", `{"email":"j1@example.com","name":"J","password":"long-enough-1"}` + "\n" +
			`{"email":"j2@example.com","password":"long-enough-2","name":"` + huge + `"}` + "\n" +
			`{"email":"j3@example.com","name":"J","password":"long-enough-3"}` + "\n",
			map[int]string{2: "longer than 1024 KiB"}, []string{"j1@example.com", "j3@example.com"}},
		{"broken.json", "[\n{\"email\": \"a1@example.com\", \"name\": \"A\", \"password\": \"long-enough-1\"},\n" +
			"{\"email\": \"a2@example.com\" \"name\": \"x\"},\n" +
			"{\"email\": \"a3@example.com\", \"name\": \"A\", \"password\": \"long-enough-3\"}\n]\n",
			map[int]string{3: "invalid JSON"}, []string{"a1@example.com", "a3@example.com"}},
	} {
		file := writeFile(t, c, tc.name, tc.text)
		report := filepath.Join(c.dir, tc.name+".report")
		r := c.run("users", "import", "-f", file, "--report", report)
		want(t, r, 7)
		rep := readReport(t, report)
		if len(rep) != len(tc.bad)+len(tc.good) {
			t.Errorf("%s: %d report lines, want %d: %+v", tc.name, len(rep), len(tc.bad)+len(tc.good), rep)
		}
		for _, e := range rep {
			if sub, ok := tc.bad[e.Line]; ok {
				if e.Result != "failed" || !strings.Contains(e.Error, sub) {
					t.Errorf("%s line %d: %s %q, want failed with %q", tc.name, e.Line, e.Result, e.Error, sub)
				}
			} else if e.Result != "created" {
				t.Errorf("%s line %d: %s %q, want created", tc.name, e.Line, e.Result, e.Error)
			}
		}
		got := emails(listJSON(t, c))
		for _, e := range tc.good {
			if !got[e] {
				t.Errorf("%s: %s not created", tc.name, e)
			}
		}
	}
}

// TestBulkReportChecks: --report naming the input (by any path) or an
// unwritable place is refused with exit 2 before any request, and the input
// is left intact.
func TestBulkReportChecks(t *testing.T) {
	t.Parallel()
	api := newCounter(t, http.StatusInternalServerError, nil, `{"error": "no request was expected"}`)
	c := newCLI(t).set("USERCTL_URL", api.URL, "USERCTL_TOKEN", "t0k")
	const text = `{"email": "a@example.com"}` + "\n"
	input := writeFile(t, c, "users.jsonl", text)
	link := filepath.Join(c.dir, "link.jsonl")
	hard := filepath.Join(c.dir, "hard.jsonl")
	if err := os.Symlink(input, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(input, hard); err != nil {
		t.Fatal(err)
	}
	notDir := writeFile(t, c, "plain.txt", "x")
	for _, verb := range []string{"import", "apply"} {
		for _, rep := range []struct{ path, msg string }{
			{input, "is the input file"},
			{link, "is the input file"},
			{hard, "is the input file"},
			{"./users.jsonl", "is the input file"},
			{c.dir, "is a directory"},
			{filepath.Join(notDir, "report.jsonl"), "--report"},
		} {
			r := c.run("users", verb, "-f", input, "--report", rep.path)
			want(t, r, 2)
			wantIn(t, "stderr", oneLineError(t, r), rep.msg)
		}
	}
	// stdin redirected from the report file: `userctl users import -f - --report users.jsonl < users.jsonl`
	in, err := os.Open(input)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	cmd := c.command("users", "import", "-f", "-", "--report", link)
	cmd.Stdin = in
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "is the input file") {
		t.Errorf("stdin from the report file: exit %d (%v)\n%s", code, err, out)
	}
	if data, err := os.ReadFile(input); err != nil || string(data) != text {
		t.Errorf("input after the refused runs: %q, %v", data, err)
	}
	if n := api.n.Load(); n != 0 {
		t.Errorf("the server saw %d requests, want none", n)
	}
}

// TestImportSkipExistingNeedsTheList: an import with --skip-existing whose
// list of the users already there cannot be read sends nothing (a 409 alone
// would let a server that allows duplicate emails create them twice); without
// --skip-existing it goes on, says so, and reports every line.
func TestImportSkipExistingNeedsTheList(t *testing.T) {
	t.Parallel()
	api := newCounter(t, http.StatusForbidden, nil, `{"error": "listing is not allowed"}`)
	c := newCLI(t).set("USERCTL_URL", api.URL, "USERCTL_TOKEN", "t0k")
	input := writeFile(t, c, "users.jsonl", `{"email": "a@example.com", "name": "A", "password": "passw0rd-a"}`+"\n")
	r := c.run("users", "import", "-f", input, "--skip-existing")
	want(t, r, 4)
	wantIn(t, "stderr", oneLineError(t, r), "--skip-existing needs the list of the users already there")
	if n := api.n.Load(); n != 1 {
		t.Fatalf("%d requests, want only the refused listing", n)
	}
	report := filepath.Join(c.dir, "report.jsonl")
	r = c.run("users", "import", "-f", input, "--report", report)
	want(t, r, 7)
	wantIn(t, "stderr", r.stderr, "warning: ")
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 1 {
		t.Fatalf("report has %d lines, want 1:\n%s", n, data)
	}
}
