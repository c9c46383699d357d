package rest

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
)

// probeState caches what checkUserPath found, once per client.
type probeState struct {
	mu    sync.Mutex
	done  bool
	wrong error
}

// wrongEndpoint reports a 404 on a path that must exist (the collection,
// the create path) as a wrong endpoint naming the URL and the profile key
// to fix: a usage error (exit 2), never "user not found", so that
// --ignore-not-found cannot turn it into success.
func (c *Client) wrongEndpoint(method, path, key string, cause error) error {
	where := path
	if u, err := c.http.URL(path, nil); err == nil {
		where = u.String()
	}
	return &errkind.Error{Kind: errkind.Usage, Status: http.StatusNotFound, Err: cause,
		Message: fmt.Sprintf("wrong endpoint: %s %s answered 404 Not Found; set %s in the profile to the API's path (now %s)",
			method, where, key, path)}
}

// userError gives the error of a request on one user its subject. A 404
// means the user does not exist only when user_path finds the users the
// collection lists (checkUserPath); else it is a wrong endpoint.
func (c *Client) userError(ctx context.Context, id string, err error) error {
	if errkind.Is(err, errkind.NotFound) {
		if werr := c.checkUserPath(ctx); werr != nil {
			return werr
		}
	}
	return errkind.WithSubject(err, subject(id))
}

// checkUserPath proves user_path against the collection, once per client:
// it lists one user and reads it at user_path. A 404 there means the path
// is wrong. An empty collection or a failed probe proves nothing (nil).
func (c *Client) checkUserPath(ctx context.Context) error {
	c.probe.mu.Lock()
	defer c.probe.mu.Unlock()
	if c.probe.done {
		return c.probe.wrong
	}
	st := c.first(1)
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: c.m.listPath, Query: st.query})
	if errkind.Is(err, errkind.NotFound) {
		c.probe.done, c.probe.wrong = true, c.wrongEndpoint(http.MethodGet, c.m.listPath, "list_path", err)
		return c.probe.wrong
	}
	if err != nil {
		return nil
	}
	users, _, err := c.decodePage(resp)
	c.probe.done = true
	if err != nil || len(users) == 0 || users[0].ID == "" {
		return nil
	}
	path, err := c.userPath(users[0].ID)
	if err != nil {
		return nil
	}
	_, err = c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: path})
	if errkind.Is(err, errkind.NotFound) {
		where := path
		if u, uerr := c.http.URL(path, nil); uerr == nil {
			where = u.String()
		}
		c.probe.wrong = &errkind.Error{Kind: errkind.Usage, Status: http.StatusNotFound, Err: err,
			Message: fmt.Sprintf("wrong endpoint: GET %s answered 404 Not Found although %s lists user %q; set user_path in the profile to the API's path of one user (now %s)",
				where, c.m.listPath, users[0].ID, c.m.userPath)}
	}
	return c.probe.wrong
}
