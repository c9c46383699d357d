package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The rest dialect: the generic JSON users API of apis/rest.md, under /v1,
// with bearer tokens and {"error": "…"} bodies.

func init() {
	RegisterDialect(Dialect{
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
	st   *Store
	opts Options
}

func newRESTHandler(st *Store, opts Options) http.Handler {
	return &restHandler{st: st, opts: opts}
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

func (h *restHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(w, r) {
		return
	}
	path := r.URL.Path
	var id string
	switch {
	case path == restUsersPath:
	case strings.HasPrefix(path, restUsersPath+"/") && len(path) > len(restUsersPath)+1 &&
		!strings.Contains(path[len(restUsersPath)+1:], "/"):
		id = path[len(restUsersPath)+1:]
	default:
		restError(w, http.StatusNotFound, "no such resource: %s %s", r.Method, path)
		return
	}
	switch {
	case id == "" && r.Method == http.MethodGet:
		h.list(w, r)
	case id == "" && r.Method == http.MethodPost:
		h.create(w, r)
	case id == "":
		w.Header().Set("Allow", "GET, POST")
		restError(w, http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, path)
	case r.Method == http.MethodGet:
		h.get(w, id)
	case r.Method == http.MethodPut:
		h.update(w, r, id)
	case r.Method == http.MethodDelete:
		h.delete(w, id)
	default:
		w.Header().Set("Allow", "GET, PUT, DELETE")
		restError(w, http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, path)
	}
}

// authorized requires "Authorization: Bearer TOKEN": any non-empty token,
// or exactly opts.Token when set.
func (h *restHandler) authorized(w http.ResponseWriter, r *http.Request) bool {
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	var msg string
	switch {
	case !strings.EqualFold(scheme, "Bearer") || token == "":
		msg = "authentication required: send Authorization: Bearer <token>"
	case h.opts.Token != "" && token != h.opts.Token:
		msg = "invalid token"
	default:
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="userctl sandbox"`)
	restError(w, http.StatusUnauthorized, "%s", msg)
	return false
}

// restUser is a user on the wire. The password never is.
type restUser struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Username  string `json:"username,omitempty"`
	Role      string `json:"role"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func restView(r *Record) restUser {
	u := restUser{
		ID: r.ID, Email: r.Email, Name: r.Name, Username: r.Username, Role: "user", Status: r.Status,
		CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339),
		UpdatedAt: r.UpdatedAt.UTC().Format(time.RFC3339),
	}
	if len(r.Roles) > 0 && r.Roles[0] != "" {
		u.Role = r.Roles[0]
	}
	if u.Status == "" {
		u.Status = "active"
	}
	return u
}

// restPage is the list answer.
type restPage struct {
	Data     []restUser `json:"data"`
	Page     int        `json:"page"`
	PerPage  int        `json:"per_page"`
	Total    int        `json:"total"`
	NextPage *int       `json:"next_page"`
}

// positiveParam reads an integer query parameter ≥ 1, def when absent.
func positiveParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s must be a positive integer, got %q", name, v)
	}
	return n, nil
}

// list answers GET /v1/users?page=N&per_page=M[&email=E]. per_page above
// the maximum is clamped to it (and the answer says so in per_page).
func (h *restHandler) list(w http.ResponseWriter, r *http.Request) {
	page, err := positiveParam(r, "page", 1)
	if err == nil {
		var perPage int
		perPage, err = positiveParam(r, "per_page", restDefaultPerPage)
		if err == nil {
			h.writePage(w, r, page, h.opts.pageCap(min(perPage, restMaxPerPage)))
			return
		}
	}
	restError(w, http.StatusBadRequest, "%v", err)
}

func (h *restHandler) writePage(w http.ResponseWriter, r *http.Request, page, perPage int) {
	var recs []Record
	var total int
	offset := math.MaxInt
	if page-1 <= (math.MaxInt-perPage)/perPage {
		offset = (page - 1) * perPage
	}
	if q := r.URL.Query(); q.Has("email") {
		// Exact, case-insensitive match: zero or one user.
		if rec, ok := h.st.FindByEmail(q.Get("email")); ok {
			total = 1
			if offset == 0 {
				recs = []Record{rec}
			}
		}
	} else {
		recs, total = h.st.Page(nil, offset, perPage)
	}
	out := restPage{Data: make([]restUser, 0, len(recs)), Page: page, PerPage: perPage, Total: total}
	for i := range recs {
		out.Data = append(out.Data, restView(&recs[i]))
	}
	if offset < total && total-offset > perPage {
		next := page + 1
		out.NextPage = &next
	}
	restJSON(w, http.StatusOK, out)
}

func (h *restHandler) get(w http.ResponseWriter, id string) {
	rec, ok := h.st.Get(id)
	if !ok {
		restError(w, http.StatusNotFound, "user %s not found", id)
		return
	}
	restJSON(w, http.StatusOK, restView(&rec))
}

// restInput is a create or update body; nil means absent.
type restInput struct {
	Email    *string `json:"email"`
	Name     *string `json:"name"`
	Username *string `json:"username"`
	Role     *string `json:"role"`
	Status   *string `json:"status"`
	Password *string `json:"password"`
}

// readRESTInput decodes one JSON object; the error is the 400 message.
func readRESTInput(w http.ResponseWriter, r *http.Request) (restInput, error) {
	var in restInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, restMaxBody))
	if err := dec.Decode(&in); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return in, fmt.Errorf("request body larger than %d bytes", restMaxBody)
		}
		return in, fmt.Errorf("malformed JSON body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return in, errors.New("malformed JSON body: data after the JSON object")
	}
	return in, nil
}

