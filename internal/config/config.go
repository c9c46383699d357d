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
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

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
