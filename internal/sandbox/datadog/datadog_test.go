package datadog

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

type ddResp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func newDDServer(t *testing.T, opts sandbox.Options) (*httptest.Server, *sandbox.Store) {
	t.Helper()
	d, ok := sandbox.LookupDialect("datadog")
	if !ok {
		t.Fatal("datadog dialect not registered")
	}
	st := sandbox.NewStore()
	srv := httptest.NewServer(d.New(st, opts))
	t.Cleanup(srv.Close)
	return srv, st
}

func ddDo(t *testing.T, srv *httptest.Server, method, path, body string, keys ...string) ddResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if keys == nil {
		keys = []string{"api", "app"}
	}
	if len(keys) > 0 && keys[0] != "" {
		req.Header.Set("DD-API-KEY", keys[0])
	}
	if len(keys) > 1 && keys[1] != "" {
		req.Header.Set("DD-APPLICATION-KEY", keys[1])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := ddResp{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %q", method, path, raw)
	}
	return r
}

func (r ddResp) user(t *testing.T) map[string]any {
	t.Helper()
	u, ok := r.body["user"].(map[string]any)
	if !ok {
		t.Fatalf("no user in %s", r.raw)
	}
	return u
}

func wantDDError(t *testing.T, r ddResp, status int, msg string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	errs, _ := r.body["errors"].([]any)
	if len(errs) != 1 || errs[0] != msg {
		t.Fatalf("errors = %v, want [%q]", r.body["errors"], msg)
	}
}

func TestDatadogRegistration(t *testing.T) {
	d, ok := sandbox.LookupDialect("datadog")
	if !ok || d.BasePath != "" || d.New == nil || d.Seed == nil || d.ErrorBody == nil {
		t.Fatalf("registration incomplete: %+v", d)
	}
	ct, body := d.ErrorBody(429, "Too many requests")
	if ct != "application/json" || string(body) != `{"errors":["Too many requests"]}` {
		t.Fatalf("ErrorBody = %q %s", ct, body)
	}
}

func TestDatadogAuth(t *testing.T) {
	srv, _ := newDDServer(t, sandbox.Options{APIKey: "k1", AppKey: "a1"})
	wantDDError(t, ddDo(t, srv, "GET", "/api/v1/user", "", ""), 403, "API key required")
	wantDDError(t, ddDo(t, srv, "GET", "/api/v1/user", "", "k1"), 403, "Forbidden")
	wantDDError(t, ddDo(t, srv, "GET", "/api/v1/user", "", "k1", "wrong"), 403, "Forbidden")
	wantDDError(t, ddDo(t, srv, "GET", "/api/v1/user", "", "wrong", "a1"), 403, "Forbidden")
	if r := ddDo(t, srv, "GET", "/api/v1/user", "", "k1", "a1"); r.status != 200 {
		t.Fatalf("right keys: %d %s", r.status, r.raw)
	}
	open, _ := newDDServer(t, sandbox.Options{})
	if r := ddDo(t, open, "GET", "/api/v1/user", "", "any", "thing"); r.status != 200 {
		t.Fatalf("any keys on an open sandbox: %d %s", r.status, r.raw)
	}
}

