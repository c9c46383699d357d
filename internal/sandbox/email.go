package sandbox

import (
	"net/mail"
	"strings"
)

// ValidEmail reports whether s is a bare email address (no display name,
// no angle brackets, quotes or spaces), as the dialects that check emails
// want them.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && !strings.ContainsAny(s, " <>\"")
}
