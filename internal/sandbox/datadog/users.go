package datadog

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

// ddUser is a user as the v1 API shows it, unknown-to-clients fields
// included (role, title, is_admin), as the real API sends them.
type ddUser struct {
	Handle     string  `json:"handle"`
	Name       string  `json:"name"`
	Role       *string `json:"role"`
	Title      *string `json:"title"`
	Email      string  `json:"email"`
	Disabled   bool    `json:"disabled"`
	AccessRole *string `json:"access_role"`
	IsAdmin    bool    `json:"is_admin"`
	Icon       string  `json:"icon"`
	Verified   bool    `json:"verified"`
}

func ddHandle(r *sandbox.Record) string {
	switch {
	case r.Username != "":
		return r.Username
	case r.Email != "":
		return r.Email
	}
	return r.ID
}

func ddView(r *sandbox.Record) ddUser {
	u := ddUser{
		Handle:   ddHandle(r),
		Email:    r.Email,
		Disabled: r.Status == "disabled",
		IsAdmin:  r.AccessRole == "adm",
		Verified: r.Verified,
	}
	if u.Email == "" {
		u.Email = u.Handle
	}
	u.Name = r.Name // the spec's name is a string, never null
	// Since 2023 the API answers null for the standard role.
	if r.AccessRole != "" && r.AccessRole != "st" {
		role := r.AccessRole
		u.AccessRole = &role
	}
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(u.Email))))
	u.Icon = "https://secure.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=48&d=retro"
	return u
}

// lookup finds the live record whose handle is handle (case-insensitive).
func (h *datadogHandler) lookup(handle string) (sandbox.Record, bool) {
	r, ok := h.st.Find(handle)
	if !ok || r.Status == "deleted" || !strings.EqualFold(ddHandle(&r), handle) {
		return sandbox.Record{}, false
	}
	return r, true
}

func (h *datadogHandler) list(w http.ResponseWriter, _ *http.Request) {
	// Stream the list: a seeded sandbox may hold a million users.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	buf.WriteString(`{"users":[`)
	first := true
	const chunk = 1000
	for offset := 0; ; offset += chunk {
		recs, total := h.st.Page(nil, offset, chunk)
		for i := range recs {
			if recs[i].Status == "deleted" {
				continue
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			b, _ := json.Marshal(ddView(&recs[i]))
			buf.Write(b)
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return
		}
		buf.Reset()
		if len(recs) == 0 || offset+chunk >= total {
			break
		}
	}
	_, _ = w.Write([]byte("]}\n"))
}

func (h *datadogHandler) get(w http.ResponseWriter, _ *http.Request, handle string) {
	r, ok := h.lookup(handle)
	if !ok {
		ddError(w, http.StatusNotFound, "user not found")
		return
	}
	ddJSON(w, map[string]ddUser{"user": ddView(&r)})
}

// ddInput is a create or update body; pointers tell absent from null.
type ddInput struct {
	Handle     *string         `json:"handle"`
	Email      *string         `json:"email"`
	Name       *string         `json:"name"`
	AccessRole json.RawMessage `json:"access_role"`
	Disabled   *bool           `json:"disabled"`
}

func readDDInput(w http.ResponseWriter, r *http.Request) (ddInput, string) {
	var in ddInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&in); err != nil {
		return in, "Invalid JSON body"
	}
	return in, ""
}

// ddAccessRole parses access_role: absent (""), null ("st"), or a code. ok is
// false for anything else.
func ddAccessRole(raw json.RawMessage) (code string, set bool, ok bool) {
	if len(raw) == 0 {
		return "", false, true
	}
	if string(raw) == "null" {
		return "st", true, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", true, false
	}
	switch s {
	case "st", "adm", "ro":
		return s, true, true
	}
	return "", true, false
}

const ddBadRole = "Invalid access_role: must be one of st, adm, ro"

