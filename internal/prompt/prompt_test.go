package prompt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/iostreams"
)

var _ Prompter = (*Fake)(nil)
var _ Prompter = (*Survey)(nil)

func TestFakeOrderedAndKeyed(t *testing.T) {
	f := NewFake().
		On("Password", "s3cret").
		On("Delete", true).
		Next("ada@example.com", "", "viewer")

	email, err := f.Input("Email:", "")
	if err != nil || email != "ada@example.com" {
		t.Fatalf("Input = %q, %v", email, err)
	}
	pw, err := f.Password("Password for ada:")
	if err != nil || pw != "s3cret" {
		t.Fatalf("Password = %q, %v", pw, err)
	}
	name, err := f.Input("Name:", "Ada")
	if err != nil || name != "Ada" {
		t.Fatalf("empty answer must yield the default: %q, %v", name, err)
	}
	ok, err := f.Confirm("Delete user usr_1?", false)
	if err != nil || !ok {
		t.Fatalf("Confirm = %v, %v", ok, err)
	}
	role, err := f.Select("Role:", []string{"admin", "viewer"}, "admin")
	if err != nil || role != "viewer" {
		t.Fatalf("Select = %q, %v", role, err)
	}
	want := []string{"Email:", "Password for ada:", "Name:", "Delete user usr_1?", "Role:"}
	if got := f.Asked(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Asked = %q, want %q", got, want)
	}
	if u := f.Unused(); len(u) != 0 {
		t.Errorf("Unused = %q", u)
	}
	if _, err := f.Input("Another:", ""); err == nil || !strings.Contains(err.Error(), `unexpected input prompt "Another:"`) {
		t.Errorf("unexpected question: err = %v", err)
	}
}

func TestFakeErrors(t *testing.T) {
	f := NewFake().Next(true, "x", "nope", Interrupted())
	if _, err := f.Input("Email:", ""); err == nil || !strings.Contains(err.Error(), "is bool, want string") {
		t.Errorf("wrong type for Input: %v", err)
	}
	if _, err := f.Confirm("Sure?", false); err == nil || !strings.Contains(err.Error(), "want bool") {
		t.Errorf("wrong type for Confirm: %v", err)
	}
	if _, err := f.Select("Role:", []string{"a", "b"}, ""); err == nil || !strings.Contains(err.Error(), "not one of") {
		t.Errorf("Select answer outside the options: %v", err)
	}
	if _, err := f.Password("Password:"); errkind.Of(err) != errkind.Interrupted {
		t.Errorf("scripted interrupt: kind %v", errkind.Of(err))
	}
	f2 := NewFake().On("Email", "a").Next("b")
	if u := f2.Unused(); len(u) != 2 {
		t.Errorf("Unused = %q, want both answers", u)
	}
}

func TestMapError(t *testing.T) {
	if err := mapError("Email:", nil); err != nil {
		t.Errorf("nil mapped to %v", err)
	}
	err := mapError("Email:", terminal.InterruptErr)
	if errkind.Of(err) != errkind.Interrupted || errkind.ExitCode(err) != 130 {
		t.Errorf("interrupt: kind %v exit %d", errkind.Of(err), errkind.ExitCode(err))
	}
	err = mapError("Email:", fmt.Errorf("wrapped: %w", io.EOF))
	if errkind.Of(err) != errkind.Usage || !strings.Contains(err.Error(), `no answer for "Email"`) {
		t.Errorf("EOF: kind %v, %v", errkind.Of(err), err)
	}
	other := errors.New("boom")
	if err := mapError("Email:", other); !errors.Is(err, other) || errkind.Of(err) != errkind.Unknown {
		t.Errorf("other error: %v", err)
	}
}

func TestSurveyNeedsTerminalFiles(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	p := NewSurvey(ios)
	_, err := p.Input("Email:", "")
	if errkind.Of(err) != errkind.Usage || !strings.Contains(err.Error(), "not a terminal") {
		t.Errorf("buffers instead of a terminal: %v", err)
	}
}

// The survey calls go to stderr, and survey's interrupt becomes
// errkind.Interrupted, for every kind of question.
func TestSurveyInterruptAndStdio(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var calls []string
	s := &Survey{in: r, out: w, errOut: w, ask: func(p survey.Prompt, _ any, opts ...survey.AskOpt) error {
		var o survey.AskOptions
		for _, opt := range opts {
			if err := opt(&o); err != nil {
				return err
			}
		}
		if o.Stdio.In != r || o.Stdio.Out != w || o.Stdio.Err != w {
			t.Errorf("%T: survey not given the configured stdio", p)
		}
		if pw, ok := p.(*survey.Password); ok {
			calls = append(calls, "password:"+pw.Message)
		} else {
			calls = append(calls, fmt.Sprintf("%T", p))
		}
		return terminal.InterruptErr
	}}
	check := func(name string, err error) {
		if errkind.Of(err) != errkind.Interrupted {
			t.Errorf("%s: kind %v, want interrupted", name, errkind.Of(err))
		}
	}
	_, err = s.Input("Email:", "")
	check("Input", err)
	_, err = s.Password("Password:")
	check("Password", err)
	_, err = s.Confirm("Sure?", false)
	check("Confirm", err)
	_, err = s.Select("Role:", []string{"a"}, "a")
	check("Select", err)
	want := "*survey.Input|password:Password:|*survey.Confirm|*survey.Select"
	if got := strings.Join(calls, "|"); got != want {
		t.Errorf("prompts = %s, want %s", got, want)
	}
}

// Questions and options are drawn escaped: server text in them cannot drive
// the terminal.
func TestSurveyEscapesQuestions(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var shown []string
	s := &Survey{in: r, out: w, errOut: w, ask: func(p survey.Prompt, _ any, _ ...survey.AskOpt) error {
		switch q := p.(type) {
		case *survey.Input:
			shown = append(shown, q.Message)
		case *survey.Password:
			shown = append(shown, q.Message)
		case *survey.Confirm:
			shown = append(shown, q.Message)
		case *survey.Select:
			shown = append(shown, q.Message)
			shown = append(shown, q.Options...)
			shown = append(shown, fmt.Sprint(q.Default))
		}
		return terminal.InterruptErr
	}}
	evil := "x\r\x1b]0;t\x07\u202e"
	_, _ = s.Input(evil, "")
	_, _ = s.Password(evil)
	_, _ = s.Confirm(evil, false)
	_, _ = s.Select(evil, []string{"a", evil}, evil)
	want := `x\r\x1b]0;t\x07\u202e`
	if len(shown) != 7 {
		t.Fatalf("shown %q", shown)
	}
	for i, got := range shown {
		if i == 4 {
			if got != "a" {
				t.Errorf("plain option %q changed", got)
			}
			continue
		}
		if got != want {
			t.Errorf("shown %q, want %q", got, want)
		}
	}
}
