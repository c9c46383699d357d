package ratelimit

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock tests advance by hand.
type fakeClock struct {
	mu         sync.Mutex
	now        time.Time
	waiters    []fakeWaiter
	registered chan struct{}
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), registered: make(chan struct{}, 1024)}
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

func (f *fakeClock) After(d time.Duration) (<-chan time.Time, func()) {
	ch := make(chan time.Time, 1)
	f.mu.Lock()
	if d <= 0 {
		ch <- f.now
	} else {
		f.waiters = append(f.waiters, fakeWaiter{f.now.Add(d), ch})
	}
	f.mu.Unlock()
	f.registered <- struct{}{}
	return ch, func() {}
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	keep := f.waiters[:0]
	for _, w := range f.waiters {
		if !w.at.After(f.now) {
			w.ch <- f.now
		} else {
			keep = append(keep, w)
		}
	}
	f.waiters = keep
}

// blocked waits until a Wait has gone to sleep on the clock (a failsafe
// bound only guards against a hang).
func (f *fakeClock) blocked(t *testing.T) {
	t.Helper()
	select {
	case <-f.registered:
	case <-time.After(10 * time.Second):
		t.Fatal("Wait never blocked")
	}
}

// startWait runs l.Wait in a goroutine and returns its result channel.
func startWait(ctx context.Context, l *Adaptive) <-chan error {
	done := make(chan error, 1)
	go func() { done <- l.Wait(ctx) }()
	return done
}

func notDone(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("%s: Wait returned early (%v)", what, err)
	default:
	}
}

func mustDone(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return")
	}
}

func TestAdaptiveLimiterUnlimited(t *testing.T) {
	l := newAdaptive(0, newFakeClock())
	for range 1000 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		l.Success()
	}
	if l.Rate() != 0 {
		t.Errorf("rate %v, want unlimited", l.Rate())
	}
}

func TestAdaptiveLimiterPacing(t *testing.T) {
	clk := newFakeClock()
	l := newAdaptive(10, clk) // one per 100ms, 5ms tolerance
	ctx := context.Background()
	mustDone(t, startWait(ctx, l))
	done := startWait(ctx, l)
	clk.blocked(t)
	notDone(t, done, "second request at once")
	clk.Advance(90 * time.Millisecond) // it sleeps until 95ms
	notDone(t, done, "after 90ms")
	clk.Advance(5 * time.Millisecond)
	mustDone(t, done)
}

func TestAdaptiveLimiterBackoffPausesEveryone(t *testing.T) {
	clk := newFakeClock()
	l := newAdaptive(0, clk)
	ctx := context.Background()
	for range 100 { // the server accepted 100/s
		clk.Advance(10 * time.Millisecond)
		l.Success()
	}
	l.Backoff(2 * time.Second)
	var dones []<-chan error
	for range 4 {
		dones = append(dones, startWait(ctx, l))
		clk.blocked(t)
	}
	clk.Advance(1999 * time.Millisecond)
	for _, d := range dones {
		notDone(t, d, "during the pause")
	}
	all := make(chan error, len(dones))
	for _, d := range dones {
		go func() { all <- <-d }()
	}
	// When the pause ends they all wake; one goes, the others are paced at
	// the reduced rate (95/s: one per ~10.5ms) and go back to sleep.
	clk.Advance(time.Millisecond)
	for remaining := len(dones); remaining > 0; {
		select {
		case err := <-all:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no Wait returned")
		}
		remaining--
		for range remaining {
			clk.blocked(t)
		}
		select {
		case <-all:
			t.Fatal("two waits returned in one pacing interval")
		default:
		}
		if remaining > 0 {
			clk.Advance(11 * time.Millisecond)
		}
	}
}

