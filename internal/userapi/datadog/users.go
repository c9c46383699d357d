package datadog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

const usersPath = "/api/v1/user"

// userPath is the path of one user; a handle that cannot be one path
// segment is refused (userapi.ValidateID) before any request.
func userPath(handle string) (string, error) {
	esc, err := userapi.EscapeID(handle)
	if err != nil {
		return "", err
	}
	return usersPath + "/" + esc, nil
}

func retry(b bool) *bool { return &b }

// do sends a request and adds to a 403 (Datadog never answers 401) what to
// check: the keys of the profile, and for changes an administrator's
// application key.
func (c *Client) do(ctx context.Context, r httpx.Request) (*httpx.Response, error) {
	resp, err := c.http.Do(ctx, r)
	var e *errkind.Error
	if err != nil && errors.As(err, &e) && e.Kind == errkind.Auth {
		cp := *e
		hint := "check the API key and application key"
		if c.profile != "" {
			hint += fmt.Sprintf(" of profile %q", c.profile)
		}
		if r.Method != http.MethodGet {
			hint += "; changing users needs the application key of an administrator"
		}
		cp.Message = fmt.Sprintf("%s (%s)", e.Message, hint)
		cp.Err = e
		return nil, &cp
	}
	return resp, err
}

// subject names the user in not-found, conflict and invalid errors.
func subject(err error, id string) error {
	switch errkind.Of(err) {
	case errkind.NotFound, errkind.Conflict, errkind.Invalid:
		return errkind.WithSubject(err, fmt.Sprintf("user %q", id))
	}
	return err
}

// ListUsers fetches every user with one GET /api/v1/user (the v1 API does not
// page) and filters, sorts and limits on the client: Query matches handle,
// email or name (case-insensitive), Role an access role name or code, Sort a
// normalized field (id, username, email, name, status, roles), "-" first for
// descending order.
func (c *Client) ListUsers(ctx context.Context, opts userapi.ListOptions) iter.Seq2[userapi.User, error] {
	return func(yield func(userapi.User, error) bool) {
		keep, err := listFilter(opts)
		if err != nil {
			yield(userapi.User{}, err)
			return
		}
		cmp, err := userapi.LocalOrder("Datadog", opts.Sort, map[string]string{"handle": "id", "role": "roles", "access_role": "roles"},
			"id", "username", "email", "name", "status", "roles")
		if err != nil {
			yield(userapi.User{}, err)
			return
		}
		wires, err := c.list(ctx)
		if err != nil {
			yield(userapi.User{}, err)
			return
		}
		users := make([]userapi.User, 0, len(wires))
		for _, w := range wires {
			users = append(users, w.normalize())
		}
		for u, err := range userapi.LocalList(users, keep, cmp, opts.Limit) {
			if !yield(u, err) {
				return
			}
		}
	}
}

func (c *Client) list(ctx context.Context) ([]wireUser, error) {
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: usersPath})
	if err != nil {
		return nil, err
	}
	return decodeList(resp.Body)
}

func listFilter(opts userapi.ListOptions) (func(userapi.User) bool, error) {
	q := strings.ToLower(strings.TrimSpace(opts.Query))
	var role string
	if opts.Role != "" {
		code, ok := RoleCode(opts.Role)
		if !ok {
			return nil, unknownRole(opts.Role)
		}
		role = code
	}
	return func(u userapi.User) bool {
		if q != "" && !userapi.MatchesQuery(u, q) {
			return false
		}
		return role == "" || slices.Contains(u.Roles, role)
	}, nil
}

// GetUser fetches GET /api/v1/user/{handle}.
func (c *Client) GetUser(ctx context.Context, id string) (userapi.User, error) {
	path, err := userPath(id)
	if err != nil {
		return userapi.User{}, err
	}
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return userapi.User{}, subject(err, id)
	}
	u, _, err := decodeUser(resp.Body)
	return u, err
}

