package scim

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/userctl/userctl/internal/sandbox"
)

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
	count = h.opts.PageCap(min(max(count, 0), scimMaxPerPage))
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
