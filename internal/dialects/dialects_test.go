package dialects_test

import (
	"testing"

	_ "github.com/userctl/userctl/internal/dialects"
	"github.com/userctl/userctl/internal/userapi"
)

// dummyProfile fills every declared setting of d with a valid value, for a
// backend that is inspected and never used.
func dummyProfile(t *testing.T, d userapi.Dialect) userapi.Profile {
	t.Helper()
	p := userapi.Profile{Name: "t", API: d.Name, URL: "http://127.0.0.1:1", Values: map[string]string{}, Secrets: map[string]string{}}
	for _, s := range d.Settings {
		v := s.Default
		if v == "" && len(s.Values) > 0 {
			v = s.Values[0]
		}
		if v == "" {
			v = "x"
		}
		if err := s.Check(v); err != nil {
			t.Fatalf("%s: setting %s: its own default %q is invalid: %v", d.Name, s.Key, v, err)
		}
		if s.Secret {
			p.Secrets[s.Key] = v
		} else {
			p.Values[s.Key] = v
		}
	}
	return p
}

// The capabilities a dialect declares (which drive help and messages with
// no client built) are exactly the interfaces its backend implements.
func TestDeclaredCapabilitiesMatchTheBackend(t *testing.T) {
	ds := userapi.Dialects()
	if len(ds) < 4 {
		t.Fatalf("only %d dialects registered", len(ds))
	}
	for _, d := range ds {
		b, err := d.New(dummyProfile(t, d), userapi.Env{})
		if err != nil {
			t.Fatalf("%s: New with every setting filled: %v", d.Name, err)
		}
		if got := b.Info().Name; got != d.Name {
			t.Errorf("%s: backend Info().Name = %q", d.Name, got)
		}
		for _, c := range userapi.AllCapabilities {
			if declared, has := d.Has(c), userapi.Implements(b, c); declared != has {
				t.Errorf("%s: capability %s declared %v, implemented %v", d.Name, c, declared, has)
			}
		}
		for verb, c := range userapi.VerbCapability {
			if d.Supports(verb) != userapi.Implements(b, c) {
				t.Errorf("%s: verb %s", d.Name, verb)
			}
		}
	}
}

// Every declaration is usable: help for each setting, a prompt for each
// secret, environment variables in upper case, and a known flag name.
func TestSettingsAreDeclaredCompletely(t *testing.T) {
	known := map[string]bool{userapi.FlagNoMail: true, userapi.FlagDeleteComments: true, userapi.FlagBBox: true}
	for _, d := range userapi.Dialects() {
		if d.Title == "" {
			t.Errorf("%s: no title", d.Name)
		}
		for _, s := range d.Settings {
			if s.Help == "" {
				t.Errorf("%s: setting %s has no help", d.Name, s.Key)
			}
			if s.Secret && s.Prompt == "" {
				t.Errorf("%s: secret %s has no prompt", d.Name, s.Key)
			}
			for _, e := range s.Env {
				if e == "" || e != upper(e) {
					t.Errorf("%s: setting %s: env %q", d.Name, s.Key, e)
				}
			}
		}
		for _, fl := range d.Flags {
			if !known[fl] {
				t.Errorf("%s: unknown dialect flag %q", d.Name, fl)
			}
		}
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
