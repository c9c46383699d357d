package bulk

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"sort"
	"strconv"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// Item is one record of a bulk file: the desired state of one user. An
// empty field (or a nil Roles / Admin) means "don't care": import leaves it
// to the API's default and apply neither compares nor changes it.
type Item struct {
	// Line is the source line the record starts on (1-based).
	Line      int
	ID        string
	Username  string
	Email     string
	Name      string
	FirstName string
	LastName  string
	// Roles is compared as a set; nil when the file does not say.
	Roles []string
	// Status is "", active or disabled.
	Status   userapi.Status
	Password string
	Admin    *bool
	// Extra holds every other column or key (and the keys of an "extra"
	// object, as userctl's own export writes it), values as text.
	Extra map[string]string
	// Err is set when the record could not be read or is invalid; such an
	// item is reported as failed and never sent.
	Err error
	// defaults fill what a create needs and the file does not give (see
	// target.adapt).
	defaults createDefaults
}

// GeneratedPassword is the password made for the item's create by
// --generate-passwords ("" when none was).
func (it *Item) GeneratedPassword() string { return it.defaults.password }

// Key identifies the item in reports: its id, else username, else email.
func (it *Item) Key() string {
	switch {
	case it.ID != "":
		return it.ID
	case it.Username != "":
		return it.Username
	default:
		return it.Email
	}
}

// fullName is the name the file gives: name, else first and last name
// ("" when it gives none; create defaults are not desired state).
func (it *Item) fullName() string {
	if it.Name != "" {
		return it.Name
	}
	return strings.TrimSpace(it.FirstName + " " + it.LastName)
}

// CreateRequest maps the item to the request that creates it.
func (it *Item) CreateRequest() userapi.CreateRequest {
	req := userapi.CreateRequest{
		Username: it.Username, Email: it.Email, Name: it.Name, FirstName: it.FirstName, LastName: it.LastName,
		Roles: it.Roles, Admin: it.Admin, Password: it.Password, Inactive: it.Status == userapi.StatusDisabled,
	}
	if req.Name == "" && (it.FirstName != "" || it.LastName != "") {
		req.Name = strings.TrimSpace(it.FirstName + " " + it.LastName)
	}
	d := it.defaults
	for _, f := range []struct {
		dst *string
		def string
	}{{&req.Username, d.username}, {&req.Email, d.email},
		{&req.Name, d.name}, {&req.FirstName, d.first}, {&req.LastName, d.last}, {&req.Password, d.password}} {
		if *f.dst == "" {
			*f.dst = f.def
		}
	}
	if len(it.Extra) > 0 {
		req.Extra = make(map[string]string, len(it.Extra))
		for k, v := range it.Extra {
			req.Extra[k] = v
		}
	}
	return req
}

// lineError is the error of a record that could not be read.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string {
	if e.line <= 0 {
		return e.msg
	}
	return fmt.Sprintf("line %d: %s", e.line, e.msg)
}

// badLine returns an item that failed to read.
func badLine(line int, format string, args ...any) Item {
	return Item{Line: line, Err: &errkind.Error{Kind: errkind.Usage, Message: (&lineError{line, fmt.Sprintf(format, args...)}).Error()}}
}

// normalizeKey turns a column or key into a field name: lower case, with
// spaces and dashes as underscores ("First Name" -> first_name).
func normalizeKey(k string) string {
	k = strings.ToLower(strings.TrimSpace(k))
	if !strings.ContainsAny(k, " -") {
		return k
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, k)
}

// readOnly are fields of userctl's own output that a bulk file may carry
// (export → apply) but that are never desired state.
var readOnly = map[string]bool{"created_at": true, "updated_at": true}

// newItem builds an item from one record's fields. Values are strings (CSV)
// or decoded JSON/YAML values; keys are already normalized. Validation
// errors end up in Item.Err with the line number.
func newItem(line int, fields map[string]any) Item {
	it := Item{Line: line}
	fail := func(format string, args ...any) Item { return badLine(line, format, args...) }
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic errors
	for _, k := range keys {
		v := fields[k]
		if v == nil || readOnly[k] {
			continue
		}
		switch k {
		case "roles", "role":
			roles, err := toRoles(v)
			if err != nil {
				return fail("%s: %v", k, err)
			}
			if len(roles) > 0 {
				it.Roles = roles
			}
			continue
		case "admin":
			s, err := toText(v)
			if err != nil {
				return fail("admin: %v", err)
			}
			if s == "" {
				continue
			}
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fail("admin: %q is not true or false", s)
			}
			it.Admin = &b
			continue
		case "extra":
			m, ok := v.(map[string]any)
			if !ok {
				return fail("extra: want an object, got %T", v)
			}
			for ek, ev := range m {
				if ev == nil {
					continue
				}
				s, err := toText(ev)
				if err != nil {
					return fail("extra.%s: %v", ek, err)
				}
				it.setExtra(ek, s)
			}
			continue
		}
		s, err := toText(v)
		if err != nil {
			return fail("%s: %v", k, err)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		switch k {
		case "id":
			it.ID = s
		case "username":
			it.Username = s
		case "email":
			it.Email = s
		case "name":
			it.Name = s
		case "first_name":
			it.FirstName = s
		case "last_name":
			it.LastName = s
		case "password":
			it.Password = s
		case "status":
			switch st := userapi.Status(strings.ToLower(s)); st {
			case userapi.StatusActive, userapi.StatusDisabled:
				it.Status = st
			case userapi.StatusPending:
				// An export's account nobody logged in to yet: an active
				// one, which is what a create makes.
				it.Status = userapi.StatusActive
			case userapi.StatusDeleted:
				// An export's soft-deleted account: the nearest state any
				// API can hold.
				it.Status = userapi.StatusDisabled
			default:
				return fail("unknown status %q (want active or disabled)", s)
			}
		default:
			it.setExtra(strings.TrimPrefix(k, "extra."), s)
		}
	}
	if it.Email != "" {
		if a, err := mail.ParseAddress(it.Email); err != nil || a.Address != it.Email {
			return fail("invalid email %q", it.Email)
		}
	}
	if it.ID == "" && it.Username == "" && it.Email == "" {
		return fail("no id, username or email")
	}
	return it
}

func (it *Item) setExtra(k, v string) {
	if it.Extra == nil {
		it.Extra = map[string]string{}
	}
	it.Extra[k] = v
}

// toText renders a scalar as text; objects and lists as JSON.
func toText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return x.String(), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return "", fmt.Errorf("unsupported value %T", v)
		}
		return string(b), nil
	}
}

// toRoles reads roles from "a;b" (or "a,b") text or a list.
func toRoles(v any) ([]string, error) {
	var raw []string
	switch x := v.(type) {
	case string:
		raw = strings.FieldsFunc(x, func(r rune) bool { return r == ';' || r == ',' })
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want a list of names, got %T in it", e)
			}
			raw = append(raw, s)
		}
	case []string:
		raw = x
	default:
		return nil, fmt.Errorf("want a list or \"a;b\", got %T", v)
	}
	out := make([]string, 0, len(raw))
	seen := map[string]bool{}
	for _, r := range raw {
		r = strings.TrimSpace(r)
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out, nil
}
