package cmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/userctl/userctl/cmd"
	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/iostreams"
	"github.com/userctl/userctl/internal/prompt"
	"github.com/userctl/userctl/internal/secret"
	"github.com/userctl/userctl/internal/userapi"
)

// fakeBackend is an in-memory API with update, disable and passwd, and a
// log of the calls it received.
type fakeBackend struct {
	users map[string]userapi.User
	order []string
	calls []string
	info  userapi.Info
}

func newFake(n int) *fakeBackend {
	f := &fakeBackend{users: map[string]userapi.User{}, info: userapi.Info{Name: "fake", Title: "fake API",
		CreateRequired: []string{"email", "name", "password"}, MinPasswordLength: 8}}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("u%d", i)
		f.users[id] = userapi.User{ID: id, Email: id + "@example.com", Name: "User " + id, Status: userapi.StatusActive}
		f.order = append(f.order, id)
	}
	return f
}

func (f *fakeBackend) Info() userapi.Info { return f.info }
func (f *fakeBackend) ListUsers(_ context.Context, o userapi.ListOptions) iter.Seq2[userapi.User, error] {
	f.calls = append(f.calls, "list")
	return func(yield func(userapi.User, error) bool) {
		for i, id := range f.order {
			if o.Limit > 0 && i >= o.Limit {
				return
			}
			if !yield(f.users[id], nil) {
				return
			}
		}
	}
}
func (f *fakeBackend) GetUser(_ context.Context, id string) (userapi.User, error) {
	f.calls = append(f.calls, "get "+id)
	u, ok := f.users[id]
	if !ok {
		return u, errkind.Errorf(errkind.NotFound, "user %q not found", id)
	}
	return u, nil
}
func (f *fakeBackend) CreateUser(_ context.Context, r userapi.CreateRequest) (userapi.User, error) {
	f.calls = append(f.calls, fmt.Sprintf("create %s %s pw=%d", r.Email, r.Name, len(r.Password)))
	u := userapi.User{ID: "new", Email: r.Email, Name: r.Name, Status: userapi.StatusActive}
	f.users[u.ID] = u
	return u, nil
}
func (f *fakeBackend) DeleteUser(_ context.Context, id string, _ userapi.DeleteOptions) (userapi.Result, error) {
	f.calls = append(f.calls, "delete "+id)
	if _, ok := f.users[id]; !ok {
		return userapi.Result{}, errkind.Errorf(errkind.NotFound, "user %q not found", id)
	}
	delete(f.users, id)
	return userapi.Result{ID: id, Action: "deleted", Message: fmt.Sprintf("user %q deleted", id)}, nil
}
func (f *fakeBackend) PasswordPolicy() userapi.PasswordPolicy {
	return userapi.PasswordPolicy{NeedsNew: true, MinLength: 8}
}
func (f *fakeBackend) SetPassword(_ context.Context, id string, ch userapi.PasswordChange) (userapi.Result, error) {
	f.calls = append(f.calls, fmt.Sprintf("passwd %s len=%d", id, len(ch.New)))
	return userapi.Result{ID: id, Action: "password changed"}, nil
}

type harness struct {
	f       *cmdutil.Factory
	in      *bytes.Buffer
	out     *bytes.Buffer
	errOut  *bytes.Buffer
	backend *fakeBackend
	prompts *prompt.Fake
}

func newHarness(t *testing.T, tty bool) *harness {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	ios.SetStdinTTY(tty)
	ios.SetStdoutTTY(tty)
	h := &harness{in: in, out: out, errOut: errOut, backend: newFake(3), prompts: prompt.NewFake()}
	dir := t.TempDir()
	env := map[string]string{"XDG_CONFIG_HOME": dir, "XDG_DATA_HOME": dir}
	h.f = &cmdutil.Factory{IO: ios, Getenv: func(k string) string { return env[k] }, Globals: &cmdutil.Globals{},
		Secrets: secret.NewMemory(), Build: cmdutil.BuildInfo{Version: "test", Commit: "abc", Date: "today"}}
	h.f.Prompter = func() prompt.Prompter { return h.prompts }
	h.f.BackendOverride = func(userapi.Env) (userapi.Backend, error) { return h.backend, nil }
	return h
}

