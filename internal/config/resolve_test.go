package config

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/secret"
)

const precedenceFile = `current_profile: cur
profiles:
  cur: {api: rest, url: https://cur.example.com, token: curtoken, output: yaml}
  other: {api: rest, url: https://other.example.com, token: othertoken}
  envp: {api: rest, url: https://envp.example.com}
  dd: {api: datadog, site: us3.datadoghq.com, api_key: file-api, app_key: file-app}
  svc: {api: basic, url: https://svc.example.com, username: fileuser, password: filepw, timeout: 5s}
  up: {api: udata, token: file-udata-key, ca_file: ca.pem}
`

// TestResolvePrecedence checks flag > environment > profile > default for
// every key.
func TestResolvePrecedence(t *testing.T) {
	p := writeFile(t, precedenceFile)
	c := mustLoad(t, p)
	type want struct {
		field, value, source string
	}
	get := func(r Resolved, field string) string {
		switch field {
		case "profile":
			return r.Profile.Name
		case "url":
			return r.Profile.URL
		case "site":
			return r.Profile.Values["site"]
		case "token":
			return r.Profile.Secrets["token"]
		case "api_key":
			return r.Profile.Secrets["api_key"]
		case "app_key":
			return r.Profile.Secrets["app_key"]
		case "username":
			return r.Profile.Values["username"]
		case "password":
			return r.Profile.Secrets["password"]
		case "output":
			return r.Output
		case "timeout":
			return r.Timeout.String()
		}
		t.Fatalf("unknown field %s", field)
		return ""
	}
	cases := []struct {
		name string
		flag string
		env  env
		want []want
	}{
		{"current profile from file", "", env{}, []want{
			{"profile", "cur", "config file"}, {"url", "https://cur.example.com", "config file"},
			{"token", "curtoken", "config file"}, {"output", "yaml", "config file"}}},
		{"env profile beats file", "", env{"USERCTL_PROFILE": "envp"}, []want{
			{"profile", "envp", "env USERCTL_PROFILE"}, {"url", "https://envp.example.com", "config file"}, {"token", "", ""}}},
		{"flag beats env", "other", env{"USERCTL_PROFILE": "envp"}, []want{
			{"profile", "other", "flag"}, {"token", "othertoken", "config file"}}},
		{"env values beat profile", "", env{"USERCTL_URL": "http://127.0.0.1:9", "USERCTL_TOKEN": "envtoken", "USERCTL_OUTPUT": "json"}, []want{
			{"url", "http://127.0.0.1:9", "env USERCTL_URL"}, {"token", "envtoken", "env USERCTL_TOKEN"}, {"output", "json", "env USERCTL_OUTPUT"}}},
		{"basic", "svc", env{}, []want{
			{"username", "fileuser", "config file"}, {"password", "filepw", "config file"}, {"timeout", "5s", "config file"}}},
		{"basic env", "svc", env{"USERCTL_USERNAME": "u2", "USERCTL_PASSWORD": "p2"}, []want{
			{"username", "u2", "env USERCTL_USERNAME"}, {"password", "p2", "env USERCTL_PASSWORD"}}},
		{"datadog file", "dd", env{}, []want{
			{"site", "us3.datadoghq.com", "config file"}, {"api_key", "file-api", "config file"}, {"app_key", "file-app", "config file"},
			{"url", "", "default"}}},
		{"datadog DD_*", "dd", env{"DD_API_KEY": "dd-api", "DD_APP_KEY": "dd-app", "DD_SITE": "datadoghq.eu"}, []want{
			{"site", "datadoghq.eu", "env DD_SITE"}, {"api_key", "dd-api", "env DD_API_KEY"}, {"app_key", "dd-app", "env DD_APP_KEY"}}},
		{"datadog USERCTL_* beats DD_*", "dd", env{"DD_API_KEY": "dd-api", "USERCTL_API_KEY": "u-api", "DD_APP_KEY": "dd-app", "USERCTL_APP_KEY": "u-app"}, []want{
			{"api_key", "u-api", "env USERCTL_API_KEY"}, {"app_key", "u-app", "env USERCTL_APP_KEY"}}},
		{"DD_APPLICATION_KEY", "dd", env{"DD_APPLICATION_KEY": "dd-app2"}, []want{
			{"app_key", "dd-app2", "env DD_APPLICATION_KEY"}}},
		{"DD_* ignored for rest", "other", env{"DD_API_KEY": "dd-api", "DD_APP_KEY": "dd-app", "DD_SITE": "datadoghq.eu"}, []want{
			{"api_key", "", ""}, {"app_key", "", ""}, {"site", "", ""}, {"token", "othertoken", "config file"}}},
		{"udata token is the API key", "up", env{"USERCTL_TOKEN": "k"}, []want{{"token", "k", "env USERCTL_TOKEN"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Resolve(c, ResolveInput{Profile: tc.flag, Getenv: tc.env.get})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if got := get(r, w.field); got != w.value {
					t.Errorf("%s = %q, want %q", w.field, got, w.value)
				}
				if got := r.Sources[w.field]; got != w.source {
					t.Errorf("source of %s = %q, want %q", w.field, got, w.source)
				}
			}
		})
	}
	t.Run("ca_file relative to the config dir", func(t *testing.T) {
		r, err := Resolve(c, ResolveInput{Profile: "up", Getenv: env{}.get})
		if err != nil || r.Profile.CAFile != filepath.Join(filepath.Dir(p), "ca.pem") {
			t.Fatalf("CAFile %q, %v", r.Profile.CAFile, err)
		}
	})
}