func TestDatadogLifecycle(t *testing.T) {
	srv, _ := newDDServer(t, sandbox.Options{})
	const h = "jane@example.com"

	r := ddDo(t, srv, "POST", "/api/v1/user", `{"handle":"jane@example.com","email":"jane@example.com","name":"Jane","access_role":"st"}`)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	u := r.user(t)
	if u["handle"] != h || u["email"] != h || u["name"] != "Jane" || u["disabled"] != false || u["verified"] != false || u["is_admin"] != false {
		t.Fatalf("created user: %s", r.raw)
	}
	if v, ok := u["access_role"]; !ok || v != nil {
		t.Fatalf("access_role of a standard user = %v (present %v), want null", v, ok)
	}
	if icon, _ := u["icon"].(string); !strings.HasPrefix(icon, "https://secure.gravatar.com/avatar/") {
		t.Fatalf("icon = %q", icon)
	}
	if r.header.Get("X-RateLimit-Name") != "create_user_api" || r.header.Get("X-RateLimit-Limit") != "100" ||
		r.header.Get("X-RateLimit-Period") != "60" || r.header.Get("X-RateLimit-Remaining") != "99" || r.header.Get("X-RateLimit-Reset") == "" {
		t.Fatalf("create rate-limit headers: %v", r.header)
	}

	for _, p := range []string{"/api/v1/user/jane@example.com", "/api/v1/user/jane%40example.com", "/api/v1/user/JANE@example.com"} {
		if g := ddDo(t, srv, "GET", p, ""); g.status != 200 || g.user(t)["handle"] != h {
			t.Fatalf("GET %s: %d %s", p, g.status, g.raw)
		}
	}
	wantDDError(t, ddDo(t, srv, "POST", "/api/v1/user", `{"handle":"jane@example.com","email":"jane@example.com"}`), 409, "User with this handle already exists")

	r = ddDo(t, srv, "GET", "/api/v1/user", "")
	users, _ := r.body["users"].([]any)
	if r.status != 200 || len(users) != 1 {
		t.Fatalf("list: %d %s", r.status, r.raw)
	}
	if r.header.Get("X-RateLimit-Name") != "user_api" {
		t.Fatalf("list rate-limit name %q", r.header.Get("X-RateLimit-Name"))
	}

	r = ddDo(t, srv, "PUT", "/api/v1/user/jane%40example.com", `{"name":"Jane D","access_role":"adm"}`)
	if u := r.user(t); r.status != 200 || u["name"] != "Jane D" || u["access_role"] != "adm" || u["is_admin"] != true {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	wantDDError(t, ddDo(t, srv, "PUT", "/api/v1/user/"+h, `{"email":"notanemail"}`), 400, "Format of 'email' should be email")
	wantDDError(t, ddDo(t, srv, "PUT", "/api/v1/user/"+h, `{"access_role":"boss"}`), 400, ddBadRole)
	wantDDError(t, ddDo(t, srv, "PUT", "/api/v1/user/notahandle", `{"name":"x"}`), 404, "user not found")

	r = ddDo(t, srv, "DELETE", "/api/v1/user/jane%40example.com", "")
	if r.status != 200 || r.body["message"] != "User jane@example.com disabled" {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	if g := ddDo(t, srv, "GET", "/api/v1/user/"+h, ""); g.user(t)["disabled"] != true {
		t.Fatalf("after delete: %s", g.raw)
	}
	wantDDError(t, ddDo(t, srv, "DELETE", "/api/v1/user/"+h, ""), 400, "User is already disabled")
	wantDDError(t, ddDo(t, srv, "DELETE", "/api/v1/user/notahandle", ""), 404, "user not found")
	wantDDError(t, ddDo(t, srv, "GET", "/api/v1/user/notahandle", ""), 404, "user not found")

	// A create with the handle of a disabled user answers 200 with that user.
	r = ddDo(t, srv, "POST", "/api/v1/user", `{"handle":"jane@example.com","email":"jane@example.com","name":"Other"}`)
	if u := r.user(t); r.status != 200 || u["disabled"] != true || u["name"] != "Jane D" {
		t.Fatalf("create over a disabled user: %d %s", r.status, r.raw)
	}

	r = ddDo(t, srv, "PUT", "/api/v1/user/"+h, `{"disabled":false}`)
	if u := r.user(t); r.status != 200 || u["disabled"] != false {
		t.Fatalf("enable: %d %s", r.status, r.raw)
	}
}

func TestDatadogCreateErrors(t *testing.T) {
	srv, _ := newDDServer(t, sandbox.Options{})
	wantDDError(t, ddDo(t, srv, "POST", "/api/v1/user", `{}`), 400, "Required parameter 'handle' is missing")
	wantDDError(t, ddDo(t, srv, "POST", "/api/v1/user", `{"handle":"a@example.com","email":"nope"}`), 400, "Format of 'email' should be email")
	wantDDError(t, ddDo(t, srv, "POST", "/api/v1/user", `{"handle":"nope"}`), 400, "Format of 'handle' should be email")
	wantDDError(t, ddDo(t, srv, "POST", "/api/v1/user", `{"handle":"a@example.com","access_role":"ERROR"}`), 400, ddBadRole)
	wantDDError(t, ddDo(t, srv, "POST", "/api/v1/user", `{"handle":`), 400, "Invalid JSON body")
	// null is the standard role, as the 2023 recordings show.
	r := ddDo(t, srv, "POST", "/api/v1/user", `{"handle":"b@example.com","access_role":null}`)
	if u := r.user(t); r.status != 200 || u["access_role"] != nil || u["email"] != "b@example.com" {
		t.Fatalf("create with null role: %d %s", r.status, r.raw)
	}
	r = ddDo(t, srv, "POST", "/api/v1/user", `{"handle":"c@example.com","access_role":"ro"}`)
	if u := r.user(t); r.status != 200 || u["access_role"] != "ro" {
		t.Fatalf("create read-only: %d %s", r.status, r.raw)
	}
}

func TestDatadogRoutes(t *testing.T) {
	srv, _ := newDDServer(t, sandbox.Options{})
	r := ddDo(t, srv, "PATCH", "/api/v1/user/a@example.com", `{}`)
	wantDDError(t, r, 405, "Method Not Allowed")
	if r.header.Get("X-RateLimit-Limit") == "" {
		t.Errorf("error response without rate-limit headers: %v", r.header)
	}
	wantDDError(t, ddDo(t, srv, "GET", "/api/v2/users", ""), 404, "Not found")
	wantDDError(t, ddDo(t, srv, "GET", "/api/v1/user/a/b", ""), 404, "Not found")
}

func TestDatadogRateLimitHeadersCount(t *testing.T) {
	srv, _ := newDDServer(t, sandbox.Options{})
	for i, want := range []string{"99", "98", "97"} {
		r := ddDo(t, srv, "GET", "/api/v1/user", "")
		if got := r.header.Get("X-RateLimit-Remaining"); got != want {
			t.Fatalf("request %d: remaining %q, want %q", i, got, want)
		}
	}
}

func TestDatadogSeed(t *testing.T) {
	srv, st := newDDServer(t, sandbox.Options{})
	d, _ := sandbox.LookupDialect("datadog")
	d.Seed(st, 30)
	if st.Len() != 30 {
		t.Fatalf("seeded %d users", st.Len())
	}
	d.Seed(st, 5)
	if st.Len() != 35 {
		t.Fatalf("second seed: %d users", st.Len())
	}
	r := ddDo(t, srv, "GET", "/api/v1/user", "")
	users, _ := r.body["users"].([]any)
	if len(users) != 35 {
		t.Fatalf("list of a seeded store: %d users", len(users))
	}
	first := users[0].(map[string]any)
	if first["handle"] != "user1@example.com" || first["name"] != "User 1" {
		t.Fatalf("first seeded user: %v", first)
	}
	if last := users[34].(map[string]any); last["handle"] != "user35@example.com" {
		t.Fatalf("last seeded user: %v", last)
	}
	var disabled, pending, admins int
	for _, u := range users {
		m := u.(map[string]any)
		if m["disabled"] == true {
			disabled++
		}
		if m["verified"] == false {
			pending++
		}
		if m["access_role"] == "adm" {
			admins++
		}
	}
	if disabled == 0 || pending == 0 || admins == 0 {
		t.Fatalf("seed lacks variety: %d disabled, %d unverified, %d admins", disabled, pending, admins)
	}
	if g := ddDo(t, srv, "GET", "/api/v1/user/user13%40example.com", ""); g.user(t)["disabled"] != true {
		t.Fatalf("user13 should be disabled: %s", g.raw)
	}
}

func TestDatadogListStreamsLargeStore(t *testing.T) {
	srv, st := newDDServer(t, sandbox.Options{})
	d, _ := sandbox.LookupDialect("datadog")
	d.Seed(st, 2500)
	r := ddDo(t, srv, "GET", "/api/v1/user", "")
	if users, _ := r.body["users"].([]any); len(users) != 2500 {
		t.Fatalf("list: %d users", len(users))
	}
}

// A handle is one path segment: an escaped "/" belongs to it, "@" may come
// raw or as %40, and a raw "/" or a trailing slash is another path.
func TestDatadogHandleSegment(t *testing.T) {
	srv, _ := newDDServer(t, sandbox.Options{})
	r := ddDo(t, srv, "POST", "/api/v1/user", `{"handle":"a/b@example.com","name":"Slash"}`)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	for _, p := range []string{"/api/v1/user/a%2Fb@example.com", "/api/v1/user/a%2Fb%40example.com"} {
		if r := ddDo(t, srv, "GET", p, ""); r.status != 200 || r.user(t)["handle"] != "a/b@example.com" {
			t.Errorf("GET %s: %d %s", p, r.status, r.raw)
		}
	}
	for _, p := range []string{"/api/v1/user/a/b@example.com", "/api/v1/user/"} {
		if r := ddDo(t, srv, "GET", p, ""); r.status != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
}