func (h *datadogHandler) create(w http.ResponseWriter, r *http.Request) {
	in, bad := readDDInput(w, r)
	if bad != "" {
		ddError(w, http.StatusBadRequest, bad)
		return
	}
	if in.Handle == nil || *in.Handle == "" {
		ddError(w, http.StatusBadRequest, "Required parameter 'handle' is missing")
		return
	}
	handle := *in.Handle
	if !sandbox.ValidEmail(handle) {
		ddError(w, http.StatusBadRequest, "Format of 'handle' should be email")
		return
	}
	email := handle
	if in.Email != nil {
		email = *in.Email
	}
	if !sandbox.ValidEmail(email) {
		ddError(w, http.StatusBadRequest, "Format of 'email' should be email")
		return
	}
	role, _, ok := ddAccessRole(in.AccessRole)
	if !ok {
		ddError(w, http.StatusBadRequest, ddBadRole)
		return
	}
	if role == "" {
		role = "st"
	}
	if old, exists := h.lookup(handle); exists {
		if old.Status == "disabled" {
			// The real API answers 200 with the existing, disabled user.
			ddJSON(w, map[string]ddUser{"user": ddView(&old)})
			return
		}
		ddError(w, http.StatusConflict, "User with this handle already exists")
		return
	}
	rec := sandbox.Record{
		ID:         handle,
		Username:   handle,
		Email:      email,
		AccessRole: role,
		Admin:      role == "adm",
		Roles:      []string{role},
		Status:     "pending",
	}
	if in.Name != nil {
		rec.Name = *in.Name
	}
	if in.Disabled != nil && *in.Disabled {
		rec.Status = "disabled"
	}
	created, err := h.st.Create(rec)
	if err != nil {
		msg := "User with this handle already exists"
		if _, taken := h.st.Find(email); taken && !strings.EqualFold(email, handle) {
			msg = "User with this email already exists"
		}
		ddError(w, http.StatusConflict, msg)
		return
	}
	ddJSON(w, map[string]ddUser{"user": ddView(&created)})
}

func (h *datadogHandler) update(w http.ResponseWriter, r *http.Request, handle string) {
	cur, ok := h.lookup(handle)
	if !ok {
		ddError(w, http.StatusNotFound, "user not found")
		return
	}
	in, bad := readDDInput(w, r)
	if bad != "" {
		ddError(w, http.StatusBadRequest, bad)
		return
	}
	if in.Email != nil && !sandbox.ValidEmail(*in.Email) {
		ddError(w, http.StatusBadRequest, "Format of 'email' should be email")
		return
	}
	role, roleSet, ok := ddAccessRole(in.AccessRole)
	if !ok {
		ddError(w, http.StatusBadRequest, ddBadRole)
		return
	}
	updated, err := h.st.Update(cur.ID, func(rec *sandbox.Record) error {
		if in.Email != nil {
			rec.Email = *in.Email
		}
		if in.Name != nil {
			rec.Name = *in.Name
		}
		if roleSet {
			rec.AccessRole = role
			rec.Admin = role == "adm"
			rec.Roles = []string{role}
		}
		if in.Disabled != nil {
			switch {
			case *in.Disabled:
				rec.Status = "disabled"
			case rec.Verified:
				rec.Status = "active"
			default:
				rec.Status = "pending"
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, sandbox.ErrNotFound):
		ddError(w, http.StatusNotFound, "user not found")
	case errors.Is(err, sandbox.ErrConflict):
		ddError(w, http.StatusConflict, "User with this email already exists")
	case err != nil:
		ddError(w, http.StatusInternalServerError, err.Error())
	default:
		ddJSON(w, map[string]ddUser{"user": ddView(&updated)})
	}
}

func (h *datadogHandler) disable(w http.ResponseWriter, _ *http.Request, handle string) {
	cur, ok := h.lookup(handle)
	if !ok {
		ddError(w, http.StatusNotFound, "user not found")
		return
	}
	errAlready := errors.New("User is already disabled") //lint:ignore ST1005 Datadog's own words, sent to clients
	_, err := h.st.Update(cur.ID, func(rec *sandbox.Record) error {
		if rec.Status == "disabled" {
			return errAlready
		}
		rec.Status = "disabled"
		return nil
	})
	switch {
	case errors.Is(err, errAlready):
		ddError(w, http.StatusBadRequest, errAlready.Error())
	case errors.Is(err, sandbox.ErrNotFound):
		ddError(w, http.StatusNotFound, "user not found")
	case err != nil:
		ddError(w, http.StatusInternalServerError, err.Error())
	default:
		ddJSON(w, map[string]string{"message": fmt.Sprintf("User %s disabled", ddHandle(&cur))})
	}
}
