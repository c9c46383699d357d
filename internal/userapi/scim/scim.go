// Package scim is the userctl dialect of SCIM 2.0 (RFC 7643 schema, RFC 7644
// protocol; apis/scim.md): the provisioning API of many SaaS apps, under
// /Users of the profile's URL (the SCIM root, e.g.
// https://app.example.com/scim/v2).
//
// Users are identified by their SCIM id. Listing pages with startIndex and
// count and survives the usual server quirks (0-based startIndex, missing or
// wrong totalResults, silent count caps); --query becomes a server filter
// where the server supports it and is applied on the client otherwise.
// Updates are PATCH operations, with a GET-change-PUT fallback for servers
// without PATCH; disable and enable replace `active`; passwd replaces
// `password` where the server supports changePassword. What the server
// supports is read once from /ServiceProviderConfig when a verb needs it,
// and never required.
package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

// Name is the dialect name of profiles (`api: scim`).
const Name = "scim"

// Title is the human name of the API.
const Title = "SCIM 2.0"

// The schema URNs of RFC 7643 and RFC 7644.
const (
	SchemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError      = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// contentType is the media type of SCIM request bodies.
const contentType = "application/scim+json"

// accept is sent with every request: servers answer with either type.
const accept = "application/scim+json, application/json"

// DefaultPageSize is the count asked for per list page (profile key
// page_size changes it; the server's maxResults bounds it).
const DefaultPageSize = 100

const usersPath = "/Users"

func init() {
	userapi.Register(userapi.Dialect{
		Name:  Name,
		Title: Title,
		Settings: []userapi.Setting{
			userapi.TokenSetting("SCIM bearer token (or the value of the auth header)", "SCIM bearer token"),
			{Key: "auth", Help: "how the token is sent: bearer or header:NAME", Default: "bearer", Validate: validAuth},
			{Key: "page_size", Help: "users asked for per list page (the server's maxResults bounds it)",
				Default: strconv.Itoa(DefaultPageSize), Validate: validPageSize},
		},
		Capabilities: []userapi.Capability{userapi.CanUpdate, userapi.CanDisable, userapi.CanPasswd,
			userapi.CanFind, userapi.CanCheck, userapi.CanRaw},
		New: func(p userapi.Profile, env userapi.Env) (userapi.Backend, error) {
			return New(p, env)
		},
	})
}

func validAuth(v string) error {
	mode := strings.TrimSpace(v)
	if strings.EqualFold(mode, "bearer") {
		return nil
	}
	if _, ok, err := userapi.HeaderAuth(mode); err != nil {
		return fmt.Errorf("auth %q: %w", v, err)
	} else if ok {
		return nil
	}
	return fmt.Errorf("auth %q is not bearer or header:NAME", v)
}

func validPageSize(v string) error {
	_, err := userapi.PageSize(v)
	return err
}

// Compile-time checks of the capabilities the dialect has.
var (
	_ userapi.Backend        = (*Client)(nil)
	_ userapi.Updater        = (*Client)(nil)
	_ userapi.Disabler       = (*Client)(nil)
	_ userapi.PasswordSetter = (*Client)(nil)
	_ userapi.Finder         = (*Client)(nil)
	_ userapi.Checker        = (*Client)(nil)
	_ userapi.RawRequester   = (*Client)(nil)
)

// Client talks to the SCIM /Users endpoint of one profile. It is safe for
// concurrent use.
type Client struct {
	http     *httpx.Client
	base     string
	profile  string
	pageSize int

	spcOnce sync.Once
	spc     features
}

// New builds a client for a profile. The URL and the token are required (a
// missing one is an errkind.Usage error before any request). Profile keys:
// auth (bearer, the default, or header:NAME to send the token in another
// header) and page_size.
func New(p userapi.Profile, env userapi.Env) (*Client, error) {
	prof := p.Name
	if prof == "" {
		prof = "(none)"
	}
	base := strings.TrimRight(strings.TrimSpace(p.URL), "/")
	if base == "" {
		return nil, errkind.Errorf(errkind.Usage,
			"no SCIM URL for profile %s: set USERCTL_URL or run `userctl profile add %s --api scim --url URL` (the SCIM root, e.g. https://app.example.com/scim/v2)", prof, p.Name)
	}
	base = trimUsersPath(base)
	c := &Client{profile: prof, pageSize: DefaultPageSize}
	if v := p.Values["page_size"]; v != "" {
		n, err := userapi.PageSize(v)
		if err != nil {
			return nil, errkind.Errorf(errkind.Usage, "profile %s: %v", prof, err)
		}
		c.pageSize = n
	}
	if p.Secrets["token"] == "" {
		return nil, errkind.Errorf(errkind.Usage,
			"no token for profile %s: set USERCTL_TOKEN, or store one with `userctl profile add %s --api scim`", prof, p.Name)
	}
	opts := userapi.HTTPOptions(base, p, env)
	token := p.Secrets["token"]
	mode := strings.TrimSpace(p.Values["auth"])
	name, isHeader, err := userapi.HeaderAuth(mode)
	switch {
	case mode == "" || strings.EqualFold(mode, "bearer"):
		opts.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	case err != nil:
		return nil, errkind.Errorf(errkind.Usage, "profile %s: auth %q: %v", prof, mode, err)
	case isHeader:
		opts.Auth = func(r *http.Request) { r.Header.Set(name, token) }
		opts.SecretHeaders = []string{name}
	default:
		return nil, errkind.Errorf(errkind.Usage, "profile %s: auth %q is not bearer or header:NAME", prof, mode)
	}
	opts.ErrorMessage = errorMessage
	hc, err := httpx.New(opts)
	if err != nil {
		return nil, err
	}
	shown := *hc.BaseURL()
	shown.User, shown.RawQuery, shown.ForceQuery = nil, "", false
	c.http = hc
	c.base = strings.TrimRight(shown.String(), "/")
	return c, nil
}

// trimUsersPath drops a trailing /Users pasted into a profile URL: the base
// URL is the SCIM root.
func trimUsersPath(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.RawQuery != "" {
		return base
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	if strings.HasSuffix(strings.ToLower(p), "/users") {
		esc := p[:len(p)-len("/users")]
		u.Path, _ = url.PathUnescape(esc)
		u.RawPath = esc
		return u.String()
	}
	return base
}

// Info describes the dialect. A create needs an email or a username (the
// username defaults to the email).
func (c *Client) Info() userapi.Info {
	return userapi.Info{
		Name:           Name,
		Title:          Title,
		CreateRequired: []string{"email"},
		Writable:       writable(),
	}
}

// writable lists the fields a create or update can set: the normalized
// ones, and the extra fields of writableExtra (groups only read).
func writable() []string {
	w := []string{"username", "email", "name", "first_name", "last_name", "roles", "status", "password", "admin",
		"extra.external_id", "extra.display_name", "extra.first_name", "extra.last_name"}
	for _, k := range slices.Sorted(maps.Values(enterpriseKeys)) {
		w = append(w, "extra."+k)
	}
	return w
}

// PasswordPolicy says that passwd sets a new password.
func (c *Client) PasswordPolicy() userapi.PasswordPolicy {
	return userapi.PasswordPolicy{NeedsNew: true, MinLength: 1}
}

// features is what /ServiceProviderConfig says the server supports. When
// the server has no such document the defaults of apis/scim.md hold: patch
// and filter yes, changePassword unknown (tried), etag and sort no.
type features struct {
	known          bool
	patch          bool
	filter         bool
	maxResults     int
	changePassword *bool
	etag           bool
}

// features reads /ServiceProviderConfig once. Any failure (404, 401, an
// unreadable document) leaves the defaults: the document is never
// required.
func (c *Client) features(ctx context.Context) features {
	c.spcOnce.Do(func() {
		c.spc = features{patch: true, filter: true}
		resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: "/ServiceProviderConfig"})
		if err != nil {
			return
		}
		var doc struct {
			Patch  *supported `json:"patch"`
			Filter *struct {
				Supported  *bool `json:"supported"`
				MaxResults int   `json:"maxResults"`
			} `json:"filter"`
			ChangePassword *supported `json:"changePassword"`
			Etag           *supported `json:"etag"`
		}
		if json.Unmarshal(resp.Body, &doc) != nil {
			return
		}
		c.spc.known = true
		if doc.Patch != nil && doc.Patch.Supported != nil {
			c.spc.patch = *doc.Patch.Supported
		}
		if doc.Filter != nil {
			if doc.Filter.Supported != nil {
				c.spc.filter = *doc.Filter.Supported
			}
			if doc.Filter.MaxResults > 0 {
				c.spc.maxResults = doc.Filter.MaxResults
			}
		}
		if doc.ChangePassword != nil {
			c.spc.changePassword = doc.ChangePassword.Supported
		}
		if doc.Etag != nil && doc.Etag.Supported != nil {
			c.spc.etag = *doc.Etag.Supported
		}
	})
	return c.spc
}

