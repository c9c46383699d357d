package bulk

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// noWait makes rate-limit pauses instant.
func noWait(int) time.Duration { return 0 }

func TestImportMaybeSentNeverCreatesTwice(t *testing.T) {
	const n = 2000
	for _, tc := range []struct {
		name string
		wrap func(*fake) userapi.Backend
	}{
		{"finder", func(f *fake) userapi.Backend { return finderFake{f} }},
		{"list scan", func(f *fake) userapi.Backend { return f }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.unique = false // a blind re-send would store a duplicate
			var landed, lost atomic.Int64
			seen := make([]atomic.Int32, n)
			f.createHook = func(_ context.Context, _ int64, req userapi.CreateRequest) (bool, error) {
				var i int
				fmt.Sscanf(req.Email, "user%d@", &i)
				if seen[i].Add(1) > 1 {
					return false, nil // the retry goes through
				}
				maybe := &errkind.Error{Kind: errkind.Unknown, Message: "connection reset", MaybeSent: true}
				switch i % 10 {
				case 3: // reached the server, the answer was lost
					landed.Add(1)
					return true, maybe
				case 7: // never reached it
					lost.Add(1)
					return false, maybe
				}
				return false, nil
			}
			rep, path := reportFile(t)
			sum, err := Import(context.Background(), tc.wrap(f), items(n), Options{Concurrency: 16, Report: rep})
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if sum.Created != n || sum.Total != n {
				t.Errorf("summary = %+v", sum)
			}
			for email, c := range f.emails() {
				if c != 1 {
					t.Errorf("%s stored %d times", email, c)
				}
			}
			if got := len(f.emails()); got != n {
				t.Errorf("%d users stored, want %d", got, n)
			}
			// One send per item, plus one retry for each lost one.
			if want := int64(n) + lost.Load(); f.creates.Load() != want {
				t.Errorf("%d creates sent, want %d", f.creates.Load(), want)
			}
			lines := byLine(t, readReport(t, path))
			confirmed := 0
			for i := range n {
				l, ok := lines[i+2]
				if !ok || l.Result != Created || l.ID == "" || l.Error != "" {
					t.Fatalf("line %d: %+v", i+2, l)
				}
				if strings.HasPrefix(l.Note, "confirmed") {
					confirmed++
				}
			}
			if int64(confirmed) != landed.Load() {
				t.Errorf("%d creates confirmed by a lookup, want %d", confirmed, landed.Load())
			}
		})
	}
}

