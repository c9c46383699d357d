package output

import (
	"bufio"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/userctl/userctl/internal/termsafe"
)

// flushInterval bounds how long a streamed line may sit in the buffer.
const flushInterval = 100 * time.Millisecond

// tickerFunc makes the ticks of the background flusher; stop releases it.
type tickerFunc func() (ticks <-chan time.Time, stop func())

func realTicker() (<-chan time.Time, func()) {
	t := time.NewTicker(flushInterval)
	return t.C, t.Stop
}

var (
	errMultiple = errors.New("output: more than one item written to a single-object writer")
	errNone     = errors.New("output: no item written to a single-object writer")
)

// stream is the buffered stdout of the streaming formats. Writes go through
// a large buffer (fast for millions of lines) and a background flusher
// pushes pending bytes out on every tick, so output keeps streaming while
// the producer waits for the next page. close stops the flusher and
// flushes.
type stream struct {
	mu      sync.Mutex
	bw      *bufio.Writer
	err     error
	ticker  tickerFunc
	started bool
	closed  bool
	stop    chan struct{}
	done    chan struct{}
	// flushed, when set (tests), receives after each background flush.
	flushed chan<- struct{}
	// escape shows unsafe characters escaped (termsafe.Text): set for text
	// formats on a terminal. Each write is a whole record.
	escape bool
	esc    []byte
}

func newStream(w io.Writer, ticker tickerFunc) *stream {
	return &stream{bw: bufio.NewWriterSize(w, 64<<10), ticker: ticker}
}

// write appends p to the stream.
func (s *stream) write(p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return errors.New("output: write after close")
	}
	if !s.started && s.ticker != nil {
		s.started = true
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		ticks, stop := s.ticker()
		go s.flushLoop(ticks, stop)
	}
	if s.escape {
		s.esc = termsafe.AppendText(s.esc[:0], p)
		p = s.esc
	}
	_, s.err = s.bw.Write(p)
	return s.err
}

func (s *stream) flushLoop(ticks <-chan time.Time, stop func()) {
	defer close(s.done)
	defer stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ticks:
			s.mu.Lock()
			if s.err == nil && s.bw.Buffered() > 0 {
				s.err = s.bw.Flush()
			}
			s.mu.Unlock()
			if s.flushed != nil {
				s.flushed <- struct{}{}
			}
		}
	}
}

// close stops the flusher and flushes what is buffered.
func (s *stream) close() error {
	s.mu.Lock()
	started := s.started && !s.closed
	s.closed = true
	s.mu.Unlock()
	if started {
		close(s.stop)
		<-s.done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = s.bw.Flush()
	}
	return s.err
}
