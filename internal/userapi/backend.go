package userapi

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"sort"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
)

// Backend is what every dialect implements: list, get, create and delete.
// Everything else is an optional capability below; commands test for it with
// a type assertion and never branch on a dialect's name.
type Backend interface {
	// Info describes the dialect: its name and create requirements.
	Info() Info
	// ListUsers streams users, hiding the API's paging. It stops after
	// opts.Limit users when Limit > 0. An error ends the sequence.
	ListUsers(ctx context.Context, opts ListOptions) iter.Seq2[User, error]
	GetUser(ctx context.Context, id string) (User, error)
	CreateUser(ctx context.Context, req CreateRequest) (User, error)
	DeleteUser(ctx context.Context, id string, opts DeleteOptions) (Result, error)
}

// Info describes a dialect to commands.
type Info struct {
	// Name is the dialect name (rest, udata, datadog, basic).
	Name string
	// Title is a human name for messages ("Datadog API v1").
	Title string
	// CreateRequired lists the CreateRequest fields a create needs, by their
	// flag names: "username", "email", "name", "first-name", "last-name",
	// "password".
	CreateRequired []string
	// MinPasswordLength is checked before any request (0: no password).
	MinPasswordLength int
	// DeleteNote explains what delete really does, when it is not a plain
	// delete ("Datadog only disables users"); shown on stderr.
	DeleteNote string
	// DeleteDisables is true when delete only disables the account (so a
	// disabled user is as deleted as the API allows).
	DeleteDisables bool
	// BulkConcurrency is a sensible default number of workers for import
	// and apply against this API (0: the bulk default).
	BulkConcurrency int
	// Writable lists what a create or update can set, so that a bulk file
	// written from another API (export | import) drops, with one notice,
	// the fields this one cannot hold instead of failing on them: the
	// normalized names "username", "email", "name", "first_name",
	// "last_name", "roles", "status", "password", "admin", and "extra.KEY"
	// for an extra field ("extra.*": any). Nil means every field.
	Writable []string
	// UsernameIsEmail is true when the API's username is an email address
	// (Datadog's handle): a bulk item whose username is not one leaves it
	// out, and the API takes the email.
	UsernameIsEmail bool
}

// CanWrite reports whether a create or update can set field (a normalized
// name, or "extra.KEY").
func (i Info) CanWrite(field string) bool {
	if i.Writable == nil {
		return true
	}
	for _, w := range i.Writable {
		if w == field || (w == "extra.*" && strings.HasPrefix(field, "extra.")) {
			return true
		}
	}
	return false
}

// RoleMapper maps role names of a bulk file, which may come from another
// API's export, to the names the API's own users carry (Datadog: "admin"
// -> "adm"), so that apply compares like with like and a dry run refuses
// the roles the real run would. Plain-account names (PlainRole) map to the
// API's default role, or to none. An unknown role is an errkind.Usage error.
type RoleMapper interface {
	MapRoles(ctx context.Context, roles []string) ([]string, error)
}

// UnknownRoleError is the error of a RoleMapper for a role the API does
// not have: it names the role, so that a bulk run can say how to map it,
// and unwraps to the errkind.Usage error that describes it.
type UnknownRoleError struct {
	Role string // the role as the input gave it
	Err  error
}

func (e *UnknownRoleError) Error() string { return e.Err.Error() }
func (e *UnknownRoleError) Unwrap() error { return e.Err }

// plainRoles are the names APIs give to an account with no special rights.
var plainRoles = []string{"user", "standard", "st", "member", "default"}

// PlainRole reports whether role names an account with no special rights
// ("user", "standard", "st", "member", "default"), in any case: the role
// that copying users between APIs maps to the target's default.
func PlainRole(role string) bool {
	r := strings.ToLower(strings.TrimSpace(role))
	for _, p := range plainRoles {
		if r == p {
			return true
		}
	}
	return false
}

// SplitName splits a full name into first and last name at its first
// space ("Ada King Lovelace" -> "Ada", "King Lovelace"; "Ada" -> "Ada", "").
func SplitName(name string) (first, last string) {
	first, last, _ = strings.Cut(strings.TrimSpace(name), " ")
	return strings.TrimSpace(first), strings.TrimSpace(last)
}

// Finder looks a user up by email or username, for the checks that keep a
// retried create from creating twice and for matching bulk files to users.
// found is false, with a nil error, when no user has that key.
type Finder interface {
	FindUser(ctx context.Context, key string) (u User, found bool, err error)
}

// SelfIdentifier tells which account the profile's credentials belong to,
// so that bulk deletes (apply --prune) never remove it. The returned user
// carries at least an ID or a username. A dialect whose API cannot say does
// not implement it.
type SelfIdentifier interface {
	Self(ctx context.Context) (User, error)
}

// Updater changes user fields.
type Updater interface {
	UpdateUser(ctx context.Context, id string, req UpdateRequest) (User, error)
}

// Disabler disables and enables accounts.
type Disabler interface {
	DisableUser(ctx context.Context, id string) (User, error)
	EnableUser(ctx context.Context, id string) (User, error)
}

// PasswordPolicy tells passwd what to ask for.
type PasswordPolicy struct {
	// NeedsNew is false when the API only forces a rotation (udata).
	NeedsNew bool
	// NeedsCurrent asks for the current password too (basic).
	NeedsCurrent bool
	MinLength    int
	// Note explains the mapping ("udata forces a password rotation").
	Note string
}

