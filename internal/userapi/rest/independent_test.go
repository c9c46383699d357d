package rest_test

// An independent fake of apis/rest.md, written from the document alone and
// not from our sandbox: mounted under a realistic base path (/v1), strict
// about what the document requires (Bearer key, JSON bodies with the
// documented fields only, the 8-character password minimum) and answering in
// the ways the document allows but our sandbox does not use (201/204, other
// field orders, extra and null fields, other error bodies, other list
// envelopes, capped page sizes, 404 past the last page, absolute next URLs).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/rest"
)

const docToken = "doc-key-123"

// docReq is one request the doc server saw.
type docReq struct {
	Method, Path, Query string
	Body                map[string]any
}

func (r docReq) String() string {
	s := r.Method + " " + r.Path
	if r.Query != "" {
		s += "?" + r.Query
	}
	if r.Body != nil {
		b, _ := json.Marshal(r.Body)
		s += " " + string(b)
	}
	return s
}

// docServer is the fake. List answers are pluggable (the document leaves
// listing open); everything else follows the operations table.
type docServer struct {
	t   *testing.T
	srv *httptest.Server

	mu    sync.Mutex
	users map[string]map[string]any // stored objects, password included
	order []string
	seq   int
	reqs  []docReq

	// list answers GET /v1/users; nil is page/per_page with a cap of 2 per
	// page, an "items" envelope with a total, and 404 past the last page.
	list func(w http.ResponseWriter, r *http.Request, all []map[string]any)
	// before runs first for every authenticated request; it returns true
	// when it answered.
	before func(w http.ResponseWriter, r *http.Request, n int) bool
	// dupStatus is the status of a duplicate email on create (400 when 0).
	dupStatus int
}

func newDocServer(t *testing.T) *docServer {
	t.Helper()
	d := &docServer{t: t, users: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/", d.serve)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL)
		http.NotFound(w, r)
	})
	d.srv = httptest.NewServer(mux)
	t.Cleanup(d.srv.Close)
	return d
}

// client builds the rest client for the fake, with profile options.
func (d *docServer) client(t *testing.T, opts map[string]string) userapi.Backend {
	t.Helper()
	b, err := rest.New(userapi.Profile{Name: "doc", API: "rest", URL: d.srv.URL + "/v1", Values: opts, Secrets: map[string]string{"token": docToken}}, userapi.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seed stores a user as the server would hold it.
func (d *docServer) seed(u map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	id := u["id"].(string)
	d.users[id] = u
	d.order = append(d.order, id)
}

func (d *docServer) requests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, len(d.reqs))
	for i, r := range d.reqs {
		out[i] = r.String()
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// public is the user object as the document shows it: no password, fields
// in the server's own order, plus fields of this service the document does
// not name.
func public(u map[string]any) json.RawMessage {
	var b strings.Builder
	b.WriteString("{")
	keys := []string{"status", "role", "updated_at", "email", "id", "created_at", "name", "last_login_at", "profile"}
	first := true
	for _, k := range keys {
		v, ok := u[k]
		if !ok {
			continue
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(v)
		b.Write(kb)
		b.WriteString(":")
		b.Write(vb)
	}
	b.WriteString("}")
	return json.RawMessage(b.String())
}

func (d *docServer) serve(w http.ResponseWriter, r *http.Request) {
	t := d.t
	rec := docReq{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
	raw, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			t.Errorf("%s %s: Content-Type %q, want application/json", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		if err := json.Unmarshal(raw, &rec.Body); err != nil || rec.Body == nil {
			t.Errorf("%s %s: body is not a JSON object: %q", r.Method, r.URL.Path, raw)
		}
	} else if len(raw) > 0 {
		t.Errorf("%s %s: unexpected body %q", r.Method, r.URL.Path, raw)
	}
	d.mu.Lock()
	d.reqs = append(d.reqs, rec)
	n := len(d.reqs)
	d.mu.Unlock()

	// 401: authentication required (the document shows no body: plain text).
	if r.Header.Get("Authorization") != "Bearer "+docToken {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "Authentication required\n")
		return
	}
	if d.before != nil && d.before(w, r, n) {
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v1")
	switch {
	case path == "/users" && r.Method == http.MethodGet:
		d.mu.Lock()
		all := make([]map[string]any, 0, len(d.order))
		for _, id := range d.order {
			all = append(all, d.users[id])
		}
		d.mu.Unlock()
		if d.list != nil {
			d.list(w, r, all)
		} else {
			listCappedItems(w, r, all)
		}
	case path == "/users" && r.Method == http.MethodPost:
		d.create(w, rec.Body)
	case strings.HasPrefix(path, "/users/") && !strings.Contains(path[len("/users/"):], "/"):
		id := path[len("/users/"):]
		d.mu.Lock()
		u, ok := d.users[id]
		d.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]any{"message": "No such resource"})
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, public(u))
		case http.MethodPut:
			d.update(w, u, rec.Body)
		case http.MethodDelete:
			d.mu.Lock()
			delete(d.users, id)
			for i, o := range d.order {
				if o == id {
					d.order = append(d.order[:i], d.order[i+1:]...)
					break
				}
			}
			d.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Allow", "GET, PUT, DELETE")
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	default:
		t.Errorf("undocumented request %s %s", r.Method, r.URL.Path)
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "No such resource"})
	}
}

