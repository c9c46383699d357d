package iostreams

import (
	"testing"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestTestStreamsAreBuffers(t *testing.T) {
	ios, in, out, errOut := Test()
	in.WriteString("input")
	ios.Out.Write([]byte("data"))
	ios.ErrOut.Write([]byte("notice"))
	buf := make([]byte, 5)
	n, _ := ios.In.Read(buf)
	if string(buf[:n]) != "input" || out.String() != "data" || errOut.String() != "notice" {
		t.Errorf("streams not wired to the buffers: in=%q out=%q err=%q", buf[:n], out, errOut)
	}
	if ios.IsStdinTTY() || ios.IsStdoutTTY() || ios.IsStderrTTY() {
		t.Error("test streams claim to be terminals")
	}
}

func TestCanPrompt(t *testing.T) {
	tests := []struct {
		name          string
		stdin, stdout bool
		never         bool
		env           func(string) string
		want          bool
	}{
		{"both terminals", true, true, false, env(), true},
		{"stdin piped", false, true, false, env(), false},
		{"stdout piped", true, false, false, env(), false},
		{"never prompt", true, true, true, env(), false},
		{"CI set", true, true, false, env("CI", "true"), false},
		{"CI empty", true, true, false, env("CI", ""), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			ios.Getenv = tt.env
			ios.SetStdinTTY(tt.stdin)
			ios.SetStdoutTTY(tt.stdout)
			ios.SetNeverPrompt(tt.never)
			if got := ios.CanPrompt(); got != tt.want {
				t.Errorf("CanPrompt() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTerminalWidth(t *testing.T) {
	ios, _, _, _ := Test()
	ios.Getenv = env("COLUMNS", "120")
	if w := ios.TerminalWidth(); w != 0 {
		t.Errorf("not a terminal: width %d, want 0 (unlimited)", w)
	}
	ios.SetStdoutTTY(true)
	if w := ios.TerminalWidth(); w != 120 {
		t.Errorf("COLUMNS=120: width %d", w)
	}
	ios.Getenv = env("COLUMNS", "junk")
	ios.SetTerminalWidth(99)
	if w := ios.TerminalWidth(); w != 99 {
		t.Errorf("bad COLUMNS: width %d, want the terminal's 99", w)
	}
	ios.SetTerminalWidth(0)
	if w := ios.TerminalWidth(); w != 80 {
		t.Errorf("unknown terminal size: width %d, want 80", w)
	}
}

func TestColorEnabled(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		env  func(string) string
		want bool
	}{
		{"terminal", true, env("TERM", "xterm-256color"), true},
		{"piped", false, env("TERM", "xterm"), false},
		{"NO_COLOR", true, env("NO_COLOR", "1"), false},
		{"dumb", true, env("TERM", "dumb"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			ios.Getenv = tt.env
			ios.SetStdoutTTY(tt.tty)
			if got := ios.ColorEnabled(); got != tt.want {
				t.Errorf("ColorEnabled() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSystem(t *testing.T) {
	ios := System()
	if ios.In == nil || ios.Out == nil || ios.ErrOut == nil || ios.Getenv == nil {
		t.Fatal("System left a stream or Getenv unset")
	}
	if !ios.IsStdoutTTY() && ios.TerminalWidth() != 0 {
		t.Error("piped stdout must have unlimited width")
	}
}
