// Package config reads and writes userctl's profiles and resolves the profile
// a command uses (flag > environment > profile > default).
//
// The file is YAML:
//
//	current_profile: prod
//	profiles:
//	  prod: {api: udata, url: https://www.data.gouv.fr/api/1, token_source: keyring}
//	  dd:   {api: datadog, site: datadoghq.eu, api_key_env: DD_PROD_API_KEY, app_key: "…"}
//	  crm:  {api: rest, url: https://api.example.com/v1, token: "…", list_path: /people}
//
// Besides the keys every profile shares (api, url, ca_file, output,
// timeout), a profile holds the settings its dialect declares
// (userapi.Dialect.Settings); any other key is an error with a did-you-mean.
// A secret setting (token, api_key, app_key, password) lives in one of three
// places, each written as its own key:
//
//   - FIELD: VALUE — in the file itself (mode 0600);
//   - FIELD_env: NAME — read from the environment variable NAME at run time;
//   - FIELD_source: keyring — in the OS keyring, service "userctl", key
//     "PROFILE/FIELD" (see package secret). The marker is a separate key so
//     that no real secret value can be mistaken for it.
//
// Keys are case-insensitive (viper lower-cases them), so profile names are
// restricted to lower-case.
//
// A Config holds only what the file holds: values from flags or the
// environment are applied by Resolve and never reach Save.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/sandbox"
	"github.com/userctl/userctl/internal/secret"
	"github.com/userctl/userctl/internal/userapi"
)

// Sandbox is the name of the built-in profile: the rest dialect served by the
// in-process sandbox. It exists without a config file and cannot be added,
// changed or removed.
const Sandbox = "sandbox"

// WhereKeyring is what SetSecret returns when the secret went to the OS
// keyring.
const WhereKeyring = "keyring"

// Top-level keys of the file.
const (
	keyCurrent  = "current_profile"
	keyProfiles = "profiles"
)

// The keys every profile shares (userapi.SharedKeys).
const (
	keyAPI     = "api"
	keyURL     = "url"
	keyCAFile  = "ca_file"
	keyOutput  = "output"
	keyTimeout = "timeout"
)

// The suffixes of the keys that say where a secret setting lives.
const (
	suffixEnv    = "_env"
	suffixSource = "_source"
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidateName checks a profile name: 1 to 63 lower-case letters, digits,
// "-" or "_", starting with a letter or digit. The error is a usage error.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) {
		return errkind.Errorf(errkind.Usage,
			"invalid profile name %q: use 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit", name)
	}
	return nil
}

// IsBuiltin reports whether name is the built-in sandbox profile.
func IsBuiltin(name string) bool { return name == Sandbox }

// SecretRef says where one secret of a profile lives. At most one of its
// fields is meant to be set; when several are (a hand-edited file), Resolve
// prefers Env (if that variable is set), then Keyring, then Value.
type SecretRef struct {
	// Value is the secret held in the config file.
	Value string
	// Env names the environment variable to read it from (FIELD_env).
	Env string
	// Keyring means it is in the OS keyring (FIELD_source: keyring).
	Keyring bool
}

// IsSet reports whether the reference points anywhere.
func (r SecretRef) IsSet() bool { return r.Value != "" || r.Env != "" || r.Keyring }

// Entry is one profile as the file holds it.
type Entry struct {
	// API is the dialect (userapi.Names).
	API string
	// URL is the API's base URL ("" for the dialect's default).
	URL string
	// CAFile is a PEM file of extra CAs; a relative path is relative to the
	// config file's directory once resolved.
	CAFile string
	// Output is the profile's default output format.
	Output string
	// Timeout is the profile's per-request timeout (0: the default).
	Timeout time.Duration

	// Values holds the dialect's non-secret settings by key (site,
	// username, list_path, ...), as strings.
	Values map[string]string
	// Secrets says where each secret setting lives, by key.
	Secrets map[string]*SecretRef
}

// Secret returns the reference of a secret setting, to read or change; it
// is added, unset, when the entry has none.
func (e *Entry) Secret(key string) *SecretRef {
	if e.Secrets == nil {
		e.Secrets = map[string]*SecretRef{}
	}
	if e.Secrets[key] == nil {
		e.Secrets[key] = &SecretRef{}
	}
	return e.Secrets[key]
}

