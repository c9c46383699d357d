package sandbox

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The Datadog API v1 user endpoints, as the recordings of the real API show
// them (specs/datadog-cassettes): create answers 200, access_role "st" comes
// back as null, DELETE disables, a second DELETE is 400 "User is already
// disabled", a create with the handle of a disabled user returns that user
// with 200, missing or wrong keys are 403 (Datadog never answers 401), and
// every response carries X-RateLimit-* headers.

func init() {
	RegisterDialect(Dialect{
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
	st   *Store
	opts Options
	now  func() time.Time

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

func newDatadogHandler(st *Store, opts Options) http.Handler {
	return &datadogHandler{st: st, opts: opts, now: time.Now, windows: map[string]*ddWindow{}}
}

func (h *datadogHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Route on the escaped path: a handle is one segment, and an escaped
	// "/" (%2F) is part of it.
	path := r.URL.EscapedPath()
	var handle string
	switch {
	case path == ddUsersPath:
	case strings.HasPrefix(path, ddUsersPath+"/") && len(path) > len(ddUsersPath)+1:
		seg := path[len(ddUsersPath)+1:]
		h, err := url.PathUnescape(seg)
		if strings.Contains(seg, "/") || err != nil || h == "" {
			ddError(w, http.StatusNotFound, "Not found")
			return
		}
		handle = h
	default:
		ddError(w, http.StatusNotFound, "Not found")
		return
	}
	limitName := "user_api"
	if handle == "" && r.Method == http.MethodPost {
		limitName = "create_user_api"
	}
	h.rateHeaders(w.Header(), limitName)
	if !h.authorized(w, r) {
		return
	}
	switch {
	case handle == "" && r.Method == http.MethodGet:
		h.list(w)
	case handle == "" && r.Method == http.MethodPost:
		h.create(w, r)
	case handle != "" && r.Method == http.MethodGet:
		h.get(w, handle)
	case handle != "" && r.Method == http.MethodPut:
		h.update(w, r, handle)
	case handle != "" && r.Method == http.MethodDelete:
		h.disable(w, handle)
	default:
		ddError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
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

func ddHandle(r *Record) string {
	switch {
	case r.Username != "":
		return r.Username
	case r.Email != "":
		return r.Email
	}
	return r.ID
}

func ddView(r *Record) ddUser {
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
func (h *datadogHandler) lookup(handle string) (Record, bool) {
	r, ok := h.st.Find(handle)
	if !ok || r.Status == "deleted" || !strings.EqualFold(ddHandle(&r), handle) {
		return Record{}, false
	}
	return r, true
}

func (h *datadogHandler) list(w http.ResponseWriter) {
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

func (h *datadogHandler) get(w http.ResponseWriter, handle string) {
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

func ddEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && !strings.ContainsAny(s, " <>\"")
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
	if !ddEmail(handle) {
		ddError(w, http.StatusBadRequest, "Format of 'handle' should be email")
		return
	}
	email := handle
	if in.Email != nil {
		email = *in.Email
	}
	if !ddEmail(email) {
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
	rec := Record{
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
	if in.Email != nil && !ddEmail(*in.Email) {
		ddError(w, http.StatusBadRequest, "Format of 'email' should be email")
		return
	}
	role, roleSet, ok := ddAccessRole(in.AccessRole)
	if !ok {
		ddError(w, http.StatusBadRequest, ddBadRole)
		return
	}
	updated, err := h.st.Update(cur.ID, func(rec *Record) error {
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
	case errors.Is(err, ErrNotFound):
		ddError(w, http.StatusNotFound, "user not found")
	case errors.Is(err, ErrConflict):
		ddError(w, http.StatusConflict, "User with this email already exists")
	case err != nil:
		ddError(w, http.StatusInternalServerError, err.Error())
	default:
		ddJSON(w, map[string]ddUser{"user": ddView(&updated)})
	}
}

func (h *datadogHandler) disable(w http.ResponseWriter, handle string) {
	cur, ok := h.lookup(handle)
	if !ok {
		ddError(w, http.StatusNotFound, "user not found")
		return
	}
	errAlready := errors.New("User is already disabled") //lint:ignore ST1005 Datadog's own words, sent to clients
	_, err := h.st.Update(cur.ID, func(rec *Record) error {
		if rec.Status == "disabled" {
			return errAlready
		}
		rec.Status = "disabled"
		return nil
	})
	switch {
	case errors.Is(err, errAlready):
		ddError(w, http.StatusBadRequest, errAlready.Error())
	case errors.Is(err, ErrNotFound):
		ddError(w, http.StatusNotFound, "user not found")
	case err != nil:
		ddError(w, http.StatusInternalServerError, err.Error())
	default:
		ddJSON(w, map[string]string{"message": fmt.Sprintf("User %s disabled", ddHandle(&cur))})
	}
}

// seedDatadog adds n users with handles userN@example.com (N from 1, skipping
// taken ones): mostly standard, every 10th admin, every 7th read-only; every
// 5th has never logged in (pending) and every 13th is disabled.
func seedDatadog(st *Store, n int) {
	now := time.Now().UTC()
	for i, added := 1, 0; added < n; i++ {
		handle := fmt.Sprintf("user%d@example.com", i)
		role := "st"
		switch {
		case i%10 == 0:
			role = "adm"
		case i%7 == 0:
			role = "ro"
		}
		rec := Record{
			ID: handle, Username: handle, Email: handle, Name: fmt.Sprintf("User %d", i),
			AccessRole: role, Admin: role == "adm", Roles: []string{role},
			Verified: i%5 != 0, Status: "active", CreatedAt: now, UpdatedAt: now,
		}
		switch {
		case i%13 == 0:
			rec.Status = "disabled"
		case !rec.Verified:
			rec.Status = "pending"
		}
		if _, err := st.Create(rec); err == nil {
			added++
		}
	}
}
