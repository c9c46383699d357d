package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// wireUser is a SCIM User resource as servers send it. encoding/json
// matches keys case-insensitively, as RFC 7643 §2.1 wants for attribute
// names; the enterprise extension is found in raw.
type wireUser struct {
	ID          string      `json:"id"`
	ExternalID  string      `json:"externalId"`
	UserName    string      `json:"userName"`
	Name        *wireName   `json:"name"`
	DisplayName string      `json:"displayName"`
	Emails      []wireValue `json:"emails"`
	Active      *bool       `json:"active"`
	Roles       []wireValue `json:"roles"`
	Groups      []wireValue `json:"groups"`
	Meta        *wireMeta   `json:"meta"`
	// raw is the whole resource, for the extension and the PUT fallback.
	raw map[string]json.RawMessage
}

type wireName struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// wireValue is a multi-valued attribute entry (emails, roles, groups). A
// server may send value as a string or another JSON scalar.
type wireValue struct {
	Value   scalar `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

type wireMeta struct {
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
	Version      string `json:"version"`
}

// scalar is a JSON string, number or boolean read as a string.
type scalar string

func (s *scalar) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch t := v.(type) {
	case string:
		*s = scalar(t)
	case nil:
		*s = ""
	case float64, bool:
		*s = scalar(strings.TrimSpace(string(b)))
	default:
		return fmt.Errorf("value is not a scalar")
	}
	return nil
}

func unreadable(what string, err error) error {
	return &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf("unreadable SCIM %s response: %v", what, err), Err: err}
}

// decodeUser reads one User resource; it must have an id.
func decodeUser(what string, body []byte) (wireUser, error) {
	var w wireUser
	if err := json.Unmarshal(body, &w); err != nil {
		return wireUser{}, unreadable(what, err)
	}
	if err := json.Unmarshal(body, &w.raw); err != nil {
		return wireUser{}, unreadable(what, err)
	}
	if strings.TrimSpace(w.ID) == "" {
		return wireUser{}, unreadable(what, fmt.Errorf("no user id in %s", clipped(body)))
	}
	return w, nil
}

// listPage is a ListResponse. Every number is optional: servers omit
// itemsPerPage, totalResults and even Resources (when empty).
type listPage struct {
	TotalResults *int              `json:"totalResults"`
	StartIndex   *int              `json:"startIndex"`
	ItemsPerPage *int              `json:"itemsPerPage"`
	Resources    []json.RawMessage `json:"Resources"`
}

func decodePage(body []byte) (listPage, []wireUser, error) {
	var p listPage
	if err := json.Unmarshal(body, &p); err != nil {
		return listPage{}, nil, unreadable("list", err)
	}
	users := make([]wireUser, 0, len(p.Resources))
	for _, r := range p.Resources {
		w, err := decodeUser("list", r)
		if err != nil {
			return listPage{}, nil, err
		}
		users = append(users, w)
	}
	return p, users, nil
}

// primaryEmail is the email with primary true, else the first.
func (w wireUser) primaryEmail() string {
	for _, e := range w.Emails {
		if e.Primary && e.Value != "" {
			return string(e.Value)
		}
	}
	for _, e := range w.Emails {
		if e.Value != "" {
			return string(e.Value)
		}
	}
	return ""
}

// enterpriseKeys maps the enterprise extension's attributes to extra keys.
var enterpriseKeys = map[string]string{
	"employeenumber": "employee_number", "costcenter": "cost_center", "organization": "organization",
	"division": "division", "department": "department", "manager": "manager",
}

// normalize maps the resource to the normalized user (the table of
// apis/scim.md).
func (w wireUser) normalize() userapi.User {
	u := userapi.User{ID: w.ID, Username: w.UserName, Email: w.primaryEmail(), Roles: []string{}, Extra: map[string]any{}}
	var given, family string
	if w.Name != nil {
		given, family = strings.TrimSpace(w.Name.GivenName), strings.TrimSpace(w.Name.FamilyName)
		u.Name = strings.TrimSpace(w.Name.Formatted)
	}
	if u.Name == "" {
		u.Name = strings.TrimSpace(w.DisplayName)
	}
	if u.Name == "" {
		u.Name = strings.TrimSpace(given + " " + family)
	}
	if given != "" {
		u.Extra["first_name"] = given
	}
	if family != "" {
		u.Extra["last_name"] = family
	}
	for _, r := range w.Roles {
		if v := strings.TrimSpace(string(r.Value)); v != "" {
			u.Roles = append(u.Roles, v)
		}
	}
	switch {
	case w.Active == nil || *w.Active:
		u.Status = userapi.StatusActive
	default:
		u.Status = userapi.StatusDisabled
	}
	if w.Meta != nil {
		u.CreatedAt = parseTime(w.Meta.Created)
		u.UpdatedAt = parseTime(w.Meta.LastModified)
	}
	if w.ExternalID != "" {
		u.Extra["external_id"] = w.ExternalID
	}
	if w.DisplayName != "" {
		u.Extra["display_name"] = w.DisplayName
	}
	if len(w.Groups) > 0 {
		groups := make([]string, 0, len(w.Groups))
		for _, g := range w.Groups {
			name := g.Display
			if name == "" {
				name = string(g.Value)
			}
			if name != "" {
				groups = append(groups, name)
			}
		}
		u.Extra["groups"] = groups
	}
	for k, v := range w.raw {
		if !strings.EqualFold(k, SchemaEnterprise) {
			continue
		}
		var ext map[string]any
		if json.Unmarshal(v, &ext) != nil {
			continue
		}
		for ek, ev := range ext {
			key, ok := enterpriseKeys[strings.ToLower(ek)]
			if !ok {
				continue
			}
			if m, isObj := ev.(map[string]any); isObj { // manager: {value, displayName}
				if s, _ := m["displayName"].(string); s != "" {
					ev = s
				} else {
					ev = m["value"]
				}
			}
			if ev != nil && ev != "" {
				u.Extra[key] = ev
			}
		}
	}
	return u
}

// parseTime reads an RFC 3339 time (xsd:dateTime); nil when absent or
// unreadable.
func parseTime(s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}

// filterString quotes s for a filter: a JSON string, so quotes and
// backslashes are escaped (RFC 7644 §3.4.2.2).
func filterString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func clipped(b []byte) string {
	const n = 80
	s := strings.ToValidUTF8(string(bytes.TrimSpace(b)), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
