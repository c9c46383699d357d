package scim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

// scimVersion is the weak ETag of a record's current state.
func scimVersion(r *sandbox.Record) string {
	sum := sha256.Sum256([]byte(r.ID + "\x00" + r.UpdatedAt.UTC().Format(time.RFC3339Nano)))
	return `W/"` + hex.EncodeToString(sum[:8]) + `"`
}

type scimName struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type scimMulti struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

type scimMeta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
	Version      string `json:"version"`
}

// scimUser is a User resource on the wire. The password never is.
type scimUser struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id"`
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName"`
	Name        *scimName   `json:"name,omitempty"`
	DisplayName string      `json:"displayName,omitempty"`
	Emails      []scimMulti `json:"emails,omitempty"`
	Active      bool        `json:"active"`
	Roles       []scimMulti `json:"roles,omitempty"`
	Meta        scimMeta    `json:"meta"`
}

func scimLocation(r *http.Request, id string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + scimUsersPath + "/" + id
}

func scimView(req *http.Request, r *sandbox.Record) scimUser {
	u := scimUser{
		Schemas: []string{scimSchemaUser}, ID: r.ID, ExternalID: r.ExternalID, UserName: r.Username,
		DisplayName: r.DisplayName, Active: r.Status != "disabled",
		Meta: scimMeta{ResourceType: "User", Created: r.CreatedAt.UTC().Format(time.RFC3339),
			LastModified: r.UpdatedAt.UTC().Format(time.RFC3339), Location: scimLocation(req, r.ID), Version: scimVersion(r)},
	}
	if r.Name != "" || r.FirstName != "" || r.LastName != "" {
		u.Name = &scimName{Formatted: r.Name, GivenName: r.FirstName, FamilyName: r.LastName}
	}
	if r.Email != "" {
		u.Emails = []scimMulti{{Value: r.Email, Type: "work", Primary: true}}
	}
	for _, role := range r.Roles {
		u.Roles = append(u.Roles, scimMulti{Value: role})
	}
	return u
}

func (h *scimHandler) writeUser(w http.ResponseWriter, req *http.Request, status int, r *sandbox.Record) {
	w.Header().Set("ETag", scimVersion(r))
	if status == http.StatusCreated {
		w.Header().Set("Location", scimLocation(req, r.ID))
	}
	scimJSON(w, status, scimView(req, r))
}

// scimIndex reads startIndex or count: an integer (RFC 7644 §3.4.2.4:
// startIndex below 1 is 1, a negative count is 0).
func scimIndex(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s must be an integer, got %q", name, v)
	}
	return n, nil
}

// list answers GET /Users?startIndex=S&count=N&filter=F with a
// ListResponse of at most 100 resources, whatever count asks.
func (h *scimHandler) list(w http.ResponseWriter, r *http.Request) {
	start, err := scimIndex(r, "startIndex", 1)
	if err != nil {
		scimError(w, http.StatusBadRequest, "invalidValue", "%v", err)
		return
	}
	count, err := scimIndex(r, "count", scimMaxPerPage)
	if err != nil {
		scimError(w, http.StatusBadRequest, "invalidValue", "%v", err)
		return
	}
	start = max(start, 1)
	count = min(max(count, 0), scimMaxPerPage)
	var keep func(*sandbox.Record) bool
	if fs := r.URL.Query().Get("filter"); fs != "" {
		f, err := parseSCIMFilter(fs)
		if err != nil {
			scimError(w, http.StatusBadRequest, "invalidFilter", "invalid filter: %v", err)
			return
		}
		keep = f
	}
	var recs []sandbox.Record
	var total int
	if count == 0 {
		_, total = h.st.Page(keep, 0, 1)
	} else {
		recs, total = h.st.Page(keep, start-1, count)
	}
	out := struct {
		Schemas      []string   `json:"schemas"`
		TotalResults int        `json:"totalResults"`
		StartIndex   int        `json:"startIndex"`
		ItemsPerPage int        `json:"itemsPerPage"`
		Resources    []scimUser `json:"Resources"`
	}{Schemas: []string{scimSchemaList}, TotalResults: total, StartIndex: start, ItemsPerPage: len(recs), Resources: make([]scimUser, 0, len(recs))}
	for i := range recs {
		out.Resources = append(out.Resources, scimView(r, &recs[i]))
	}
	scimJSON(w, http.StatusOK, out)
}

