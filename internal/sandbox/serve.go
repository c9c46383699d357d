package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ShutdownGrace is how long Serve waits for requests in flight when its
// context ends.
const ShutdownGrace = 5 * time.Second

// Serve builds the handler of opts over st (see NewHandler) and serves it on
// ln until ctx is done (see ServeHandler).
func Serve(ctx context.Context, ln net.Listener, opts Options, st *Store) error {
	h, err := NewHandler(opts, st)
	if err != nil {
		_ = ln.Close()
		return err
	}
	return ServeHandler(ctx, ln, h)
}

// ServeHandler serves h on ln until ctx is done, then shuts down gracefully:
// it stops accepting, cancels the context of the requests in flight (so an
// injected latency ends at once) and waits up to ShutdownGrace for them to
// finish. It returns nil after a shutdown caused by ctx.
func ServeHandler(ctx context.Context, ln net.Listener, h http.Handler) error {
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	cancelBase()
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// BaseURL returns the URL clients of the dialect api use for a server
// listening on ln: http://HOST:PORT plus the dialect's BasePath. An
// unspecified listen address (0.0.0.0, ::) is shown as 127.0.0.1.
func BaseURL(ln net.Listener, api string) string {
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return "http://" + ln.Addr().String() + basePath(api)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		// Go listens dual-stack on an unspecified address (and shows "::"
		// for 0.0.0.0): IPv4 loopback reaches it either way.
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + basePath(api)
}

func basePath(api string) string {
	if api == "" {
		api = DefaultAPI
	}
	d, _ := LookupDialect(api)
	return d.BasePath
}

// ServeState is Serve over a state file (`sandbox serve --state FILE`): the
// handler of opts serves s.Store() (seeded if empty), the store is saved
// every interval while dirty, and once more after the shutdown, when no
// request can change it any more. The saves replace the file: a state file
// served this way is not to be shared with other processes meanwhile.
func ServeState(ctx context.Context, ln net.Listener, opts Options, s *State, interval time.Duration) error {
	h, err := NewHandler(opts, s.Store())
	if err != nil {
		_ = ln.Close()
		return err
	}
	saveCtx, stopSaving := context.WithCancel(context.Background())
	saved := make(chan error, 1)
	go func() { saved <- s.SaveEvery(saveCtx, interval) }()
	err = ServeHandler(ctx, ln, h)
	stopSaving()
	if serr := <-saved; err == nil {
		err = serr
	}
	return err
}
