// Package datadog is the sandbox server of the Datadog API v1 user
// endpoints, as the recordings of the real API show them
// (specs/datadog-cassettes): create answers 200, access_role "st" comes
// back as null, DELETE disables, a second DELETE is 400 "User is already
// disabled", a create with the handle of a disabled user returns that user
// with 200, missing or wrong keys are 403 (Datadog never answers 401), and
// every response carries X-RateLimit-* headers. It registers itself with
// the sandbox from init.
//
//	GET    /api/v1/user           list (no paging)
//	POST   /api/v1/user           create
//	GET    /api/v1/user/{handle}  get
//	PUT    /api/v1/user/{handle}  update
//	DELETE /api/v1/user/{handle}  disable
package datadog

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

func init() {
	sandbox.RegisterDialect(sandbox.Dialect{
		Name:        "datadog",
		Credentials: []string{"api-key", "app-key"},
		BasePath:    "",
		New:         newDatadogHandler,
		ErrorBody:   datadogErrorBody,
		Seed:        seedDatadog,
	})
}

const (
	ddUsersPath = "/api/v1/user"
	ddRateLimit = 100
	ddPeriod    = 60 * time.Second
)

func datadogErrorBody(_ int, msg string) (string, []byte) {
	b, _ := json.Marshal(map[string][]string{"errors": {msg}})
	return "application/json", b
}

type datadogHandler struct {
	st     *sandbox.Store
	opts   sandbox.Options
	now    func() time.Time
	router *sandbox.Router

	mu      sync.Mutex
	windows map[string]*ddWindow
}

// ddWindow counts the requests of one rate-limit name in the current
// period, for the informational X-RateLimit-* headers (the shared middleware
// answers 429s).
type ddWindow struct {
	start time.Time
	used  int
}

func newDatadogHandler(st *sandbox.Store, opts sandbox.Options) http.Handler {
	h := &datadogHandler{st: st, opts: opts, now: time.Now, windows: map[string]*ddWindow{}}
	// An unknown path is 404 before anything else; a known one is counted
	// and its keys checked before a wrong method is 405 (without Allow).
	notFound := func(w http.ResponseWriter, _ *http.Request) { ddError(w, http.StatusNotFound, "Not found") }
	notAllowed := h.api("user_api", func(w http.ResponseWriter, _ *http.Request) {
		ddError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	})
	rt := sandbox.NewRouter(notFound, func(w http.ResponseWriter, r *http.Request, _ []string) { notAllowed(w, r) })
	rt.HandleFunc("GET "+ddUsersPath, h.api("user_api", h.list))
	rt.HandleFunc("POST "+ddUsersPath, h.api("create_user_api", h.create))
	rt.HandleFunc("GET "+ddUsersPath+"/{handle}", h.api("user_api", withHandle(h.get)))
	rt.HandleFunc("PUT "+ddUsersPath+"/{handle}", h.api("user_api", withHandle(h.update)))
	rt.HandleFunc("DELETE "+ddUsersPath+"/{handle}", h.api("user_api", withHandle(h.disable)))
	h.router = rt
	return h
}

// ServeHTTP routes on the escaped path: a handle is one segment, and an
// escaped "/" (%2F) is part of it.
func (h *datadogHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.router.ServeHTTP(w, r) }

// withHandle passes the {handle} of the path to fn.
func withHandle(fn func(w http.ResponseWriter, r *http.Request, handle string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { fn(w, r, r.PathValue("handle")) }
}

// api counts a request against the rate-limit name limit (for the
// X-RateLimit-* headers), then checks its keys before fn answers it.
func (h *datadogHandler) api(limit string, fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.rateHeaders(w.Header(), limit)
		if !h.authorized(w, r) {
			return
		}
		fn(w, r)
	}
}

func (h *datadogHandler) rateHeaders(hd http.Header, name string) {
	h.mu.Lock()
	now := h.now()
	win := h.windows[name]
	if win == nil || now.Sub(win.start) >= ddPeriod {
		win = &ddWindow{start: now}
		h.windows[name] = win
	}
	win.used++
	remaining := max(ddRateLimit-win.used, 0)
	reset := int((ddPeriod - now.Sub(win.start) + time.Second - 1) / time.Second)
	h.mu.Unlock()
	hd.Set("X-RateLimit-Limit", strconv.Itoa(ddRateLimit))
	hd.Set("X-RateLimit-Period", strconv.Itoa(int(ddPeriod/time.Second)))
	hd.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	hd.Set("X-RateLimit-Reset", strconv.Itoa(reset))
	hd.Set("X-RateLimit-Name", name)
}

// authorized checks DD-API-KEY and DD-APPLICATION-KEY: both must be present,
// and equal the configured ones when the sandbox was given keys.
func (h *datadogHandler) authorized(w http.ResponseWriter, r *http.Request) bool {
	api, app := r.Header.Get("DD-API-KEY"), r.Header.Get("DD-APPLICATION-KEY")
	switch {
	case api == "":
		ddError(w, http.StatusForbidden, "API key required")
	case app == "", h.opts.APIKey != "" && api != h.opts.APIKey, h.opts.AppKey != "" && app != h.opts.AppKey:
		ddError(w, http.StatusForbidden, "Forbidden")
	default:
		return true
	}
	return false
}

func ddError(w http.ResponseWriter, status int, msg string) {
	ct, body := datadogErrorBody(status, msg)
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func ddJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		ddError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
