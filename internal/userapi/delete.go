package userapi

import (
	"errors"

	"github.com/userctl/userctl/internal/errkind"
)

// CheckedDelete sends a DELETE that must not be re-sent blindly: a second
// DELETE of a user the first one removed answers 404, which would report a
// deleted user "not found". When send fails after the request may have
// reached the server (errkind.Error.MaybeSent), lookup reads the user: a
// NotFound error means it is gone and the delete went through; no error
// means it is still there and send is called once more; any other error
// means it cannot tell, and the delete's own failure is returned.
//
// The error returned is always send's (never lookup's); the caller adds
// its subject.
func CheckedDelete(send, lookup func() error) error {
	err := send()
	if err == nil {
		return nil
	}
	var e *errkind.Error
	if !errors.As(err, &e) || !e.MaybeSent {
		return err
	}
	switch gerr := lookup(); {
	case errkind.Is(gerr, errkind.NotFound):
		return nil // gone: the DELETE went through
	case gerr != nil:
		return err // cannot tell: report the delete's failure
	}
	return send()
}