type supported struct {
	Supported *bool `json:"supported"`
}

// userPath is the path of one user, its ID validated and escaped.
func userPath(id string) (string, error) {
	esc, err := userapi.EscapeID(id)
	if err != nil {
		return "", err
	}
	return usersPath + "/" + esc, nil
}

// do sends one request with the SCIM headers and turns a SCIM error body
// into the right kind: scimType uniqueness is a conflict whatever the
// status; a 412 (stale If-Match) is a conflict too.
func (c *Client) do(ctx context.Context, r httpx.Request) (*httpx.Response, error) {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Set("Accept", accept)
	if r.Body != nil {
		r.ContentType = contentType
	}
	resp, err := c.http.Do(ctx, r)
	if err == nil {
		return resp, nil
	}
	var e *errkind.Error
	if !errors.As(err, &e) {
		return nil, err
	}
	cp := *e
	switch t := scimType(e.Body); {
	case strings.EqualFold(t, "uniqueness"):
		cp.Kind = errkind.Conflict
	case e.Status == http.StatusPreconditionFailed:
		cp.Kind = errkind.Conflict
	case e.Status == http.StatusUnauthorized:
		cp.Message += fmt.Sprintf(" (check the token of profile %s: USERCTL_TOKEN or `userctl profile add`)", c.profile)
	}
	return nil, &cp
}

