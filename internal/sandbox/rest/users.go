package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/userctl/userctl/internal/sandbox"
)

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

func restView(r *sandbox.Record) restUser {
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
			h.writePage(w, r, page, h.opts.PageCap(min(perPage, restMaxPerPage)))
			return
		}
	}
	restError(w, http.StatusBadRequest, "%v", err)
}

func (h *restHandler) writePage(w http.ResponseWriter, r *http.Request, page, perPage int) {
	var recs []sandbox.Record
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
				recs = []sandbox.Record{rec}
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

func (h *restHandler) get(w http.ResponseWriter, _ *http.Request, id string) {
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
	if in.Email != nil && !sandbox.ValidEmail(*in.Email) {
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

func (h *restHandler) create(w http.ResponseWriter, r *http.Request) {
	in, err := readRESTInput(w, r)
	if err == nil {
		err = in.validate(true)
	}
	if err != nil {
		restError(w, http.StatusBadRequest, "%v", err)
		return
	}
	rec := sandbox.Record{
		Email:        *in.Email,
		Name:         *in.Name,
		Roles:        []string{"user"},
		Status:       "active",
		PasswordHash: sandbox.HashPassword(*in.Password),
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
	updated, err := h.st.Update(id, func(rec *sandbox.Record) error {
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
			rec.PasswordHash = sandbox.HashPassword(*in.Password)
		}
		return nil
	})
	switch {
	case errors.Is(err, sandbox.ErrNotFound):
		restError(w, http.StatusNotFound, "user %s not found", id)
	case errors.Is(err, sandbox.ErrConflict):
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

func (h *restHandler) delete(w http.ResponseWriter, _ *http.Request, id string) {
	if err := h.st.Remove(id); err != nil {
		restError(w, http.StatusNotFound, "user %s not found", id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
