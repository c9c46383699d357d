package udata

import (
	"net/http"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

// udCaller is who sends a request: nobody (no key), a logged-in non-admin
// or an admin.
type udCaller struct {
	rec   *sandbox.Record
	admin bool
}

func (c udCaller) loggedIn() bool { return c.rec != nil }

func (c udCaller) is(id string) bool { return c.rec != nil && c.rec.ID == id }

// caller resolves the X-API-KEY of r (see the package doc).
func (h *udataHandler) caller(r *http.Request) udCaller {
	key := strings.TrimSpace(r.Header.Get("X-API-KEY"))
	if key == "" {
		return udCaller{}
	}
	admin := !strings.Contains(strings.ToLower(key), "nonadmin")
	if h.opts.Token != "" {
		admin = key == h.opts.Token
	}
	rec := h.callerRecord(admin)
	return udCaller{rec: &rec, admin: admin}
}

// callerRecord returns the store's user for admin or non-admin keys,
// creating it on first use.
func (h *udataHandler) callerRecord(admin bool) sandbox.Record {
	rec := sandbox.Record{ID: udVisitorID, Username: "sandbox-visitor", Email: "visitor@sandbox.userctl.invalid",
		FirstName: "Sandbox", LastName: "Visitor", Name: "Sandbox Visitor", Roles: []string{}, Status: "active"}
	if admin {
		rec = sandbox.Record{ID: udAdminID, Username: "sandbox-admin", Email: "admin@sandbox.userctl.invalid",
			FirstName: "Sandbox", LastName: "Admin", Name: "Sandbox Admin", Roles: []string{"admin"}, Admin: true, Status: "active"}
	}
	if got, ok := h.st.Get(rec.ID); ok {
		return got
	}
	if created, err := h.st.Create(rec); err == nil {
		return created
	}
	if got, ok := h.st.Get(rec.ID); ok { // created concurrently
		return got
	}
	return rec
}

// needLogin answers 401 when nobody is logged in.
func needLogin(w http.ResponseWriter, c udCaller) bool {
	if !c.loggedIn() {
		udError(w, http.StatusUnauthorized, "Unauthorized: this requires an API key (X-API-KEY header)")
		return false
	}
	return true
}

// needAdmin answers 401 or 403 unless an admin is calling.
func needAdmin(w http.ResponseWriter, c udCaller) bool {
	if !needLogin(w, c) {
		return false
	}
	if !c.admin {
		udError(w, http.StatusForbidden, udForbidden)
		return false
	}
	return true
}
