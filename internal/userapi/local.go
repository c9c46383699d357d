package userapi

import (
	"iter"
	"slices"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
)

// sortKeys are the normalized fields a listing can be sorted by on the
// client, for APIs that return every user in one response.
var sortKeys = map[string]func(User) string{
	"id":       func(u User) string { return strings.ToLower(u.ID) },
	"username": func(u User) string { return strings.ToLower(u.Username) },
	"email":    func(u User) string { return strings.ToLower(u.Email) },
	"name":     func(u User) string { return strings.ToLower(u.Name) },
	"status":   func(u User) string { return string(u.Status) },
	"roles":    func(u User) string { return strings.Join(u.Roles, ",") },
}

// LocalOrder returns the comparison of --sort FIELD ("-FIELD" descending)
// over normalized fields, for an API that cannot sort: field names one of
// allowed, or one of their aliases (alias → field). Ties keep the order by
// ID. A nil function means no sort was asked for.
func LocalOrder(api, sortBy string, aliases map[string]string, allowed ...string) (func(a, b User) int, error) {
	field := strings.TrimSpace(sortBy)
	if field == "" {
		return nil, nil
	}
	desc := strings.HasPrefix(field, "-")
	field = strings.TrimPrefix(field, "-")
	if a, ok := aliases[field]; ok {
		field = a
	}
	key, ok := sortKeys[field]
	if !ok || !slices.Contains(allowed, field) {
		return nil, errkind.Errorf(errkind.Usage, "cannot sort %s users by %q: want %s (prefix - for descending)", api, sortBy, strings.Join(allowed, ", "))
	}
	return func(a, b User) int {
		r := strings.Compare(key(a), key(b))
		if r == 0 {
			r = strings.Compare(a.ID, b.ID)
		}
		if desc {
			return -r
		}
		return r
	}, nil
}

// LocalList streams the users an API returned in one response, as
// ListUsers does for paged APIs: those keep accepts (nil: all), sorted by
// cmp (nil: as returned), at most limit (0: all).
func LocalList(users []User, keep func(User) bool, cmp func(a, b User) int, limit int) iter.Seq2[User, error] {
	return func(yield func(User, error) bool) {
		kept := users
		if keep != nil {
			kept = make([]User, 0, len(users))
			for _, u := range users {
				if keep(u) {
					kept = append(kept, u)
				}
			}
		}
		if cmp != nil {
			slices.SortStableFunc(kept, cmp)
		}
		for i, u := range kept {
			if limit > 0 && i >= limit {
				return
			}
			if !yield(u, nil) {
				return
			}
		}
	}
}

// MatchesQuery reports whether q (lower case) is a substring of one of the
// user's id, username, email or name, ignoring case: the --query of APIs
// that cannot search.
func MatchesQuery(u User, q string) bool {
	for _, f := range []string{u.ID, u.Username, u.Email, u.Name} {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}
