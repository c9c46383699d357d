package docgen

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the module root, two levels up from this package.
const repoRoot = "../.."

// TestGeneratedFilesUpToDate regenerates everything into a temporary
// directory and compares it with what is committed.
func TestGeneratedFilesUpToDate(t *testing.T) {
	tmp := t.TempDir()
	if err := Generate(tmp); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	diffs, err := Diff(tmp, repoRoot)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if len(diffs) > 0 {
		t.Fatalf("%s\n  %s", StaleMessage, strings.Join(diffs, "\n  "))
	}
}

func TestGenerateWritesEveryKind(t *testing.T) {
	tmp := t.TempDir()
	if err := Generate(tmp); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for _, f := range []string{
		"completions/userctl.bash", "completions/_userctl", "completions/userctl.fish", "completions/userctl.ps1",
		"docs/commands/userctl.md", "docs/commands/userctl_users_create.md",
		"docs/man/userctl.1", "docs/man/userctl-users-create.1",
	} {
		data, err := os.ReadFile(filepath.Join(tmp, f))
		if err != nil {
			t.Errorf("missing %s: %v", f, err)
			continue
		}
		if len(data) == 0 {
			t.Errorf("%s is empty", f)
		}
	}

	md := read(t, filepath.Join(tmp, "docs/commands/userctl_users_create.md"))
	if strings.Contains(md, "Auto generated") {
		t.Errorf("markdown page carries cobra's dated auto-gen tag:\n%s", md)
	}
	if !strings.Contains(md, "userctl users create") {
		t.Errorf("markdown page does not name its command:\n%s", md)
	}

	man := read(t, filepath.Join(tmp, "docs/man/userctl-users-create.1"))
	if !strings.Contains(man, `.TH "USERCTL-USERS-CREATE" "1" "Jan 2026"`) {
		t.Errorf("man page header is not the fixed, per-command one:\n%s", firstLines(man, 5))
	}
	if strings.Contains(man, "HISTORY") {
		t.Errorf("man page carries a dated HISTORY section")
	}

	bash := read(t, filepath.Join(tmp, "completions/userctl.bash"))
	if !strings.Contains(bash, "__start_userctl") {
		t.Errorf("bash script has no __start_userctl function")
	}
	if zsh := read(t, filepath.Join(tmp, "completions/_userctl")); !strings.HasPrefix(zsh, "#compdef userctl") {
		t.Errorf("zsh script does not start with #compdef userctl:\n%s", firstLines(zsh, 2))
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := Generate(a); err != nil {
		t.Fatal(err)
	}
	if err := Generate(b); err != nil {
		t.Fatal(err)
	}
	diffs, err := Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("two runs differ:\n  %s", strings.Join(diffs, "\n  "))
	}
}

func TestGenerateRemovesStaleFilesOnly(t *testing.T) {
	tmp := t.TempDir()
	write(t, filepath.Join(tmp, "docs/commands/userctl_users_gone.md"), "old page")
	write(t, filepath.Join(tmp, "docs/man/userctl-users-gone.1"), "old page")
	write(t, filepath.Join(tmp, "docs/commands/NOTES.txt"), "kept")
	write(t, filepath.Join(tmp, "docs/configuration.md"), "kept")
	if err := Generate(tmp); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"docs/commands/userctl_users_gone.md", "docs/man/userctl-users-gone.1"} {
		if _, err := os.Stat(filepath.Join(tmp, gone)); !os.IsNotExist(err) {
			t.Errorf("%s survived regeneration (err %v)", gone, err)
		}
	}
	for _, kept := range []string{"docs/commands/NOTES.txt", "docs/configuration.md"} {
		if got := read(t, filepath.Join(tmp, kept)); got != "kept" {
			t.Errorf("%s was touched: %q", kept, got)
		}
	}
}

