package datadog_test

// An independent conformance test of the datadog client: a fake Datadog v1
// users API written from the API document alone (apis/datadog.md, the v1
// OpenAPI extract and the recorded cassettes), not from our sandbox. It is
// strict where the document is (method, exact path, both key headers,
// Accept, Content-Type with a body, no query, body keys) and answers with
// the document's quirks: create answers 200, st comes back as null, a create
// over a disabled handle answers 200 with that user, unknown fields
// (role, title, is_admin, roles) are present, fields come in another order,
// errors are {"errors": [...]} or the real 403 page, and 429 is HTML.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/datadog"
)

const (
	indAPIKey = "ind-api-key-0123456789abcdef"
	indAppKey = "ind-app-key-fedcba9876543210abcdef01"
	indMount  = "/eu/proxy/datadog" // a realistic base path of a proxy
)

// indUser is one account of the fake API. A nil field is sent as JSON null
// (role) or left out of the answer (verified, icon, when omit is set).
type indUser struct {
	handle, email, name string
	role                *string // access_role; nil is null (standard since 2023)
	disabled, verified  bool
	nullName            bool // answer "name": null
	minimal             bool // answer only the spec example's fields
}

func strp(s string) *string { return &s }

// indRequest is one request the fake API received.
type indRequest struct {
	Method, Path, RawQuery string
	Body                   map[string]any
}

// indServer is the fake Datadog API.
type indServer struct {
	t     *testing.T
	mu    sync.Mutex
	users []*indUser
	reqs  []indRequest
	// rateLimited answers that many next requests with an HTML 429.
	rateLimited int
	// failCreate answers the next create with a 502 after creating the user.
	failCreate bool
	// deleteFault changes the next DELETE: "lost" disables and answers 502,
	// "refused" answers 502 without disabling, "empty" answers 204.
	deleteFault string
	// putForbidden answers every PUT with 403.
	putForbidden bool
}

func newIndServer(t *testing.T) (*indServer, *datadog.Client) {
	t.Helper()
	s := &indServer{t: t, users: []*indUser{
		{handle: "alice@example.com", email: "alice@example.com", name: "Alice Admin", role: strp("adm"), verified: true},
		{handle: "bob@example.com", email: "bob@example.com", name: "Bob Standard", role: nil, verified: true},
		{handle: "carol@example.com", email: "carol@example.com", name: "Carol Reader", role: strp("ro"), verified: false},
		{handle: "dave@example.com", email: "dave@example.com", name: "Dave Gone", role: strp("st"), verified: true, disabled: true},
		{handle: "erin@example.com", email: "erin@example.com", nullName: true, role: strp("ERROR"), verified: true},
		{handle: "frank@example.com", email: "frank.work@example.org", name: "Frank Min", minimal: true},
	}}
	mux := http.NewServeMux()
	mux.Handle(indMount+"/", http.StripPrefix(indMount, s))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the profile's base path: %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := datadog.New(userapi.Profile{Name: "independent", API: "datadog", URL: srv.URL + indMount, Secrets: map[string]string{"api_key": indAPIKey, "app_key": indAppKey}}, userapi.Env{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func (s *indServer) requests() []indRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

func (s *indServer) count(method string) int {
	n := 0
	for _, r := range s.requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}

func (s *indServer) find(handle string) *indUser {
	for _, u := range s.users {
		if u.handle == handle {
			return u
		}
	}
	return nil
}

// render answers a user the way the real API does: another field order, the
// unknown fields role, title and is_admin, and with roles on a get.
func (u *indUser) render(withRoles bool) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	if u.minimal {
		return fmt.Sprintf(`{"disabled":%t,"email":%s,"handle":%s,"name":%s}`, u.disabled, q(u.email), q(u.handle), q(u.name))
	}
	role := "null"
	if u.role != nil {
		role = q(*u.role)
	}
	name := q(u.name)
	if u.nullName {
		name = "null"
	}
	s := fmt.Sprintf(`{"icon":"https://secure.gravatar.com/avatar/0d4?s=48&d=retro","title":null,"verified":%t,`+
		`"role":null,"access_role":%s,"name":%s,"is_admin":%t,"email":%s,"disabled":%t,"handle":%s`,
		u.verified, role, name, u.role != nil && *u.role == "adm", q(u.email), u.disabled, q(u.handle))
	if withRoles {
		s += `,"roles":[{"uuid":"6a1b","name":"Datadog Standard Role","id":7,"created_at":"2021-04-12T09:55:11Z",` +
			`"last_modified":null,"permissions":[{"name":"logs_read_data"}]}]`
	}
	return s + "}"
}