func TestAdaptiveLimiterDecreaseAndIncrease(t *testing.T) {
	clk := newFakeClock()
	l := newAdaptive(0, clk)
	// 200 successes spread over the last second: the server accepted 200/s.
	for range 200 {
		clk.Advance(5 * time.Millisecond)
		l.Success()
	}
	l.Backoff(0)
	if r := l.Rate(); math.Abs(r-190) > 2 {
		t.Fatalf("rate after backoff %v, want about 95%% of 200", r)
	}
	// 429s of requests already in flight do not lower it again.
	l.Backoff(0)
	if r := l.Rate(); math.Abs(r-190) > 2 {
		t.Fatalf("rate after a second 429 at once %v, want it unchanged", r)
	}
	// Additive increase: 5% of the new rate per second.
	clk.Advance(time.Second)
	l.Success()
	if r := l.Rate(); math.Abs(r-200) > 2 {
		t.Errorf("rate after 1s %v, want about 200", r)
	}
	// A later 429 with little traffic observed halves the rate.
	clk.Advance(5 * time.Second)
	l.Backoff(0)
	if r := l.Rate(); r > 120 || r < 90 {
		t.Errorf("rate after a 429 with 1 success observed %v, want about half", r)
	}
	// Long success streak: back to unlimited.
	for range 200 {
		clk.Advance(time.Second)
		l.Success()
	}
	if r := l.Rate(); r != 0 {
		t.Errorf("rate after a long streak %v, want unlimited", r)
	}
}

func TestAdaptiveLimiterHalvesWithoutObservations(t *testing.T) {
	l := newAdaptive(10, newFakeClock())
	l.Backoff(0)
	if r := l.Rate(); r != 5 {
		t.Errorf("rate %v, want 5", r)
	}
	u := newAdaptive(0, newFakeClock())
	u.Backoff(time.Second)
	if r := u.Rate(); r != 0 {
		t.Errorf("unlimited without observations: rate %v, want the pause alone", r)
	}
}

func TestAdaptiveLimiterAdvertisedRate(t *testing.T) {
	clk := newFakeClock()
	l := newAdaptive(0, clk)
	l.ObserveRateLimit(1000, time.Second)
	if r := l.Rate(); math.Abs(r-970) > 0.01 {
		t.Fatalf("rate %v, want 97%% of 1000", r)
	}
	for range 100 {
		clk.Advance(time.Second)
		l.Success()
	}
	if r := l.Rate(); math.Abs(r-970) > 0.01 {
		t.Errorf("rate grew above the advertised limit: %v", r)
	}
	l.ObserveRateLimit(100, time.Minute)
	if r := l.Rate(); math.Abs(r-100.0/60*0.97) > 0.001 {
		t.Errorf("rate %v after a new advertised limit", r)
	}
	l.ObserveRateLimit(0, time.Second) // ignored
	if l.Rate() == 0 {
		t.Error("an invalid hint reset the rate")
	}
}

func TestAdaptiveLimiterCancel(t *testing.T) {
	clk := newFakeClock()
	l := newAdaptive(0, clk)
	l.Backoff(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := startWait(ctx, l)
	clk.blocked(t)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait ignored the cancel")
	}
}

// tickClock moves 1ms forward at each reading and never sleeps.
type tickClock struct{ ms atomic.Int64 }

func (c *tickClock) Now() time.Time {
	return time.Unix(0, 0).Add(time.Duration(c.ms.Add(1)) * time.Millisecond)
}

func (c *tickClock) After(d time.Duration) (<-chan time.Time, func()) {
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch, func() {}
}

// TestAdaptiveLimiterConcurrent hammers the limiter from many goroutines
// (run with -race).
func TestAdaptiveLimiterConcurrent(t *testing.T) {
	l := newAdaptive(0, &tickClock{})
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if err := l.Wait(context.Background()); err != nil {
					t.Error(err)
					return
				}
				switch {
				case w == 0 && i%50 == 49:
					l.Backoff(0)
				case w == 1 && i == 100:
					l.ObserveRateLimit(1e6, time.Second)
				default:
					l.Success()
				}
			}
		}()
	}
	wg.Wait()
}

// TestAdaptiveLimiterHintFloor: a server advertising one request a year
// does not stall the run: the pace never drops below one a second.
func TestAdaptiveLimiterHintFloor(t *testing.T) {
	clk := newFakeClock()
	l := newAdaptive(0, clk)
	l.ObserveRateLimit(1, 365*24*time.Hour)
	if r := l.Rate(); r != limiterHintFloor {
		t.Fatalf("rate %v, want the floor %v", r, limiterHintFloor)
	}
}