// validate checks the fields present in the input; create also requires
// email, name and password.
func (in *restInput) validate(create bool) error {
	if create {
		switch {
		case in.Email == nil || strings.TrimSpace(*in.Email) == "":
			return errors.New("email is required")
		case in.Name == nil || strings.TrimSpace(*in.Name) == "":
			return errors.New("name is required")
		case in.Password == nil || *in.Password == "":
			return errors.New("password is required")
		}
	}
	if in.Email != nil && !validEmail(*in.Email) {
		return fmt.Errorf("email %q is not a valid email address", *in.Email)
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		return errors.New("name must not be empty")
	}
	if in.Role != nil && strings.TrimSpace(*in.Role) == "" {
		return errors.New("role must not be empty")
	}
	if in.Status != nil && *in.Status != "active" && *in.Status != "disabled" {
		return fmt.Errorf("status must be active or disabled, got %q", *in.Status)
	}
	if in.Password != nil && utf8.RuneCountInString(*in.Password) < restMinPassword {
		return fmt.Errorf("password must be at least %d characters", restMinPassword)
	}
	return nil
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && !strings.ContainsAny(s, " <>\"")
}

func (h *restHandler) create(w http.ResponseWriter, r *http.Request) {
	in, err := readRESTInput(w, r)
	if err == nil {
		err = in.validate(true)
	}
	if err != nil {
		restError(w, http.StatusBadRequest, "%v", err)
		return
	}
	rec := Record{
		Email:        *in.Email,
		Name:         *in.Name,
		Roles:        []string{"user"},
		Status:       "active",
		PasswordHash: HashPassword(*in.Password),
	}
	if in.Username != nil {
		rec.Username = *in.Username
	}
	if in.Role != nil {
		rec.Roles = []string{*in.Role}
	}
	rec.Admin = rec.Roles[0] == "admin"
	if in.Status != nil {
		rec.Status = *in.Status
	}
	for {
		if h.duplicate(w, rec.Email, rec.Username) {
			return
		}
		rec.ID = restID(h.st.NextSeq())
		now := time.Now().UTC().Truncate(time.Second)
		rec.CreatedAt, rec.UpdatedAt = now, now
		created, err := h.st.Create(rec)
		if err == nil {
			w.Header().Set("Location", restUsersPath+"/"+created.ID)
			restJSON(w, http.StatusCreated, restView(&created))
			return
		}
		// A taken ID (a state file written by someone else) or a
		// concurrent create of the same email: check again.
	}
}

// duplicate answers 409 when email or username is taken.
func (h *restHandler) duplicate(w http.ResponseWriter, email, username string) bool {
	if _, taken := h.st.FindByEmail(email); taken {
		restError(w, http.StatusConflict, "a user with email %s already exists", email)
		return true
	}
	if _, taken := h.st.FindByUsername(username); taken {
		restError(w, http.StatusConflict, "a user with username %s already exists", username)
		return true
	}
	return false
}

