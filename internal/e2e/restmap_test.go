package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The rest dialect's profile mapping (apis/rest.md "What the document
// leaves open") against small servers that differ from the document the way
// real ones do, through the binary.

// shapedAPI is a JSON users API with configurable paths, paging and
// storage semantics.
type shapedAPI struct {
	mu    sync.Mutex
	users []map[string]any
	seq   int

	listPath   string // GET (and POST unless createPath) here
	createPath string // "" : listPath
	userPrefix string // GET/PUT/PATCH/DELETE userPrefix+id
	pageParam  string
	sizeParam  string
	maxPage    int    // the server caps page sizes silently
	itemsKey   string // "" : a bare array
	totalKey   string // "" : no total in the body
	lieTotal   int    // > 0: the total it reports
	bodies     []string
}

func newShapedAPI(t *testing.T, a *shapedAPI, n int, mk func(i int) map[string]any) string {
	t.Helper()
	for i := 1; i <= n; i++ {
		a.users = append(a.users, mk(i))
	}
	a.seq = n
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (a *shapedAPI) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *shapedAPI) find(id string) int {
	for i, u := range a.users {
		if fmt.Sprint(u["id"]) == id {
			return i
		}
	}
	return -1
}

func (a *shapedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if len(body) > 0 {
		a.bodies = append(a.bodies, r.Method+" "+r.URL.Path+" "+string(body))
	}
	createPath := a.createPath
	if createPath == "" {
		createPath = a.listPath
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == a.listPath:
		q := r.URL.Query()
		page, _ := strconv.Atoi(q.Get(a.pageParam))
		size, _ := strconv.Atoi(q.Get(a.sizeParam))
		if page < 1 {
			page = 1
		}
		if size < 1 || size > a.maxPage {
			size = a.maxPage
		}
		from := min((page-1)*size, len(a.users))
		to := min(from+size, len(a.users))
		items := a.users[from:to]
		if a.itemsKey == "" {
			a.writeJSON(w, 200, items)
			return
		}
		out := map[string]any{a.itemsKey: items}
		if a.totalKey != "" {
			out[a.totalKey] = len(a.users)
			if a.lieTotal > 0 {
				out[a.totalKey] = a.lieTotal
			}
		}
		a.writeJSON(w, 200, out)
	case r.Method == http.MethodPost && r.URL.Path == createPath:
		var u map[string]any
		if json.Unmarshal(body, &u) != nil {
			a.writeJSON(w, 400, map[string]any{"message": "bad json"})
			return
		}
		a.seq++
		u["id"] = fmt.Sprintf("rec%d", a.seq)
		a.users = append(a.users, u)
		a.writeJSON(w, 200, u)
	case strings.HasPrefix(r.URL.Path, a.userPrefix) && r.URL.Path != a.userPrefix:
		i := a.find(strings.TrimPrefix(r.URL.Path, a.userPrefix))
		if i < 0 {
			a.writeJSON(w, 404, map[string]any{})
			return
		}
		switch r.Method {
		case http.MethodGet:
			a.writeJSON(w, 200, a.users[i])
		case http.MethodPatch:
			var ch map[string]any
			_ = json.Unmarshal(body, &ch)
			for k, v := range ch {
				a.users[i][k] = v
			}
			a.writeJSON(w, 200, a.users[i])
		case http.MethodPut: // replaces the record, like json-server
			var rec map[string]any
			_ = json.Unmarshal(body, &rec)
			rec["id"] = a.users[i]["id"]
			a.users[i] = rec
			a.writeJSON(w, 200, rec)
		case http.MethodDelete:
			a.users = append(a.users[:i], a.users[i+1:]...)
			w.WriteHeader(204)
		}
	default:
		a.writeJSON(w, 404, map[string]any{})
	}
}

func plainUser(i int) map[string]any {
	return map[string]any{"id": fmt.Sprintf("usr_%06d", i), "email": fmt.Sprintf("user%d@example.com", i),
		"name": fmt.Sprintf("User %d", i), "role": "user", "status": "active"}
}

