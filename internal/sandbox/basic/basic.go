// Package basic is the sandbox server of the basic API (apis/basic.md):
// /api/v1/users with HTTP Basic on every request and {"value": …} bodies.
//
//	GET    /api/v1/users         200 {"value": [{"username", "admin"}, …]} (no paging)
//	GET    /api/v1/users/{user}  200 {"username", "admin"} (not wrapped)
//	PUT    /api/v1/users/{user}  {"value": {"password"}} → 201 {"value": {"username", "admin"}}
//	PATCH  /api/v1/users/{user}  {"value": {"current_password", "password"}} → 200 {"value": {…}}
//	DELETE /api/v1/users/{user}  204
//
// Validation errors are 400 with go-playground/validator's text as a JSON
// string, several errors joined by "\n" ("Key: 'UserPasswordRequest.Value.
// Password' Error:Field validation for 'Password' failed on the 'min'
// tag"); a body without the value wrapper fails the same "required" check.
// Every other error body is a JSON string too: 409 "Username already
// existed", 404 "User not found", 401 "Unauthorized" (with a
// WWW-Authenticate challenge). The document says nothing of a wrong
// current_password: the sandbox answers 403 "Current password does not
// match" (PATCH requires current_password; password has min 8, as on PUT).
//
// Usernames are case-insensitive (the store's username index is). The first
// user of an empty store, seeded or created, is an admin; no other is.
// Seeded users are user000001, user000002, …, each with its own username as
// password.
//
// It registers itself with the sandbox from init.
package basic

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/userctl/userctl/internal/sandbox"
)

func init() {
	sandbox.RegisterDialect(sandbox.Dialect{
		Name:        "basic",
		Credentials: []string{"username", "password"},
		BasePath:    "",
		New:         newBasicHandler,
		ErrorBody:   basicErrorBody,
		Seed:        seedBasic,
	})
}

const (
	basicUsersPath   = "/api/v1/users"
	basicMinPassword = 8
	basicRequestType = "UserPasswordRequest"
)

// basicErrorBody renders an error as the API does: a JSON string.
func basicErrorBody(_ int, msg string) (string, []byte) {
	b, _ := json.Marshal(msg)
	return "application/json", b
}

type basicHandler struct {
	st     *sandbox.Store
	opts   sandbox.Options
	router *sandbox.Router
	// mu serializes creates, so that only one user can be the first.
	mu sync.Mutex
}

func newBasicHandler(st *sandbox.Store, opts sandbox.Options) http.Handler {
	h := &basicHandler{st: st, opts: opts}
	// An unknown path is 404 before the credentials are checked; a wrong
	// method is 405 after.
	notFound := func(w http.ResponseWriter, _ *http.Request) { basicError(w, http.StatusNotFound, "Not found") }
	notAllowed := func(w http.ResponseWriter, r *http.Request, allow []string) {
		if !h.authorized(w, r) {
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		basicError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	}
	rt := sandbox.NewRouter(notFound, notAllowed)
	rt.HandleFunc("GET "+basicUsersPath, h.authed(h.list))
	rt.HandleFunc("GET "+basicUsersPath+"/{user}", h.authed(withUser(h.get)))
	rt.HandleFunc("PUT "+basicUsersPath+"/{user}", h.authed(withUser(h.create)))
	rt.HandleFunc("PATCH "+basicUsersPath+"/{user}", h.authed(withUser(h.changePassword)))
	rt.HandleFunc("DELETE "+basicUsersPath+"/{user}", h.authed(withUser(h.delete)))
	h.router = rt
	return h
}

// ServeHTTP routes on the escaped path: a username's %2F is part of it,
// not a path separator.
func (h *basicHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.router.ServeHTTP(w, r) }

type basicUser struct {
	Username string `json:"username"`
	Admin    bool   `json:"admin"`
}

func basicWire(r *sandbox.Record) basicUser { return basicUser{Username: r.Username, Admin: r.Admin} }

// isBasicUser reports whether a record is a live user the basic API shows.
func isBasicUser(r *sandbox.Record) bool { return r.Username != "" && r.Status != "deleted" }

// findBasic returns the live record of a username (case-insensitive).
func findBasic(st *sandbox.Store, username string) (sandbox.Record, bool) {
	r, ok := st.Find(username)
	if !ok || !strings.EqualFold(r.Username, username) || !isBasicUser(&r) {
		return sandbox.Record{}, false
	}
	return r, true
}

// authed checks the credentials before fn answers.
func (h *basicHandler) authed(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.authorized(w, r) {
			fn(w, r)
		}
	}
}

// withUser passes the {user} of the path to fn.
func withUser(fn func(w http.ResponseWriter, r *http.Request, username string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { fn(w, r, r.PathValue("user")) }
}

// authorized checks the Basic credentials: present and well formed, and
// equal to the configured ones when the sandbox was given some.
func (h *basicHandler) authorized(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	switch {
	case !ok || user == "" || pass == "":
	case h.opts.Username != "" && subtle.ConstantTimeCompare([]byte(user), []byte(h.opts.Username)) != 1:
	case h.opts.Password != "" && subtle.ConstantTimeCompare([]byte(pass), []byte(h.opts.Password)) != 1:
	default:
		return true
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="userctl sandbox", charset="UTF-8"`)
	basicError(w, http.StatusUnauthorized, "Unauthorized")
	return false
}

func basicJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func basicError(w http.ResponseWriter, status int, msg string) {
	ct, body := basicErrorBody(status, msg)
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
