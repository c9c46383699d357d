package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	_ "github.com/userctl/userctl/internal/dialects" // the real declarations
	"github.com/userctl/userctl/internal/errkind"
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

func TestLoadMissingFileIsEmpty(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope", "config.yaml")
	c, warnings, err := Load(p)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Load = %v, %v", warnings, err)
	}
	if c.Exists() || c.Current() != Sandbox || !reflect.DeepEqual(c.Names(), []string{Sandbox}) {
		t.Fatalf("exists %v current %q names %v", c.Exists(), c.Current(), c.Names())
	}
	if _, err := os.Stat(filepath.Dir(p)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load created the directory: %v", err)
	}
}

func TestLoadMalformed(t *testing.T) {
	cases := []struct {
		name, content string
		want          []string
	}{
		{"syntax", "current_profile: a\nprofiles:\n  a: b: c\n", []string{"line 3: mapping values are not allowed in this context"}},
		{"tab", "profiles:\n\tprod: {}\n", []string{"line 2:"}},
		{"bad name", "profiles:\n  ok: {api: rest}\n  Prod: {api: rest}\n", []string{"line 3:", `invalid profile name "Prod"`}},
		{"dotted name", "profiles:\n  a.b: {api: rest}\n", []string{"line 2:", `"a.b"`}},
		{"duplicate", "profiles:\n  a: {api: rest}\n  a: {api: udata}\n", []string{"line 3:", `"a" already defined at line 2`}},
		{"profile not a map", "profiles:\n  a: rest\n", []string{"line 2:", `profile "a" must be a mapping`}},
		{"profiles not a map", "profiles: [a, b]\n", []string{"line 1:", "profiles must be a mapping"}},
		{"root not a map", "- a\n", []string{"line 1:"}},
		{"bad timeout", "profiles:\n  a: {api: rest, timeout: soon}\n", []string{`profile "a"`, `line 2: profile "a": timeout "soon" is not a duration`}},
		{"unknown api", "profiles:\n  a:\n    url: http://x\n    api: nosuch\n", []string{`line 4: profile "a": unknown api "nosuch"`}},
		{"bad source", "profiles:\n  a: {api: rest, token_source: vault}\n", []string{`token_source: unknown source "vault"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.content)
			_, _, err := Load(p)
			wantKind(t, err, errkind.Usage, append([]string{"config " + p + ": "}, tc.want...)...)
		})
	}
}

func TestLoadEmptyAndNullFiles(t *testing.T) {
	for _, content := range []string{"", "# nothing yet\n", "~\n", "profiles:\n"} {
		c := mustLoad(t, writeFile(t, content))
		if !reflect.DeepEqual(c.Names(), []string{Sandbox}) {
			t.Errorf("%q: names %v", content, c.Names())
		}
	}
}

func TestWorldReadableWarning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not POSIX on Windows")
	}
	p := writeFile(t, "profiles:\n  a: {api: rest}\n")
	if _, w, _ := Load(p); len(w) != 0 {
		t.Fatalf("0600 file: warnings %v", w)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	_, w, err := Load(p)
	if err != nil || len(w) != 1 || !strings.Contains(w[0], "readable by others (mode 0644)") || !strings.Contains(w[0], "chmod 600 "+p) {
		t.Fatalf("warnings %q, err %v", w, err)
	}
}

func TestSaveModesAtomicAndRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "userctl")
	p := filepath.Join(dir, "config.yaml")
	c := mustLoad(t, p)
	if err := c.Set("crm", Entry{API: "rest", URL: "https://api.example.com/v1", Output: "json", Timeout: 10 * time.Second,
		Secrets: map[string]*SecretRef{"token": {Value: "tok-123456789012"}}, Values: map[string]string{"list_path": "/people"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Use("crm"); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("file mode: %v %v", fi.Mode(), err)
		}
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("dir mode: %v %v", fi.Mode(), err)
		}
	}
	// Save again over the existing file, then check no temporary is left.
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "config.yaml" {
		t.Fatalf("directory holds %v, want only config.yaml", entries)
	}

	c2, w, err := Load(p)
	if err != nil || len(w) != 0 {
		t.Fatalf("reload: %v %v", w, err)
	}
	got, ok := c2.Get("crm")
	want := Entry{API: "rest", URL: "https://api.example.com/v1", Output: "json", Timeout: 10 * time.Second,
		Secrets: map[string]*SecretRef{"token": {Value: "tok-123456789012"}}, Values: map[string]string{"list_path": "/people"}}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("reloaded %+v, want %+v", got, want)
	}
	if c2.Current() != "crm" || !reflect.DeepEqual(c2.Names(), []string{"crm", Sandbox}) {
		t.Fatalf("current %q names %v", c2.Current(), c2.Names())
	}
}

func TestSaveFailsCleanlyOnUnwritableDir(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs POSIX permissions and a non-root user")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	c := New(filepath.Join(dir, "config.yaml"))
	if err := c.Save(); err == nil || !strings.Contains(err.Error(), "writing config") {
		t.Fatalf("Save = %v", err)
	}
}

func TestSavePreservesUnknownKeysAndOtherProfiles(t *testing.T) {
	p := writeFile(t, `# hand-written
current_profile: crm
editor_hint: keep me
profiles:
  crm:
    api: rest
    url: https://api.example.com/v1
    token: tok
    list_path: /people
    page_size: 50
    Items_Key: data
    disable: patch
  dd: {api: datadog, site: datadoghq.eu, api_key_env: DDK, app_key: a}
`)
	c := mustLoad(t, p)
	crm, _ := c.Get("crm")
	wantOpts := map[string]string{"list_path": "/people", "page_size": "50", "items_key": "data", "disable": "patch"}
	if !reflect.DeepEqual(crm.Values, wantOpts) {
		t.Fatalf("options %v, want %v", crm.Values, wantOpts)
	}
	// Edit one profile through the typed API, add another, save.
	crm.URL = "https://api2.example.com/v1"
	if err := c.Set("crm", crm); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("svc", Entry{API: "basic", URL: "https://svc.example.com", Values: map[string]string{"username": "admin"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	text := string(data)
	for _, s := range []string{"editor_hint: keep me", "page_size: 50\n", "disable: patch\n", "items_key: data",
		"api_key_env: DDK", "site: datadoghq.eu", "url: https://api2.example.com/v1", "username: admin", "current_profile: crm"} {
		if !strings.Contains(text, s) {
			t.Errorf("saved file lacks %q:\n%s", s, text)
		}
	}
	c2 := mustLoad(t, p)
	if !reflect.DeepEqual(c2.Names(), []string{"crm", "dd", Sandbox, "svc"}) {
		t.Fatalf("names %v", c2.Names())
	}
	dd, _ := c2.Get("dd")
	if dd.Secret("api_key").Env != "DDK" || dd.Secret("app_key").Value != "a" || dd.Values["site"] != "datadoghq.eu" {
		t.Fatalf("dd = %+v", dd)
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

func TestNameValidation(t *testing.T) {
	for _, ok := range []string{"a", "prod", "my-profile_2", "0", strings.Repeat("a", 63)} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Prod", "-a", "_a", "a.b", "a b", "é", strings.Repeat("a", 64)} {
		wantKind(t, ValidateName(bad), errkind.Usage, "invalid profile name")
	}
	c := New(filepath.Join(t.TempDir(), "c.yaml"))
	wantKind(t, c.Set("Prod", Entry{API: "rest"}), errkind.Usage, `invalid profile name "Prod"`)
	wantKind(t, c.Set(Sandbox, Entry{API: "rest"}), errkind.Usage, "built in")
	_, err := Resolve(c, ResolveInput{Profile: "Prod", Getenv: env{}.get})
	wantKind(t, err, errkind.Usage, `invalid profile name "Prod"`)
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

func TestMask(t *testing.T) {
	cases := map[string]string{
		"":                   "",
		"abc":                "••••",
		"abcdefghijk":        "••••",
		"abcdefghijkl":       "••••ijkl",
		"sk-live-0123456789": "••••6789",
		"ééééééééééééabçd":   "••••abçd",
	}
	for in, want := range cases {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
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

func TestSandboxProfileInFileIgnored(t *testing.T) {
	p := writeFile(t, "profiles:\n  sandbox: {api: udata}\n")
	c, w, err := Load(p)
	if err != nil || len(w) != 1 || !strings.Contains(w[0], "built in") {
		t.Fatalf("Load: %v %v", w, err)
	}
	if e, _ := c.Get(Sandbox); e.API != "rest" {
		t.Fatalf("sandbox api %q", e.API)
	}
}

func TestSaveFollowsSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "userctl.yaml")
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("profiles:\n  a: {api: rest}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, link)
	if err := c.Use("a"); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if data, _ := os.ReadFile(target); !strings.Contains(string(data), "current_profile: a") {
		t.Fatalf("target not updated:\n%s", data)
	}
}

// TestSyntaxErrorLine: a YAML syntax error names the line to fix, not the
// start of the enclosing block, and a file starting with a tab has a line.
func TestSyntaxErrorLine(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"indentation", "current_profile: a\nprofiles:\n  a:\n    api: rest\n   url: http://x\n", "line 5: did not find expected key"},
		{"sequence in mapping", "current_profile: a\nprofiles:\n  a:\n    api: rest\n  - x\n", "line 5: did not find expected key"},
		{"leading tab", "\tcurrent_profile: a\n", "line 1: found character that cannot start any token"},
		{"tab indentation", "profiles:\n  a:\n    api: rest\n\turl: x\n", "line 4: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.data)
			_, _, err := Load(path)
			wantKind(t, err, errkind.Usage, path+": "+tc.want)
		})
	}
}
