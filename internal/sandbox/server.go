package sandbox

import (
	"net/http"
	"sort"
	"sync"
	"time"
)

// Options configure a sandbox server.
type Options struct {
	// API is the dialect to speak, one of Dialects() ("" is rest).
	API string
	// Seed adds this many generated users to an empty store.
	Seed int
	// RateLimit is requests per second before 429 (0: none).
	RateLimit float64
	// Latency is added to every response.
	Latency time.Duration
	// FailRate is the fraction of requests answered 503 (0..1).
	FailRate float64
	// MaxPageSize caps the users of one list page below the dialect's own
	// maximum, silently as real APIs do (0: the dialect's maximum).
	MaxPageSize int
	// Credentials to require; empty ones accept any non-empty credential of
	// the dialect's kind (missing credentials are always 401).
	Token    string
	APIKey   string
	AppKey   string
	Username string
	Password string
	// Clock replaces time.Now for the rate limiter (tests); nil is time.Now.
	Clock func() time.Time
}

// PageCap returns size capped by MaxPageSize: each dialect's server calls it
// on the page size of its listings.
func (o Options) PageCap(size int) int {
	if o.MaxPageSize > 0 {
		return min(size, o.MaxPageSize)
	}
	return size
}

// Dialect is one API the sandbox can speak.
type Dialect struct {
	Name string
	// BasePath is where the API lives on the server ("/v1", "/api/1", "");
	// the URL a client should use is the server's root plus BasePath.
	BasePath string
	// New builds the handler over a store. It serves full request paths
	// (BasePath included) and checks the dialect's credentials itself.
	New func(st *Store, opts Options) http.Handler
	// ErrorBody renders an error in the dialect's own shape (used by the
	// shared rate-limit and fault-injection middleware).
	ErrorBody func(status int, msg string) (contentType string, body []byte)
	// Seed adds n generated users to the store, quickly (a million in
	// seconds): IDs, usernames and emails in the dialect's formats.
	Seed func(st *Store, n int)
	// Demo, optional, adds the handful of plausible users the built-in
	// sandbox starts with. Without it the built-in sandbox seeds 6 users
	// with Seed and gives them plausible names.
	Demo func(st *Store)
	// Credentials names the Options a client must match exactly for the
	// server to check its credentials ("token"; "api-key", "app-key";
	// "username", "password"), as the flags of `sandbox serve` spell them.
	// A server on a non-loopback address requires all of them.
	Credentials []string
}

var (
	regMu    sync.Mutex
	dialects = map[string]Dialect{}
)

// RegisterDialect adds a dialect's server; each dialect's package
// (internal/sandbox/NAME) calls it from init, and internal/dialects imports
// them all.
func RegisterDialect(d Dialect) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := dialects[d.Name]; dup {
		panic("sandbox: dialect registered twice: " + d.Name)
	}
	dialects[d.Name] = d
}

// LookupDialect returns the registered dialect of that name.
func LookupDialect(name string) (Dialect, bool) {
	regMu.Lock()
	defer regMu.Unlock()
	d, ok := dialects[name]
	return d, ok
}

// Dialects lists the dialects the sandbox serves.
func Dialects() []string {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]string, 0, len(dialects))
	for n := range dialects {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
