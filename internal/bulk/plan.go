package bulk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/termsafe"
	"github.com/userctl/userctl/internal/userapi"
)

// PlanItem is one step of an apply plan (and, internally, one import
// item). Its JSON form has action, line, key, id, changes and error.
type PlanItem struct {
	Action Action
	// Line is the source line of the item; 0 for a delete (--prune).
	Line int
	// Key is the item's id, username or email (a delete's: the user's
	// email, else username, else id).
	Key string
	// ID is the matched user's ID ("" for a create).
	ID string
	// Changes are the field differences of an update.
	Changes []Change
	// Err, when set, is why the item will fail without being sent: a bad
	// line, a duplicate in the file, a change the API cannot make.
	Err error
	// Item is the desired state from the file (nil for a delete).
	Item *Item
	// User is the matched current user (nil for a create).
	User *userapi.User
	// Unreconciled names what the file gives that apply cannot make so
	// for an existing user (a password: `users passwd` sets it).
	Unreconciled []string
}

// PlanFields lists the field names of a plan item, in the order of its JSON
// object (for --fields and table headers).
func PlanFields() []string {
	return []string{"action", "line", "key", "id", "changes", "unreconciled", "error"}
}

// MarshalJSON writes {"action","line","key","id","changes","error"}; empty
// values are null, changes a list.
func (p PlanItem) MarshalJSON() ([]byte, error) {
	return json.Marshal(p.Value())
}

// Value returns the item's JSON-ready values keyed by PlanFields (changes
// as []Change; the output package may render them with ChangesText).
func (p PlanItem) Value() map[string]any {
	m := map[string]any{"action": p.Action, "line": nullInt(p.Line), "key": nullStr(p.Key), "id": nullStr(p.ID),
		"changes": p.Changes, "unreconciled": p.Unreconciled, "error": nil}
	if p.Changes == nil {
		m["changes"] = []Change{}
	}
	if p.Unreconciled == nil {
		m["unreconciled"] = []string{}
	}
	if p.Err != nil {
		m["error"] = p.Err.Error()
	}
	return m
}

// ChangesText renders the changes for a table cell: `name: "A" -> "B";
// roles: [a] -> [a b]`.
func (p PlanItem) ChangesText() string {
	parts := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		parts[i] = c.String()
	}
	return strings.Join(parts, "; ")
}

// Plan is what apply will do, in file order, deletes last.
type Plan struct {
	Items []PlanItem
	// Kept are the users --prune would have deleted but keeps: the account
	// userctl authenticates as (action "keep", never carried out).
	Kept []PlanItem
	// SelfUnknown, with --prune, says why the account userctl
	// authenticates as could not be told apart (its API has no "who am I").
	SelfUnknown string
	// Dropped says which fields of the file the API cannot hold and were
	// left out ("" when none was).
	Dropped string
}

// ActionKeep marks a user of Plan.Kept.
const ActionKeep Action = "keep"

// selfNote is why a user of Plan.Kept is kept.
const selfNote = "the account userctl authenticates as"

// PlanCounts counts the items of a plan by action.
type PlanCounts struct {
	Create, Update, Unchanged, Delete, Invalid int
}

// InvalidItems says how many items of the source are invalid: "1 item of
// the input is invalid", "3 items of the input are invalid".
func (c PlanCounts) InvalidItems(source string) string {
	if c.Invalid == 1 {
		return "1 item of the " + source + " is invalid"
	}
	return fmt.Sprintf("%d items of the %s are invalid", c.Invalid, source)
}

// Counts counts the items by action; an item with Err counts as invalid.
func (p *Plan) Counts() PlanCounts {
	var c PlanCounts
	for i := range p.Items {
		it := &p.Items[i]
		switch {
		case it.Err != nil || it.Action == ActionInvalid:
			c.Invalid++
		case it.Action == ActionCreate:
			c.Create++
		case it.Action == ActionUpdate:
			c.Update++
		case it.Action == ActionDelete:
			c.Delete++
		default:
			c.Unchanged++
		}
	}
	return c
}

// String is the plan's one-line summary.
func (c PlanCounts) String() string {
	s := fmt.Sprintf("%d to create, %d to update, %d unchanged, %d to delete", c.Create, c.Update, c.Unchanged, c.Delete)
	if c.Invalid > 0 {
		s += fmt.Sprintf(", %d invalid", c.Invalid)
	}
	return s
}

