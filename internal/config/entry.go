package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
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
