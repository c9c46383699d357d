package sandbox

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// InProcessHost is the host of the built-in sandbox's URLs. It is under
// .invalid, so a request that escaped to a real transport could never
// resolve.
const InProcessHost = "sandbox.userctl.invalid"

// DemoCount is the number of users the built-in sandbox starts with when a
// dialect has no Demo.
const DemoCount = 6

// DemoPerson is one of the plausible users of the built-in sandbox.
type DemoPerson struct{ First, Last, Role string }

// DemoPeople are the plausible users of the built-in sandbox: a dialect's
// Demo may add them, and dialects without one get their names.
var DemoPeople = []DemoPerson{
	{"Ada", "Lovelace", "admin"},
	{"Alan", "Turing", "user"},
	{"Grace", "Hopper", "admin"},
	{"Linus", "Torvalds", "user"},
	{"Margaret", "Hamilton", "user"},
	{"Ken", "Thompson", "user"},
}

// DefaultStatePath returns where the built-in sandbox of api keeps its
// users: $XDG_DATA_HOME/userctl/sandbox-API.json, by default under
// ~/.local/share (the file is JSON Lines; see State).
func DefaultStatePath(api string) string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".local", "share")
		} else {
			dir = os.TempDir()
		}
	}
	return filepath.Join(dir, "userctl", "sandbox-"+api+".json")
}

// InProcess starts the built-in sandbox of api for one CLI invocation: a
// RoundTripper serving the dialect's handler in this process (no socket),
// over the state file at statePath (DefaultStatePath(api) when empty),
// seeded with a few demo users when the file does not exist yet. Clients
// use baseURL (http://sandbox.userctl.invalid plus the dialect's BasePath)
// with any non-empty credentials. Every request reads the file's latest
// state and writes its changes before it completes, under a file lock, so
// concurrent invocations share one consistent sandbox. closeFn releases
// the state file; call it once when done.
func InProcess(api, statePath string) (rt http.RoundTripper, baseURL string, closeFn func() error, err error) {
	d, ok := LookupDialect(api)
	if !ok {
		return nil, "", nil, fmt.Errorf("sandbox: unknown API %q (known: %s)", api, strings.Join(Dialects(), ", "))
	}
	if statePath == "" {
		statePath = DefaultStatePath(api)
	}
	state, err := OpenState(statePath, api)
	if err != nil {
		return nil, "", nil, err
	}
	if err := state.SeedIfNew(func(st *Store) { seedDemo(d, st) }); err != nil {
		_ = state.Close()
		return nil, "", nil, err
	}
	h, err := NewHandler(Options{API: api}, state.Store())
	if err != nil {
		_ = state.Close()
		return nil, "", nil, err
	}
	return Transport(state.Handler(h)), "http://" + InProcessHost + d.BasePath, state.Close, nil
}

// seedDemo adds the built-in sandbox's first users: the dialect's Demo, or
// DemoCount generated users renamed after DemoPeople.
func seedDemo(d Dialect, st *Store) {
	if d.Demo != nil {
		d.Demo(st)
		return
	}
	if d.Seed == nil {
		return
	}
	d.Seed(st, DemoCount)
	recs, _ := st.Page(nil, 0, DemoCount)
	for i := range recs {
		p := DemoPeople[i%len(DemoPeople)]
		_, _ = st.Update(recs[i].ID, func(r *Record) error {
			r.Name, r.FirstName, r.LastName = p.First+" "+p.Last, p.First, p.Last
			return nil
		})
	}
}