// PasswordSetter changes or rotates a password.
type PasswordSetter interface {
	PasswordPolicy() PasswordPolicy
	SetPassword(ctx context.Context, id string, change PasswordChange) (Result, error)
}

// Follower follows and unfollows users and lists followers.
type FollowManager interface {
	Follow(ctx context.Context, id string) (Result, error)
	Unfollow(ctx context.Context, id string) (Result, error)
	Followers(ctx context.Context, id string, limit int) iter.Seq2[Follower, error]
}

// AvatarUploader uploads profile pictures.
type AvatarUploader interface {
	UploadAvatar(ctx context.Context, id string, a Avatar) (Result, error)
}

// RoleLister lists the roles the API knows.
type RoleLister interface {
	ListRoles(ctx context.Context) ([]Role, error)
}

// Suggester answers autocomplete queries.
type Suggester interface {
	SuggestUsers(ctx context.Context, query string, limit int) ([]Suggestion, error)
}

// Checker verifies that the profile's URL and credentials work, returning a
// description of who the credentials belong to.
type Checker interface {
	Check(ctx context.Context) (string, error)
}

// RawRequester sends an authenticated request to a path of the API, for
// `userctl api`. The caller closes the response body.
type RawRequester interface {
	Raw(ctx context.Context, method, path string, body []byte, header http.Header) (*http.Response, error)
}

// Capability is an optional capability of a backend: one of the interfaces
// above, by name. A dialect declares its own (Dialect.Capabilities), so help
// and messages need no built client.
type Capability string

// The optional capabilities.
const (
	CanUpdate  Capability = "update"  // Updater
	CanDisable Capability = "disable" // Disabler
	CanPasswd  Capability = "passwd"  // PasswordSetter
	CanFollow  Capability = "follow"  // FollowManager
	CanAvatar  Capability = "avatar"  // AvatarUploader
	CanRoles   Capability = "roles"   // RoleLister
	CanSuggest Capability = "suggest" // Suggester
	CanFind    Capability = "find"    // Finder
	CanCheck   Capability = "check"   // Checker
	CanRaw     Capability = "raw"     // RawRequester
	CanSelf    Capability = "self"    // SelfIdentifier
	CanMapRole Capability = "maprole" // RoleMapper
)

// AllCapabilities lists every optional capability.
var AllCapabilities = []Capability{CanUpdate, CanDisable, CanPasswd, CanFollow, CanAvatar, CanRoles, CanSuggest, CanFind, CanCheck, CanRaw, CanSelf,
	CanMapRole}

// Implements reports whether b implements the interface of capability c.
func Implements(b Backend, c Capability) bool {
	var ok bool
	switch c {
	case CanUpdate:
		_, ok = b.(Updater)
	case CanDisable:
		_, ok = b.(Disabler)
	case CanPasswd:
		_, ok = b.(PasswordSetter)
	case CanFollow:
		_, ok = b.(FollowManager)
	case CanAvatar:
		_, ok = b.(AvatarUploader)
	case CanRoles:
		_, ok = b.(RoleLister)
	case CanSuggest:
		_, ok = b.(Suggester)
	case CanFind:
		_, ok = b.(Finder)
	case CanCheck:
		_, ok = b.(Checker)
	case CanRaw:
		_, ok = b.(RawRequester)
	case CanSelf:
		_, ok = b.(SelfIdentifier)
	case CanMapRole:
		_, ok = b.(RoleMapper)
	}
	return ok
}

// VerbCapability is the one table of the `users` verbs (by command name)
// that need an optional capability; the other verbs every backend has.
var VerbCapability = map[string]Capability{
	"update":    CanUpdate,
	"disable":   CanDisable,
	"enable":    CanDisable,
	"passwd":    CanPasswd,
	"follow":    CanFollow,
	"unfollow":  CanFollow,
	"followers": CanFollow,
	"avatar":    CanAvatar,
	"roles":     CanRoles,
	"suggest":   CanSuggest,
}

// verbsOf lists the verbs possible with the capabilities has reports, sorted,
// as messages name them ("avatar upload").
func verbsOf(has func(Capability) bool) []string {
	verbs := []string{"list", "get", "create", "delete"}
	for v, c := range VerbCapability {
		if has(c) {
			if v == "avatar" {
				v = "avatar upload"
			}
			verbs = append(verbs, v)
		}
	}
	sort.Strings(verbs)
	return verbs
}

// Capabilities lists the verbs a backend supports, for error messages and
// help text.
func Capabilities(b Backend) []string {
	return verbsOf(func(c Capability) bool { return Implements(b, c) })
}

// Described names the API in a sentence: "the scim API (SCIM 2.0)", or
// "the rest API" when it has no title.
func (i Info) Described() string {
	if i.Title == "" || i.Title == i.Name {
		return "the " + i.Name + " API"
	}
	return fmt.Sprintf("the %s API (%s)", i.Name, i.Title)
}

// Unsupported returns the usage error for a verb the backend cannot do.
func Unsupported(b Backend, verb string) error {
	info := b.Info()
	return &errkind.Error{Kind: errkind.Unsupported, Message: verbUnsupportedMessage(info, verb, Capabilities(b))}
}

func verbUnsupportedMessage(info Info, verb string, can []string) string {
	return fmt.Sprintf("%s: %s cannot do this; it supports: %s", verb, info.Described(), strings.Join(can, ", "))
}
