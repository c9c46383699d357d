package users

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// validateOne refuses a lone invalid ID before any confirmation is asked
// for it (the dialect checks every ID again before its request; with
// several IDs an invalid one is skipped, see skipped).
func validateOne(ids []string) error {
	if len(ids) == 1 {
		return userapi.ValidateID(ids[0])
	}
	return nil
}

// skipped collects the IDs a multi-ID verb (get, delete, disable, enable)
// went past: users not found, and IDs the dialect refused as invalid
// (userapi.ErrInvalidID) before sending anything. Neither stops the other
// IDs; Err sums them up at the end.
type skipped struct {
	missing, invalid           []string
	firstMissing, firstInvalid error
	// gone is true when a missing user was only already deleted
	// (userapi.ErrAlreadyDeleted).
	gone bool
}

// add records err when it concerns this ID only and reports whether it did;
// any other error should stop the command.
func (s *skipped) add(id string, err error) bool {
	switch {
	case errors.Is(err, userapi.ErrInvalidID):
		s.invalid = append(s.invalid, strconv.Quote(id))
		if s.firstInvalid == nil {
			s.firstInvalid = err
		}
	case errkind.Is(err, errkind.NotFound):
		s.missing = append(s.missing, strconv.Quote(id))
		s.gone = s.gone || errors.Is(err, userapi.ErrAlreadyDeleted)
		if s.firstMissing == nil {
			s.firstMissing = err
		}
	default:
		return false
	}
	return true
}

// Err is nil when nothing was skipped. An invalid ID is a usage error (exit
// 2) and outweighs users not found (exit 3); one skipped ID is its own error.
func (s *skipped) Err() error {
	nf := notFoundError(s.missing, s.firstMissing)
	if s.gone && len(s.missing) > 1 {
		nf = &errkind.Error{Kind: errkind.NotFound, Err: s.firstMissing,
			Message: fmt.Sprintf("%d users not found or already deleted: %s", len(s.missing), strings.Join(s.missing, ", "))}
	}
	switch len(s.invalid) {
	case 0:
		return nf
	case 1:
		if nf == nil {
			return s.firstInvalid
		}
	}
	msg := fmt.Sprintf("%d invalid user IDs: %s", len(s.invalid), strings.Join(s.invalid, ", "))
	if len(s.invalid) == 1 {
		msg = s.firstInvalid.Error()
	}
	if nf != nil {
		msg += "; " + nf.Error()
	}
	return &errkind.Error{Kind: errkind.Usage, Err: s.firstInvalid, Message: msg}
}

// notFoundError sums up the users a multi-ID verb did not find, keeping the
// not-found kind (exit 3); nil when none was missing.
func notFoundError(missing []string, first error) error {
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return first
	}
	return &errkind.Error{Kind: errkind.NotFound, Err: first,
		Message: fmt.Sprintf("%d users not found: %s", len(missing), strings.Join(missing, ", "))}
}
