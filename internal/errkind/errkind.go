// Package errkind holds the one error model of userctl: the kinds of error,
// the Error type that carries a kind with the HTTP status and the server's
// message, and the mapping of kinds to the exit codes of CLI.md.
//
// It is a leaf: it imports nothing of the project, so that every layer (the
// HTTP client, the dialects, the commands) builds and reads the same errors
// with nothing to translate between them.
package errkind

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kind classifies every error userctl can report; ExitCode maps kinds to the
// exit codes of CLI.md.
type Kind int

// The error kinds.
const (
	Unknown     Kind = iota // exit 1: network failure, unreadable response
	Server                  // exit 1: 5xx after retries
	Usage                   // exit 2: bad flag, argument or input caught before sending
	Invalid                 // exit 2: rejected by the server (400, 422)
	Unsupported             // exit 2: verb not supported by the dialect
	NotFound                // exit 3: 404, 410
	Auth                    // exit 4: 401, 403
	Conflict                // exit 5: 409 or the dialect's equivalent
	RateLimited             // exit 6: 429, retries exhausted
	Partial                 // exit 7: a bulk command had failed items
	Drift                   // exit 8: apply --dry-run --exit-code found changes to make
	Interrupted             // exit 130
)

var kindNames = map[Kind]string{
	Unknown: "error", Server: "server error", Usage: "usage", Invalid: "invalid",
	Unsupported: "unsupported", NotFound: "not found", Auth: "auth", Conflict: "conflict",
	RateLimited: "rate limited", Partial: "partial failure", Drift: "drift", Interrupted: "interrupted",
}

func (k Kind) String() string { return kindNames[k] }

// Error is the one error type of userctl.
type Error struct {
	Kind Kind
	// Status is the HTTP status, 0 when no response was received.
	Status int
	// Message is the complete one-line description (it carries the server's
	// own message where it sent one).
	Message string
	// Err is the underlying cause, if any.
	Err error
	// MaybeSent is true when a non-idempotent request may have reached the
	// server although no response was read (a create to check before retry).
	MaybeSent bool
	// NotSent is true when the request was surely not carried out: it was
	// never sent, or every try was refused with 429 (rate limited).
	NotSent bool
	// Body is the raw body of the error response, for `userctl api`.
	Body []byte
}

func (e *Error) Error() string {
	switch {
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Err.Error()
	default:
		return e.Kind.String()
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of kind k with a formatted message.
func Errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Of returns the kind of err: an interrupted context is Interrupted, an
// *Error its own kind, anything else Unknown.
func Of(err error) Kind {
	if err == nil {
		return Unknown
	}
	if errors.Is(err, context.Canceled) {
		return Interrupted
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Unknown
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && Of(err) == k }

// ExitCode maps an error to the exit codes of CLI.md. This is the one place
// that does so.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	switch Of(err) {
	case Usage, Invalid, Unsupported:
		return 2
	case NotFound:
		return 3
	case Auth:
		return 4
	case Conflict:
		return 5
	case RateLimited:
		return 6
	case Partial:
		return 7
	case Drift:
		return 8
	case Interrupted:
		return 130
	default:
		return 1
	}
}

// ForStatus classifies an HTTP status code.
func ForStatus(status int) Kind {
	switch {
	case status == 400 || status == 422:
		return Invalid
	case status == 401 || status == 403:
		return Auth
	case status == 404 || status == 410:
		return NotFound
	case status == 409:
		return Conflict
	case status == 429:
		return RateLimited
	case status >= 500:
		return Server
	case status >= 400:
		return Invalid
	default:
		return Unknown
	}
}

// StatusLine is an HTTP status as messages show it: "404 Not Found".
func StatusLine(status int) string {
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}

// ServerMessage is the server's own message of an error, without the
// status line it starts with ("" when err is not an *Error).
func ServerMessage(err error) string {
	var e *Error
	if !errors.As(err, &e) {
		return ""
	}
	if e.Status == 0 {
		return e.Message
	}
	return strings.TrimPrefix(strings.TrimPrefix(e.Message, StatusLine(e.Status)), ": ")
}

// WithSubject rewrites err's message to name the thing it is about, keeping
// its kind: `user "usr_1" not found: <server message>`.
func WithSubject(err error, subject string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	switch c.Kind {
	case NotFound:
		c.Message = subject + " not found" + suffix(ServerMessage(e), "not found")
	case Conflict:
		c.Message = subject + " already exists" + suffix(ServerMessage(e), "conflict")
	default:
		c.Message = subject + ": " + e.Message
	}
	c.Err = e
	return &c
}

func suffix(msg, generic string) string {
	if msg == "" || strings.EqualFold(msg, generic) {
		return ""
	}
	return ": " + msg
}
