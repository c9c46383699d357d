package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
)

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
