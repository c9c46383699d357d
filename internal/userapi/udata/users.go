package udata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/paging"
)

const usersPath = "users/"

func retry(b bool) *bool { return &b }

// ListUsers streams GET /users/?q=&sort=&page=&page_size=, following
// next_page. Query is udata's q (last name, email, first name), Sort one of
// SortKeys with an optional "-"; Role filters on the client (the API has no
// role filter). Deleted users are hidden by the API.
func (c *Client) ListUsers(ctx context.Context, opts userapi.ListOptions) iter.Seq2[userapi.User, error] {
	q, err := listQuery(opts)
	if err != nil {
		return func(yield func(userapi.User, error) bool) { yield(userapi.User{}, err) }
	}
	role := strings.TrimSpace(opts.Role)
	pg := pager[wireUser]{window: paging.Window(opts.PageConcurrency), id: func(w wireUser) string { return w.ID }}
	return stream(ctx, c, "user list", usersPath, q, opts.Limit, role != "", pg, func(w wireUser) (userapi.User, bool) {
		u := w.normalize()
		return u, role == "" || slices.Contains(u.Roles, role)
	})
}

func listQuery(opts userapi.ListOptions) (url.Values, error) {
	size := opts.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	if opts.Limit > 0 && opts.Limit < size && opts.Role == "" {
		size = opts.Limit
	}
	q := url.Values{"page": {"1"}, "page_size": {strconv.Itoa(size)}}
	if s := strings.TrimSpace(opts.Query); s != "" {
		q.Set("q", s)
	}
	if s := strings.TrimSpace(opts.Sort); s != "" {
		if !slices.Contains(SortKeys, strings.TrimPrefix(s, "-")) {
			return nil, errkind.Errorf(errkind.Usage, "cannot sort udata users by %q: want one of %s (prefix - for descending)",
				opts.Sort, strings.Join(SortKeys, ", "))
		}
		q.Set("sort", s)
	}
	return q, nil
}

// GetUser fetches GET /users/{id or slug}/. The API answers 410 for a
// deleted user (and an inactive one, to non-admins): not found, exit 3.
func (c *Client) GetUser(ctx context.Context, id string) (userapi.User, error) {
	u, _, err := c.get(ctx, id)
	return u, err
}

func (c *Client) get(ctx context.Context, id string) (userapi.User, wireUser, error) {
	path, err := userPath(id, "")
	if err != nil {
		return userapi.User{}, wireUser{}, err
	}
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return userapi.User{}, wireUser{}, subject(err, id)
	}
	return decodeUser(resp.Body)
}

// FindUser looks a user up by email (a search with q, then an exact,
// case-insensitive match), or by id or slug.
func (c *Client) FindUser(ctx context.Context, key string) (userapi.User, bool, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return userapi.User{}, false, nil
	}
	if strings.Contains(key, "@") {
		for u, err := range c.ListUsers(ctx, userapi.ListOptions{Query: key}) {
			if err != nil {
				return userapi.User{}, false, err
			}
			if strings.EqualFold(u.Email, key) {
				return u, true, nil
			}
		}
		return userapi.User{}, false, nil
	}
	if userapi.ValidateID(key) != nil {
		return userapi.User{}, false, nil // no user has that id or slug
	}
	u, err := c.GetUser(ctx, key)
	switch {
	case err == nil:
		return u, true, nil
	case errkind.Is(err, errkind.NotFound):
		return userapi.User{}, false, nil
	}
	return userapi.User{}, false, err
}

