package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

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
	rec, err := h.st.Update(id, func(rec *sandbox.Record) error {
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
func patchOne(rec *sandbox.Record, op scimPatchOp) error {
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
