package bulk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/termsafe"
	"github.com/userctl/userctl/internal/userapi"
)

// DefaultConcurrency is the number of workers when neither the flag nor the
// backend's Info().BulkConcurrency says.
const DefaultConcurrency = 8

// Defaults of Options.
const (
	DefaultGrace          = 5 * time.Second
	DefaultRateRetries    = 5
	DefaultCreateAttempts = 3
	DefaultGiveUpAfter    = time.Minute
)

// Concurrency returns the number of workers: flag when > 0, else the
// backend's hint, else DefaultConcurrency.
func Concurrency(b userapi.Backend, flag int) int {
	if flag > 0 {
		return flag
	}
	if n := b.Info().BulkConcurrency; n > 0 {
		return n
	}
	return DefaultConcurrency
}

// Options tune a bulk run. The zero value works: workers from the backend's
// hint, no report, no output.
type Options struct {
	// Concurrency is the number of workers (<= 0: see Concurrency).
	Concurrency int
	// DryRun (import) validates every item and sends nothing; items are
	// reported as skipped with the note "dry run".
	DryRun bool
	// SkipExisting (import) reports a create the API refuses as a conflict
	// ("already exists") as skipped instead of failed.
	SkipExisting bool
	// FailFast stops at the first failed item: nothing new starts, and the
	// items that never started are reported as skipped.
	FailFast bool
	// Report receives the JSON Lines report, one line per item as it ends
	// (flushed after each line when it has a Flush method).
	Report io.Writer
	// Stderr receives the final summary, and the progress bar when Progress
	// is set; nil: nothing is printed.
	Stderr io.Writer
	// ShowFailures prints up to this many failed items (line, key and
	// error) on Stderr after the summary; for runs without a report file.
	ShowFailures int
	// Progress draws a progress bar on Stderr (set it only when Stderr is a
	// terminal).
	Progress bool
	// Total is the expected number of items, for the progress bar's
	// percentage and ETA (0: unknown).
	Total int
	// Verb names the command in the summary ("import", "apply").
	Verb string
	// Grace is how long requests in flight may go on after the context is
	// cancelled (0: DefaultGrace; < 0: none, they are cancelled at once).
	Grace time.Duration
	// RateRetries bounds how many more times an item the API answered
	// "rate limited" (retries of the HTTP client exhausted) is tried, after
	// every worker paused (0: DefaultRateRetries; < 0: none).
	RateRetries int
	// RetryWait is the pause of every worker before the n-th retry (n from
	// 1) of a rate-limited item (nil: 1s doubling up to 30s).
	RetryWait func(n int) time.Duration
	// Delete are the options of the deletes of apply --prune (--no-mail).
	Delete userapi.DeleteOptions
	// GeneratePasswords makes a random password for each create that needs
	// one and has none; it is written to the report only.
	GeneratePasswords bool
	// RoleMap renames the roles of each item before the API's own mapping
	// (--role-map FROM=TO; an empty TO drops the role).
	RoleMap map[string]string
	// CreateAttempts bounds the sends of one create whose earlier sends may
	// have reached the server and were checked not to (0:
	// DefaultCreateAttempts). Sends answered 503 count apart, bounded at
	// four times as many.
	CreateAttempts int
	// GiveUpAfter bounds a rate-limit storm: once the API has refused every
	// request (429) for this long, with none accepted in between, the run
	// stops; items not carried out are reported failed with a "not sent"
	// error and the run fails as rate limited (0: DefaultGiveUpAfter).
	GiveUpAfter time.Duration
}

func (o Options) withDefaults(b userapi.Backend) Options {
	o.Concurrency = Concurrency(b, o.Concurrency)
	switch {
	case o.Grace == 0:
		o.Grace = DefaultGrace
	case o.Grace < 0:
		o.Grace = 0
	}
	switch {
	case o.RateRetries == 0:
		o.RateRetries = DefaultRateRetries
	case o.RateRetries < 0:
		o.RateRetries = 0
	}
	if o.GiveUpAfter <= 0 {
		o.GiveUpAfter = DefaultGiveUpAfter
	}
	if o.CreateAttempts <= 0 {
		o.CreateAttempts = DefaultCreateAttempts
	}
	if o.RetryWait == nil {
		o.RetryWait = func(n int) time.Duration { return min(time.Second<<min(n-1, 5), 30*time.Second) }
	}
	if o.Verb == "" {
		o.Verb = "bulk"
	}
	return o
}

