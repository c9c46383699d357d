package basic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

// wireUser is a user as the API sends it.
type wireUser struct {
	Username string `json:"username"`
	Admin    bool   `json:"admin"`
}

// passwordBody is the request of create: {"value": {"password": …}}.
type passwordBody struct {
	Value passwordValue `json:"value"`
}

type passwordValue struct {
	CurrentPassword *string `json:"current_password,omitempty"`
	Password        string  `json:"password"`
}

func (w wireUser) normalize() userapi.User {
	roles := []string{}
	if w.Admin {
		roles = []string{"admin"}
	}
	return userapi.User{
		ID:       w.Username,
		Username: w.Username,
		Roles:    roles,
		Status:   userapi.StatusActive,
		Extra:    map[string]any{"admin": w.Admin},
	}
}

func unreadable(what string, err error) error {
	return &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf("unreadable %s response: %v", what, err), Err: err}
}

// decodeUser reads a user, unwrapped as GET /api/v1/users/{user} sends it
// or wrapped in {"value": …} as create and passwd do: a server that wraps
// (or does not wrap) one answer more than the document shows is still
// understood. The username is required; admin may be missing or null
// (false), and unknown fields are ignored.
func decodeUser(what string, body []byte) (wireUser, error) {
	var v struct {
		wireUser
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return wireUser{}, unreadable(what, err)
	}
	if v.Username != "" {
		return v.wireUser, nil
	}
	if len(v.Value) > 0 && v.Value[0] == '{' {
		var w wireUser
		if err := json.Unmarshal(v.Value, &w); err != nil {
			return wireUser{}, unreadable(what, err)
		}
		if w.Username != "" {
			return w, nil
		}
	}
	return wireUser{}, unreadable(what, fmt.Errorf("no username in %s", clipped(body)))
}

// decodeList reads {"value": [users]}. A null value is an empty list (a Go
// server encodes an empty slice it never allocated so).
func decodeList(body []byte) ([]wireUser, error) {
	var v struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, unreadable("list", err)
	}
	if len(v.Value) == 0 {
		return nil, unreadable("list", fmt.Errorf("no {\"value\": [...]} in %s", clipped(body)))
	}
	var users []wireUser
	if err := json.Unmarshal(v.Value, &users); err != nil {
		return nil, unreadable("list", err)
	}
	return users, nil
}

func clipped(b []byte) string {
	const n = 80
	s := strings.ToValidUTF8(string(bytes.TrimSpace(b)), "\uFFFD")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// validatorError matches one error of go-playground/validator:
// Key: 'UserPasswordRequest.Value.Password' Error:Field validation for 'Password' failed on the 'min' tag
var validatorError = regexp.MustCompile(`Key: '([^'\n]*)' Error:\s*Field validation for '([^'\n]*)' failed on the '([^'\n]*)' tag`)

// maxValidatorErrors bounds how many validator errors a message lists.
const maxValidatorErrors = 8

// wrapperNote explains a "required" failure under Value.
const wrapperNote = `the server did not find the {"value": …} wrapper it expects`

// shapeNote explains another 400 that names a field under Value (a JSON
// decoding error such as "cannot unmarshal number into Go struct field
// UserPasswordRequest.Value.password of type string").
const shapeNote = `the server did not accept the shape of the {"value": …} body`

// errorMessage is the httpx ErrorMessage of the dialect: validator text
// (a JSON string or plain text, errors on separate lines) becomes one line,
// "password: failed on the 'min' tag; current_password: failed on the
// 'required' tag"; a 400 with a "required" failure under Value says the
// server did not see the {"value": …} wrapper. Other bodies get the shared
// handling of httpx.ServerMessage; a 400 among them that names a field
// under Value is explained as a request-shape problem.
func errorMessage(status int, h http.Header, body []byte) string {
	text := string(bytes.TrimSpace(body))
	var s string
	if strings.HasPrefix(text, `"`) && json.Unmarshal([]byte(text), &s) == nil {
		text = s
	}
	matches := validatorError.FindAllStringSubmatch(text, -1)
	if len(matches) == 0 {
		msg := httpx.ServerMessage(h.Get("Content-Type"), body)
		if status == http.StatusBadRequest && strings.Contains(msg, ".Value.") {
			msg = shapeNote + ": " + msg
		}
		return msg
	}
	parts := make([]string, 0, len(matches))
	wrapper := false
	for _, m := range matches {
		key, field, tag := clean(m[1]), clean(m[2]), clean(m[3])
		if tag == "required" && (strings.Contains(key, ".Value.") || strings.HasSuffix(key, ".Value")) {
			wrapper = true
		}
		parts = append(parts, fmt.Sprintf("%s: failed on the '%s' tag", snake(field), tag))
	}
	if len(parts) > maxValidatorErrors {
		parts = append(parts[:maxValidatorErrors], fmt.Sprintf("and %d more", len(parts)-maxValidatorErrors))
	}
	msg := strings.Join(parts, "; ")
	if wrapper && status == http.StatusBadRequest {
		msg = wrapperNote + ": " + msg
	}
	return msg
}

// clean drops control characters from a piece of server text.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// snake turns a Go field name into its JSON name: CurrentPassword →
// current_password.
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