func TestResolveDefaultsToSandbox(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), "none.yaml"))
	r, err := Resolve(c, ResolveInput{Getenv: env{}.get})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Sandbox || r.Profile.Name != Sandbox || r.Profile.API != "rest" || r.Profile.URL != "" ||
		r.Profile.Secrets["token"] != SandboxToken || r.Sources["profile"] != "default" || r.Sources["url"] != "built-in sandbox" {
		t.Fatalf("resolved %+v", r)
	}
	// USERCTL_URL points the sandbox profile at a running `sandbox serve`.
	r, err = Resolve(c, ResolveInput{Getenv: env{"USERCTL_URL": "http://127.0.0.1:1234", "USERCTL_TOKEN": "t"}.get})
	if err != nil || !r.Sandbox || r.Profile.URL != "http://127.0.0.1:1234" || r.Profile.Secrets["token"] != "t" {
		t.Fatalf("resolved %+v, %v", r, err)
	}
	if got := r.MissingSecrets(); len(got) != 0 {
		t.Fatalf("missing %v", got)
	}
}

func TestResolveUnknownProfile(t *testing.T) {
	c := mustLoad(t, writeFile(t, "current_profile: gone\nprofiles:\n  a: {api: rest}\n"))
	_, err := Resolve(c, ResolveInput{Profile: "zzz", Getenv: env{}.get})
	wantKind(t, err, errkind.Usage, `profile "zzz" not found`, "known profiles: a, sandbox")
	_, err = Resolve(c, ResolveInput{Getenv: env{"USERCTL_PROFILE": "yyy"}.get})
	wantKind(t, err, errkind.Usage, `profile "yyy" not found`, "USERCTL_PROFILE")
	_, err = Resolve(c, ResolveInput{Getenv: env{}.get})
	wantKind(t, err, errkind.Usage, `profile "gone" not found`, "current_profile", "profile use")
}

func TestTokenEnv(t *testing.T) {
	c := mustLoad(t, writeFile(t, "profiles:\n  a: {api: rest, token_env: MY_TOKEN}\n  dd: {api: datadog, api_key_env: K1, app_key_env: K2}\n"))
	r, err := Resolve(c, ResolveInput{Profile: "a", Getenv: env{"MY_TOKEN": "from-var"}.get})
	if err != nil || r.Profile.Secrets["token"] != "from-var" || r.Sources["token"] != "env MY_TOKEN (token_env)" {
		t.Fatalf("resolved %+v, %v", r, err)
	}
	// USERCTL_TOKEN still wins over the profile's variable.
	r, _ = Resolve(c, ResolveInput{Profile: "a", Getenv: env{"MY_TOKEN": "from-var", "USERCTL_TOKEN": "u"}.get})
	if r.Profile.Secrets["token"] != "u" {
		t.Fatalf("token %q", r.Profile.Secrets["token"])
	}
	// An unset variable leaves the secret missing.
	r, _ = Resolve(c, ResolveInput{Profile: "dd", Getenv: env{"K1": "one"}.get})
	if r.Profile.Secrets["api_key"] != "one" || !reflect.DeepEqual(r.MissingSecrets(), []string{"app_key"}) {
		t.Fatalf("api key %q, missing %v", r.Profile.Secrets["api_key"], r.MissingSecrets())
	}
}

func TestWithOSKeyringMock(t *testing.T) {
	keyring.MockInit()
	store := secret.NewKeyring(time.Second)
	c := New(filepath.Join(t.TempDir(), "c.yaml"))
	if err := c.Set("dd", Entry{API: "datadog", Values: map[string]string{"site": "datadoghq.eu"}}); err != nil {
		t.Fatal(err)
	}
	for field, v := range map[string]string{"api_key": "api-0123456789abcd", "app_key": "app-0123456789wxyz"} {
		if where, err := c.SetSecret("dd", field, v, store); err != nil || where != WhereKeyring {
			t.Fatalf("SetSecret(%s) = %q, %v", field, where, err)
		}
	}
	r, err := Resolve(c, ResolveInput{Profile: "dd", Getenv: env{}.get, Secrets: store})
	if err != nil || r.Profile.Secrets["api_key"] != "api-0123456789abcd" || r.Profile.Secrets["app_key"] != "app-0123456789wxyz" || len(r.MissingSecrets()) != 0 {
		t.Fatalf("resolved %+v, %v", r, err)
	}
}