// FindUser looks a user up by handle, then by email among all users. A key
// that cannot be a path segment (userapi.ValidateID) is only looked for in
// the list.
func (c *Client) FindUser(ctx context.Context, key string) (userapi.User, bool, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return userapi.User{}, false, nil
	}
	if userapi.ValidateID(key) == nil {
		u, err := c.GetUser(ctx, key)
		switch {
		case err == nil:
			return u, true, nil
		case !errkind.Is(err, errkind.NotFound):
			return userapi.User{}, false, err
		}
	}
	wires, err := c.list(ctx)
	if err != nil {
		return userapi.User{}, false, err
	}
	for _, w := range wires {
		if strings.EqualFold(w.Email, key) || strings.EqualFold(w.Handle, key) {
			return w.normalize(), true, nil
		}
	}
	return userapi.User{}, false, nil
}

// CreateUser sends POST /api/v1/user {handle, email, name, access_role}; the
// handle is req.Username, else the email. Success is 200. A 200 that returns
// a disabled user means the handle belonged to an existing, disabled user:
// that user is returned with an errkind.Conflict error saying to enable it. With
// req.Inactive the new user is disabled right after (PUT disabled true).
func (c *Client) CreateUser(ctx context.Context, req userapi.CreateRequest) (userapi.User, error) {
	body, handle, err := createRequest(req)
	if err != nil {
		return userapi.User{}, err
	}
	data, err := json.Marshal(body)
	if err != nil {
		return userapi.User{}, err
	}
	respBody, err := c.postCreate(ctx, handle, data)
	if err != nil {
		return userapi.User{}, subject(err, handle)
	}
	u, w, err := decodeUser(respBody)
	if err != nil {
		return userapi.User{}, err
	}
	if w.Disabled {
		return u, &errkind.Error{Kind: errkind.Conflict, Status: http.StatusOK, Message: fmt.Sprintf(
			"user %q already exists and is disabled: Datadog returned the existing user instead of creating one; run `userctl users enable %s` to re-enable it",
			handle, handle)}
	}
	if req.Inactive {
		d, err := c.DisableUser(ctx, w.Handle)
		if err != nil {
			// The user exists now: say so, so that a retry does not meet a
			// surprising conflict.
			return u, fmt.Errorf("created user %q but could not disable it (run `userctl users disable %s`): %w",
				w.Handle, w.Handle, err)
		}
		return d, nil
	}
	return u, nil
}

// postCreate sends the create. When it fails after the request may have
// reached the server, it looks the handle up first and retries once only
// when the user does not exist: a user is never created twice.
func (c *Client) postCreate(ctx context.Context, handle string, data []byte) ([]byte, error) {
	r := httpx.Request{Method: http.MethodPost, Path: usersPath, Body: data, Retry: retry(false)}
	resp, err := c.do(ctx, r)
	if err == nil {
		return resp.Body, nil
	}
	var e *errkind.Error
	if !errors.As(err, &e) || !e.MaybeSent {
		return nil, err
	}
	path, perr := userPath(handle)
	if perr != nil {
		return nil, err
	}
	got, gerr := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: path})
	switch {
	case gerr == nil:
		return got.Body, nil // the create went through
	case !errkind.Is(gerr, errkind.NotFound):
		return nil, err // cannot tell: report the create's own failure
	}
	resp, err = c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

func createRequest(req userapi.CreateRequest) (createBody, string, error) {
	email := strings.TrimSpace(req.Email)
	if email == "" {
		return createBody{}, "", errkind.Errorf(errkind.Usage, "missing required flag --email: Datadog users need an email")
	}
	if !validEmail(email) {
		return createBody{}, "", errkind.Errorf(errkind.Usage, "invalid email %q: Datadog wants an email address", email)
	}
	handle := strings.TrimSpace(req.Username)
	if handle == "" {
		handle = email
	}
	if !validEmail(handle) {
		return createBody{}, "", errkind.Errorf(errkind.Usage, "invalid handle %q: a Datadog handle must be an email address", handle)
	}
	if err := userapi.ValidateID(handle); err != nil {
		// The handle goes in the path of every later request.
		return createBody{}, "", err
	}
	if req.Password != "" {
		return createBody{}, "", errkind.Errorf(errkind.Usage, "Datadog API v1 users have no password: they sign in through Datadog")
	}
	role, err := accessRole(req.Roles, req.Admin)
	if err != nil {
		return createBody{}, "", err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		name = strings.TrimSpace(strings.TrimSpace(req.FirstName) + " " + strings.TrimSpace(req.LastName))
	}
	return createBody{Handle: handle, Email: email, Name: name, AccessRole: role}, handle, nil
}