// A server that caps its page size silently and reports its total under a
// name userctl does not know: list --all is still complete.
func TestRestCappedPagesAreComplete(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		set  []string
	}{
		{"auto", nil},
		{"pagination page", []string{"--set", "pagination=page"}},
		{"total key", []string{"--set", "total=hits"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &shapedAPI{listPath: "/users", userPrefix: "/users/", pageParam: "page", sizeParam: "per_page",
				maxPage: 20, itemsKey: "data", totalKey: "hits"}
			url := newShapedAPI(t, api, 250, plainUser)
			c := newCLI(t).set("USERCTL_TOKEN", "t0k")
			c.profile("capped", "rest", url, tc.set...)
			users := listJSON(t, c)
			if len(users) != 250 {
				t.Errorf("list --all: %d users, want 250", len(users))
			}
		})
	}
}

// A server whose pages end short of the total it reports: the listing
// fails saying how many are missing, never a silent part.
func TestRestIncompleteListingFails(t *testing.T) {
	t.Parallel()
	api := &shapedAPI{listPath: "/users", userPrefix: "/users/", pageParam: "page", sizeParam: "per_page",
		maxPage: 20, itemsKey: "data", totalKey: "total", lieTotal: 300}
	url := newShapedAPI(t, api, 250, plainUser)
	c := newCLI(t).set("USERCTL_TOKEN", "t0k")
	c.profile("liar", "rest", url)
	r := c.run("users", "list", "--all", "-o", "json")
	want(t, r, 1)
	wantIn(t, "stderr", r.stderr, "incomplete listing", "300 users", "50 missing")
}

// Per-user paths other than the collection's: defaults are reported as a
// wrong endpoint naming the key to set, never as a missing user, and
// --ignore-not-found does not hide it; with the keys set, everything works.
func TestRestWrongEndpoints(t *testing.T) {
	t.Parallel()
	api := &shapedAPI{listPath: "/users", createPath: "/records", userPrefix: "/records/", pageParam: "page",
		sizeParam: "per_page", maxPage: 100, itemsKey: "data"}
	url := newShapedAPI(t, api, 3, plainUser)
	c := newCLI(t).set("USERCTL_TOKEN", "t0k")
	c.profile("recs", "rest", url)

	r := c.run("users", "get", "usr_000002")
	want(t, r, 2)
	wantIn(t, "stderr", oneLineError(t, r), "wrong endpoint", url+"/users/usr_000001", "user_path")
	r = c.runIn("long-enough-pw\n", "users", "create", "--email", "x@y.example", "--name", "X", "--password-stdin")
	want(t, r, 2)
	wantIn(t, "stderr", oneLineError(t, r), "wrong endpoint: POST "+url+"/users", "create_path")
	wantNotIn(t, "stderr", r.stderr, "not found")
	r = c.run("users", "delete", "usr_000002", "--yes", "--ignore-not-found")
	want(t, r, 2)
	wantIn(t, "stderr", r.stderr, "wrong endpoint", "user_path")
	if len(listJSON(t, c)) != 3 {
		t.Fatalf("a user went missing")
	}

	c.profile("fixed", "rest", url, "--set", "user_path=/records/{id}", "--set", "create_path=/records", "--force")
	c.set("USERCTL_PROFILE", "fixed")
	if u := object(t, c, "", "users", "get", "usr_000002"); u["email"] != "user2@example.com" {
		t.Errorf("get = %v", u)
	}
	u := object(t, c, "long-enough-pw\n", "users", "create", "--email", "x@y.example", "--name", "X", "--password-stdin")
	if u["id"] != "rec4" {
		t.Errorf("create = %v", u)
	}
	want(t, c.run("users", "delete", "usr_000002", "--yes"), 0)
	r = c.run("users", "delete", "usr_000002", "--yes", "--ignore-not-found")
	want(t, r, 0)
}

