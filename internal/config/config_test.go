package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "github.com/userctl/userctl/internal/dialects" // the real declarations
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/secret"
	"github.com/userctl/userctl/internal/userapi/datadog"
)

// env is a fake environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func writeFile(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustLoad(t *testing.T, path string) *Config {
	t.Helper()
	c, _, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func wantKind(t *testing.T, err error, k errkind.Kind, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", k)
	}
	if got := errkind.Of(err); got != k {
		t.Fatalf("error %q: kind %v, want %v", err, got, k)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	cases := []struct {
		env  env
		want string
	}{
		{env{"USERCTL_CONFIG": "/x/c.yaml", "XDG_CONFIG_HOME": "/xdg", "HOME": "/h"}, "/x/c.yaml"},
		{env{"XDG_CONFIG_HOME": "/xdg", "HOME": "/h"}, "/xdg/userctl/config.yaml"},
		{env{"XDG_CONFIG_HOME": "relative", "HOME": "/h"}, "/h/.config/userctl/config.yaml"},
		{env{"HOME": "/h"}, "/h/.config/userctl/config.yaml"},
	}
	for _, c := range cases {
		if got := DefaultPath(c.env.get); got != filepath.FromSlash(c.want) {
			t.Errorf("DefaultPath(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}

func TestEnvNeverWrittenBack(t *testing.T) {
	p := writeFile(t, "current_profile: crm\nprofiles:\n  crm: {api: rest, url: https://file.example.com, token: filetoken}\n")
	c := mustLoad(t, p)
	e := env{"USERCTL_PROFILE": "crm", "USERCTL_URL": "https://env.example.com", "USERCTL_TOKEN": "envtoken",
		"USERCTL_OUTPUT": "yaml", "USERCTL_USERNAME": "envuser"}
	res, err := Resolve(c, ResolveInput{Getenv: e.get})
	if err != nil || res.Profile.URL != "https://env.example.com" || res.Profile.Secrets["token"] != "envtoken" {
		t.Fatalf("Resolve = %+v, %v", res, err)
	}
	if err := c.Use("crm"); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	for _, s := range []string{"env.example.com", "envtoken", "yaml", "envuser"} {
		if strings.Contains(string(data), s) {
			t.Errorf("saved file contains env value %q:\n%s", s, data)
		}
	}
}

func TestSetValidation(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), "c.yaml"))
	cases := []struct {
		e    Entry
		want string
	}{
		{Entry{}, "api is required"},
		{Entry{API: "soap"}, `unknown API dialect "soap"`},
		{Entry{API: "datadog", Values: map[string]string{"site": "datadoghq.moon"}}, `unknown Datadog site "datadoghq.moon"`},
		{Entry{API: "rest", Values: map[string]string{"site": "datadoghq.eu"}}, `unknown key "site" for the rest API`},
		{Entry{API: "rest", URL: "api.example.com"}, "invalid url"},
		{Entry{API: "rest", URL: "ftp://x"}, "invalid url"},
		{Entry{API: "rest", Values: map[string]string{"token": "x"}}, "profile field"},
		{Entry{API: "rest", Values: map[string]string{"List_Path": "x"}}, "lower-case"},
	}
	for _, tc := range cases {
		wantKind(t, c.Set("p", tc.e), errkind.Usage, tc.want)
	}
	for _, site := range datadog.Sites {
		if err := c.Set("dd", Entry{API: "datadog", Values: map[string]string{"site": site}}); err != nil {
			t.Errorf("site %s: %v", site, err)
		}
	}
}

func TestUseRemoveAndCurrent(t *testing.T) {
	p := writeFile(t, "current_profile: a\nprofiles:\n  a: {api: rest}\n  b: {api: udata}\n")
	c := mustLoad(t, p)
	wantKind(t, c.Use("zzz"), errkind.Usage, `profile "zzz" not found`, "a, b, sandbox")
	if err := c.Use("b"); err != nil || c.Current() != "b" {
		t.Fatalf("Use(b): %v, current %q", err, c.Current())
	}
	wantKind(t, c.Remove(Sandbox, nil), errkind.Usage, "built in")
	wantKind(t, c.Remove("zzz", nil), errkind.Usage, "not found")
	if err := c.Remove("b", nil); err != nil {
		t.Fatal(err)
	}
	if c.Current() != Sandbox || !reflect.DeepEqual(c.Names(), []string{"a", Sandbox}) {
		t.Fatalf("after remove: current %q names %v", c.Current(), c.Names())
	}
	if err := c.Use(Sandbox); err != nil {
		t.Fatal(err)
	}
}

func TestSetSecretKeyringAndFallback(t *testing.T) {
	p := filepath.Join(t.TempDir(), "userctl", "config.yaml")
	c := mustLoad(t, p)
	if err := c.Set("crm", Entry{API: "rest", URL: "https://api.example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("svc", Entry{API: "basic", URL: "https://svc.example.com", Values: map[string]string{"username": "admin"}}); err != nil {
		t.Fatal(err)
	}
	store := secret.NewMemory()
	where, err := c.SetSecret("crm", "token", "keyring-token-1234", store)
	if err != nil || where != WhereKeyring {
		t.Fatalf("SetSecret = %q, %v", where, err)
	}
	// No keyring on this machine: the password goes to the 0600 file.
	where, err = c.SetSecret("svc", "password", "file-password-5678", &secret.Memory{Unavailable: true})
	if err != nil || where != "config file "+p+" (mode 0600)" {
		t.Fatalf("SetSecret fallback = %q, %v", where, err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	if strings.Contains(string(data), "keyring-token-1234") || !strings.Contains(string(data), "token_source: keyring") ||
		!strings.Contains(string(data), "password: file-password-5678") {
		t.Fatalf("file:\n%s", data)
	}

	c = mustLoad(t, p)
	r, err := Resolve(c, ResolveInput{Profile: "crm", Getenv: env{}.get, Secrets: store})
	if err != nil || r.Profile.Secrets["token"] != "keyring-token-1234" || r.Sources["token"] != "keyring" {
		t.Fatalf("resolved %+v, %v", r, err)
	}
	// The environment wins without touching the keyring.
	r, err = Resolve(c, ResolveInput{Profile: "crm", Getenv: env{"USERCTL_TOKEN": "e"}.get, Secrets: &secret.Memory{Unavailable: true}})
	if err != nil || r.Profile.Secrets["token"] != "e" {
		t.Fatalf("resolved %+v, %v", r, err)
	}
	// Keyring unreadable or entry gone: a clear auth error.
	_, err = Resolve(c, ResolveInput{Profile: "crm", Getenv: env{}.get, Secrets: &secret.Memory{Unavailable: true}})
	wantKind(t, err, errkind.Auth, `profile "crm"`, "keyring", "USERCTL_TOKEN")
	_, err = Resolve(c, ResolveInput{Profile: "crm", Getenv: env{}.get, Secrets: secret.NewMemory()})
	wantKind(t, err, errkind.Auth, "not found in the OS keyring", `"crm/token"`)
	// Other profiles never read the keyring.
	if _, err := Resolve(c, ResolveInput{Profile: "svc", Getenv: env{}.get, Secrets: &secret.Memory{Unavailable: true}}); err != nil {
		t.Fatal(err)
	}

	// Removing the profile deletes its keyring entry.
	if err := c.Remove("crm", store); err != nil || store.Len() != 0 {
		t.Fatalf("Remove: %v, keyring holds %d", err, store.Len())
	}

	wantKind(t, func() error { _, err := c.SetSecret("svc", "nope", "x", store); return err }(), errkind.Usage, "not a secret field")
	wantKind(t, func() error { _, err := c.SetSecret("zzz", "token", "x", store); return err }(), errkind.Usage, "not found")
}

func TestSetSecretMovesBetweenPlaces(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), "c.yaml"))
	if err := c.Set("a", Entry{API: "rest", Secrets: map[string]*SecretRef{"token": {Env: "OLD"}}}); err != nil {
		t.Fatal(err)
	}
	store := secret.NewMemory()
	if _, err := c.SetSecret("a", "token", "v1-0123456789", store); err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Get("a"); !reflect.DeepEqual(*e.Secret("token"), SecretRef{Keyring: true}) {
		t.Fatalf("token ref %+v", e.Secrets["token"])
	}
	// Keyring gone now: the file takes the new value and the old entry is dropped.
	if _, err := c.SetSecret("a", "token", "v2-0123456789", nil); err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Get("a"); !reflect.DeepEqual(*e.Secret("token"), SecretRef{Value: "v2-0123456789"}) {
		t.Fatalf("token ref %+v", e.Secrets["token"])
	}
	if _, err := c.SetSecret("a", "token", "", store); err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Get("a"); e.Secret("token").IsSet() {
		t.Fatalf("token ref %+v", e.Secrets["token"])
	}
}