// accessRole picks the one access role code of roles and admin ("" for the
// server's default, standard).
func accessRole(roles []string, admin *bool) (string, error) {
	if len(roles) > 1 {
		return "", errkind.Errorf(errkind.Usage, "a Datadog user has one access role, got %d: %s", len(roles), strings.Join(roles, ", "))
	}
	var code string
	if len(roles) == 1 {
		c, ok := RoleCode(roles[0])
		if !ok {
			return "", unknownRole(roles[0])
		}
		code = c
	}
	if admin != nil && *admin {
		if code != "" && code != RoleAdmin {
			return "", errkind.Errorf(errkind.Usage, "--admin conflicts with access role %q", roles[0])
		}
		code = RoleAdmin
	}
	return code, nil
}

// UpdateUser sends PUT /api/v1/user/{handle} with the fields that change:
// email, name, access_role (one role, or --admin) and disabled (--status
// active|disabled). --admin=false on an admin makes it standard.
func (c *Client) UpdateUser(ctx context.Context, id string, req userapi.UpdateRequest) (userapi.User, error) {
	if err := userapi.ValidateID(id); err != nil {
		return userapi.User{}, err
	}
	if req.IsEmpty() {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "nothing to update for user %q", id)
	}
	var b updateBody
	if req.FirstName != nil || req.LastName != nil {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "Datadog users have no first or last name: use --name")
	}
	for k := range req.Extra {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "Datadog users have no field %q", k)
	}
	if req.Email != nil {
		if !validEmail(*req.Email) {
			return userapi.User{}, errkind.Errorf(errkind.Usage, "invalid email %q: Datadog wants an email address", *req.Email)
		}
		b.Email = req.Email
	}
	b.Name = req.Name
	if req.Roles != nil {
		if len(*req.Roles) == 0 {
			return userapi.User{}, errkind.Errorf(errkind.Usage, "a Datadog user has exactly one access role")
		}
	}
	var roles []string
	if req.Roles != nil {
		roles = *req.Roles
	}
	code, err := accessRole(roles, req.Admin)
	if err != nil {
		return userapi.User{}, err
	}
	if req.Admin != nil && !*req.Admin {
		if code == RoleAdmin {
			return userapi.User{}, errkind.Errorf(errkind.Usage, "--admin=false conflicts with the admin access role")
		}
		if code == "" {
			cur, err := c.GetUser(ctx, id)
			if err != nil {
				return userapi.User{}, err
			}
			if slices.Contains(cur.Roles, RoleAdmin) {
				code = RoleStandard
			}
		}
	}
	if code != "" {
		b.AccessRole = &code
	}
	if req.Status != nil {
		switch *req.Status {
		case userapi.StatusActive:
			b.Disabled = new(false)
		case userapi.StatusDisabled:
			b.Disabled = new(true)
		default:
			return userapi.User{}, errkind.Errorf(errkind.Usage,
				"cannot set status %q on Datadog: want active or disabled (pending means not logged in yet)", *req.Status)
		}
	}
	if b == (updateBody{}) {
		// Only --admin=false on a user who is no admin: nothing changes.
		return c.GetUser(ctx, id)
	}
	return c.put(ctx, id, b)
}

func (c *Client) put(ctx context.Context, id string, b updateBody) (userapi.User, error) {
	data, err := json.Marshal(b)
	if err != nil {
		return userapi.User{}, err
	}
	path, err := userPath(id)
	if err != nil {
		return userapi.User{}, err
	}
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodPut, Path: path, Body: data})
	if err != nil {
		return userapi.User{}, subject(err, id)
	}
	u, _, err := decodeUser(resp.Body)
	return u, err
}

// DisableUser sends PUT {"disabled": true}: unlike DELETE it returns the
// user and does not fail on a user who is already disabled.
func (c *Client) DisableUser(ctx context.Context, id string) (userapi.User, error) {
	if err := userapi.ValidateID(id); err != nil {
		return userapi.User{}, err
	}
	return c.put(ctx, id, updateBody{Disabled: new(true)})
}

// EnableUser sends PUT {"disabled": false}.
func (c *Client) EnableUser(ctx context.Context, id string) (userapi.User, error) {
	if err := userapi.ValidateID(id); err != nil {
		return userapi.User{}, err
	}
	return c.put(ctx, id, updateBody{Disabled: new(false)})
}

