package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/secret"
	"github.com/userctl/userctl/internal/userapi"
)

// SandboxToken is the credential the built-in sandbox profile sends (the
// sandbox accepts any non-empty one) unless USERCTL_TOKEN gives another.
// It is scrubbed from server text like any secret, so it must not be a
// word such text holds ("sandbox" would be).
const SandboxToken = "userctl-sandbox-token"

// ResolveInput is what Resolve layers over the config file.
type ResolveInput struct {
	// Profile is the -p/--profile flag ("" when not given).
	Profile string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Secrets is the keyring, read only for the profile in use and only for
	// secrets it keeps there and that the environment does not override.
	// Nil makes such secrets an error.
	Secrets secret.Store
}

// Resolved is the profile a command uses, after flags, environment and the
// config file.
type Resolved struct {
	// Profile is what the dialect gets. URL is "" when the dialect's default
	// applies, or for the built-in sandbox when the caller starts it.
	Profile userapi.Profile
	// Output is USERCTL_OUTPUT, else the profile's output ("" for none).
	Output string
	// Timeout is the profile's timeout (0 for none).
	Timeout time.Duration
	// Sandbox is true for the built-in sandbox profile.
	Sandbox bool
	// Sources says where each value came from, for `profile show` and
	// `profile check`: keys "profile", "api", "url", "output", "timeout"
	// and the dialect's setting keys ("site", "token", "api_key", ...);
	// values such as "flag", "env USERCTL_TOKEN", "env DD_API_KEY",
	// "env NAME (token_env)", "keyring", "config file", "built-in sandbox",
	// "default". A key is absent when the value is empty.
	Sources map[string]string
	// UnsetEnv maps a secret setting to the variable its FIELD_env names when
	// that variable is not set (and nothing else gave the secret).
	UnsetEnv map[string]string
}

// UnsetEnvError is the error of a secret of p (the resolved profile, maybe
// completed since, e.g. by a prompt) still empty that the profile's
// FIELD_env says to take from a variable that is not set: it names that
// variable. Nil when no secret is missing that way.
func (r Resolved) UnsetEnvError(p userapi.Profile) error {
	for _, f := range sortedKeys(r.UnsetEnv) {
		if v := r.UnsetEnv[f]; v != "" && p.Secrets[f] == "" {
			return errkind.Errorf(errkind.Usage, "profile %q takes its %s from the environment variable %s (%s_env in the config file), which is not set",
				r.Profile.Name, f, v, f)
		}
	}
	return nil
}

// MissingSecrets lists the dialect's required secrets
// (userapi.Setting.Required) that resolved empty, e.g. ["api_key"]; nil when
// the dialect is unknown.
func (r Resolved) MissingSecrets() []string {
	d, err := userapi.Lookup(r.Profile.API)
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range d.NeededSecrets(r.Profile.Values) {
		if r.Profile.Secrets[s.Key] == "" {
			out = append(out, s.Key)
		}
	}
	return out
}

