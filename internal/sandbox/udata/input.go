package udata

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// The bodies of create and update: decoding, validation, slugs.

// udInput is a create or update body; pointers tell absent from null.
type udInput struct {
	FirstName *string   `json:"first_name"`
	LastName  *string   `json:"last_name"`
	Email     *string   `json:"email"`
	Website   *string   `json:"website"`
	About     *string   `json:"about"`
	Roles     *[]string `json:"roles"`
	Active    *bool     `json:"active"`
}

func udReadInput(w http.ResponseWriter, r *http.Request) (udInput, bool) {
	var in udInput
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		udError(w, http.StatusBadRequest, "The browser (or proxy) sent a request that this server could not understand.")
		return in, false
	}
	return in, true
}

func udEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// validate checks a body: every field it has, and the required ones when
// create is true. It answers 400 and returns false on the first problem.
func (h *udataHandler) validate(w http.ResponseWriter, in udInput, create bool, self string) bool {
	missing := map[string]string{}
	for name, v := range map[string]*string{"first_name": in.FirstName, "last_name": in.LastName, "email": in.Email} {
		if (v == nil && create) || (v != nil && strings.TrimSpace(*v) == "") {
			missing[name] = udRequired
		}
	}
	if len(missing) > 0 {
		udFieldErrors(w, missing, true, "")
		return false
	}
	if in.Email != nil {
		if !udEmail(*in.Email) {
			udFieldErrors(w, map[string]string{"email": "Invalid email address."}, false, "Validation error")
			return false
		}
		if other, taken := h.st.FindByEmail(*in.Email); taken && other.ID != self {
			udFieldErrors(w, map[string]string{"email": *in.Email + " is already associated with an account."}, false, "Validation error")
			return false
		}
	}
	if in.Roles != nil {
		for _, role := range *in.Roles {
			if !slices.Contains(udRoles, role) {
				udError(w, http.StatusBadRequest, "The role "+role+" does not exist")
				return false
			}
		}
	}
	return true
}

var udNonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// udSlugify makes a slug of a text (ASCII letters and digits, "-").
func udSlugify(s string) string {
	s = strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII {
			return '-'
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Trim(udNonSlug.ReplaceAllString(s, "-"), "-")
}

// freeSlug returns base, or base-N with the smallest N that is free.
func (h *udataHandler) freeSlug(base string) string {
	if base == "" {
		base = "user"
	}
	slug := base
	for n := 1; ; n++ {
		if _, taken := h.st.FindByUsername(slug); !taken {
			return slug
		}
		slug = fmt.Sprintf("%s-%d", base, n)
	}
}
