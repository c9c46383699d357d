package basic_test

// An independent fake of the basic API, written from apis/basic.md alone
// (not from our sandbox), strict about what the document requires and
// answering as the document shows, with the freedoms a conforming server
// has (field order, extra fields, nulls, JSON-string or plain-text
// validator errors). Every verb of the client is driven through it.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/basic"
)

const (
	indMount = "/userservice" // a realistic prefix in front of /api/v1/users
	indAdmin = "operator"
	indPass  = "operator-secret-42"
)

type indRecord struct {
	password string
	admin    bool
}

type indRequest struct {
	Method, RawPath, Query, Body string
	Header                       http.Header
}

// indServer implements apis/basic.md. Its fields select the freedoms of a
// conforming server.
type indServer struct {
	t     *testing.T
	mu    sync.Mutex
	users map[string]*indRecord
	reqs  []indRequest

	// nullEmptyList answers an empty list as {"value": null}, as a Go server
	// does with a nil slice.
	nullEmptyList bool
	// textErrors sends validator errors as text/plain instead of a JSON string.
	textErrors bool
	// extraFields adds fields the document does not show to every user.
	extraFields bool
	// wrongCurrentStatus answers a PATCH with a wrong current password (the
	// document does not say which status; 401 by default).
	wrongCurrentStatus int
	// override, when it returns true, has answered the request itself.
	override func(w http.ResponseWriter, r *http.Request, body []byte) bool
}

func newIndServer(t *testing.T) *indServer {
	return &indServer{t: t, users: map[string]*indRecord{
		indAdmin: {password: indPass, admin: true},
		"alice":  {password: "alice-password", admin: false},
		"bob":    {password: "bob-password-1", admin: false},
	}}
}

func (s *indServer) requests() []indRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// password returns a user's password ("" when there is no such user).
func (s *indServer) password(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec, ok := s.users[name]; ok {
		return rec.password
	}
	return ""
}

func (s *indServer) userJSON(name string, rec *indRecord) map[string]any {
	m := map[string]any{"username": name, "admin": rec.admin}
	if s.extraFields {
		m["created"] = "2024-01-15T10:30:00+02:00"
		m["groups"] = nil
		m["meta"] = map[string]any{"source": "ldap"}
	}
	return m
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// validation answers 400 with validator text, one error a line.
func (s *indServer) validation(w http.ResponseWriter, lines ...string) {
	text := strings.Join(lines, "\n")
	if s.textErrors {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, text)
		return
	}
	writeJSON(w, http.StatusBadRequest, text)
}

func validatorLine(typ, field, tag string) string {
	return fmt.Sprintf("Key: '%s.Value.%s' Error:Field validation for '%s' failed on the '%s' tag", typ, field, field, tag)
}

func (s *indServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, indRequest{Method: r.Method, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Body: string(body), Header: r.Header.Clone()})
	s.mu.Unlock()

	// Every request carries plain HTTP Basic credentials.
	if u, p, ok := r.BasicAuth(); !ok || u != indAdmin || p != indPass {
		w.Header().Set("WWW-Authenticate", `Basic realm="users"`)
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	if s.override != nil && s.override(w, r, body) {
		return
	}
	const prefix = indMount + "/api/v1/users"
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, prefix) {
		http.NotFound(w, r)
		return
	}
	rest := p[len(prefix):]
	if rest == "" {
		if r.Method != http.MethodGet {
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
			return
		}
		s.list(w)
		return
	}
	// One non-empty segment; a trailing slash is another route (404).
	seg, ok := strings.CutPrefix(rest, "/")
	if !ok || seg == "" || strings.Contains(seg, "/") {
		http.NotFound(w, r)
		return
	}
	name, err := url.PathUnescape(seg)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.get(w, name)
	case http.MethodPut:
		s.create(w, r, name, body)
	case http.MethodPatch:
		s.patch(w, r, name, body)
	case http.MethodDelete:
		s.delete(w, name)
	default:
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *indServer) list(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any // nil when empty: {"value": null} if allowed
	names := make([]string, 0, len(s.users))
	for n := range s.users {
		names = append(names, n)
	}
	slices.Sort(names)
	slices.Reverse(names) // no promise of order
	for _, n := range names {
		out = append(out, s.userJSON(n, s.users[n]))
	}
	if out == nil && !s.nullEmptyList {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
}

func (s *indServer) get(w http.ResponseWriter, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.users[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, "User not found")
		return
	}
	writeJSON(w, http.StatusOK, s.userJSON(name, rec)) // not wrapped
}

