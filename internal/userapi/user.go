// Package userapi holds the dialect-neutral model of userctl: the normalized
// User, the requests commands send, the Backend interface with its optional
// capabilities, the error kinds, and the registry of dialects.
package userapi

import (
	"encoding/json"
	"time"
)

// Status is the normalized account state.
type Status string

// The statuses of the normalized user object.
const (
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
	StatusPending  Status = "pending"
	StatusDeleted  Status = "deleted"
)

// User is the normalized user object every dialect maps its users to. Its
// JSON field names are a stable contract (CLI.md "Output").
type User struct {
	ID        string
	Username  string
	Email     string
	Name      string
	Roles     []string
	Status    Status
	CreatedAt *time.Time
	UpdatedAt *time.Time
	// Extra holds the dialect's own fields (udata slug, Datadog verified, ...).
	Extra map[string]any
}

// Fields lists the normalized field names in their canonical order.
var Fields = []string{"id", "username", "email", "name", "roles", "status", "created_at", "updated_at", "extra"}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullableTime(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// Value returns the normalized value of field name: strings or nil, []string
// for roles, RFC 3339 strings for times, the extra map, or a value from extra
// for "extra.KEY". The second result is false for an unknown field.
func (u User) Value(name string) (any, bool) {
	switch name {
	case "id":
		return nullable(u.ID), true
	case "username":
		return nullable(u.Username), true
	case "email":
		return nullable(u.Email), true
	case "name":
		return nullable(u.Name), true
	case "roles":
		if u.Roles == nil {
			return []string{}, true
		}
		return u.Roles, true
	case "status":
		return nullable(string(u.Status)), true
	case "created_at":
		return nullableTime(u.CreatedAt), true
	case "updated_at":
		return nullableTime(u.UpdatedAt), true
	case "extra":
		if u.Extra == nil {
			return map[string]any{}, true
		}
		return u.Extra, true
	}
	if len(name) > 6 && name[:6] == "extra." {
		return u.Extra[name[6:]], true
	}
	return nil, false
}

// MarshalJSON writes the normalized object: missing values are null, lists
// are [], extra is {}.
func (u User) MarshalJSON() ([]byte, error) {
	type wire struct {
		ID        any            `json:"id"`
		Username  any            `json:"username"`
		Email     any            `json:"email"`
		Name      any            `json:"name"`
		Roles     []string       `json:"roles"`
		Status    any            `json:"status"`
		CreatedAt any            `json:"created_at"`
		UpdatedAt any            `json:"updated_at"`
		Extra     map[string]any `json:"extra"`
	}
	w := wire{
		ID: nullable(u.ID), Username: nullable(u.Username), Email: nullable(u.Email), Name: nullable(u.Name),
		Roles: u.Roles, Status: nullable(string(u.Status)),
		CreatedAt: nullableTime(u.CreatedAt), UpdatedAt: nullableTime(u.UpdatedAt), Extra: u.Extra,
	}
	if w.Roles == nil {
		w.Roles = []string{}
	}
	if w.Extra == nil {
		w.Extra = map[string]any{}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the normalized object back (used by tests and by
// scripts' files that hold userctl's own output).
func (u *User) UnmarshalJSON(b []byte) error {
	var w struct {
		ID        string         `json:"id"`
		Username  string         `json:"username"`
		Email     string         `json:"email"`
		Name      string         `json:"name"`
		Roles     []string       `json:"roles"`
		Status    Status         `json:"status"`
		CreatedAt *time.Time     `json:"created_at"`
		UpdatedAt *time.Time     `json:"updated_at"`
		Extra     map[string]any `json:"extra"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*u = User{ID: w.ID, Username: w.Username, Email: w.Email, Name: w.Name, Roles: w.Roles, Status: w.Status,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, Extra: w.Extra}
	return nil
}

// Role is a role the API knows.
type Role struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Follower is one follower of a user.
type Follower struct {
	ID    string     `json:"id"`
	Name  string     `json:"name"`
	Since *time.Time `json:"since"`
}

// Suggestion is one result of a user suggestion (autocomplete) query.
type Suggestion struct {
	ID    string `json:"id"`
	Slug  string `json:"slug"`
	Name  string `json:"name"`
	Email string `json:"email"`
}
