package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The scim dialect: SCIM 2.0 /Users (RFC 7643, RFC 7644) under /scim/v2,
// with bearer tokens, ListResponse paging capped at 100 resources a page,
// filters (eq, ne, co, sw, ew, pr with and, or, not), PATCH with and
// without path, PUT, ETags (meta.version, If-Match), 409 uniqueness, the
// SCIM error body, and the discovery endpoints /ServiceProviderConfig,
// /ResourceTypes and /Schemas.

func init() {
	RegisterDialect(Dialect{
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
	st   *Store
	opts Options
}

func newSCIMHandler(st *Store, opts Options) http.Handler {
	return &scimHandler{st: st, opts: opts}
}

func (h *scimHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimRight(r.URL.Path, "/")
	switch path {
	case scimBase + "/ServiceProviderConfig":
		h.static(w, r, scimSPC)
		return
	case scimBase + "/ResourceTypes":
		h.static(w, r, scimListOf(scimResourceTypeUser))
		return
	case scimBase + "/ResourceTypes/User":
		h.static(w, r, scimResourceTypeUser)
		return
	case scimBase + "/Schemas":
		h.static(w, r, scimListOf(scimUserSchema))
		return
	case scimBase + "/Schemas/" + scimSchemaUser:
		h.static(w, r, scimUserSchema)
		return
	}
	if !h.authorized(w, r) {
		return
	}
	var id string
	switch {
	case path == scimUsersPath:
	case strings.HasPrefix(path, scimUsersPath+"/") && !strings.Contains(path[len(scimUsersPath)+1:], "/"):
		id = path[len(scimUsersPath)+1:]
	default:
		scimError(w, http.StatusNotFound, "", "no such resource: %s %s", r.Method, r.URL.Path)
		return
	}
	switch {
	case id == "" && r.Method == http.MethodGet:
		h.list(w, r)
	case id == "" && r.Method == http.MethodPost:
		h.create(w, r)
	case id == "":
		w.Header().Set("Allow", "GET, POST")
		scimError(w, http.StatusMethodNotAllowed, "", "method %s not allowed on %s", r.Method, r.URL.Path)
	case r.Method == http.MethodGet:
		h.get(w, r, id)
	case r.Method == http.MethodPut:
		h.replace(w, r, id)
	case r.Method == http.MethodPatch:
		h.patch(w, r, id)
	case r.Method == http.MethodDelete:
		h.delete(w, id)
	default:
		w.Header().Set("Allow", "GET, PUT, PATCH, DELETE")
		scimError(w, http.StatusMethodNotAllowed, "", "method %s not allowed on %s", r.Method, r.URL.Path)
	}
}

// static answers a discovery document (no credentials needed, RFC 7644
// §4 lets servers publish them).
func (h *scimHandler) static(w http.ResponseWriter, r *http.Request, v any) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		scimError(w, http.StatusMethodNotAllowed, "", "method %s not allowed on %s", r.Method, r.URL.Path)
		return
	}
	scimJSON(w, http.StatusOK, v)
}

// authorized requires "Authorization: Bearer TOKEN": any non-empty token,
// or exactly opts.Token when set.
func (h *scimHandler) authorized(w http.ResponseWriter, r *http.Request) bool {
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
	scimError(w, http.StatusUnauthorized, "", "%s", msg)
	return false
}

