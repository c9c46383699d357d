package config

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/userctl/userctl/internal/secret"
)

// maskDots is what a masked secret starts with (or is, when short).
const maskDots = "••••"

// Mask hides a secret for display: at most its last 4 characters are shown
// ("••••abcd"), and only when it has at least 12; a shorter one is fully
// masked ("••••"), and "" stays "".
func Mask(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return ""
	case n < 12:
		return maskDots
	}
	r := []rune(s)
	return maskDots + string(r[n-4:])
}

// maskField masks the secret of a field: API tokens keep their last 4
// characters (to tell keys apart), passwords show nothing of themselves.
func maskField(field, v string) string {
	if field == "password" && v != "" {
		return maskDots
	}
	return Mask(v)
}

// ShowField is one line of `profile show`.
type ShowField struct {
	// Key is the profile key (api, url, token, list_path, ...).
	Key string
	// Value is the value, masked for secrets; "(unset)" for a secret whose
	// variable is unset or that the keyring does not hold, "(unavailable)"
	// when the keyring cannot be read.
	Value string
	// Secret is true for secret fields.
	Secret bool
	// Where says where a secret lives: "keyring", "config file (0600)" (the
	// file's actual mode), "env NAME (token_env)".
	Where string
}

// Show describes the named profile ("" for Current) as the file holds it
// (environment overrides are not applied: Resolve's Sources tell those),
// secrets masked. getenv (nil: no lookups) and store (nil: no keyring reads)
// serve to mask secrets kept in a variable or the keyring.
func (c *Config) Show(name string, getenv func(string) string, store secret.Store) ([]ShowField, error) {
	if name == "" {
		name = c.Current()
	}
	e, ok := c.Get(name)
	if !ok {
		return nil, c.notFound(name)
	}
	fields := []ShowField{{Key: "name", Value: name}, {Key: "api", Value: e.API}}
	plain := func(k, v string) {
		if v != "" {
			fields = append(fields, ShowField{Key: k, Value: v})
		}
	}
	if name == Sandbox {
		plain("url", "(built-in sandbox)")
	}
	plain("url", e.URL)
	settings, _ := dialectSettings(e.API)
	shown := map[string]bool{}
	for _, st := range settings {
		if st.Flag != "" && !st.Secret {
			plain(st.Key, e.Values[st.Key])
			shown[st.Key] = true
		}
	}
	plain("ca_file", e.CAFile)
	plain("output", e.Output)
	if e.Timeout > 0 {
		plain("timeout", e.Timeout.String())
	}
	for _, k := range sortedKeys(e.Values) {
		if !shown[k] {
			fields = append(fields, ShowField{Key: k, Value: e.Values[k]})
		}
	}
	mode := c.mode
	if mode == 0 {
		mode = 0o600
	}
	for _, st := range settings {
		f := st.Key
		if !st.Secret || e.Secrets[f] == nil || !e.Secrets[f].IsSet() {
			continue
		}
		ref := *e.Secrets[f]
		sf := ShowField{Key: f, Secret: true}
		switch {
		case ref.Env != "":
			sf.Where = fmt.Sprintf("env %s (%s_env)", ref.Env, f)
			sf.Value = "(unset)"
			if getenv != nil {
				if v := getenv(ref.Env); v != "" {
					sf.Value = maskField(f, v)
				}
			}
		case ref.Keyring:
			sf.Where = WhereKeyring
			sf.Value = maskDots
			if store != nil {
				v, err := store.Get(secret.Service, secret.Key(name, f))
				switch {
				case err == nil:
					sf.Value = maskField(f, v)
				case errors.Is(err, secret.ErrNotFound):
					sf.Value = "(unset)"
				default:
					sf.Value = "(unavailable)"
				}
			}
		default:
			sf.Where = fmt.Sprintf("config file (%04o)", mode)
			sf.Value = maskField(f, ref.Value)
		}
		fields = append(fields, sf)
	}
	return fields, nil
}
