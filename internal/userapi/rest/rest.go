// Package rest is the dialect of a generic bearer-key JSON users API
// (apis/rest.md): GET/POST /users, GET/PUT/DELETE /users/{id}, with the
// profile keys that adapt it to real services of that shape.
package rest

import (
	"bytes"
	"context"
	"encoding/base64"
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
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

func init() {
	userapi.Register(userapi.Dialect{
		Name:     "rest",
		Title:    "generic JSON users API",
		Settings: Settings,
		Capabilities: []userapi.Capability{userapi.CanUpdate, userapi.CanDisable, userapi.CanPasswd,
			userapi.CanFind, userapi.CanCheck, userapi.CanRaw, userapi.CanMapRole},
		New: New,
	})
}

// Settings are the profile keys of the dialect: its credentials and the
// mapping keys (Keys) that adapt it to real services of the rest shape,
// each validated as New reads it (CheckKey).
var Settings = func() []userapi.Setting {
	token := userapi.TokenSetting("bearer token, or the value of the auth header (none with auth: none or basic)", "API token")
	token.NeededWith = func(values map[string]string) bool {
		a := values["auth"]
		return a != "none" && a != "basic"
	}
	out := []userapi.Setting{
		token,
		userapi.UsernameSetting("username, with auth: basic", false),
		userapi.PasswordSetting("password, with auth: basic", false),
	}
	allowed := map[string][]string{
		"pagination":    {PageAuto, PageNone, PagePage, PageOffset, PageCursor, PageLink},
		"update_method": {UpdateMerge, UpdatePatch, UpdatePut},
		"auth":          {"bearer", "basic", "header:", "none"},
		"disable":       {http.MethodPut, http.MethodPatch},
	}
	for _, k := range Keys {
		out = append(out, userapi.Setting{Key: k.Name, Help: k.Help, Default: k.Default, Values: allowed[k.Name],
			Validate: func(v string) error { return CheckKey(k.Name, v) }})
	}
	return out
}()

// Compile-time checks of the capabilities this dialect has.
var (
	_ userapi.Backend        = (*Client)(nil)
	_ userapi.Updater        = (*Client)(nil)
	_ userapi.Disabler       = (*Client)(nil)
	_ userapi.PasswordSetter = (*Client)(nil)
	_ userapi.Finder         = (*Client)(nil)
	_ userapi.Checker        = (*Client)(nil)
	_ userapi.RawRequester   = (*Client)(nil)
)

// MinPasswordLength is the documented minimum.
const MinPasswordLength = 8

// Pagination styles.
const (
	PageAuto   = "auto"
	PageNone   = "none"
	PagePage   = "page"
	PageOffset = "offset"
	PageCursor = "cursor"
	PageLink   = "link"
)

// Client talks to one rest API.
type Client struct {
	http *httpx.Client
	m    *mapping
	// probe remembers whether user_path was found to answer for a user
	// the collection lists (see checkUserPath).
	probe probeState
}

// New builds a client from a profile; its Options are the keys of
// apis/rest.md (Keys lists them).
func New(p userapi.Profile, env userapi.Env) (userapi.Backend, error) {
	m, err := parseMapping(p.Name, func(k string) string { return p.Values[k] })
	if err != nil {
		return nil, err
	}
	c := &Client{m: m}
	if p.URL == "" {
		return nil, errkind.Errorf(errkind.Usage, "profile %q has no url: set it with `userctl profile add` or USERCTL_URL", p.Name)
	}
	auth, secretHeader, err := authFunc(p)
	if err != nil {
		return nil, err
	}
	opts := userapi.HTTPOptions(p.URL, p, env)
	opts.Auth = auth
	if secretHeader != "" {
		opts.SecretHeaders = []string{secretHeader}
	}
	hc, err := httpx.New(opts)
	if err != nil {
		return nil, err
	}
	c.http = hc
	return c, nil
}

func authFunc(p userapi.Profile) (func(*http.Request), string, error) {
	mode := p.Values["auth"]
	missing := func(what string) error {
		return errkind.Errorf(errkind.Usage, "profile %q has no %s: set USERCTL_TOKEN, or store one with `userctl profile add %s --api rest --url URL --force`", p.Name, what, p.Name)
	}
	switch {
	case mode == "none":
		// Servers without authentication (json-server, a local mock).
		return func(*http.Request) {}, "", nil
	case mode == "" || mode == "bearer":
		if p.Secrets["token"] == "" {
			return nil, "", missing("token")
		}
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+p.Secrets["token"]) }, "", nil
	case mode == "basic":
		if p.Values["username"] == "" || p.Secrets["password"] == "" {
			return nil, "", errkind.Errorf(errkind.Usage, "profile %q uses basic auth but has no username and password: set USERCTL_USERNAME and USERCTL_PASSWORD", p.Name)
		}
		cred := base64.StdEncoding.EncodeToString([]byte(p.Values["username"] + ":" + p.Secrets["password"]))
		return func(r *http.Request) { r.Header.Set("Authorization", "Basic "+cred) }, "", nil
	case strings.HasPrefix(mode, "header:"):
		name := strings.TrimSpace(strings.TrimPrefix(mode, "header:"))
		if name == "" {
			return nil, "", errkind.Errorf(errkind.Usage, "profile %q: auth %q names no header", p.Name, mode)
		}
		if p.Secrets["token"] == "" {
			return nil, "", missing("token")
		}
		return func(r *http.Request) { r.Header.Set(name, p.Secrets["token"]) }, name, nil
	}
	return nil, "", errkind.Errorf(errkind.Usage, "profile %q: auth %q is not bearer, basic, header:NAME or none", p.Name, mode)
}

