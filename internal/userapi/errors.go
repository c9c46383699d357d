package userapi

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
	KindUnknown     Kind = iota // exit 1: network failure, unreadable response
	KindServer                  // exit 1: 5xx after retries
	KindUsage                   // exit 2: bad flag, argument or input caught before sending
	KindInvalid                 // exit 2: rejected by the server (400, 422)
	KindUnsupported             // exit 2: verb not supported by the dialect
	KindNotFound                // exit 3: 404, 410
	KindAuth                    // exit 4: 401, 403
	KindConflict                // exit 5: 409 or the dialect's equivalent
	KindRateLimited             // exit 6: 429, retries exhausted
	KindPartial                 // exit 7: a bulk command had failed items
	KindDrift                   // exit 8: apply --dry-run --exit-code found changes to make
	KindInterrupted             // exit 130
)

var kindNames = map[Kind]string{
	KindUnknown: "error", KindServer: "server error", KindUsage: "usage", KindInvalid: "invalid",
	KindUnsupported: "unsupported", KindNotFound: "not found", KindAuth: "auth", KindConflict: "conflict",
	KindRateLimited: "rate limited", KindPartial: "partial failure", KindDrift: "drift", KindInterrupted: "interrupted",
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

// KindOf returns the kind of err: an interrupted context is KindInterrupted,
// an *Error its own kind, anything else KindUnknown.
func KindOf(err error) Kind {
	if err == nil {
		return KindUnknown
	}
	if errors.Is(err, context.Canceled) {
		return KindInterrupted
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// IsKind reports whether err is of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// ExitCode maps an error to the exit codes of CLI.md. This is the one place
// that does so.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	switch KindOf(err) {
	case KindUsage, KindInvalid, KindUnsupported:
		return 2
	case KindNotFound:
		return 3
	case KindAuth:
		return 4
	case KindConflict:
		return 5
	case KindRateLimited:
		return 6
	case KindPartial:
		return 7
	case KindDrift:
		return 8
	case KindInterrupted:
		return 130
	default:
		return 1
	}
}

// KindForStatus classifies an HTTP status code.
func KindForStatus(status int) Kind {
	switch {
	case status == 400 || status == 422:
		return KindInvalid
	case status == 401 || status == 403:
		return KindAuth
	case status == 404 || status == 410:
		return KindNotFound
	case status == 409:
		return KindConflict
	case status == 429:
		return KindRateLimited
	case status >= 500:
		return KindServer
	case status >= 400:
		return KindInvalid
	default:
		return KindUnknown
	}
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
	case KindNotFound:
		c.Message = subject + " not found" + suffix(withoutStatus(e), "not found")
	case KindConflict:
		c.Message = subject + " already exists" + suffix(withoutStatus(e), "conflict")
	default:
		c.Message = subject + ": " + e.Message
	}
	c.Err = e
	return &c
}

// withoutStatus is the message without its leading "404 Not Found" (the
// subject's phrase says it already).
func withoutStatus(e *Error) string {
	if e.Status == 0 {
		return e.Message
	}
	prefix := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	return strings.TrimPrefix(strings.TrimPrefix(e.Message, prefix), ": ")
}

func suffix(msg, generic string) string {
	if msg == "" || strings.EqualFold(msg, generic) {
		return ""
	}
	return ": " + msg
}

func verbUnsupportedMessage(name, title, verb string, can []string) string {
	return fmt.Sprintf("%s: the %s API (%s) cannot do this; it supports: %s", verb, name, title, strings.Join(can, ", "))
}
