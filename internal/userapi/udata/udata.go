// Package udata is the userctl dialect for the user endpoints of the udata
// API v1 (data.gouv.fr and every other udata instance, under /api/1).
//
// Facts of the API the client relies on (apis/udata.md):
//   - the API key goes in X-API-KEY;
//   - every path ends with "/" (without it the server answers 308, which
//     loses a multipart body);
//   - {user} is an id (24 hex digits) or a slug, but the followers endpoints
//     need the id: a slug is resolved with GET /users/{slug}/ first;
//   - pages carry an absolute next_page URL, null on the last page (asking
//     past the end is a 404, so the client never does);
//   - delete is a soft delete that anonymises the account, and a second
//     delete is 410 (not found, exit 3);
//   - update must always send the full roles list (older servers empty it
//     otherwise), so the client reads the user first when roles do not
//     change;
//   - there is no password endpoint: passwd forces a password rotation.
package udata

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

// Name is the dialect name of profiles (`api: udata`).
const Name = "udata"

// Title is the human name of the API.
const Title = "udata API v1 (data.gouv.fr)"

// DefaultURL is the API root used when the profile has no URL.
const DefaultURL = "https://www.data.gouv.fr/api/1"

// HeaderAPIKey is the header that carries the API key.
const HeaderAPIKey = "X-API-KEY"

// DeleteNote is what `users delete` says on stderr for this dialect.
const DeleteNote = "udata anonymises the account (soft delete)"

// PasswordNote explains what `users passwd` does on udata.
const PasswordNote = "udata has no password endpoint: this forces a password rotation (the user must set a new password at next login)"

// DefaultPageSize is the page size of listings when ListOptions.PageSize is
// not set (udata has no cap; its own default is 20).
const DefaultPageSize = 100

// SortKeys are the sort keys GET /users/ accepts; each may be prefixed with
// "-" for descending order. Treat it as read-only.
var SortKeys = []string{"last_name", "first_name", "datasets", "reuses", "followers", "views", "created"}

func init() {
	userapi.Register(userapi.Dialect{
		Name:       Name,
		Title:      Title,
		DefaultURL: DefaultURL,
		Settings:   []userapi.Setting{userapi.TokenSetting("udata API key (sent as X-API-KEY)", "API key")},
		Capabilities: []userapi.Capability{userapi.CanUpdate, userapi.CanDisable, userapi.CanPasswd, userapi.CanFollow,
			userapi.CanAvatar, userapi.CanRoles, userapi.CanSuggest, userapi.CanFind, userapi.CanCheck, userapi.CanRaw,
			userapi.CanSelf, userapi.CanMapRole},
		Flags: []string{userapi.FlagNoMail, userapi.FlagDeleteComments, userapi.FlagBBox},
		New: func(p userapi.Profile, env userapi.Env) (userapi.Backend, error) {
			return New(p, env)
		},
	})
}

// Client talks to the udata user endpoints of one profile. It is safe for
// concurrent use.
type Client struct {
	http *httpx.Client
	base string

	rolesMu sync.Mutex
	roles   []string // the API's roles, read once by MapRoles
}

// Compile-time checks of the capabilities the API has.
var (
	_ userapi.Backend        = (*Client)(nil)
	_ userapi.Updater        = (*Client)(nil)
	_ userapi.Disabler       = (*Client)(nil)
	_ userapi.PasswordSetter = (*Client)(nil)
	_ userapi.FollowManager  = (*Client)(nil)
	_ userapi.AvatarUploader = (*Client)(nil)
	_ userapi.RoleLister     = (*Client)(nil)
	_ userapi.Suggester      = (*Client)(nil)
	_ userapi.Finder         = (*Client)(nil)
	_ userapi.Checker        = (*Client)(nil)
	_ userapi.RawRequester   = (*Client)(nil)
)

// New builds a client for a profile. The API key (Profile.Token) is
// required: without it New fails with a usage error before any request.
func New(p userapi.Profile, env userapi.Env) (*Client, error) {
	return newClient(p, env, nil)
}

// newClient is New with a hook to adjust the HTTP options (tests).
func newClient(p userapi.Profile, env userapi.Env, tweak func(*httpx.Options)) (*Client, error) {
	key := strings.TrimSpace(p.Secrets["token"])
	if key == "" {
		prof := p.Name
		if prof == "" {
			prof = "(none)"
		}
		return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf(
			"no API key for profile %s: set USERCTL_TOKEN or run `userctl profile add`", prof)}
	}
	base := strings.TrimSpace(p.URL)
	if base == "" {
		base = DefaultURL
	}
	opts := userapi.HTTPOptions(base, p, env)
	opts.Auth = func(r *http.Request) { r.Header.Set(HeaderAPIKey, key) }
	opts.SecretHeaders = []string{HeaderAPIKey}
	if tweak != nil {
		tweak(&opts)
	}
	hc, err := httpx.New(opts)
	if err != nil {
		return nil, err
	}
	return &Client{http: hc, base: strings.TrimRight(base, "/")}, nil
}

// Info describes the dialect.
func (c *Client) Info() userapi.Info {
	return userapi.Info{
		Name:           Name,
		Title:          Title,
		CreateRequired: []string{"first-name", "last-name", "email"},
		DeleteNote:     DeleteNote,
		// No username (the slug is made from the name) and no password.
		Writable: []string{"email", "name", "first_name", "last_name", "roles", "status", "admin", "extra.website", "extra.about"},
	}
}
