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
	for _, want := range []string{"password must be at least 8 characters; try again.", "the passwords do not match; try again."} {
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
	if !strings.Contains(h.errOut.String(), "empty password; try again.") || !strings.Contains(h.errOut.String(), "userctl: password must be at least 8 characters\n") {
		t.Errorf("stderr:\n%s", h.errOut)
	}
}
