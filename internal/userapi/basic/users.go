package basic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

// ListUsers fetches every user with one GET /api/v1/users (the API does not
// page) and filters, sorts and limits on the client: Query matches the
// username (case-insensitive substring), Role "admin" keeps admins, Sort is
// username (or id, admin), "-" first for descending order.
func (c *Client) ListUsers(ctx context.Context, opts userapi.ListOptions) iter.Seq2[userapi.User, error] {
	return func(yield func(userapi.User, error) bool) {
		keep, err := listFilter(opts)
		if err != nil {
			yield(userapi.User{}, err)
			return
		}
		cmp, err := userapi.LocalOrder("basic", opts.Sort, map[string]string{"admin": "roles", "role": "roles"}, "id", "username", "roles")
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
	var e *errkind.Error
	if errors.As(err, &e) && e.Kind == errkind.NotFound {
		// The collection always exists: a 404 means a wrong profile URL.
		cp := *e
		cp.Message = fmt.Sprintf("no users API at %s%s (is the URL of profile %s right?): %s",
			c.base, usersPath, c.profile, e.Message)
		cp.Err = e
		return nil, &cp
	}
	if err != nil {
		return nil, err
	}
	return decodeList(resp.Body)
}

func listFilter(opts userapi.ListOptions) (func(userapi.User) bool, error) {
	q := strings.ToLower(strings.TrimSpace(opts.Query))
	var adminOnly bool
	switch strings.ToLower(strings.TrimSpace(opts.Role)) {
	case "":
	case "admin":
		adminOnly = true
	default:
		return nil, errkind.Errorf(errkind.Usage, "unknown role %q: basic users have one role, admin", opts.Role)
	}
	return func(u userapi.User) bool {
		if q != "" && !userapi.MatchesQuery(u, q) {
			return false
		}
		return !adminOnly || slices.Contains(u.Roles, "admin")
	}, nil
}

// GetUser fetches GET /api/v1/users/{user}, whose body is not wrapped.
func (c *Client) GetUser(ctx context.Context, id string) (userapi.User, error) {
	path, err := userPath(id)
	if err != nil {
		return userapi.User{}, err
	}
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return userapi.User{}, subject(err, id)
	}
	w, err := decodeUser("get", resp.Body)
	if err != nil {
		return userapi.User{}, err
	}
	return w.normalize(), nil
}

// FindUser looks a user up by username; found is false when there is none.
func (c *Client) FindUser(ctx context.Context, key string) (userapi.User, bool, error) {
	key = strings.TrimSpace(key)
	if key == "" || userapi.ValidateID(key) != nil {
		return userapi.User{}, false, nil
	}
	u, err := c.GetUser(ctx, key)
	switch {
	case err == nil:
		return u, true, nil
	case errkind.Is(err, errkind.NotFound):
		return userapi.User{}, false, nil
	default:
		return userapi.User{}, false, err
	}
}

// CreateUser sends PUT /api/v1/users/{user} {"value": {"password": …}} and
// expects 201 {"value": {username, admin}}. The username and a password of
// at least MinPasswordLength characters are required; the API has no other
// field, so any other one is a usage error. An existing user is a 409
// "Username already existed": errkind.Conflict.
//
// The PUT is not retried blindly (a second PUT of a user the first one
// created answers 409): when it may have reached the server, the user is
// looked up, and the create is sent once more only when it does not exist.
func (c *Client) CreateUser(ctx context.Context, req userapi.CreateRequest) (userapi.User, error) {
	username := strings.TrimSpace(req.Username)
	if err := createCheck(username, req); err != nil {
		return userapi.User{}, err
	}
	data, err := json.Marshal(passwordBody{Value: passwordValue{Password: req.Password}})
	if err != nil {
		return userapi.User{}, err
	}
	path, err := userPath(username)
	if err != nil {
		return userapi.User{}, err
	}
	r := httpx.Request{Method: http.MethodPut, Path: path, Body: data, Retry: retry(false)}
	resp, err := c.do(ctx, r, req.Password)
	if err != nil {
		var e *errkind.Error
		if !errors.As(err, &e) || !e.MaybeSent {
			return userapi.User{}, subject(err, username)
		}
		u, gerr := c.GetUser(ctx, username)
		switch {
		case gerr == nil:
			return u, nil // the create went through
		case !errkind.Is(gerr, errkind.NotFound):
			return userapi.User{}, subject(err, username) // cannot tell: report the create's failure
		}
		if resp, err = c.do(ctx, r, req.Password); err != nil {
			return userapi.User{}, subject(err, username)
		}
	}
	return c.created(ctx, username, resp.Body), nil
}

