// Package rest is the sandbox server of the rest dialect: the generic JSON
// users API of apis/rest.md, under /v1, with bearer tokens and
// {"error": "…"} bodies. It registers itself with the sandbox from init.
//
//	GET    /v1/users       list (page, per_page, email)
//	POST   /v1/users       create
//	GET    /v1/users/{id}  get
//	PUT    /v1/users/{id}  update the fields sent
//	DELETE /v1/users/{id}  delete
package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

func init() {
	sandbox.RegisterDialect(sandbox.Dialect{
		Name:        "rest",
		Credentials: []string{"token"},
		BasePath:    "/v1",
		New:         newRESTHandler,
		ErrorBody:   restErrorBody,
		Seed:        seedREST,
		Demo:        demoREST,
	})
}

const (
	restUsersPath      = "/v1/users"
	restDefaultPerPage = 100
	restMaxPerPage     = 1000
	restMinPassword    = 8
	restMaxBody        = 1 << 20
)

func restErrorBody(_ int, msg string) (string, []byte) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return "application/json", append(b, '\n')
}

type restHandler struct {
	st     *sandbox.Store
	opts   sandbox.Options
	router *sandbox.Router
}

func restError(w http.ResponseWriter, status int, format string, args ...any) {
	ct, body := restErrorBody(status, fmt.Sprintf(format, args...))
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func restJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		restError(w, http.StatusInternalServerError, "encoding response: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func newRESTHandler(st *sandbox.Store, opts sandbox.Options) http.Handler {
	h := &restHandler{st: st, opts: opts}
	notAllowed := func(w http.ResponseWriter, r *http.Request, allow []string) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		restError(w, http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, r.URL.Path)
	}
	h.router = sandbox.NewRouter(h.notFound, notAllowed)
	h.router.HandleFunc("GET "+restUsersPath, h.list)
	h.router.HandleFunc("POST "+restUsersPath, h.create)
	h.router.HandleFunc("GET "+restUsersPath+"/{id}", sandbox.WithID(h.get))
	h.router.HandleFunc("PUT "+restUsersPath+"/{id}", sandbox.WithID(h.update))
	h.router.HandleFunc("DELETE "+restUsersPath+"/{id}", sandbox.WithID(h.delete))
	return h
}

// ServeHTTP checks the credentials of every request, then routes it on
// the segments of its unescaped path ("a%2Fb" is no id).
func (h *restHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(w, r) {
		return
	}
	h.router.ServePath(w, r, sandbox.SegmentPath(r.URL.Path))
}

func (h *restHandler) notFound(w http.ResponseWriter, r *http.Request) {
	restError(w, http.StatusNotFound, "no such resource: %s %s", r.Method, r.URL.Path)
}

// authorized requires "Authorization: Bearer TOKEN": any non-empty token,
// or exactly opts.Token when set.
func (h *restHandler) authorized(w http.ResponseWriter, r *http.Request) bool {
	return sandbox.BearerAuthorized(w, r, h.opts.Token, func(msg string) {
		restError(w, http.StatusUnauthorized, "%s", msg)
	})
}
