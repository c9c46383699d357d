package termsafe

import (
	"bytes"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "ada@example.com", "ada@example.com"},
		{"unicode letters", "Zoë Ångström 李", "Zoë Ångström 李"},
		{"emoji", "🙂", "🙂"},
		{"backslash kept", `a\x1bb`, `a\x1bb`},
		{"CSI clear", "x\x1b[2J", `x\x1b[2J`},
		{"OSC title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"OSC 8 link", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;http://evil\x1b\click\x1b]8;;\x1b\`},
		{"hide line", "x@y.io\r\x1b[2K\x1b[1A", `x@y.io\r\x1b[2K\x1b[1A`},
		{"newline tab", "a\nb\tc", `a\nb\tc`},
		{"NUL DEL", "a\x00b\x7f", `a\x00b\x7f`},
		{"C1 CSI", "a\u009b2Jb", `a\u009b2Jb`},
		{"bidi override", "user\u202Egnp.exe", `user\u202egnp.exe`},
		{"bidi isolate", "\u2066a\u2069", `\u2066a\u2069`},
		{"marks", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"zero width", "ad\u200bmin\u200c\u200d\u2060\ufeff", `ad\u200bmin\u200c\u200d\u2060\ufeff`},
		{"separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"tag character", "a\U000E0041", `a\U000e0041`},
		{"invalid utf8", "a\xffb\x9b", `a\xffb\x9b`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := String(tc.in); got != tc.want {
				t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTextKeepsLinesAndTabs(t *testing.T) {
	in := "a\tb\nc\r\n\x1b[31md\u202e\n"
	want := "a\tb\nc\\r\n\\x1b[31md\\u202e\n"
	if got := Text(in); got != want {
		t.Errorf("Text(%q) = %q, want %q", in, got, want)
	}
	if got := string(AppendText([]byte("> "), []byte(in))); got != "> "+want {
		t.Errorf("AppendText = %q", got)
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, s := range []string{"safe line\n", "evil\x1b]0;x\x07\n"} {
		n, err := w.Write([]byte(s))
		if err != nil || n != len(s) {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got, want := b.String(), "safe line\nevil\\x1b]0;x\\x07\n"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

// FuzzString checks that nothing unsafe survives and that safe text is
// untouched.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[2J", "a\u202eb", "\xff\u009b", "\u200b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		if !isSafe(got, false) {
			t.Fatalf("String(%q) = %q still holds unsafe characters", s, got)
		}
		if strings.ContainsAny(got, "\n\r\t\x1b\x07") {
			t.Fatalf("String(%q) = %q", s, got)
		}
		if isSafe(s, false) && got != s {
			t.Fatalf("safe %q changed to %q", s, got)
		}
		if !isSafe(Text(s), true) {
			t.Fatalf("Text(%q) = %q still holds unsafe characters", s, Text(s))
		}
	})
}
