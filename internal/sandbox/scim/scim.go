// Package scim is the sandbox server of the scim dialect: SCIM 2.0 /Users (RFC 7643, RFC 7644) under /scim/v2,
// with bearer tokens, ListResponse paging capped at 100 resources a page,
// filters (eq, ne, co, sw, ew, pr with and, or, not), PATCH with and
// without path, PUT, ETags (meta.version, If-Match), 409 uniqueness, the
// SCIM error body, and the discovery endpoints /ServiceProviderConfig,
// /ResourceTypes and /Schemas.
// It registers itself with the sandbox from init.
package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

func init() {
	sandbox.RegisterDialect(sandbox.Dialect{
		Name:      "scim",
		BasePath:  scimBase,
		New:       newSCIMHandler,
		ErrorBody: scimErrorBody,
		Seed:      seedSCIM,
	})
}

const (
	scimBase         = "/scim/v2"
	scimUsersPath    = scimBase + "/Users"
	scimMaxPerPage   = 100
	scimMaxBody      = 1 << 20
	scimContentType  = "application/scim+json"
	scimSchemaUser   = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimSchemaList   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimSchemaPatch  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimSchemaError  = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimSchemaSPC    = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	scimSchemaRT     = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	scimSchemaSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// scimErrorBody renders the SCIM error body: status is a string.
func scimErrorBody(status int, msg string) (string, []byte) {
	return scimErrorTyped(status, "", msg)
}

func scimErrorTyped(status int, scimType, msg string) (string, []byte) {
	m := map[string]any{"schemas": []string{scimSchemaError}, "status": strconv.Itoa(status), "detail": msg}
	if scimType != "" {
		m["scimType"] = scimType
	}
	b, _ := json.Marshal(m)
	return scimContentType, append(b, '\n')
}

func scimError(w http.ResponseWriter, status int, scimType, format string, args ...any) {
	ct, body := scimErrorTyped(status, scimType, fmt.Sprintf(format, args...))
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func scimJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		scimError(w, http.StatusInternalServerError, "", "encoding response: %v", err)
		return
	}
	w.Header().Set("Content-Type", scimContentType)
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

type scimHandler struct {
	st     *sandbox.Store
	opts   sandbox.Options
	router *sandbox.Router
}

func newSCIMHandler(st *sandbox.Store, opts sandbox.Options) http.Handler {
	h := &scimHandler{st: st, opts: opts}
	rt := sandbox.NewRouter(h.notFound, h.notAllowed)
	rt.HandleFunc("GET "+scimBase+"/ServiceProviderConfig", static(scimSPC))
	rt.HandleFunc("GET "+scimBase+"/ResourceTypes", static(scimListOf(scimResourceTypeUser)))
	rt.HandleFunc("GET "+scimBase+"/ResourceTypes/User", static(scimResourceTypeUser))
	rt.HandleFunc("GET "+scimBase+"/Schemas", static(scimListOf(scimUserSchema)))
	rt.HandleFunc("GET "+scimBase+"/Schemas/"+scimSchemaUser, static(scimUserSchema))
	rt.HandleFunc("GET "+scimUsersPath, h.authed(h.list))
	rt.HandleFunc("POST "+scimUsersPath, h.authed(h.create))
	rt.HandleFunc("GET "+scimUsersPath+"/{id}", h.authed(sandbox.WithID(h.get)))
	rt.HandleFunc("PUT "+scimUsersPath+"/{id}", h.authed(sandbox.WithID(h.replace)))
	rt.HandleFunc("PATCH "+scimUsersPath+"/{id}", h.authed(sandbox.WithID(h.patch)))
	rt.HandleFunc("DELETE "+scimUsersPath+"/{id}", h.authed(sandbox.WithID(h.delete)))
	h.router = rt
	return h
}

// ServeHTTP routes r on the segments of its unescaped path ("a%2Fb" is no
// id), without trailing slashes: the server ignores them ("/Users/" is
// "/Users").
func (h *scimHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.router.ServePath(w, r, strings.TrimRight(sandbox.SegmentPath(r.URL.Path), "/"))
}

// isUsersPath tells the /Users paths, which need credentials, from the
// discovery ones, which do not.
func isUsersPath(r *http.Request) bool {
	return strings.HasPrefix(strings.TrimRight(r.URL.Path, "/"), scimUsersPath)
}

func (h *scimHandler) notFound(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(w, r) {
		return
	}
	scimError(w, http.StatusNotFound, "", "no such resource: %s %s", r.Method, r.URL.Path)
}

func (h *scimHandler) notAllowed(w http.ResponseWriter, r *http.Request, allow []string) {
	if isUsersPath(r) && !h.authorized(w, r) {
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	scimError(w, http.StatusMethodNotAllowed, "", "method %s not allowed on %s", r.Method, r.URL.Path)
}

// authed checks the credentials before fn answers.
func (h *scimHandler) authed(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.authorized(w, r) {
			fn(w, r)
		}
	}
}

// static answers a discovery document (no credentials needed, RFC 7644
// §4 lets servers publish them).
func static(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { scimJSON(w, http.StatusOK, v) }
}

// authorized requires "Authorization: Bearer TOKEN": any non-empty token,
// or exactly opts.Token when set.
func (h *scimHandler) authorized(w http.ResponseWriter, r *http.Request) bool {
	return sandbox.BearerAuthorized(w, r, h.opts.Token, func(msg string) {
		scimError(w, http.StatusUnauthorized, "", "%s", msg)
	})
}
