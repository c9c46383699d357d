// Package cmdutil holds what every command shares: the lazily built
// Factory (streams, config, profile, backend, prompter, printers), the global
// flags, and small argument helpers. Commands see userapi.Backend and the
// output writers, never HTTP.
package cmdutil

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/userctl/userctl/internal/config"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/iostreams"
	"github.com/userctl/userctl/internal/prompt"
	"github.com/userctl/userctl/internal/secret"
	"github.com/userctl/userctl/internal/termsafe"
	"github.com/userctl/userctl/internal/userapi"
)

// BuildInfo is set by ldflags in main.
type BuildInfo struct {
	Version, Commit, Date string
}

// Factory builds what commands need, once, on first use.
type Factory struct {
	IO      *iostreams.IOStreams
	Getenv  func(string) string
	Globals *Globals
	Build   BuildInfo
	// Secrets is the OS keyring (or a fake in tests).
	Secrets secret.Store
	// Prompter returns the prompter (survey on a terminal, a fake in tests).
	Prompter func() prompt.Prompter
	// BackendOverride, when set, replaces backend construction (tests).
	BackendOverride func(env userapi.Env) (userapi.Backend, error)
	// CreatesConfig is set by the commands that may create the config file
	// (profile add): a file named by --config or USERCTL_CONFIG that does
	// not exist is then an empty config instead of an error.
	CreatesConfig bool

	cfgOnce  sync.Once
	cfg      *config.Config
	cfgErr   error
	resOnce  sync.Once
	resolved config.Resolved
	resErr   error
	closers  []func() error
	mu       sync.Mutex
	// dialectFlags are the dialect-specific flags given (DialectFlag).
	dialectFlags []string
}

// New returns the factory of a real process.
func New(build BuildInfo) *Factory {
	ios := iostreams.System()
	f := &Factory{IO: ios, Getenv: os.Getenv, Globals: &Globals{}, Build: build, Secrets: secret.Keyring()}
	f.Prompter = func() prompt.Prompter { return prompt.NewSurvey(ios) }
	return f
}

// CanPrompt reports whether prompts may be shown: stdin and stdout are
// terminals, --no-input / USERCTL_NO_INPUT are off and CI is unset.
func (f *Factory) CanPrompt() bool {
	if f.Globals.NoInput || truthy(f.Getenv("USERCTL_NO_INPUT")) {
		return false
	}
	return f.IO.CanPrompt()
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// ConfigPath is the config file in use.
func (f *Factory) ConfigPath() string {
	if f.Globals.Config != "" {
		return f.Globals.Config
	}
	return config.DefaultPath(f.Getenv)
}

// Config loads the config file once; its warnings go to stderr.
func (f *Factory) Config() (*config.Config, error) {
	f.cfgOnce.Do(func() {
		var warnings []string
		f.cfg, warnings, f.cfgErr = config.Load(f.ConfigPath())
		for _, w := range warnings {
			fmt.Fprintf(f.IO.ErrOut, "warning: %s\n", w)
		}
		if f.cfgErr == nil && !f.cfg.Exists() && !f.CreatesConfig {
			f.cfgErr = f.missingNamedConfig()
		}
	})
	return f.cfg, f.cfgErr
}

// missingNamedConfig is the error of a config file that the user named
// (--config, USERCTL_CONFIG) and that does not exist: a typo must not fall
// back to the sandbox. The default file may be missing.
func (f *Factory) missingNamedConfig() error {
	by := "--config"
	switch {
	case f.Globals.Config != "":
	case f.Getenv("USERCTL_CONFIG") != "":
		by = "USERCTL_CONFIG"
	default:
		return nil
	}
	return errkind.Errorf(errkind.Usage, "config file %s (named by %s) does not exist; `userctl profile add` creates it", f.ConfigPath(), by)
}

// Resolved is the profile in use after flags, environment and config.
func (f *Factory) Resolved() (config.Resolved, error) {
	f.resOnce.Do(func() {
		cfg, err := f.Config()
		if err != nil {
			f.resErr = err
			return
		}
		f.resolved, f.resErr = config.Resolve(cfg, config.ResolveInput{Profile: f.Globals.Profile, Getenv: f.Getenv, Secrets: f.Secrets})
	})
	return f.resolved, f.resErr
}

// Env is how backends reach the network for this invocation.
func (f *Factory) Env() userapi.Env {
	env := userapi.Env{Timeout: f.Globals.Timeout, UserAgent: "userctl/" + f.Build.Version, MaxRetryWait: f.Globals.MaxWait}
	if f.Globals.Debug || truthy(f.Getenv("USERCTL_DEBUG")) {
		env.Debug = termsafe.NewWriter(f.IO.ErrOut)
	}
	return env
}

// Backend builds the backend of the profile in use.
func (f *Factory) Backend() (userapi.Backend, error) {
	return f.BackendWith(f.Env())
}

// BackendWith builds the backend with a given network environment (bulk
// commands add a shared limiter).
func (f *Factory) BackendWith(env userapi.Env) (userapi.Backend, error) {
	if f.BackendOverride != nil {
		b, err := f.BackendOverride(env)
		if err != nil {
			return nil, err
		}
		if d, err := userapi.Lookup(b.Info().Name); err == nil {
			if err := f.checkDialectFlags(d); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	res, err := f.Resolved()
	if err != nil {
		return nil, err
	}
	p := res.Profile
	if res.Timeout > 0 && f.Globals.Timeout == 0 {
		env.Timeout = res.Timeout
	}
	if res.Sandbox && p.URL == "" {
		if err := f.startSandbox(&p, &env); err != nil {
			return nil, err
		}
	}
	d, err := userapi.Lookup(p.API)
	if err != nil {
		return nil, err
	}
	if err := f.checkDialectFlags(d); err != nil {
		return nil, err
	}
	// An empty URL is left to the dialect, which knows its default: Datadog
	// derives it from the profile's site (or DD_SITE), so filling in a
	// default here would send every site's keys to the US one.
	if err := f.promptMissingSecret(&p, d); err != nil {
		return nil, err
	}
	if err := res.UnsetEnvError(p); err != nil {
		return nil, err
	}
	return d.New(p, env)
}

// promptMissingSecret asks, when interactive, for the secrets the dialect
// wants asked at use (userapi.Setting.AskAtUse: basic's password) that
// resolved empty, once the profile's other required settings are there.
func (f *Factory) promptMissingSecret(p *userapi.Profile, d userapi.Dialect) error {
	for _, s := range d.Settings {
		if s.Required && !s.Secret && p.Values[s.Key] == "" {
			return nil // the dialect reports what is missing
		}
	}
	for _, s := range d.Settings {
		if !s.Secret || !s.AskAtUse || p.Secrets[s.Key] != "" || !f.CanPrompt() {
			continue
		}
		who := p.Name
		if u := p.Values["username"]; u != "" {
			who = u + "@" + p.Name
		}
		v, err := f.Prompter().Password(fmt.Sprintf("%s for %s:", s.Prompt, who))
		if err != nil {
			return err
		}
		if p.Secrets == nil {
			p.Secrets = map[string]string{}
		}
		p.Secrets[s.Key] = v
	}
	return nil
}

func (f *Factory) addCloser(fn func() error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closers = append(f.closers, fn)
}

// Close releases what the factory opened (the sandbox state).
func (f *Factory) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var first error
	for i := len(f.closers) - 1; i >= 0; i-- {
		if err := f.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	f.closers = nil
	return first
}
