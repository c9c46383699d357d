package udata

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

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