// Resolve picks the profile (-p > USERCTL_PROFILE > current_profile >
// sandbox) and layers the environment over it: USERCTL_URL, USERCTL_OUTPUT
// and the variables the dialect's settings declare (userapi.Setting.Env:
// USERCTL_TOKEN, USERCTL_API_KEY then DD_API_KEY, DD_SITE, ...), each
// setting's first set variable winning over the profile. A profile's own secrets are read from where they live
// (FIELD_env variable, keyring, file). A profile that does not exist, or a
// keyring secret that cannot be read, is an error.
func Resolve(cfg *Config, in ResolveInput) (Resolved, error) {
	if cfg == nil {
		cfg = New("")
	}
	getenv := in.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	src := map[string]string{}
	res := Resolved{Sources: src}

	name, from := in.Profile, "flag"
	switch {
	case name != "":
	case getenv("USERCTL_PROFILE") != "":
		name, from = getenv("USERCTL_PROFILE"), "env USERCTL_PROFILE"
	case cfg.current != "":
		name, from = cfg.current, "config file"
	default:
		name, from = Sandbox, "default"
	}
	if from != "config file" && from != "default" {
		if err := ValidateName(name); err != nil {
			return Resolved{}, err
		}
	}
	e, ok := cfg.Get(name)
	if !ok {
		hint := ""
		switch from {
		case "config file":
			hint = fmt.Sprintf(" (current_profile in %s; run `userctl profile use NAME`)", cfg.path)
		case "env USERCTL_PROFILE":
			hint = " (from USERCTL_PROFILE)"
		}
		return Resolved{}, errkind.Errorf(errkind.Usage, "profile %q not found%s; known profiles: %s", name, hint, strings.Join(cfg.Names(), ", "))
	}
	src["profile"] = from
	res.Sandbox = name == Sandbox
	fileSrc := "config file"
	if res.Sandbox {
		fileSrc = "built-in sandbox"
	}

	p := userapi.Profile{Name: name, API: e.API, Values: map[string]string{}, Secrets: map[string]string{}}
	src["api"] = fileSrc

	// layer sets *dst from the first non-empty of the environment variables,
	// else from the profile's value.
	layer := func(key string, dst *string, fileVal string, envs ...string) {
		for _, ev := range envs {
			if v := getenv(ev); v != "" {
				*dst, src[key] = v, "env "+ev
				return
			}
		}
		if fileVal != "" {
			*dst, src[key] = fileVal, fileSrc
		}
	}
	layer("url", &p.URL, e.URL, "USERCTL_URL")
	if p.URL == "" {
		src["url"] = "default"
		if res.Sandbox {
			src["url"] = "built-in sandbox"
		}
	}
	layer("output", &res.Output, e.Output, "USERCTL_OUTPUT")
	if e.Timeout > 0 {
		res.Timeout, src["timeout"] = e.Timeout, fileSrc
	}
	p.CAFile = e.CAFile
	if p.CAFile != "" {
		p.CAFile = expandPath(p.CAFile, filepath.Dir(cfg.path), getenv)
	}

	settings, _ := dialectSettings(e.API)
	for _, st := range settings {
		if !st.Secret {
			v := ""
			layer(st.Key, &v, e.Values[st.Key], st.Env...)
			if v != "" {
				p.Values[st.Key] = v
			}
			continue
		}
		v := ""
		layer(st.Key, &v, "", st.Env...)
		if v == "" {
			ref := SecretRef{}
			if r := e.Secrets[st.Key]; r != nil {
				ref = *r
			}
			var where string
			var err error
			v, where, err = readSecret(name, st, ref, getenv, in.Secrets)
			if err != nil {
				return Resolved{}, err
			}
			if v != "" {
				src[st.Key] = where
			}
		}
		if v != "" {
			p.Secrets[st.Key] = v
		} else if r := e.Secrets[st.Key]; r != nil && r.Env != "" {
			if res.UnsetEnv == nil {
				res.UnsetEnv = map[string]string{}
			}
			res.UnsetEnv[st.Key] = r.Env
		}
	}
	for k, v := range e.Values {
		if _, ok := p.Values[k]; !ok && v != "" {
			p.Values[k] = v // a key of a profile whose dialect is unknown
		}
	}
	if d, err := userapi.Lookup(e.API); err == nil && res.Sandbox {
		for _, st := range d.RequiredSecrets() {
			if p.Secrets[st.Key] == "" {
				p.Secrets[st.Key], src[st.Key] = SandboxToken, "built-in sandbox"
			}
		}
	}
	res.Profile = p
	return res, nil
}

// readSecret reads a profile's own secret from where its reference points.
func readSecret(profile string, st userapi.Setting, ref SecretRef, getenv func(string) string, store secret.Store) (value, where string, err error) {
	field := st.Key
	if ref.Env != "" {
		if v := getenv(ref.Env); v != "" {
			return v, fmt.Sprintf("env %s (%s_env)", ref.Env, field), nil
		}
	}
	if ref.Keyring {
		key := secret.Key(profile, field)
		if store == nil {
			return "", "", errkind.Errorf(errkind.Auth, "profile %q: %s is kept in the OS keyring, which is not available here; %s",
				profile, field, overrideHint(st))
		}
		v, err := store.Get(secret.Service, key)
		switch {
		case err == nil:
			return v, "keyring", nil
		case errors.Is(err, secret.ErrNotFound):
			return "", "", &errkind.Error{Kind: errkind.Auth, Err: err, Message: fmt.Sprintf(
				"profile %q: %s not found in the OS keyring (service %q, key %q); run `userctl profile add %s` again or %s",
				profile, field, secret.Service, key, profile, overrideHint(st))}
		default:
			return "", "", &errkind.Error{Kind: errkind.Auth, Err: err, Message: fmt.Sprintf(
				"profile %q: cannot read %s from the OS keyring: %v; %s", profile, field, err, overrideHint(st))}
		}
	}
	if ref.Value != "" {
		return ref.Value, "config file", nil
	}
	return "", "", nil
}

func overrideHint(st userapi.Setting) string {
	if len(st.Env) == 0 {
		return "store it again with `userctl profile add`"
	}
	return "set " + st.Env[0] + " instead"
}

// expandPath expands a leading "~/" and makes a relative path relative to
// base (the config file's directory).
func expandPath(p, base string, getenv func(string) string) string {
	if strings.HasPrefix(p, "~/") {
		if home := getenv("HOME"); home != "" {
			return filepath.Join(home, p[2:])
		}
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	if !filepath.IsAbs(p) && base != "" {
		return filepath.Join(base, p)
	}
	return p
}