// HasChanges reports whether carrying the plan out would send anything.
func (p *Plan) HasChanges() bool {
	c := p.Counts()
	return c.Create+c.Update+c.Delete > 0
}

// WriteText writes the plan for humans, one line per change (unchanged
// items are only counted), then the counts:
//
//   - create  alice@example.com  (line 3)
//     ~ update  bob (usr_2)  name: "Bob" -> "Robert"  (line 4)
//   - delete  dave@example.com (usr_4)
//     ! invalid line 7: invalid email "x"
func (p *Plan) WriteText(w io.Writer) error {
	for i := range p.Items {
		it := &p.Items[i]
		// Keys, IDs and errors may be server text: shown escaped, they
		// cannot rewrite the lines a reviewer reads (termsafe).
		who := termsafe.String(it.Key)
		if it.ID != "" && it.ID != it.Key {
			who += " (" + termsafe.String(it.ID) + ")"
		}
		where := ""
		if it.Line > 0 {
			where = fmt.Sprintf("  (line %d)", it.Line)
		}
		var err error
		switch {
		case it.Err != nil:
			_, err = fmt.Fprintf(w, "! %-9s %s  %s\n", it.Action, who, termsafe.String(it.Err.Error()))
		case it.Action == ActionCreate:
			_, err = fmt.Fprintf(w, "+ create    %s%s\n", who, where)
		case it.Action == ActionUpdate:
			_, err = fmt.Fprintf(w, "~ update    %s  %s%s\n", who, termsafe.String(it.ChangesText()), where)
		case it.Action == ActionDelete:
			_, err = fmt.Fprintf(w, "- delete    %s\n", who)
		}
		if err == nil && len(it.Unreconciled) > 0 {
			_, err = fmt.Fprintf(w, "! unreconciled %s  %s of an existing user: apply does not change it (users passwd does)%s\n",
				who, strings.Join(it.Unreconciled, ", "), where)
		}
		if err != nil {
			return err
		}
	}
	for _, it := range p.Kept {
		who := termsafe.String(it.Key)
		if it.ID != "" && it.ID != it.Key {
			who += " (" + termsafe.String(it.ID) + ")"
		}
		if _, err := fmt.Fprintf(w, "= keep      %s  kept: %s\n", who, selfNote); err != nil {
			return err
		}
	}
	if p.SelfUnknown != "" {
		if _, err := fmt.Fprintf(w, "! note      %s\n", p.SelfUnknown); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "Plan: %s.\n", p.Counts())
	return err
}

// PlanOptions tune ComputePlan.
type PlanOptions struct {
	// Prune plans to delete the users that no item of the file matches.
	Prune bool
	// MaxDeletes, with Prune, refuses a plan that deletes more users (0:
	// DefaultMaxDeletes, so that the zero value is safe; < 0: refuses any
	// delete).
	MaxDeletes int
	// PageSize is passed to ListUsers (0: the API's default).
	PageSize int
	// Name names the input in messages ("team.csv", "-").
	Name string
	// GeneratePasswords makes a password for each create that needs one
	// and has none (see Options.GeneratePasswords).
	GeneratePasswords bool
	// RoleMap renames roles as Options.RoleMap does.
	RoleMap map[string]string
}

// DefaultMaxDeletes bounds the deletes of apply --prune unless
// --max-deletes says otherwise.
const DefaultMaxDeletes = 20

