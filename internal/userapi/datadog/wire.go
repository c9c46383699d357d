package datadog

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// The access role codes of the v1 API.
const (
	RoleStandard = "st"
	RoleAdmin    = "adm"
	RoleReadOnly = "ro"
)

// accessRoles lists the access roles in display order: code, name,
// description.
var accessRoles = []struct{ code, name, desc string }{
	{RoleStandard, "standard", "standard user (name \"standard\"); Datadog returns it as null"},
	{RoleAdmin, "admin", "admin user (name \"admin\"): can manage users and the organization"},
	{RoleReadOnly, "read-only", "read-only user (name \"read-only\"): can view but not edit"},
}

// RoleCode turns an access role name or code (case-insensitive) into its
// code: standard/st, admin/adm, read-only/ro. ok is false for anything else.
func RoleCode(role string) (code string, ok bool) {
	r := strings.ToLower(strings.TrimSpace(role))
	switch r {
	case "read_only", "readonly":
		r = "read-only"
	}
	for _, a := range accessRoles {
		if r == a.code || r == a.name {
			return a.code, true
		}
	}
	return "", false
}

// MapRoles maps the roles of a bulk file to the one access role code a
// Datadog user has: names and codes as RoleCode reads them, and the
// plain-account names of other APIs ("user", "member") to standard.
func (c *Client) MapRoles(_ context.Context, roles []string) ([]string, error) {
	out := make([]string, 0, 1)
	for _, r := range roles {
		code, ok := RoleCode(r)
		if !ok && userapi.PlainRole(r) {
			code, ok = RoleStandard, true
		}
		if !ok {
			return nil, unknownRole(r)
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	if len(out) > 1 {
		return nil, errkind.Errorf(errkind.Usage, "a Datadog user has one access role, got %d: %s", len(out), strings.Join(roles, ", "))
	}
	return out, nil
}

func unknownRole(role string) error {
	return &userapi.UnknownRoleError{Role: role, Err: errkind.Errorf(errkind.Usage,
		"unknown Datadog access role %q: want standard, admin or read-only (st, adm, ro)", role)}
}

// wireUser is a user as the v1 API sends it. Unknown fields (role, title,
// is_admin, roles) are ignored. The schema requires no field: verified and
// icon are absent from the spec's own examples, so a missing verified is
// "not said" (nil), not "never logged in".
type wireUser struct {
	Handle     string  `json:"handle"`
	Email      string  `json:"email"`
	Name       *string `json:"name"`
	AccessRole *string `json:"access_role"`
	Disabled   bool    `json:"disabled"`
	Verified   *bool   `json:"verified"`
	Icon       *string `json:"icon"`
}

type userResponse struct {
	User *wireUser `json:"user"`
}

type listResponse struct {
	Users []wireUser `json:"users"`
}

type disableResponse struct {
	Message string `json:"message"`
}

// createBody is the body of POST /api/v1/user.
type createBody struct {
	Handle     string `json:"handle"`
	Email      string `json:"email"`
	Name       string `json:"name,omitempty"`
	AccessRole string `json:"access_role,omitempty"`
}

// updateBody is the body of PUT /api/v1/user/{handle}.
type updateBody struct {
	Email      *string `json:"email,omitempty"`
	Name       *string `json:"name,omitempty"`
	AccessRole *string `json:"access_role,omitempty"`
	Disabled   *bool   `json:"disabled,omitempty"`
}

// normalize maps a v1 user to the normalized user: id = username = handle,
// roles = [access_role code, null as "st"], status disabled / pending (never
// logged in: verified false) / active, extra verified, icon and the raw
// access_role (null when absent).
func (w wireUser) normalize() userapi.User {
	role := RoleStandard
	var rawRole any
	if w.AccessRole != nil {
		rawRole = *w.AccessRole
		if *w.AccessRole != "" {
			role = *w.AccessRole
		}
	}
	var icon any
	if w.Icon != nil {
		icon = *w.Icon
	}
	status := userapi.StatusActive
	switch {
	case w.Disabled:
		status = userapi.StatusDisabled
	case w.Verified != nil && !*w.Verified:
		status = userapi.StatusPending
	}
	var verified any
	if w.Verified != nil {
		verified = *w.Verified
	}
	u := userapi.User{
		ID:       w.Handle,
		Username: w.Handle,
		Email:    w.Email,
		Roles:    []string{role},
		Status:   status,
		Extra: map[string]any{
			"verified":    verified,
			"icon":        icon,
			"access_role": rawRole,
		},
	}
	if w.Name != nil {
		u.Name = *w.Name
	}
	return u
}

// decodeUser reads a {"user": {...}} body.
func decodeUser(body []byte) (userapi.User, wireUser, error) {
	var r userResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return userapi.User{}, wireUser{}, unreadable("user", err)
	}
	if r.User == nil || r.User.Handle == "" {
		return userapi.User{}, wireUser{}, unreadable("user", fmt.Errorf("no user with a handle in %s", clipped(body)))
	}
	return r.User.normalize(), *r.User, nil
}

// decodeList reads a {"users": [...]} body.
func decodeList(body []byte) ([]wireUser, error) {
	var r listResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, unreadable("user list", err)
	}
	if r.Users == nil {
		// Tell an unrelated JSON object from an empty list.
		var probe map[string]json.RawMessage
		if json.Unmarshal(body, &probe) != nil {
			return nil, unreadable("user list", fmt.Errorf("not an object"))
		}
		if _, ok := probe["users"]; !ok {
			return nil, unreadable("user list", fmt.Errorf("no \"users\" key in %s", clipped(body)))
		}
	}
	return r.Users, nil
}

func unreadable(what string, err error) error {
	return &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf("unreadable %s response from Datadog: %v", what, err), Err: err}
}

func clipped(b []byte) string {
	const max = 120
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// validEmail reports whether s is a bare email address, as Datadog wants for
// handles and emails ("Format of 'email' should be email").
func validEmail(s string) bool {
	if s == "" || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
