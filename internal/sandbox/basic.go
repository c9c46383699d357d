package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The basic API (apis/basic.md): /api/v1/users with HTTP Basic on every
// request and {"value": …} bodies.
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

func init() {
	RegisterDialect(Dialect{
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
	st   *Store
	opts Options
	// mu serializes creates, so that only one user can be the first.
	mu sync.Mutex
}

func newBasicHandler(st *Store, opts Options) http.Handler {
	return &basicHandler{st: st, opts: opts}
}

type basicUser struct {
	Username string `json:"username"`
	Admin    bool   `json:"admin"`
}

func basicWire(r *Record) basicUser { return basicUser{Username: r.Username, Admin: r.Admin} }

// isBasicUser reports whether a record is a live user the basic API shows.
func isBasicUser(r *Record) bool { return r.Username != "" && r.Status != "deleted" }

// findBasic returns the live record of a username (case-insensitive).
func findBasic(st *Store, username string) (Record, bool) {
	r, ok := st.Find(username)
	if !ok || !strings.EqualFold(r.Username, username) || !isBasicUser(&r) {
		return Record{}, false
	}
	return r, true
}

func (h *basicHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The escaped path keeps a username's %2F apart from a path separator.
	path := r.URL.EscapedPath()
	var username string
	switch {
	case path == basicUsersPath:
	case strings.HasPrefix(path, basicUsersPath+"/") && len(path) > len(basicUsersPath)+1:
		seg := path[len(basicUsersPath)+1:]
		name, err := url.PathUnescape(seg)
		if strings.Contains(seg, "/") || err != nil || name == "" {
			basicError(w, http.StatusNotFound, "Not found")
			return
		}
		username = name
	default:
		basicError(w, http.StatusNotFound, "Not found")
		return
	}
	if !h.authorized(w, r) {
		return
	}
	switch {
	case username == "" && r.Method == http.MethodGet:
		users, _ := h.st.Page(isBasicUser, 0, 0)
		out := make([]basicUser, 0, len(users))
		for i := range users {
			out = append(out, basicWire(&users[i]))
		}
		basicJSON(w, http.StatusOK, map[string]any{"value": out})
	case username == "":
		w.Header().Set("Allow", "GET")
		basicError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	case r.Method == http.MethodGet:
		rec, ok := findBasic(h.st, username)
		if !ok {
			basicError(w, http.StatusNotFound, "User not found")
			return
		}
		basicJSON(w, http.StatusOK, basicWire(&rec))
	case r.Method == http.MethodPut:
		h.create(w, r, username)
	case r.Method == http.MethodPatch:
		h.changePassword(w, r, username)
	case r.Method == http.MethodDelete:
		rec, ok := findBasic(h.st, username)
		if !ok || h.st.Remove(rec.ID) != nil {
			basicError(w, http.StatusNotFound, "User not found")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, PUT, PATCH, DELETE")
		basicError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	}
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

// basicPasswordRequest is the body of PUT and PATCH.
type basicPasswordRequest struct {
	Value *struct {
		CurrentPassword string `json:"current_password"`
		Password        string `json:"password"`
	} `json:"value"`
}

// decodePasswordRequest reads the body and validates it like the real
// server: password required with min 8, current_password required when
// needCurrent. It writes the 400 and returns false on failure.
func decodePasswordRequest(w http.ResponseWriter, r *http.Request, needCurrent bool) (current, password string, ok bool) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		basicError(w, http.StatusBadRequest, "cannot read the request body")
		return "", "", false
	}
	var req basicPasswordRequest
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &req); err != nil {
			basicError(w, http.StatusBadRequest, err.Error())
			return "", "", false
		}
	}
	if req.Value != nil {
		current, password = req.Value.CurrentPassword, req.Value.Password
	}
	var errs []string
	switch {
	case password == "":
		errs = append(errs, validatorText("Password", "required"))
	case utf8.RuneCountInString(password) < basicMinPassword:
		errs = append(errs, validatorText("Password", "min"))
	}
	if needCurrent && current == "" {
		errs = append(errs, validatorText("CurrentPassword", "required"))
	}
	if len(errs) > 0 {
		basicError(w, http.StatusBadRequest, strings.Join(errs, "\n"))
		return "", "", false
	}
	return current, password, true
}

// validatorText is one error as go-playground/validator words it.
func validatorText(field, tag string) string {
	return fmt.Sprintf("Key: '%s.Value.%s' Error:Field validation for '%s' failed on the '%s' tag", basicRequestType, field, field, tag)
}

func (h *basicHandler) create(w http.ResponseWriter, r *http.Request, username string) {
	_, password, ok := decodePasswordRequest(w, r, false)
	if !ok {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, taken := h.st.Find(username); taken {
		basicError(w, http.StatusConflict, "Username already existed")
		return
	}
	now := time.Now().UTC()
	rec, err := h.st.Create(Record{
		ID: username, Username: username, Status: "active", Admin: h.st.Len() == 0,
		PasswordHash: HashPassword(password), CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		basicError(w, http.StatusConflict, "Username already existed")
		return
	}
	basicJSON(w, http.StatusCreated, map[string]any{"value": basicWire(&rec)})
}

func (h *basicHandler) changePassword(w http.ResponseWriter, r *http.Request, username string) {
	rec, found := findBasic(h.st, username)
	if !found {
		basicError(w, http.StatusNotFound, "User not found")
		return
	}
	current, password, ok := decodePasswordRequest(w, r, true)
	if !ok {
		return
	}
	errMismatch := errors.New("current password does not match")
	updated, err := h.st.Update(rec.ID, func(rc *Record) error {
		if subtle.ConstantTimeCompare([]byte(rc.PasswordHash), []byte(HashPassword(current))) != 1 {
			return errMismatch
		}
		rc.PasswordHash = HashPassword(password)
		return nil
	})
	switch {
	case err == errMismatch:
		basicError(w, http.StatusForbidden, "Current password does not match")
	case err != nil:
		basicError(w, http.StatusNotFound, "User not found")
	default:
		basicJSON(w, http.StatusOK, map[string]any{"value": basicWire(&updated)})
	}
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

// seedBasic adds n users user000001, user000002, … (skipping taken names),
// each with its username as password; the first user of an empty store is
// an admin.
func seedBasic(st *Store, n int) {
	now := time.Now().UTC()
	first := st.Len() == 0
	for i, added := 1, 0; added < n; i++ {
		name := fmt.Sprintf("user%06d", i)
		rec := Record{
			ID: name, Username: name, Status: "active", Admin: first && added == 0,
			PasswordHash: HashPassword(name), CreatedAt: now, UpdatedAt: now,
		}
		if _, err := st.Create(rec); err == nil {
			added++
		}
	}
}