// ComputePlan reads the whole file, then the current users (ListUsers), and
// returns what apply must do. An error that makes the file unreadable is
// returned as is, before any request: no plan is made from part of a file.
// With Prune:
//   - a file with no users is refused before any request (it would delete
//     every user);
//   - a file with invalid items is refused (a user on a bad line would be
//     deleted);
//   - the account userctl authenticates as (userapi.SelfIdentifier) is
//     never deleted: it goes to Plan.Kept; when the backend cannot tell,
//     Plan.SelfUnknown says so;
//   - a plan with more than MaxDeletes deletes is refused.
//
// The refusals are errkind.Usage errors; the plan is returned with them when it
// was made, so that it can be shown.
func ComputePlan(ctx context.Context, b userapi.Backend, items iter.Seq2[Item, error], opts PlanOptions) (*Plan, error) {
	var desired []Item
	for it, err := range items {
		if err != nil {
			return nil, err
		}
		desired = append(desired, it)
	}
	if opts.Prune && len(desired) == 0 {
		name := opts.Name
		if name == "" || name == "-" {
			name = "the input"
		}
		return nil, errkind.Errorf(errkind.Usage,
			"apply --prune: %s has no users; refusing to delete every user", name)
	}
	var self *userapi.User
	if opts.Prune {
		if si, ok := b.(userapi.SelfIdentifier); ok {
			u, err := si.Self(ctx)
			if err != nil {
				return nil, fmt.Errorf("apply --prune: finding the account userctl authenticates as: %w", err)
			}
			self = &u
		}
	}
	var current []userapi.User
	for u, err := range b.ListUsers(ctx, userapi.ListOptions{PageSize: opts.PageSize}) {
		if err != nil {
			return nil, fmt.Errorf("reading the current users: %w", err)
		}
		current = append(current, u)
	}
	tgt := newTarget(b, opts.GeneratePasswords, opts.RoleMap)
	for i := range desired {
		tgt.adapt(ctx, &desired[i])
	}
	plan := NewPlan(b, current, desired, opts.Prune)
	plan.Dropped = tgt.note()
	if !opts.Prune {
		return plan, nil
	}
	if self != nil {
		plan.keep(self)
	} else {
		plan.SelfUnknown = b.Info().Described() + " cannot tell which account userctl authenticates as: list it in the file or it may be deleted"
	}
	c := plan.Counts()
	if c.Invalid > 0 {
		return plan, errkind.Errorf(errkind.Usage,
			"apply --prune: %s (see the plan); fix them first, as their users would be deleted", c.InvalidItems("file"))
	}
	maxDel := opts.MaxDeletes
	switch {
	case maxDel == 0:
		maxDel = DefaultMaxDeletes
	case maxDel < 0:
		maxDel = 0
	}
	if c.Delete > maxDel {
		return plan, errkind.Errorf(errkind.Usage,
			"apply --prune: the plan deletes %d users, more than --max-deletes %d; nothing was changed (raise --max-deletes to allow it)", c.Delete, maxDel)
	}
	return plan, nil
}

// keep moves the deletes of self's account to Kept.
func (p *Plan) keep(self *userapi.User) {
	items := p.Items[:0]
	for _, it := range p.Items {
		if it.Action == ActionDelete && it.User != nil && isSelf(it.User, self) {
			it.Action = ActionKeep
			p.Kept = append(p.Kept, it)
			continue
		}
		items = append(items, it)
	}
	p.Items = items
}

// isSelf reports whether u is the account self describes: same ID, or same
// username or email (case insensitive).
func isSelf(u, self *userapi.User) bool {
	return (self.ID != "" && u.ID == self.ID) ||
		(self.Username != "" && strings.EqualFold(u.Username, self.Username)) ||
		(self.Email != "" && strings.EqualFold(u.Email, self.Email))
}

// index finds current users by id, username and email.
type index struct {
	users              []userapi.User
	byID, byName, byEm map[string]int
}

func newIndex(users []userapi.User) *index {
	x := &index{users: users, byID: make(map[string]int, len(users)), byName: make(map[string]int, len(users)),
		byEm: make(map[string]int, len(users))}
	for i := range users {
		u := &users[i]
		if u.ID != "" {
			x.byID[u.ID] = i
		}
		if u.Username != "" {
			x.byName[strings.ToLower(u.Username)] = i
		}
		if u.Email != "" {
			x.byEm[strings.ToLower(u.Email)] = i
		}
	}
	return x
}

// match finds the user of it: by id, else username, else email (case
// insensitive). An id that matches nobody falls back to the other keys, so
// a file exported from another server still converges.
//
// An id whose user is not the one the item's username or email name (the
// file is another server's export, whose ids mean other users here) gives
// way to that username or email.
func (x *index) match(it *Item) (int, bool) {
	if i, ok := x.byID[it.ID]; ok && it.ID != "" {
		if j, ok := x.matchKeys(it); ok && j != i {
			return j, true
		}
		return i, true
	}
	return x.matchKeys(it)
}