// Config is the content of one config file. It is not safe for concurrent
// use.
type Config struct {
	path   string
	exists bool
	mode   fs.FileMode

	current  string
	profiles map[string]map[string]any
	// other holds top-level keys userctl does not know, kept on Save.
	other map[string]any
}

// DefaultPath is the config file when --config is not given: USERCTL_CONFIG,
// else $XDG_CONFIG_HOME/userctl/config.yaml, else
// ~/.config/userctl/config.yaml. getenv nil means os.Getenv.
func DefaultPath(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := getenv("USERCTL_CONFIG"); p != "" {
		return p
	}
	if x := getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "userctl", "config.yaml")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".config", "userctl", "config.yaml")
}

// New returns an empty config that Save writes to path.
func New(path string) *Config {
	return &Config{path: path, profiles: map[string]map[string]any{}, other: map[string]any{}}
}

// Load reads the config file at path. A missing file is an empty config. A
// malformed one is a usage error naming the file and line. The warnings are
// for stderr: a file readable by group or others, a profile named sandbox in
// the file (ignored).
func Load(path string) (*Config, []string, error) {
	c := New(path)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil, nil
	}
	if err != nil {
		return nil, nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("config %s: %v", path, unwrapPathErr(err)), Err: err}
	}
	var warnings []string
	if fi, err := os.Stat(path); err == nil {
		c.exists, c.mode = true, fi.Mode().Perm()
		if runtime.GOOS != "windows" && c.mode&0o077 != 0 {
			warnings = append(warnings, fmt.Sprintf("config file %s is readable by others (mode %04o); run: chmod 600 %s", path, c.mode, path))
		}
	}
	if err := checkStructure(path, data); err != nil {
		return nil, nil, err
	}

	// One viper instance per Config; "::" as the key delimiter keeps keys
	// that contain dots intact.
	v := viper.NewWithOptions(viper.KeyDelimiter("::"))
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("config %s: %v", path, err), Err: err}
	}
	c.current = v.GetString(keyCurrent)
	if ps, ok := v.Get(keyProfiles).(map[string]any); ok {
		for name, raw := range ps {
			m, _ := raw.(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			if name == Sandbox {
				warnings = append(warnings, fmt.Sprintf("config file %s: profile %q is ignored: sandbox is built in", path, name))
			} else if _, err := entryFromRaw(m); err != nil {
				return nil, nil, errkind.Errorf(errkind.Usage, "config %s: profile %q: %v", path, name, err)
			}
			c.profiles[name] = m
		}
	}
	for _, k := range v.AllKeys() {
		top, _, _ := strings.Cut(k, "::")
		if top != keyCurrent && top != keyProfiles {
			c.other[top] = v.Get(top)
		}
	}
	if c.current != "" && c.current != Sandbox {
		if _, ok := c.profiles[c.current]; !ok {
			warnings = append(warnings, fmt.Sprintf("config file %s: current_profile %q does not exist", path, c.current))
		}
	}
	return c, warnings, nil
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkStructure parses data with yaml.v3 to report syntax errors and a
// wrong shape with their line numbers, which viper's errors lack.
func checkStructure(path string, data []byte) error {
	fail := func(line int, format string, args ...any) error {
		return errkind.Errorf(errkind.Usage, "config %s: line %d: %s", path, line, fmt.Sprintf(format, args...))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return errkind.Errorf(errkind.Usage, "config %s: %s", path, syntaxMessage(data, err))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // empty file
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fail(root.Line, "the file must be a mapping with current_profile and profiles")
	}
	// Decoding into a map catches duplicate keys.
	var m map[string]any
	if err := doc.Decode(&m); err != nil {
		return errkind.Errorf(errkind.Usage, "config %s: %s", path, yamlMessage(err))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, val := root.Content[i], root.Content[i+1]
		switch strings.ToLower(k.Value) {
		case keyCurrent:
			if val.Kind != yaml.ScalarNode {
				return fail(val.Line, "current_profile must be a profile name")
			}
		case keyProfiles:
			if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
				continue
			}
			if val.Kind != yaml.MappingNode {
				return fail(val.Line, "profiles must be a mapping of profile names to profiles")
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				pk, pv := val.Content[j], val.Content[j+1]
				if err := ValidateName(pk.Value); err != nil {
					return fail(pk.Line, "%v", err)
				}
				if pv.Kind != yaml.MappingNode && !(pv.Kind == yaml.ScalarNode && pv.Tag == "!!null") {
					return fail(pv.Line, "profile %q must be a mapping of keys to values", pk.Value)
				}
				api := ""
				for n := 0; n+1 < len(pv.Content); n += 2 {
					if strings.ToLower(pv.Content[n].Value) == keyAPI {
						api = pv.Content[n+1].Value
					}
				}
				settings, strict := dialectSettings(api)
				for n := 0; n+1 < len(pv.Content); n += 2 {
					key, v := pv.Content[n], pv.Content[n+1]
					k := strings.ToLower(key.Value)
					if kind, st := classify(settings, k); strict && pk.Value != Sandbox {
						switch kind {
						case keyUnknown:
							return fail(key.Line, "profile %q: %v", pk.Value, unknownKeyError(api, k, settings))
						case keyValue:
							if err := st.Check(v.Value); v.Kind == yaml.ScalarNode && err != nil {
								return fail(v.Line, "profile %q: %v", pk.Value, err)
							}
						}
					}
					switch k {
					case "timeout":
						if _, err := time.ParseDuration(v.Value); v.Kind != yaml.ScalarNode || err != nil {
							return fail(v.Line, "profile %q: timeout %q is not a duration (e.g. 30s, 2m)", pk.Value, v.Value)
						}
					case "api":
						if known := userapi.Names(); len(known) > 0 && !slices.Contains(known, v.Value) {
							return fail(v.Line, "profile %q: unknown api %q (known: %s)", pk.Value, v.Value, strings.Join(known, ", "))
						}
					}
				}
			}
		}
	}
	return nil
}