// decodeValue checks the request's content type and reads
// {"value": {...}} into a map of the known keys, reporting unknown ones.
func (s *indServer) decodeValue(r *http.Request, body []byte, known ...string) (map[string]string, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		s.t.Errorf("%s %s: Content-Type %q, want application/json", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, false
	}
	for k := range top {
		if k != "value" {
			s.t.Errorf("%s %s: unexpected top-level key %q in %s", r.Method, r.URL.Path, k, body)
		}
	}
	out := map[string]string{}
	raw, ok := top["value"]
	if !ok {
		return out, true // no wrapper: the fields are missing
	}
	var value map[string]any
	if err := json.Unmarshal(raw, &value); err != nil {
		return nil, false
	}
	for k, v := range value {
		if !slices.Contains(known, k) {
			s.t.Errorf("%s %s: unexpected key %q in value of %s", r.Method, r.URL.Path, k, body)
			continue
		}
		str, isStr := v.(string)
		if !isStr {
			return nil, false
		}
		out[k] = str
	}
	return out, true
}

func (s *indServer) create(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	v, ok := s.decodeValue(r, body, "password")
	if !ok {
		writeJSON(w, http.StatusBadRequest, "invalid request body")
		return
	}
	switch pw := v["password"]; {
	case pw == "":
		s.validation(w, validatorLine("UserPasswordRequest", "Password", "required"))
		return
	case utf8.RuneCountInString(pw) < 8:
		s.validation(w, validatorLine("UserPasswordRequest", "Password", "min"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.users[name]; dup {
		writeJSON(w, http.StatusConflict, "Username already existed")
		return
	}
	s.users[name] = &indRecord{password: v["password"]}
	writeJSON(w, http.StatusCreated, map[string]any{"value": s.userJSON(name, s.users[name])})
}

func (s *indServer) patch(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	v, ok := s.decodeValue(r, body, "current_password", "password")
	if !ok {
		writeJSON(w, http.StatusBadRequest, "invalid request body")
		return
	}
	switch pw := v["password"]; {
	case pw == "":
		s.validation(w, validatorLine("UserChangePasswordRequest", "Password", "required"))
		return
	case utf8.RuneCountInString(pw) < 8:
		s.validation(w, validatorLine("UserChangePasswordRequest", "Password", "min"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, found := s.users[name]
	if !found {
		writeJSON(w, http.StatusNotFound, "User not found")
		return
	}
	if rec.password != v["current_password"] {
		status := s.wrongCurrentStatus
		if status == 0 {
			status = http.StatusUnauthorized
		}
		writeJSON(w, status, "Wrong password")
		return
	}
	rec.password = v["password"]
	writeJSON(w, http.StatusOK, map[string]any{"value": s.userJSON(name, rec)})
}

func (s *indServer) delete(w http.ResponseWriter, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; !ok {
		writeJSON(w, http.StatusNotFound, "User not found")
		return
	}
	delete(s.users, name)
	w.WriteHeader(http.StatusNoContent)
}

// startInd serves s and returns a client of it with the given password
// (the right one when empty).
func startInd(t *testing.T, s *indServer, password string) *basic.Client {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	if password == "" {
		password = indPass
	}
	c, err := basic.New(userapi.Profile{Name: "svc", URL: srv.URL + indMount, Values: map[string]string{"username": indAdmin}, Secrets: map[string]string{"password": password}},
		userapi.Env{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func indCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// checkIndRequests asserts the requests the server saw (method and escaped
// path below the mount, body as exact JSON), and that each carried the
// Basic credentials and no query.
func checkIndRequests(t *testing.T, s *indServer, want ...string) {
	t.Helper()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(indAdmin+":"+indPass))
	var got []string
	for _, r := range s.requests() {
		line := r.Method + " " + strings.TrimPrefix(r.RawPath, indMount)
		if r.Body != "" {
			line += " " + r.Body
		}
		got = append(got, line)
		if r.Header.Get("Authorization") != auth {
			t.Errorf("%s: Authorization = %q", line, r.Header.Get("Authorization"))
		}
		if r.Query != "" {
			t.Errorf("%s: unexpected query %q", line, r.Query)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests:\n got %q\nwant %q", got, want)
	}
}

func normalizedJSON(t *testing.T, u userapi.User) string {
	t.Helper()
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantNormalized(name string, admin bool) string {
	roles := `[]`
	if admin {
		roles = `["admin"]`
	}
	return fmt.Sprintf(`{"id":%q,"username":%q,"email":null,"name":null,"roles":%s,"status":"active",`+
		`"created_at":null,"updated_at":null,"extra":{"admin":%t}}`, name, name, roles, admin)
}

// checkErr asserts an error's exit code and that its message holds each of
// parts, is one line and starts lowercase.
func checkErr(t *testing.T, err error, exit int, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want exit %d", exit)
	}
	if got := errkind.ExitCode(err); got != exit {
		t.Errorf("exit code = %d, want %d (%v)", got, exit, err)
	}
	msg := err.Error()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not contain %q", msg, p)
		}
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	if strings.Contains(msg, indPass) {
		t.Errorf("error leaks the profile password: %q", msg)
	}
}

func collect(t *testing.T, c *basic.Client, opts userapi.ListOptions) ([]userapi.User, error) {
	t.Helper()
	var out []userapi.User
	for u, err := range c.ListUsers(indCtx(t), opts) {
		if err != nil {
			return out, err
		}
		out = append(out, u)
	}
	return out, nil
}

func TestIndependentList(t *testing.T) {
	for _, extra := range []bool{false, true} {
		t.Run(fmt.Sprintf("extraFields=%t", extra), func(t *testing.T) {
			s := newIndServer(t)
			s.extraFields = extra
			c := startInd(t, s, "")
			users, err := collect(t, c, userapi.ListOptions{Sort: "username"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range users {
				got = append(got, normalizedJSON(t, u))
			}
			want := []string{wantNormalized("alice", false), wantNormalized("bob", false), wantNormalized(indAdmin, true)}
			if !slices.Equal(got, want) {
				t.Errorf("list:\n got %s\nwant %s", got, want)
			}
			checkIndRequests(t, s, "GET /api/v1/users")
		})
	}
}

func TestIndependentListFiltersOnClient(t *testing.T) {
	s := newIndServer(t)
	c := startInd(t, s, "")
	names := func(opts userapi.ListOptions) []string {
		t.Helper()
		users, err := collect(t, c, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range users {
			out = append(out, u.Username)
		}
		return out
	}
	if got := names(userapi.ListOptions{Role: "admin"}); !slices.Equal(got, []string{indAdmin}) {
		t.Errorf("--role admin = %q", got)
	}
	if got := names(userapi.ListOptions{Query: "LI"}); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("--query LI = %q", got)
	}
	if got := names(userapi.ListOptions{Sort: "-username", Limit: 2}); !slices.Equal(got, []string{indAdmin, "bob"}) {
		t.Errorf("--sort -username --limit 2 = %q", got)
	}
	// The API has no paging or filtering: every listing is one plain GET.
	checkIndRequests(t, s, "GET /api/v1/users", "GET /api/v1/users", "GET /api/v1/users")
}

func TestIndependentListEmpty(t *testing.T) {
	for _, null := range []bool{false, true} {
		t.Run(fmt.Sprintf("null=%t", null), func(t *testing.T) {
			s := newIndServer(t)
			s.users = map[string]*indRecord{}
			s.nullEmptyList = null
			c := startInd(t, s, "")
			users, err := collect(t, c, userapi.ListOptions{})
			if err != nil {
				t.Fatalf("empty list: %v", err)
			}
			if len(users) != 0 {
				t.Errorf("users = %v, want none", users)
			}
		})
	}
}

func TestIndependentListNullsAndMissingFields(t *testing.T) {
	s := newIndServer(t)
	s.override = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"count": 3, "value": [{"admin": null, "username": "carol", "id": 7},`+
			`{"username": "dave"}, {"admin": true, "username": "erin", "email": null}]}`)
		return true
	}
	c := startInd(t, s, "")
	users, err := collect(t, c, userapi.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range users {
		got = append(got, normalizedJSON(t, u))
	}
	want := []string{wantNormalized("carol", false), wantNormalized("dave", false), wantNormalized("erin", true)}
	if !slices.Equal(got, want) {
		t.Errorf("list:\n got %s\nwant %s", got, want)
	}
}

func TestIndependentGet(t *testing.T) {
	s := newIndServer(t)
	s.extraFields = true
	s.users["jo smith"] = &indRecord{password: "jo-password"}
	c := startInd(t, s, "")
	u, err := c.GetUser(indCtx(t), indAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if got := normalizedJSON(t, u); got != wantNormalized(indAdmin, true) {
		t.Errorf("get = %s", got)
	}
	u, err = c.GetUser(indCtx(t), "jo smith")
	if err != nil {
		t.Fatal(err)
	}
	if got := normalizedJSON(t, u); got != wantNormalized("jo smith", false) {
		t.Errorf("get = %s", got)
	}
	_, err = c.GetUser(indCtx(t), "ghost")
	checkErr(t, err, 3, `user "ghost" not found`, "User not found")
	checkIndRequests(t, s, "GET /api/v1/users/"+indAdmin, "GET /api/v1/users/jo%20smith", "GET /api/v1/users/ghost")

	if u, found, err := c.FindUser(indCtx(t), "alice"); err != nil || !found || u.ID != "alice" {
		t.Errorf("FindUser(alice) = %v, %t, %v", u, found, err)
	}
	if _, found, err := c.FindUser(indCtx(t), "ghost"); err != nil || found {
		t.Errorf("FindUser(ghost) = %t, %v; want not found, no error", found, err)
	}
}

func TestIndependentCreate(t *testing.T) {
	for _, text := range []bool{false, true} {
		t.Run(fmt.Sprintf("textErrors=%t", text), func(t *testing.T) {
			s := newIndServer(t)
			s.textErrors = text
			c := startInd(t, s, "")
			u, err := c.CreateUser(indCtx(t), userapi.CreateRequest{Username: "carol", Password: "carol-pass"})
			if err != nil {
				t.Fatal(err)
			}
			if got := normalizedJSON(t, u); got != wantNormalized("carol", false) {
				t.Errorf("create = %s", got)
			}
			if s.password("carol") != "carol-pass" {
				t.Errorf("carol not created with her password")
			}

			// An existing user: 409 "Username already existed".
			_, err = c.CreateUser(indCtx(t), userapi.CreateRequest{Username: "alice", Password: "another-pass"})
			checkErr(t, err, 5, `user "alice" already exists`, "Username already existed")

			// Too short: refused before sending (8 runes are enough).
			_, err = c.CreateUser(indCtx(t), userapi.CreateRequest{Username: "dave", Password: "1234567"})
			checkErr(t, err, 2, "at least 8")
			if _, err := c.CreateUser(indCtx(t), userapi.CreateRequest{Username: "émile", Password: "éééééééé"}); err != nil {
				t.Errorf("8-rune password: %v", err)
			}

			// Fields the API has not: refused before sending.
			_, err = c.CreateUser(indCtx(t), userapi.CreateRequest{Username: "dave", Password: "dave-password", Email: "d@example.com"})
			checkErr(t, err, 2, "--email")
			_, err = c.CreateUser(indCtx(t), userapi.CreateRequest{Password: "dave-password"})
			checkErr(t, err, 2, "username")

			checkIndRequests(t, s,
				`PUT /api/v1/users/carol {"value":{"password":"carol-pass"}}`,
				`PUT /api/v1/users/alice {"value":{"password":"another-pass"}}`,
				`PUT /api/v1/users/%C3%A9mile {"value":{"password":"éééééééé"}}`)
		})
	}
}

// TestIndependentValidatorErrors answers 400 with the validator's text, as
// a JSON string or plain text, one error a line.
func TestIndependentValidatorErrors(t *testing.T) {
	two := validatorLine("UserPasswordRequest", "Password", "min") + "\n" +
		"Key: 'UserPasswordRequest.Value.CurrentPassword' Error:Field validation for 'CurrentPassword' failed on the 'required' tag"
	for name, tc := range map[string]struct {
		ctype, body string
		parts       []string
	}{
		"json string": {"application/json", mustJSON(two), []string{`user "carol"`, "400", "password: failed on the 'min' tag", "current_password: failed on the 'required' tag"}},
		"plain text":  {"text/plain; charset=utf-8", two + "\n", []string{"password: failed on the 'min' tag", "current_password: failed on the 'required' tag"}},
		"no wrapper": {"application/json", mustJSON(validatorLine("UserPasswordRequest", "Password", "required")),
			[]string{"password: failed on the 'required' tag", "value"}},
		"other text": {"text/plain", "password is too common", []string{"password is too common"}},
		"html":       {"text/html", "<html><head><title>400 Bad Request</title></head><body>nope</body></html>", []string{"400 Bad Request"}},
	} {
		t.Run(name, func(t *testing.T) {
			s := newIndServer(t)
			s.override = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, tc.body)
				return true
			}
			c := startInd(t, s, "")
			_, err := c.CreateUser(indCtx(t), userapi.CreateRequest{Username: "carol", Password: "carol-pass"})
			checkErr(t, err, 2, tc.parts...)
			if err != nil && strings.Contains(err.Error(), "carol-pass") {
				t.Errorf("error leaks the new password: %v", err)
			}
		})
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestIndependentCreateOtherSuccessShapes: a 200 instead of 201, or an
// empty 201, still is a created user (a create reported failed that went
// through would make the retry a conflict).
func TestIndependentCreateOtherSuccessShapes(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
	}{
		"200 wrapped": {http.StatusOK, `{"value":{"username":"carol","admin":false}}`},
		"201 empty":   {http.StatusCreated, ``},
		"204":         {http.StatusNoContent, ``},
		"201 text":    {http.StatusCreated, `Created`},
	} {
		t.Run(name, func(t *testing.T) {
			s := newIndServer(t)
			s.override = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
				if r.Method != http.MethodPut {
					return false
				}
				s.mu.Lock()
				s.users["carol"] = &indRecord{password: "carol-pass"}
				s.mu.Unlock()
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
				return true
			}
			c := startInd(t, s, "")
			u, err := c.CreateUser(indCtx(t), userapi.CreateRequest{Username: "carol", Password: "carol-pass"})
			if err != nil {
				t.Fatalf("create answered %d %q: %v", tc.status, tc.body, err)
			}
			if got := normalizedJSON(t, u); got != wantNormalized("carol", false) {
				t.Errorf("create = %s", got)
			}
		})
	}
}

// TestIndependentCreateNotResentBlindly: a PUT that failed with a 5xx may
// have created the user; the client looks before sending it again.
func TestIndependentCreateNotResentBlindly(t *testing.T) {
	s := newIndServer(t)
	s.override = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if r.Method != http.MethodPut {
			return false
		}
		s.mu.Lock()
		s.users["carol"] = &indRecord{password: "carol-pass"}
		s.mu.Unlock()
		http.Error(w, "upstream timeout", http.StatusBadGateway)
		return true
	}
	c := startInd(t, s, "")
	u, err := c.CreateUser(indCtx(t), userapi.CreateRequest{Username: "carol", Password: "carol-pass"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if u.ID != "carol" {
		t.Errorf("user %q, want carol", u.ID)
	}
	checkIndRequests(t, s, `PUT /api/v1/users/carol {"value":{"password":"carol-pass"}}`, "GET /api/v1/users/carol")
}

func TestIndependentDelete(t *testing.T) {
	s := newIndServer(t)
	c := startInd(t, s, "")
	res, err := c.DeleteUser(indCtx(t), "alice", userapi.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "alice" || res.Action != "deleted" {
		t.Errorf("result = %+v", res)
	}
	if s.password("alice") != "" {
		t.Error("alice still exists")
	}
	_, err = c.DeleteUser(indCtx(t), "alice", userapi.DeleteOptions{})
	checkErr(t, err, 3, `user "alice" not found`)
	checkIndRequests(t, s, "DELETE /api/v1/users/alice", "DELETE /api/v1/users/alice")
}

func TestIndependentSetPassword(t *testing.T) {
	s := newIndServer(t)
	c := startInd(t, s, "")
	if p := c.PasswordPolicy(); !p.NeedsCurrent || !p.NeedsNew || p.MinLength != 8 {
		t.Errorf("policy = %+v", p)
	}
	res, err := c.SetPassword(indCtx(t), "alice", userapi.PasswordChange{Current: "alice-password", New: "alice-new-pass"})
	if err != nil {
		t.Fatal(err)
	}
	if pw := s.password("alice"); res.ID != "alice" || pw != "alice-new-pass" {
		t.Errorf("result %+v, password %q", res, pw)
	}
	// current_password has no minimum length.
	s.mu.Lock()
	s.users["bob"].password = "b"
	s.mu.Unlock()
	if _, err := c.SetPassword(indCtx(t), "bob", userapi.PasswordChange{Current: "b", New: "bob-new-pass"}); err != nil {
		t.Errorf("short current password: %v", err)
	}

	_, err = c.SetPassword(indCtx(t), "alice", userapi.PasswordChange{Current: "wrong-current", New: "whatever-new"})
	checkErr(t, err, 4, `"alice"`, "current password")
	if err != nil && (strings.Contains(err.Error(), "wrong-current") || strings.Contains(err.Error(), "whatever-new")) {
		t.Errorf("error leaks a password: %v", err)
	}
	_, err = c.SetPassword(indCtx(t), "ghost", userapi.PasswordChange{Current: "x", New: "whatever-new"})
	checkErr(t, err, 3, `user "ghost" not found`)
	_, err = c.SetPassword(indCtx(t), "alice", userapi.PasswordChange{Current: "alice-new-pass", New: "short"})
	checkErr(t, err, 2, "at least 8")

	checkIndRequests(t, s,
		`PATCH /api/v1/users/alice {"value":{"current_password":"alice-password","password":"alice-new-pass"}}`,
		`PATCH /api/v1/users/bob {"value":{"current_password":"b","password":"bob-new-pass"}}`,
		`PATCH /api/v1/users/alice {"value":{"current_password":"wrong-current","password":"whatever-new"}}`,
		`PATCH /api/v1/users/ghost {"value":{"current_password":"x","password":"whatever-new"}}`)

	s.mu.Lock()
	s.wrongCurrentStatus = http.StatusForbidden
	s.mu.Unlock()
	_, err = c.SetPassword(indCtx(t), "alice", userapi.PasswordChange{Current: "wrong-current", New: "whatever-new"})
	checkErr(t, err, 4, `"alice"`, "current password")
}

// TestIndependentSetPasswordOtherSuccessShapes: the password changed
// whatever a 2xx body looks like.
func TestIndependentSetPasswordOtherSuccessShapes(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
	}{{http.StatusOK, ``}, {http.StatusNoContent, ``}, {http.StatusOK, `{"username":"alice","admin":false}`}, {http.StatusOK, `OK`}} {
		s := newIndServer(t)
		s.override = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, tc.body)
			return true
		}
		c := startInd(t, s, "")
		if _, err := c.SetPassword(indCtx(t), "alice", userapi.PasswordChange{Current: "alice-password", New: "alice-new-pass"}); err != nil {
			t.Errorf("%d %q: %v", tc.status, tc.body, err)
		}
	}
}

func TestIndependentBadCredentials(t *testing.T) {
	s := newIndServer(t)
	c := startInd(t, s, "not-the-password")
	_, err := collect(t, c, userapi.ListOptions{})
	checkErr(t, err, 4, "401", "profile svc")
	if err != nil && strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("error leaks the password: %v", err)
	}
	_, err = c.GetUser(indCtx(t), "alice")
	checkErr(t, err, 4, "401")
	_, err = c.DeleteUser(indCtx(t), "alice", userapi.DeleteOptions{})
	checkErr(t, err, 4, "401")
	_, err = c.CreateUser(indCtx(t), userapi.CreateRequest{Username: "carol", Password: "carol-pass"})
	checkErr(t, err, 4, "401")
	_, err = c.Check(indCtx(t))
	checkErr(t, err, 4, "401")
}

func TestIndependentCheck(t *testing.T) {
	s := newIndServer(t)
	c := startInd(t, s, "")
	got, err := c.Check(indCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, indAdmin) || !strings.Contains(got, "admin") {
		t.Errorf("check = %q", got)
	}
}

// TestIndependentBaseURLForms: the profile URL may end with a slash; the
// client keeps its path and never adds a trailing slash to the API's.
func TestIndependentBaseURLForms(t *testing.T) {
	s := newIndServer(t)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	for _, base := range []string{srv.URL + indMount + "/", srv.URL + indMount + "/api/v1", srv.URL + indMount + "/api/v1/users/"} {
		c, err := basic.New(userapi.Profile{Name: "svc", URL: base, Values: map[string]string{"username": indAdmin}, Secrets: map[string]string{"password": indPass}}, userapi.Env{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetUser(indCtx(t), "alice"); err != nil {
			t.Errorf("URL %s: %v", base, err)
		}
	}
}

// TestIndependentWrongURL: a 404 on the collection names the URL to fix.
func TestIndependentWrongURL(t *testing.T) {
	s := newIndServer(t)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := basic.New(userapi.Profile{Name: "svc", URL: srv.URL + "/elsewhere", Values: map[string]string{"username": indAdmin}, Secrets: map[string]string{"password": indPass}},
		userapi.Env{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect(t, c, userapi.ListOptions{})
	checkErr(t, err, 3, srv.URL+"/elsewhere/api/v1/users", "profile svc")
}

// TestIndependentDeleteNotResentBlindly: a DELETE that failed with a 5xx
// after removing the user is a success, not a "not found" of a retry.
func TestIndependentDeleteNotResentBlindly(t *testing.T) {
	s := newIndServer(t)
	s.override = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodDelete {
			return false
		}
		s.mu.Lock()
		delete(s.users, "alice")
		s.mu.Unlock()
		http.Error(w, "upstream timeout", http.StatusBadGateway)
		return true
	}
	c := startInd(t, s, "")
	if _, err := c.DeleteUser(indCtx(t), "alice", userapi.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	checkIndRequests(t, s, "DELETE /api/v1/users/alice", "GET /api/v1/users/alice")
}

// TestIndependentDeleteResentWhenUserRemains: a DELETE that failed with a
// 5xx and left the user is sent once more.
func TestIndependentDeleteResentWhenUserRemains(t *testing.T) {
	s := newIndServer(t)
	failed := false
	s.override = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.Method != http.MethodDelete || failed {
			return false
		}
		failed = true
		http.Error(w, "upstream timeout", http.StatusBadGateway)
		return true
	}
	c := startInd(t, s, "")
	if _, err := c.DeleteUser(indCtx(t), "alice", userapi.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if s.password("alice") != "" {
		t.Error("alice still exists")
	}
	checkIndRequests(t, s, "DELETE /api/v1/users/alice", "GET /api/v1/users/alice", "DELETE /api/v1/users/alice")
}