// matchKeys finds the user of it by username, else email.
func (x *index) matchKeys(it *Item) (int, bool) {
	if i, ok := x.byName[strings.ToLower(it.Username)]; ok && it.Username != "" {
		return i, true
	}
	if i, ok := x.byEm[strings.ToLower(it.Email)]; ok && it.Email != "" {
		return i, true
	}
	// The username or email a create would derive (another API's export).
	if i, ok := x.byName[strings.ToLower(it.defaults.username)]; ok && it.defaults.username != "" {
		return i, true
	}
	if i, ok := x.byEm[strings.ToLower(it.defaults.email)]; ok && it.defaults.email != "" {
		return i, true
	}
	return -1, false
}

// NewPlan compares the desired items with the current users. Matching is by
// id, else username, else email (case insensitive); only the fields an item
// sets are compared (roles as sets, emails case insensitively; extra keys
// only when the API's users carry them, since other keys could never
// converge). A change the backend cannot make (no userapi.Updater, no
// userapi.Disabler) makes that item fail with the reason.
func NewPlan(b userapi.Backend, current []userapi.User, desired []Item, prune bool) *Plan {
	x := newIndex(current)
	matched := make([]bool, len(current))
	claimedBy := make(map[int]int) // user index -> line
	seen := make(map[string]int)   // file key -> line
	plan := &Plan{Items: make([]PlanItem, 0, len(desired))}
	for k := range desired {
		it := &desired[k]
		p := PlanItem{Line: it.Line, Key: it.Key(), Item: it}
		if it.Err != nil {
			p.Action, p.Err = ActionInvalid, it.Err
			plan.Items = append(plan.Items, p)
			continue
		}
		if dup := duplicateOf(seen, it); dup > 0 {
			p.Action = ActionInvalid
			p.Err = errkind.Errorf(errkind.Usage, "line %d: same user as line %d (%s)", it.Line, dup, it.Key())
			plan.Items = append(plan.Items, p)
			continue
		}
		i, ok := x.match(it)
		if ok {
			if line, dup := claimedBy[i]; dup {
				p.Action = ActionInvalid
				p.Err = errkind.Errorf(errkind.Usage, "line %d: matches the same user %s as line %d", it.Line, current[i].ID, line)
				plan.Items = append(plan.Items, p)
				continue
			}
			claimedBy[i] = it.Line
			matched[i] = true
			u := &current[i]
			p.User, p.ID = u, u.ID
			p.Changes, p.Err = diff(u, it)
			if it.Password != "" {
				p.Unreconciled = []string{"password"}
			}
			if len(p.Changes) == 0 && p.Err == nil {
				p.Action = ActionUnchanged
			} else {
				p.Action = ActionUpdate
				if p.Err == nil {
					p.Err = canChange(b, p.Changes)
				}
			}
		} else {
			p.Action = ActionCreate
			if req := it.CreateRequest(); req.Username == "" && req.Email == "" {
				p.Err = errkind.Errorf(errkind.Usage,
					"line %d: no user has id %s, and without a username or email none can be created", it.Line, it.ID)
			} else {
				p.Err = validateCreate(b.Info(), it)
			}
		}
		plan.Items = append(plan.Items, p)
	}
	if prune {
		deleteDisables := b.Info().DeleteDisables
		for i := range current {
			if matched[i] {
				continue
			}
			u := &current[i]
			// Already gone as far as delete can take it: a soft-deleted
			// account, or a disabled one where delete only disables.
			if u.Status == userapi.StatusDeleted || (deleteDisables && u.Status == userapi.StatusDisabled) {
				continue
			}
			key := u.Email
			if key == "" {
				key = u.Username
			}
			if key == "" {
				key = u.ID
			}
			plan.Items = append(plan.Items, PlanItem{Action: ActionDelete, Key: key, ID: u.ID, User: u})
		}
	}
	return plan
}