func (h *scimHandler) get(w http.ResponseWriter, r *http.Request, id string) {
	rec, ok := h.st.Get(id)
	if !ok {
		scimError(w, http.StatusNotFound, "", "User %s not found", id)
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == scimVersion(&rec) {
		w.Header().Set("ETag", inm)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.writeUser(w, r, http.StatusOK, &rec)
}

// scimInput is a User resource as a client sends it; nil means absent.
// Keys are matched case-insensitively, as RFC 7643 §2.1 wants.
type scimInput struct {
	Schemas     []string     `json:"schemas"`
	ID          *string      `json:"id"`
	ExternalID  *string      `json:"externalId"`
	UserName    *string      `json:"userName"`
	Name        *scimName    `json:"name"`
	DisplayName *string      `json:"displayName"`
	Emails      *[]scimMulti `json:"emails"`
	Active      *bool        `json:"active"`
	Password    *string      `json:"password"`
	Roles       *[]scimMulti `json:"roles"`
	Meta        any          `json:"meta"`
}

// readSCIM decodes one JSON object of at most scimMaxBody bytes into v.
func readSCIM(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, scimMaxBody))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("request body larger than %d bytes", scimMaxBody)
		}
		return fmt.Errorf("malformed JSON body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("malformed JSON body: data after the JSON object")
	}
	return nil
}

// scimPrimary is the primary email of a list, else the first.
func scimPrimary(emails []scimMulti) string {
	for _, e := range emails {
		if e.Primary && e.Value != "" {
			return e.Value
		}
	}
	for _, e := range emails {
		if e.Value != "" {
			return e.Value
		}
	}
	return ""
}

// scimInputError is a 400 with its scimType.
type scimInputError struct {
	scimType string
	msg      string
}

func (e *scimInputError) Error() string { return e.msg }

func invalidValue(format string, args ...any) error {
	return &scimInputError{scimType: "invalidValue", msg: fmt.Sprintf(format, args...)}
}

