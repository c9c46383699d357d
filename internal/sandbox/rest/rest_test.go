package rest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

type restResp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// newRESTServer serves the rest dialect (with the shared middleware) on
// 127.0.0.1.
func newRESTServer(t *testing.T, opts sandbox.Options) (*httptest.Server, *sandbox.Store) {
	t.Helper()
	opts.API = "rest"
	st := sandbox.NewStore()
	h, err := sandbox.NewHandler(opts, st)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, st
}

// restDo sends a request with "Bearer tok" unless auth is given ("-" for
// none).
func restDo(t *testing.T, srv *httptest.Server, method, path, body string, auth ...string) restResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	a := "Bearer tok"
	if len(auth) > 0 {
		a = auth[0]
	}
	if a != "-" {
		req.Header.Set("Authorization", a)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := restResp{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %q", method, path, raw)
		}
	}
	return r
}

func wantRESTError(t *testing.T, r restResp, status int, contains string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	msg, _ := r.body["error"].(string)
	if msg == "" || !strings.Contains(msg, contains) {
		t.Fatalf("error = %q, want one containing %q (body %s)", msg, contains, r.raw)
	}
	if len(r.body) != 1 {
		t.Fatalf("error body has other keys than error: %s", r.raw)
	}
}

func TestRESTRegistration(t *testing.T) {
	d, ok := sandbox.LookupDialect("rest")
	if !ok || d.BasePath != "/v1" || d.New == nil || d.Seed == nil || d.ErrorBody == nil || d.Demo == nil {
		t.Fatalf("registration incomplete: %+v", d)
	}
	ct, body := d.ErrorBody(429, "slow down")
	if ct != "application/json" || strings.TrimSpace(string(body)) != `{"error":"slow down"}` {
		t.Fatalf("ErrorBody = %q %s", ct, body)
	}
}

func TestRESTAuth(t *testing.T) {
	srv, _ := newRESTServer(t, sandbox.Options{})
	for _, auth := range []string{"-", "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "tok"} {
		r := restDo(t, srv, "GET", "/v1/users", "", auth)
		wantRESTError(t, r, 401, "authentication required")
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("auth %q: WWW-Authenticate = %q", auth, r.header.Get("WWW-Authenticate"))
		}
	}
	if r := restDo(t, srv, "GET", "/v1/users", "", "bearer anything"); r.status != 200 {
		t.Fatalf("any token should do without opts.Token: %d %s", r.status, r.raw)
	}

	srv, _ = newRESTServer(t, sandbox.Options{Token: "s3cret"})
	wantRESTError(t, restDo(t, srv, "GET", "/v1/users", "", "Bearer other"), 401, "invalid token")
	wantRESTError(t, restDo(t, srv, "GET", "/v1/users", "", "-"), 401, "authentication required")
	if r := restDo(t, srv, "GET", "/v1/users", "", "Bearer s3cret"); r.status != 200 {
		t.Fatalf("right token: %d %s", r.status, r.raw)
	}
}