func (h *harness) run(args ...string) int {
	return cmd.Run(context.Background(), h.f, args)
}

func TestListJSONIsAnArray(t *testing.T) {
	h := newHarness(t, false)
	if code := h.run("users", "list", "-o", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	var got []map[string]any
	if err := json.Unmarshal(h.out.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, h.out)
	}
	if len(got) != 3 || got[0]["id"] != "u1" {
		t.Errorf("got %v", got)
	}
}

func TestListEmptyJSONIsEmptyArray(t *testing.T) {
	h := newHarness(t, false)
	h.backend = newFake(0)
	h.run("users", "list", "-o", "json")
	if strings.TrimSpace(h.out.String()) != "[]" {
		t.Errorf("stdout = %q, want []", h.out)
	}
}

func TestCreateNonInteractiveNamesMissingFlag(t *testing.T) {
	h := newHarness(t, false)
	code := h.run("users", "create", "--name", "Ada")
	if code != 2 || !strings.Contains(h.errOut.String(), "missing required flag --email") {
		t.Fatalf("exit %d, stderr %q", code, h.errOut)
	}
	if len(h.backend.calls) != 0 {
		t.Errorf("backend called: %v", h.backend.calls)
	}
	if len(h.prompts.Asked()) != 0 {
		t.Errorf("prompted when not interactive: %v", h.prompts.Asked())
	}
}

func TestCreateInteractivePromptsForMissingFields(t *testing.T) {
	h := newHarness(t, true)
	h.prompts.On("Email", "ada@example.com").On("New password", "correct-horse").On("Repeat", "correct-horse")
	code := h.run("users", "create", "--name", "Ada")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if got := strings.Join(h.backend.calls, ";"); got != "create ada@example.com Ada pw=13" {
		t.Errorf("calls = %s", got)
	}
}

func TestCreatePasswordStdinTooShortSendsNothing(t *testing.T) {
	h := newHarness(t, false)
	h.in.WriteString("short\n")
	code := h.run("users", "create", "--email", "a@example.com", "--name", "A", "--password-stdin")
	if code != 2 || !strings.Contains(h.errOut.String(), "at least 8") {
		t.Fatalf("exit %d, stderr %q", code, h.errOut)
	}
	if len(h.backend.calls) != 0 {
		t.Errorf("backend called: %v", h.backend.calls)
	}
}

