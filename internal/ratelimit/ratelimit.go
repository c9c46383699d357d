// Package ratelimit paces the requests that many goroutines send to one
// API: the Limiter the HTTP client calls, and Adaptive, the limiter the
// workers of a bulk command share.
package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Limiter paces requests shared by many goroutines (bulk commands). Wait is
// called before each attempt; Backoff when the server said to slow down for
// d (a 429); Success after each 2xx.
type Limiter interface {
	Wait(ctx context.Context) error
	Backoff(d time.Duration)
	Success()
}

// Observer is an optional interface of a Limiter: the HTTP client calls
// ObserveRateLimit for every response that advertises its rate limit
// (X-RateLimit-Limit requests per X-RateLimit-Period), so the limiter can
// pace at that rate instead of discovering it through 429s.
type Observer interface {
	ObserveRateLimit(limit float64, period time.Duration)
}

// Adaptive is a Limiter (and Observer) shared by the workers of
// a bulk command so that together they run close to the server's rate limit
// with few 429s. It is safe for concurrent use.
//
// Algorithm:
//   - Pacing: at a rate r > 0, requests are spaced 1/r apart (a GCRA
//     scheduler with a tolerance of two intervals, at most 5ms, to absorb
//     timer lateness); r = 0 means unlimited.
//   - Pause: Backoff(d) blocks every Wait until now+d (a later Backoff may
//     extend the pause, never shorten it).
//   - Multiplicative decrease: Backoff also sets r to 95% of the rate of
//     successes observed over the last second (count over the time since
//     the oldest of them, at least 100ms: the rate the server did accept),
//     or halves r when too little was observed; 429s arriving
//     within the same pause (requests that were already in flight) do not
//     decrease it again.
//   - Additive increase: each Success raises r by 5% of the rate at the
//     last decrease per elapsed second; once r exceeds twice that rate the
//     limiter is unlimited again.
//   - Advertised limit: when the server states its limit (ObserveRateLimit,
//     from X-RateLimit-Limit / X-RateLimit-Period), r is set to 97% of it
//     and never raised above it; a hint below one request a second counts
//     as one a second (the floor): a server advertising one request a year
//     cannot stall a run, it answers 429 if it means it, and those waits
//     are bounded by the client's MaxWait.
type Adaptive struct {
	mu    sync.Mutex
	clock clock

	rate    float64   // requests per second; 0: unlimited
	floor   float64   // rate at the last decrease (the growth unit)
	hint    float64   // 97% of the server's advertised rate; 0: none
	tat     time.Time // GCRA theoretical arrival time of the next request
	paused  time.Time // no request starts before this
	grown   time.Time // when the rate was last raised or lowered
	reduced time.Time // when the rate was last lowered
	changed chan struct{}

	successes []time.Time // ring of recent success times
	head, n   int
}

// Tuning of the Adaptive (see its doc).
const (
	limiterWindow     = time.Second
	limiterDecrease   = 0.95
	limiterHintShare  = 0.97
	limiterGrowth     = 0.05 // of floor, per second
	limiterMinRate    = 0.5
	limiterHintFloor  = 1.0 // requests per second
	limiterTolerance  = 5 * time.Millisecond
	limiterRingLength = 1 << 14
)

// NewAdaptive returns a limiter starting at initialRate requests per
// second (0: unlimited until the server pushes back).
func NewAdaptive(initialRate float64) *Adaptive {
	return newAdaptive(initialRate, realClock{})
}

func newAdaptive(initialRate float64, c clock) *Adaptive {
	if !(initialRate > 0) {
		initialRate = 0
	}
	now := c.Now()
	return &Adaptive{
		clock: c, rate: initialRate, floor: initialRate, grown: now,
		changed: make(chan struct{}), successes: make([]time.Time, limiterRingLength),
	}
}

// Rate returns the current pace in requests per second (0: unlimited).
func (l *Adaptive) Rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

