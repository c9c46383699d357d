// Package cmdutil holds what every command shares: the lazily built
// Factory (streams, config, profile, backend, prompter, printers), the global
// flags, and small argument helpers. Commands see userapi.Backend and the
// output writers, never HTTP.
package cmdutil

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/userctl/userctl/internal/config"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/iostreams"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/prompt"
	"github.com/userctl/userctl/internal/sandbox"
	"github.com/userctl/userctl/internal/secret"
	"github.com/userctl/userctl/internal/termsafe"
	"github.com/userctl/userctl/internal/userapi"
)

// Globals are the persistent flags of the root command.
type Globals struct {
	Profile  string
	Config   string
	Output   string
	Fields   []string
	JQ       string
	Template string
	NoHeader bool
	NoInput  bool
	Debug    bool
	Timeout  time.Duration
	// MaxWait bounds rate-limit waits (--max-wait).
	MaxWait time.Duration
}

// DefaultMaxWait is the default of --max-wait.
const DefaultMaxWait = time.Minute

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
		rt, base, closeFn, err := sandbox.InProcess(p.API, sandbox.DefaultStatePath(p.API))
		if err != nil {
			return nil, fmt.Errorf("starting the built-in sandbox: %w", err)
		}
		f.addCloser(closeFn)
		p.URL = base
		env.Transport = rt
		if f.IO.IsStderrTTY() {
			fmt.Fprintf(f.IO.ErrOut, "Using the built-in sandbox (%s API, data in %s); run `userctl profile add` for a real API.\n",
				p.API, sandbox.DefaultStatePath(p.API))
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

// OutputFormat is the format in effect: -o, else USERCTL_OUTPUT, else the
// profile's output, else table.
func (f *Factory) OutputFormat() string {
	if f.Globals.Output != "" {
		return f.Globals.Output
	}
	if v := f.Getenv("USERCTL_OUTPUT"); v != "" {
		return v
	}
	if res, err := f.Resolved(); err == nil && res.Output != "" {
		return res.Output
	}
	return "table"
}

// OutputOptions are the rendering options of the global flags.
func (f *Factory) OutputOptions() output.Options {
	o := output.Options{
		Format:   f.OutputFormat(),
		Fields:   f.Globals.Fields,
		JQ:       f.Globals.JQ,
		Template: f.Globals.Template,
		NoHeader: f.Globals.NoHeader,
		Color:    f.IO.ColorEnabled(),
		Terminal: f.IO.IsStdoutTTY(),
	}
	if f.IO.IsStdoutTTY() {
		o.Width = f.IO.TerminalWidth()
	}
	return o
}

// Printer returns a writer for items of schema on stdout.
func (f *Factory) Printer(schema output.Schema, list bool) (output.Writer, error) {
	return output.NewWriter(f.IO.Out, f.OutputOptions(), schema, list)
}

// Notice writes a human message on stderr, as one line: control, bidi and
// zero-width characters (of server text in args) are shown escaped.
func (f *Factory) Notice(format string, args ...any) {
	fmt.Fprintln(f.IO.ErrOut, termsafe.String(fmt.Sprintf(format, args...)))
}

// WantsData reports whether the output format is machine-readable (then
// result objects go to stdout as data).
func (f *Factory) WantsData() bool {
	switch f.OutputFormat() {
	case "table", "wide":
		return f.Globals.JQ != "" || f.Globals.Template != "" || len(f.Globals.Fields) > 0
	}
	return true
}

// ReadSecretLine reads one line from stdin (for --password-stdin).
func ReadSecretLine(r io.Reader) (string, error) {
	lines, err := ReadLines(r, 1)
	if err != nil {
		return "", err
	}
	return lines[0], nil
}

// ReadLines reads n non-empty-terminated lines from r, trimming the line
// ends; fewer lines is a usage error.
func ReadLines(r io.Reader, n int) ([]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	raw := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var out []string
	for _, l := range raw {
		if len(out) == n {
			break
		}
		out = append(out, strings.TrimRight(l, "\r"))
	}
	if len(out) < n || out[n-1] == "" {
		return nil, errkind.Errorf(errkind.Usage, "expected %d line(s) on stdin, got %d", n, countNonEmpty(out))
	}
	return out, nil
}

func countNonEmpty(ls []string) int {
	n := 0
	for _, l := range ls {
		if l != "" {
			n++
		}
	}
	return n
}