func indErrors(w http.ResponseWriter, status int, msgs ...string) {
	b, _ := json.Marshal(map[string][]string{"errors": msgs})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func indJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, body)
}

func (s *indServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, _ := io.ReadAll(r.Body)
	req := indRequest{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &req.Body); err != nil {
			s.t.Errorf("%s %s: body is not a JSON object: %q", r.Method, r.URL.Path, raw)
			indErrors(w, 400, "Invalid JSON")
			return
		}
	}
	s.reqs = append(s.reqs, req)

	if s.rateLimited > 0 {
		s.rateLimited--
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Period", "60")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "0")
		w.Header().Set("X-RateLimit-Name", "create_user_api")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, "<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>")
		return
	}
	// Both keys on every request; the real 403 carries extra fields.
	if r.Header.Get("DD-API-KEY") != indAPIKey || r.Header.Get("DD-APPLICATION-KEY") != indAppKey {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Via", "haproxy")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"status":"error","code":403,"errors":["Forbidden"],"statuspage":"http://status.datadoghq.com",`+
			`"twitter":"http://twitter.com/datadogops","email":"support@datadoghq.com"}`)
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		s.t.Errorf("%s %s: Accept %q, want application/json", r.Method, r.URL.Path, r.Header.Get("Accept"))
	}
	if len(raw) > 0 && r.Header.Get("Content-Type") != "application/json" {
		s.t.Errorf("%s %s: Content-Type %q with a body, want application/json", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	if r.URL.RawQuery != "" {
		s.t.Errorf("%s %s: unexpected query %q (the API takes no parameters)", r.Method, r.URL.Path, r.URL.RawQuery)
	}

	const base = "/api/v1/user"
	switch {
	case r.URL.Path == base && r.Method == http.MethodGet:
		if len(raw) > 0 {
			s.t.Errorf("GET with a body: %q", raw)
		}
		parts := make([]string, len(s.users))
		for i, u := range s.users {
			parts[i] = u.render(false)
		}
		indJSON(w, `{"users":[`+strings.Join(parts, ",")+`]}`)
	case r.URL.Path == base && r.Method == http.MethodPost:
		s.create(w, req.Body)
	case strings.HasPrefix(req.Path, base+"/") && !strings.Contains(req.Path[len(base)+1:], "/") && len(req.Path) > len(base)+1:
		// The handle is one escaped segment: "@" raw or as %40, both accepted.
		handle, err := url.PathUnescape(req.Path[len(base)+1:])
		if err != nil {
			indErrors(w, 400, "Bad Request")
			return
		}
		u := s.find(handle)
		switch r.Method {
		case http.MethodGet:
			if len(raw) > 0 {
				s.t.Errorf("GET with a body: %q", raw)
			}
			if u == nil {
				indErrors(w, 404, "user not found")
				return
			}
			indJSON(w, `{"user":`+u.render(true)+`}`)
		case http.MethodPut:
			if s.putForbidden {
				indErrors(w, 403, "Forbidden")
				return
			}
			s.update(w, u, req.Body)
		case http.MethodDelete:
			if len(raw) > 0 {
				s.t.Errorf("DELETE with a body: %q", raw)
			}
			fault := s.deleteFault
			s.deleteFault = ""
			switch {
			case u == nil:
				indErrors(w, 404, "user not found")
			case fault == "refused":
				w.WriteHeader(http.StatusBadGateway)
			case fault == "lost":
				u.disabled = true
				w.WriteHeader(http.StatusBadGateway)
			case fault == "empty" && !u.disabled:
				u.disabled = true
				w.WriteHeader(http.StatusNoContent)
			case u.disabled:
				indErrors(w, 400, "User is already disabled")
			default:
				u.disabled = true
				indJSON(w, fmt.Sprintf(`{"message":"User %s disabled"}`, u.handle))
			}
		default:
			s.t.Errorf("unexpected method %s %s", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	default:
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL.EscapedPath())
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<html><body>Not Found</body></html>")
	}
}

// checkKeys fails a body holding keys outside allowed.
func (s *indServer) checkKeys(what string, body map[string]any, allowed ...string) bool {
	for k := range body {
		if !slices.Contains(allowed, k) {
			s.t.Errorf("%s body has key %q; the document allows %v", what, k, allowed)
			return false
		}
	}
	return true
}

func (s *indServer) create(w http.ResponseWriter, body map[string]any) {
	if !s.checkKeys("create", body, "handle", "email", "name", "access_role") {
		indErrors(w, 400, "Bad Request")
		return
	}
	handle, _ := body["handle"].(string)
	if handle == "" {
		indErrors(w, 400, "Required parameter 'handle' is missing")
		return
	}
	email, _ := body["email"].(string)
	if email == "" {
		email = handle
	}
	if !strings.Contains(email, "@") || !strings.Contains(handle, "@") {
		indErrors(w, 400, "Format of 'email' should be email")
		return
	}
	var role *string
	switch v := body["access_role"].(type) {
	case nil:
	case string:
		if v != "st" && v != "adm" && v != "ro" {
			indErrors(w, 400, "Invalid access_role")
			return
		}
		if v != "st" {
			role = strp(v) // since 2023 st comes back as null
		}
	default:
		indErrors(w, 400, "Invalid access_role")
		return
	}
	if u := s.find(handle); u != nil {
		if u.disabled {
			indJSON(w, `{"user":`+u.render(false)+`}`) // seen on the real API: 200, not 409
			return
		}
		indErrors(w, 409, "User with this handle already exists")
		return
	}
	name, _ := body["name"].(string)
	u := &indUser{handle: handle, email: email, name: name, role: role}
	s.users = append(s.users, u)
	if s.failCreate {
		s.failCreate = false
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head></html>")
		return
	}
	w.Header().Set("X-RateLimit-Limit", "100")
	w.Header().Set("X-RateLimit-Period", "60")
	w.Header().Set("X-RateLimit-Remaining", "99")
	w.Header().Set("X-RateLimit-Reset", "18")
	w.Header().Set("X-RateLimit-Name", "create_user_api")
	indJSON(w, `{"user":`+u.render(false)+`}`)
}

func (s *indServer) update(w http.ResponseWriter, u *indUser, body map[string]any) {
	if u == nil {
		indErrors(w, 404, "user not found")
		return
	}
	if len(body) == 0 {
		s.t.Errorf("PUT without a body")
	}
	if !s.checkKeys("update", body, "email", "name", "access_role", "disabled") {
		indErrors(w, 400, "Bad Request")
		return
	}
	if v, ok := body["email"]; ok {
		e, _ := v.(string)
		if !strings.Contains(e, "@") {
			indErrors(w, 400, "Format of 'email' should be email")
			return
		}
		u.email = e
	}
	if v, ok := body["name"].(string); ok {
		u.name, u.nullName = v, false
	}
	if v, ok := body["access_role"]; ok {
		switch r := v.(type) {
		case nil:
			u.role = nil
		case string:
			if r != "st" && r != "adm" && r != "ro" {
				indErrors(w, 400, "Invalid access_role")
				return
			}
			u.role = strp(r)
		}
	}
	if v, ok := body["disabled"]; ok {
		d, isBool := v.(bool)
		if !isBool {
			indErrors(w, 400, "Invalid disabled")
			return
		}
		u.disabled = d
	}
	indJSON(w, `{"user":`+u.render(false)+`}`)
}

func indCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// indWant checks err's kind, exit code and message, and that no key leaks.
func indWant(t *testing.T, err error, kind errkind.Kind, code int, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v (exit %d)", kind, code)
	}
	if got := errkind.Of(err); got != kind {
		t.Errorf("kind %v, want %v (%v)", got, kind, err)
	}
	if got := errkind.ExitCode(err); got != code {
		t.Errorf("exit code %d, want %d (%v)", got, code, err)
	}
	msg := err.Error()
	for _, c := range contains {
		if !strings.Contains(msg, c) {
			t.Errorf("message %q lacks %q", msg, c)
		}
	}
	if strings.Contains(msg, indAPIKey) || strings.Contains(msg, indAppKey) {
		t.Errorf("message leaks a key: %q", msg)
	}
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("message is not one line: %q", msg)
	}
	first, _, _ := strings.Cut(msg, " ")
	isMethod := slices.Contains([]string{"GET", "POST", "PUT", "DELETE"}, first)
	if msg != "" && msg[0] >= 'A' && msg[0] <= 'Z' && !isMethod {
		t.Errorf("message starts with a capital: %q", msg)
	}
}

