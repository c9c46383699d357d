package output

import (
	"reflect"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/userapi"
)

// get adapts an accessor of T to Column.Value, accepting T and *T (nil
// pointers and other types yield nil).
func get[T any](fn func(T) any) func(any) any {
	return func(item any) any {
		switch x := item.(type) {
		case T:
			return fn(x)
		case *T:
			if x != nil {
				return fn(*x)
			}
		}
		return nil
	}
}

func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func rfc3339(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func userField(name string) func(any) any {
	return get(func(u userapi.User) any {
		v, _ := u.Value(name)
		return v
	})
}

// UserSchema describes userapi.User (or *userapi.User): the table shows ID,
// USERNAME, EMAIL, NAME, ROLES and STATUS; wide adds CREATED and UPDATED;
// --fields also accepts "extra" and "extra.KEY".
func UserSchema() Schema {
	cols := []Column{
		{Name: "id"}, {Name: "username", Drop: 4}, {Name: "email", Drop: 6}, {Name: "name", Drop: 5},
		{Name: "roles", Drop: 3}, {Name: "status"},
		{Name: "created_at", Header: "CREATED", Wide: true, Drop: 2, Whole: true},
		{Name: "updated_at", Header: "UPDATED", Wide: true, Drop: 1, Whole: true},
		{Name: "extra", Hidden: true},
	}
	for i := range cols {
		cols[i].Value = userField(cols[i].Name)
	}
	return Schema{
		Columns: cols,
		Extra: func(item any, key string) (any, bool) {
			var u userapi.User
			switch x := item.(type) {
			case userapi.User:
				u = x
			case *userapi.User:
				if x == nil {
					return nil, false
				}
				u = *x
			default:
				return nil, false
			}
			return extraValue(u.Extra, key)
		},
	}
}

// extraValue looks key up in extra: the key itself, else a dotted path into
// nested objects ("metrics.followers").
func extraValue(extra map[string]any, key string) (any, bool) {
	if v, ok := extra[key]; ok {
		return v, true
	}
	head, rest, found := strings.Cut(key, ".")
	if !found {
		return nil, false
	}
	v, ok := extra[head]
	if !ok {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	m := make(map[string]any, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		m[it.Key().String()] = it.Value().Interface()
	}
	return extraValue(m, rest)
}

// RoleSchema describes userapi.Role: NAME, DESCRIPTION.
func RoleSchema() Schema {
	return Schema{Columns: []Column{
		{Name: "name", Value: get(func(r userapi.Role) any { return str(r.Name) })},
		{Name: "description", Value: get(func(r userapi.Role) any { return str(r.Description) })},
	}}
}

// FollowerSchema describes userapi.Follower: ID, NAME, SINCE.
func FollowerSchema() Schema {
	return Schema{Columns: []Column{
		{Name: "id", Value: get(func(f userapi.Follower) any { return str(f.ID) })},
		{Name: "name", Value: get(func(f userapi.Follower) any { return str(f.Name) })},
		{Name: "since", Value: get(func(f userapi.Follower) any { return rfc3339(f.Since) })},
	}}
}

// SuggestionSchema describes userapi.Suggestion: ID, SLUG, NAME, EMAIL.
func SuggestionSchema() Schema {
	return Schema{Columns: []Column{
		{Name: "id", Value: get(func(s userapi.Suggestion) any { return str(s.ID) })},
		{Name: "slug", Value: get(func(s userapi.Suggestion) any { return str(s.Slug) })},
		{Name: "name", Value: get(func(s userapi.Suggestion) any { return str(s.Name) })},
		{Name: "email", Value: get(func(s userapi.Suggestion) any { return str(s.Email) })},
	}}
}

// ResultSchema describes userapi.Result: ID, ACTION, MESSAGE; wide adds
// COUNT.
func ResultSchema() Schema {
	return Schema{Columns: []Column{
		{Name: "id", Value: get(func(r userapi.Result) any { return str(r.ID) })},
		{Name: "action", Value: get(func(r userapi.Result) any { return str(r.Action) })},
		{Name: "message", Value: get(func(r userapi.Result) any { return str(r.Message) })},
		{Name: "count", Wide: true, Value: get(func(r userapi.Result) any {
			if r.Count == nil {
				return nil
			}
			return *r.Count
		})},
	}}
}
