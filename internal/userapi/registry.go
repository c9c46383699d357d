package userapi

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/ratelimit"
)

// Profile is everything a dialect needs to build a client: the resolved
// profile after flags, environment and config file were applied. The keys
// every dialect shares are fields; the dialect's own settings (those its
// Dialect.Settings declare) are in Values and Secrets by key.
type Profile struct {
	Name string
	API  string
	URL  string
	// CAFile is a PEM file of extra CAs to trust.
	CAFile string
	// Values holds the dialect's non-secret settings by key (site,
	// username, list_path, ...); a key is absent or "" when unset.
	Values map[string]string
	// Secrets holds the dialect's secret settings by key (token, api_key,
	// app_key, password).
	Secrets map[string]string
}

// Value returns the setting key, secret or not ("" when unset).
func (p Profile) Value(key string) string {
	if v, ok := p.Secrets[key]; ok {
		return v
	}
	return p.Values[key]
}

// SecretValues lists the profile's non-empty secrets, for scrubbing them
// from anything shown.
func (p Profile) SecretValues() []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(p.Secrets)) {
		if v := p.Secrets[k]; v != "" {
			out = append(out, v)
		}
	}
	return out
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

// Setting declares one profile key of a dialect, like rclone's
// RegInfo.Options: config loading, `profile add/show/check`, environment
// precedence, completion and the generated docs are driven by it.
type Setting struct {
	// Key is the profile key, lower-case ("token", "site", "list_path").
	Key string
	// Help is one line for help text and docs.
	Help string
	// Secret keys are never taken from arguments, are masked when shown and
	// may live in the file, in a variable (KEY_env) or in the OS keyring
	// (KEY_source: keyring).
	Secret bool
	// Required: `profile add` asks for it (secrets in declaration order,
	// which is the order --with-secrets reads them; a non-secret through
	// its Flag), and `profile check` reports it when missing.
	Required bool
	// Env lists the environment variables that override the profile,
	// strongest first (USERCTL_API_KEY, then DD_API_KEY).
	Env []string
	// Default is the value used when the profile and environment have none
	// (documentation; the dialect applies it).
	Default string
	// Values lists the allowed values, for validation and completion (nil:
	// any value Validate accepts).
	Values []string
	// Validate checks a value from the file, a flag or --set; when set, it
	// replaces the check against Values. Its error is the whole message
	// (`unknown Datadog site "x" (valid: ...)`).
	Validate func(string) error
	// Flag is the `profile add` flag that sets it ("site"); "" for --set
	// KEY=VALUE only. Secrets have no flag.
	Flag string
	// Prompt is how a masked prompt asks for a secret ("Datadog API key").
	Prompt string
	// Locates: the value says where the API is when url is unset (Datadog's
	// site); `profile list` shows it in place of the URL.
	Locates bool
	// AskAtUse: when the secret resolves empty and prompts are possible,
	// it is asked for before the client is built (basic's password).
	AskAtUse bool
	// NeededWith, when set, tells whether a Required secret is needed by
	// a profile with these other values (rest's token is not with auth:
	// none); nil: always.
	NeededWith func(values map[string]string) bool
}

// Check validates a value of the setting; "" (unset) is always valid.
func (s Setting) Check(v string) error {
	switch {
	case v == "":
		return nil
	case s.Validate != nil:
		return s.Validate(v)
	case len(s.Values) > 0 && !slices.Contains(s.Values, v):
		return fmt.Errorf("%s %q is not one of %s", s.Key, v, strings.Join(s.Values, ", "))
	}
	return nil
}

// Dialect is a registered API dialect: what it is, the settings a profile of
// it holds, the optional verbs it can do, and how to build its backend.
type Dialect struct {
	Name  string
	Title string
	// DefaultURL documents the URL used when the profile has none ("" means
	// a URL is required). New applies it itself: callers leave an empty
	// Profile.URL empty, since the dialect may derive its URL from other
	// settings (Datadog's site).
	DefaultURL string
	// Settings are the profile keys of the dialect besides the shared ones
	// (api, url, ca_file, output, timeout).
	Settings []Setting
	// Capabilities are the optional capabilities its backend implements; a
	// test checks them against the interfaces of a built backend.
	Capabilities []Capability
	// Flags are the dialect-specific command flags it honours (FlagNoMail,
	// ...); such a flag given with another dialect is a usage error.
	Flags []string
	// New builds a backend for a profile.
	New func(p Profile, env Env) (Backend, error)
}

