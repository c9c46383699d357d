package cmd_test

import (
	"strings"
	"testing"
)

// TestPasswdPromptAsksAgain: at a terminal, a short password or a repeat
// that does not match asks again (saying why) instead of aborting; only the
// accepted password is sent.
func TestPasswdPromptAsksAgain(t *testing.T) {
	h := newHarness(t, true)
	h.prompts.Next("short", "a-long-password", "a-long-passwerd", "a-long-password", "a-long-password")
	if code := h.run("users", "passwd", "u1"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if got := strings.Join(h.backend.calls, ";"); got != "passwd u1 len=15" {
		t.Errorf("calls = %s", got)
	}
	asked := strings.Join(h.prompts.Asked(), "|")
	if want := "New password:|New password:|Repeat the password:|New password:|Repeat the password:"; asked != want {
		t.Errorf("asked %s\nwant  %s", asked, want)
	}
	for _, want := range []string{"Password must be at least 8 characters; try again.", "The passwords do not match; try again."} {
		if !strings.Contains(h.errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, h.errOut)
		}
	}
	if u := h.prompts.Unused(); len(u) != 0 {
		t.Errorf("unused answers: %v", u)
	}
}

// TestPasswdPromptGivesUp: three bad attempts end in a usage error with
// nothing sent.
func TestPasswdPromptGivesUp(t *testing.T) {
	h := newHarness(t, true)
	h.prompts.Next("", "two", "three")
	if code := h.run("users", "passwd", "u1"); code != 2 {
		t.Fatalf("exit %d, want 2: %s", code, h.errOut)
	}
	if len(h.backend.calls) != 0 {
		t.Errorf("requests sent: %v", h.backend.calls)
	}
	if !strings.Contains(h.errOut.String(), "Empty password; try again.") || !strings.Contains(h.errOut.String(), "userctl: password must be at least 8 characters\n") {
		t.Errorf("stderr:\n%s", h.errOut)
	}
}

// TestListEmptyAtTerminal: an empty list at a terminal says so on stderr
// instead of printing a bare header; piped, the header stays.
func TestListEmptyAtTerminal(t *testing.T) {
	h := newHarness(t, true)
	h.backend.order = nil
	if code := h.run("users", "list"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if h.out.String() != "" || !strings.Contains(h.errOut.String(), "No users found.") {
		t.Errorf("stdout %q, stderr %q", h.out, h.errOut)
	}
	piped := newHarness(t, false)
	piped.backend.order = nil
	if code := piped.run("users", "list"); code != 0 || !strings.HasPrefix(piped.out.String(), "ID ") || strings.Contains(piped.errOut.String(), "No users") {
		t.Errorf("piped: exit %d, stdout %q, stderr %q", code, piped.out, piped.errOut)
	}
	js := newHarness(t, true)
	js.backend.order = nil
	if code := js.run("users", "list", "-o", "json"); code != 0 || js.out.String() != "[]\n" {
		t.Errorf("json: exit %d, stdout %q", code, js.out)
	}
}

// TestListLimitNoticeWording: "Showing the first user", not "first 1".
func TestListLimitNoticeWording(t *testing.T) {
	h := newHarness(t, true)
	h.f.IO.SetStderrTTY(true)
	if code := h.run("users", "list", "--limit", "1"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	if !strings.Contains(h.errOut.String(), "Showing the first user;") {
		t.Errorf("stderr %q", h.errOut)
	}
	h = newHarness(t, true)
	h.f.IO.SetStderrTTY(true)
	if code := h.run("users", "list", "--limit", "2"); code != 0 || !strings.Contains(h.errOut.String(), "Showing the first 2 users;") {
		t.Errorf("exit %d, stderr %q", code, h.errOut)
	}
}

// TestAPIPrettyAtTerminal: `userctl api` indents JSON and ends it with a
// newline at a terminal (like gh api); piped, the body is as received.
func TestAPIPrettyAtTerminal(t *testing.T) {
	h := newHarness(t, true)
	h.f.BackendOverride = nil // the built-in sandbox, in process
	if code := h.run("api", "GET", "/users/usr_000001"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.errOut)
	}
	out := h.out.String()
	if !strings.HasPrefix(out, "{\n  \"") || !strings.HasSuffix(out, "}\n") {
		t.Errorf("not pretty-printed with a final newline:\n%q", out)
	}
	piped := newHarness(t, false)
	piped.f.BackendOverride = nil
	if code := piped.run("api", "GET", "/users/usr_000001"); code != 0 {
		t.Fatalf("exit %d: %s", code, piped.errOut)
	}
	if strings.Contains(piped.out.String(), "\n  \"") {
		t.Errorf("piped output re-indented:\n%s", piped.out)
	}
}
