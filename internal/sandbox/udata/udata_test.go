package udata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"regexp"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

// udResp is one answer of the udata sandbox.
type udResp struct {
	status int
	header http.Header
	body   string
}

func (r udResp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func newUdataServer(t *testing.T, opts sandbox.Options) (*httptest.Server, *sandbox.Store) {
	t.Helper()
	d, ok := sandbox.LookupDialect("udata")
	if !ok {
		t.Fatal("udata is not registered")
	}
	st := sandbox.NewStore()
	opts.API = "udata"
	srv := httptest.NewServer(d.New(st, opts))
	t.Cleanup(srv.Close)
	return srv, st
}

// udDo sends a request with key as X-API-KEY ("" for none) and never
// follows redirects.
func udDo(t *testing.T, srv *httptest.Server, method, path, key, body string) udResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-KEY", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return udSend(t, req)
}

func udSend(t *testing.T, req *http.Request) udResp {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return udResp{resp.StatusCode, resp.Header, string(b)}
}

func udCreate(t *testing.T, srv *httptest.Server, first, last, email string) map[string]any {
	t.Helper()
	r := udDo(t, srv, "POST", "/api/1/users/", "admin", fmt.Sprintf(`{"first_name": %q, "last_name": %q, "email": %q, "active": true}`, first, last, email))
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r.json(t)
}

func TestUdataRedirectsToSlash(t *testing.T) {
	srv, _ := newUdataServer(t, sandbox.Options{})
	r := udDo(t, srv, "POST", "/api/1/users?x=1", "admin", `{}`)
	if r.status != http.StatusPermanentRedirect || r.header.Get("Location") != "/api/1/users/?x=1" {
		t.Fatalf("got %d Location %q", r.status, r.header.Get("Location"))
	}
}

func TestUdataAuth(t *testing.T) {
	srv, _ := newUdataServer(t, sandbox.Options{})
	u := udCreate(t, srv, "Ada", "Lovelace", "ada@example.org")
	for _, tc := range []struct {
		method, path, key string
		want              int
	}{
		{"GET", "/api/1/users/", "", 401},
		{"GET", "/api/1/users/", "a-nonadmin-key", 403},
		{"GET", "/api/1/users/", "anything", 200},
		{"GET", "/api/1/users/ada-lovelace/", "", 200},
		{"GET", "/api/1/users/roles/", "", 200},
		{"GET", "/api/1/me/", "", 401},
		{"POST", "/api/1/users/" + u["id"].(string) + "/followers/", "", 401},
		{"DELETE", "/api/1/users/ada-lovelace/", "nonadmin", 403},
		{"PUT", "/api/1/users/ada-lovelace/", "nonadmin", 403},
		{"GET", "/api/1/nowhere/", "admin", 404},
		{"PATCH", "/api/1/users/ada-lovelace/", "admin", 405},
	} {
		if r := udDo(t, srv, tc.method, tc.path, tc.key, ""); r.status != tc.want {
			t.Errorf("%s %s key %q: %d %s, want %d", tc.method, tc.path, tc.key, r.status, r.body, tc.want)
		}
	}
	r := udDo(t, srv, "GET", "/api/1/users/", "nonadmin", "")
	if r.json(t)["message"] != udForbidden {
		t.Errorf("403 body = %s", r.body)
	}
	// Non-admins see no emails.
	if got := udDo(t, srv, "GET", "/api/1/users/ada-lovelace/", "", "").json(t)["email"]; got != nil {
		t.Errorf("anonymous sees email %v", got)
	}

	// With a token, only that key is an admin.
	srv2, _ := newUdataServer(t, sandbox.Options{Token: "T"})
	if r := udDo(t, srv2, "GET", "/api/1/users/", "T", ""); r.status != 200 {
		t.Errorf("token: %d", r.status)
	}
	if r := udDo(t, srv2, "GET", "/api/1/users/", "admin", ""); r.status != 403 {
		t.Errorf("other key: %d", r.status)
	}
}