// MapRoles maps the roles of a bulk file to udata's: a plain account has
// no role in udata, "adm" and "administrator" are admin; any other name
// must be one of the API's roles (GET /users/roles/, read once), as the
// server would refuse it.
func (c *Client) MapRoles(ctx context.Context, roles []string) ([]string, error) {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		switch {
		case userapi.PlainRole(r):
			continue
		case strings.EqualFold(r, "adm") || strings.EqualFold(r, "administrator") || strings.EqualFold(r, "admin"):
			r = "admin"
		default:
			known, err := c.knownRoles(ctx)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(known, r) {
				return nil, &userapi.UnknownRoleError{Role: r, Err: errkind.Errorf(errkind.Usage,
					"the udata API has no role %q (its roles: %s)", r, strings.Join(known, ", "))}
			}
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// knownRoles lists the API's role names, asking once per client.
func (c *Client) knownRoles(ctx context.Context) ([]string, error) {
	c.rolesMu.Lock()
	defer c.rolesMu.Unlock()
	if c.roles != nil {
		return c.roles, nil
	}
	list, err := c.ListRoles(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the udata roles: %w", err)
	}
	c.roles = make([]string, 0, len(list))
	for _, r := range list {
		c.roles = append(c.roles, r.Name)
	}
	return c.roles, nil
}

// extraFields are the keys of CreateRequest.Extra and UpdateRequest.Extra
// the API has.
var extraFields = []string{"website", "about"}

func checkExtra(extra map[string]string) error {
	for k := range extra {
		if !slices.Contains(extraFields, k) {
			return errkind.Errorf(errkind.Usage, "udata users have no field %q: the extra fields are %s", k, strings.Join(extraFields, ", "))
		}
	}
	return nil
}

func validEmail(s string) bool {
	at := strings.LastIndex(s, "@")
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n<>\",")
}

// createRequest builds the body of a create, validating it first.
func createRequest(req userapi.CreateRequest) (createBody, error) {
	if req.Password != "" {
		return createBody{}, errkind.Errorf(errkind.Usage,
			"udata users have no password on create: they set it through password reset")
	}
	if err := checkExtra(req.Extra); err != nil {
		return createBody{}, err
	}
	first, last := strings.TrimSpace(req.FirstName), strings.TrimSpace(req.LastName)
	if first == "" && last == "" && strings.TrimSpace(req.Name) != "" {
		first, last = userapi.SplitName(req.Name)
	}
	email := strings.TrimSpace(req.Email)
	switch {
	case first == "":
		return createBody{}, errkind.Errorf(errkind.Usage, "missing required flag --first-name: udata users need a first name")
	case last == "":
		return createBody{}, errkind.Errorf(errkind.Usage, "missing required flag --last-name: udata users need a last name")
	case email == "":
		return createBody{}, errkind.Errorf(errkind.Usage, "missing required flag --email: udata users need an email")
	case !validEmail(email):
		return createBody{}, errkind.Errorf(errkind.Usage, "invalid email %q: udata wants an email address", email)
	}
	roles := slices.Clone(req.Roles)
	if req.Admin != nil {
		roles = setAdmin(roles, *req.Admin)
	}
	return createBody{
		FirstName: first, LastName: last, Email: email,
		Website: strings.TrimSpace(req.Extra["website"]), About: req.Extra["about"],
		Roles: roles, Active: !req.Inactive,
	}, nil
}

// setAdmin adds or removes the admin role.
func setAdmin(roles []string, admin bool) []string {
	roles = slices.DeleteFunc(slices.Clone(roles), func(r string) bool { return r == "admin" })
	if admin {
		roles = append(roles, "admin")
	}
	return roles
}

// CreateUser sends POST /users/ {first_name, last_name, email, website,
// about, roles, active}; only a Name is split into first and last name at
// its first space. The API has no username (the slug comes from the name):
// req.Username is ignored. A 400 saying the email is taken is a conflict.
//
// When the POST fails after it may have reached the server, the email is
// looked up first and the create retried once only when no such user
// exists: a user is never created twice.
func (c *Client) CreateUser(ctx context.Context, req userapi.CreateRequest) (userapi.User, error) {
	body, err := createRequest(req)
	if err != nil {
		return userapi.User{}, err
	}
	data, err := json.Marshal(body)
	if err != nil {
		return userapi.User{}, err
	}
	r := httpx.Request{Method: http.MethodPost, Path: usersPath, Body: data, Retry: retry(false)}
	resp, err := c.http.Do(ctx, r)
	if err != nil {
		var e *errkind.Error
		if !errors.As(err, &e) || !e.MaybeSent {
			return userapi.User{}, emailTaken(err, body.Email)
		}
		u, found, ferr := c.FindUser(ctx, body.Email)
		switch {
		case ferr != nil:
			return userapi.User{}, err // cannot tell: report the create's own failure
		case found:
			return u, nil // the first POST went through
		}
		if resp, err = c.http.Do(ctx, r); err != nil {
			return userapi.User{}, emailTaken(err, body.Email)
		}
	}
	u, _, err := decodeUser(resp.Body)
	return u, err
}

// UpdateUser sends PUT /users/{id or slug}/ with the fields that change and
// always the full roles list: when req.Roles and req.Admin are nil, the
// user is read first for its current roles. Status active/disabled maps to
// active true/false; Extra may set website and about. A Name alone is split
// into first and last name at its first space.
func (c *Client) UpdateUser(ctx context.Context, id string, req userapi.UpdateRequest) (userapi.User, error) {
	if err := userapi.ValidateID(id); err != nil {
		return userapi.User{}, err
	}
	if req.IsEmpty() {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "nothing to update for user %q", id)
	}
	if err := checkExtra(req.Extra); err != nil {
		return userapi.User{}, err
	}
	var b updateBody
	b.FirstName, b.LastName = req.FirstName, req.LastName
	if req.Name != nil && req.FirstName == nil && req.LastName == nil {
		first, last := userapi.SplitName(*req.Name)
		if first == "" || last == "" {
			return userapi.User{}, errkind.Errorf(errkind.Usage,
				"udata needs a first and a last name: give --name \"FIRST LAST\" or --first-name and --last-name")
		}
		b.FirstName, b.LastName = &first, &last
	}
	if b.FirstName != nil && strings.TrimSpace(*b.FirstName) == "" || b.LastName != nil && strings.TrimSpace(*b.LastName) == "" {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "udata first and last names cannot be empty")
	}
	if req.Email != nil {
		if !validEmail(*req.Email) {
			return userapi.User{}, errkind.Errorf(errkind.Usage, "invalid email %q: udata wants an email address", *req.Email)
		}
		b.Email = req.Email
	}
	if v, ok := req.Extra["website"]; ok {
		b.Website = &v
	}
	if v, ok := req.Extra["about"]; ok {
		b.About = &v
	}
	if req.Status != nil {
		switch *req.Status {
		case userapi.StatusActive:
			b.Active = new(true)
		case userapi.StatusDisabled:
			b.Active = new(false)
		default:
			return userapi.User{}, errkind.Errorf(errkind.Usage,
				"cannot set status %q on udata: want active or disabled (delete anonymises the account)", *req.Status)
		}
	}
	var roles []string
	if req.Roles != nil {
		roles = slices.Clone(*req.Roles)
	} else {
		cur, err := c.GetUser(ctx, id)
		if err != nil {
			return userapi.User{}, err
		}
		roles = slices.Clone(cur.Roles)
	}
	if req.Admin != nil {
		roles = setAdmin(roles, *req.Admin)
	}
	b.Roles = roles
	return c.put(ctx, id, b)
}

