// Package udata is the sandbox server of the udata API v1 user endpoints
// (apis/udata.md), under /api/1:
//
//   - Credentials: X-API-KEY. With Options.Token set, only that key is an
//     admin key and any other non-empty key is a logged-in non-admin; with
//     no Token, any key containing "nonadmin" is a logged-in non-admin and
//     any other non-empty key is an admin. No key is anonymous: the
//     "anyone" endpoints (get, roles, suggest, followers) answer, the others
//     are 401. A non-admin on an admin verb is 403.
//   - The caller is a user of the store: the admin key's "sandbox-admin"
//     and the non-admin keys' "sandbox-visitor", each created on first use
//     with a stable id (udAdminID, udVisitorID).
//   - Every path without a trailing slash is answered 308 to the slashed
//     one. Pages carry absolute next_page URLs built from the request's
//     Host; a page past the last is 404.
//   - Delete anonymises the account (name DELETED, email <id>@deleted, slug
//     deleted-<id>); updating or deleting it again is 410, and so is
//     getting it, or an inactive user, as a non-admin (an admin gets the
//     anonymised account). Deleting yourself is 403.
//   - Like older udata servers, a create without "active" makes an inactive
//     user and an update without "roles" empties them: clients must send
//     both.
//   - Errors are {"message": …}, or {"errors": {field: […]}} (required
//     fields) and {"errors": {field: "…"}, "message": …} (other validation).
//     A create with a taken email is such a 400 on "email".
//
// The routes (any path also without its trailing slash, answered 308):
//
//	GET    /api/1/me/                          the caller
//	GET    /api/1/users/                       list (page, page_size, q, sort)
//	POST   /api/1/users/                       create
//	GET    /api/1/users/roles/                 the roles
//	GET    /api/1/users/suggest/               suggest (q, size)
//	GET    /api/1/users/{ref}/                 get by id or slug
//	PUT    /api/1/users/{ref}/                 update
//	DELETE /api/1/users/{ref}/                 anonymise
//	GET    /api/1/users/{id}/followers/        followers
//	POST   /api/1/users/{id}/followers/        follow
//	DELETE /api/1/users/{id}/followers/        unfollow
//	POST   /api/1/users/{ref}/avatar/          upload an avatar
//	POST   /api/1/users/{ref}/rotate_password/ demand a password rotation
//
// Files follow the API's parts: routing here, credentials in auth.go,
// request bodies in input.go, wire forms in view.go, then paging, users,
// followers, avatar, password, suggest and seed. It registers itself with
// the sandbox from init.
package udata

import (
	"context"
	"net/http"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

func init() {
	sandbox.RegisterDialect(sandbox.Dialect{
		Name:        "udata",
		Credentials: []string{"token"},
		BasePath:    udBasePath,
		New:         newUdataHandler,
		ErrorBody:   udataErrorBody,
		Seed:        seedUdata,
		Demo:        func(st *sandbox.Store) { seedUdata(st, sandbox.DemoCount) },
	})
}

const (
	udBasePath = "/api/1"
	// udAdminID and udVisitorID are the ids of the callers of admin and
	// non-admin keys.
	udAdminID   = "5f00000000000000000000a1"
	udVisitorID = "5f00000000000000000000b2"
	// udDefaultPageSize is udata's own page size.
	udDefaultPageSize = 20
	udMaxSuggest      = 20
	udForbidden       = "You do not have the permission to modify that object."
	udRequired        = "This field is required."
)

// udRoles are the roles the sandbox knows, in the order GET /users/roles/
// lists them.
var udRoles = []string{"admin", "editor"}

var udSortKeys = []string{"last_name", "first_name", "datasets", "reuses", "followers", "views", "created"}

type udataHandler struct {
	st     *sandbox.Store
	opts   sandbox.Options
	router *sandbox.Router
}

func newUdataHandler(st *sandbox.Store, opts sandbox.Options) http.Handler {
	h := &udataHandler{st: st, opts: opts}
	notAllowed := func(w http.ResponseWriter, _ *http.Request, _ []string) { udMethodNotAllowed(w) }
	rt := sandbox.NewRouter(udNotFound, notAllowed)
	const users = udBasePath + "/users/"
	rt.HandleFunc("GET "+udBasePath+"/me/{$}", withCaller(h.me))
	rt.HandleFunc("GET "+users+"{$}", withCaller(h.list))
	rt.HandleFunc("POST "+users+"{$}", withCaller(h.create))
	rt.HandleFunc("GET "+users+"roles/{$}", func(w http.ResponseWriter, _ *http.Request) { h.roles(w) })
	rt.HandleFunc("GET "+users+"suggest/{$}", withCaller(h.suggest))
	// roles and suggest are no user: the methods of a user are 405 on them.
	for _, p := range []string{"roles", "suggest"} {
		for _, m := range []string{http.MethodPut, http.MethodDelete} {
			rt.HandleFunc(m+" "+users+p+"/{$}", func(w http.ResponseWriter, _ *http.Request) { udMethodNotAllowed(w) })
		}
	}
	rt.HandleFunc("GET "+users+"{ref}/{$}", withRef(h.get))
	rt.HandleFunc("PUT "+users+"{ref}/{$}", withRef(h.update))
	rt.HandleFunc("DELETE "+users+"{ref}/{$}", withRef(h.delete))
	rt.HandleFunc("GET "+users+"{ref}/followers/{$}", func(w http.ResponseWriter, r *http.Request) {
		h.followers(w, r, r.PathValue("ref"))
	})
	rt.HandleFunc("POST "+users+"{ref}/followers/{$}", withRef(func(w http.ResponseWriter, r *http.Request, c udCaller, id string) {
		h.follow(w, r, c, id, true)
	}))
	rt.HandleFunc("DELETE "+users+"{ref}/followers/{$}", withRef(func(w http.ResponseWriter, r *http.Request, c udCaller, id string) {
		h.follow(w, r, c, id, false)
	}))
	rt.HandleFunc("POST "+users+"{ref}/avatar/{$}", withRef(h.avatar))
	rt.HandleFunc("POST "+users+"{ref}/rotate_password/{$}", withRef(h.rotatePassword))
	h.router = rt
	return h
}

// ServeHTTP answers a path outside the API 404 and one without a trailing
// slash 308; it resolves the caller of any other (creating its user on
// first use), then routes on the unescaped path's segments, as udata's
// own router does: "a%2Fb" is two segments, and the slashes around the
// path after /api/1 do not count ("/api/1//users/" is the users list).
func (h *udataHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if !strings.HasPrefix(path, udBasePath+"/") {
		udNotFound(w, r)
		return
	}
	if !strings.HasSuffix(path, "/") {
		loc := r.URL.EscapedPath() + "/"
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		udError(w, http.StatusPermanentRedirect, "Redirecting to "+loc)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), callerKey{}, h.caller(r)))
	h.router.ServePath(w, r, udBasePath+"/"+sandbox.SegmentPath(strings.Trim(path[len(udBasePath):], "/"))+"/")
}

type callerKey struct{}

// callerOf returns the caller ServeHTTP resolved.
func callerOf(r *http.Request) udCaller {
	c, _ := r.Context().Value(callerKey{}).(udCaller)
	return c
}

// withCaller passes the caller to fn.
func withCaller(fn func(w http.ResponseWriter, r *http.Request, c udCaller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { fn(w, r, callerOf(r)) }
}

// withRef passes the caller and the {ref} of the path (an id, or a slug
// where the endpoint takes one) to fn.
func withRef(fn func(w http.ResponseWriter, r *http.Request, c udCaller, ref string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { fn(w, r, callerOf(r), r.PathValue("ref")) }
}