func TestDeleteNeedsYesWhenNotInteractive(t *testing.T) {
	h := newHarness(t, false)
	if code := h.run("users", "delete", "u1"); code != 2 || !strings.Contains(h.errOut.String(), "--yes") {
		t.Fatalf("exit %d, stderr %q", code, h.errOut)
	}
	if len(h.backend.calls) != 0 {
		t.Errorf("deleted without --yes: %v", h.backend.calls)
	}
	h.errOut.Reset()
	if code := h.run("users", "delete", "u1", "--yes"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if !strings.Contains(h.errOut.String(), `User "u1" deleted.`) {
		t.Errorf("stderr = %q", h.errOut)
	}
}

func TestDeleteInteractiveConfirms(t *testing.T) {
	h := newHarness(t, true)
	h.prompts.On("Delete", false)
	if code := h.run("users", "delete", "u1"); code != 2 {
		t.Fatalf("declined delete: exit %d", code)
	}
	if len(h.backend.calls) != 0 {
		t.Errorf("deleted after no: %v", h.backend.calls)
	}
}

func TestDeleteIgnoreNotFound(t *testing.T) {
	h := newHarness(t, false)
	if code := h.run("users", "delete", "nope", "--yes"); code != 3 {
		t.Errorf("delete unknown: exit %d, want 3", code)
	}
	if code := h.run("users", "delete", "nope", "--yes", "--ignore-not-found"); code != 0 {
		t.Errorf("--ignore-not-found: exit %d, want 0 (%s)", code, h.errOut)
	}
}

func TestGetSeveralIsArrayAndMissingOnesExit3(t *testing.T) {
	h := newHarness(t, false)
	if code := h.run("users", "get", "u1", "u2", "-o", "json"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var arr []map[string]any
	if err := json.Unmarshal(h.out.Bytes(), &arr); err != nil || len(arr) != 2 {
		t.Fatalf("stdout %s: %v", h.out, err)
	}
	h.out.Reset()
	if code := h.run("users", "get", "u1", "zz", "yy", "-o", "json"); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	arr = nil
	if err := json.Unmarshal(h.out.Bytes(), &arr); err != nil || len(arr) != 1 || arr[0]["id"] != "u1" {
		t.Errorf("stdout %q: want the one user found (%v)", h.out, err)
	}
	if got := h.errOut.String(); got != "userctl: 2 users not found: \"zz\", \"yy\"\n" {
		t.Errorf("stderr = %q", got)
	}
	h.out.Reset()
	h.errOut.Reset()
	if code := h.run("users", "get", "zz"); code != 3 || h.out.Len() != 0 {
		t.Errorf("single missing: exit %d, stdout %q", code, h.out)
	}
	if !strings.HasPrefix(h.errOut.String(), "userctl: ") || strings.Count(h.errOut.String(), "\n") != 1 {
		t.Errorf("error is not one line: %q", h.errOut)
	}
}

func TestDeleteSeveralGoesOnPastMissing(t *testing.T) {
	h := newHarness(t, false)
	code := h.run("users", "delete", "u1", "ghost", "u2", "--yes")
	if code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if got := strings.Join(h.backend.calls, ";"); got != "delete u1;delete ghost;delete u2" {
		t.Errorf("calls = %s", got)
	}
	if _, left := h.backend.users["u2"]; left {
		t.Error("u2 not deleted after a missing user")
	}
}

func TestUnsupportedVerbExit2BeforeAnyRequest(t *testing.T) {
	h := newHarness(t, false)
	for _, args := range [][]string{{"users", "followers", "u1"}, {"users", "roles"}, {"users", "disable", "u1", "--yes"}, {"users", "avatar", "upload", "u1", "x.png"}} {
		h.errOut.Reset()
		code := h.run(args...)
		if code != 2 || !strings.Contains(h.errOut.String(), "supports:") {
			t.Errorf("%v: exit %d, stderr %q", args, code, h.errOut)
		}
	}
	if len(h.backend.calls) != 0 {
		t.Errorf("requests sent: %v", h.backend.calls)
	}
}

func TestPasswdFromStdin(t *testing.T) {
	h := newHarness(t, false)
	h.in.WriteString("a-long-password\n")
	if code := h.run("users", "passwd", "u1", "--password-stdin"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if got := strings.Join(h.backend.calls, ";"); got != "passwd u1 len=15" {
		t.Errorf("calls = %s", got)
	}
	if strings.Contains(h.out.String()+h.errOut.String(), "a-long-password") {
		t.Error("password printed")
	}
	h2 := newHarness(t, false)
	if code := h2.run("users", "passwd", "u1"); code != 2 || !strings.Contains(h2.errOut.String(), "--password-stdin") {
		t.Errorf("no stdin, no tty: exit %d, %q", code, h2.errOut)
	}
}

func TestInvalidIDRefusedBeforeAnyPrompt(t *testing.T) {
	for _, args := range [][]string{
		{"users", "passwd", ".."},
		{"users", "delete", ""},
		{"users", "delete", "a/b", "--yes"},
	} {
		h := newHarness(t, true)
		h.prompts.On("password", "a-long-password").On("Delete", true).On("Disable", true)
		if code := h.run(args...); code != 2 || !strings.Contains(h.errOut.String(), "invalid user ID") {
			t.Errorf("%q: exit %d, stderr %q", args, code, h.errOut)
		}
		if asked := h.prompts.Asked(); len(asked) != 0 || len(h.backend.calls) != 0 {
			t.Errorf("%q: asked %q, sent %v", args, asked, h.backend.calls)
		}
	}
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"users", "list", "--nope"},
		{"users", "list", "-o", "xml"},
		{"users", "list", "--fields", "id,nope", "-o", "json"},
		{"users", "list", "--limit", "2", "--all"},
		{"users", "get"},
		{"users", "update", "u1"},
		{"users", "update", "u1", "--status", "frozen"},
	} {
		h := newHarness(t, false)
		if code := h.run(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, h.errOut)
		}
	}
}

