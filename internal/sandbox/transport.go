package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Transport returns a RoundTripper that serves every request with h in the
// calling process, without a socket. Responses stream: RoundTrip returns as
// soon as the handler has written its header, and the body is a pipe the
// handler keeps writing to (buffering up to 1 MiB ahead of the reader, so
// a small response completes even when nobody reads it). The request's
// context reaches the handler, and cancelling it fails a pending RoundTrip
// and the body's reads. A handler panic becomes a 500 (or a body read
// error when the header was already sent).
func Transport(h http.Handler) http.RoundTripper { return handlerTransport{h} }

type handlerTransport struct{ h http.Handler }

// inProcessRemoteAddr is the RemoteAddr handlers see.
const inProcessRemoteAddr = "127.0.0.1:1"

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		closeBody(req)
		return nil, err
	}
	sreq := req.Clone(ctx)
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = inProcessRemoteAddr
	sreq.Proto, sreq.ProtoMajor, sreq.ProtoMinor = "HTTP/1.1", 1, 1
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	sreq.Close = false

	w := newPipeWriter()
	go func() {
		defer closeBody(req)
		defer func() {
			if p := recover(); p != nil {
				if !w.headerSent() {
					w.Header().Set("Content-Type", "text/plain; charset=utf-8")
					w.WriteHeader(http.StatusInternalServerError)
					_, _ = fmt.Fprintf(w, "sandbox handler panic: %v\n", p)
					w.finish(nil)
					return
				}
				w.finish(fmt.Errorf("sandbox handler panic: %v", p))
				return
			}
			w.finish(nil)
		}()
		t.h.ServeHTTP(w, sreq)
	}()

	select {
	case <-w.ready:
	case <-ctx.Done():
		w.body.abort(ctx.Err())
		return nil, ctx.Err()
	}
	stop := context.AfterFunc(ctx, func() { w.body.abort(ctx.Err()) })
	resp := &http.Response{
		Status:        fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sent,
		ContentLength: -1,
		Request:       req,
		Body:          &respBody{ctx: ctx, p: w.body, stop: stop},
	}
	if n, err := strconv.ParseInt(w.sent.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		resp.ContentLength = n
	}
	if req.Method == http.MethodHead || w.status == http.StatusNoContent || w.status == http.StatusNotModified {
		resp.ContentLength = 0
		resp.Body = http.NoBody
		w.body.closeRead()
		stop()
	}
	return resp, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// pipeWriter is the http.ResponseWriter of an in-process request.
type pipeWriter struct {
	header http.Header
	sent   http.Header // snapshot of header at WriteHeader
	status int
	once   sync.Once
	ready  chan struct{} // closed once the header is sent
	body   *bodyPipe
}

func newPipeWriter() *pipeWriter {
	return &pipeWriter{header: http.Header{}, ready: make(chan struct{}), body: newBodyPipe(1 << 20)}
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) headerSent() bool {
	select {
	case <-w.ready:
		return true
	default:
		return false
	}
}

func (w *pipeWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 {
		return // interim responses are not relayed
	}
	w.once.Do(func() {
		w.status = code
		w.sent = w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeWriter) Write(b []byte) (int, error) {
	if !w.headerSent() {
		if w.header.Get("Content-Type") == "" && len(b) > 0 {
			w.header.Set("Content-Type", http.DetectContentType(b))
		}
		w.WriteHeader(http.StatusOK)
	}
	return w.body.write(b)
}

// Flush sends the header if the handler has not yet; written bytes are
// always readable at once.
func (w *pipeWriter) Flush() { w.WriteHeader(http.StatusOK) }

func (w *pipeWriter) finish(err error) {
	w.WriteHeader(http.StatusOK)
	w.body.closeWrite(err)
}

// bodyPipe is a pipe with a bounded buffer: writes block only when max
// bytes wait unread.
type bodyPipe struct {
	mu      sync.Mutex
	cond    *sync.Cond
	buf     bytes.Buffer
	max     int
	wdone   bool  // writer finished
	werr    error // writer's error, for the reader after the buffer
	rclosed bool  // reader went away
	eof     bool  // the reader was told io.EOF
	aborted error // context ended: both sides fail
}

func newBodyPipe(max int) *bodyPipe {
	p := &bodyPipe{max: max}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *bodyPipe) write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for len(b) > 0 {
		for p.buf.Len() >= p.max && !p.rclosed && p.aborted == nil {
			p.cond.Wait()
		}
		switch {
		case p.aborted != nil:
			return n, p.aborted
		case p.rclosed:
			return n, io.ErrClosedPipe
		}
		k := min(len(b), p.max-p.buf.Len())
		p.buf.Write(b[:k])
		b = b[k:]
		n += k
		p.cond.Broadcast()
	}
	return n, nil
}

func (p *bodyPipe) read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.buf.Len() == 0 && !p.wdone && !p.rclosed && p.aborted == nil {
		p.cond.Wait()
	}
	switch {
	case p.aborted != nil:
		return 0, p.aborted
	case p.rclosed:
		return 0, io.ErrClosedPipe
	case p.buf.Len() > 0:
		n, _ := p.buf.Read(b)
		p.cond.Broadcast()
		return n, nil
	case p.werr != nil:
		return 0, p.werr
	}
	p.eof = true
	return 0, io.EOF
}

func (p *bodyPipe) closeWrite(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wdone, p.werr = true, err
	p.cond.Broadcast()
}

func (p *bodyPipe) closeRead() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rclosed = true
	p.buf.Reset()
	p.cond.Broadcast()
}

func (p *bodyPipe) abort(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.aborted == nil && !p.eof {
		p.aborted = err
	}
	p.cond.Broadcast()
}

// respBody is the client's side of the pipe.
type respBody struct {
	ctx  context.Context
	p    *bodyPipe
	stop func() bool
}

func (b *respBody) Read(buf []byte) (int, error) {
	n, err := b.p.read(buf)
	if err == io.EOF && b.ctx.Err() != nil {
		// Cancelled before the end was read (the handler may have ended
		// because of it): like net/http, the read fails.
		err = b.ctx.Err()
	}
	if err != nil {
		b.stop()
	}
	return n, err
}

func (b *respBody) Close() error {
	b.stop()
	b.p.closeRead()
	return nil
}