func TestRESTLifecycle(t *testing.T) {
	srv, _ := newRESTServer(t, sandbox.Options{})
	start := time.Now().UTC().Add(-time.Second)
	r := restDo(t, srv, "POST", "/v1/users", `{"email":"jane@example.com","name":"Jane Doe","password":"correct horse","username":"jdoe"}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	id, _ := r.body["id"].(string)
	if !strings.HasPrefix(id, "usr_") || len(id) < 10 {
		t.Fatalf("id %q: want usr_ and 6+ digits", id)
	}
	if r.body["email"] != "jane@example.com" || r.body["name"] != "Jane Doe" || r.body["username"] != "jdoe" ||
		r.body["role"] != "user" || r.body["status"] != "active" {
		t.Fatalf("created user: %s", r.raw)
	}
	if strings.Contains(r.raw, "password") || strings.Contains(r.raw, "correct horse") {
		t.Fatalf("password echoed: %s", r.raw)
	}
	if r.header.Get("Location") != "/v1/users/"+id {
		t.Errorf("Location = %q", r.header.Get("Location"))
	}
	for _, k := range []string{"created_at", "updated_at"} {
		s, _ := r.body[k].(string)
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil || !strings.HasSuffix(s, "Z") || ts.Before(start.Truncate(time.Second)) {
			t.Fatalf("%s = %q: want RFC 3339 UTC now", k, s)
		}
	}

	g := restDo(t, srv, "GET", "/v1/users/"+id, "")
	if g.status != 200 || g.body["id"] != id || g.body["email"] != "jane@example.com" {
		t.Fatalf("get: %d %s", g.status, g.raw)
	}

	u := restDo(t, srv, "PUT", "/v1/users/"+id, `{"name":"Jane Roe","role":"admin","status":"disabled","password":"new password"}`)
	if u.status != 200 || u.body["name"] != "Jane Roe" || u.body["role"] != "admin" || u.body["status"] != "disabled" ||
		u.body["email"] != "jane@example.com" {
		t.Fatalf("update: %d %s", u.status, u.raw)
	}
	if strings.Contains(u.raw, "password") {
		t.Fatalf("password echoed by update: %s", u.raw)
	}
	u = restDo(t, srv, "PUT", "/v1/users/"+id, `{"status":"active","email":"jane.roe@example.com"}`)
	if u.status != 200 || u.body["status"] != "active" || u.body["email"] != "jane.roe@example.com" {
		t.Fatalf("enable: %d %s", u.status, u.raw)
	}

	d := restDo(t, srv, "DELETE", "/v1/users/"+id, "")
	if d.status != 204 || d.raw != "" {
		t.Fatalf("delete: %d %q", d.status, d.raw)
	}
	wantRESTError(t, restDo(t, srv, "DELETE", "/v1/users/"+id, ""), 404, "not found")
	wantRESTError(t, restDo(t, srv, "GET", "/v1/users/"+id, ""), 404, "not found")
	wantRESTError(t, restDo(t, srv, "PUT", "/v1/users/"+id, `{"name":"x"}`), 404, "not found")
	// A deleted user's email is free again.
	if r := restDo(t, srv, "POST", "/v1/users", `{"email":"jane.roe@example.com","name":"Again","password":"12345678"}`); r.status != 201 || r.body["id"] == id {
		t.Fatalf("re-create after delete: %d %s", r.status, r.raw)
	}
}

func TestRESTCreateErrors(t *testing.T) {
	srv, _ := newRESTServer(t, sandbox.Options{})
	cases := []struct{ body, msg string }{
		{`{"name":"A","password":"12345678"}`, "email is required"},
		{`{"email":"","name":"A","password":"12345678"}`, "email is required"},
		{`{"email":"a@example.com","password":"12345678"}`, "name is required"},
		{`{"email":"a@example.com","name":"A"}`, "password is required"},
		{`{"email":"a@example.com","name":"A","password":"1234567"}`, "at least 8 characters"},
		{`{"email":"not-an-email","name":"A","password":"12345678"}`, "not a valid email"},
		{`{"email":"a@example.com","name":"A","password":"12345678","status":"gone"}`, "active or disabled"},
		{`{"email":"a@example.com","name":"A","password":"12345678","role":""}`, "role must not be empty"},
		{`{"email":`, "malformed JSON"},
		{`[1,2]`, "malformed JSON"},
		{`{"email":5,"name":"A","password":"12345678"}`, "malformed JSON"},
		{`{"email":"a@example.com","name":"A","password":"12345678"} {}`, "malformed JSON"},
		{``, "malformed JSON"},
	}
	for _, c := range cases {
		wantRESTError(t, restDo(t, srv, "POST", "/v1/users", c.body), 400, c.msg)
	}
	// Eight characters, counted as characters, not bytes.
	r := restDo(t, srv, "POST", "/v1/users", `{"email":"a@example.com","name":"A","password":"éééééééé","role":"admin","status":"disabled"}`)
	if r.status != 201 || r.body["role"] != "admin" || r.body["status"] != "disabled" {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	wantRESTError(t, restDo(t, srv, "POST", "/v1/users", `{"email":"A@Example.com","name":"B","password":"12345678"}`),
		409, "a user with email A@Example.com already exists")
	restDo(t, srv, "POST", "/v1/users", `{"email":"b@example.com","name":"B","password":"12345678","username":"bee"}`)
	wantRESTError(t, restDo(t, srv, "POST", "/v1/users", `{"email":"c@example.com","name":"C","password":"12345678","username":"BEE"}`),
		409, "username")
}

func TestRESTUpdateErrors(t *testing.T) {
	srv, _ := newRESTServer(t, sandbox.Options{})
	a := restDo(t, srv, "POST", "/v1/users", `{"email":"a@example.com","name":"A","password":"12345678"}`)
	restDo(t, srv, "POST", "/v1/users", `{"email":"b@example.com","name":"B","password":"12345678"}`)
	path := "/v1/users/" + a.body["id"].(string)
	wantRESTError(t, restDo(t, srv, "PUT", path, `{"status":"deleted"}`), 400, "active or disabled")
	wantRESTError(t, restDo(t, srv, "PUT", path, `{"password":"short"}`), 400, "at least 8")
	wantRESTError(t, restDo(t, srv, "PUT", path, `{"email":"nope"}`), 400, "not a valid email")
	wantRESTError(t, restDo(t, srv, "PUT", path, `{"name":""}`), 400, "name must not be empty")
	wantRESTError(t, restDo(t, srv, "PUT", path, `{"name":`), 400, "malformed JSON")
	wantRESTError(t, restDo(t, srv, "PUT", path, `{"email":"B@example.com"}`), 409, "a user with email B@example.com already exists")
	if r := restDo(t, srv, "PUT", path, `{}`); r.status != 200 || r.body["email"] != "a@example.com" {
		t.Fatalf("empty update: %d %s", r.status, r.raw)
	}
}

func TestRESTRoutes(t *testing.T) {
	srv, _ := newRESTServer(t, sandbox.Options{})
	wantRESTError(t, restDo(t, srv, "GET", "/v1/nothing", ""), 404, "no such resource")
	wantRESTError(t, restDo(t, srv, "GET", "/users", ""), 404, "no such resource")
	wantRESTError(t, restDo(t, srv, "GET", "/v1/users/a/b", ""), 404, "no such resource")
	r := restDo(t, srv, "PATCH", "/v1/users/usr_000001", `{}`)
	wantRESTError(t, r, 405, "PATCH")
	if r.header.Get("Allow") != "GET, PUT, DELETE" {
		t.Errorf("Allow = %q", r.header.Get("Allow"))
	}
	r = restDo(t, srv, "DELETE", "/v1/users", "")
	wantRESTError(t, r, 405, "DELETE")
	if r.header.Get("Allow") != "GET, POST" {
		t.Errorf("Allow = %q", r.header.Get("Allow"))
	}
}

func TestRESTListPaging(t *testing.T) {
	srv, st := newRESTServer(t, sandbox.Options{Seed: 250})
	if st.Len() != 250 {
		t.Fatalf("seeded %d", st.Len())
	}
	r := restDo(t, srv, "GET", "/v1/users", "")
	data, _ := r.body["data"].([]any)
	if r.status != 200 || len(data) != 100 || r.body["page"] != 1.0 || r.body["per_page"] != 100.0 ||
		r.body["total"] != 250.0 || r.body["next_page"] != 2.0 {
		t.Fatalf("first page: %d page=%v per_page=%v total=%v next=%v len=%d", r.status, r.body["page"],
			r.body["per_page"], r.body["total"], r.body["next_page"], len(data))
	}
	first := data[0].(map[string]any)
	if first["id"] != "usr_000001" || first["email"] != "user1@example.com" || first["role"] != "user" {
		t.Fatalf("first seeded user: %v", first)
	}
	r = restDo(t, srv, "GET", "/v1/users?page=3&per_page=100", "")
	if data, _ := r.body["data"].([]any); len(data) != 50 || r.body["next_page"] != nil {
		t.Fatalf("last page: %d users, next %v", len(data), r.body["next_page"])
	}
	r = restDo(t, srv, "GET", "/v1/users?page=9", "")
	if data, _ := r.body["data"].([]any); data == nil || len(data) != 0 || r.body["next_page"] != nil || r.body["total"] != 250.0 {
		t.Fatalf("page past the end: %s", r.raw)
	}
	r = restDo(t, srv, "GET", "/v1/users?per_page=5000", "")
	if data, _ := r.body["data"].([]any); len(data) != 250 || r.body["per_page"] != 1000.0 {
		t.Fatalf("per_page above max: %d users, per_page %v", len(data), r.body["per_page"])
	}
	for _, q := range []string{"page=0", "page=x", "per_page=0", "per_page=-3"} {
		wantRESTError(t, restDo(t, srv, "GET", "/v1/users?"+q, ""), 400, "positive integer")
	}
	// 249 users after a delete: one page of 249 holds them all.
	restDo(t, srv, "DELETE", "/v1/users/usr_000007", "")
	r = restDo(t, srv, "GET", "/v1/users?page=2&per_page=249", "")
	if data, _ := r.body["data"].([]any); len(data) != 0 || r.body["next_page"] != nil {
		t.Fatalf("after a delete: %s", r.raw)
	}
	r = restDo(t, srv, "GET", "/v1/users?page=1&per_page=249", "")
	if data, _ := r.body["data"].([]any); len(data) != 249 || r.body["next_page"] != nil {
		t.Fatalf("after a delete: %d users, next %v", len(data), r.body["next_page"])
	}
}

func TestRESTListEmailFilter(t *testing.T) {
	srv, _ := newRESTServer(t, sandbox.Options{Seed: 20})
	r := restDo(t, srv, "GET", "/v1/users?email=USER7@example.com", "")
	data, _ := r.body["data"].([]any)
	if r.status != 200 || len(data) != 1 || data[0].(map[string]any)["id"] != "usr_000007" || r.body["total"] != 1.0 {
		t.Fatalf("email filter: %s", r.raw)
	}
	r = restDo(t, srv, "GET", "/v1/users?email=user7", "")
	if data, _ := r.body["data"].([]any); data == nil || len(data) != 0 || r.body["total"] != 0.0 {
		t.Fatalf("no match must be an empty list: %s", r.raw)
	}
}
