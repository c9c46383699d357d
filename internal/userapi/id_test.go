package userapi

import (
	"errors"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
)

func TestValidateID(t *testing.T) {
	for _, id := range []string{"", " ", ".", "..", "a/b", `a\b`, "a\x00b", "a\nb", "\x1b[2J"} {
		err := ValidateID(id)
		if err == nil {
			t.Errorf("ValidateID(%q) = nil, want an error", id)
			continue
		}
		if got := errkind.ExitCode(err); got != 2 {
			t.Errorf("ValidateID(%q): exit %d, want 2", id, got)
		}
		if !errors.Is(err, ErrInvalidID) {
			t.Errorf("ValidateID(%q) = %v, does not wrap ErrInvalidID", id, err)
		}
	}
	for _, id := range []string{"usr_000001", "ada@example.com", "5d0000000000000000000001", "a b", "a?b#c", "100%", "...x"} {
		if err := ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q) = %v, want nil", id, err)
		}
	}
	if got, _ := EscapeID("a?b#c d"); got != "a%3Fb%23c%20d" {
		t.Errorf("EscapeID = %q", got)
	}
}
