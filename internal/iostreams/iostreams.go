// Package iostreams holds the standard streams of a userctl process together
// with what commands need to know about them: whether they are terminals,
// whether prompting and colour are allowed, how wide the terminal is, and
// reading lines of stdin (--password-stdin).
// Tests build one with Test and set the terminal flags explicitly.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// IOStreams are the standard streams of one invocation.
type IOStreams struct {
	// In is the standard input.
	In io.Reader
	// Out carries data only.
	Out io.Writer
	// ErrOut carries prompts, progress, notices and errors.
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	neverPrompt                    bool

	// Getenv looks up environment variables (CI, COLUMNS, NO_COLOR, TERM).
	// System uses os.Getenv; Test uses an empty environment.
	Getenv func(string) string

	// termWidth reports the real terminal width of stdout (0 if unknown).
	termWidth func() int
}

// System returns the streams of the running process, detecting terminals on
// the real file descriptors.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		Getenv:    os.Getenv,
		termWidth: func() int {
			for _, f := range []*os.File{os.Stdout, os.Stderr} {
				if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
					return w
				}
			}
			return 0
		},
	}
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Test returns streams backed by buffers, none of them a terminal, with an
// empty environment. The buffers are returned for feeding input and reading
// output.
func Test() (ios *IOStreams, in *bytes.Buffer, out *bytes.Buffer, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	ios = &IOStreams{
		In:        in,
		Out:       out,
		ErrOut:    errOut,
		Getenv:    func(string) string { return "" },
		termWidth: func() int { return 0 },
	}
	return ios, in, out, errOut
}

func (s *IOStreams) getenv(key string) string {
	if s.Getenv == nil {
		return ""
	}
	return s.Getenv(key)
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY overrides terminal detection for standard input (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY overrides terminal detection for standard output (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides terminal detection for standard error (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetNeverPrompt turns prompting off regardless of the terminals.
func (s *IOStreams) SetNeverPrompt(v bool) { s.neverPrompt = v }

// SetTerminalWidth fixes the width TerminalWidth reports when stdout is a
// terminal (tests); 0 restores "unknown".
func (s *IOStreams) SetTerminalWidth(w int) { s.termWidth = func() int { return w } }

// CanPrompt reports whether the user may be asked questions: stdin and stdout
// are terminals, prompting was not turned off and CI is unset or empty.
// (--no-input and USERCTL_NO_INPUT are the caller's business.)
func (s *IOStreams) CanPrompt() bool {
	if s.neverPrompt || !s.stdinTTY || !s.stdoutTTY {
		return false
	}
	return s.getenv("CI") == ""
}

// TerminalWidth is the width to fit tables into: 0 (unlimited) when stdout
// is not a terminal; otherwise COLUMNS when it holds a positive number, else
// the real terminal width, else 80.
func (s *IOStreams) TerminalWidth() int {
	if !s.stdoutTTY {
		return 0
	}
	if c := strings.TrimSpace(s.getenv("COLUMNS")); c != "" {
		if n, err := strconv.Atoi(c); err == nil && n > 0 {
			return n
		}
	}
	if s.termWidth != nil {
		if w := s.termWidth(); w > 0 {
			return w
		}
	}
	return 80
}

// ColorEnabled reports whether stdout may be coloured: it is a terminal,
// NO_COLOR is unset or empty and TERM is not "dumb".
func (s *IOStreams) ColorEnabled() bool {
	return s.stdoutTTY && s.getenv("NO_COLOR") == "" && s.getenv("TERM") != "dumb"
}
