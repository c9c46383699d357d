// Package datadog is the userctl dialect for the Datadog API v1 user
// endpoints (/api/v1/user): list, get, create, update, disable and enable.
//
// Datadog cannot delete users: DELETE disables them, and a second DELETE
// answers 400 "User is already disabled", which is reported as not found
// (exit 3, wrapping userapi.ErrAlreadyDeleted) naming the user: the user is
// as deleted as the API allows, and --ignore-not-found makes re-runs exit 0. A create with the handle of an existing
// disabled user answers 200 with that user instead of 409; the client
// reports it as a conflict (exit 5) that says to run `userctl users enable`.
package datadog

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

// Name is the dialect name of profiles (`api: datadog`).
const Name = "datadog"

// Title is the human name of the API.
const Title = "Datadog API v1"

// DefaultSite is the site used when the profile names none.
const DefaultSite = "datadoghq.com"

// The headers that carry the keys.
const (
	HeaderAPIKey = "DD-API-KEY"
	HeaderAppKey = "DD-APPLICATION-KEY"
)

// DeleteNote is what `users delete` says on stderr for this dialect.
const DeleteNote = "Datadog cannot delete users: this disables them"

// The profile keys of the dialect.
const (
	KeySite   = "site"
	KeyAPIKey = "api_key"
	KeyAppKey = "app_key"
)

// Sites lists the Datadog sites a profile's `site` may name, for validation
// and shell completion. Treat it as read-only.
var Sites = []string{
	"datadoghq.com",
	"us3.datadoghq.com",
	"us5.datadoghq.com",
	"ap1.datadoghq.com",
	"ap2.datadoghq.com",
	"uk1.datadoghq.com",
	"datadoghq.eu",
	"ddog-gov.com",
	"us2.ddog-gov.com",
}

func init() {
	userapi.Register(userapi.Dialect{
		Name:       Name,
		Title:      Title,
		DefaultURL: "https://api." + DefaultSite,
		Settings: []userapi.Setting{
			{Key: KeySite, Help: "Datadog site (e.g. datadoghq.eu)", Env: []string{"DD_SITE"},
				Default: DefaultSite, Values: Sites, Validate: validSite, Flag: "site", Locates: true},
			{Key: KeyAPIKey, Help: "Datadog API key", Secret: true, Required: true,
				Env: []string{"USERCTL_API_KEY", "DD_API_KEY"}, Prompt: "Datadog API key"},
			{Key: KeyAppKey, Help: "Datadog application key", Secret: true, Required: true,
				Env: []string{"USERCTL_APP_KEY", "DD_APP_KEY", "DD_APPLICATION_KEY"}, Prompt: "Datadog application key"},
		},
		Capabilities: []userapi.Capability{userapi.CanUpdate, userapi.CanDisable, userapi.CanRoles,
			userapi.CanFind, userapi.CanCheck, userapi.CanRaw, userapi.CanMapRole},
		New: func(p userapi.Profile, env userapi.Env) (userapi.Backend, error) {
			return New(p, env)
		},
	})
}

func validSite(v string) error {
	if !slices.Contains(Sites, strings.ToLower(strings.TrimSpace(v))) {
		return fmt.Errorf("unknown Datadog site %q (valid: %s)", v, strings.Join(Sites, ", "))
	}
	return nil
}

// Client talks to the Datadog API v1 user endpoints of one profile.
type Client struct {
	http *httpx.Client
	base string // the API root for messages, password redacted
	// profile names the profile in messages.
	profile string
}

// Compile-time checks of the capabilities the API has.
var (
	_ userapi.Backend      = (*Client)(nil)
	_ userapi.Updater      = (*Client)(nil)
	_ userapi.Disabler     = (*Client)(nil)
	_ userapi.RoleLister   = (*Client)(nil)
	_ userapi.RoleMapper   = (*Client)(nil)
	_ userapi.Finder       = (*Client)(nil)
	_ userapi.Checker      = (*Client)(nil)
	_ userapi.RawRequester = (*Client)(nil)
)

// BaseURL returns the API root for a profile: its URL when set, else
// https://api.<site> with the site checked against Sites. A URL written
// with the API's own /api/v1 at its end (https://proxy.example.com/api/v1)
// is cut back to the root the request paths are added to, so the paths do
// not repeat it.
func BaseURL(p userapi.Profile) (string, error) {
	if u := strings.TrimSpace(p.URL); u != "" {
		if root, ok := strings.CutSuffix(strings.TrimRight(u, "/"), "/api/v1"); ok {
			if r, err := url.Parse(root); err == nil && r.Host != "" && r.RawQuery == "" {
				return root, nil
			}
		}
		return u, nil
	}
	site := strings.ToLower(strings.TrimSpace(p.Values[KeySite]))
	if site == "" {
		site = DefaultSite
	}
	if !slices.Contains(Sites, site) {
		return "", &errkind.Error{Kind: errkind.Usage,
			Message: fmt.Sprintf("unknown Datadog site %q: want one of %s (or set url for a proxy)", p.Values[KeySite], strings.Join(Sites, ", "))}
	}
	return "https://api." + site, nil
}

// New builds a client for a profile. Both keys are required; a missing one
// is a usage error before any request.
func New(p userapi.Profile, env userapi.Env) (*Client, error) {
	return newClient(p, env, nil)
}

// newClient is New with a hook to adjust the HTTP options (tests).
func newClient(p userapi.Profile, env userapi.Env, tweak func(*httpx.Options)) (*Client, error) {
	prof := p.Name
	if prof == "" {
		prof = "(none)"
	}
	if p.Secrets[KeyAPIKey] == "" {
		return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf(
			"no API key for profile %s: set USERCTL_API_KEY (or DD_API_KEY) or run `userctl profile add`", prof)}
	}
	if p.Secrets[KeyAppKey] == "" {
		return nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf(
			"no application key for profile %s: set USERCTL_APP_KEY (or DD_APP_KEY) or run `userctl profile add`", prof)}
	}
	base, err := BaseURL(p)
	if err != nil {
		return nil, err
	}
	apiKey, appKey := p.Secrets[KeyAPIKey], p.Secrets[KeyAppKey]
	opts := userapi.HTTPOptions(base, p, env)
	opts.Auth = func(r *http.Request) {
		r.Header.Set(HeaderAPIKey, apiKey)
		r.Header.Set(HeaderAppKey, appKey)
	}
	opts.SecretHeaders = []string{HeaderAPIKey, HeaderAppKey}
	if tweak != nil {
		tweak(&opts)
	}
	hc, err := httpx.New(opts)
	if err != nil {
		return nil, err
	}
	// base is only shown in messages: without a password the URL may hold.
	if u, err := url.Parse(base); err == nil {
		base = u.Redacted()
	}
	return &Client{http: hc, base: base, profile: p.Name}, nil
}

// Info describes the dialect.
func (c *Client) Info() userapi.Info {
	return userapi.Info{
		Name:           Name,
		Title:          Title,
		CreateRequired: []string{"email"},
		DeleteNote:     DeleteNote,
		DeleteDisables: true,
		// No password, first or last name, nor writable extra field.
		Writable:        []string{"username", "email", "name", "roles", "status", "admin"},
		UsernameIsEmail: true,
		// create is limited to 100 per minute (create_user_api).
		BulkConcurrency: 2,
	}
}
