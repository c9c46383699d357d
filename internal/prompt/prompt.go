// Package prompt asks the user questions on the terminal. The survey library
// (unmaintained) is confined to this package behind the Prompter interface;
// other packages test against Fake.
package prompt

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/iostreams"
	"github.com/userctl/userctl/internal/termsafe"
)

// Prompter asks questions. Every method returns an error of kind
// errkind.Interrupted when the user presses Ctrl-C, and a usage error
// when there is no input to read.
type Prompter interface {
	// Input asks for a line of text; an empty answer yields def.
	Input(msg, def string) (string, error)
	// Password asks for a secret without echoing it.
	Password(msg string) (string, error)
	// Confirm asks a yes/no question; an empty answer yields def.
	Confirm(msg string, def bool) (bool, error)
	// Select asks to pick one of options; def preselects one (may be empty).
	Select(msg string, options []string, def string) (string, error)
}

// Interrupted returns the error prompts report on Ctrl-C (exit 130).
func Interrupted() error {
	return &errkind.Error{Kind: errkind.Interrupted, Message: "interrupted"}
}

// askFunc is survey.AskOne's signature, replaceable in tests.
type askFunc func(p survey.Prompt, response any, opts ...survey.AskOpt) error

// Survey is the terminal Prompter. Prompts are drawn on stderr so stdout
// stays data only.
type Survey struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	ask    askFunc
}

// NewSurvey returns a Prompter reading ios.In and drawing on ios.ErrOut. Both
// must be files (terminals) for prompts to work; otherwise every question
// fails with a usage error.
func NewSurvey(ios *iostreams.IOStreams) Prompter {
	return &Survey{in: ios.In, out: ios.ErrOut, errOut: ios.ErrOut, ask: survey.AskOne}
}

// NewSurveyFiles returns a Prompter on explicit terminal files (for example a
// pseudo-terminal), drawing on out.
func NewSurveyFiles(in, out *os.File) Prompter {
	return &Survey{in: in, out: out, errOut: out, ask: survey.AskOne}
}

// askOne draws p, whose message (and options) the caller made terminal-safe
// with termsafe.String: a prompt may name a user the server described.
func (s *Survey) askOne(msg string, p survey.Prompt, response any, opts ...survey.AskOpt) error {
	in, okIn := s.in.(terminal.FileReader)
	out, okOut := s.out.(terminal.FileWriter)
	if !okIn || !okOut {
		return errkind.Errorf(errkind.Usage, "cannot prompt for %q: not a terminal; pass the value with a flag", trimMsg(msg))
	}
	opts = append(opts, survey.WithStdio(in, out, s.errOut))
	return mapError(msg, s.ask(p, response, opts...))
}

// mapError turns survey's errors into userctl's kinds: Ctrl-C is
// errkind.Interrupted, end of input is a usage error.
func mapError(msg string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, terminal.InterruptErr):
		return Interrupted()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &errkind.Error{Kind: errkind.Usage, Err: err,
			Message: fmt.Sprintf("no answer for %q: input ended; pass the value with a flag or use --no-input", trimMsg(msg))}
	default:
		return fmt.Errorf("prompting for %q: %w", trimMsg(msg), err)
	}
}

// trimMsg drops the trailing colon or question mark of a prompt for use in
// error messages.
func trimMsg(msg string) string {
	for len(msg) > 0 {
		switch msg[len(msg)-1] {
		case ':', '?', ' ':
			msg = msg[:len(msg)-1]
			continue
		}
		break
	}
	return msg
}

// Input implements Prompter.
func (s *Survey) Input(msg, def string) (string, error) {
	var ans string
	msg = termsafe.String(msg)
	err := s.askOne(msg, &survey.Input{Message: msg, Default: def}, &ans)
	return ans, err
}

// Password implements Prompter; the answer is masked.
func (s *Survey) Password(msg string) (string, error) {
	var ans string
	msg = termsafe.String(msg)
	err := s.askOne(msg, &survey.Password{Message: msg}, &ans)
	return ans, err
}

// Confirm implements Prompter.
func (s *Survey) Confirm(msg string, def bool) (bool, error) {
	var ans bool
	msg = termsafe.String(msg)
	err := s.askOne(msg, &survey.Confirm{Message: msg, Default: def}, &ans)
	return ans, err
}

// Select implements Prompter.
func (s *Survey) Select(msg string, options []string, def string) (string, error) {
	if len(options) == 0 {
		return "", fmt.Errorf("prompting for %q: no options to choose from", trimMsg(msg))
	}
	// Options are shown escaped; the answer is the original option.
	msg = termsafe.String(msg)
	shown := make([]string, len(options))
	for i, o := range options {
		shown[i] = termsafe.String(o)
	}
	p := &survey.Select{Message: msg, Options: shown}
	for i, o := range options {
		if o == def {
			p.Default = shown[i]
			break
		}
	}
	var idx int
	if err := s.askOne(msg, p, &idx); err != nil {
		return "", err
	}
	if idx < 0 || idx >= len(options) {
		return "", fmt.Errorf("prompting for %q: no option chosen", trimMsg(msg))
	}
	return options[idx], nil
}