func TestUdataCreateValidation(t *testing.T) {
	srv, _ := newUdataServer(t, sandbox.Options{})
	for body, want := range map[string]string{
		`{"last_name": "L", "email": "a@b.c"}`:                                       `{"errors":{"first_name":["This field is required."]}}`,
		`{"first_name": "F", "last_name": "L", "email": "nope"}`:                     `"email":"Invalid email address."`,
		`{"first_name": "F", "last_name": "L", "email": "a@b.c", "roles": ["boss"]}`: `{"message":"The role boss does not exist"}`,
		`not json`: `could not understand`,
	} {
		r := udDo(t, srv, "POST", "/api/1/users/", "admin", body)
		if r.status != 400 || !strings.Contains(r.body, want) {
			t.Errorf("%s: %d %s, want 400 with %s", body, r.status, r.body, want)
		}
	}
	udCreate(t, srv, "Ada", "Lovelace", "ada@example.org")
	r := udDo(t, srv, "POST", "/api/1/users/", "admin", `{"first_name": "A", "last_name": "L", "email": "ADA@example.org", "active": true}`)
	if r.status != 400 || !strings.Contains(r.body, "already associated") {
		t.Errorf("taken email: %d %s", r.status, r.body)
	}
}

func TestUdataCreateShape(t *testing.T) {
	srv, _ := newUdataServer(t, sandbox.Options{})
	u := udCreate(t, srv, "Ada", "Lovelace", "ada@example.org")
	if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(u["id"].(string)) || u["slug"] != "ada-lovelace" || u["active"] != true ||
		u["email"] != "ada@example.org" || !strings.HasPrefix(u["uri"].(string), srv.URL+"/api/1/users/") {
		t.Errorf("user = %v", u)
	}
	second := udCreate(t, srv, "Ada", "Lovelace", "ada2@example.org")
	if second["slug"] != "ada-lovelace-1" {
		t.Errorf("second slug = %v", second["slug"])
	}
	// Older servers: no "active" makes an inactive user.
	r := udDo(t, srv, "POST", "/api/1/users/", "admin", `{"first_name": "G", "last_name": "H", "email": "g@h.org", "roles": ["editor"]}`)
	if m := r.json(t); r.status != 201 || m["active"] != false || fmt.Sprint(m["roles"]) != "[editor]" {
		t.Errorf("create without active: %d %s", r.status, r.body)
	}
	// Inactive users are gone for non-admins.
	if r := udDo(t, srv, "GET", "/api/1/users/g-h/", "nonadmin", ""); r.status != 410 {
		t.Errorf("inactive as non-admin: %d", r.status)
	}
	if r := udDo(t, srv, "GET", "/api/1/users/g-h/", "admin", ""); r.status != 200 {
		t.Errorf("inactive as admin: %d", r.status)
	}
}

func TestUdataUpdateWithoutRolesEmptiesThem(t *testing.T) {
	srv, _ := newUdataServer(t, sandbox.Options{})
	udDo(t, srv, "POST", "/api/1/users/", "admin", `{"first_name": "G", "last_name": "H", "email": "g@h.org", "roles": ["editor"], "active": true}`)
	r := udDo(t, srv, "PUT", "/api/1/users/g-h/", "admin", `{"first_name": "Grace", "roles": ["editor"], "active": false}`)
	if m := r.json(t); r.status != 200 || m["first_name"] != "Grace" || fmt.Sprint(m["roles"]) != "[editor]" || m["active"] != false {
		t.Errorf("update: %d %s", r.status, r.body)
	}
	r = udDo(t, srv, "PUT", "/api/1/users/g-h/", "admin", `{"about": "x"}`)
	if m := r.json(t); fmt.Sprint(m["roles"]) != "[]" || m["active"] != false || m["about"] != "x" {
		t.Errorf("update without roles: %s", r.body)
	}
}

func TestUdataSoftDelete(t *testing.T) {
	srv, st := newUdataServer(t, sandbox.Options{})
	u := udCreate(t, srv, "Ada", "Lovelace", "ada@example.org")
	id := u["id"].(string)
	if r := udDo(t, srv, "DELETE", "/api/1/users/ada-lovelace/?no_mail=false", "admin", ""); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	rec, _ := st.Get(id)
	if rec.Email != id+"@deleted" || rec.Username != "deleted-"+id || rec.Name != "DELETED" || rec.Status != "deleted" {
		t.Errorf("record = %+v", rec)
	}
	for _, m := range []string{"DELETE", "PUT"} {
		if r := udDo(t, srv, m, "/api/1/users/"+id+"/", "admin", `{}`); r.status != 410 {
			t.Errorf("%s after delete: %d", m, r.status)
		}
	}
	// The list hides deleted users (the admin caller remains).
	if m := udDo(t, srv, "GET", "/api/1/users/", "admin", "").json(t); m["total"] != 1.0 {
		t.Errorf("list = %v", m)
	}
	// Getting it is 410 for non-admins only: admins see the anonymised account.
	if r := udDo(t, srv, "GET", "/api/1/users/"+id+"/", "nonadmin", ""); r.status != 410 {
		t.Errorf("GET after delete as non-admin: %d", r.status)
	}
	if r := udDo(t, srv, "GET", "/api/1/users/"+id+"/", "admin", ""); r.status != 200 || r.json(t)["email"] != id+"@deleted" {
		t.Errorf("GET after delete as admin: %d %s", r.status, r.body)
	}
	// Deleting yourself is 403.
	if r := udDo(t, srv, "DELETE", "/api/1/users/"+udAdminID+"/", "admin", ""); r.status != 403 {
		t.Errorf("delete yourself: %d", r.status)
	}
	me := udDo(t, srv, "GET", "/api/1/me/", "admin", "").json(t)
	if me["id"] != udAdminID || me["email"] == nil || fmt.Sprint(me["roles"]) != "[admin]" {
		t.Errorf("me = %v", me)
	}
}

