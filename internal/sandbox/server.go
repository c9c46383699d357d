package sandbox

import (
	"net/http"
	"sort"
	"sync"
	"time"
)

// Options configure a sandbox server.
type Options struct {
	// API is the dialect to speak: rest, udata, datadog or basic.
	API string
	// Seed adds this many generated users to an empty store.
	Seed int
	// RateLimit is requests per second before 429 (0: none).
	RateLimit float64
	// Latency is added to every response.
	Latency time.Duration
	// FailRate is the fraction of requests answered 503 (0..1).
	FailRate float64
	// Credentials to require; empty ones accept any non-empty credential of
	// the dialect's kind (missing credentials are always 401).
	Token    string
	APIKey   string
	AppKey   string
	Username string
	Password string
	// Now returns the time (tests); default time.Now.
	Now func() time.Time
}

// HandlerFactory builds the handler of one dialect over a store. It may
// seed the store with opts.Seed generated users when it is empty.
type HandlerFactory func(st *Store, opts Options) http.Handler

var (
	regMu    sync.Mutex
	handlers = map[string]HandlerFactory{}
)

// RegisterDialect adds a dialect's server; each dialect file calls it from
// init.
func RegisterDialect(name string, f HandlerFactory) {
	regMu.Lock()
	defer regMu.Unlock()
	handlers[name] = f
}

// Dialects lists the dialects the sandbox serves.
func Dialects() []string {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]string, 0, len(handlers))
	for n := range handlers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