// scimError is the error body of RFC 7644 §3.12. status is a string in the
// RFC; some servers send a number.
type scimError struct {
	Schemas  []string        `json:"schemas"`
	Status   json.RawMessage `json:"status"`
	ScimType string          `json:"scimType"`
	Detail   string          `json:"detail"`
}

var scimTypeRe = regexp.MustCompile(`^[A-Za-z]{1,40}$`)

// scimType is the scimType of an error body, "" when it has none (or one
// that is not a plain word: it is shown to the user).
func scimType(body []byte) string {
	var e scimError
	if json.Unmarshal(body, &e) != nil || !scimTypeRe.MatchString(e.ScimType) {
		return ""
	}
	return e.ScimType
}

// errorMessage is the httpx ErrorMessage of the dialect: the server's
// detail (found by httpx.ServerMessage like any other message) followed by
// the scimType in parentheses: "userName bjensen is taken (uniqueness)".
func errorMessage(status int, h http.Header, body []byte) string {
	msg := httpx.ServerMessage(h.Get("Content-Type"), body)
	if t := scimType(body); t != "" {
		if msg == "" {
			return t
		}
		return msg + " (" + t + ")"
	}
	if status == http.StatusPreconditionFailed && msg == "" {
		return "the user changed since it was read"
	}
	return msg
}

// subject names the user in an error: `user "x" not found`, `user "x":
// 400 Bad Request: …`; a 412 says the user changed meanwhile.
func subject(err error, id string) error {
	var e *errkind.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Status == http.StatusPreconditionFailed {
		cp := *e
		cp.Message = fmt.Sprintf("user %q changed since it was read (run the command again): %s", id, e.Message)
		cp.Err = e
		return &cp
	}
	switch e.Kind {
	case errkind.NotFound, errkind.Invalid, errkind.Unsupported:
		return errkind.WithSubject(err, fmt.Sprintf("user %q", id))
	case errkind.Conflict:
		cp := *e
		cp.Message = fmt.Sprintf("user %q: %s", id, e.Message)
		cp.Err = e
		return &cp
	}
	return err
}

func retry(b bool) *bool { return &b }

// Raw sends an authenticated request for `userctl api`. An absolute URL must
// point at the profile's host: the token never goes elsewhere.
func (c *Client) Raw(ctx context.Context, method, path string, body []byte, header http.Header) (*http.Response, error) {
	if l := strings.ToLower(path); strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
		u, err := url.Parse(path)
		base := c.http.BaseURL()
		if err != nil || base == nil || !strings.EqualFold(u.Host, base.Host) || !strings.EqualFold(u.Scheme, base.Scheme) {
			return nil, errkind.Errorf(errkind.Usage, "refusing to send the token to another host: use a path of %s", c.base)
		}
	}
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Accept") == "" {
		header.Set("Accept", accept)
	}
	if len(body) > 0 && header.Get("Content-Type") == "" {
		header.Set("Content-Type", contentType)
	}
	return c.http.Raw(ctx, strings.ToUpper(method), path, body, header)
}

// Check lists one user, which needs a valid token, and says how many users
// the token sees.
func (c *Client) Check(ctx context.Context) (string, error) {
	p, _, err := c.pageUsers(ctx, 1, 1, "")
	if err != nil {
		return "", err
	}
	if p.TotalResults != nil {
		return fmt.Sprintf("authenticated; %d users visible", *p.TotalResults), nil
	}
	return "authenticated", nil
}