// Setting returns the declared setting of that key.
func (d Dialect) Setting(key string) (Setting, bool) {
	for _, s := range d.Settings {
		if s.Key == key {
			return s, true
		}
	}
	return Setting{}, false
}

// SecretKeys lists the keys of its secret settings, in declaration order.
func (d Dialect) SecretKeys() []string {
	var out []string
	for _, s := range d.Settings {
		if s.Secret {
			out = append(out, s.Key)
		}
	}
	return out
}

// RequiredSecrets lists the secrets `profile add` asks for, in the order
// --with-secrets reads them.
func (d Dialect) RequiredSecrets() []Setting {
	var out []Setting
	for _, s := range d.Settings {
		if s.Secret && s.Required {
			out = append(out, s)
		}
	}
	return out
}

// NeededSecrets lists the required secrets a profile with these values
// needs (RequiredSecrets less those whose NeededWith says no), in the
// order --with-secrets reads them.
func (d Dialect) NeededSecrets(values map[string]string) []Setting {
	out := d.RequiredSecrets()[:0:0]
	for _, s := range d.RequiredSecrets() {
		if s.NeededWith == nil || s.NeededWith(values) {
			out = append(out, s)
		}
	}
	return out
}

// Has reports whether the dialect declares capability c.
func (d Dialect) Has(c Capability) bool { return slices.Contains(d.Capabilities, c) }

// Supports reports whether the dialect can do a verb of `users` (by its
// command name: "update", "followers", "avatar").
func (d Dialect) Supports(verb string) bool {
	c, ok := VerbCapability[verb]
	return !ok || d.Has(c)
}

// Verbs lists what the dialect can do, for messages and help.
func (d Dialect) Verbs() []string { return verbsOf(d.Has) }

// HasFlag reports whether the dialect honours a dialect-specific flag.
func (d Dialect) HasFlag(name string) bool { return slices.Contains(d.Flags, name) }

// The dialect-specific flags of commands (Dialect.Flags).
const (
	FlagNoMail         = "no-mail"
	FlagDeleteComments = "delete-comments"
	FlagBBox           = "bbox"
)

var (
	mu       sync.RWMutex
	dialects = map[string]Dialect{}
)

// Register makes a dialect available by name. It panics on a duplicate or a
// malformed declaration, like database/sql drivers.
func Register(d Dialect) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := dialects[d.Name]; dup {
		panic("userapi: dialect registered twice: " + d.Name)
	}
	seen := map[string]bool{}
	for _, s := range d.Settings {
		switch {
		case s.Key == "" || s.Key != strings.ToLower(s.Key):
			panic("userapi: dialect " + d.Name + ": setting key must be lower-case: " + s.Key)
		case seen[s.Key] || IsSharedKey(s.Key) || strings.HasSuffix(s.Key, "_env") || strings.HasSuffix(s.Key, "_source"):
			panic("userapi: dialect " + d.Name + ": setting key reused or reserved: " + s.Key)
		case s.Secret && s.Flag != "":
			panic("userapi: dialect " + d.Name + ": secret setting with a flag: " + s.Key)
		}
		seen[s.Key] = true
	}
	dialects[d.Name] = d
}

// SharedKeys are the profile keys of every dialect.
var SharedKeys = []string{"api", "url", "ca_file", "output", "timeout"}

// IsSharedKey reports whether k is one of SharedKeys.
func IsSharedKey(k string) bool { return slices.Contains(SharedKeys, k) }

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

// Dialects lists the registered dialects, sorted by name.
func Dialects() []Dialect {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Dialect, 0, len(dialects))
	for _, n := range namesLocked() {
		out = append(out, dialects[n])
	}
	return out
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