func TestUdataPaging(t *testing.T) {
	srv, st := newUdataServer(t, sandbox.Options{})
	seedUdata(st, 5)
	r := udDo(t, srv, "GET", "/api/1/users/?page_size=2&sort=-created", "nonadmin-key", "")
	if r.status != 403 {
		t.Fatal(r.status)
	}
	var ids []string
	next := "/api/1/users/?page_size=2&sort=-created"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		r := udDo(t, srv, "GET", next, "admin", "")
		m := r.json(t)
		for _, u := range m["data"].([]any) {
			ids = append(ids, u.(map[string]any)["slug"].(string))
		}
		next = ""
		if n, ok := m["next_page"].(string); ok {
			if !strings.HasPrefix(n, srv.URL+"/api/1/users/?") {
				t.Fatalf("next_page %q is not absolute on the request's host", n)
			}
			next = strings.TrimPrefix(n, srv.URL)
		}
	}
	// 5 seeded + the two callers, newest first (the callers were created last).
	if len(ids) != 7 || ids[0] != "sandbox-admin" || ids[1] != "sandbox-visitor" || ids[2] != "dennis-lovelace-5" || ids[6] != "alan-lovelace-1" {
		t.Errorf("slugs = %v", ids)
	}
	if r := udDo(t, srv, "GET", "/api/1/users/?page=5&page_size=2", "admin", ""); r.status != 404 {
		t.Errorf("past the end: %d", r.status)
	}
	if r := udDo(t, srv, "GET", "/api/1/users/?sort=email", "admin", ""); r.status != 400 || !strings.Contains(r.body, `"sort"`) {
		t.Errorf("bad sort: %d %s", r.status, r.body)
	}
	m := udDo(t, srv, "GET", "/api/1/users/?q=grace%20LOVELACE", "admin", "").json(t)
	if m["total"] != 1.0 || m["next_page"] != nil {
		t.Errorf("q: %v", m)
	}
	m = udDo(t, srv, "GET", "/api/1/users/?sort=last_name&page_size=1", "admin", "").json(t)
	if m["data"].([]any)[0].(map[string]any)["last_name"] != "Admin" {
		t.Errorf("sort last_name: %v", m["data"])
	}
}