func TestImportMaybeSentGivesUp(t *testing.T) {
	f := newFake()
	f.createHook = func(context.Context, int64, userapi.CreateRequest) (bool, error) {
		return false, &errkind.Error{Kind: errkind.Unknown, Message: "timeout", MaybeSent: true}
	}
	sum, err := Import(context.Background(), finderFake{f}, items(1), Options{CreateAttempts: 2})
	if sum.Failed != 1 || errkind.ExitCode(err) != 7 {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
	if f.creates.Load() != 2 {
		t.Errorf("%d sends, want 2", f.creates.Load())
	}
}

func TestImportRateLimitedPausesAndRetries(t *testing.T) {
	f := newFake()
	f.createHook = func(_ context.Context, n int64, _ userapi.CreateRequest) (bool, error) {
		if n%5 == 0 { // every fifth send is refused: 429, retries exhausted
			return false, &errkind.Error{Kind: errkind.RateLimited, Status: 429, Message: "rate limit exceeded"}
		}
		return false, nil
	}
	var pauses atomic.Int64
	wait := func(int) time.Duration { pauses.Add(1); return 0 }
	sum, err := Import(context.Background(), f, items(500), Options{Concurrency: 8, RetryWait: wait})
	if err != nil || sum.Created != 500 {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
	if len(f.emails()) != 500 {
		t.Errorf("%d users stored", len(f.emails()))
	}
	if refused := f.creates.Load() - 500; refused == 0 || pauses.Load() != refused {
		t.Errorf("%d refused sends, %d pauses", refused, pauses.Load())
	}

	// Persistently limited: the item fails as rate limited after the
	// retries.
	f = newFake()
	f.createHook = func(context.Context, int64, userapi.CreateRequest) (bool, error) {
		return false, &errkind.Error{Kind: errkind.RateLimited, Status: 429, Message: "rate limit exceeded"}
	}
	rep, path := reportFile(t)
	sum, err = Import(context.Background(), f, items(1), Options{RetryWait: noWait, RateRetries: 2, Report: rep})
	if sum.Failed != 1 || !errkind.Is(err, errkind.Partial) || f.creates.Load() != 3 {
		t.Errorf("summary %+v, err %v, %d sends", sum, err, f.creates.Load())
	}
	if l := readReport(t, path); len(l) != 1 || l[0].Error != "rate limit exceeded" {
		t.Errorf("report = %+v", l)
	}
}

func TestImportSkipExisting(t *testing.T) {
	for _, skip := range []bool{false, true} {
		f := newFake()
		for i := range 3 {
			f.add(userapi.CreateRequest{Email: fmt.Sprintf("user%d@example.com", i*2)})
		}
		rep, path := reportFile(t)
		sum, err := Import(context.Background(), f, items(6), Options{SkipExisting: skip, Report: rep})
		lines := byLine(t, readReport(t, path))
		if skip {
			if err != nil || sum.Created != 3 || sum.Skipped != 3 {
				t.Errorf("skip-existing: %+v, %v", sum, err)
			}
			if l := lines[2]; l.Result != Skipped || l.Note != "already exists" {
				t.Errorf("line 2: %+v", l)
			}
			continue
		}
		if !errkind.Is(err, errkind.Partial) || errkind.ExitCode(err) != 7 || sum.Failed != 3 || sum.Created != 3 {
			t.Errorf("without skip-existing: %+v, %v", sum, err)
		}
		if l := lines[4]; l.Result != Failed || !strings.Contains(l.Error, "already exists") {
			t.Errorf("line 4: %+v", l)
		}
	}
}

func TestImportDryRunSendsNothing(t *testing.T) {
	f := newFake()
	f.info.CreateRequired = []string{"email", "password"}
	f.info.MinPasswordLength = 8
	in := func(yield func(Item, error) bool) {
		_ = yield(Item{Line: 2, Email: "a@example.com", Password: "longenough"}, nil) &&
			yield(Item{Line: 3, Email: "b@example.com"}, nil) &&
			yield(Item{Line: 4, Email: "c@example.com", Password: "short"}, nil) &&
			yield(badLine(5, "invalid JSON"), nil)
	}
	rep, path := reportFile(t)
	var stderr bytes.Buffer
	sum, err := Import(context.Background(), f, in, Options{DryRun: true, Report: rep, Stderr: &stderr})
	if f.creates.Load()+f.lists.Load() != 0 {
		t.Fatal("dry run sent requests")
	}
	if sum.WouldCreate != 1 || sum.Skipped != 0 || sum.Failed != 3 || !errkind.Is(err, errkind.Partial) {
		t.Errorf("summary %+v, err %v", sum, err)
	}
	lines := byLine(t, readReport(t, path))
	if l := lines[2]; l.Result != WouldCreate || !strings.HasPrefix(l.Note, "dry run") {
		t.Errorf("line 2: %+v", l)
	}
	if l := lines[3]; !strings.Contains(l.Error, "line 3: missing password") {
		t.Errorf("line 3: %+v", l)
	}
	if l := lines[4]; !strings.Contains(l.Error, "shorter than 8") {
		t.Errorf("line 4: %+v", l)
	}
	if !strings.HasPrefix(stderr.String(), "import: 4 items in ") || !strings.Contains(stderr.String(), "1 would create, 3 failed") {
		t.Errorf("stderr = %q", stderr.String())
	}
}

// badEvery yields n items where every k-th is a bad line.
func badEvery(n, k int) func(func(Item, error) bool) {
	return func(yield func(Item, error) bool) {
		for i := range n {
			it := Item{Line: i + 1, Email: fmt.Sprintf("user%d@example.com", i)}
			if (i+1)%k == 0 {
				it = badLine(i+1, "invalid email %q", "x")
			}
			if !yield(it, nil) {
				return
			}
		}
	}
}

func TestImportBadLinesDoNotStopOthers(t *testing.T) {
	f := newFake()
	rep, path := reportFile(t)
	sum, err := Import(context.Background(), f, badEvery(100, 10), Options{Report: rep})
	if sum.Created != 90 || sum.Failed != 10 || errkind.ExitCode(err) != 7 {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
	lines := byLine(t, readReport(t, path))
	if l := lines[20]; l.Result != Failed || l.Error != `line 20: invalid email "x"` {
		t.Errorf("line 20: %+v", l)
	}
	if len(lines) != 100 {
		t.Errorf("%d report lines", len(lines))
	}
}

func TestImportFailFast(t *testing.T) {
	f := newFake()
	rep, path := reportFile(t)
	sum, err := Import(context.Background(), f, badEvery(50, 5), Options{Concurrency: 1, FailFast: true, Report: rep})
	if !errkind.Is(err, errkind.Partial) || sum.Failed != 1 || sum.Total != 50 {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
	lines := byLine(t, readReport(t, path))
	if len(lines) != 50 {
		t.Fatalf("%d report lines, want 50", len(lines))
	}
	if f.creates.Load() > 4 {
		t.Errorf("%d creates after a fail-fast failure on line 5", f.creates.Load())
	}
	if l := lines[50]; l.Result != Skipped || l.Error != "not attempted: stopped after line 5 failed (fail-fast)" {
		t.Errorf("line 50: %+v", l)
	}
}

func TestImportReportIsWrittenAsItGoes(t *testing.T) {
	f := newFake()
	entered := make(chan struct{})
	release := make(chan struct{})
	f.createHook = func(_ context.Context, n int64, _ userapi.CreateRequest) (bool, error) {
		if n == 3 {
			close(entered)
			<-release
		}
		return false, nil
	}
	rep, path := reportFile(t)
	done := make(chan error)
	go func() {
		_, err := Import(context.Background(), f, items(5), Options{Concurrency: 1, Report: rep})
		done <- err
	}()
	<-entered
	// Items 1 and 2 are done; their report lines must be on disk while
	// item 3 blocks. The collector may still be writing item 2's line.
	deadline := time.After(10 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(b, []byte("\n")) == 2 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("report while blocked: %q", b)
		case <-time.After(time.Millisecond):
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := len(readReport(t, path)); got != 5 {
		t.Errorf("%d report lines at the end", got)
	}
}

func TestImportInterruptKeepsACompleteReport(t *testing.T) {
	for _, tc := range []struct {
		name  string
		grace time.Duration
	}{{"in-flight finish", 0}, {"in-flight cancelled", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			entered := make(chan struct{}, 2)
			release := make(chan struct{})
			f.createHook = func(ctx context.Context, n int64, _ userapi.CreateRequest) (bool, error) {
				if n > 5 {
					entered <- struct{}{}
					select {
					case <-release:
					case <-ctx.Done():
						return false, ctx.Err()
					}
				}
				return false, nil
			}
			ctx, cancel := context.WithCancel(context.Background())
			rep, path := reportFile(t)
			done := make(chan struct{})
			var sum Summary
			var err error
			go func() {
				defer close(done)
				sum, err = Import(ctx, f, items(100), Options{Concurrency: 2, Report: rep, Grace: tc.grace})
			}()
			<-entered
			<-entered
			cancel()
			if tc.grace >= 0 {
				close(release) // the requests in flight finish within the grace
			}
			<-done
			if !errkind.Is(err, errkind.Interrupted) || errkind.ExitCode(err) != 130 || !sum.Interrupted {
				t.Fatalf("err = %v, summary %+v", err, sum)
			}
			lines := byLine(t, readReport(t, path))
			if len(lines) != 100 || sum.Total != 100 {
				t.Fatalf("%d report lines, summary %+v", len(lines), sum)
			}
			if f.creates.Load() != 7 {
				t.Errorf("%d creates sent after the interrupt", f.creates.Load())
			}
			if l := lines[101]; l.Result != Skipped || l.Error != "interrupted" {
				t.Errorf("last line: %+v", l)
			}
			if tc.grace < 0 {
				if sum.Created != 5 || sum.Failed != 2 || sum.Skipped != 93 {
					t.Errorf("summary %+v", sum)
				}
			} else if sum.Created != 7 || sum.Skipped != 93 {
				t.Errorf("summary %+v", sum)
			}
		})
	}
}

func TestImportReadErrorIsReported(t *testing.T) {
	f := newFake()
	in := func(yield func(Item, error) bool) {
		_ = yield(Item{Line: 1, Email: "a@example.com"}, nil) && yield(Item{}, errkind.Errorf(errkind.Usage, "reading x: line 2: broken"))
	}
	// Found after an item ran: the rest of the input is one failed item of
	// the report, and the run a partial failure (exit 7).
	rep, path := reportFile(t)
	var stderr bytes.Buffer
	sum, err := Import(context.Background(), f, in, Options{Report: rep, Stderr: &stderr, ShowFailures: 5})
	if sum.Created != 1 || sum.Failed != 1 || errkind.ExitCode(err) != 7 {
		t.Errorf("summary %+v, err %v", sum, err)
	}
	lines := byLine(t, readReport(t, path))
	if l := lines[0]; len(lines) != 2 || l.Result != Failed || !strings.Contains(l.Error, "line 2: broken") {
		t.Errorf("report %+v", lines)
	}
	if !strings.Contains(stderr.String(), "  input: reading x: line 2: broken") {
		t.Errorf("stderr = %q", stderr.String())
	}
	// Before any item: the input is refused as a whole (exit 2).
	in = func(yield func(Item, error) bool) {
		yield(Item{}, errkind.Errorf(errkind.Usage, "reading x: line 1: broken"))
	}
	sum, err = Import(context.Background(), newFake(), in, Options{})
	if sum.Total != 0 || errkind.ExitCode(err) != 2 || !strings.Contains(err.Error(), "line 1: broken") {
		t.Errorf("summary %+v, err %v", sum, err)
	}
}

func TestProgressLine(t *testing.T) {
	start := time.Unix(1000, 0)
	p := &progress{total: 200, start: start}
	p.done.Store(50)
	got := p.line(start.Add(10 * time.Second))
	want := "50/200  25% [######..................] 5.0/s ETA 30s"
	if got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
	p = &progress{start: start}
	p.done.Store(7)
	if got := p.line(start.Add(time.Second)); got != "7 done  7.0/s" {
		t.Errorf("no total: %q", got)
	}

	var buf bytes.Buffer
	sum, err := Import(context.Background(), newFake(), items(3), Options{Stderr: &buf, Progress: true, Total: 3})
	if err != nil || sum.Created != 3 {
		t.Fatal(sum, err)
	}
	if !strings.Contains(buf.String(), "\r\x1b[K") || !strings.Contains(buf.String(), "3 created") {
		t.Errorf("stderr = %q", buf.String())
	}
}

func TestImportWithoutReportListsFailuresOnStderr(t *testing.T) {
	in := "email,name\na@example.com,A\nnot-an-email,B\nc@example.com,C\n"
	var stderr bytes.Buffer
	sum, err := Import(context.Background(), newFake(), Read(strings.NewReader(in), FormatCSV, "t.csv"),
		Options{Concurrency: 2, Stderr: &stderr, ShowFailures: 5})
	if sum.Failed != 1 || errkind.ExitCode(err) != 7 {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
	if !strings.Contains(stderr.String(), "  line 3") || !strings.Contains(stderr.String(), `invalid email "not-an-email"`) {
		t.Errorf("stderr does not list the failed line:\n%s", stderr.String())
	}
	if !strings.Contains(err.Error(), "--report") {
		t.Errorf("error %q does not point at --report", err)
	}
}

// On an API that allows duplicate emails (no 409 ever), --skip-existing
// still creates nothing twice: the users found in the listing taken before
// the run are skipped without a create.
func TestImportSkipExistingWithoutConflicts(t *testing.T) {
	f := newFake()
	f.unique = false
	for i := range 3 {
		f.add(userapi.CreateRequest{Email: fmt.Sprintf("USER%d@example.com", i*2)})
	}
	rep, path := reportFile(t)
	sum, err := Import(context.Background(), f, items(6), Options{SkipExisting: true, Report: rep})
	if err != nil || sum.Created != 3 || sum.Skipped != 3 {
		t.Fatalf("skip-existing: %+v, %v", sum, err)
	}
	if n := f.creates.Load(); n != 3 {
		t.Errorf("%d creates sent, want 3", n)
	}
	for e, n := range f.emails() {
		if n != 1 {
			t.Errorf("%s stored %d times", e, n)
		}
	}
	if l := byLine(t, readReport(t, path))[2]; l.Result != Skipped || l.Note != "already exists" {
		t.Errorf("line 2: %+v", l)
	}
}

// TestImportGivesUpOnRateLimitStorm: when every request is refused (429)
// for GiveUpAfter, the run stops instead of retrying for ever: rate limited
// (exit 6), every line failed and reported "not sent".
func TestImportGivesUpOnRateLimitStorm(t *testing.T) {
	f := newFake()
	f.createHook = func(context.Context, int64, userapi.CreateRequest) (bool, error) {
		return false, &errkind.Error{Kind: errkind.RateLimited, Status: 429, Message: "429 Too Many Requests", NotSent: true}
	}
	rep, path := reportFile(t)
	const n = 20
	sum, err := Import(context.Background(), f, items(n), Options{Concurrency: 2, Report: rep, RateRetries: 1000,
		GiveUpAfter: 100 * time.Millisecond, RetryWait: func(int) time.Duration { return 10 * time.Millisecond }})
	if !errkind.Is(err, errkind.RateLimited) || errkind.ExitCode(err) != 6 || !strings.Contains(err.Error(), "gave up") {
		t.Errorf("err = %v, want rate limited, gave up", err)
	}
	if sum.Total != n || sum.Failed != n {
		t.Errorf("summary %+v, want %d failed", sum, n)
	}
	lines := readReport(t, path)
	if len(lines) != n {
		t.Fatalf("%d report lines, want %d", len(lines), n)
	}
	for _, l := range lines {
		if l.Result != Failed || !strings.HasPrefix(l.Error, "not sent: ") {
			t.Errorf("line %d: %s %q, want failed, not sent", l.Line, l.Result, l.Error)
		}
	}
}
