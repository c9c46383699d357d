package paging

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tracker counts fetches in flight and the most seen at once.
type tracker struct {
	inFlight, peak, started atomic.Int64
}

func (t *tracker) enter() {
	t.started.Add(1)
	n := t.inFlight.Add(1)
	for {
		p := t.peak.Load()
		if n <= p || t.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (t *tracker) leave() { t.inFlight.Add(-1) }

func TestOrderedYieldsEveryPageInOrderWhateverTheFinishingOrder(t *testing.T) {
	for _, window := range []int{1, 3, 8, 100} {
		t.Run(fmt.Sprint(window), func(t *testing.T) {
			var tr tracker
			const n = 50
			got := []int{}
			for v, err := range Ordered(context.Background(), n, window, func(_ context.Context, i int) ([]int, error) {
				tr.enter()
				defer tr.leave()
				// Finish in a scrambled order.
				for range rand.IntN(2000) {
					_ = rand.Int()
				}
				return []int{2 * i, 2*i + 1}, nil
			}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, v...)
			}
			if len(got) != 2*n {
				t.Fatalf("got %d items, want %d", len(got), 2*n)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("item %d is %d: out of order or missing", i, v)
				}
			}
			if p := tr.peak.Load(); p > int64(window) {
				t.Fatalf("%d fetches in flight at once, window %d", p, window)
			}
			if tr.inFlight.Load() != 0 {
				t.Fatal("a fetch was still running after the sequence returned")
			}
		})
	}
}

// TestOrderedKeepsTheWindowFull proves the concurrency: fetches block until
// window of them run at once, which never happens when they are made one
// after another.
func TestOrderedKeepsTheWindowFull(t *testing.T) {
	const window = 4
	var tr tracker
	all := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := 0
	for _, err := range Ordered(ctx, 20, window, func(ctx context.Context, i int) (int, error) {
		tr.enter()
		defer tr.leave()
		if tr.inFlight.Load() >= window {
			once.Do(func() { close(all) })
		}
		select {
		case <-all:
			return i, nil
		case <-ctx.Done():
			return 0, fmt.Errorf("only %d fetches ever ran at once, want %d", tr.peak.Load(), window)
		}
	}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 20 || tr.peak.Load() != window {
		t.Fatalf("%d pages, peak %d in flight; want 20 and %d", n, tr.peak.Load(), window)
	}
}

func TestOrderedStopsAtTheFailingPageAndCancelsTheRest(t *testing.T) {
	boom := errors.New("page 5 failed after retries")
	var tr tracker
	var cancelled atomic.Int64
	var got []int
	var gotErr error
	for v, err := range Ordered(context.Background(), 100, 8, func(ctx context.Context, i int) (int, error) {
		tr.enter()
		defer tr.leave()
		if i == 5 {
			return 0, boom
		}
		if i > 5 {
			<-ctx.Done() // later pages wait: only a cancel ends them
			cancelled.Add(1)
			return 0, ctx.Err()
		}
		return i, nil
	}) {
		if err != nil {
			gotErr = err
			continue
		}
		got = append(got, v)
	}
	if !errors.Is(gotErr, boom) {
		t.Fatalf("error %v, want the page's own", gotErr)
	}
	if fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Fatalf("pages before the failure %v, want [0 1 2 3 4] and nothing after", got)
	}
	if tr.inFlight.Load() != 0 {
		t.Fatal("fetches still running after the sequence returned")
	}
	if s := tr.started.Load(); s > 5+8 {
		t.Fatalf("%d fetches started: more than the window past the failure", s)
	}
	if cancelled.Load() == 0 {
		t.Fatal("no page after the failure was cancelled")
	}
}

