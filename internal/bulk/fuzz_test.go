package bulk

import (
	"bytes"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
)

// FuzzRead feeds arbitrary bytes to every reader: none may panic, every
// item has a positive line number, and a fatal error ends the sequence
// with a usage error.
func FuzzRead(f *testing.F) {
	f.Add([]byte("email,name\na@x.com,A\n"), uint8(FormatCSV))
	f.Add([]byte("email,name\n\"unterminated,A\n"), uint8(FormatCSV))
	f.Add([]byte(`{"email":"a@x.com"}`+"\n{bad\n"), uint8(FormatJSONL))
	f.Add([]byte(`[{"email":"a@x.com","roles":["a"]},{"email":1}]`), uint8(FormatJSON))
	f.Add([]byte(`[{"email":`), uint8(FormatJSON))
	f.Add([]byte("- email: a@x.com\n  roles: [a, b]\n- {email: b@x.com, status: disabled}\n"), uint8(FormatYAML))
	f.Add([]byte("- : :\n\t- x"), uint8(FormatYAML))
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := Format(format % 4)
		n := 0
		for it, err := range Read(bytes.NewReader(data), fm, "fuzz") {
			if err != nil {
				if errkind.Of(err) != errkind.Usage && errkind.Of(err) != errkind.Unknown {
					t.Fatalf("fatal error of kind %v: %v", errkind.Of(err), err)
				}
				break
			}
			if it.Line <= 0 {
				t.Fatalf("item without a line number: %+v", it)
			}
			n++
			if n > len(data)+1 {
				t.Fatalf("more items (%d) than bytes (%d)", n, len(data))
			}
		}
	})
}