// Summary counts how the items of a run ended.
type Summary struct {
	Total     int
	Created   int
	Updated   int
	Unchanged int
	Deleted   int
	Skipped   int
	Failed    int
	// WouldCreate counts the valid items of a dry run.
	WouldCreate int
	Elapsed     time.Duration
	// Interrupted is true when the context was cancelled before the end.
	Interrupted bool
}

// Rate is the items ended per second.
func (s Summary) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Total) / s.Elapsed.Seconds()
}

func (s *Summary) add(o Outcome) {
	s.Total++
	switch o {
	case Created:
		s.Created++
	case Updated:
		s.Updated++
	case Unchanged:
		s.Unchanged++
	case Deleted:
		s.Deleted++
	case Skipped:
		s.Skipped++
	case WouldCreate:
		s.WouldCreate++
	default:
		s.Failed++
	}
}

// String is the one-line summary: "1000 items in 2.1s (476.2/s): 990
// created, 10 failed".
func (s Summary) String() string {
	var parts []string
	for _, c := range []struct {
		n    int
		name string
	}{{s.WouldCreate, "would create"}, {s.Created, "created"}, {s.Updated, "updated"}, {s.Unchanged, "unchanged"},
		{s.Deleted, "deleted"}, {s.Skipped, "skipped"}, {s.Failed, "failed"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing to do")
	}
	msg := fmt.Sprintf("%s in %s (%.1f/s): %s", countItems(s.Total), s.Elapsed.Round(time.Millisecond), s.Rate(),
		strings.Join(parts, ", "))
	if s.Interrupted {
		msg += " (interrupted)"
	}
	return msg
}

// errInterrupted is the error of items that never started because of
// Ctrl-C.
var errInterrupted = errors.New("interrupted")

// stopError is the error of items that never started because an earlier
// one failed with FailFast (or the report could not be written).
type stopError struct{ why string }

func (e *stopError) Error() string { return "not attempted: " + e.why }

// gaveUpError is the error of items never carried out because the run gave
// up on a rate-limit storm.
type gaveUpError struct{ after time.Duration }

func (e *gaveUpError) Error() string {
	return fmt.Sprintf("not sent: gave up after the API refused every request (429, rate limited) for %s", e.after.Round(time.Second))
}

// engine runs tasks over a worker pool.
type engine struct {
	b    userapi.Backend
	opts Options
	info userapi.Info

	gateMu sync.Mutex
	gate   time.Time // no request starts before (rate-limit pause)

	// before are the users there before an import (nil for apply, whose
	// plan already set existing users apart).
	before userSet
	// accepted is when the API last carried out or answered a request
	// with anything but "rate limited" (the run's start at first).
	accepted time.Time
	// giveUp stops the run (set by run).
	giveUp func(error)
}

// execFunc carries out one task and says how it ended.
type execFunc func(ctx, stop context.Context, t *PlanItem) Entry

// run feeds tasks to the workers and collects their entries into the
// report and summary.
func (e *engine) run(ctx context.Context, tasks iter.Seq2[PlanItem, error], direct func(*PlanItem) (Entry, bool), exec execFunc) (Summary, error) {
	opts := e.opts
	start := time.Now()
	stopCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	e.gateMu.Lock()
	e.accepted = start
	e.gateMu.Unlock()
	e.giveUp = func(err error) {
		if stopCtx.Err() == nil {
			stop(err)
		}
	}
	reqCtx, cancelReq := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReq()
	var graceTimer *time.Timer
	var graceMu sync.Mutex
	unhook := context.AfterFunc(ctx, func() {
		graceMu.Lock()
		defer graceMu.Unlock()
		graceTimer = time.AfterFunc(opts.Grace, cancelReq)
	})
	defer func() {
		unhook()
		graceMu.Lock()
		if graceTimer != nil {
			graceTimer.Stop()
		}
		graceMu.Unlock()
	}()

	skipped := func(t *PlanItem) Entry {
		why := context.Cause(stopCtx)
		if ctx.Err() != nil || why == nil {
			why = errInterrupted
		}
		res := Skipped
		var gu *gaveUpError
		if errors.As(why, &gu) {
			res = Failed // never carried out: to be run again
		}
		return Entry{Line: t.Line, Key: t.Key, ID: t.ID, Action: t.Action, Result: res, Err: why, Changes: t.Changes}
	}

	// failed stops the run at the first failure with FailFast, from the
	// goroutine that saw it, so that nothing else starts.
	failed := func(ent Entry) Entry {
		if ent.Result == Failed && opts.FailFast && stopCtx.Err() == nil {
			why := "stopped after the first failure (fail-fast)"
			if ent.Line > 0 {
				why = fmt.Sprintf("stopped after line %d failed (fail-fast)", ent.Line)
			}
			stop(&stopError{why})
		}
		return ent
	}

	jobs := make(chan *PlanItem)
	results := make(chan Entry, opts.Concurrency)
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(jobs)
		read := 0
		for t, err := range tasks {
			if err != nil {
				if read == 0 {
					readErr = err // nothing ran: the input is refused as a whole
					return
				}
				// Some items ran: the rest of the input is one failed item,
				// so that the run ends as a partial failure.
				results <- Entry{Action: ActionInvalid, Result: Failed,
					Err: fmt.Errorf("%w (after %d items; the rest of the input was not read)", err, read)}
				return
			}
			read++
			if stopCtx.Err() != nil {
				results <- skipped(&t)
				continue
			}
			if ent, ok := direct(&t); ok {
				results <- failed(ent)
				continue
			}
			select {
			case jobs <- &t:
			case <-stopCtx.Done():
				results <- skipped(&t)
			}
		}
	})
	for range opts.Concurrency {
		wg.Go(func() {
			for t := range jobs {
				if stopCtx.Err() != nil {
					results <- skipped(t)
					continue
				}
				results <- failed(exec(reqCtx, stopCtx, t))
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var bar *progress
	if opts.Progress && opts.Stderr != nil {
		bar = newProgress(opts.Stderr, opts.Total, start)
		defer bar.stop()
	}
	var rep *reportWriter
	if opts.Report != nil {
		rep = newReportWriter(opts.Report)
	}
	var sum Summary
	var writeErr error
	var shown []Entry
	for ent := range results {
		sum.add(ent.Result)
		if ent.Result == Failed && len(shown) < opts.ShowFailures {
			shown = append(shown, ent)
		}
		if bar != nil {
			bar.add()
		}
		if rep != nil && writeErr == nil {
			err := writeEntry(rep, ent)
			// Written as it goes: flushed whenever no other result is
			// waiting, so a busy run writes in batches and an idle one at
			// once.
			if err == nil && len(results) == 0 {
				err = rep.flush()
			}
			if err != nil {
				writeErr = &errkind.Error{Kind: errkind.Unknown, Message: err.Error(), Err: err}
				stop(&stopError{"the report could not be written"})
			}
		}
	}
	if rep != nil && writeErr == nil {
		if err := rep.flush(); err != nil {
			writeErr = &errkind.Error{Kind: errkind.Unknown, Message: err.Error(), Err: err}
		}
	}
	if bar != nil {
		bar.stop()
	}
	sum.Elapsed = time.Since(start)
	sum.Interrupted = ctx.Err() != nil
	if opts.Stderr != nil {
		fmt.Fprintf(opts.Stderr, "%s: %s\n", opts.Verb, sum)
		writeFailures(opts.Stderr, shown, sum.Failed)
	}
	switch {
	case ctx.Err() != nil:
		return sum, &errkind.Error{Kind: errkind.Interrupted, Err: context.Canceled,
			Message: fmt.Sprintf("%s interrupted after %d of the items; the report lists the others as skipped", opts.Verb, sum.Total-sum.Skipped)}
	case writeErr != nil:
		return sum, writeErr
	case readErr != nil:
		return sum, readErr
	case gaveUp(stopCtx):
		where := "the report says which"
		if opts.Report == nil {
			where = "see above; --report FILE lists every item"
		}
		return sum, &errkind.Error{Kind: errkind.RateLimited,
			Message: fmt.Sprintf("%s: gave up after the API refused every request (429) for %s (--max-wait): %d of %d items failed or were not sent (%s)",
				opts.Verb, opts.GiveUpAfter.Round(time.Second), sum.Failed, sum.Total, where)}
	case sum.Failed > 0:
		where := "the report says which"
		if opts.Report == nil {
			where = "see above; --report FILE lists every item"
		}
		return sum, &errkind.Error{Kind: errkind.Partial,
			Message: fmt.Sprintf("%s: %d of %s failed (%s)", opts.Verb, sum.Failed, countItems(sum.Total), where)}
	}
	return sum, nil
}

// writeFailures lists failed items under the summary, in line order.
func writeFailures(w io.Writer, shown []Entry, failed int) {
	slices.SortFunc(shown, func(a, b Entry) int { return a.Line - b.Line })
	for _, e := range shown {
		where := fmt.Sprintf("line %d", e.Line)
		switch {
		case e.Line > 0:
		case e.Action == ActionDelete:
			where = "delete"
		default:
			where = "input"
		}
		if e.Key != "" {
			where += " (" + e.Key + ")"
		}
		msg := "failed"
		if e.Err != nil {
			msg = strings.TrimPrefix(e.Err.Error(), fmt.Sprintf("line %d: ", e.Line))
		}
		fmt.Fprintf(w, "  %s: %s\n", termsafe.String(where), termsafe.String(msg))
	}
	if more := failed - len(shown); more > 0 && len(shown) > 0 {
		fmt.Fprintf(w, "  … and %d more failed items\n", more)
	}
}

// gaveUp reports whether the run was stopped by a rate-limit storm.
func gaveUp(stop context.Context) bool {
	var gu *gaveUpError
	return errors.As(context.Cause(stop), &gu)
}

// pause makes every worker wait d before its next request.
func (e *engine) pause(d time.Duration) {
	e.gateMu.Lock()
	defer e.gateMu.Unlock()
	if until := time.Now().Add(d); until.After(e.gate) {
		e.gate = until
	}
}

// waitGate blocks until the shared pause is over or stop ends.
func (e *engine) waitGate(stop context.Context) error {
	for {
		e.gateMu.Lock()
		d := time.Until(e.gate)
		e.gateMu.Unlock()
		if d <= 0 {
			return stop.Err()
		}
		t := time.NewTimer(d)
		select {
		case <-stop.Done():
			t.Stop()
			return stop.Err()
		case <-t.C:
		}
	}
}

// errStopped marks a task abandoned while waiting for the rate-limit pause.
var errStopped = errors.New("stopped")

// call runs fn, retrying it while the API answers "rate limited" (a 429 is
// never processed, so a retry is safe even for a create), every worker
// pausing before the retry. It returns errStopped when stop ended during a
// pause.
func (e *engine) call(stop context.Context, fn func() error) error {
	for n := 0; ; n++ {
		if err := e.waitGate(stop); err != nil {
			return errStopped
		}
		err := fn()
		if !errkind.Is(err, errkind.RateLimited) {
			e.gateMu.Lock()
			e.accepted = time.Now()
			e.gateMu.Unlock()
			return err
		}
		e.gateMu.Lock()
		storm := time.Since(e.accepted)
		e.gateMu.Unlock()
		if storm >= e.opts.GiveUpAfter {
			if e.giveUp != nil {
				e.giveUp(&gaveUpError{after: e.opts.GiveUpAfter})
			}
			return err
		}
		if n >= e.opts.RateRetries {
			return err
		}
		// Never pause past the give-up time: the run ends on time.
		e.pause(min(e.opts.RetryWait(n+1), e.opts.GiveUpAfter-storm))
	}
}

// notSent reports an error of a request that was surely not carried out
// (never sent, or refused with 429).
func notSent(err error) bool {
	var e *errkind.Error
	return errors.As(err, &e) && e.NotSent
}

// entryFor builds the entry of a finished task; a created user's
// generated password goes with it, to the report.
func entryFor(t *PlanItem, res Outcome, err error) Entry {
	ent := Entry{Line: t.Line, Key: t.Key, ID: t.ID, Action: t.Action, Result: res, Err: err, Changes: t.Changes}
	if res == Created && t.Item != nil {
		ent.Password = t.Item.GeneratedPassword()
	}
	return ent
}

// failedEntry builds the entry of a failed request, or a skipped one when
// the run stopped before it could be sent.
func failedEntry(ctx, stop context.Context, t *PlanItem, err error) Entry {
	if errors.Is(err, errStopped) {
		why := context.Cause(stop)
		if why == nil || errors.Is(why, context.Canceled) {
			why = errInterrupted
		}
		if gaveUp(stop) {
			return entryFor(t, Failed, why)
		}
		return entryFor(t, Skipped, why)
	}
	switch {
	case notSent(err) && errors.Is(err, context.Canceled):
		err = fmt.Errorf("not sent: interrupted before the request was sent: %w", err)
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		err = fmt.Errorf("interrupted while the request was in flight (it may have been carried out): %w", err)
	case notSent(err):
		err = fmt.Errorf("not sent: %w", err)
	}
	return entryFor(t, Failed, err)
}

// countItems is "1 item" or "N items".
func countItems(n int) string {
	if n == 1 {
		return "1 item"
	}
	return fmt.Sprintf("%d items", n)
}