// restID formats usr_NNNNNN (six digits at least).
func restID(seq int64) string {
	n := strconv.FormatInt(seq, 10)
	if len(n) < 6 {
		n = "000000"[len(n):] + n
	}
	return "usr_" + n
}

func (h *restHandler) update(w http.ResponseWriter, r *http.Request, id string) {
	if _, ok := h.st.Get(id); !ok {
		restError(w, http.StatusNotFound, "user %s not found", id)
		return
	}
	in, err := readRESTInput(w, r)
	if err == nil {
		err = in.validate(false)
	}
	if err != nil {
		restError(w, http.StatusBadRequest, "%v", err)
		return
	}
	updated, err := h.st.Update(id, func(rec *Record) error {
		if in.Email != nil {
			rec.Email = *in.Email
		}
		if in.Name != nil {
			rec.Name = *in.Name
		}
		if in.Username != nil {
			rec.Username = *in.Username
		}
		if in.Role != nil {
			rec.Roles = []string{*in.Role}
			rec.Admin = *in.Role == "admin"
		}
		if in.Status != nil {
			rec.Status = *in.Status
		}
		if in.Password != nil {
			rec.PasswordHash = HashPassword(*in.Password)
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrNotFound):
		restError(w, http.StatusNotFound, "user %s not found", id)
	case errors.Is(err, ErrConflict):
		if in.Email != nil {
			if other, taken := h.st.FindByEmail(*in.Email); taken && other.ID != id {
				restError(w, http.StatusConflict, "a user with email %s already exists", *in.Email)
				return
			}
		}
		restError(w, http.StatusConflict, "a user with that username already exists")
	case err != nil:
		restError(w, http.StatusInternalServerError, "%v", err)
	default:
		restJSON(w, http.StatusOK, restView(&updated))
	}
}

func (h *restHandler) delete(w http.ResponseWriter, id string) {
	if err := h.st.Remove(id); err != nil {
		restError(w, http.StatusNotFound, "user %s not found", id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// seedREST adds n users usr_NNNNNN / userN@example.com (N from the store's
// sequence): role admin for every 10th, status disabled for every 17th.
func seedREST(st *Store, n int) {
	if st.Len() == 0 {
		st.Grow(n)
	}
	now := time.Now().UTC().Truncate(time.Second)
	hash := HashPassword("sandbox-password")
	roleUser, roleAdmin := []string{"user"}, []string{"admin"}
	for added := 0; added < n; {
		seq := st.NextSeq()
		num := strconv.FormatInt(seq, 10)
		rec := Record{
			ID: restID(seq), Email: "user" + num + "@example.com", Name: "User " + num,
			Roles: roleUser, Status: "active", PasswordHash: hash,
			CreatedAt: now.Add(-time.Duration(n-added) * time.Second), UpdatedAt: now,
		}
		if seq%10 == 0 {
			rec.Roles, rec.Admin = roleAdmin, true
		}
		if seq%17 == 0 {
			rec.Status = "disabled"
		}
		if _, err := st.Create(rec); err == nil {
			added++
		}
	}
}

// demoPeople are the plausible users of the built-in sandbox.
var demoPeople = []struct{ first, last, role string }{
	{"Ada", "Lovelace", "admin"},
	{"Alan", "Turing", "user"},
	{"Grace", "Hopper", "admin"},
	{"Linus", "Torvalds", "user"},
	{"Margaret", "Hamilton", "user"},
	{"Ken", "Thompson", "user"},
}

// demoREST adds the built-in sandbox's demo users.
func demoREST(st *Store) {
	now := time.Now().UTC().Truncate(time.Second)
	for i, p := range demoPeople {
		first, last := strings.ToLower(p.first), strings.ToLower(p.last)
		rec := Record{
			ID: restID(st.NextSeq()), Email: first + "." + last + "@example.com", Name: p.first + " " + p.last,
			FirstName: p.first, LastName: p.last, Username: first[:1] + last,
			Roles: []string{p.role}, Admin: p.role == "admin", Status: "active",
			PasswordHash: HashPassword("sandbox-password"),
			CreatedAt:    now.Add(-time.Duration(len(demoPeople)-i) * 24 * time.Hour), UpdatedAt: now,
		}
		if i == len(demoPeople)-1 {
			rec.Status = "disabled"
		}
		_, _ = st.Create(rec)
	}
}
