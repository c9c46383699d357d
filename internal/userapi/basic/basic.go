// Package basic is the userctl dialect of the `/api/v1/users` API with HTTP
// Basic authentication and `{"value": …}` request bodies (apis/basic.md):
// list, get, create (PUT with a password), change password (PATCH with the
// current and the new password) and delete.
//
// Users are identified by username. The list is not paged, so limits and
// queries are applied on the client. Responses map to the normalized user
// as id = username = the username, roles ["admin"] for admins, status
// active and extra.admin.
//
// The server validates with go-playground/validator and answers 400 with
// its text ("Key: 'UserPasswordRequest.Value.Password' Error:Field
// validation for 'Password' failed on the 'min' tag"); the client turns each
// validator line into "password: failed on the 'min' tag" and explains a
// "required" failure under Value as a missing {"value": …} wrapper.
package basic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

// Name is the dialect name of profiles (`api: basic`).
const Name = "basic"

// Title is the human name of the API.
const Title = "/api/v1/users with HTTP Basic"

// MinPasswordLength is the documented minimum length of a password, in
// characters (the validator's `min=8` on a string counts runes).
const MinPasswordLength = 8

// usersPath is where the API lives under the profile URL.
const usersPath = "/api/v1/users"

func init() {
	userapi.Register(userapi.Dialect{
		Name:       Name,
		Title:      Title,
		DefaultURL: "",
		Settings: []userapi.Setting{
			userapi.UsernameSetting("account to log in as (HTTP Basic; no ':')", true),
			func() userapi.Setting {
				s := userapi.PasswordSetting("password of username", true)
				s.AskAtUse = true
				return s
			}(),
		},
		Capabilities: []userapi.Capability{userapi.CanPasswd, userapi.CanFind, userapi.CanRoles, userapi.CanCheck, userapi.CanRaw,
			userapi.CanSelf},
		New: func(p userapi.Profile, env userapi.Env) (userapi.Backend, error) {
			return New(p, env)
		},
	})
}

// Compile-time checks of the capabilities the API has.
var (
	_ userapi.Backend        = (*Client)(nil)
	_ userapi.PasswordSetter = (*Client)(nil)
	_ userapi.Finder         = (*Client)(nil)
	_ userapi.RoleLister     = (*Client)(nil)
	_ userapi.Checker        = (*Client)(nil)
	_ userapi.RawRequester   = (*Client)(nil)
)

// Client talks to the /api/v1/users API of one profile. It is safe for
// concurrent use.
type Client struct {
	http *httpx.Client
	// base is the profile URL for messages, without userinfo or query.
	base     string
	profile  string
	username string
	password string
}

// New builds a client for a profile. The URL, the username and the password
// are required; a missing one is an errkind.Usage error before any request.
func New(p userapi.Profile, env userapi.Env) (*Client, error) {
	return newClient(p, env, nil)
}

// newClient is New with a hook to adjust the HTTP options (tests).
func newClient(p userapi.Profile, env userapi.Env, tweak func(*httpx.Options)) (*Client, error) {
	prof := p.Name
	if prof == "" {
		prof = "(none)"
	}
	base := strings.TrimSpace(p.URL)
	if base == "" {
		return nil, errkind.Errorf(errkind.Usage,
			"no API URL for profile %s: set USERCTL_URL or run `userctl profile add %s --api basic --url URL`", prof, p.Name)
	}
	if p.Values["username"] == "" {
		return nil, errkind.Errorf(errkind.Usage,
			"no username for profile %s: set USERCTL_USERNAME or run `userctl profile add`", prof)
	}
	if strings.Contains(p.Values["username"], ":") {
		return nil, errkind.Errorf(errkind.Usage,
			"invalid username %q for profile %s: HTTP Basic usernames cannot contain ':'", p.Values["username"], prof)
	}
	if p.Secrets["password"] == "" {
		return nil, errkind.Errorf(errkind.Usage,
			"no password for profile %s: set USERCTL_PASSWORD or run `userctl profile add`", prof)
	}
	base = trimAPIPath(base)
	user, pass := p.Values["username"], p.Secrets["password"]
	opts := userapi.HTTPOptions(base, p, env)
	opts.Auth = func(r *http.Request) { r.SetBasicAuth(user, pass) }
	opts.ErrorMessage = errorMessage
	if tweak != nil {
		tweak(&opts)
	}
	hc, err := httpx.New(opts)
	if err != nil {
		return nil, err
	}
	shown := *hc.BaseURL() // for messages: no userinfo or query, which may hold secrets
	shown.User, shown.RawQuery, shown.ForceQuery = nil, "", false
	return &Client{http: hc, base: strings.TrimRight(shown.String(), "/"), profile: prof, username: user, password: pass}, nil
}

