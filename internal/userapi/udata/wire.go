package udata

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

// wireUser is a user as the API sends it. JSON null leaves a field at its
// zero value, so every optional field is null-safe.
type wireUser struct {
	ID          string         `json:"id"`
	Slug        string         `json:"slug"`
	FirstName   string         `json:"first_name"`
	LastName    string         `json:"last_name"`
	Email       string         `json:"email"`
	Avatar      string         `json:"avatar"`
	Website     string         `json:"website"`
	About       string         `json:"about"`
	Roles       []string       `json:"roles"`
	Active      *bool          `json:"active"`
	Since       string         `json:"since"`
	LastLoginAt any            `json:"last_login_at"`
	Metrics     map[string]any `json:"metrics"`
	// bad holds the raw values of fields of an unexpected type (see
	// UnmarshalJSON); normalize shows them in extra.
	bad map[string]any
}

// wirePage is one page of a paginated listing.
type wirePage[T any] struct {
	Data     []T    `json:"data"`
	Page     int    `json:"page"`
	PageSize int    `json:"page_size"`
	Total    int    `json:"total"`
	NextPage string `json:"next_page"`
}

// createBody is the body of POST /users/.
type createBody struct {
	FirstName string   `json:"first_name"`
	LastName  string   `json:"last_name"`
	Email     string   `json:"email"`
	Website   string   `json:"website,omitempty"`
	About     string   `json:"about,omitempty"`
	Roles     []string `json:"roles,omitempty"`
	// Active is always sent: older servers default a missing one to false.
	Active bool `json:"active"`
}

// updateBody is the body of PUT /users/{user}/: the keys that change, and
// always the full roles list (never null: older servers empty the roles
// when the key is missing).
type updateBody struct {
	FirstName *string  `json:"first_name,omitempty"`
	LastName  *string  `json:"last_name,omitempty"`
	Email     *string  `json:"email,omitempty"`
	Website   *string  `json:"website,omitempty"`
	About     *string  `json:"about,omitempty"`
	Roles     []string `json:"roles"`
	Active    *bool    `json:"active,omitempty"`
}

// wireFollower is one item of GET /users/{id}/followers/.
type wireFollower struct {
	ID       string   `json:"id"`
	Follower wireUser `json:"follower"`
	Since    string   `json:"since"`
}

// wireSuggestion is one item of GET /users/suggest/.
type wireSuggestion struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	Slug      string `json:"slug"`
}

func fullName(first, last string) string {
	return strings.TrimSpace(strings.TrimSpace(first) + " " + strings.TrimSpace(last))
}

// status maps a user to the normalized status: deleted (anonymised email or
// slug), disabled (active false), else active (active true or null).
func (w *wireUser) status() userapi.Status {
	switch {
	case strings.HasSuffix(strings.ToLower(w.Email), "@deleted") || w.Slug == "deleted" || strings.HasPrefix(w.Slug, "deleted-"):
		return userapi.StatusDeleted
	case w.Active != nil && !*w.Active:
		return userapi.StatusDisabled
	}
	return userapi.StatusActive
}

// normalize maps a user to the normalized object.
func (w *wireUser) normalize() userapi.User {
	u := userapi.User{
		ID:       w.ID,
		Username: w.Slug,
		Email:    w.Email,
		Name:     fullName(w.FirstName, w.LastName),
		Roles:    w.Roles,
		Status:   w.status(),
		Extra: map[string]any{
			"slug":          nullable(w.Slug),
			"metrics":       nil,
			"website":       nullable(w.Website),
			"about":         nullable(w.About),
			"avatar":        nullable(w.Avatar),
			"last_login_at": normTime(w.LastLoginAt),
		},
	}
	if w.Metrics != nil {
		u.Extra["metrics"] = w.Metrics
	}
	for k, v := range w.bad {
		u.Extra[k] = v
	}
	u.Roles = slices.DeleteFunc(append([]string{}, u.Roles...), func(r string) bool { return r == "" })
	if t, ok := parseTime(w.Since); ok {
		u.CreatedAt = &t
	}
	return u
}

