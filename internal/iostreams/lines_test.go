package iostreams

import (
	"reflect"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
)

func TestReadLines(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin string
		n     int
		want  []string
		err   string // a usage error containing this
	}{
		{"one line", "s3cret\n", 1, []string{"s3cret"}, ""},
		{"no final newline", "s3cret", 1, []string{"s3cret"}, ""},
		{"crlf", "old\r\nnew\r\n", 2, []string{"old", "new"}, ""},
		{"extra lines ignored", "a\nb\nc\n", 2, []string{"a", "b"}, ""},
		{"spaces kept", " pass word \n", 1, []string{" pass word "}, ""},
		{"empty stdin", "", 1, nil, "expected 1 line(s) on stdin, got 0"},
		{"blank line", "\n", 1, nil, "expected 1 line(s) on stdin, got 0"},
		{"one of two", "old\n", 2, nil, "expected 2 line(s) on stdin, got 1"},
		{"second blank", "old\n\nnew\n", 2, nil, "expected 2 line(s) on stdin, got 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, in, _, _ := Test()
			in.WriteString(tc.stdin)
			got, err := ios.ReadLines(tc.n)
			if tc.err != "" {
				if errkind.Of(err) != errkind.Usage || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v (kind %v), want a usage error with %q", err, errkind.Of(err), tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ReadLines(%d) = %q, %v; want %q", tc.n, got, err, tc.want)
			}
		})
	}
}

func TestReadSecretLineStopsAtTheLimit(t *testing.T) {
	ios, in, _, _ := Test()
	in.WriteString(strings.Repeat("x", maxStdinBytes+10) + "\n")
	got, err := ios.ReadSecretLine()
	if err != nil || len(got) != maxStdinBytes {
		t.Fatalf("ReadSecretLine read %d bytes, %v; want the first %d", len(got), err, maxStdinBytes)
	}
}