// applyInput sets the attributes present in in on rec (a whole resource
// for create and PUT: absent attributes are cleared then).
func applyInput(rec *sandbox.Record, in *scimInput, replace bool) error {
	if in.ID != nil && *in.ID != rec.ID && rec.ID != "" {
		return &scimInputError{scimType: "mutability", msg: "attribute id is readOnly"}
	}
	if in.UserName != nil {
		if strings.TrimSpace(*in.UserName) == "" {
			return invalidValue("userName must not be empty")
		}
		rec.Username = strings.TrimSpace(*in.UserName)
	} else if replace {
		return invalidValue("userName is required")
	}
	if in.ExternalID != nil || replace {
		rec.ExternalID = deref(in.ExternalID)
	}
	if in.DisplayName != nil || replace {
		rec.DisplayName = deref(in.DisplayName)
	}
	if in.Name != nil || replace {
		n := scimName{}
		if in.Name != nil {
			n = *in.Name
		}
		rec.Name, rec.FirstName, rec.LastName = n.Formatted, n.GivenName, n.FamilyName
		if rec.Name == "" {
			rec.Name = strings.TrimSpace(n.GivenName + " " + n.FamilyName)
		}
	}
	if in.Emails != nil || replace {
		var emails []scimMulti
		if in.Emails != nil {
			emails = *in.Emails
		}
		e := scimPrimary(emails)
		if e != "" && !sandbox.ValidEmail(e) {
			return invalidValue("email %q is not a valid email address", e)
		}
		rec.Email = e
	}
	if in.Active != nil {
		rec.Status = "active"
		if !*in.Active {
			rec.Status = "disabled"
		}
	} else if replace && rec.Status == "" {
		rec.Status = "active"
	}
	if in.Roles != nil || replace {
		rec.Roles = nil
		if in.Roles != nil {
			for _, r := range *in.Roles {
				if v := strings.TrimSpace(r.Value); v != "" {
					rec.Roles = append(rec.Roles, v)
				}
			}
		}
	}
	if in.Password != nil {
		if *in.Password == "" {
			return invalidValue("password must not be empty")
		}
		rec.PasswordHash = sandbox.HashPassword(*in.Password)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func hasSchema(schemas []string, s string) bool {
	for _, x := range schemas {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func (h *scimHandler) inputError(w http.ResponseWriter, err error) {
	var ie *scimInputError
	switch {
	case errors.As(err, &ie):
		scimError(w, http.StatusBadRequest, ie.scimType, "%s", ie.msg)
	case errors.Is(err, sandbox.ErrNotFound):
		scimError(w, http.StatusNotFound, "", "User not found")
	case errors.Is(err, sandbox.ErrConflict):
		scimError(w, http.StatusConflict, "uniqueness", "userName or email already in use by another user")
	case errors.Is(err, errPrecondition):
		scimError(w, http.StatusPreconditionFailed, "", "the user changed since the version in If-Match")
	default:
		scimError(w, http.StatusBadRequest, "invalidSyntax", "%v", err)
	}
}

var errPrecondition = errors.New("precondition failed")

func (h *scimHandler) create(w http.ResponseWriter, r *http.Request) {
	var in scimInput
	if err := readSCIM(w, r, &in); err != nil {
		scimError(w, http.StatusBadRequest, "invalidSyntax", "%v", err)
		return
	}
	if !hasSchema(in.Schemas, scimSchemaUser) {
		scimError(w, http.StatusBadRequest, "invalidSyntax", "schemas must include %s", scimSchemaUser)
		return
	}
	in.ID = nil // readOnly: ignored on create
	rec := sandbox.Record{Status: "active"}
	if err := applyInput(&rec, &in, true); err != nil {
		h.inputError(w, err)
		return
	}
	if _, taken := h.st.FindByUsername(rec.Username); taken {
		scimError(w, http.StatusConflict, "uniqueness", "userName %q is already taken", rec.Username)
		return
	}
	rec.ID = scimID(h.st.NextSeq())
	created, err := h.st.Create(rec)
	if err != nil {
		h.inputError(w, err)
		return
	}
	h.writeUser(w, r, http.StatusCreated, &created)
}

// ifMatch checks If-Match against the record's version (under the store's
// lock, inside Update).
func ifMatch(r *http.Request, rec *sandbox.Record) error {
	im := strings.TrimSpace(r.Header.Get("If-Match"))
	if im == "" || im == "*" {
		return nil
	}
	v := scimVersion(rec)
	for _, e := range strings.Split(im, ",") {
		if e = strings.TrimSpace(e); e == v || "W/"+e == v {
			return nil
		}
	}
	return errPrecondition
}

func (h *scimHandler) replace(w http.ResponseWriter, r *http.Request, id string) {
	var in scimInput
	if err := readSCIM(w, r, &in); err != nil {
		scimError(w, http.StatusBadRequest, "invalidSyntax", "%v", err)
		return
	}
	rec, err := h.st.Update(id, func(rec *sandbox.Record) error {
		if err := ifMatch(r, rec); err != nil {
			return err
		}
		return applyInput(rec, &in, true)
	})
	if err != nil {
		h.inputError(w, err)
		return
	}
	h.writeUser(w, r, http.StatusOK, &rec)
}

func (h *scimHandler) delete(w http.ResponseWriter, _ *http.Request, id string) {
	if err := h.st.Remove(id); err != nil {
		scimError(w, http.StatusNotFound, "", "User %s not found", id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
