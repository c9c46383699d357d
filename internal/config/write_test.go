package config

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

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
