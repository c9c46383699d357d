package basic

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

type basicResp struct {
	status int
	header http.Header
	raw    string
}

// text decodes a JSON-string error body.
func (r basicResp) text(t *testing.T) string {
	t.Helper()
	var s string
	if err := json.Unmarshal([]byte(r.raw), &s); err != nil {
		t.Fatalf("error body %q is not a JSON string: %v", r.raw, err)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type = %q", ct)
	}
	return s
}

func newBasicServer(t *testing.T, opts sandbox.Options) (*httptest.Server, *sandbox.Store) {
	t.Helper()
	d, ok := sandbox.LookupDialect("basic")
	if !ok {
		t.Fatal("basic dialect not registered")
	}
	if d.BasePath != "" {
		t.Errorf("BasePath = %q, want empty", d.BasePath)
	}
	st := sandbox.NewStore()
	srv := httptest.NewServer(d.New(st, opts))
	t.Cleanup(srv.Close)
	return srv, st
}

// basicDo sends a request with Basic credentials user:pass (none when user
// is "-").
func basicDo(t *testing.T, srv *httptest.Server, method, path, body, user, pass string) basicResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if user != "-" {
		req.SetBasicAuth(user, pass)
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
	return basicResp{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
}

// as is basicDo with the test's usual credentials.
func as(t *testing.T, srv *httptest.Server, method, path, body string) basicResp {
	t.Helper()
	return basicDo(t, srv, method, path, body, "root", "root-password")
}

func TestBasicAuth(t *testing.T) {
	srv, _ := newBasicServer(t, sandbox.Options{API: "basic"})
	for _, tc := range []struct {
		name, user, pass string
		want             int
	}{
		{"none", "-", "", 401},
		{"empty password", "root", "", 401},
		{"empty user", "", "x", 401},
		{"any pair", "someone", "anything", 200},
	} {
		r := basicDo(t, srv, "GET", "/api/v1/users", "", tc.user, tc.pass)
		if r.status != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, r.status, tc.want)
		}
		if r.status == 401 {
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s: WWW-Authenticate = %q", tc.name, r.header.Get("WWW-Authenticate"))
			}
			if got := r.text(t); got != "Unauthorized" {
				t.Errorf("%s: body %q", tc.name, got)
			}
		}
	}
	// A malformed header.
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/users/x", nil)
	req.Header.Set("Authorization", "Basic !!!not-base64")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("malformed header: status %d", resp.StatusCode)
	}

	strict, _ := newBasicServer(t, sandbox.Options{API: "basic", Username: "admin", Password: "s3cret-pass"})
	for _, tc := range []struct {
		user, pass string
		want       int
	}{{"admin", "s3cret-pass", 200}, {"admin", "other", 401}, {"other", "s3cret-pass", 401}, {"-", "", 401}} {
		for _, path := range []string{"/api/v1/users", "/api/v1/users/nobody"} {
			r := basicDo(t, strict, "GET", path, "", tc.user, tc.pass)
			want := tc.want
			if want == 200 && path != "/api/v1/users" {
				want = 404 // authenticated; the user does not exist
			}
			if r.status != want {
				t.Errorf("%s:%s GET %s: status %d, want %d", tc.user, tc.pass, path, r.status, want)
			}
		}
	}
	// Every verb checks credentials, before anything else.
	for _, m := range []string{"PUT", "PATCH", "DELETE"} {
		if r := basicDo(t, strict, m, "/api/v1/users/x", `{"value":{"password":"long-enough"}}`, "admin", "nope"); r.status != 401 {
			t.Errorf("%s with bad credentials: %d", m, r.status)
		}
	}
}