// Info describes the dialect.
func (c *Client) Info() userapi.Info {
	return userapi.Info{
		Name: "rest", Title: "generic JSON users API",
		CreateRequired:    []string{"email", "name", "password"},
		MinPasswordLength: MinPasswordLength,
		BulkConcurrency:   16,
	}
}

// MapRoles maps the roles of a bulk file to the rest API's: a plain
// account's role is "user" (the documented default), "adm" and
// "administrator" are "admin"; other names are sent as they are.
func (c *Client) MapRoles(_ context.Context, roles []string) ([]string, error) {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		switch {
		case userapi.PlainRole(r):
			r = "user"
		case strings.EqualFold(r, "adm") || strings.EqualFold(r, "administrator"):
			r = "admin"
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// parseTime reads the times of a user object: RFC 3339 as the document
// says, the usual near misses (no zone, a space, a date), and Unix times in
// seconds or milliseconds. The result is UTC; nil when absent or unreadable.
func parseTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	if t, ok := parseUTC(s); ok {
		return &t
	}
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return nil
		}
		t := time.Unix(n, 0)
		if n >= 1e11 { // milliseconds
			t = time.UnixMilli(n)
		}
		t = t.UTC()
		return &t
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}

// parseUTC reads the common "2006-01-02T15:04:05Z" without time.Parse
// (it is on the path of every user of an export).
func parseUTC(s string) (time.Time, bool) {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // February 30th and the like
		return time.Time{}, false
	}
	return t, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// wire is the user object of rest.md, for the fast path of decoding: an
