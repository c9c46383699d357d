package csvcell

import "testing"

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"ada@example.com", "ada@example.com"},
		{"O'Brien", "O'Brien"},
		{"'quoted", "'quoted"},
		{`=HYPERLINK("http://evil","x")`, `'=HYPERLINK("http://evil","x")`},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'=1", "''=1"},
		{"''@x", "'''@x"},
		{"a=1", "a=1"},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUnescapeKeepsHandWrittenCells(t *testing.T) {
	for _, cell := range []string{"", "'", "'abc", "''", "plain", "O'Brien"} {
		if got := Unescape(cell); got != cell {
			t.Errorf("Unescape(%q) = %q, want it unchanged", cell, got)
		}
	}
}

// FuzzRoundTrip checks that every value comes back exactly and that no
// escaped cell starts with a formula trigger.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"", "=1", "'=1", "''", "'", "-", "@", "\t", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if got := Unescape(e); got != s {
			t.Fatalf("Unescape(Escape(%q)) = %q", s, got)
		}
		if e != "" {
			switch e[0] {
			case '=', '+', '-', '@', '\t', '\r':
				t.Fatalf("Escape(%q) = %q starts with a formula trigger", s, e)
			}
		}
	})
}