// yamlMessage turns a yaml.v3 error into "line N: message".
// reYAMLLine is the "line N: " the YAML parser puts before its message.
var reYAMLLine = regexp.MustCompile(`^line (\d+): `)

// maxLinesToLocate bounds the files syntaxMessage re-parses line by line.
const maxLinesToLocate = 5000

// syntaxMessage is the parser's message of a syntax error with the line
// where the file stops being valid YAML. The parser names the line where
// the enclosing block starts (an indentation error on line 5 under
// "profiles:" is "line 2"), or none at all (a tab at the start): the first
// line whose prefix of the file fails with the same message is the one to
// fix.
func syntaxMessage(data []byte, err error) string {
	full := yamlMessage(err)
	problem := reYAMLLine.ReplaceAllString(full, "")
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) > maxLinesToLocate {
		return full
	}
	var prefix strings.Builder
	for i, l := range lines {
		prefix.WriteString(l)
		var n yaml.Node
		perr := yaml.Unmarshal([]byte(prefix.String()), &n)
		if perr != nil && reYAMLLine.ReplaceAllString(yamlMessage(perr), "") == problem {
			return fmt.Sprintf("line %d: %s", i+1, problem)
		}
	}
	return full
}

func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// Path is the file this config is read from and saved to.
func (c *Config) Path() string { return c.path }

// Exists reports whether the file existed when loaded (or has been saved).
func (c *Config) Exists() bool { return c.exists }

// Current is the file's current_profile, or Sandbox when it names none. It
// ignores -p and USERCTL_PROFILE; Resolve applies those.
func (c *Config) Current() string {
	if c.current == "" {
		return Sandbox
	}
	return c.current
}