func TestOutputFormats(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"fields csv":  {[]string{"-o", "csv", "--fields", "email,id"}, "email,id\nu1@example.com,u1\n"},
		"no header":   {[]string{"-o", "csv", "--fields", "id", "--no-header"}, "u1\n"},
		"jq":          {[]string{"--jq", ".[].email"}, "u1@example.com\n"},
		"template":    {[]string{"--template", "{{.id}}={{.name}}\n"}, "u1=User u1\n"},
		"jsonl":       {[]string{"-o", "jsonl", "--fields", "id"}, `{"id":"u1"}` + "\n"},
		"yaml":        {[]string{"-o", "yaml", "--fields", "id"}, "- id: u1\n"},
		"table piped": {[]string{"--fields", "id,email"}, "ID   EMAIL\nu1   u1@example.com\n"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, false)
			h.backend = newFake(1)
			if code := h.run(append([]string{"users", "list"}, c.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, h.errOut)
			}
			if h.out.String() != c.want {
				t.Errorf("stdout = %q, want %q", h.out, c.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	h := newHarness(t, false)
	h.run("version")
	if h.out.String() != "userctl test (commit abc, built today)\n" {
		t.Errorf("version = %q", h.out)
	}
}

func TestExportFormatFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env, want string
	}{
		{"", `{"id":"u1"`},      // default: JSON Lines
		{"table", `{"id":"u1"`}, // a table preference: still JSON Lines
		{"csv", "id,username,email"},
	} {
		h := newHarness(t, false)
		getenv := h.f.Getenv
		h.f.Getenv = func(k string) string {
			if k == "USERCTL_OUTPUT" {
				return tc.env
			}
			return getenv(k)
		}
		if code := h.run("users", "export"); code != 0 {
			t.Fatalf("USERCTL_OUTPUT=%q: exit %d: %s", tc.env, code, h.errOut)
		}
		if !strings.HasPrefix(h.out.String(), tc.want) {
			t.Errorf("USERCTL_OUTPUT=%q: stdout = %q, want it to start with %q", tc.env, h.out, tc.want)
		}
	}
}

func TestProfileAddSandboxIsRefusedFirst(t *testing.T) {
	h := newHarness(t, false)
	code := h.run("profile", "add", "sandbox", "--api", "rest")
	if code != 2 || !strings.Contains(h.errOut.String(), `profile "sandbox" is built in`) {
		t.Errorf("exit %d, stderr %q; want 2 naming the built-in profile", code, h.errOut)
	}
}

func TestCompletionBadShellIsUsage(t *testing.T) {
	for _, args := range [][]string{{"completion", "nope"}, {"completion"}} {
		h := newHarness(t, false)
		if code := h.run(args...); code != 2 {
			t.Errorf("%v: exit %d (stderr %q), want 2", args, code, h.errOut)
		}
	}
	h := newHarness(t, false)
	if code := h.run("completion", "bash"); code != 0 || !strings.Contains(h.out.String(), "bash completion") {
		t.Errorf("completion bash: exit %d, stdout starts %.40q", code, h.out)
	}
}