// indNormalized is the JSON of the normalized user (CLI.md "Output").
func indNormalized(t *testing.T, u userapi.User) map[string]any {
	t.Helper()
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func indUserJSON(id, email string, name any, role, status string, verified any, icon any, accessRole any) map[string]any {
	var nm any = name
	extra := map[string]any{"verified": verified, "icon": icon, "access_role": accessRole}
	return map[string]any{"id": id, "username": id, "email": email, "name": nm, "roles": []any{role},
		"status": status, "created_at": nil, "updated_at": nil, "extra": extra}
}

const indIcon = "https://secure.gravatar.com/avatar/0d4?s=48&d=retro"

func indCheckUser(t *testing.T, what string, u userapi.User, want map[string]any) {
	t.Helper()
	got := indNormalized(t, u)
	// Extra may hold more than the document names; compare the named keys.
	if ge, ok := got["extra"].(map[string]any); ok {
		we := want["extra"].(map[string]any)
		for k := range ge {
			if _, named := we[k]; !named {
				delete(ge, k)
			}
		}
		for k, v := range we {
			if _, has := ge[k]; !has && v == nil {
				ge[k] = nil // a missing key reads as null
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		t.Errorf("%s:\n got %s\nwant %s", what, gb, wb)
	}
}

func TestIndependentList(t *testing.T) {
	s, c := newIndServer(t)
	var got []userapi.User
	for u, err := range c.ListUsers(indCtx(t), userapi.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u)
	}
	if len(got) != 6 {
		t.Fatalf("listed %d users, want 6 (disabled and unverified included)", len(got))
	}
	want := []map[string]any{
		indUserJSON("alice@example.com", "alice@example.com", "Alice Admin", "adm", "active", true, indIcon, "adm"),
		indUserJSON("bob@example.com", "bob@example.com", "Bob Standard", "st", "active", true, indIcon, nil),
		indUserJSON("carol@example.com", "carol@example.com", "Carol Reader", "ro", "pending", false, indIcon, "ro"),
		indUserJSON("dave@example.com", "dave@example.com", "Dave Gone", "st", "disabled", true, indIcon, "st"),
		indUserJSON("erin@example.com", "erin@example.com", nil, "ERROR", "active", true, indIcon, "ERROR"),
		// The spec's example user: no verified, icon or access_role. Not
		// being told a user never logged in is not "pending".
		indUserJSON("frank@example.com", "frank.work@example.org", "Frank Min", "st", "active", nil, nil, nil),
	}
	for i := range want {
		indCheckUser(t, "user "+want[i]["id"].(string), got[i], want[i])
	}
	reqs := s.requests()
	if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/api/v1/user" {
		t.Errorf("requests %+v, want one GET /api/v1/user", reqs)
	}

	// Narrowing is done client-side: still one plain GET each.
	ids := func(opts userapi.ListOptions) []string {
		var out []string
		for u, err := range c.ListUsers(indCtx(t), opts) {
			if err != nil {
				t.Fatalf("%+v: %v", opts, err)
			}
			out = append(out, u.ID)
		}
		return out
	}
	if g := ids(userapi.ListOptions{Limit: 2}); !reflect.DeepEqual(g, []string{"alice@example.com", "bob@example.com"}) {
		t.Errorf("limit 2: %v", g)
	}
	if g := ids(userapi.ListOptions{Role: "ro"}); !reflect.DeepEqual(g, []string{"carol@example.com"}) {
		t.Errorf("role ro: %v", g)
	}
	if g := ids(userapi.ListOptions{Role: "st"}); !reflect.DeepEqual(g, []string{"bob@example.com", "dave@example.com", "frank@example.com"}) {
		t.Errorf("role st (null and missing access_role are standard): %v", g)
	}
	if g := ids(userapi.ListOptions{Query: "frank.work"}); !reflect.DeepEqual(g, []string{"frank@example.com"}) {
		t.Errorf("query frank.work: %v", g)
	}
	for _, r := range s.requests() {
		if r.Method != "GET" || r.Path != "/api/v1/user" || r.RawQuery != "" {
			t.Errorf("unexpected request %+v", r)
		}
	}
}

func TestIndependentGet(t *testing.T) {
	s, c := newIndServer(t)
	u, err := c.GetUser(indCtx(t), "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	indCheckUser(t, "get", u, indUserJSON("alice@example.com", "alice@example.com", "Alice Admin", "adm", "active", true, indIcon, "adm"))
	if p := s.requests()[0].Path; p != "/api/v1/user/alice@example.com" && p != "/api/v1/user/alice%40example.com" {
		t.Errorf("path %q", p)
	}

	_, err = c.GetUser(indCtx(t), "nobody@example.com")
	indWant(t, err, errkind.NotFound, 3, `"nobody@example.com"`, "not found")

	// A handle with characters that must be escaped stays one segment.
	_, err = c.GetUser(indCtx(t), "a b?c#d@example.com")
	indWant(t, err, errkind.NotFound, 3)
	last := s.requests()[len(s.requests())-1]
	if !strings.HasPrefix(last.Path, "/api/v1/user/a%20b%3Fc%23d") || last.RawQuery != "" {
		t.Errorf("escaped handle sent as %q ?%q", last.Path, last.RawQuery)
	}
}

func TestIndependentCreate(t *testing.T) {
	s, c := newIndServer(t)
	ctx := indCtx(t)

	// The handle defaults to the email; no role is standard, which comes
	// back as null.
	u, err := c.CreateUser(ctx, userapi.CreateRequest{Email: "gina@example.com", Name: "Gina New"})
	if err != nil {
		t.Fatal(err)
	}
	indCheckUser(t, "create", u, indUserJSON("gina@example.com", "gina@example.com", "Gina New", "st", "pending", false, indIcon, nil))
	post := s.requests()[len(s.requests())-1]
	if post.Method != "POST" || post.Path != "/api/v1/user" {
		t.Fatalf("create sent %s %s", post.Method, post.Path)
	}
	if post.Body["handle"] != "gina@example.com" || post.Body["email"] != "gina@example.com" || post.Body["name"] != "Gina New" {
		t.Errorf("create body %v", post.Body)
	}
	if r, ok := post.Body["access_role"]; ok && r != nil && r != "st" {
		t.Errorf("create without a role sent access_role %v", r)
	}

	// --username sets the handle; a role and --admin map to access_role.
	u, err = c.CreateUser(ctx, userapi.CreateRequest{Username: "hank@example.com", Email: "hank.mail@example.com", Name: "Hank", Roles: []string{"ro"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "hank@example.com" || u.Email != "hank.mail@example.com" || !reflect.DeepEqual(u.Roles, []string{"ro"}) {
		t.Errorf("create with username: %+v", u)
	}
	post = s.requests()[len(s.requests())-1]
	if post.Body["handle"] != "hank@example.com" || post.Body["email"] != "hank.mail@example.com" || post.Body["access_role"] != "ro" {
		t.Errorf("create body %v", post.Body)
	}
	admin := true
	u, err = c.CreateUser(ctx, userapi.CreateRequest{Email: "ivy@example.com", Admin: &admin})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(u.Roles, []string{"adm"}) {
		t.Errorf("create --admin roles %v", u.Roles)
	}
	if b := s.requests()[len(s.requests())-1].Body; b["access_role"] != "adm" {
		t.Errorf("create --admin body %v", b)
	}

	// An existing active handle: 409 from the server.
	_, err = c.CreateUser(ctx, userapi.CreateRequest{Email: "alice@example.com"})
	indWant(t, err, errkind.Conflict, 5, "alice@example.com", "already exists")

	// An existing disabled handle: the server answers 200 with that user.
	// It is an existing user, not a new one: a conflict, and it stays
	// disabled.
	_, err = c.CreateUser(ctx, userapi.CreateRequest{Email: "dave@example.com", Name: "Dave Again"})
	indWant(t, err, errkind.Conflict, 5, "dave@example.com")
	if s.find("dave@example.com").disabled != true {
		t.Error("a create over a disabled user enabled it")
	}

	// An invalid email is exit 2, caught before sending (usage) or
	// rejected by the server (invalid, with the server's own message).
	before := s.count("POST")
	_, err = c.CreateUser(ctx, userapi.CreateRequest{Email: "not-an-email"})
	if s.count("POST") > before {
		indWant(t, err, errkind.Invalid, 2, "Format of 'email' should be email")
	} else {
		indWant(t, err, errkind.Usage, 2, "not-an-email")
	}

	// No email and no username: nothing to use as the handle.
	before = len(s.requests())
	_, err = c.CreateUser(ctx, userapi.CreateRequest{Name: "Nobody"})
	if err == nil || errkind.ExitCode(err) != 2 {
		t.Errorf("create without email: %v (exit %d), want exit 2", err, errkind.ExitCode(err))
	}
	if len(s.requests()) != before {
		t.Errorf("create without email sent a request")
	}
}

func TestIndependentCreateInactive(t *testing.T) {
	s, c := newIndServer(t)
	u, err := c.CreateUser(indCtx(t), userapi.CreateRequest{Email: "jo@example.com", Name: "Jo", Inactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != userapi.StatusDisabled {
		t.Errorf("create --inactive status %q", u.Status)
	}
	if !s.find("jo@example.com").disabled {
		t.Error("create --inactive left the user enabled on the server")
	}
}

// A create whose answer was lost is never blindly re-sent: the client checks
// whether the user exists first.
func TestIndependentCreateNotResent(t *testing.T) {
	s, c := newIndServer(t)
	s.failCreate = true
	u, err := c.CreateUser(indCtx(t), userapi.CreateRequest{Email: "kim@example.com", Name: "Kim"})
	if n := s.count("POST"); n != 1 {
		t.Errorf("POST sent %d times, want once", n)
	}
	if err == nil && u.ID != "kim@example.com" {
		t.Errorf("create after a lost answer returned %+v", u)
	}
	if err != nil && errkind.ExitCode(err) == 0 {
		t.Errorf("error with exit 0: %v", err)
	}
}

func TestIndependentUpdate(t *testing.T) {
	s, c := newIndServer(t)
	ctx := indCtx(t)
	email, name, roles := "alice.new@example.com", "Alice Renamed", []string{"ro"}
	u, err := c.UpdateUser(ctx, "alice@example.com", userapi.UpdateRequest{Email: &email, Name: &name, Roles: &roles})
	if err != nil {
		t.Fatal(err)
	}
	indCheckUser(t, "update", u, indUserJSON("alice@example.com", "alice.new@example.com", "Alice Renamed", "ro", "active", true, indIcon, "ro"))
	put := s.requests()[len(s.requests())-1]
	if put.Method != "PUT" || (put.Path != "/api/v1/user/alice@example.com" && put.Path != "/api/v1/user/alice%40example.com") {
		t.Errorf("update sent %s %s", put.Method, put.Path)
	}
	want := map[string]any{"email": email, "name": name, "access_role": "ro"}
	if !reflect.DeepEqual(put.Body, want) {
		t.Errorf("update body %v, want %v", put.Body, want)
	}

	// Only what changes is sent.
	disabled := userapi.StatusDisabled
	u, err = c.UpdateUser(ctx, "bob@example.com", userapi.UpdateRequest{Status: &disabled})
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != userapi.StatusDisabled {
		t.Errorf("status %q", u.Status)
	}
	if b := s.requests()[len(s.requests())-1].Body; !reflect.DeepEqual(b, map[string]any{"disabled": true}) {
		t.Errorf("update --status disabled body %v", b)
	}
	active := userapi.StatusActive
	if _, err = c.UpdateUser(ctx, "bob@example.com", userapi.UpdateRequest{Status: &active}); err != nil {
		t.Fatal(err)
	}
	if b := s.requests()[len(s.requests())-1].Body; !reflect.DeepEqual(b, map[string]any{"disabled": false}) {
		t.Errorf("update --status active body %v", b)
	}

	// Standard goes out as st and comes back as st in roles.
	st := []string{"st"}
	u, err = c.UpdateUser(ctx, "carol@example.com", userapi.UpdateRequest{Roles: &st})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(u.Roles, []string{"st"}) {
		t.Errorf("roles %v", u.Roles)
	}

	nobody := "x@example.com"
	_, err = c.UpdateUser(ctx, "nobody@example.com", userapi.UpdateRequest{Name: &nobody})
	indWant(t, err, errkind.NotFound, 3, `"nobody@example.com"`, "not found")

	bad := "notanemail"
	before := s.count("PUT")
	_, err = c.UpdateUser(ctx, "bob@example.com", userapi.UpdateRequest{Email: &bad})
	if s.count("PUT") > before {
		indWant(t, err, errkind.Invalid, 2, "Format of 'email' should be email")
	} else {
		indWant(t, err, errkind.Usage, 2, "notanemail")
	}
}

func TestIndependentDisableEnableDelete(t *testing.T) {
	s, c := newIndServer(t)
	ctx := indCtx(t)
	u, err := c.DisableUser(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != userapi.StatusDisabled || !s.find("bob@example.com").disabled {
		t.Errorf("disable: status %q", u.Status)
	}
	u, err = c.EnableUser(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != userapi.StatusActive || s.find("bob@example.com").disabled {
		t.Errorf("enable: status %q", u.Status)
	}
	last := s.requests()[len(s.requests())-1]
	if last.Method != "PUT" || !reflect.DeepEqual(last.Body, map[string]any{"disabled": false}) {
		t.Errorf("enable sent %s %v, want PUT {\"disabled\": false}", last.Method, last.Body)
	}

	res, err := c.DeleteUser(ctx, "bob@example.com", userapi.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "bob@example.com" || res.Action == "" {
		t.Errorf("delete result %+v", res)
	}
	last = s.requests()[len(s.requests())-1]
	if last.Method != "DELETE" || last.Body != nil {
		t.Errorf("delete sent %s with body %v", last.Method, last.Body)
	}
	if !s.find("bob@example.com").disabled {
		t.Error("delete did not disable")
	}

	// A second delete: 400 "User is already disabled".
	_, err = c.DeleteUser(ctx, "bob@example.com", userapi.DeleteOptions{})
	indWant(t, err, errkind.NotFound, 3, "bob@example.com", "already disabled")
	if !errors.Is(err, userapi.ErrAlreadyDeleted) {
		t.Errorf("second delete: %v does not wrap ErrAlreadyDeleted", err)
	}

	_, err = c.DeleteUser(ctx, "nobody@example.com", userapi.DeleteOptions{})
	indWant(t, err, errkind.NotFound, 3, `"nobody@example.com"`, "not found")
	_, err = c.DisableUser(ctx, "nobody@example.com")
	indWant(t, err, errkind.NotFound, 3, `"nobody@example.com"`)
}

func TestIndependentAuthErrors(t *testing.T) {
	s, _ := newIndServer(t)
	// A client with a wrong application key against the same fake API.
	mux := http.NewServeMux()
	mux.Handle(indMount+"/", http.StripPrefix(indMount, s))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := datadog.New(userapi.Profile{Name: "dd", URL: srv.URL + indMount, Secrets: map[string]string{"api_key": indAPIKey, "app_key": "wrong-app-key-value"}},
		userapi.Env{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := indCtx(t)
	_, err = c.GetUser(ctx, "alice@example.com")
	indWant(t, err, errkind.Auth, 4, "Forbidden", `application key of profile "dd"`)
	if strings.Contains(err.Error(), "support@datadoghq.com") {
		t.Errorf("the 403 message shows the page's support email as if it were the cause: %q", err)
	}
	for _, err := range c.ListUsers(ctx, userapi.ListOptions{}) {
		indWant(t, err, errkind.Auth, 4, "Forbidden")
	}
	_, err = c.CreateUser(ctx, userapi.CreateRequest{Email: "x@example.com"})
	indWant(t, err, errkind.Auth, 4, "Forbidden", "administrator")
	if ck, ok := any(c).(userapi.Checker); ok {
		_, err = ck.Check(ctx)
		indWant(t, err, errkind.Auth, 4)
	}
}

func TestIndependentRateLimit(t *testing.T) {
	s, c := newIndServer(t)
	s.rateLimited = 2 // HTML 429s with X-RateLimit-Reset: 0
	u, err := c.CreateUser(indCtx(t), userapi.CreateRequest{Email: "lee@example.com"})
	if err != nil {
		t.Fatalf("create after two 429s: %v", err)
	}
	if u.ID != "lee@example.com" {
		t.Errorf("user %+v", u)
	}
	s.mu.Lock()
	s.rateLimited = 1000
	s.mu.Unlock()
	_, err = c.GetUser(indCtx(t), "alice@example.com")
	indWant(t, err, errkind.RateLimited, 6, "Too Many Requests")
}

func TestIndependentFindCheckRolesRaw(t *testing.T) {
	s, c := newIndServer(t)
	ctx := indCtx(t)
	u, found, err := c.FindUser(ctx, "frank.work@example.org")
	if err != nil || !found || u.ID != "frank@example.com" {
		t.Errorf("find by email: %+v %v %v", u, found, err)
	}
	u, found, err = c.FindUser(ctx, "alice@example.com")
	if err != nil || !found || u.ID != "alice@example.com" {
		t.Errorf("find by handle: %+v %v %v", u, found, err)
	}
	_, found, err = c.FindUser(ctx, "nobody@example.com")
	if err != nil || found {
		t.Errorf("find unknown: %v %v", found, err)
	}

	who, err := c.Check(ctx)
	if err != nil {
		t.Errorf("check: %v", err)
	}
	if strings.Contains(who, indAPIKey) || strings.Contains(who, indAppKey) {
		t.Errorf("check shows a key: %q", who)
	}

	n := len(s.requests())
	roles, err := c.ListRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
	}
	for _, want := range []string{"st", "adm", "ro"} {
		if !slices.Contains(names, want) {
			t.Errorf("roles %v lack %q", names, want)
		}
	}
	if len(s.requests()) != n {
		t.Error("roles sent a request (v1 has no roles endpoint)")
	}

	resp, err := c.Raw(ctx, "GET", "/api/v1/user/alice@example.com", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		User struct {
			Handle string `json:"handle"`
		} `json:"user"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&body) != nil || body.User.Handle != "alice@example.com" {
		t.Errorf("raw get: %d %+v", resp.StatusCode, body)
	}
}

// Every error the client returns is an *errkind.Error or wraps one.
func TestIndependentErrorsAreTyped(t *testing.T) {
	_, c := newIndServer(t)
	_, err := c.GetUser(indCtx(t), "nobody@example.com")
	var ue *errkind.Error
	if !errors.As(err, &ue) || ue.Status != 404 {
		t.Errorf("error %#v, want a *errkind.Error with status 404", err)
	}
}

// A DELETE whose answer was lost is not blindly re-sent: its retry would
// meet "User is already disabled" although it worked.
func TestIndependentDeleteLostAnswer(t *testing.T) {
	s, c := newIndServer(t)
	s.deleteFault = "lost"
	res, err := c.DeleteUser(indCtx(t), "bob@example.com", userapi.DeleteOptions{})
	if err != nil {
		t.Fatalf("delete after a lost answer: %v", err)
	}
	if res.ID != "bob@example.com" || res.Action != "disabled" {
		t.Errorf("result %+v", res)
	}
	if n := s.count("DELETE"); n != 1 {
		t.Errorf("DELETE sent %d times, want once (the user was found disabled)", n)
	}

	// Refused without effect: sent again after checking.
	s.deleteFault = "refused"
	if _, err := c.DeleteUser(indCtx(t), "alice@example.com", userapi.DeleteOptions{}); err != nil {
		t.Fatalf("delete after a 502: %v", err)
	}
	if !s.find("alice@example.com").disabled || s.count("DELETE") != 3 {
		t.Errorf("disabled %v after %d DELETEs", s.find("alice@example.com").disabled, s.count("DELETE"))
	}

	// An empty 2xx answer is a success.
	s.deleteFault = "empty"
	res, err = c.DeleteUser(indCtx(t), "carol@example.com", userapi.DeleteOptions{})
	if err != nil || res.Action != "disabled" {
		t.Errorf("delete answered 204: %+v %v", res, err)
	}
}

func TestIndependentCreateInactiveDisableFails(t *testing.T) {
	s, c := newIndServer(t)
	s.putForbidden = true
	_, err := c.CreateUser(indCtx(t), userapi.CreateRequest{Email: "max@example.com", Inactive: true})
	indWant(t, err, errkind.Auth, 4, "created", "max@example.com", "Forbidden")
	if s.find("max@example.com") == nil {
		t.Fatal("the user was not created")
	}
}

// A profile URL may carry the API's /api/v1: requests still go to
// /api/v1/user. A user name and password in it (for a proxy) are refused,
// and the refusal never shows the password.
func TestIndependentProfileURL(t *testing.T) {
	s, _ := newIndServer(t)
	mux := http.NewServeMux()
	mux.Handle(indMount+"/", http.StripPrefix(indMount, s))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	withUser := strings.Replace(srv.URL, "http://", "http://proxyuser:proxy-pass-secret@", 1) + indMount + "/api/v1/"
	_, err := datadog.New(userapi.Profile{URL: withUser, Secrets: map[string]string{"api_key": indAPIKey, "app_key": indAppKey}}, userapi.Env{Timeout: 5 * time.Second})
	indWant(t, err, errkind.Usage, 2, "user name or password")
	if strings.Contains(err.Error(), "proxy-pass-secret") {
		t.Errorf("refusal shows the proxy password: %q", err)
	}
	base := srv.URL + indMount + "/api/v1/"
	c, err := datadog.New(userapi.Profile{URL: base, Secrets: map[string]string{"api_key": indAPIKey, "app_key": indAppKey}}, userapi.Env{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	who, err := c.Check(indCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(who, "proxy-pass-secret") {
		t.Errorf("check shows the proxy password: %q", who)
	}
	if r := s.requests(); len(r) != 1 || r[0].Path != "/api/v1/user" {
		t.Errorf("requests %+v, want GET /api/v1/user", r)
	}
	s.mu.Lock()
	s.rateLimited = 1000
	s.mu.Unlock()
	_, err = c.GetUser(indCtx(t), "alice@example.com")
	indWant(t, err, errkind.RateLimited, 6)
	if strings.Contains(err.Error(), "proxy-pass-secret") {
		t.Errorf("error shows the proxy password: %q", err)
	}
	_, err = c.Raw(indCtx(t), "GET", "https://elsewhere.example.com/api/v1/user", nil, nil)
	indWant(t, err, errkind.Usage, 2, "refusing")
	if strings.Contains(err.Error(), "proxy-pass-secret") {
		t.Errorf("raw refusal shows the proxy password: %q", err)
	}
}
