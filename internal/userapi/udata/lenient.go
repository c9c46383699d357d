package udata

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// UnmarshalJSON decodes a user leniently: a field whose value has an
// unexpected type (a number for an email, an object for a name, a list of
// mixed values for roles) is left empty and its raw value kept in bad, so
// that one odd user reads as null fields (the raw value in extra) instead of
// failing a whole export. A body that is not an object is still an error.
func (w *wireUser) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*w = wireUser{}
	fields := map[string]any{
		"id": &w.ID, "slug": &w.Slug, "first_name": &w.FirstName, "last_name": &w.LastName, "email": &w.Email,
		"avatar": &w.Avatar, "website": &w.Website, "about": &w.About, "roles": &w.Roles, "active": &w.Active,
		"since": &w.Since, "last_login_at": &w.LastLoginAt, "metrics": &w.Metrics,
	}
	for key, dst := range fields {
		v, ok := raw[key]
		if !ok {
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			// Back to the zero value: a failed decode may leave half a list.
			reflect.ValueOf(dst).Elem().SetZero()
			var x any
			d := json.NewDecoder(bytes.NewReader(v))
			d.UseNumber()
			_ = d.Decode(&x)
			if w.bad == nil {
				w.bad = map[string]any{}
			}
			w.bad[key] = x
		}
	}
	return nil
}
