package userapi

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/ratelimit"
)

// Profile is everything a dialect needs to build a client: the resolved
// profile after flags, environment and config file were applied.
type Profile struct {
	Name string
	API  string
	URL  string
	Site string
	// Token is the bearer token (rest) or API key (udata).
	Token    string
	APIKey   string
	AppKey   string
	Username string
	Password string
	CAFile   string
	// Options holds dialect-specific keys of the profile (rest's list_path,
	// items_key, pagination, ...), lower-cased.
	Options map[string]string
}

// Env is how a client reaches the network.
type Env struct {
	Timeout time.Duration
	// Debug receives the redacted HTTP log; nil disables it.
	Debug io.Writer
	// Transport replaces the default transport (tests).
	Transport http.RoundTripper
	// UserAgent is sent with every request.
	UserAgent string
	// MaxRetryWait bounds a single rate-limit wait (0: the client default).
	MaxRetryWait time.Duration
	// Limiter, when set, paces every request of the client and is told about
	// rate limiting, so that the workers of a bulk command slow down
	// together (a ratelimit.Adaptive).
	Limiter ratelimit.Limiter
}

// Dialect is a registered API dialect.
type Dialect struct {
	Name  string
	Title string
	// DefaultURL documents the URL used when the profile has none ("" means
	// a URL is required). New applies it itself: callers leave an empty
	// Profile.URL empty, since the dialect may derive its URL from other
	// settings (Datadog's site).
	DefaultURL string
	// Secrets names the profile's secret keys in the order profile add
	// --with-secrets reads them ("token"; "api_key","app_key"; "password").
	Secrets []string
	// New builds a backend for a profile.
	New func(p Profile, env Env) (Backend, error)
}

var (
	mu       sync.RWMutex
	dialects = map[string]Dialect{}
)

// Register makes a dialect available by name. It panics on a duplicate, like
// database/sql drivers.
func Register(d Dialect) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := dialects[d.Name]; dup {
		panic("userapi: dialect registered twice: " + d.Name)
	}
	dialects[d.Name] = d
}

// Lookup returns the dialect of that name.
func Lookup(name string) (Dialect, error) {
	mu.RLock()
	defer mu.RUnlock()
	d, ok := dialects[name]
	if !ok {
		return Dialect{}, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("unknown API dialect %q (known: %s)", name, strings.Join(namesLocked(), ", "))}
	}
	return d, nil
}

// Names lists the registered dialects, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	return namesLocked()
}

func namesLocked() []string {
	out := make([]string, 0, len(dialects))
	for n := range dialects {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