// Names lists the profiles, sorted, the built-in sandbox included.
func (c *Config) Names() []string {
	out := []string{Sandbox}
	for n := range c.profiles {
		if n != Sandbox {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Get returns the named profile; for Sandbox, the built-in one.
func (c *Config) Get(name string) (Entry, bool) {
	if name == Sandbox {
		return Entry{API: sandbox.DefaultAPI, Values: map[string]string{}, Secrets: map[string]*SecretRef{}}, true
	}
	raw, ok := c.profiles[name]
	if !ok {
		return Entry{}, false
	}
	e, _ := entryFromRaw(raw) // validated by Load and Set
	return e, true
}

// Set adds or replaces the named profile after validating it (name, known
// API, URL, keys its dialect declares and their values). Keys of an existing
// profile that e no longer holds are dropped; setting values equal to the
// file's keep their original YAML type. Secrets are written as their
// SecretRef says: use SetSecret to put a secret in the keyring. Nothing is
// written until Save.
func (c *Config) Set(name string, e Entry) error {
	if name == Sandbox {
		return errkind.Errorf(errkind.Usage, "profile %q is built in; choose another name", Sandbox)
	}
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := validateEntry(e); err != nil {
		return errkind.Errorf(errkind.Usage, "profile %q: %v", name, err)
	}
	c.profiles[name] = entryToRaw(e, c.profiles[name])
	return nil
}

// Check validates the entry as Set would, as a usage error: known API, URL,
// timeout, and every key declared by the dialect with a valid value.
func (e Entry) Check() error {
	if err := validateEntry(e); err != nil {
		return errkind.Errorf(errkind.Usage, "%v", err)
	}
	return nil
}

func validateEntry(e Entry) error {
	if e.API == "" {
		return errors.New("api is required (one of: " + strings.Join(userapi.Names(), ", ") + ")")
	}
	if _, err := userapi.Lookup(e.API); err != nil {
		return err
	}
	if e.URL != "" {
		u, err := url.Parse(e.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("invalid url %q: want http(s)://host[/path]", e.URL)
		}
	}
	if e.Timeout < 0 {
		return fmt.Errorf("timeout must not be negative")
	}
	d, _ := userapi.Lookup(e.API)
	for _, k := range sortedKeys(e.Values) {
		if k != strings.ToLower(k) || k == "" {
			return fmt.Errorf("key %q must be lower-case", k)
		}
		switch kind, st := classify(d.Settings, k); kind {
		case keyValue:
			if err := st.Check(e.Values[k]); err != nil {
				return err
			}
		case keyUnknown:
			return unknownKeyError(e.API, k, d.Settings)
		case keySecret, keySecretEnv, keySecretSource:
			return fmt.Errorf("key %q is a secret profile field, never a plain value: use the prompt or --with-secrets", k)
		default:
			return fmt.Errorf("key %q is a profile field, not a dialect setting", k)
		}
	}
	for _, k := range sortedKeys(e.Secrets) {
		if kind, _ := classify(d.Settings, k); kind != keySecret {
			return fmt.Errorf("%q is not a secret field of the %s API (valid: %s)", k, e.API, strings.Join(d.SecretKeys(), ", "))
		}
	}
	return nil
}

// SetSecret stores one secret of an existing profile: in the keyring when
// store works (the file then says FIELD_source: keyring), else in the config
// file. It returns WhereKeyring, or "config file PATH (mode 0600)" when the
// keyring was unavailable or store is nil, so that the caller can say where
// the secret went. An empty value removes the secret. The keyring is written
// at once; the file only on Save.
func (c *Config) SetSecret(name, field, value string, store secret.Store) (where string, err error) {
	raw, ok := c.profiles[name]
	if !ok || name == Sandbox {
		return "", c.notFound(name)
	}
	e, _ := entryFromRaw(raw)
	if d, err := userapi.Lookup(e.API); err == nil && !slices.Contains(d.SecretKeys(), field) {
		return "", errkind.Errorf(errkind.Usage, "%q is not a secret field of the %s API (valid: %s)", field, e.API, strings.Join(d.SecretKeys(), ", "))
	}
	ref := e.Secret(field)
	wasKeyring := ref.Keyring
	*ref = SecretRef{}
	switch {
	case value == "":
	case store != nil && store.Set(secret.Service, secret.Key(name, field), value) == nil:
		ref.Keyring = true
		where = WhereKeyring
	default:
		ref.Value = value
		where = fmt.Sprintf("config file %s (mode 0600)", c.path)
	}
	if wasKeyring && !ref.Keyring && store != nil {
		_ = store.Delete(secret.Service, secret.Key(name, field)) // best effort
	}
	c.profiles[name] = entryToRaw(e, raw)
	return where, nil
}

// Remove deletes the named profile and, best effort, its secrets in the
// keyring (store may be nil). If it was the current profile, the current
// profile falls back to the sandbox. Nothing is written until Save.
func (c *Config) Remove(name string, store secret.Store) error {
	if name == Sandbox {
		return errkind.Errorf(errkind.Usage, "profile %q is built in and cannot be removed", Sandbox)
	}
	raw, ok := c.profiles[name]
	if !ok {
		return c.notFound(name)
	}
	if store != nil {
		e, _ := entryFromRaw(raw)
		for _, f := range sortedKeys(e.Secrets) {
			if e.Secrets[f].Keyring {
				_ = store.Delete(secret.Service, secret.Key(name, f)) // best effort
			}
		}
	}
	delete(c.profiles, name)
	if c.current == name {
		c.current = ""
	}
	return nil
}

// Use makes name the current profile. Nothing is written until Save.
func (c *Config) Use(name string) error {
	if _, ok := c.Get(name); !ok {
		return c.notFound(name)
	}
	c.current = name
	return nil
}

func (c *Config) notFound(name string) error {
	return errkind.Errorf(errkind.Usage, "profile %q not found (known: %s)", name, strings.Join(c.Names(), ", "))
}

// Save writes the file atomically (a temporary file in the same directory,
// synced, then renamed over it) with mode 0600, creating its directory with
// mode 0700. Other profiles, unknown keys and the other top-level keys are
// kept; comments and key order are not.
func (c *Config) Save() error {
	data, err := c.marshal()
	if err != nil {
		return fmt.Errorf("config %s: encoding: %w", c.path, err)
	}
	if err := writeAtomic(c.path, data); err != nil {
		return err
	}
	c.exists, c.mode = true, 0o600
	return nil
}

// entryFromRaw converts a profile's map (lower-cased keys) to an Entry. A
// key the profile's dialect does not declare is an error.
func entryFromRaw(raw map[string]any) (Entry, error) {
	e := Entry{Values: map[string]string{}, Secrets: map[string]*SecretRef{}}
	str := func(k string) string {
		v, ok := raw[k]
		if !ok || v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	e.API, e.URL, e.CAFile, e.Output = str(keyAPI), str(keyURL), str(keyCAFile), str(keyOutput)
	switch t := raw[keyTimeout].(type) {
	case nil:
	case int:
		e.Timeout = time.Duration(t) * time.Second
	case string:
		d, err := time.ParseDuration(t)
		if err != nil || d < 0 {
			return Entry{}, fmt.Errorf("timeout: invalid duration %q (e.g. 30s, 2m)", t)
		}
		e.Timeout = d
	default:
		return Entry{}, fmt.Errorf("timeout: invalid duration %v (e.g. 30s, 2m)", t)
	}
	settings, strict := dialectSettings(e.API)
	for _, k := range sortedKeys(raw) {
		kind, st := classify(settings, k)
		switch kind {
		case keyShared:
		case keyValue:
			if err := st.Check(str(k)); err != nil {
				return Entry{}, err
			}
			e.Values[k] = str(k)
		case keySecret:
			e.Secret(st.Key).Value = str(k)
		case keySecretEnv:
			e.Secret(st.Key).Env = str(k)
		case keySecretSource:
			switch src := strings.ToLower(str(k)); src {
			case "":
			case "keyring":
				e.Secret(st.Key).Keyring = true
			default:
				return Entry{}, fmt.Errorf("%s: unknown source %q (valid: keyring)", k, src)
			}
		default:
			if strict {
				return Entry{}, unknownKeyError(e.API, k, settings)
			}
			e.Values[k] = str(k)
		}
	}
	for k, ref := range e.Secrets {
		if !ref.IsSet() {
			delete(e.Secrets, k)
		}
	}
	return e, nil
}

// entryToRaw converts e to a profile map; old, the profile's previous map,
// supplies the original YAML values of unchanged options and timeout.
func entryToRaw(e Entry, old map[string]any) map[string]any {
	raw := map[string]any{}
	put := func(k, v string) {
		if v != "" {
			raw[k] = v
		}
	}
	put(keyAPI, e.API)
	put(keyURL, e.URL)
	put(keyCAFile, e.CAFile)
	put(keyOutput, e.Output)
	if e.Timeout > 0 {
		raw[keyTimeout] = e.Timeout.String()
		if prev, err := entryFromRaw(map[string]any{keyTimeout: old[keyTimeout]}); err == nil && prev.Timeout == e.Timeout {
			raw[keyTimeout] = old[keyTimeout]
		}
	}
	for f, ref := range e.Secrets {
		if ref == nil {
			continue
		}
		put(f, ref.Value)
		put(f+suffixEnv, ref.Env)
		if ref.Keyring {
			raw[f+suffixSource] = "keyring"
		}
	}
	for k, v := range e.Values {
		if ov, ok := old[k]; ok && (ov == nil && v == "" || ov != nil && fmt.Sprint(ov) == v) {
			raw[k] = ov
		} else {
			raw[k] = v
		}
	}
	return raw
}