// badParams is a 400 in the {"errors": [...]} shape.
func badParams(w http.ResponseWriter, msgs ...string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"errors": msgs})
}

func (d *docServer) create(w http.ResponseWriter, body map[string]any) {
	var errs []string
	for k := range body {
		switch k {
		case "email", "name", "password", "role":
		default:
			errs = append(errs, fmt.Sprintf("unknown parameter %q", k))
		}
	}
	for _, k := range []string{"email", "name", "password"} {
		if s, _ := body[k].(string); s == "" {
			errs = append(errs, k+" is required")
		}
	}
	if p, _ := body["password"].(string); p != "" && len(p) < 8 {
		errs = append(errs, "password must be at least 8 characters")
	}
	if len(errs) > 0 {
		badParams(w, errs...)
		return
	}
	d.mu.Lock()
	for _, u := range d.users {
		if strings.EqualFold(u["email"].(string), body["email"].(string)) {
			d.mu.Unlock()
			st := d.dupStatus
			if st == 0 {
				st = http.StatusBadRequest
			}
			writeJSON(w, st, map[string]any{"error": "email already exists"})
			return
		}
	}
	d.seq++
	id := fmt.Sprintf("usr_%06d", 123455+d.seq)
	role, _ := body["role"].(string)
	if role == "" {
		role = "user"
	}
	u := map[string]any{"id": id, "email": body["email"], "name": body["name"], "password": body["password"], "role": role,
		"status": "active", "created_at": "2024-03-01T12:00:00.5+02:00", "updated_at": "2024-03-01T12:00:00.5+02:00",
		"last_login_at": nil}
	d.users[id] = u
	d.order = append(d.order, id)
	d.mu.Unlock()
	writeJSON(w, http.StatusCreated, public(u))
}

func (d *docServer) update(w http.ResponseWriter, u map[string]any, body map[string]any) {
	var errs []string
	for k, v := range body {
		switch k {
		case "email", "name", "role":
		case "password":
			if p, _ := v.(string); len(p) < 8 {
				errs = append(errs, "password must be at least 8 characters")
			}
		case "status":
			if v != "active" && v != "disabled" {
				errs = append(errs, fmt.Sprintf("invalid status %v", v))
			}
		default:
			errs = append(errs, fmt.Sprintf("unknown parameter %q", k))
		}
	}
	if len(body) == 0 {
		errs = append(errs, "nothing to update")
	}
	if len(errs) > 0 {
		badParams(w, errs...)
		return
	}
	d.mu.Lock()
	for k, v := range body {
		u[k] = v
	}
	u["updated_at"] = "2024-04-02T08:00:00Z"
	out := public(u)
	d.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// listCappedItems pages with page/per_page, but never more than 2 per page
// whatever per_page asks, answers {"items": [...], "total": T}, and 404s a
// page past the end.
func listCappedItems(w http.ResponseWriter, r *http.Request, all []map[string]any) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per < 1 || per > 2 {
		per = 2
	}
	start := (page - 1) * per
	if start >= len(all) && page > 1 {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "No such resource"})
		return
	}
	end := min(start+per, len(all))
	items := make([]json.RawMessage, 0, per)
	for _, u := range all[start:end] {
		items = append(items, public(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(all)})
}