// scimVersion is the weak ETag of a record's current state.
func scimVersion(r *Record) string {
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

func scimView(req *http.Request, r *Record) scimUser {
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

func (h *scimHandler) writeUser(w http.ResponseWriter, req *http.Request, status int, r *Record) {
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
	count = h.opts.pageCap(min(max(count, 0), scimMaxPerPage))
	var keep func(*Record) bool
	if fs := r.URL.Query().Get("filter"); fs != "" {
		f, err := parseSCIMFilter(fs)
		if err != nil {
			scimError(w, http.StatusBadRequest, "invalidFilter", "invalid filter: %v", err)
			return
		}
		keep = f
	}
	var recs []Record
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
func applyInput(rec *Record, in *scimInput, replace bool) error {
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
		if e != "" && !validEmail(e) {
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
		rec.PasswordHash = HashPassword(*in.Password)
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
	case errors.Is(err, ErrNotFound):
		scimError(w, http.StatusNotFound, "", "User not found")
	case errors.Is(err, ErrConflict):
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
	rec := Record{Status: "active"}
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
func ifMatch(r *http.Request, rec *Record) error {
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
	rec, err := h.st.Update(id, func(rec *Record) error {
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

type scimPatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// patch applies PATCH operations (add, replace, remove; any case) with a
// path (an attribute or a sub-attribute of name) or without one (value is
// an object of attributes).
func (h *scimHandler) patch(w http.ResponseWriter, r *http.Request, id string) {
	var body struct {
		Schemas    []string      `json:"schemas"`
		Operations []scimPatchOp `json:"Operations"`
	}
	if err := readSCIM(w, r, &body); err != nil {
		scimError(w, http.StatusBadRequest, "invalidSyntax", "%v", err)
		return
	}
	if !hasSchema(body.Schemas, scimSchemaPatch) {
		scimError(w, http.StatusBadRequest, "invalidSyntax", "schemas must be [%q]", scimSchemaPatch)
		return
	}
	if len(body.Operations) == 0 {
		scimError(w, http.StatusBadRequest, "invalidSyntax", "Operations must not be empty")
		return
	}
	rec, err := h.st.Update(id, func(rec *Record) error {
		if err := ifMatch(r, rec); err != nil {
			return err
		}
		for i, op := range body.Operations {
			if err := patchOne(rec, op); err != nil {
				var ie *scimInputError
				if errors.As(err, &ie) {
					ie.msg = fmt.Sprintf("operation %d: %s", i+1, ie.msg)
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		h.inputError(w, err)
		return
	}
	h.writeUser(w, r, http.StatusOK, &rec)
}

// patchOne applies one PATCH operation to rec.
func patchOne(rec *Record, op scimPatchOp) error {
	kind := strings.ToLower(op.Op)
	if kind != "add" && kind != "replace" && kind != "remove" {
		return &scimInputError{scimType: "invalidSyntax", msg: fmt.Sprintf("op %q is not add, replace or remove", op.Op)}
	}
	path := strings.TrimSpace(op.Path)
	path = strings.TrimPrefix(strings.ToLower(path), strings.ToLower(scimSchemaUser)+":")
	if path == "" {
		if kind == "remove" {
			return &scimInputError{scimType: "noTarget", msg: "remove needs a path"}
		}
		var in scimInput
		if err := json.Unmarshal(op.Value, &in); err != nil {
			return invalidValue("value without a path must be an object of attributes: %v", err)
		}
		if in.ID != nil && *in.ID != rec.ID {
			return &scimInputError{scimType: "mutability", msg: "attribute id is readOnly"}
		}
		if in.Name != nil {
			// a sub-attribute object merges with the current name
			n := scimName{Formatted: rec.Name, GivenName: rec.FirstName, FamilyName: rec.LastName}
			var raw map[string]json.RawMessage
			_ = json.Unmarshal(op.Value, &raw)
			for k, v := range raw {
				if strings.EqualFold(k, "name") {
					_ = json.Unmarshal(v, &n)
				}
			}
			in.Name = &n
		}
		return applyInput(rec, &in, false)
	}
	if strings.ContainsAny(path, "[]") {
		return &scimInputError{scimType: "invalidPath", msg: fmt.Sprintf("path %q: value filters in paths are not supported by this sandbox", op.Path)}
	}
	if kind == "remove" {
		switch path {
		case "name":
			rec.Name, rec.FirstName, rec.LastName = "", "", ""
		case "name.formatted":
			rec.Name = ""
		case "name.givenname":
			rec.FirstName = ""
		case "name.familyname":
			rec.LastName = ""
		case "displayname":
			rec.DisplayName = ""
		case "externalid":
			rec.ExternalID = ""
		case "emails":
			rec.Email = ""
		case "roles":
			rec.Roles = nil
		case "username", "id", "active", "password":
			return &scimInputError{scimType: "mutability", msg: fmt.Sprintf("attribute %s cannot be removed", op.Path)}
		default:
			return &scimInputError{scimType: "invalidPath", msg: fmt.Sprintf("unknown attribute %q", op.Path)}
		}
		return nil
	}
	str := func() (string, error) {
		var s string
		if err := json.Unmarshal(op.Value, &s); err != nil {
			return "", invalidValue("%s must be a string", op.Path)
		}
		return s, nil
	}
	switch path {
	case "name.formatted", "name.givenname", "name.familyname":
		s, err := str()
		if err != nil {
			return err
		}
		switch path {
		case "name.formatted":
			rec.Name = s
		case "name.givenname":
			rec.FirstName = s
		default:
			rec.LastName = s
		}
		return nil
	case "id":
		return &scimInputError{scimType: "mutability", msg: "attribute id is readOnly"}
	case "meta":
		return &scimInputError{scimType: "mutability", msg: "attribute meta is readOnly"}
	}
	// A whole attribute: the same as a path-less value {attr: value}.
	names := map[string]string{"username": "userName", "name": "name", "displayname": "displayName", "externalid": "externalId",
		"emails": "emails", "active": "active", "password": "password", "roles": "roles"}
	attr, ok := names[path]
	if !ok {
		return &scimInputError{scimType: "invalidPath", msg: fmt.Sprintf("unknown attribute %q", op.Path)}
	}
	obj, _ := json.Marshal(map[string]json.RawMessage{attr: op.Value})
	var in scimInput
	if err := json.Unmarshal(obj, &in); err != nil {
		return invalidValue("%s: %v", op.Path, err)
	}
	if path == "active" && in.Active == nil {
		return invalidValue("active must be true or false")
	}
	if kind == "add" && in.Roles != nil {
		// add to a multi-valued attribute appends to it
		roles := make([]scimMulti, 0, len(rec.Roles)+len(*in.Roles))
		for _, r := range rec.Roles {
			roles = append(roles, scimMulti{Value: r})
		}
		for _, r := range *in.Roles {
			if !slices.Contains(rec.Roles, r.Value) {
				roles = append(roles, r)
			}
		}
		in.Roles = &roles
	}
	if in.Name != nil {
		n := scimName{Formatted: rec.Name, GivenName: rec.FirstName, FamilyName: rec.LastName}
		_ = json.Unmarshal(op.Value, &n)
		in.Name = &n
	}
	return applyInput(rec, &in, false)
}

func (h *scimHandler) delete(w http.ResponseWriter, id string) {
	if err := h.st.Remove(id); err != nil {
		scimError(w, http.StatusNotFound, "", "User %s not found", id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// scimID is the id of the seq-th user, UUID-shaped as most servers make them.
func scimID(seq int64) string {
	return fmt.Sprintf("2819c223-7f76-453a-919d-%012x", seq)
}

// seedSCIM adds n users user{N} / user{N}@example.com (N from the store's
// sequence): role admin for every 10th, inactive every 17th.
func seedSCIM(st *Store, n int) {
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
			ID: scimID(seq), Username: "user" + num, Email: "user" + num + "@example.com",
			Name: "User " + num, FirstName: "User", LastName: num, DisplayName: "User " + num,
			Roles: roleUser, Status: "active", PasswordHash: hash,
			CreatedAt: now.Add(-time.Duration(n-added) * time.Second), UpdatedAt: now,
		}
		if seq%10 == 0 {
			rec.Roles = roleAdmin
		}
		if seq%17 == 0 {
			rec.Status = "disabled"
		}
		if _, err := st.Create(rec); err == nil {
			added++
		}
	}
}

// The discovery documents.

func scimListOf(v any) any {
	return map[string]any{"schemas": []string{scimSchemaList}, "totalResults": 1, "startIndex": 1, "itemsPerPage": 1, "Resources": []any{v}}
}

var scimSPC = map[string]any{
	"schemas":          []string{scimSchemaSPC},
	"documentationUri": "https://github.com/userctl/userctl/blob/main/docs/dialects.md",
	"patch":            map[string]any{"supported": true},
	"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
	"filter":           map[string]any{"supported": true, "maxResults": scimMaxPerPage},
	"changePassword":   map[string]any{"supported": true},
	"sort":             map[string]any{"supported": false},
	"etag":             map[string]any{"supported": true},
	"authenticationSchemes": []any{map[string]any{
		"type": "oauthbearertoken", "name": "OAuth Bearer Token", "primary": true,
		"description": "Authentication with a bearer token: any non-empty token unless the sandbox was started with --token",
	}},
	"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": scimBase + "/ServiceProviderConfig"},
}

var scimResourceTypeUser = map[string]any{
	"schemas": []string{scimSchemaRT}, "id": "User", "name": "User", "endpoint": "/Users",
	"description": "User Account", "schema": scimSchemaUser,
	"meta": map[string]any{"resourceType": "ResourceType", "location": scimBase + "/ResourceTypes/User"},
}

func scimAttr(name, typ string, extra map[string]any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": false, "required": false, "caseExact": false,
		"mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

var scimUserSchema = map[string]any{
	"schemas": []string{scimSchemaSchema}, "id": scimSchemaUser, "name": "User", "description": "User Account",
	"attributes": []any{
		scimAttr("userName", "string", map[string]any{"required": true, "uniqueness": "server"}),
		scimAttr("externalId", "string", map[string]any{"caseExact": true}),
		scimAttr("name", "complex", map[string]any{"subAttributes": []any{
			scimAttr("formatted", "string", nil), scimAttr("givenName", "string", nil), scimAttr("familyName", "string", nil),
		}}),
		scimAttr("displayName", "string", nil),
		scimAttr("emails", "complex", map[string]any{"multiValued": true, "subAttributes": []any{
			scimAttr("value", "string", nil), scimAttr("type", "string", nil), scimAttr("primary", "boolean", nil),
		}}),
		scimAttr("active", "boolean", nil),
		scimAttr("password", "string", map[string]any{"mutability": "writeOnly", "returned": "never"}),
		scimAttr("roles", "complex", map[string]any{"multiValued": true, "subAttributes": []any{scimAttr("value", "string", nil)}}),
	},
	"meta": map[string]any{"resourceType": "Schema", "location": scimBase + "/Schemas/" + scimSchemaUser},
}