// Wait blocks until the caller may send its next request, or ctx ends.
func (l *Adaptive) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.Lock()
		now := l.clock.Now()
		until := l.paused
		if !now.Before(until) {
			if l.rate <= 0 {
				l.mu.Unlock()
				return nil
			}
			interval := time.Duration(float64(time.Second) / l.rate)
			tol := min(2*interval, limiterTolerance)
			tat := l.tat
			if tat.Before(now) {
				tat = now
			}
			if !tat.Add(-tol).After(now) {
				l.tat = tat.Add(interval)
				l.mu.Unlock()
				return nil
			}
			until = tat.Add(-tol)
		}
		changed := l.changed
		l.mu.Unlock()
		timer, stop := l.clock.After(until.Sub(now))
		select {
		case <-ctx.Done():
			stop()
			return ctx.Err()
		case <-changed:
			stop()
		case <-timer:
		}
	}
}

// Backoff pauses every caller for d and lowers the rate (see the type's
// doc).
func (l *Adaptive) Backoff(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	inPause := now.Before(l.paused) || now.Sub(l.reduced) < limiterWindow/10
	if until := now.Add(max(d, 0)); until.After(l.paused) {
		l.paused = until
	}
	if !inPause {
		count, oldest := l.countSince(now.Add(-limiterWindow))
		span := max(now.Sub(oldest), limiterWindow/10)
		observed := float64(count) / span.Seconds()
		next := observed * limiterDecrease
		if next < 1 {
			// Too little was observed to tell the server's rate.
			next = l.rate / 2
			if l.rate == 0 {
				next = 0 // unknown: rely on the pause alone
			}
		}
		if l.rate > 0 && next > l.rate {
			next = l.rate * limiterDecrease
		}
		if l.hint > 0 && (next == 0 || next > l.hint) {
			next = l.hint * limiterDecrease
		}
		if next > 0 {
			next = max(next, limiterMinRate)
		}
		l.rate, l.floor = next, next
		l.grown, l.reduced = now, now
	}
	// Requests already scheduled wait for the pause too.
	if l.tat.Before(l.paused) {
		l.tat = l.paused
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

// Success records a 2xx and lets the rate creep back up.
func (l *Adaptive) Success() {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	l.successes[(l.head+l.n)%len(l.successes)] = now
	if l.n < len(l.successes) {
		l.n++
	} else {
		l.head = (l.head + 1) % len(l.successes)
	}
	if l.rate <= 0 {
		return
	}
	if dt := now.Sub(l.grown); dt > 0 {
		l.rate += limiterGrowth * max(l.floor, 1) * dt.Seconds()
		l.grown = now
	}
	switch {
	case l.hint > 0:
		l.rate = min(l.rate, l.hint)
	case l.rate > 2*max(l.floor, 1):
		l.rate = 0 // back to unlimited
	}
}

// ObserveRateLimit adopts the server's advertised limit of limit requests
// per period: the limiter paces at 97% of it and never faster.
func (l *Adaptive) ObserveRateLimit(limit float64, period time.Duration) {
	if !(limit > 0) || period <= 0 {
		return
	}
	r := max(limit/period.Seconds()*limiterHintShare, limiterHintFloor)
	l.mu.Lock()
	defer l.mu.Unlock()
	if r == l.hint {
		return
	}
	l.hint = r
	l.rate, l.floor = r, r
	l.grown = l.clock.Now()
	close(l.changed)
	l.changed = make(chan struct{})
}

// countSince counts successes after t (the ring holds them in order) and
// returns the oldest of them.
func (l *Adaptive) countSince(t time.Time) (int, time.Time) {
	count, oldest := 0, t
	for i := l.n - 1; i >= 0; i-- {
		at := l.successes[(l.head+i)%len(l.successes)]
		if !at.After(t) {
			break
		}
		count, oldest = count+1, at
	}
	return count, oldest
}

// clock lets tests drive the limiter's time.
type clock interface {
	Now() time.Time
	// After returns a channel that fires after d, and a stop function.
	After(d time.Duration) (<-chan time.Time, func())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) After(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

var (
	_ Limiter  = (*Adaptive)(nil)
	_ Observer = (*Adaptive)(nil)
)