// normTime renders a date of the API as RFC 3339 UTC (CLI.md: times are
// RFC 3339 UTC or null); a value that is not a readable date is kept as the
// server sent it.
func normTime(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	if strings.TrimSpace(s) == "" {
		return nil
	}
	if t, ok := parseTime(s); ok {
		return t.Format(time.RFC3339)
	}
	return s
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeLayouts are the shapes udata dates come in: with or without a UTC
// offset, with or without fractional seconds, "T" or space separated.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime reads a udata date leniently; a date without an offset is UTC.
// The result is in UTC; ok is false for an empty or unreadable value.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func decodeUser(body []byte) (userapi.User, wireUser, error) {
	var w wireUser
	if err := json.Unmarshal(body, &w); err != nil {
		return userapi.User{}, w, unreadable("user", err)
	}
	if w.ID == "" {
		return userapi.User{}, w, errkind.Errorf(errkind.Unknown, "unreadable udata user: no id in the response")
	}
	return w.normalize(), w, nil
}

func unreadable(what string, err error) error {
	return &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf("unreadable udata %s response: %v", what, err), Err: err}
}

var hexID = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)

// isID reports whether ref is a udata object id (24 hex digits) rather than
// a slug.
func isID(ref string) bool { return hexID.MatchString(ref) }

// userPath is the path of a user, with its trailing slash, plus more path
// segments (each given with their own trailing slash, e.g. "followers/").
// An id or slug that cannot be one path segment is refused
// (userapi.ValidateID) before any request.
func userPath(ref string, more string) (string, error) {
	esc, err := userapi.EscapeID(ref)
	if err != nil {
		return "", err
	}
	return "users/" + esc + "/" + more, nil
}

// didYouMean cuts the routing hint Flask appends to 404 texts ("You have
// requested this URI [...] but did you mean ...?"), which only confuses in
// a one-line message. Nothing is decided on it.
var didYouMean = regexp.MustCompile(`(?s)\s*You have requested this URI.*$`)

// flaskNotFound is the generic text of a Flask 404, which says nothing
// more than "not found" once the user is named.
var flaskNotFound = regexp.MustCompile(`(?i)\s*The requested URL was not found on the server\.(\s*If you entered the URL manually please check your spelling and try again\.)?`)

// subject names the user in not-found, conflict and invalid errors.
func subject(err error, ref string) error {
	var e *errkind.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case errkind.NotFound, errkind.Conflict, errkind.Invalid:
	default:
		return err
	}
	if e.Kind == errkind.NotFound {
		c := *e
		c.Message = flaskNotFound.ReplaceAllString(didYouMean.ReplaceAllString(e.Message, ""), "")
		c.Message = strings.TrimRight(strings.TrimSpace(c.Message), ":")
		if c.Message == errkind.StatusLine(e.Status) {
			c.Message = "" // nothing but the status: "user "x" not found" says it all
		}
		c.Err = e
		e = &c
	}
	return errkind.WithSubject(e, fmt.Sprintf("user %q", ref))
}

// fieldErrors reads the "errors" object of a validation error body: field
// names to one message (a list's messages joined).
func fieldErrors(body []byte) map[string]string {
	var b struct {
		Errors map[string]json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &b) != nil {
		return nil
	}
	out := make(map[string]string, len(b.Errors))
	for k, raw := range b.Errors {
		var s string
		var list []string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			out[k] = s
		case json.Unmarshal(raw, &list) == nil:
			out[k] = strings.Join(list, "; ")
		default:
			out[k] = httpx.ServerMessage("application/json", raw)
		}
	}
	return out
}

// emailTaken turns a create's 400 whose email error says the address is
// already used into a conflict (exit 5), and names the user in a 409.
func emailTaken(err error, email string) error {
	var e *errkind.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Status == 409 {
		return errkind.WithSubject(err, fmt.Sprintf("user %q", email))
	}
	if e.Status != 400 {
		return err
	}
	msg := strings.ToLower(fieldErrors(e.Body)["email"])
	if !strings.Contains(msg, "already") && !strings.Contains(msg, "exist") && !strings.Contains(msg, "taken") {
		return err
	}
	return &errkind.Error{Kind: errkind.Conflict, Status: e.Status, Body: e.Body, Err: e,
		Message: fmt.Sprintf("user %q already exists: %s", email, errkind.ServerMessage(err))}
}