// trimAPIPath drops a trailing /api/v1 or /api/v1/users from a profile URL:
// the document's base URL is the server, and a user who pasted the API's
// own path would otherwise get /api/v1/api/v1/users. A URL that does not
// parse is left for httpx to report.
func trimAPIPath(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.RawQuery != "" || u.Fragment != "" {
		return base
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	for _, suffix := range []string{usersPath, strings.TrimSuffix(usersPath, "/users")} {
		if strings.HasSuffix(p, suffix) {
			esc := strings.TrimSuffix(p, suffix)
			u.Path, _ = url.PathUnescape(esc)
			u.RawPath = esc
			return u.String()
		}
	}
	return base
}

// Info describes the dialect.
func (c *Client) Info() userapi.Info {
	return userapi.Info{
		Name:              Name,
		Title:             Title,
		CreateRequired:    []string{"username", "password"},
		MinPasswordLength: MinPasswordLength,
		// A username and a password: no email, name, role or status.
		Writable: []string{"username", "password"},
	}
}

// PasswordPolicy says that passwd needs the current and the new password.
func (c *Client) PasswordPolicy() userapi.PasswordPolicy {
	return userapi.PasswordPolicy{NeedsNew: true, NeedsCurrent: true, MinLength: MinPasswordLength}
}

// userPath is the path of one user, its username escaped; a username that
// cannot be one path segment is refused (userapi.ValidateID) before any
// request.
func userPath(username string) (string, error) {
	esc, err := userapi.EscapeID(username)
	if err != nil {
		return "", err
	}
	return usersPath + "/" + esc, nil
}

func retry(b bool) *bool { return &b }

// do sends one request. Errors name the credentials to fix on a 401 and
// never carry the profile's password or any of secrets, even when the
// server echoes them.
func (c *Client) do(ctx context.Context, r httpx.Request, secrets ...string) (*httpx.Response, error) {
	resp, err := c.http.Do(ctx, r)
	if err == nil {
		return resp, nil
	}
	var e *errkind.Error
	if !errors.As(err, &e) {
		return nil, err
	}
	cp := *e
	if cp.Status == http.StatusUnauthorized {
		cp.Message += fmt.Sprintf(" (check the username and password of profile %s: USERCTL_USERNAME, USERCTL_PASSWORD or `userctl profile add`)", c.profile)
	}
	scrub(&cp, append(secrets, c.password)...)
	return nil, &cp
}

// scrub replaces every secret in the error's message and body. Secrets
// shorter than 3 characters are left alone: replacing them would garble
// the message more than it protects.
func scrub(e *errkind.Error, secrets ...string) {
	for _, s := range secrets {
		if len(s) < 3 {
			continue
		}
		if strings.Contains(e.Message, s) {
			e.Message = strings.ReplaceAll(e.Message, s, httpx.Redacted)
		}
		if len(e.Body) > 0 && strings.Contains(string(e.Body), s) {
			e.Body = []byte(strings.ReplaceAll(string(e.Body), s, httpx.Redacted))
		}
	}
}

// subject names the user in not-found, conflict and invalid errors.
func subject(err error, username string) error {
	switch errkind.Of(err) {
	case errkind.NotFound, errkind.Conflict, errkind.Invalid:
		return errkind.WithSubject(err, fmt.Sprintf("user %q", username))
	}
	return err
}