func docUser(i int) map[string]any {
	return map[string]any{"id": fmt.Sprintf("usr_%d", i), "email": fmt.Sprintf("u%d@example.com", i), "name": fmt.Sprintf("User %d", i),
		"role": "user", "status": "active", "created_at": "2024-01-15T10:30:00Z", "updated_at": nil}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantExit(t *testing.T, err error, code int, msgs ...string) {
	t.Helper()
	if got := errkind.ExitCode(err); got != code {
		t.Fatalf("exit %d (%v), want %d", got, err, code)
	}
	for _, m := range msgs {
		if err == nil || !strings.Contains(err.Error(), m) {
			t.Errorf("error %q lacks %q", err, m)
		}
	}
	if err != nil && (strings.Contains(err.Error(), docToken) || strings.ContainsAny(err.Error(), "\n")) {
		t.Errorf("error %q leaks the key or spans lines", err)
	}
}

func TestDocGetNormalizes(t *testing.T) {
	d := newDocServer(t)
	d.seed(map[string]any{"id": "usr_123456", "email": "ada@example.com", "name": "Ada", "role": "admin", "status": "active",
		"created_at": "2024-01-15T11:30:00.25+01:00", "updated_at": nil, "last_login_at": nil, "profile": map[string]any{"tz": "CET"}})
	d.seed(map[string]any{"id": "usr_2", "email": "bo@example.com", "name": "Bo"}) // no role, status or times
	b := d.client(t, nil)
	ctx := context.Background()
	u, err := b.GetUser(ctx, "usr_123456")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"usr_123456","username":null,"email":"ada@example.com","name":"Ada","roles":["admin"],"status":"active",` +
		`"created_at":"2024-01-15T10:30:00Z","updated_at":null,"extra":{"last_login_at":null,"profile":{"tz":"CET"}}}`
	if got := mustJSON(t, u); got != want {
		t.Errorf("normalized\n got %s\nwant %s", got, want)
	}
	u, err = b.GetUser(ctx, "usr_2")
	if err != nil {
		t.Fatal(err)
	}
	want = `{"id":"usr_2","username":null,"email":"bo@example.com","name":"Bo","roles":[],"status":null,` +
		`"created_at":null,"updated_at":null,"extra":{}}`
	if got := mustJSON(t, u); got != want {
		t.Errorf("missing optional fields\n got %s\nwant %s", got, want)
	}
	if got := d.requests(); got[0] != "GET /v1/users/usr_123456" {
		t.Errorf("request = %s", got[0])
	}
}

func TestDocGetErrors(t *testing.T) {
	d := newDocServer(t)
	_, err := d.client(t, nil).GetUser(context.Background(), "usr_404")
	wantExit(t, err, 3, `user "usr_404" not found`, "No such resource")

	bad, err := rest.New(userapi.Profile{Name: "doc", API: "rest", URL: d.srv.URL + "/v1", Secrets: map[string]string{"token": "wrong"}}, userapi.Env{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.GetUser(context.Background(), "usr_1")
	wantExit(t, err, 4, "Authentication required")
}

func TestDocCreate(t *testing.T) {
	d := newDocServer(t)
	b := d.client(t, nil)
	ctx := context.Background()

	// Checked before sending: the 8-character minimum and required fields.
	_, err := b.CreateUser(ctx, userapi.CreateRequest{Email: "a@example.com", Name: "Ada", Password: "1234567"})
	wantExit(t, err, 2, "8 characters")
	_, err = b.CreateUser(ctx, userapi.CreateRequest{Email: "a@example.com", Password: "long-enough"})
	wantExit(t, err, 2, "name")
	if got := d.requests(); len(got) != 0 {
		t.Fatalf("invalid creates were sent: %v", got)
	}

	u, err := b.CreateUser(ctx, userapi.CreateRequest{Email: "ada@example.com", Name: "Ada Lovelace", Password: "long-enough"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"usr_123456","username":null,"email":"ada@example.com","name":"Ada Lovelace","roles":["user"],"status":"active",` +
		`"created_at":"2024-03-01T10:00:00Z","updated_at":"2024-03-01T10:00:00Z","extra":{"last_login_at":null}}`
	if got := mustJSON(t, u); got != want {
		t.Errorf("created\n got %s\nwant %s", got, want)
	}
	if got := d.requests(); len(got) != 1 ||
		got[0] != `POST /v1/users {"email":"ada@example.com","name":"Ada Lovelace","password":"long-enough"}` {
		t.Errorf("requests = %v", got)
	}

	// Optional role.
	u, err = b.CreateUser(ctx, userapi.CreateRequest{Email: "root@example.com", Name: "Root", Password: "long-enough", Roles: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(u.Roles) != "[admin]" {
		t.Errorf("roles = %v", u.Roles)
	}

	// A duplicate email answered 400 (the document has no 409) is still a
	// conflict, so import --skip-existing and exit 5 work.
	_, err = b.CreateUser(ctx, userapi.CreateRequest{Email: "ada@example.com", Name: "Ada", Password: "long-enough"})
	wantExit(t, err, 5, `"ada@example.com"`, "email already exists")

	// Other bad parameters are exit 2 with the server's words.
	_, err = b.CreateUser(ctx, userapi.CreateRequest{Email: "x@example.com", Name: "X", Password: "long-enough",
		Extra: map[string]string{"team": "blue"}})
	wantExit(t, err, 2, `unknown parameter "team"`)
}

func TestDocCreateInactiveUsesDocumentedDisable(t *testing.T) {
	d := newDocServer(t)
	u, err := d.client(t, map[string]string{"update_method": "put"}).CreateUser(context.Background(),
		userapi.CreateRequest{Email: "ada@example.com", Name: "Ada", Password: "long-enough", Inactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != userapi.StatusDisabled {
		t.Errorf("status = %q, want disabled", u.Status)
	}
	want := []string{
		`POST /v1/users {"email":"ada@example.com","name":"Ada","password":"long-enough"}`,
		`PUT /v1/users/usr_123456 {"status":"disabled"}`,
	}
	if got := d.requests(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests\n got %v\nwant %v", got, want)
	}
}

func TestDocCreateMaybeSentIsNotDuplicated(t *testing.T) {
	d := newDocServer(t)
	d.seed(docUser(1))
	// The first POST creates the user, then the gateway answers 502.
	d.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.Method == http.MethodPost && n == 1 {
			d.mu.Lock()
			d.users["usr_9"] = map[string]any{"id": "usr_9", "email": "new@example.com", "name": "New", "role": "user", "status": "active"}
			d.order = append(d.order, "usr_9")
			d.mu.Unlock()
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html><title>502 Bad Gateway</title></html>")
			return true
		}
		return false
	}
	u, err := d.client(t, map[string]string{"update_method": "put"}).CreateUser(context.Background(), userapi.CreateRequest{Email: "new@example.com", Name: "New", Password: "long-enough"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "usr_9" {
		t.Errorf("user = %+v, want usr_9", u)
	}
	posts := 0
	for _, r := range d.requests() {
		if strings.HasPrefix(r, "POST") {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("POST sent %d times: %v", posts, d.requests())
	}
}

func TestDocUpdateDisableEnablePasswd(t *testing.T) {
	d := newDocServer(t)
	d.seed(docUser(1))
	b := d.client(t, map[string]string{"update_method": "put"})
	ctx := context.Background()
	name, email := "Renamed", "new@example.com"
	u, err := b.(userapi.Updater).UpdateUser(ctx, "usr_1", userapi.UpdateRequest{Name: &name, Email: &email, Roles: &[]string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != name || u.Email != email || fmt.Sprint(u.Roles) != "[admin]" || u.UpdatedAt == nil {
		t.Errorf("updated = %+v", u)
	}
	u, err = b.(userapi.Disabler).DisableUser(ctx, "usr_1")
	if err != nil || u.Status != userapi.StatusDisabled {
		t.Fatalf("disable: %+v, %v", u, err)
	}
	u, err = b.(userapi.Disabler).EnableUser(ctx, "usr_1")
	if err != nil || u.Status != userapi.StatusActive {
		t.Fatalf("enable: %+v, %v", u, err)
	}
	ps := b.(userapi.PasswordSetter)
	if p := ps.PasswordPolicy(); !p.NeedsNew || p.NeedsCurrent || p.MinLength != 8 {
		t.Errorf("policy = %+v", p)
	}
	_, err = ps.SetPassword(ctx, "usr_1", userapi.PasswordChange{New: "short"})
	wantExit(t, err, 2, "8 characters")
	res, err := ps.SetPassword(ctx, "usr_1", userapi.PasswordChange{New: "brand-new-pass"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "usr_1" || strings.Contains(mustJSON(t, res), "brand-new-pass") {
		t.Errorf("result = %+v", res)
	}
	want := []string{
		`PUT /v1/users/usr_1 {"email":"new@example.com","name":"Renamed","role":"admin"}`,
		`PUT /v1/users/usr_1 {"status":"disabled"}`,
		`PUT /v1/users/usr_1 {"status":"active"}`,
		`PUT /v1/users/usr_1 {"password":"brand-new-pass"}`,
	}
	if got := d.requests(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests\n got %v\nwant %v", got, want)
	}

	_, err = b.(userapi.Disabler).DisableUser(ctx, "usr_404")
	wantExit(t, err, 3, `user "usr_404" not found`)
	_, err = ps.SetPassword(ctx, "usr_404", userapi.PasswordChange{New: "brand-new-pass"})
	wantExit(t, err, 3, `user "usr_404" not found`)
	if _, err := b.(userapi.Updater).UpdateUser(ctx, "usr_1", userapi.UpdateRequest{Roles: &[]string{"admin", "user"}}); errkind.ExitCode(err) != 2 {
		t.Errorf("two roles for a one-role API: %v, want exit 2", err)
	}
}

func TestDocDelete(t *testing.T) {
	d := newDocServer(t)
	d.seed(docUser(1))
	b := d.client(t, nil)
	res, err := b.DeleteUser(context.Background(), "usr_1", userapi.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "usr_1" || res.Action != "deleted" {
		t.Errorf("result = %+v", res)
	}
	_, err = b.DeleteUser(context.Background(), "usr_1", userapi.DeleteOptions{})
	wantExit(t, err, 3, `user "usr_1" not found`)
	// The 404 is proven a missing user, not a wrong user_path, by listing
	// (the collection is empty: nothing to prove the path wrong with).
	if got := d.requests(); fmt.Sprint(got) != "[DELETE /v1/users/usr_1 DELETE /v1/users/usr_1 GET /v1/users?page=1&per_page=1]" {
		t.Errorf("requests = %v", got)
	}
}

func listIDs(t *testing.T, b userapi.Backend, opts userapi.ListOptions) ([]string, error) {
	t.Helper()
	var ids []string
	for u, err := range b.ListUsers(context.Background(), opts) {
		if err != nil {
			return ids, err
		}
		ids = append(ids, u.ID)
	}
	return ids, nil
}

func TestDocListShapes(t *testing.T) {
	objs := func(all []map[string]any) []json.RawMessage {
		out := make([]json.RawMessage, len(all))
		for i, u := range all {
			out[i] = public(u)
		}
		return out
	}
	cases := map[string]func(w http.ResponseWriter, r *http.Request, all []map[string]any){
		// The default: per_page capped below what was asked, 404 past the end.
		"capped page size, 404 past the end": nil,
		// A bare array, ignoring page parameters altogether.
		"bare array, no paging": func(w http.ResponseWriter, r *http.Request, all []map[string]any) {
			writeJSON(w, 200, objs(all))
		},
		// An absolute next URL on the same host, with extra metadata.
		"absolute next URL": func(w http.ResponseWriter, r *http.Request, all []map[string]any) {
			start, _ := strconv.Atoi(r.URL.Query().Get("start"))
			end := min(start+2, len(all))
			var next any
			if end < len(all) {
				next = fmt.Sprintf("http://%s/v1/users?start=%d", r.Host, end)
			}
			writeJSON(w, 200, map[string]any{"meta": map[string]any{"count": end - start}, "users": objs(all[start:end]), "next": next})
		},
		"Link header": func(w http.ResponseWriter, r *http.Request, all []map[string]any) {
			start, _ := strconv.Atoi(r.URL.Query().Get("from"))
			end := min(start+3, len(all))
			if end < len(all) {
				w.Header().Set("Link", fmt.Sprintf(`<http://%s/v1/users?from=%d>; rel="next", <http://%s/v1/users?from=0>; rel="first"`, r.Host, end, r.Host))
			}
			writeJSON(w, 200, objs(all[start:end]))
		},
		"cursor with has_more": func(w http.ResponseWriter, r *http.Request, all []map[string]any) {
			start, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Query().Get("cursor"), "c"))
			end := min(start+2, len(all))
			writeJSON(w, 200, map[string]any{"data": objs(all[start:end]), "has_more": end < len(all), "next_cursor": fmt.Sprintf("c%d", end)})
		},
		"results, exact pages, empty page at the end": func(w http.ResponseWriter, r *http.Request, all []map[string]any) {
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
			start := min((page-1)*per, len(all))
			end := min(start+per, len(all))
			writeJSON(w, 200, map[string]any{"results": objs(all[start:end]), "count": len(all)})
		},
	}
	for name, list := range cases {
		t.Run(name, func(t *testing.T) {
			d := newDocServer(t)
			for i := 1; i <= 5; i++ {
				d.seed(docUser(i))
			}
			d.list = list
			opts := map[string]string{}
			if strings.HasPrefix(name, "results") {
				opts["page_size"] = "5"
			}
			b := d.client(t, opts)
			ids, err := listIDs(t, b, userapi.ListOptions{})
			if err != nil {
				t.Fatalf("list: %v (requests %v)", err, d.requests())
			}
			if fmt.Sprint(ids) != "[usr_1 usr_2 usr_3 usr_4 usr_5]" {
				t.Errorf("ids = %v (requests %v)", ids, d.requests())
			}
			ids, err = listIDs(t, b, userapi.ListOptions{Limit: 3})
			if err != nil || len(ids) != 3 {
				t.Errorf("limit 3: %v, %v", ids, err)
			}
		})
	}
}

func TestDocListEmptyAndExactMultiple(t *testing.T) {
	d := newDocServer(t)
	b := d.client(t, nil)
	ids, err := listIDs(t, b, userapi.ListOptions{})
	if err != nil || len(ids) != 0 {
		t.Fatalf("empty list: %v, %v", ids, err)
	}
	for i := 1; i <= 4; i++ {
		d.seed(docUser(i))
	}
	// Two full pages of 2, then page 3 is a 404: the end, not an error.
	ids, err = listIDs(t, b, userapi.ListOptions{})
	if err != nil || len(ids) != 4 {
		t.Fatalf("list: %v, %v (requests %v)", ids, err, d.requests())
	}
}

func TestDocFindUser(t *testing.T) {
	d := newDocServer(t)
	for i := 1; i <= 5; i++ {
		d.seed(docUser(i))
	}
	b := d.client(t, nil).(userapi.Finder)
	u, found, err := b.FindUser(context.Background(), "U5@example.com")
	if err != nil || !found || u.ID != "usr_5" {
		t.Fatalf("find: %+v %v %v (requests %v)", u, found, err, d.requests())
	}
	_, found, err = b.FindUser(context.Background(), "nobody@example.com")
	if err != nil || found {
		t.Fatalf("find nobody: %v %v", found, err)
	}
}

func TestDocRateLimit(t *testing.T) {
	d := newDocServer(t)
	d.seed(docUser(1))
	d.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n == 1 || r.URL.Path == "/v1/users/usr_1" && r.Method == http.MethodDelete {
			w.Header().Set("Retry-After", "0")
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "Rate limit exceeded"})
			return true
		}
		return false
	}
	b := d.client(t, nil)
	if _, err := b.GetUser(context.Background(), "usr_1"); err != nil {
		t.Fatalf("get after one 429: %v", err)
	}
	_, err := b.DeleteUser(context.Background(), "usr_1", userapi.DeleteOptions{})
	wantExit(t, err, 6, "Rate limit exceeded")
}

func TestDocCheck(t *testing.T) {
	d := newDocServer(t)
	d.seed(docUser(1))
	if _, err := d.client(t, nil).(userapi.Checker).Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	bad, _ := rest.New(userapi.Profile{Name: "doc", API: "rest", URL: d.srv.URL + "/v1", Secrets: map[string]string{"token": "nope"}}, userapi.Env{})
	_, err := bad.(userapi.Checker).Check(context.Background())
	wantExit(t, err, 4, "Authentication required")
}

// TestDocOtherObjectShapes covers user objects a service of this shape may
// send beside the documented ones: numeric ids, boolean flags for the
// status, Unix times, a status word the normalized object has no name for.
func TestDocOtherObjectShapes(t *testing.T) {
	cases := []struct{ body, want string }{
		{`{"id":42,"email":"n@example.com","name":"N","active":false,"created_at":1700000000,"updated_at":"2024-01-15 10:30:00"}`,
			`{"id":"42","username":null,"email":"n@example.com","name":"N","roles":[],"status":"disabled","created_at":"2023-11-14T22:13:20Z","updated_at":"2024-01-15T10:30:00Z","extra":{"active":false}}`},
		{`{"name":"Q","status":"on_hold","email":"q@example.com","id":"usr_7","role":null,"roles":["billing","ops"]}`,
			`{"id":"usr_7","username":null,"email":"q@example.com","name":"Q","roles":["billing","ops"],"status":null,"created_at":null,"updated_at":null,"extra":{"status":"on_hold"}}`},
		{`{"data":{"id":"usr_8","email":"w@example.com","name":"W","status":"Suspended","role":"user"}}`,
			`{"id":"usr_8","username":null,"email":"w@example.com","name":"W","roles":["user"],"status":"disabled","created_at":null,"updated_at":null,"extra":{}}`},
	}
	for i, c := range cases {
		d := newDocServer(t)
		d.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, c.body)
			return true
		}
		u, err := d.client(t, nil).GetUser(context.Background(), "x")
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got := mustJSON(t, u); got != c.want {
			t.Errorf("case %d\n got %s\nwant %s", i, got, c.want)
		}
	}
}

func TestDocCreateAnswersWithoutBody(t *testing.T) {
	d := newDocServer(t)
	d.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.Method != http.MethodPost {
			return false
		}
		d.mu.Lock()
		d.users["usr_5"] = map[string]any{"id": "usr_5", "email": "e@example.com", "name": "E", "role": "user", "status": "active"}
		d.order = append(d.order, "usr_5")
		d.mu.Unlock()
		w.Header().Set("Location", "/v1/users/usr_5")
		w.WriteHeader(http.StatusCreated)
		return true
	}
	u, err := d.client(t, map[string]string{"update_method": "put"}).CreateUser(context.Background(), userapi.CreateRequest{Email: "e@example.com", Name: "E", Password: "long-enough"})
	if err != nil || u.ID != "usr_5" {
		t.Fatalf("create: %+v, %v", u, err)
	}
	if got := d.requests(); len(got) != 2 || got[1] != "GET /v1/users/usr_5" {
		t.Errorf("requests = %v", got)
	}
}

func TestDocErrorBodies(t *testing.T) {
	cases := []struct {
		status      int
		ctype, body string
		exit        int
		msg         string
	}{
		{400, "text/plain", "Bad parameters: email\n", 2, "Bad parameters: email"},
		{422, "application/json", `{"errors":{"email":["is invalid"]}}`, 2, "email: is invalid"},
		{409, "application/json", `{"message":"Email has already been taken"}`, 5, "already been taken"},
		{422, "application/json", `{"errors":{"email":["has already been taken"]}}`, 5, "email: has already been taken"},
		{403, "application/json", `"forbidden"`, 4, "403 Forbidden"},
		{429, "application/json", `{"error":"Rate limit exceeded"}`, 6, "Rate limit exceeded"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status, c.body), func(t *testing.T) {
			d := newDocServer(t)
			d.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
				if c.status == 429 {
					w.Header().Set("Retry-After", "0")
				}
				w.Header().Set("Content-Type", c.ctype)
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
				return true
			}
			_, err := d.client(t, nil).CreateUser(context.Background(), userapi.CreateRequest{Email: "e@example.com", Name: "E", Password: "long-enough"})
			wantExit(t, err, c.exit, c.msg, `"e@example.com"`)
		})
	}
}