// object with exactly these keys decodes without a map.
type wire struct {
	ID        string   `json:"id"`
	Username  string   `json:"username"`
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Role      string   `json:"role"`
	Roles     []string `json:"roles"`
	Status    string   `json:"status"`
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`
}

// decodeItem decodes one user object: into the wire struct when the
// mapping is the document's and the object has only known keys (the
// common, fast case), else through a map so that unknown keys reach extra
// and the profile's field mapping applies.
func (c *Client) decodeItem(raw []byte) (userapi.User, error) {
	if c.m.plain {
		var w wire
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if d.Decode(&w) == nil {
			return build(w, map[string]any{}), nil
		}
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return userapi.User{}, err
	}
	return c.normalize(m), nil
}

// normalize maps an API user object to the normalized user through the
// profile's mapping. A value of an unexpected type reads as null; the
// object's other top-level keys (never a password) go to extra.
func (c *Client) normalize(obj map[string]any) userapi.User {
	m := c.m
	// odd holds the raw values of fields of a type they cannot have (a
	// number for an email, an object for a name): null, and kept in extra.
	odd := map[string]any{}
	get := func(name string, numbers bool) string {
		v, ok := m.read(obj, name)
		if s, isStr := v.(string); isStr {
			return s
		}
		if t := text(v); numbers && t != "" {
			return t
		}
		if ok && v != nil {
			odd[name] = v
		}
		return ""
	}
	idv, _ := lookup(obj, strings.Split(m.idField, "."))
	u := userapi.User{ID: text(idv), Username: get("username", false), Email: get("email", false), Name: get("name", false),
		CreatedAt: m.parseTime(get("created_at", true)), UpdatedAt: m.parseTime(get("updated_at", true)),
		Roles: []string{}, Extra: map[string]any{}}
	if u.Name == "" {
		u.Name = strings.TrimSpace(get("first_name", false) + " " + get("last_name", false))
	}
	addRole := func(r string) {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(u.Roles, r) {
			u.Roles = append(u.Roles, r)
		}
	}
	addRoles := func(v any) {
		switch t := v.(type) {
		case string:
			addRole(t)
		case []any:
			for _, r := range t {
				if s, ok := r.(string); ok {
					addRole(s)
				}
			}
		}
	}
	if _, mapped := m.fields["roles"]; mapped {
		v, _ := m.read(obj, "roles")
		addRoles(v)
	} else {
		addRoles(obj["role"])
		addRoles(obj["roles"])
	}
	sv, hasStatus := m.read(obj, "status")
	var rawStatus string
	u.Status, rawStatus = m.statusOf(sv)
	if !hasStatus || sv == nil {
		// No status: services of this shape often say it with a boolean.
		if v, ok := obj["active"].(bool); ok {
			u.Status = map[bool]userapi.Status{true: userapi.StatusActive, false: userapi.StatusDisabled}[v]
		} else if v, ok := obj["enabled"].(bool); ok {
			u.Status = map[bool]userapi.Status{true: userapi.StatusActive, false: userapi.StatusDisabled}[v]
		} else if v, ok := obj["disabled"].(bool); ok {
			u.Status = map[bool]userapi.Status{true: userapi.StatusDisabled, false: userapi.StatusActive}[v]
		}
	}
	// The top-level keys read into normalized fields are not repeated in
	// extra; a password (or its confirmation) never shows.
	used := map[string]bool{}
	for _, k := range strings.Split(m.idField, ".")[:1] {
		used[k] = true
	}
	for _, f := range NormalFields {
		for _, p := range m.paths(f) {
			if len(p) == 1 || f == "password" {
				used[p[0]] = true
			}
		}
	}
	if _, mapped := m.fields["roles"]; !mapped {
		used["role"] = true
	}
	for k, v := range obj {
		if !used[k] {
			u.Extra[k] = v
		}
	}
	for k, v := range odd {
		u.Extra[k] = v
	}
	if u.Status == "" && rawStatus != "" {
		// A status the normalized object has no word for: null, and the
		// service's own word in extra rather than a guess.
		u.Extra["status"] = sv
	}
	return u
}

// build maps the wire object to the normalized user.
func build(w wire, extra map[string]any) userapi.User {
	u := userapi.User{
		ID: w.ID, Username: w.Username, Email: w.Email, Name: w.Name,
		CreatedAt: parseTime(w.CreatedAt), UpdatedAt: parseTime(w.UpdatedAt),
		Roles: make([]string, 0, 1+len(w.Roles)), Extra: extra,
	}
	if w.Role != "" {
		u.Roles = append(u.Roles, w.Role)
	}
	for _, r := range w.Roles {
		if r != "" && r != w.Role {
			u.Roles = append(u.Roles, r)
		}
	}
	u.Status = normalStatus(w.Status)
	if u.Status == "" && w.Status != "" {
		// A status the normalized object has no word for: null, and the
		// service's own word in extra rather than a guess.
		if u.Extra == nil {
			u.Extra = map[string]any{}
		}
		u.Extra["status"] = w.Status
	}
	return u
}

// normalStatus maps a service's status word to the normalized status; ""
// when the user object has none (null in the output) or the word is unknown.
func normalStatus(s string) userapi.Status {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "active", "enabled", "activated", "confirmed", "verified":
		return userapi.StatusActive
	case "disabled", "inactive", "deactivated", "suspended", "blocked", "locked", "banned":
		return userapi.StatusDisabled
	case "pending", "invited", "unverified", "unconfirmed", "provisioned", "staged":
		return userapi.StatusPending
	case "deleted", "removed", "archived":
		return userapi.StatusDeleted
	}
	return ""
}

// userPath is the path of one user (user_path); an ID that cannot be one
// path segment is refused (userapi.ValidateID) before any request.
func (c *Client) userPath(id string) (string, error) {
	return expand(c.m.userPath, id)
}

func (c *Client) decodeUser(resp *httpx.Response) (userapi.User, error) {
	if c.m.plain {
		if w, ok := scanUser(resp.Body); ok && w.ID != "" {
			return build(w, nil), nil
		}
	}
	obj, err := c.userObject(resp)
	if err != nil {
		return userapi.User{}, err
	}
	return c.normalize(obj), nil
}

// userObject decodes the user object of an answer as the API wrote it.
func (c *Client) userObject(resp *httpx.Response) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, unreadable(resp, err)
	}
	// Some services wrap the object: {"data": {...}} or {"user": {...}}.
	idPath := strings.Split(c.m.idField, ".")
	if _, has := lookup(m, idPath); !has {
		for _, k := range []string{"data", "user"} {
			if inner, ok := m[k].(map[string]any); ok {
				m = inner
				break
			}
		}
	}
	u := c.normalize(m)
	if u.ID == "" && u.Email == "" && u.Username == "" {
		// A 2xx whose body is no user (a login page's JSON, {"data": "…"})
		// must not pass for an empty user.
		return nil, unreadable(resp, fmt.Errorf("no user in it (no %s, email or username)", c.m.idField))
	}
	return m, nil
}

func unreadable(resp *httpx.Response, err error) error {
	return &errkind.Error{Kind: errkind.Unknown, Status: resp.Status,
		Message: fmt.Sprintf("unreadable response from %s: %v (body starts %q)", resp.URL.Path, err, snippet(resp.Body))}
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

func subject(id string) string { return fmt.Sprintf("user %q", id) }

// GetUser fetches one user.
func (c *Client) GetUser(ctx context.Context, id string) (userapi.User, error) {
	path, err := c.userPath(id)
	if err != nil {
		return userapi.User{}, err
	}
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return userapi.User{}, c.userError(ctx, id, err)
	}
	return c.decodeUser(resp)
}

func jsonBody(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// oneRole reduces --role and --admin to the one role of a rest user; ok is
// false when none was asked for.
func oneRole(roles []string, admin *bool) (role string, ok bool, err error) {
	var want []string
	for _, r := range roles {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(want, r) {
			want = append(want, r)
		}
	}
	if admin != nil {
		switch {
		case *admin && !slices.Contains(want, "admin"):
			want = append(want, "admin")
		case !*admin && len(want) == 0:
			want = append(want, "user")
		case !*admin && slices.Contains(want, "admin"):
			return "", false, errkind.Errorf(errkind.Usage, "--admin=false contradicts --role admin")
		}
	}
	switch len(want) {
	case 0:
		if roles != nil && len(roles) == 0 {
			return "user", true, nil // roles cleared: the documented default
		}
		return "", false, nil
	case 1:
		return want[0], true, nil
	}
	return "", false, errkind.Errorf(errkind.Usage, "the rest API has one role per user, not %d (%s): give one --role",
		len(want), strings.Join(want, ", "))
}

// createBody is the documented create body: email, name, password and the
// optional role; username and profile extras only when asked for.
func createBody(req userapi.CreateRequest) (map[string]any, error) {
	body := map[string]any{"email": req.Email, "name": req.Name, "password": req.Password}
	if body["name"] == "" && (req.FirstName != "" || req.LastName != "") {
		body["name"] = strings.TrimSpace(req.FirstName + " " + req.LastName)
	}
	if req.Username != "" {
		body["username"] = req.Username
	}
	role, ok, err := oneRole(req.Roles, req.Admin)
	if err != nil {
		return nil, err
	}
	if ok && (role != "user" || len(req.Roles) > 0) {
		body["role"] = role
	}
	for k, v := range req.Extra {
		if _, taken := body[k]; !taken {
			body[k] = v
		}
	}
	return body, nil
}

// conflictWords recognize a duplicate refused as bad parameters: the
// document lists no 409, so a server may well answer 400 or 422.
var conflictWords = regexp.MustCompile(`(?i)already (been )?(exists|taken|in use|registered|used)|duplicate|not unique|must be unique|is taken`)

// asConflict turns a 400/422 that says the email is taken into a conflict.
func asConflict(err error) error {
	var e *errkind.Error
	if errors.As(err, &e) && e.Kind == errkind.Invalid && conflictWords.MatchString(e.Message) {
		c := *e
		c.Kind = errkind.Conflict
		return &c
	}
	return err
}

// CreateUser creates a user with POST to create_path. A POST that may have reached
// the server without an answer is checked by email before one retry. An
// inactive user is created, then disabled the documented way, since the
// document's create body has no status.
func (c *Client) CreateUser(ctx context.Context, req userapi.CreateRequest) (userapi.User, error) {
	if req.Email == "" {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "missing required flag --email")
	}
	if req.Name == "" && strings.TrimSpace(req.FirstName+req.LastName) == "" {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "missing required flag --name")
	}
	if len(req.Password) < MinPasswordLength {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "password must be at least %d characters", MinPasswordLength)
	}
	fields, err := createBody(req)
	if err != nil {
		return userapi.User{}, err
	}
	if c.m.statusMapped {
		// The profile names the status field: the create writes it, so
		// that a server keeping what it is sent (json-server) holds it.
		fields["status"] = string(userapi.StatusActive)
		if req.Inactive {
			fields["status"] = string(userapi.StatusDisabled)
		}
	}
	body := jsonBody(c.mapped(fields))
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodPost, Path: c.m.createPath, Body: body})
	var e *errkind.Error
	if err != nil && errors.As(err, &e) && e.MaybeSent {
		if u, found, ferr := c.FindUser(ctx, req.Email); ferr == nil && found {
			return c.finishCreate(ctx, req, u)
		} else if ferr == nil {
			resp, err = c.http.Do(ctx, httpx.Request{Method: http.MethodPost, Path: c.m.createPath, Body: body})
		}
	}
	if errkind.Is(err, errkind.NotFound) {
		return userapi.User{}, c.wrongEndpoint(http.MethodPost, c.m.createPath, "create_path", err)
	}
	if err != nil {
		return userapi.User{}, errkind.WithSubject(asConflict(err), fmt.Sprintf("user %q", req.Email))
	}
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		// Created, but the answer holds no user: read it back rather than
		// fail (a retry would then be a conflict).
		return c.createdWithoutBody(ctx, req, resp)
	}
	u, err := c.decodeUser(resp)
	if err != nil {
		return userapi.User{}, err
	}
	return c.finishCreate(ctx, req, u)
}

// createdWithoutBody fetches a user whose create answered 2xx with an empty
// body: from the Location header when there is one, else by email.
func (c *Client) createdWithoutBody(ctx context.Context, req userapi.CreateRequest, resp *httpx.Response) (userapi.User, error) {
	if loc := resp.Header.Get("Location"); loc != "" {
		if ref, err := resp.URL.Parse(loc); err == nil {
			r, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: ref.String()})
			if err == nil && len(bytes.TrimSpace(r.Body)) > 0 {
				if u, err := c.decodeUser(r); err == nil {
					return c.finishCreate(ctx, req, u)
				}
			}
		}
	}
	u, found, err := c.FindUser(ctx, req.Email)
	switch {
	case err != nil:
		return userapi.User{}, errkind.WithSubject(err, fmt.Sprintf("user %q was created but reading it back failed", req.Email))
	case !found:
		return userapi.User{}, errkind.Errorf(errkind.Unknown, "user %q: the server answered %d with no user, and no user has that email", req.Email, resp.Status)
	}
	return c.finishCreate(ctx, req, u)
}

// finishCreate disables a user created with --inactive.
func (c *Client) finishCreate(ctx context.Context, req userapi.CreateRequest, u userapi.User) (userapi.User, error) {
	if !req.Inactive || u.Status == userapi.StatusDisabled {
		return u, nil
	}
	want, verb := userapi.StatusDisabled, "disabled"
	d, err := c.setStatus(ctx, u.ID, want)
	if err != nil {
		var e *errkind.Error
		if errors.As(err, &e) {
			ce := *e
			ce.Message = fmt.Sprintf("user %q was created with id %q but not %s: %s", req.Email, u.ID, verb, e.Message)
			ce.Err = e
			return u, &ce
		}
		return u, err
	}
	return d, nil
}

func updateBody(req userapi.UpdateRequest) (map[string]any, error) {
	body := map[string]any{}
	if req.Email != nil {
		body["email"] = *req.Email
	}
	if req.Name != nil {
		body["name"] = *req.Name
	} else if req.FirstName != nil || req.LastName != nil {
		var f, l string
		if req.FirstName != nil {
			f = *req.FirstName
		}
		if req.LastName != nil {
			l = *req.LastName
		}
		body["name"] = strings.TrimSpace(f + " " + l)
	}
	var roles []string
	if req.Roles != nil {
		roles = *req.Roles
		if roles == nil {
			roles = []string{}
		}
	}
	role, ok, err := oneRole(roles, req.Admin)
	if err != nil {
		return nil, err
	}
	if ok {
		body["role"] = role
	}
	if req.Status != nil {
		body["status"] = string(*req.Status)
	}
	for k, v := range req.Extra {
		if _, taken := body[k]; !taken {
			body[k] = v
		}
	}
	return body, nil
}

// UpdateUser writes the changed fields the profile's update_method way.
func (c *Client) UpdateUser(ctx context.Context, id string, req userapi.UpdateRequest) (userapi.User, error) {
	if err := userapi.ValidateID(id); err != nil {
		return userapi.User{}, err
	}
	if req.Status != nil && *req.Status != userapi.StatusActive && *req.Status != userapi.StatusDisabled {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "status %q: want active or disabled", *req.Status)
	}
	if req.IsEmpty() {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "nothing to update: give at least one of --email, --name, --role, --status, --admin")
	}
	body, err := updateBody(req)
	if err != nil {
		return userapi.User{}, err
	}
	u, err := c.write(ctx, id, body)
	return u, asConflict(err)
}

// mapped returns a body of the document's keys (email, name, username,
// password, role, status and extras) written where the profile maps them.
func (c *Client) mapped(body map[string]any) map[string]any {
	obj := map[string]any{}
	c.apply(obj, body)
	return obj
}

// apply writes a body of the document's keys into an API object.
func (c *Client) apply(obj, body map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(body)) {
		v := body[k]
		switch k {
		case "email", "name", "username", "password":
			c.m.write(obj, k, v)
		case "role":
			paths, ok := c.m.fields["roles"]
			if !ok {
				obj["role"] = v
				continue
			}
			for _, p := range paths {
				cur, _ := lookup(obj, p)
				if _, isList := cur.([]any); isList || p[len(p)-1] == "roles" {
					assign(obj, p, []any{v})
				} else {
					assign(obj, p, v)
				}
			}
		case "status":
			st, _ := v.(string)
			c.m.write(obj, "status", c.m.statusValue(userapi.Status(st)))
		default:
			obj[k] = v
		}
	}
}

// write sends a change of a user: body holds the document's keys. With
// update_method merge the user is read first and written back whole, so
// that nothing the change does not name is lost.
func (c *Client) write(ctx context.Context, id string, body map[string]any) (userapi.User, error) {
	path, err := c.userPath(id)
	if err != nil {
		return userapi.User{}, err
	}
	switch c.m.updateMethod {
	case UpdatePatch:
		return c.send(ctx, http.MethodPatch, id, path, c.mapped(body), nil)
	case UpdatePut:
		return c.send(ctx, http.MethodPut, id, path, c.mapped(body), nil)
	}
	obj, err := c.getObject(ctx, id, path)
	if err != nil {
		return userapi.User{}, err
	}
	had := c.keptKeys(obj)
	c.apply(obj, body)
	u, err := c.send(ctx, http.MethodPut, id, path, obj, had)
	if errkind.Is(err, errkind.Invalid) {
		// A server that refuses its own read-only fields (id, created_at)
		// in a PUT merges what it accepts: send the change alone, and the
		// answer is still checked for every field the user had.
		if u2, err2 := c.send(ctx, http.MethodPut, id, path, c.mapped(body), had); !errkind.Is(err2, errkind.Invalid) {
			return u2, err2
		}
	}
	return u, err
}

// keptKeys lists the top-level keys of a user object that a whole-object
// PUT must keep: all but the password fields, which servers rarely echo.
func (c *Client) keptKeys(obj map[string]any) []string {
	secret := map[string]bool{}
	for _, p := range c.m.paths("password") {
		secret[p[0]] = true
	}
	var keys []string
	for k := range obj {
		if !secret[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// getObject reads a user as the API writes it.
func (c *Client) getObject(ctx context.Context, id, path string) (map[string]any, error) {
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return nil, c.userError(ctx, id, err)
	}
	return c.userObject(resp)
}

// send writes obj to a user's path. had, when set, lists the keys the
// user had before: an answer without one of them means the server dropped
// data, which is reported rather than printed as success.
func (c *Client) send(ctx context.Context, method, id, path string, obj map[string]any, had []string) (userapi.User, error) {
	resp, err := c.http.Do(ctx, httpx.Request{Method: method, Path: path, Body: jsonBody(obj)})
	if err != nil {
		return userapi.User{}, c.userError(ctx, id, err)
	}
	var ans map[string]any
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		if had == nil {
			return c.GetUser(ctx, id)
		}
		upath, err := c.userPath(id)
		if err != nil {
			return userapi.User{}, err
		}
		if ans, err = c.getObject(ctx, id, upath); err != nil {
			return userapi.User{}, err
		}
	} else if ans, err = c.userObject(resp); err != nil {
		return userapi.User{}, err
	}
	var lost []string
	for _, k := range had {
		if _, ok := ans[k]; !ok {
			lost = append(lost, k)
		}
	}
	if len(lost) > 0 {
		return c.normalize(ans), errkind.Errorf(errkind.Unknown,
			"user %q: after %s %s the user lacks fields it had (%s): the server dropped them; check the user and restore them (update_method: patch suits a server whose PUT does not keep the whole object)",
			id, method, path, strings.Join(lost, ", "))
	}
	return c.normalize(ans), nil
}

// DisableUser sets status disabled.
func (c *Client) DisableUser(ctx context.Context, id string) (userapi.User, error) {
	return c.setStatus(ctx, id, userapi.StatusDisabled)
}

// EnableUser sets status active.
func (c *Client) EnableUser(ctx context.Context, id string) (userapi.User, error) {
	return c.setStatus(ctx, id, userapi.StatusActive)
}

func (c *Client) setStatus(ctx context.Context, id string, st userapi.Status) (userapi.User, error) {
	body := map[string]any{"status": string(st)}
	if c.m.disableVerb != "" {
		// The older disable key: that method with the status alone.
		path, err := c.userPath(id)
		if err != nil {
			return userapi.User{}, err
		}
		return c.send(ctx, c.m.disableVerb, id, path, c.mapped(body), nil)
	}
	return c.write(ctx, id, body)
}

// PasswordPolicy: a new password of at least 8 characters.
func (c *Client) PasswordPolicy() userapi.PasswordPolicy {
	return userapi.PasswordPolicy{NeedsNew: true, MinLength: MinPasswordLength}
}

// SetPassword writes {"password": …} (at the fields.password paths) the
// update_method way, or, when password_path names an endpoint of its own,
// sends it there alone.
func (c *Client) SetPassword(ctx context.Context, id string, ch userapi.PasswordChange) (userapi.Result, error) {
	if err := userapi.ValidateID(id); err != nil {
		return userapi.Result{}, err
	}
	if len(ch.New) < MinPasswordLength {
		return userapi.Result{}, errkind.Errorf(errkind.Usage, "password must be at least %d characters", MinPasswordLength)
	}
	body := map[string]any{"password": ch.New}
	if c.m.passwordPathSet {
		path, err := expand(c.m.passwordPath, id)
		if err != nil {
			return userapi.Result{}, err
		}
		method := http.MethodPut
		if c.m.updateMethod == UpdatePatch {
			method = http.MethodPatch
		}
		if _, err := c.http.Do(ctx, httpx.Request{Method: method, Path: path, Body: jsonBody(c.mapped(body))}); err != nil {
			return userapi.Result{}, c.userError(ctx, id, err)
		}
	} else if _, err := c.write(ctx, id, body); err != nil {
		return userapi.Result{}, err
	}
	return userapi.Result{ID: id, Action: "password changed", Message: fmt.Sprintf("password of user %q changed", id)}, nil
}

// DeleteUser sends DELETE to the user's path.
func (c *Client) DeleteUser(ctx context.Context, id string, _ userapi.DeleteOptions) (userapi.Result, error) {
	path, err := c.userPath(id)
	if err != nil {
		return userapi.Result{}, err
	}
	if _, err := c.http.Do(ctx, httpx.Request{Method: http.MethodDelete, Path: path}); err != nil {
		return userapi.Result{}, c.userError(ctx, id, err)
	}
	return userapi.Result{ID: id, Action: "deleted", Message: fmt.Sprintf("user %q deleted", id)}, nil
}

// FindUser looks a user up by email or username: GET /users?email=KEY
// narrows the search where the service supports it; the page is checked
// either way, and without a match the whole list is scanned.
func (c *Client) FindUser(ctx context.Context, key string) (userapi.User, bool, error) {
	match := func(u userapi.User) bool {
		return strings.EqualFold(u.Email, key) || strings.EqualFold(u.Username, key) || u.ID == key
	}
	// Filter on the email field where it is a top-level key; servers
	// that know no such parameter ignore it, and the page is checked.
	q := url.Values{}
	if p := c.m.paths("email")[0]; len(p) == 1 {
		q.Set(p[0], key)
	}
	if resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: c.m.listPath, Query: q}); err == nil {
		if items, _, err := c.decodePage(resp); err == nil {
			for _, u := range items {
				if match(u) {
					return u, true, nil
				}
			}
			// A service that filtered returns few items; one that ignored
			// the parameter returns a page of everyone: scan in that case.
			// The filter is on email, so a username is always scanned for.
			if len(items) == 0 && strings.Contains(key, "@") {
				return userapi.User{}, false, nil
			}
		}
	} else if errkind.Of(err) == errkind.Interrupted {
		return userapi.User{}, false, err
	}
	for u, err := range c.ListUsers(ctx, userapi.ListOptions{}) {
		if err != nil {
			return userapi.User{}, false, err
		}
		if match(u) {
			return u, true, nil
		}
	}
	return userapi.User{}, false, nil
}

// Check lists one page to prove the URL and token work.
func (c *Client) Check(ctx context.Context) (string, error) {
	q := url.Values{}
	if c.m.pagination == PageAuto || c.m.pagination == PagePage {
		q.Set(c.m.sizeParam, "1")
	}
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: c.m.listPath, Query: q})
	if errkind.Is(err, errkind.NotFound) {
		return "", c.wrongEndpoint(http.MethodGet, c.m.listPath, "list_path", err)
	}
	if err != nil {
		return "", err
	}
	if _, _, err := c.decodePage(resp); err != nil {
		return "", err
	}
	return fmt.Sprintf("token accepted by %s", c.http.BaseURL()), nil
}

// Raw sends an authenticated request for `userctl api`.
func (c *Client) Raw(ctx context.Context, method, path string, body []byte, header http.Header) (*http.Response, error) {
	return c.http.Raw(ctx, method, path, body, header)
}