// created is the user a successful create made. The document promises
// {"value": {username, admin}}; when a 2xx body holds no user (empty, 204,
// plain text) the user is fetched, and when even that fails it is the
// username without admin rights, which is all a create can set: the
// create went through and must not be reported failed (a retry would
// conflict).
func (c *Client) created(ctx context.Context, username string, body []byte) userapi.User {
	if w, err := decodeUser("create", body); err == nil {
		return w.normalize()
	}
	if u, err := c.GetUser(ctx, username); err == nil {
		return u
	}
	return wireUser{Username: username}.normalize()
}

// createCheck validates a create before anything is sent.
func createCheck(username string, req userapi.CreateRequest) error {
	if username == "" {
		return errkind.Errorf(errkind.Usage, "missing required flag --username: basic users are identified by username")
	}
	if err := userapi.ValidateID(username); err != nil {
		return err
	}
	if req.Password == "" {
		return errkind.Errorf(errkind.Usage, "missing password: basic users need one (--password-stdin)")
	}
	if utf8.RuneCountInString(req.Password) < MinPasswordLength {
		return errkind.Errorf(errkind.Usage, "password too short: the basic API wants at least %d characters", MinPasswordLength)
	}
	var unsupported []string
	if strings.TrimSpace(req.Email) != "" {
		unsupported = append(unsupported, "--email")
	}
	if strings.TrimSpace(req.Name) != "" {
		unsupported = append(unsupported, "--name")
	}
	if strings.TrimSpace(req.FirstName) != "" {
		unsupported = append(unsupported, "--first-name")
	}
	if strings.TrimSpace(req.LastName) != "" {
		unsupported = append(unsupported, "--last-name")
	}
	if len(req.Roles) > 0 {
		unsupported = append(unsupported, "--role")
	}
	if req.Admin != nil && *req.Admin {
		unsupported = append(unsupported, "--admin")
	}
	if req.Inactive {
		unsupported = append(unsupported, "--inactive")
	}
	if len(unsupported) > 0 {
		return errkind.Errorf(errkind.Usage,
			"the basic API creates users from a username and a password only; it has no %s", strings.Join(unsupported, ", "))
	}
	for k := range req.Extra {
		return errkind.Errorf(errkind.Usage, "basic users have no field %q", k)
	}
	return nil
}

// SetPassword sends PATCH /api/v1/users/{user}
// {"value": {"current_password": …, "password": …}} and expects 200. Both
// passwords are required and the new one must have MinPasswordLength
// characters. Neither password ever appears in an error.
func (c *Client) SetPassword(ctx context.Context, id string, change userapi.PasswordChange) (userapi.Result, error) {
	path, err := userPath(id)
	if err != nil {
		return userapi.Result{}, err
	}
	switch {
	case change.Current == "":
		return userapi.Result{}, errkind.Errorf(errkind.Usage, "missing current password: the basic API needs it to change a password")
	case change.New == "":
		return userapi.Result{}, errkind.Errorf(errkind.Usage, "missing new password")
	case utf8.RuneCountInString(change.New) < MinPasswordLength:
		return userapi.Result{}, errkind.Errorf(errkind.Usage, "password too short: the basic API wants at least %d characters", MinPasswordLength)
	}
	cur := change.Current
	data, err := json.Marshal(passwordBody{Value: passwordValue{CurrentPassword: &cur, Password: change.New}})
	if err != nil {
		return userapi.Result{}, err
	}
	_, err = c.do(ctx, httpx.Request{Method: http.MethodPatch, Path: path, Body: data}, change.Current, change.New)
	if err != nil {
		var e *errkind.Error
		if errors.As(err, &e) && (e.Status == http.StatusForbidden || e.Status == http.StatusUnauthorized) {
			// The document does not say how a wrong current password is
			// answered; 401 and 403 are the likely ones.
			return userapi.Result{}, errkind.WithSubject(err, fmt.Sprintf("changing the password of user %q (is the current password right?)", id))
		}
		return userapi.Result{}, subject(err, id)
	}
	// Any 2xx means the password changed, whatever the body (the document
	// shows {"value": {username, admin}}, which holds nothing more to tell).
	return userapi.Result{ID: id, Action: "password changed", Message: fmt.Sprintf("password of user %q changed", id)}, nil
}

