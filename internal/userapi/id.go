package userapi

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/userctl/userctl/internal/errkind"
)

// ErrInvalidID is wrapped by every error of ValidateID, so that commands
// acting on several IDs can report an invalid one and go on with the others.
var ErrInvalidID = errors.New("invalid user ID")

// ValidateID refuses an ID that cannot name one user in a URL path: empty or
// blank, "." or "..", or holding a path separator or a control character.
// Every dialect calls it before building a request, so a careless script
// (`userctl users delete "" --yes`) never writes to the collection or to
// another path. The error is a usage error (exit 2) naming the ID and
// wrapping ErrInvalidID.
func ValidateID(id string) error {
	var why string
	switch {
	case strings.TrimSpace(id) == "":
		why = "it is empty"
	case id == "." || id == "..":
		why = "it would change the request path"
	case strings.ContainsAny(id, `/\`):
		why = "it holds a path separator"
	case strings.ContainsFunc(id, unicode.IsControl):
		why = "it holds a control character"
	default:
		return nil
	}
	return &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("invalid user ID %q: %s", id, why), Err: ErrInvalidID}
}

// EscapeID validates id and returns it path-escaped, ready to be one
// segment of a URL path.
func EscapeID(id string) (string, error) {
	if err := ValidateID(id); err != nil {
		return "", err
	}
	return url.PathEscape(id), nil
}
