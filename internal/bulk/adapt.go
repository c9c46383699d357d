package bulk

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// createDefaults are values a create needs that the file does not give,
// derived from what it does give (a name split into first and last, a
// username from the email, a generated password). They fill the create
// request only: they are not desired state, so apply never compares them.
type createDefaults struct {
	username, email, name, first, last, password string
}

// target adapts the items of a bulk file, which may come from another
// API's export, to the API they go to (userapi.Info.Writable,
// CreateRequired, UsernameIsEmail, userapi.RoleMapper): fields it cannot
// hold are dropped and counted for one notice, role names are mapped to
// the API's own, values a create needs are derived where the file has
// what to derive them from. It never branches on a dialect's name.
type target struct {
	info     userapi.Info
	mapper   userapi.RoleMapper
	roleMap  map[string]string // --role-map, applied before mapper
	generate bool

	mu      sync.Mutex
	dropped map[string]int // field -> items it was dropped from
}

func newTarget(b userapi.Backend, generatePasswords bool, roleMap map[string]string) *target {
	t := &target{info: b.Info(), generate: generatePasswords, roleMap: roleMap, dropped: map[string]int{}}
	t.mapper, _ = b.(userapi.RoleMapper)
	return t
}

func (t *target) requires(field string) bool { return slices.Contains(t.info.CreateRequired, field) }

// isEmail reports whether s is a plain email address.
func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// adapt maps it in place; a role the API does not know sets it.Err.
func (t *target) adapt(ctx context.Context, it *Item) {
	if it.Err != nil {
		return
	}
	var drop []string
	// A name given as first and last name is one name where the API has
	// only that.
	if it.Name == "" && (it.FirstName != "" || it.LastName != "") && !t.info.CanWrite("first_name") {
		it.Name = strings.TrimSpace(it.FirstName + " " + it.LastName)
		it.FirstName, it.LastName = "", ""
	}
	// Create defaults, from the fields before any is dropped.
	d := &it.defaults
	if it.Email == "" && t.requires("email") && isEmail(it.Username) {
		d.email = it.Username
	}
	if it.Username == "" && t.requires("username") && it.Email != "" {
		d.username = it.Email
	}
	if t.info.UsernameIsEmail && it.Username != "" && !isEmail(it.Username) {
		// Another API's username (a slug, a login): this one's is the email.
		it.Username = ""
		drop = append(drop, "username (not an email)")
	}
	name := it.fullName()
	if name == "" {
		// A name-less account (basic) going where a name is required.
		name = it.Username
		if name == "" {
			name, _, _ = strings.Cut(it.Email, "@")
		}
		if t.requires("name") {
			d.name = name
		}
	}
	if (t.requires("first-name") || t.requires("last-name")) && it.FirstName == "" && it.LastName == "" && name != "" {
		d.first, d.last = userapi.SplitName(name)
		if d.last == "" {
			d.last = d.first
		}
	}
	if it.Password == "" && t.requires("password") && t.generate {
		d.password = newPassword()
	}
	// Fields the API cannot hold.
	clear := func(field string, set bool, reset func()) {
		if set && !t.info.CanWrite(field) {
			reset()
			drop = append(drop, field)
		}
	}
	clear("username", it.Username != "", func() { it.Username = "" })
	clear("email", it.Email != "", func() { it.Email = "" })
	clear("name", it.Name != "", func() { it.Name = "" })
	clear("first_name", it.FirstName != "", func() { it.FirstName = "" })
	clear("last_name", it.LastName != "", func() { it.LastName = "" })
	clear("roles", it.Roles != nil, func() { it.Roles = nil })
	clear("status", it.Status != "", func() { it.Status = "" })
	clear("password", it.Password != "", func() { it.Password = "" })
	clear("admin", it.Admin != nil, func() { it.Admin = nil })
	for k := range it.Extra {
		clear("extra."+k, true, func() { delete(it.Extra, k) })
	}
	if it.Roles != nil && len(t.roleMap) > 0 {
		it.Roles = mapRoles(it.Roles, t.roleMap)
	}
	if it.Roles != nil && t.mapper != nil {
		roles, err := t.mapper.MapRoles(ctx, it.Roles)
		if err != nil {
			msg := "roles: " + err.Error()
			if ur, ok := errors.AsType[*userapi.UnknownRoleError](err); ok {
				msg += " (map it with --role-map " + roleMapArg(ur.Role) + ")"
			}
			it.Err = &errkind.Error{Kind: errkind.Usage, Message: (&lineError{it.Line, msg}).Error(), Err: err}
			return
		}
		it.Roles = roles
	}
	if len(drop) > 0 {
		t.mu.Lock()
		for _, f := range drop {
			t.dropped[f]++
		}
		t.mu.Unlock()
	}
}

// roleMapArg is the --role-map value that maps role, as a user would type
// it: quoted (Go syntax, which a shell reads the same for plain text) when
// the role has spaces, quotes or characters that are not printable.
func roleMapArg(role string) string {
	arg := role + "=ROLE"
	if strings.ContainsAny(arg, " \t\"'`$\\") || strconv.Quote(arg) != `"`+arg+`"` {
		return strconv.Quote(arg)
	}
	return arg
}

// mapRoles renames roles by m (--role-map FROM=TO, FROM matched exactly):
// a role mapped to "" is dropped, the others are kept as they are. A list
// whose roles are all dropped is nil: the item then says nothing about
// roles (the API's default on create, left as it is on update), as for a
// field the API cannot hold.
func mapRoles(roles []string, m map[string]string) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if to, ok := m[r]; ok {
			r = to
		}
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 && len(roles) > 0 {
		return nil
	}
	return out
}

// note is the one notice about the dropped fields ("" when none was).
func (t *target) note() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.dropped) == 0 {
		return ""
	}
	fields := make([]string, 0, len(t.dropped))
	for f, n := range t.dropped {
		fields = append(fields, fmt.Sprintf("%s (%d)", f, n))
	}
	sort.Strings(fields)
	return fmt.Sprintf("%s cannot hold these fields of the input, left out (items): %s", t.info.Described(), strings.Join(fields, ", "))
}

// newPassword returns a random password: 26 characters of base32, 130
// bits (crypto/rand.Text).
func newPassword() string { return rand.Text() }
