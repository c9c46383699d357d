package sandbox

import (
	"net/http"
	"strings"
)

// BearerAuthorized requires "Authorization: Bearer TOKEN": any non-empty
// token, or exactly want when it is set. A request without one gets the
// WWW-Authenticate challenge and refuse is called with why, to answer in
// the dialect's own error shape; the result says whether it passed.
func BearerAuthorized(w http.ResponseWriter, r *http.Request, want string, refuse func(msg string)) bool {
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	var msg string
	switch {
	case !strings.EqualFold(scheme, "Bearer") || token == "":
		msg = "authentication required: send Authorization: Bearer <token>"
	case want != "" && token != want:
		msg = "invalid token"
	default:
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="userctl sandbox"`)
	refuse(msg)
	return false
}

// WithID passes the {id} of the request's pattern to fn.
func WithID(fn func(w http.ResponseWriter, r *http.Request, id string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { fn(w, r, r.PathValue("id")) }
}