func TestBasicCreateGetList(t *testing.T) {
	srv, st := newBasicServer(t, sandbox.Options{API: "basic"})
	r := as(t, srv, "PUT", "/api/v1/users/alice", `{"value": {"password": "long-enough"}}`)
	if r.status != 201 || strings.TrimSpace(r.raw) != `{"value":{"username":"alice","admin":true}}` {
		t.Fatalf("create first = %d %s", r.status, r.raw)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	r = as(t, srv, "PUT", "/api/v1/users/bob", `{"value": {"password": "long-enough"}}`)
	if r.status != 201 || strings.TrimSpace(r.raw) != `{"value":{"username":"bob","admin":false}}` {
		t.Fatalf("create second = %d %s", r.status, r.raw)
	}
	rec, ok := st.Find("alice")
	if !ok || rec.PasswordHash != sandbox.HashPassword("long-enough") || rec.Status != "active" {
		t.Errorf("stored %+v", rec)
	}

	r = as(t, srv, "GET", "/api/v1/users/bob", "")
	if r.status != 200 || strings.TrimSpace(r.raw) != `{"username":"bob","admin":false}` {
		t.Errorf("get = %d %s", r.status, r.raw)
	}
	r = as(t, srv, "GET", "/api/v1/users/BOB", "")
	if r.status != 200 {
		t.Errorf("get is case-insensitive: %d", r.status)
	}
	r = as(t, srv, "GET", "/api/v1/users", "")
	if r.status != 200 || strings.TrimSpace(r.raw) != `{"value":[{"username":"alice","admin":true},{"username":"bob","admin":false}]}` {
		t.Errorf("list = %d %s", r.status, r.raw)
	}

	for _, name := range []string{"alice", "ALICE"} {
		r = as(t, srv, "PUT", "/api/v1/users/"+name, `{"value": {"password": "other-password"}}`)
		if r.status != 409 || r.text(t) != "Username already existed" {
			t.Errorf("duplicate %s = %d %s", name, r.status, r.raw)
		}
	}
	if rec, _ := st.Find("alice"); rec.PasswordHash != sandbox.HashPassword("long-enough") {
		t.Error("a duplicate create changed the password")
	}

	r = as(t, srv, "GET", "/api/v1/users/nobody", "")
	if r.status != 404 || r.text(t) != "User not found" {
		t.Errorf("get unknown = %d %s", r.status, r.raw)
	}
	for _, p := range []string{"/api/v1/users/", "/api/v1/users/a/b", "/api/v1/user", "/"} {
		if r := as(t, srv, "GET", p, ""); r.status != 404 {
			t.Errorf("GET %s = %d, want 404", p, r.status)
		}
	}
	if r := as(t, srv, "POST", "/api/v1/users", `{}`); r.status != 405 || r.header.Get("Allow") != "GET" {
		t.Errorf("POST list = %d, Allow %q", r.status, r.header.Get("Allow"))
	}
	if r := as(t, srv, "POST", "/api/v1/users/x", `{}`); r.status != 405 {
		t.Errorf("POST user = %d", r.status)
	}
}

func TestBasicEscapedUsername(t *testing.T) {
	srv, _ := newBasicServer(t, sandbox.Options{API: "basic"})
	r := as(t, srv, "PUT", "/api/v1/users/a%2Fb%20c", `{"value": {"password": "long-enough"}}`)
	if r.status != 201 || !strings.Contains(r.raw, `"username":"a/b c"`) {
		t.Fatalf("create = %d %s", r.status, r.raw)
	}
	if r := as(t, srv, "GET", "/api/v1/users/a%2Fb%20c", ""); r.status != 200 {
		t.Errorf("get = %d %s", r.status, r.raw)
	}
}

const (
	wantRequired = "Key: 'UserPasswordRequest.Value.Password' Error:Field validation for 'Password' failed on the 'required' tag"
	wantMin      = "Key: 'UserPasswordRequest.Value.Password' Error:Field validation for 'Password' failed on the 'min' tag"
	wantCurrent  = "Key: 'UserPasswordRequest.Value.CurrentPassword' Error:Field validation for 'CurrentPassword' failed on the 'required' tag"
)

func TestBasicValidation(t *testing.T) {
	srv, st := newBasicServer(t, sandbox.Options{API: "basic"})
	for _, tc := range []struct {
		body, want string
	}{
		{`{"password": "long-enough"}`, wantRequired}, // no wrapper
		{``, wantRequired},
		{`{"value": null}`, wantRequired},
		{`{"value": {}}`, wantRequired},
		{`{"value": {"password": ""}}`, wantRequired},
		{`{"value": {"password": "1234567"}}`, wantMin},
		{`{"value": {"password": "ééééééé"}}`, wantMin}, // 7 characters
	} {
		r := as(t, srv, "PUT", "/api/v1/users/carol", tc.body)
		if r.status != 400 || r.text(t) != tc.want {
			t.Errorf("create %s = %d %s, want 400 %q", tc.body, r.status, r.raw, tc.want)
		}
	}
	if r := as(t, srv, "PUT", "/api/v1/users/carol", `{"value": `); r.status != 400 {
		t.Errorf("malformed JSON = %d", r.status)
	}
	if st.Len() != 0 {
		t.Errorf("invalid creates stored %d users", st.Len())
	}
	if r := as(t, srv, "PUT", "/api/v1/users/carol", `{"value": {"password": "éééééééé"}}`); r.status != 201 {
		t.Errorf("8-character password = %d %s", r.status, r.raw)
	}
	// PATCH: several errors, one per line.
	r := as(t, srv, "PATCH", "/api/v1/users/carol", `{"password": "x"}`)
	if r.status != 400 || r.text(t) != wantRequired+"\n"+wantCurrent {
		t.Errorf("patch without wrapper = %d %q", r.status, r.raw)
	}
	r = as(t, srv, "PATCH", "/api/v1/users/carol", `{"value": {"current_password": "éééééééé", "password": "short"}}`)
	if r.status != 400 || r.text(t) != wantMin {
		t.Errorf("patch short = %d %q", r.status, r.raw)
	}
}

func TestBasicChangePassword(t *testing.T) {
	srv, st := newBasicServer(t, sandbox.Options{API: "basic"})
	as(t, srv, "PUT", "/api/v1/users/dave", `{"value": {"password": "first-password"}}`)
	r := as(t, srv, "PATCH", "/api/v1/users/dave", `{"value": {"current_password": "wrong-password", "password": "second-password"}}`)
	if r.status != 403 || r.text(t) != "Current password does not match" {
		t.Errorf("wrong current = %d %s", r.status, r.raw)
	}
	r = as(t, srv, "PATCH", "/api/v1/users/dave", `{"value": {"current_password": "first-password", "password": "second-password"}}`)
	if r.status != 200 || strings.TrimSpace(r.raw) != `{"value":{"username":"dave","admin":true}}` {
		t.Errorf("change = %d %s", r.status, r.raw)
	}
	if rec, _ := st.Find("dave"); rec.PasswordHash != sandbox.HashPassword("second-password") {
		t.Error("password not changed")
	}
	r = as(t, srv, "PATCH", "/api/v1/users/dave", `{"value": {"current_password": "first-password", "password": "third-password"}}`)
	if r.status != 403 {
		t.Errorf("old password still accepted: %d", r.status)
	}
	r = as(t, srv, "PATCH", "/api/v1/users/nobody", `{"value": {"current_password": "x", "password": "third-password"}}`)
	if r.status != 404 || r.text(t) != "User not found" {
		t.Errorf("patch unknown = %d %s", r.status, r.raw)
	}
}

func TestBasicDelete(t *testing.T) {
	srv, st := newBasicServer(t, sandbox.Options{API: "basic"})
	as(t, srv, "PUT", "/api/v1/users/erin", `{"value": {"password": "long-enough"}}`)
	r := as(t, srv, "DELETE", "/api/v1/users/erin", "")
	if r.status != 204 || r.raw != "" {
		t.Errorf("delete = %d %q", r.status, r.raw)
	}
	if st.Len() != 0 {
		t.Errorf("store has %d users", st.Len())
	}
	if r := as(t, srv, "GET", "/api/v1/users/erin", ""); r.status != 404 {
		t.Errorf("get after delete = %d", r.status)
	}
	if r := as(t, srv, "DELETE", "/api/v1/users/erin", ""); r.status != 404 || r.text(t) != "User not found" {
		t.Errorf("second delete = %d %s", r.status, r.raw)
	}
	// The name is free again.
	if r := as(t, srv, "PUT", "/api/v1/users/erin", `{"value": {"password": "long-enough"}}`); r.status != 201 {
		t.Errorf("re-create = %d %s", r.status, r.raw)
	}
}

// TestBasicConcurrentCreates: of many creates of one name exactly one
// succeeds, and of many names exactly one user is the admin.
func TestBasicConcurrentCreates(t *testing.T) {
	srv, st := newBasicServer(t, sandbox.Options{API: "basic"})
	var wg sync.WaitGroup
	statuses := make([]int, 16)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "same"
			if i%2 == 1 {
				name = fmt.Sprintf("user-%d", i)
			}
			req, _ := http.NewRequest("PUT", srv.URL+"/api/v1/users/"+name, strings.NewReader(`{"value": {"password": "long-enough"}}`))
			req.SetBasicAuth("root", "root-password")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	created := 0
	for i, s := range statuses {
		if i%2 == 0 && s == 201 {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d creates of one name succeeded: %v", created, statuses)
	}
	recs, _ := st.Page(nil, 0, 0)
	admins := 0
	for _, r := range recs {
		if r.Admin {
			admins++
		}
	}
	if len(recs) != 9 || admins != 1 {
		t.Errorf("%d users, %d admins; want 9, 1", len(recs), admins)
	}
}

func TestBasicSeed(t *testing.T) {
	d, _ := sandbox.LookupDialect("basic")
	st := sandbox.NewStore()
	d.Seed(st, 3)
	srv := httptest.NewServer(d.New(st, sandbox.Options{API: "basic"}))
	t.Cleanup(srv.Close)
	r := as(t, srv, "GET", "/api/v1/users", "")
	want := `{"value":[{"username":"user000001","admin":true},{"username":"user000002","admin":false},{"username":"user000003","admin":false}]}`
	if strings.TrimSpace(r.raw) != want {
		t.Errorf("list = %s", r.raw)
	}
	// Seeded users' password is their username.
	r = as(t, srv, "PATCH", "/api/v1/users/user000002", `{"value": {"current_password": "user000002", "password": "new-password"}}`)
	if r.status != 200 {
		t.Errorf("patch seeded = %d %s", r.status, r.raw)
	}
	// Seeding again skips taken names and adds no admin.
	d.Seed(st, 2)
	recs, _ := st.Page(nil, 0, 0)
	if len(recs) != 5 || recs[4].Username != "user000005" || recs[3].Admin || recs[4].Admin {
		t.Errorf("after second seed: %+v", recs)
	}
}

func TestBasicErrorBody(t *testing.T) {
	d, _ := sandbox.LookupDialect("basic")
	ct, body := d.ErrorBody(429, "Too Many Requests")
	if ct != "application/json" || string(body) != `"Too Many Requests"` {
		t.Errorf("ErrorBody = %q %s", ct, body)
	}
}

func BenchmarkBasicSeed(b *testing.B) {
	d, _ := sandbox.LookupDialect("basic")
	for b.Loop() {
		d.Seed(sandbox.NewStore(), 100000)
	}
}