func (c *Client) put(ctx context.Context, id string, b updateBody) (userapi.User, error) {
	if b.Roles == nil {
		b.Roles = []string{}
	}
	b.Roles = dedupe(b.Roles)
	data, err := json.Marshal(b)
	if err != nil {
		return userapi.User{}, err
	}
	path, err := userPath(id, "")
	if err != nil {
		return userapi.User{}, err
	}
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodPut, Path: path, Body: data})
	if err != nil {
		return userapi.User{}, subject(err, id)
	}
	u, _, err := decodeUser(resp.Body)
	return u, err
}

// DisableUser sends PUT {"active": false, "roles": [current roles]}.
func (c *Client) DisableUser(ctx context.Context, id string) (userapi.User, error) {
	return c.setActive(ctx, id, false)
}

// EnableUser sends PUT {"active": true, "roles": [current roles]}.
func (c *Client) EnableUser(ctx context.Context, id string) (userapi.User, error) {
	return c.setActive(ctx, id, true)
}

func (c *Client) setActive(ctx context.Context, id string, active bool) (userapi.User, error) {
	cur, err := c.GetUser(ctx, id)
	if err != nil {
		return userapi.User{}, err
	}
	return c.put(ctx, id, updateBody{Active: &active, Roles: slices.Clone(cur.Roles)})
}

// DeleteUser sends DELETE /users/{id or slug}/ (204), with no_mail=true and
// delete_comments=true only when asked: the API takes any value of them as
// true. udata anonymises the account (Info.DeleteNote); a second delete is
// 410, a not-found error (exit 3).
func (c *Client) DeleteUser(ctx context.Context, id string, opts userapi.DeleteOptions) (userapi.Result, error) {
	path, err := userPath(id, "")
	if err != nil {
		return userapi.Result{}, err
	}
	q := url.Values{}
	if opts.NoMail {
		q.Set("no_mail", "true")
	}
	if opts.DeleteComments {
		q.Set("delete_comments", "true")
	}
	if _, err := c.http.Do(ctx, httpx.Request{Method: http.MethodDelete, Path: path, Query: q}); err != nil {
		return userapi.Result{}, subject(err, id)
	}
	return userapi.Result{ID: id, Action: "deleted", Message: fmt.Sprintf("user %q deleted (account anonymised)", id)}, nil
}

// dedupe drops repeated roles, keeping the first of each in order.
func dedupe(roles []string) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
