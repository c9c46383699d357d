package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// countLines counts the complete lines of a file ("" when absent).
func countLines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte("\n"))
}

// TestInterruptImport interrupts a large import in the middle, then reruns
// it with --skip-existing: the report of the interrupted run accounts for
// every line, the rerun creates exactly the missing users, and the API ends
// with each user exactly once.
func TestInterruptImport(t *testing.T) {
	t.Parallel()
	const n = 2000
	c := newCLI(t)
	c.set("USERCTL_URL", c.serve("rest", "--rate-limit", "200"), "USERCTL_TOKEN", "t0k")
	file := writeUsers(t, c.dir, "intr", n)
	report := filepath.Join(c.dir, "report.jsonl")

	cmd := c.command("users", "import", "-f", file, "--report", report)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// Wait (polling, bounded) until the report has some lines, then
	// interrupt.
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
wait:
	for countLines(report) < 100 {
		select {
		case err := <-done:
			t.Fatalf("import ended (%v) before it could be interrupted; report has %d lines\nstderr:\n%s",
				err, countLines(report), stderr.String())
		case <-tick.C:
			if time.Now().After(deadline) {
				break wait
			}
		}
	}
	if countLines(report) < 100 {
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("report has %d lines after 20s\nstderr:\n%s", countLines(report), stderr.String())
	}
	atSignal := countLines(report)
	interrupt(t, cmd, done, &stderr)
	r := result{args: cmd.Args[1:], stdout: stdout.String(), stderr: stderr.String(), code: 130}
	wantIn(t, "stderr", oneLineErrorAfterSummary(t, r), "interrupted")
	if r.stdout != "" {
		t.Errorf("import wrote to stdout:\n%s", r)
	}

	first := byLine(t, readReport(t, report), n)
	created := map[string]bool{}
	var skipped int
	for _, e := range first {
		switch {
		case e.Result == "created":
			created[e.Key] = true
		case e.Result == "skipped" && e.Error == "interrupted":
			skipped++
		default:
			t.Errorf("line %d: %s %q, want created, or skipped as interrupted", e.Line, e.Result, e.Error)
		}
	}
	if len(created) < atSignal || skipped == 0 {
		t.Fatalf("%d created, %d skipped (%d reported when interrupted): the interrupt came too late to prove anything",
			len(created), skipped, atSignal)
	}
	t.Logf("interrupted with %d lines reported: %d created, %d skipped", atSignal, len(created), skipped)

	// The API has exactly the users reported created.
	counts := exportCounts(t, c)
	for email, k := range counts {
		if strings.HasPrefix(email, "intr-") && (k != 1 || !created[email]) {
			t.Errorf("%s: %d users on the server, reported created: %v", email, k, created[email])
		}
	}
	if len(counts) != len(created) {
		t.Errorf("server has %d users, the report says %d were created", len(counts), len(created))
	}

	// The rerun creates exactly the missing ones.
	report2 := filepath.Join(c.dir, "report2.jsonl")
	r = c.run("users", "import", "-f", file, "--skip-existing", "--report", report2)
	want(t, r, 0)
	for _, e := range byLine(t, readReport(t, report2), n) {
		switch {
		case created[e.Key] && (e.Result != "skipped" || e.Note != "already exists"):
			t.Errorf("line %d (%s), created by the first run: %s %q %q, want skipped as already existing", e.Line, e.Key, e.Result, e.Error, e.Note)
		case !created[e.Key] && e.Result != "created":
			t.Errorf("line %d (%s), skipped by the first run: %s %q, want created", e.Line, e.Key, e.Result, e.Error)
		}
	}
	wantEachOnce(t, exportCounts(t, c), "intr", n)
}