func TestOrderedEarlyStopCancelsAndLeaksNothing(t *testing.T) {
	var tr tracker
	n := 0
	for v, err := range Ordered(context.Background(), 1000, 8, func(ctx context.Context, i int) (int, error) {
		tr.enter()
		defer tr.leave()
		if i >= 3 {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return i, nil
	}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if v == 2 {
			break
		}
	}
	if n != 3 || tr.inFlight.Load() != 0 {
		t.Fatalf("%d pages, %d fetches still running; want 3 and 0", n, tr.inFlight.Load())
	}
	if s := tr.started.Load(); s > 3+8 {
		t.Fatalf("%d fetches started for 3 pages consumed, window 8", s)
	}
}

func TestOrderedEndsWithTheCallersContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var last error
	for _, err := range Ordered(ctx, 100, 4, func(ctx context.Context, i int) (int, error) {
		if i == 2 {
			cancel()
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		return i, nil
	}) {
		last = err
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("last error %v, want context.Canceled", last)
	}
}

func TestOrderedZeroPages(t *testing.T) {
	for range Ordered(context.Background(), 0, 4, func(context.Context, int) (int, error) {
		t.Fatal("fetched a page of an empty plan")
		return 0, nil
	}) {
		t.Fatal("yielded from an empty plan")
	}
}

func TestAheadServesPredictedPagesAndGivesWayOnAMismatch(t *testing.T) {
	var tr tracker
	a := Start(context.Background(), 5, func(i int) int { return i + 2 }, 3, func(ctx context.Context, page int) (string, error) {
		tr.enter()
		defer tr.leave()
		if page >= 5 {
			<-ctx.Done()
			return "", ctx.Err()
		}
		return fmt.Sprint("page", page), nil
	})
	for _, p := range []int{2, 3} {
		v, err, ok := a.Take(p)
		if !ok || err != nil || v != fmt.Sprint("page", p) {
			t.Fatalf("Take(%d) = %q, %v, %v", p, v, err, ok)
		}
	}
	// The loop asks for page 10 (the server said so): no prediction holds.
	if _, _, ok := a.Take(10); ok {
		t.Fatal("Take served a page that was not the next predicted one")
	}
	if tr.inFlight.Load() != 0 {
		t.Fatal("predicted fetches still running after a mismatch")
	}
	if _, _, ok := a.Take(4); ok {
		t.Fatal("Take served a page after the prediction was dropped")
	}
	a.Stop()
	var nilAhead *Ahead[int, string]
	if _, _, ok := nilAhead.Take(1); ok {
		t.Fatal("a nil Ahead served a page")
	}
	nilAhead.Stop()
}

func TestAheadReturnsAPageErrorInItsPlace(t *testing.T) {
	boom := errors.New("500 after retries")
	a := Start(context.Background(), 3, func(i int) int { return i + 2 }, 4, func(_ context.Context, page int) (int, error) {
		if page == 3 {
			return 0, boom
		}
		return page, nil
	})
	defer a.Stop()
	if v, err, ok := a.Take(2); !ok || err != nil || v != 2 {
		t.Fatalf("Take(2) = %v, %v, %v", v, err, ok)
	}
	if _, err, ok := a.Take(3); !ok || !errors.Is(err, boom) {
		t.Fatalf("Take(3) error %v ok %v, want the page's error", err, ok)
	}
	if _, _, ok := a.Take(4); ok {
		t.Fatal("Take served a page after an error")
	}
}

func TestBoundaryDropsTheTailOfThePreviousPageRepeatedAtTheHead(t *testing.T) {
	var b Boundary
	id := func(s string) string { return s }
	var kept [][]string
	for _, page := range [][]string{
		{"a", "b", "c", "d"},
		{"c", "d", "e", "f"}, // two users created before: c, d shifted on
		{"g", "h", "i", "j"}, // nothing repeats
		{"j", "k", "", ""},   // one shifted
		{"", "l"},            // empty keys never match
		{"b", "m"},           // b is two pages back: not a shift
		{"m", "m", "n"},      // the previous tail, then a repeat within the page
	} {
		kept = append(kept, Page(&b, page, id))
	}
	if got := fmt.Sprint(kept); got != "[[a b c d] [e f] [g h i j] [k  ] [ l] [b m] [m n]]" {
		t.Fatalf("kept %q", got)
	}
}

func TestWindow(t *testing.T) {
	for in, want := range map[int]int{-1: DefaultWindow, 0: DefaultWindow, 1: 1, 5: 5, 1000: MaxWindow} {
		if got := Window(in); got != want {
			t.Errorf("Window(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestFitBoundsTheItemsInFlight(t *testing.T) {
	for _, tc := range []struct{ window, size, want int }{
		{8, 100, 8}, {8, 250, 8}, {8, 500, 4}, {8, 1000, 2}, {8, 5000, 2}, {1, 5000, 1}, {64, 20, 64}, {8, 0, 8},
	} {
		if got := Fit(tc.window, tc.size); got != tc.want {
			t.Errorf("Fit(%d, %d) = %d, want %d", tc.window, tc.size, got, tc.want)
		}
	}
}

func TestAheadWithAHugeClaimedTotalAsksOnlyTheWindow(t *testing.T) {
	var tr tracker
	a := Start(context.Background(), 1<<62, func(i int) int { return i }, 4, func(ctx context.Context, i int) (int, error) {
		tr.enter()
		defer tr.leave()
		return i, nil
	})
	for i := range 3 {
		if v, err, ok := a.Take(i); !ok || err != nil || v != i {
			t.Fatalf("Take(%d) = %v, %v, %v", i, v, err, ok)
		}
	}
	a.Stop()
	if s := tr.started.Load(); s > 3+4 {
		t.Fatalf("%d pages asked for, 3 taken with a window of 4", s)
	}
}
