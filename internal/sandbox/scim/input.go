package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

// The bodies of create, PUT and PATCH: decoding, attributes, errors,
// If-Match.

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