// A PocketBase-like API: its own paths, page/perPage, {items, totalItems},
// PATCH, created/updated with a space in the time, a boolean status,
// userName and emails[0].value, password and passwordConfirm.
func TestRestFieldMapping(t *testing.T) {
	t.Parallel()
	api := &shapedAPI{listPath: "/api/collections/users/records", userPrefix: "/api/collections/users/records/",
		pageParam: "page", sizeParam: "perPage", maxPage: 30, itemsKey: "items", totalKey: "totalItems"}
	url := newShapedAPI(t, api, 45, func(i int) map[string]any {
		return map[string]any{"id": fmt.Sprintf("pb%d", i), "userName": fmt.Sprintf("user%d", i),
			"emails":  []any{map[string]any{"value": fmt.Sprintf("user%d@example.com", i), "primary": true}},
			"name":    fmt.Sprintf("User %d", i),
			"active":  i%2 == 1,
			"created": "2024-01-15 10:30:00.000Z", "updated": "2024-02-01 08:00:00.123Z", "avatar": "a.png"}
	})
	c := newCLI(t).set("USERCTL_TOKEN", "t0k")
	c.profile("pb", "rest", url, "--set", "list_path=/api/collections/users/records", "--set", "size_param=perPage",
		"--set", "items_key=items", "--set", "update_method=patch", "--set", "fields.username=userName",
		"--set", "fields.email=emails.0.value", "--set", "fields.created_at=created", "--set", "fields.updated_at=updated",
		"--set", "fields.status=active", "--set", "status_values=active=true,disabled=false",
		"--set", "fields.password=password,passwordConfirm")
	// fields.* are nested in the file, and read back from there.
	cfg, err := os.ReadFile(c.configPath())
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, "config", string(cfg), "\n    fields:\n", "\n      email: emails.0.value\n", "\n      password: password,passwordConfirm\n")
	wantNotIn(t, "config", string(cfg), "fields.email")

	users := listJSON(t, c)
	if len(users) != 45 {
		t.Fatalf("list --all: %d users, want 45", len(users))
	}
	u := users[1]
	if u["id"] != "pb2" || u["username"] != "user2" || u["email"] != "user2@example.com" || u["status"] != "disabled" ||
		u["created_at"] != "2024-01-15T10:30:00Z" || u["updated_at"] != "2024-02-01T08:00:00Z" {
		t.Errorf("user 2 = %v", u)
	}
	if extra, _ := u["extra"].(map[string]any); extra["avatar"] != "a.png" {
		t.Errorf("extra of user 2 = %v", u["extra"])
	}

	want(t, c.run("users", "enable", "pb2"), 0)
	want(t, c.runIn("new-password-2\n", "users", "passwd", "pb2", "--password-stdin"), 0)
	api.mu.Lock()
	got := strings.Join(api.bodies, "\n")
	rec := api.users[1]
	api.mu.Unlock()
	wantIn(t, "requests", got,
		`PATCH /api/collections/users/records/pb2 {"active":true}`,
		`PATCH /api/collections/users/records/pb2 {"password":"new-password-2","passwordConfirm":"new-password-2"}`)
	if rec["active"] != true || rec["avatar"] != "a.png" || rec["userName"] != "user2" {
		t.Errorf("record after enable and passwd = %v", rec)
	}
}

// udata decodes leniently: a user with fields of unexpected types reads as
// null fields with the raw values in extra, and the export goes on.
func TestUdataOddTypesDoNotFailExport(t *testing.T) {
	t.Parallel()
	page := `{"data": [
	  {"id": "5f0000000000000000000001", "slug": "ada", "first_name": "Ada", "last_name": "L", "email": "ada@example.com", "roles": ["admin"], "active": true},
	  {"id": "5f0000000000000000000002", "slug": "odd", "first_name": {"fr": "Odile"}, "last_name": "D", "email": 42, "roles": ["editor", 7], "active": "yes", "since": 1700000000}
	], "page": 1, "page_size": 20, "total": 2, "next_page": null}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/users/") {
			_, _ = io.WriteString(w, page)
			return
		}
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"message": "not found"}`)
	}))
	t.Cleanup(srv.Close)
	c := newCLI(t).set("USERCTL_TOKEN", "t0k")
	c.profile("gouv", "udata", srv.URL+"/api/1")
	r := c.run("users", "export", "-o", "jsonl")
	want(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("export wrote %d lines, want 2:\n%s", len(lines), r)
	}
	var odd map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &odd); err != nil {
		t.Fatal(err)
	}
	extra, _ := odd["extra"].(map[string]any)
	if odd["id"] != "5f0000000000000000000002" || odd["email"] != nil || len(odd["roles"].([]any)) != 0 ||
		fmt.Sprint(extra["email"]) != "42" || fmt.Sprint(extra["first_name"]) != "map[fr:Odile]" ||
		fmt.Sprint(extra["roles"]) != "[editor 7]" || extra["active"] != "yes" {
		t.Errorf("odd user = %v", odd)
	}
}