func TestUdataFollow(t *testing.T) {
	srv, _ := newUdataServer(t, sandbox.Options{})
	id := udCreate(t, srv, "Ada", "Lovelace", "ada@example.org")["id"].(string)
	path := "/api/1/users/" + id + "/followers/"
	for i, tc := range []struct {
		method, key string
		status      int
		count       float64
	}{
		{"POST", "admin", 201, 1},
		{"POST", "admin", 200, 1},
		{"POST", "nonadmin", 201, 2},
		{"DELETE", "nonadmin", 200, 1},
	} {
		r := udDo(t, srv, tc.method, path, tc.key, "")
		if r.status != tc.status || r.json(t)["followers"] != tc.count {
			t.Errorf("step %d: %d %s", i, r.status, r.body)
		}
	}
	if r := udDo(t, srv, "DELETE", path, "nonadmin", ""); r.status != 404 {
		t.Errorf("unfollow when not following: %d", r.status)
	}
	if r := udDo(t, srv, "POST", "/api/1/users/ada-lovelace/followers/", "admin", ""); r.status != 404 {
		t.Errorf("follow by slug: %d", r.status)
	}
	r := udDo(t, srv, "POST", "/api/1/users/"+udAdminID+"/followers/", "admin", "")
	if r.status != 403 || r.json(t)["message"] != "You can't follow yourself" {
		t.Errorf("follow yourself: %d %s", r.status, r.body)
	}
	m := udDo(t, srv, "GET", path, "", "").json(t)
	items := m["data"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["follower"].(map[string]any)["slug"] != "sandbox-admin" ||
		items[0].(map[string]any)["since"] == nil {
		t.Errorf("followers = %v", m)
	}
}

func udMultipart(t *testing.T, ct, bbox string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="a.png"`)
	h.Set("Content-Type", ct)
	p, _ := mw.CreatePart(h)
	_, _ = p.Write([]byte("\x89PNG\r\n\x1a\n"))
	if bbox != "" {
		_ = mw.WriteField("bbox", bbox)
	}
	_ = mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func TestUdataAvatar(t *testing.T) {
	srv, _ := newUdataServer(t, sandbox.Options{})
	udCreate(t, srv, "Ada", "Lovelace", "ada@example.org")
	for _, tc := range []struct {
		ct, bbox string
		status   int
		want     string
	}{
		{"image/png", "0,0,10,10", 200, `"success":true`},
		{"application/octet-stream", "", 400, "Unsupported image format"},
		{"image/png", "1,2", 400, "bbox"},
	} {
		ct, body := udMultipart(t, tc.ct, tc.bbox)
		req, _ := http.NewRequest("POST", srv.URL+"/api/1/users/ada-lovelace/avatar/", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-API-KEY", "admin")
		if r := udSend(t, req); r.status != tc.status || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s %s: %d %s", tc.ct, tc.bbox, r.status, r.body)
		}
	}
	if u := udDo(t, srv, "GET", "/api/1/users/ada-lovelace/", "", "").json(t); u["avatar"] == nil {
		t.Errorf("avatar not stored: %v", u)
	}
}

func TestUdataRolesSuggestRotate(t *testing.T) {
	srv, st := newUdataServer(t, sandbox.Options{})
	seedUdata(st, 3)
	if r := udDo(t, srv, "GET", "/api/1/users/roles/", "", ""); r.body != `[{"name":"admin"},{"name":"editor"}]`+"\n" {
		t.Errorf("roles = %s", r.body)
	}
	r := udDo(t, srv, "GET", "/api/1/users/suggest/?q=grace&size=5", "", "")
	var s []map[string]any
	_ = json.Unmarshal([]byte(r.body), &s)
	if len(s) != 1 || s[0]["slug"] != "grace-lovelace-2" || s[0]["email"] != "***@example.org" {
		t.Errorf("suggest = %s", r.body)
	}
	r = udDo(t, srv, "GET", "/api/1/users/suggest/?q=grace", "admin", "")
	if !strings.Contains(r.body, "grace.lovelace.2@example.org") {
		t.Errorf("admin suggest = %s", r.body)
	}
	for _, q := range []string{"?q=a&size=21", "?q=a&size=0", "?size=3"} {
		if r := udDo(t, srv, "GET", "/api/1/users/suggest/"+q, "", ""); r.status != 400 || !strings.Contains(r.body, "Input payload validation failed") {
			t.Errorf("suggest %s: %d %s", q, r.status, r.body)
		}
	}
	if r := udDo(t, srv, "POST", "/api/1/users/grace-lovelace-2/rotate_password/", "admin", ""); r.status != 204 {
		t.Errorf("rotate: %d %s", r.status, r.body)
	}
	if u := udDo(t, srv, "GET", "/api/1/users/grace-lovelace-2/", "admin", "").json(t); u["password_rotation_demanded"] == nil {
		t.Errorf("rotation not recorded: %v", u)
	}
}

func TestUdataSeed(t *testing.T) {
	st := sandbox.NewStore()
	seedUdata(st, 30)
	recs, total := st.Page(nil, 0, 0)
	if total != 30 {
		t.Fatalf("seeded %d", total)
	}
	hex24 := regexp.MustCompile(`^[0-9a-f]{24}$`)
	slug := regexp.MustCompile(`^[a-z]+-[a-z-]+-\d+$`)
	for _, r := range recs {
		if !hex24.MatchString(r.ID) || !slug.MatchString(r.Username) || r.FirstName == "" || r.LastName == "" {
			t.Errorf("record %+v", r)
		}
	}
	if recs[9].Roles[0] != "admin" || recs[6].Roles[0] != "editor" || recs[12].Status != "disabled" {
		t.Errorf("roles/status pattern: %v %v %v", recs[9].Roles, recs[6].Roles, recs[12].Status)
	}
}