func TestDiff(t *testing.T) {
	want, got := t.TempDir(), t.TempDir()
	write(t, filepath.Join(want, "docs/man/userctl.1"), "a\nb\n")
	write(t, filepath.Join(got, "docs/man/userctl.1"), "a\nc\n")
	write(t, filepath.Join(want, "completions/userctl.bash"), "x")
	write(t, filepath.Join(got, "docs/commands/userctl_old.md"), "y")
	write(t, filepath.Join(got, "docs/commands/guide.txt"), "not generated")

	diffs, err := Diff(want, got)
	if err != nil {
		t.Fatal(err)
	}
	wantDiffs := []string{
		"missing: completions/userctl.bash",
		`differs: docs/man/userctl.1 (line 2: want "b", have "c")`,
		"extra: docs/commands/userctl_old.md",
	}
	if !slices.Equal(diffs, wantDiffs) {
		t.Errorf("Diff =\n  %s\nwant\n  %s", strings.Join(diffs, "\n  "), strings.Join(wantDiffs, "\n  "))
	}
}

// TestBashCompletion loads the committed bash script into a real bash with a
// freshly built userctl on PATH and asks it for completions, as a tab press
// would.
func TestBashCompletion(t *testing.T) {
	bashPath, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed: skipping the bash completion test")
	}
	goPath, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH: cannot build userctl for the bash completion test")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	build := exec.Command(goPath, "build", "-o", filepath.Join(bin, "userctl"), ".")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfgDir := filepath.Join(tmp, "config", "userctl")
	write(t, filepath.Join(cfgDir, "config.yaml"), `profiles:
  prod: {api: rest, url: "http://127.0.0.1:1", token: unused}
  staging: {api: rest, url: "http://127.0.0.1:1", token: unused}
`)
	if err := os.Chmod(filepath.Join(cfgDir, "config.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + tmp,
		"XDG_CONFIG_HOME=" + filepath.Join(tmp, "config"),
		"XDG_DATA_HOME=" + filepath.Join(tmp, "data"),
		"XDG_STATE_HOME=" + filepath.Join(tmp, "state"),
		"XDG_CACHE_HOME=" + filepath.Join(tmp, "cache"),
		"LANG=C",
	}
	script, err := filepath.Abs(filepath.Join(repoRoot, CompletionsDir, "userctl.bash"))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		line string // the command line, the cursor at its end
		want []string
		only bool // the completions must be exactly want
	}{
		{line: "userctl us", want: []string{"users"}, only: true},
		{line: "userctl users li", want: []string{"list"}, only: true},
		{line: "userctl pro", want: []string{"profile"}, only: true},
		{line: "userctl -o ", want: []string{"table", "wide", "json", "jsonl", "yaml", "csv"}, only: true},
		{line: "userctl users list -o js", want: []string{"json", "jsonl"}, only: true},
		{line: "userctl profile use ", want: []string{"prod", "staging"}},
		{line: "userctl --profile st", want: []string{"staging"}, only: true},
		{line: "userctl completion ", want: []string{"bash", "zsh", "fish", "powershell"}, only: true},
		{line: "userctl profile add x --api ", want: []string{"rest"}},
		// User IDs come from the API: here the built-in sandbox's demo users.
		{line: "userctl users get usr_00000", want: []string{"usr_000001"}},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			got := complete(t, bashPath, script, env, tc.line)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("completions of %q = %q, want %q among them", tc.line, got, w)
				}
			}
			if tc.only && len(got) != len(tc.want) {
				t.Errorf("completions of %q = %q, want exactly %q", tc.line, got, tc.want)
			}
		})
	}
}

// complete asks bash for the completions of line (cursor at its end) and
// returns the candidates, without their descriptions.
func complete(t *testing.T, bashPath, script string, env []string, line string) []string {
	t.Helper()
	// The script needs _get_comp_words_by_ref from the bash-completion
	// package; this stand-in splits on blanks, which is all the lines here
	// need, and keeps the test independent of that package.
	prog := `
_get_comp_words_by_ref() {
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
}
source "$1"
COMP_LINE="$2"
COMP_POINT=${#COMP_LINE}
read -r -a COMP_WORDS <<<"$COMP_LINE"
if [[ "$COMP_LINE" == *" " ]]; then COMP_WORDS+=(""); fi
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_TYPE=9
__start_userctl
printf '%s\n' "${COMPREPLY[@]}"
`
	c := exec.Command(bashPath, "--norc", "--noprofile", "-c", prog, "bash", script, line)
	c.Env = env
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("bash completion of %q: %v\n%s", line, err, stderr.String())
	}
	var got []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		// With several candidates bash shows "name  (description)".
		if f := strings.Fields(l); len(f) > 0 {
			got = append(got, f[0])
		}
	}
	return got
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