// duplicateOf returns the line of an earlier item with the same id,
// username or email, and records this one's keys.
func duplicateOf(seen map[string]int, it *Item) int {
	keys := make([]string, 0, 3)
	if it.ID != "" {
		keys = append(keys, "i:"+it.ID)
	}
	if it.Username != "" {
		keys = append(keys, "u:"+strings.ToLower(it.Username))
	}
	if it.Email != "" {
		keys = append(keys, "e:"+strings.ToLower(it.Email))
	}
	for _, k := range keys {
		if line, ok := seen[k]; ok {
			return line
		}
	}
	for _, k := range keys {
		seen[k] = it.Line
	}
	return 0
}

func emptyNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// diff lists the fields the item sets that differ from u.
func diff(u *userapi.User, it *Item) ([]Change, error) {
	var ch []Change
	if it.Username != "" && !strings.EqualFold(u.Username, it.Username) && u.Username != "" {
		return nil, errkind.Errorf(errkind.Unsupported, "line %d: username %q of user %s cannot be changed to %q",
			it.Line, u.Username, u.ID, it.Username)
	}
	if it.Email != "" && !strings.EqualFold(u.Email, it.Email) {
		ch = append(ch, Change{Field: "email", From: emptyNil(u.Email), To: it.Email})
	}
	if name := it.fullName(); name != "" && u.Name != name {
		ch = append(ch, Change{Field: "name", From: emptyNil(u.Name), To: name})
	}
	if it.Roles != nil {
		have, want := sortedRoles(u.Roles), sortedRoles(it.Roles)
		if !slices.Equal(have, want) {
			if have == nil {
				have = []string{}
			}
			ch = append(ch, Change{Field: "roles", From: have, To: want})
		}
	}
	// "pending" is an active account nobody has logged in to yet: it is
	// what "active" asks for, and no request could change it.
	if it.Status != "" && u.Status != it.Status && !(it.Status == userapi.StatusActive && u.Status == userapi.StatusPending) {
		ch = append(ch, Change{Field: "status", From: emptyNil(string(u.Status)), To: string(it.Status)})
	}
	if it.Admin != nil {
		if cur, ok := u.Extra["admin"].(bool); ok && cur != *it.Admin {
			ch = append(ch, Change{Field: "admin", From: fmt.Sprint(cur), To: fmt.Sprint(*it.Admin)})
		}
	}
	keys := make([]string, 0, len(it.Extra))
	for k := range it.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		cur, ok := u.Extra[k]
		if !ok || cur == nil {
			continue
		}
		have, err := toText(cur)
		if err == nil && have != it.Extra[k] {
			ch = append(ch, Change{Field: "extra." + k, From: have, To: it.Extra[k]})
		}
	}
	return ch, nil
}

// canChange checks that the backend can make the changes.
func canChange(b userapi.Backend, changes []Change) error {
	_, upd := b.(userapi.Updater)
	_, dis := b.(userapi.Disabler)
	for _, c := range changes {
		switch {
		case c.Field == "status" && !upd && !dis:
			return userapi.Unsupported(b, "disable")
		case c.Field != "status" && !upd:
			return userapi.Unsupported(b, "update")
		}
	}
	return nil
}

// updateRequest builds the request of an update's changes; status is left
// out when withStatus is false (it goes through userapi.Disabler).
func updateRequest(it *Item, changes []Change, withStatus bool) userapi.UpdateRequest {
	var req userapi.UpdateRequest
	for _, c := range changes {
		switch {
		case c.Field == "email":
			req.Email = &it.Email
		case c.Field == "name":
			if it.Name != "" {
				req.Name = &it.Name
			}
			if it.FirstName != "" {
				req.FirstName = &it.FirstName
			}
			if it.LastName != "" {
				req.LastName = &it.LastName
			}
			if req.Name == nil && (req.FirstName == nil || req.LastName == nil) {
				name := it.fullName()
				req.Name = &name
			}
		case c.Field == "roles":
			roles := slices.Clone(it.Roles)
			req.Roles = &roles
		case c.Field == "status" && withStatus:
			st := it.Status
			req.Status = &st
		case c.Field == "admin":
			req.Admin = it.Admin
		case strings.HasPrefix(c.Field, "extra."):
			if req.Extra == nil {
				req.Extra = map[string]string{}
			}
			k := strings.TrimPrefix(c.Field, "extra.")
			req.Extra[k] = it.Extra[k]
		}
	}
	return req
}
