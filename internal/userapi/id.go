package userapi

import (
	"net/url"
	"strings"
	"unicode"
)

// ValidateID refuses an ID that cannot name one user in a URL path: empty or
// blank, "." or "..", or holding a path separator or a control character.
// Every dialect calls it before building a request, so a careless script
// (`userctl users delete "" --yes`) never writes to the collection or to
// another path. The error is a usage error (exit 2) naming the ID.
func ValidateID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return Errorf(KindUsage, "invalid user ID %q: it is empty", id)
	case id == "." || id == "..":
		return Errorf(KindUsage, "invalid user ID %q: it would change the request path", id)
	case strings.ContainsAny(id, `/\`):
		return Errorf(KindUsage, "invalid user ID %q: it holds a path separator", id)
	case strings.ContainsFunc(id, unicode.IsControl):
		return Errorf(KindUsage, "invalid user ID %q: it holds a control character", id)
	}
	return nil
}

// EscapeID validates id and returns it path-escaped, ready to be one
// segment of a URL path.
func EscapeID(id string) (string, error) {
	if err := ValidateID(id); err != nil {
		return "", err
	}
	return url.PathEscape(id), nil
}
