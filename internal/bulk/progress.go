package bulk

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progressEvery is how often the progress bar is redrawn.
const progressEvery = 200 * time.Millisecond

// progress draws "done/total  pct  [bar]  rate/s  ETA" on one terminal line
// with \r, from its own goroutine, and clears it when stopped.
type progress struct {
	w     io.Writer
	total int
	start time.Time
	done  atomic.Int64
	quit  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

func newProgress(w io.Writer, total int, start time.Time) *progress {
	p := &progress{w: w, total: total, start: start, quit: make(chan struct{})}
	p.wg.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				fmt.Fprint(p.w, "\r"+p.line(time.Now())+"\x1b[K")
			}
		}
	})
	return p
}

func (p *progress) add() { p.done.Add(1) }

// stop ends the redraws and clears the line (idempotent).
func (p *progress) stop() {
	p.once.Do(func() {
		close(p.quit)
		p.wg.Wait()
		fmt.Fprint(p.w, "\r\x1b[K")
	})
}

// line renders the bar at now.
func (p *progress) line(now time.Time) string {
	done := int(p.done.Load())
	elapsed := now.Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done) / elapsed
	}
	if p.total <= 0 {
		return fmt.Sprintf("%d done  %.1f/s", done, rate)
	}
	total := max(p.total, done)
	const width = 24
	filled := width * done / total
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = '.'
		if i < filled {
			bar[i] = '#'
		}
	}
	eta := "?"
	if rate > 0 {
		eta = time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	return fmt.Sprintf("%d/%d %3d%% [%s] %.1f/s ETA %s", done, total, 100*done/total, bar, rate, eta)
}
