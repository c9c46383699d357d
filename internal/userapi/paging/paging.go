// Package paging fetches the pages of a listing concurrently and hands them
// over in order, for APIs whose pages are addressed by number or offset and
// whose total is known after the first page.
//
// A dialect keeps its own sequential listing loop, which stays the single
// authority on what to ask next and when to stop. After the first page it
// predicts the requests the loop will make (page 2, 3, … up to the total)
// and starts an Ahead over them: Take hands the loop each predicted page as
// soon as it has arrived, in order, while up to Window pages are in flight.
// When the loop asks for anything else (a short page moved the offsets, a
// next link came back, the total grew), Take says so and the prediction is
// dropped; the loop then fetches on its own, exactly as without Ahead. The
// requests and their order are those of the sequential loop, so the users
// listed are the same; only their timing differs.
package paging

import (
	"context"
	"iter"
	"sync"
)

// DefaultWindow is how many pages a listing keeps in flight when the caller
// does not say: enough to hide a latency of tens of milliseconds behind
// pages of 100 users, few enough not to look like an attack.
const DefaultWindow = 8

// MaxWindow bounds a window asked for on the command line.
const MaxWindow = 64

// Ordered fetches pages 0..n-1 with up to window fetches in flight and yields
// their results in page order. Memory is bounded by window pages (plus the
// one being yielded). The first error is yielded in its page's place and
// ends the sequence: the pages after it are cancelled, never skipped over.
// When the consumer stops early, or ctx ends, the fetches in flight are
// cancelled; the sequence returns only after every fetch it started has
// returned, so no goroutine outlives it.
func Ordered[T any](ctx context.Context, n, window int, fetch func(ctx context.Context, i int) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		window = max(window, 1)
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() {
			cancel()
			wg.Wait()
		}()
		type result struct {
			v   T
			err error
		}
		queue := make([]chan result, 0, window)
		next := 0
		fill := func() {
			for next < n && len(queue) < window {
				ch := make(chan result, 1)
				i := next
				next++
				wg.Add(1)
				go func() {
					defer wg.Done()
					v, err := fetch(ctx, i)
					ch <- result{v, err}
				}()
				queue = append(queue, ch)
			}
		}
		fill()
		for len(queue) > 0 {
			r := <-queue[0]
			queue[0] = nil
			queue = queue[1:]
			if r.err != nil {
				yield(r.v, r.err)
				return
			}
			fill() // keep the window full while the consumer works
			if !yield(r.v, nil) {
				return
			}
		}
	}
}

// Ahead serves a sequential listing loop the pages it is predicted to ask
// for next, fetched concurrently by Ordered. It is used by one goroutine.
type Ahead[K comparable, T any] struct {
	key  func(i int) K
	n, i int
	next func() (T, error, bool)
	stop func()
}

// Start begins fetching the n pages named key(0), key(1), …, in that order,
// with up to window requests in flight. Keys are made when needed, so a
// server claiming a huge total costs no memory: only window pages are ever
// asked for beyond what the listing takes. Stop must be called when the
// listing ends.
func Start[K comparable, T any](ctx context.Context, n int, key func(i int) K, window int, fetch func(ctx context.Context, key K) (T, error)) *Ahead[K, T] {
	seq := Ordered(ctx, n, window, func(ctx context.Context, i int) (T, error) {
		return fetch(ctx, key(i))
	})
	next, stop := iter.Pull2(seq)
	return &Ahead[K, T]{key: key, n: n, next: next, stop: stop}
}

// Take returns the page of key when it is the next one predicted, waiting
// for it if needed; ok is false when it is not (or nothing is predicted any
// more), and then the remaining predictions are cancelled: the caller
// fetches key itself. A nil Ahead predicts nothing.
func (a *Ahead[K, T]) Take(key K) (v T, err error, ok bool) {
	if a == nil || a.i >= a.n || a.key(a.i) != key {
		a.Stop()
		return v, nil, false
	}
	a.i++
	v, err, ok = a.next()
	if !ok {
		a.i = a.n
		return v, nil, false
	}
	if err != nil {
		a.Stop() // Ordered ends at an error: nothing more will come
	}
	return v, err, true
}

// Stop cancels the pages still in flight and waits for their fetches to
// return. It is safe to call more than once, and on a nil Ahead.
func (a *Ahead[K, T]) Stop() {
	if a == nil {
		return
	}
	a.i = a.n
	a.stop()
}

// Boundary drops the entries that a page repeats from the page before it:
// when users are created during a listing, entries shift towards later
// pages and the last ones of a page come again at the start of the next.
// It remembers the keys of the previous page only, so memory stays flat,
// and costs one comparison per entry of the previous page when nothing
// repeats (no map: a listing of a million users pays nothing noticeable).
type Boundary struct {
	prev []string
}

// Page returns items without the entries at its head that repeat the tail
// of the previous page (same keys, same order), and remembers this page's
// keys for the next call. An empty key never matches.
func Page[T any](b *Boundary, items []T, key func(T) string) []T {
	skip := 0
	if len(items) > 0 && len(b.prev) > 0 {
		if first := key(items[0]); first != "" {
			for j, k := range b.prev {
				if k != first {
					continue
				}
				// The tail prev[j:] comes again at the head of this page.
				for skip < len(items) && j+skip < len(b.prev) && key(items[skip]) == b.prev[j+skip] {
					skip++
				}
				break
			}
		}
	}
	b.prev = b.prev[:0]
	for _, it := range items {
		b.prev = append(b.prev, key(it))
	}
	return items[skip:]
}

// MaxItemsInFlight bounds the items held by the pages fetched ahead of a
// listing, so that its memory stays flat whatever the page size: a window
// of large pages shrinks (see Fit). Pages of up to 250 items keep a window
// of DefaultWindow.
const MaxItemsInFlight = 2000

// Fit returns how many pages of size items to keep in flight for a window
// of window pages: at most MaxItemsInFlight items, but 2 pages at least.
func Fit(window, size int) int {
	if size <= 0 {
		return window
	}
	return max(min(window, MaxItemsInFlight/size), min(window, 2))
}

// Window returns the number of pages to keep in flight for a requested
// value: 0 or less means DefaultWindow, and the result is at most MaxWindow.
func Window(requested int) int {
	if requested <= 0 {
		return DefaultWindow
	}
	return min(requested, MaxWindow)
}