// DeleteUser sends DELETE /api/v1/user/{handle}, which disables the user
// (Info.DeleteNote says so). The Result carries the server's message ("User
// x disabled"). Deleting a disabled user is a 400 "User is already
// disabled": an errkind.NotFound error (exit 3) wrapping
// userapi.ErrAlreadyDeleted, since the user is as deleted as Datadog allows
// (`users delete --ignore-not-found` then exits 0, like on the other APIs).
//
// DELETE is not blindly re-sent: a retry after a lost answer would meet
// "already disabled" for the request that did succeed. When the answer is
// lost, the user is looked up first: disabled means the DELETE went through.
func (c *Client) DeleteUser(ctx context.Context, id string, _ userapi.DeleteOptions) (userapi.Result, error) {
	path, err := userPath(id)
	if err != nil {
		return userapi.Result{}, err
	}
	r := httpx.Request{Method: http.MethodDelete, Path: path, Retry: retry(false)}
	var resp *httpx.Response
	var e *errkind.Error
	for try := 1; ; try++ {
		resp, err = c.do(ctx, r)
		if err == nil || !errors.As(err, &e) || !e.MaybeSent || try == httpx.DefaultMaxAttempts {
			break
		}
		got, gerr := c.GetUser(ctx, id)
		if gerr != nil {
			break // cannot tell: report the DELETE's own failure
		}
		if got.Status == userapi.StatusDisabled {
			return userapi.Result{ID: id, Action: "disabled", Message: fmt.Sprintf("user %q disabled", id)}, nil
		}
		// It did not go through: send it again.
	}
	if err != nil {
		if errors.As(err, &e) && e.Status == http.StatusBadRequest &&
			strings.Contains(strings.ToLower(errkind.ServerMessage(err)), "already disabled") {
			// As deleted as Datadog allows: not found (exit 3), which
			// --ignore-not-found turns into success, so re-runs are safe.
			c := *e
			c.Kind = errkind.NotFound
			c.Message = fmt.Sprintf("user %q is already disabled (Datadog cannot delete users, only disable them): %s", id, errkind.ServerMessage(err))
			c.Err = fmt.Errorf("%w: %w", userapi.ErrAlreadyDeleted, e)
			return userapi.Result{}, &c
		}
		return userapi.Result{}, subject(err, id)
	}
	var d disableResponse
	if len(bytes.TrimSpace(resp.Body)) > 0 {
		// An empty answer (a 204 from a proxy) is a success too.
		if err := json.Unmarshal(resp.Body, &d); err != nil {
			return userapi.Result{}, unreadable("delete", err)
		}
	}
	msg := c.http.Scrub(d.Message)
	if msg == "" {
		msg = fmt.Sprintf("user %q disabled", id)
	}
	return userapi.Result{ID: id, Action: "disabled", Message: msg}, nil
}

// ListRoles returns the three access roles; it sends no request.
func (c *Client) ListRoles(context.Context) ([]userapi.Role, error) {
	out := make([]userapi.Role, 0, len(accessRoles))
	for _, a := range accessRoles {
		out = append(out, userapi.Role{Name: a.code, Description: a.desc})
	}
	return out, nil
}

// Check lists the users (GET /api/v1/user, the cheapest request of the v1
// user endpoints that needs both keys) and reports how many there are.
func (c *Client) Check(ctx context.Context) (string, error) {
	wires, err := c.list(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s at %s: keys accepted, %d users", Title, c.base, len(wires)), nil
}

// Raw sends an authenticated request for `userctl api`. An absolute URL must
// point at the profile's host: the keys never go elsewhere.
func (c *Client) Raw(ctx context.Context, method, path string, body []byte, header http.Header) (*http.Response, error) {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		u, err := url.Parse(path)
		base := c.http.BaseURL()
		if err != nil || base == nil || !strings.EqualFold(u.Host, base.Host) || u.Scheme != base.Scheme {
			return nil, errkind.Errorf(errkind.Usage, "refusing to send the Datadog keys to %q: use a path of %s", path, c.base)
		}
	}
	return c.http.Raw(ctx, strings.ToUpper(method), path, body, header)
}