// DeleteUser sends DELETE /api/v1/users/{user} (204).
//
// The DELETE is not re-sent blindly either: a second DELETE of a user the
// first one removed answers 404, which would report a deleted user "not
// found". When it may have reached the server, the user is looked up: gone
// means deleted, still there means the DELETE is sent once more.
func (c *Client) DeleteUser(ctx context.Context, id string, _ userapi.DeleteOptions) (userapi.Result, error) {
	path, err := userPath(id)
	if err != nil {
		return userapi.Result{}, err
	}
	r := httpx.Request{Method: http.MethodDelete, Path: path, Retry: retry(false)}
	err = userapi.CheckedDelete(
		func() error { _, err := c.do(ctx, r); return err },
		func() error { _, err := c.GetUser(ctx, id); return err })
	if err != nil {
		return userapi.Result{}, subject(err, id)
	}
	return userapi.Result{ID: id, Action: "deleted", Message: fmt.Sprintf("user %q deleted", id)}, nil
}

// Self returns the profile's own account: its username is the user's ID
// (no request is needed).
func (c *Client) Self(ctx context.Context) (userapi.User, error) {
	return userapi.User{ID: c.username, Username: c.username}, nil
}

// Check fetches the profile's own user (GET /api/v1/users/{username}) and
// reports "authenticated as X (admin)". When the server has no user of that
// name (the credentials may belong to another realm), it lists the users
// instead, which needs the same credentials.
func (c *Client) Check(ctx context.Context) (string, error) {
	u, err := c.GetUser(ctx, c.username)
	if err == nil {
		if admin, _ := u.Extra["admin"].(bool); admin {
			return fmt.Sprintf("authenticated as %s (admin)", u.Username), nil
		}
		return fmt.Sprintf("authenticated as %s", u.Username), nil
	}
	if !errkind.Is(err, errkind.NotFound) {
		return "", err
	}
	wires, err := c.list(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("authenticated as %s (not a listed user; %d users visible)", c.username, len(wires)), nil
}

// Raw sends an authenticated request for `userctl api`. An absolute URL must
// point at the profile's host: the credentials never go elsewhere.
func (c *Client) Raw(ctx context.Context, method, path string, body []byte, header http.Header) (*http.Response, error) {
	if l := strings.ToLower(path); strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
		u, err := url.Parse(path)
		base := c.http.BaseURL()
		if err != nil || base == nil || !strings.EqualFold(u.Host, base.Host) || !strings.EqualFold(u.Scheme, base.Scheme) {
			return nil, errkind.Errorf(errkind.Usage, "refusing to send the credentials to another host: use a path of %s", c.base)
		}
	}
	return c.http.Raw(ctx, strings.ToUpper(method), path, body, header)
}

// ListRoles lists the one role the API knows, without a request: a user is
// an admin or not (the flag is read-only as far as the API shows).
func (c *Client) ListRoles(context.Context) ([]userapi.Role, error) {
	return []userapi.Role{{Name: "admin", Description: "administrator (set by the server; read-only through this API)"}}, nil
}
