package udata

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

// exchange is one request the fake server received.
type exchange struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// fake is an httptest server mounted under /api/1 that records requests
// and answers with handle.
type fake struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	got    []exchange
	handle func(w http.ResponseWriter, r *http.Request, n int)
}

func newFake(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) (*fake, *Client) {
	t.Helper()
	f := &fake{t: t, handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.got = append(f.got, exchange{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		n := len(f.got)
		f.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		f.handle(w, r, n)
	}))
	t.Cleanup(f.srv.Close)
	c, err := newClient(userapi.Profile{Name: "test", URL: f.srv.URL + "/api/1", Secrets: map[string]string{"token": "secret-key"}},
		userapi.Env{Timeout: 5 * time.Second}, func(o *httpx.Options) { o.Backoff = func(int) time.Duration { return 0 } })
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fake) requests() []exchange {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]exchange(nil), f.got...)
}

// expect checks request i: method, path and raw query.
func (f *fake) expect(i int, method, path, query string) exchange {
	f.t.Helper()
	got := f.requests()
	if i >= len(got) {
		f.t.Fatalf("request %d not sent (only %d)", i, len(got))
	}
	e := got[i]
	if e.Method != method || e.Path != path || e.Query != query {
		f.t.Fatalf("request %d = %s %s?%s, want %s %s?%s", i, e.Method, e.Path, e.Query, method, path, query)
	}
	if k := e.Header.Get("X-API-KEY"); k != "secret-key" {
		f.t.Errorf("request %d: X-API-KEY = %q", i, k)
	}
	if a := e.Header.Get("Accept"); a != "application/json" {
		f.t.Errorf("request %d: Accept = %q", i, a)
	}
	return e
}

func (f *fake) count() int { return len(f.requests()) }

func jsonBody(t *testing.T, e exchange, want string) {
	t.Helper()
	if ct := e.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got, exp any
	if err := json.Unmarshal(e.Body, &got); err != nil {
		t.Fatalf("body %q: %v", e.Body, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	x, _ := json.Marshal(exp)
	if string(g) != string(x) {
		t.Errorf("body = %s\nwant   %s", g, x)
	}
}

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

const adaJSON = `{"id": "5d0000000000000000000001", "slug": "ada-lovelace", "first_name": "Ada", "last_name": "Lovelace",
 "email": "ada@example.org", "avatar": null, "avatar_thumbnail": null, "website": "https://ada.example", "about": null,
 "roles": ["editor"], "active": true, "organizations": [], "since": "2024-01-15T10:30:00.123456",
 "last_login_at": "2025-03-01T08:00:00+00:00", "metrics": {"datasets": 2, "followers": 1}}`

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestRegistered(t *testing.T) {
	d, err := userapi.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	if d.DefaultURL != "https://www.data.gouv.fr/api/1" || len(d.SecretKeys()) != 1 || d.SecretKeys()[0] != "token" {
		t.Errorf("dialect = %+v", d)
	}
	b, err := d.New(userapi.Profile{Secrets: map[string]string{"token": "k"}}, userapi.Env{})
	if err != nil {
		t.Fatal(err)
	}
	info := b.Info()
	if strings.Join(info.CreateRequired, ",") != "first-name,last-name,email" || !strings.Contains(info.DeleteNote, "soft delete") {
		t.Errorf("info = %+v", info)
	}
	if got := strings.Join(userapi.Capabilities(b), ","); got != "avatar upload,create,delete,disable,enable,follow,followers,get,list,passwd,roles,suggest,unfollow,update" {
		t.Errorf("capabilities = %s", got)
	}
}

func TestNewWithoutKeyIsUsage(t *testing.T) {
	_, err := New(userapi.Profile{Name: "prod"}, userapi.Env{})
	if errkind.Of(err) != errkind.Usage || !strings.Contains(err.Error(), "USERCTL_TOKEN") || !strings.Contains(err.Error(), "profile prod") {
		t.Fatalf("err = %v", err)
	}
}

func TestGetUserNormalizes(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { reply(w, 200, adaJSON) })
	u, err := c.GetUser(ctx(t), "ada-lovelace")
	if err != nil {
		t.Fatal(err)
	}
	f.expect(0, "GET", "/api/1/users/ada-lovelace/", "")
	b, _ := json.Marshal(u)
	want := `{"id":"5d0000000000000000000001","username":"ada-lovelace","email":"ada@example.org","name":"Ada Lovelace",` +
		`"roles":["editor"],"status":"active","created_at":"2024-01-15T10:30:00Z","updated_at":null,` +
		`"extra":{"about":null,"avatar":null,"last_login_at":"2025-03-01T08:00:00Z","metrics":{"datasets":2,"followers":1},` +
		`"slug":"ada-lovelace","website":"https://ada.example"}}`
	if string(b) != want {
		t.Errorf("user = %s\nwant   %s", b, want)
	}
}

func TestNormalizeNullSafe(t *testing.T) {
	u, _, err := decodeUser([]byte(`{"id": "x", "slug": null, "first_name": null, "last_name": null, "email": null,
		"roles": null, "active": null, "since": null, "metrics": null, "last_login_at": null, "website": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != userapi.StatusActive || u.Roles == nil || len(u.Roles) != 0 || u.CreatedAt != nil || u.Name != "" {
		t.Errorf("user = %+v", u)
	}
	if u.Extra["metrics"] != nil || u.Extra["slug"] != nil {
		t.Errorf("extra = %v", u.Extra)
	}
}

func TestStatus(t *testing.T) {
	f, tr := false, true
	for _, tc := range []struct {
		w    wireUser
		want userapi.Status
	}{
		{wireUser{Active: &tr}, userapi.StatusActive},
		{wireUser{}, userapi.StatusActive},
		{wireUser{Active: &f}, userapi.StatusDisabled},
		{wireUser{Active: &tr, Email: "5d00@deleted"}, userapi.StatusDeleted},
		{wireUser{Active: &f, Slug: "deleted-5d00"}, userapi.StatusDeleted},
	} {
		if got := tc.w.status(); got != tc.want {
			t.Errorf("status(%+v) = %s, want %s", tc.w, got, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	for in, exp := range map[string]time.Time{
		"2024-01-15T10:30:00":              want,
		"2024-01-15T10:30:00Z":             want,
		"2024-01-15T10:30:00+00:00":        want,
		"2024-01-15T12:30:00+02:00":        want,
		"2024-01-15T12:30:00+0200":         want,
		"2024-01-15T10:30:00.123456":       want.Add(123456 * time.Microsecond),
		"2024-01-15T10:30:00.123456+00:00": want.Add(123456 * time.Microsecond),
		"2024-01-15 10:30:00":              want,
		"2024-01-15":                       time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC),
	} {
		got, ok := parseTime(in)
		if !ok || !got.Equal(exp) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v; want %v UTC", in, got, ok, exp)
		}
	}
	if _, ok := parseTime("yesterday"); ok {
		t.Error("parseTime accepted garbage")
	}
}

// pageJSON renders a page of users id0..id(n-1) with next as next_page.
func pageJSON(from, n int, next string) string {
	var items []string
	for i := from; i < from+n; i++ {
		items = append(items, fmt.Sprintf(`{"id": "%024x", "slug": "u-%d", "first_name": "U", "last_name": "%d", "roles": [], "active": true}`, i, i, i))
	}
	nx := "null"
	if next != "" {
		nx = `"` + next + `"`
	}
	return fmt.Sprintf(`{"data": [%s], "page": 1, "page_size": %d, "total": 5, "next_page": %s, "previous_page": null}`,
		strings.Join(items, ","), n, nx)
}

func TestListFollowsNextPageAndStops(t *testing.T) {
	var f *fake
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.URL.Query().Get("page") {
		case "1":
			reply(w, 200, pageJSON(0, 2, f.srv.URL+"/api/1/users/?page=2&page_size=2&q=u&sort=-created"))
		case "2":
			reply(w, 200, pageJSON(2, 2, f.srv.URL+"/api/1/users/?page=3&page_size=2&q=u&sort=-created"))
		case "3":
			reply(w, 200, pageJSON(4, 1, ""))
		default:
			reply(w, 404, `{"message": "past the end"}`)
		}
	})
	var ids []string
	for u, err := range c.ListUsers(ctx(t), userapi.ListOptions{Query: "u", Sort: "-created", PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if len(ids) != 5 {
		t.Fatalf("got %d users: %v", len(ids), ids)
	}
	f.expect(0, "GET", "/api/1/users/", "page=1&page_size=2&q=u&sort=-created")
	f.expect(1, "GET", "/api/1/users/", "page=2&page_size=2&q=u&sort=-created")
	f.expect(2, "GET", "/api/1/users/", "page=3&page_size=2&q=u&sort=-created")
	if f.count() != 3 {
		t.Errorf("%d requests, want 3 (never past the end)", f.count())
	}
}

func TestListDefaultPageSizeAndLimit(t *testing.T) {
	var f *fake
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 200, pageJSON(0, 3, f.srv.URL+"/api/1/users/?page=2"))
	})
	for _, err := range c.ListUsers(ctx(t), userapi.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	f.expect(0, "GET", "/api/1/users/", "page=1&page_size=100")
	f2, c2 := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 200, pageJSON(0, 2, "http://elsewhere.invalid/api/1/users/?page=2"))
	})
	n := 0
	for _, err := range c2.ListUsers(ctx(t), userapi.ListOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("limit 2 gave %d", n)
	}
	f2.expect(0, "GET", "/api/1/users/", "page=1&page_size=2")
}

func TestListSortIsValidated(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, pageJSON(0, 0, "")) })
	for _, err := range c.ListUsers(ctx(t), userapi.ListOptions{Sort: "email"}) {
		if errkind.Of(err) != errkind.Usage || !strings.Contains(err.Error(), "last_name, first_name, datasets, reuses, followers, views, created") {
			t.Fatalf("err = %v", err)
		}
	}
	if f.count() != 0 {
		t.Error("a request was sent")
	}
}

// A next_page on another host lends only its query: the key never leaves.
func TestListNextPageOnOtherHost(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			reply(w, 200, pageJSON(0, 1, "https://proxy.invalid/api/1/users/?page=2&page_size=1"))
			return
		}
		reply(w, 200, pageJSON(1, 1, ""))
	})
	n := 0
	for _, err := range c.ListUsers(ctx(t), userapi.ListOptions{PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	f.expect(1, "GET", "/api/1/users/", "page=2&page_size=1")
	if n != 2 {
		t.Errorf("got %d users", n)
	}
}

func TestListErrorIsLast(t *testing.T) {
	var f *fake
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Query().Get("page") == "1" {
			reply(w, 200, pageJSON(0, 2, f.srv.URL+"/api/1/users/?page=2"))
			return
		}
		reply(w, 403, `{"message": "You do not have the permission to modify that object."}`)
	})
	var n int
	var last error
	for _, err := range c.ListUsers(ctx(t), userapi.ListOptions{}) {
		if err != nil {
			last = err
			continue
		}
		if last != nil {
			t.Fatal("a user after the error")
		}
		n++
	}
	if n != 2 || errkind.Of(last) != errkind.Auth || !strings.Contains(last.Error(), "permission to modify") {
		t.Fatalf("n = %d, err = %v", n, last)
	}
}

// The prefetch goroutine stops when the consumer breaks: the request for
// the next page in flight is cancelled.
func TestListBreakCancelsPrefetch(t *testing.T) {
	cancelled := make(chan struct{})
	arrived := make(chan struct{})
	var f *fake
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Query().Get("page") == "1" {
			reply(w, 200, pageJSON(0, 2, f.srv.URL+"/api/1/users/?page=2"))
			return
		}
		close(arrived)
		<-r.Context().Done()
		close(cancelled)
	})
	got := make(chan struct{})
	go func() {
		defer close(got)
		for _, err := range c.ListUsers(context.Background(), userapi.ListOptions{}) {
			if err != nil {
				t.Error(err)
			}
			<-arrived // page 2 is being prefetched
			break
		}
	}()
	<-got
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the prefetch of page 2 was not cancelled after the consumer stopped")
	}
	_ = f
}

func TestCreateBody(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { reply(w, 201, adaJSON) })
	u, err := c.CreateUser(ctx(t), userapi.CreateRequest{
		Name: "Ada King Lovelace", Email: "ada@example.org", Roles: []string{"editor"},
		Extra: map[string]string{"website": "https://ada.example", "about": "math"},
	})
	if err != nil || u.ID != "5d0000000000000000000001" {
		t.Fatal(u, err)
	}
	e := f.expect(0, "POST", "/api/1/users/", "")
	jsonBody(t, e, `{"first_name":"Ada","last_name":"King Lovelace","email":"ada@example.org","website":"https://ada.example",
		"about":"math","roles":["editor"],"active":true}`)

	if _, err := c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "A", LastName: "B", Email: "a@b.c", Inactive: true}); err != nil {
		t.Fatal(err)
	}
	jsonBody(t, f.expect(1, "POST", "/api/1/users/", ""), `{"first_name":"A","last_name":"B","email":"a@b.c","active":false}`)
}

func TestCreateValidatesBeforeSending(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { reply(w, 201, adaJSON) })
	for _, req := range []userapi.CreateRequest{
		{Email: "a@b.c", FirstName: "A"},
		{Email: "a@b.c", Name: "Madonna"},
		{FirstName: "A", LastName: "B"},
		{FirstName: "A", LastName: "B", Email: "not-an-email"},
		{FirstName: "A", LastName: "B", Email: "a@b.c", Password: "hunter22"},
		{FirstName: "A", LastName: "B", Email: "a@b.c", Extra: map[string]string{"color": "red"}},
	} {
		if _, err := c.CreateUser(ctx(t), req); errkind.Of(err) != errkind.Usage {
			t.Errorf("create %+v: err = %v, want usage", req, err)
		}
	}
	if f.count() != 0 {
		t.Errorf("%d requests sent", f.count())
	}
}

func TestCreateTakenEmailIsConflict(t *testing.T) {
	for _, body := range []string{
		`{"errors": {"email": ["ada@example.org is already associated with an account."]}}`,
		`{"errors": {"email": "ada@example.org is already associated with an account."}, "message": "Validation error"}`,
	} {
		_, c := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { reply(w, 400, body) })
		_, err := c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "A", LastName: "B", Email: "ada@example.org"})
		if errkind.ExitCode(err) != 5 || !strings.Contains(err.Error(), `user "ada@example.org" already exists`) ||
			!strings.Contains(err.Error(), "already associated") {
			t.Errorf("body %s: err = %v", body, err)
		}
	}
	_, c := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		reply(w, 400, `{"errors": {"first_name": ["This field is required."]}}`)
	})
	_, err := c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "A", LastName: "B", Email: "a@b.c"})
	if errkind.Of(err) != errkind.Invalid || !strings.Contains(err.Error(), "first_name: This field is required.") {
		t.Errorf("err = %v", err)
	}
}

// hangUp closes the connection without an answer: the POST may have been
// processed.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func TestCreateMaybeSentChecksBeforeRetry(t *testing.T) {
	t.Run("created", func(t *testing.T) {
		f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			switch {
			case r.Method == "POST":
				hangUp(w)
			default:
				reply(w, 200, `{"data": [`+adaJSON+`], "page": 1, "page_size": 100, "total": 1, "next_page": null}`)
			}
		})
		u, err := c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "Ada", LastName: "Lovelace", Email: "ADA@example.org"})
		if err != nil || u.Email != "ada@example.org" {
			t.Fatal(u, err)
		}
		f.expect(1, "GET", "/api/1/users/", "page=1&page_size=100&q=ADA%40example.org")
		if f.count() != 2 {
			t.Errorf("%d requests, want POST then GET", f.count())
		}
	})
	t.Run("not created", func(t *testing.T) {
		f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			switch {
			case r.Method == "POST" && n == 1:
				hangUp(w)
			case r.Method == "POST":
				reply(w, 201, adaJSON)
			default:
				reply(w, 200, `{"data": [], "page": 1, "page_size": 100, "total": 0, "next_page": null}`)
			}
		})
		if _, err := c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.org"}); err != nil {
			t.Fatal(err)
		}
		f.expect(2, "POST", "/api/1/users/", "")
		if f.count() != 3 {
			t.Errorf("%d requests, want POST, GET, POST", f.count())
		}
	})
}

func TestUpdateAlwaysSendsRoles(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { reply(w, 200, adaJSON) })
	name := "Ada Lovelace"
	st := userapi.StatusDisabled
	if _, err := c.UpdateUser(ctx(t), "ada-lovelace", userapi.UpdateRequest{Name: &name, Status: &st,
		Extra: map[string]string{"about": "poet"}}); err != nil {
		t.Fatal(err)
	}
	f.expect(0, "GET", "/api/1/users/ada-lovelace/", "")
	jsonBody(t, f.expect(1, "PUT", "/api/1/users/ada-lovelace/", ""),
		`{"first_name":"Ada","last_name":"Lovelace","about":"poet","roles":["editor"],"active":false}`)

	roles := []string{}
	admin := true
	if _, err := c.UpdateUser(ctx(t), "ada-lovelace", userapi.UpdateRequest{Roles: &roles, Admin: &admin}); err != nil {
		t.Fatal(err)
	}
	jsonBody(t, f.expect(2, "PUT", "/api/1/users/ada-lovelace/", ""), `{"roles":["admin"]}`)
	if f.count() != 3 {
		t.Errorf("roles given: the user was read anyway (%d requests)", f.count())
	}
	if _, err := c.UpdateUser(ctx(t), "x", userapi.UpdateRequest{}); errkind.Of(err) != errkind.Usage {
		t.Errorf("empty update: %v", err)
	}
	bad := userapi.StatusPending
	if _, err := c.UpdateUser(ctx(t), "x", userapi.UpdateRequest{Status: &bad}); errkind.Of(err) != errkind.Usage {
		t.Errorf("pending: %v", err)
	}
}

func TestDisableEnableSendFullRoles(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { reply(w, 200, adaJSON) })
	if _, err := c.DisableUser(ctx(t), "5d0000000000000000000001"); err != nil {
		t.Fatal(err)
	}
	f.expect(0, "GET", "/api/1/users/5d0000000000000000000001/", "")
	jsonBody(t, f.expect(1, "PUT", "/api/1/users/5d0000000000000000000001/", ""), `{"roles":["editor"],"active":false}`)
	if _, err := c.EnableUser(ctx(t), "5d0000000000000000000001"); err != nil {
		t.Fatal(err)
	}
	jsonBody(t, f.expect(3, "PUT", "/api/1/users/5d0000000000000000000001/", ""), `{"roles":["editor"],"active":true}`)
}

func TestDelete(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n < 3 {
			w.WriteHeader(204)
			return
		}
		reply(w, 410, `{"message": "This user has been deleted"}`)
	})
	res, err := c.DeleteUser(ctx(t), "ada-lovelace", userapi.DeleteOptions{})
	if err != nil || res.Action != "deleted" || res.ID != "ada-lovelace" {
		t.Fatal(res, err)
	}
	f.expect(0, "DELETE", "/api/1/users/ada-lovelace/", "")
	if _, err := c.DeleteUser(ctx(t), "ada-lovelace", userapi.DeleteOptions{NoMail: true, DeleteComments: true}); err != nil {
		t.Fatal(err)
	}
	f.expect(1, "DELETE", "/api/1/users/ada-lovelace/", "delete_comments=true&no_mail=true")
	_, err = c.DeleteUser(ctx(t), "ada-lovelace", userapi.DeleteOptions{})
	if errkind.ExitCode(err) != 3 || !strings.HasPrefix(err.Error(), `user "ada-lovelace" not found`) {
		t.Errorf("second delete: %v", err)
	}
}

func TestFollowResolvesSlug(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.Method == "GET":
			reply(w, 200, adaJSON)
		case n == 2:
			reply(w, 201, `{"followers": 3}`)
		default:
			reply(w, 200, `{"followers": 3}`)
		}
	})
	res, err := c.Follow(ctx(t), "ada-lovelace")
	if err != nil || res.Action != "followed" || res.Count == nil || *res.Count != 3 || res.ID != "5d0000000000000000000001" {
		t.Fatal(res, err)
	}
	f.expect(0, "GET", "/api/1/users/ada-lovelace/", "")
	f.expect(1, "POST", "/api/1/users/5d0000000000000000000001/followers/", "")
	res, err = c.Follow(ctx(t), "5d0000000000000000000001")
	if err != nil || res.Action != "already following" {
		t.Fatal(res, err)
	}
	f.expect(2, "POST", "/api/1/users/5d0000000000000000000001/followers/", "")
}

func TestFollowYourselfIsAuth(t *testing.T) {
	_, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 403, `{"message": "You can't follow yourself"}`)
	})
	_, err := c.Follow(ctx(t), "5d0000000000000000000001")
	if errkind.ExitCode(err) != 4 || !strings.Contains(err.Error(), "You can't follow yourself") {
		t.Errorf("err = %v", err)
	}
}

func TestUnfollow(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.Method == "DELETE" && n == 1:
			reply(w, 200, `{"followers": 0}`)
		case r.Method == "DELETE":
			reply(w, 404, `{"message": "Not following. You have requested this URI [/x/] but did you mean /y/ ?"}`)
		default:
			reply(w, 200, adaJSON)
		}
	})
	res, err := c.Unfollow(ctx(t), "5d0000000000000000000001")
	if err != nil || res.Action != "unfollowed" || *res.Count != 0 {
		t.Fatal(res, err)
	}
	f.expect(0, "DELETE", "/api/1/users/5d0000000000000000000001/followers/", "")
	_, err = c.Unfollow(ctx(t), "5d0000000000000000000001")
	if errkind.ExitCode(err) != 3 || !strings.Contains(err.Error(), "not following user") {
		t.Errorf("err = %v", err)
	}
	f.expect(2, "GET", "/api/1/users/5d0000000000000000000001/", "")
}

func TestFollowers(t *testing.T) {
	var f *fake
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Query().Get("page") == "1" {
			reply(w, 200, `{"data": [{"id": "f1", "follower": {"id": "a1", "slug": "grace", "first_name": "Grace", "last_name": "Hopper"},
				"since": "2024-02-01T10:00:00+00:00"}], "page": 1, "page_size": 1, "total": 2, "next_page": "`+f.srv.URL+`/api/1/users/5d0000000000000000000001/followers/?page=2&page_size=1"}`)
			return
		}
		reply(w, 200, `{"data": [{"id": "f2", "follower": {"id": "a2", "slug": "anon", "first_name": null, "last_name": null},
			"since": "2024-02-02T10:00:00"}], "page": 2, "page_size": 1, "total": 2, "next_page": null}`)
	})
	var got []string
	for fl, err := range c.Followers(ctx(t), "5d0000000000000000000001", 0) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %s", fl.ID, fl.Name, fl.Since.Format(time.RFC3339)))
	}
	want := "a1 Grace Hopper 2024-02-01T10:00:00Z|a2 anon 2024-02-02T10:00:00Z"
	if strings.Join(got, "|") != want {
		t.Errorf("followers = %q", got)
	}
	f.expect(0, "GET", "/api/1/users/5d0000000000000000000001/followers/", "page=1&page_size=100")
	for _, err := range c.Followers(ctx(t), "5d0000000000000000000001", 1) {
		if err != nil {
			t.Fatal(err)
		}
	}
	f.expect(2, "GET", "/api/1/users/5d0000000000000000000001/followers/", "page=1&page_size=1")
	if f.count() != 3 {
		t.Errorf("limit 1 fetched %d pages", f.count()-2)
	}
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

func TestAvatarMultipart(t *testing.T) {
	type part struct{ name, filename, ct, body string }
	var parts []part
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Error(err)
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
		}
		reply(w, 200, `{"success": true, "image": "https://static.example/avatars/a.png"}`)
	})
	res, err := c.UploadAvatar(ctx(t), "ada-lovelace", userapi.Avatar{Data: pngBytes, ContentType: "application/octet-stream",
		Filename: `me "1".png`, BBox: "0, 0,100,100"})
	if err != nil || !strings.Contains(res.Message, "https://static.example/avatars/a.png") {
		t.Fatal(res, err)
	}
	e := f.expect(0, "POST", "/api/1/users/ada-lovelace/avatar/", "")
	if !strings.HasPrefix(e.Header.Get("Content-Type"), "multipart/form-data; boundary=") {
		t.Errorf("Content-Type = %q", e.Header.Get("Content-Type"))
	}
	want := []part{{"file", `me "1".png`, "image/png", string(pngBytes)}, {"bbox", "", "", "0,0,100,100"}}
	if fmt.Sprint(parts) != fmt.Sprint(want) {
		t.Errorf("parts = %q\nwant %q", parts, want)
	}
	for _, a := range []userapi.Avatar{
		{Data: []byte("GIF89a...."), Filename: "x.gif"},
		{Data: pngBytes, BBox: "1,2,3"},
		{Data: pngBytes, BBox: "1,2,3,x"},
	} {
		if _, err := c.UploadAvatar(ctx(t), "ada-lovelace", a); errkind.Of(err) != errkind.Usage {
			t.Errorf("avatar %q bbox %q: err = %v, want usage", a.Data[:4], a.BBox, err)
		}
	}
	if f.count() != 1 {
		t.Errorf("%d requests, want 1", f.count())
	}
}

func TestDetectImage(t *testing.T) {
	for data, want := range map[string]string{
		"\xFF\xD8\xFF\xE0\x00\x10JFIF": "image/jpeg",
		string(pngBytes):               "image/png",
		"RIFF\x24\x00\x00\x00WEBPVP8 ": "image/webp",
		"RIFF\x24\x00\x00\x00WAVEfmt ": "",
		"<svg/>":                       "",
	} {
		if got, _ := DetectImage([]byte(data)); got != want {
			t.Errorf("DetectImage(%q) = %q, want %q", data, got, want)
		}
	}
}

// A 308 (a path without its slash on the server's side) re-sends the whole
// multipart body.
func TestRedirectKeepsBody(t *testing.T) {
	var sizes []int
	_, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		b, _ := io.ReadAll(r.Body)
		sizes = append(sizes, len(b))
		if n == 1 {
			w.Header().Set("Location", "/api/1/users/ada-lovelace/avatar/?moved=1")
			w.WriteHeader(http.StatusPermanentRedirect)
			return
		}
		reply(w, 200, `{"success": true, "image": "x"}`)
	})
	if _, err := c.UploadAvatar(ctx(t), "ada-lovelace", userapi.Avatar{Data: pngBytes}); err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 2 || sizes[0] == 0 || sizes[0] != sizes[1] {
		t.Errorf("body sizes = %v, want the same body twice", sizes)
	}
}

func TestRolesSuggestPasswordCheck(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.URL.Path {
		case "/api/1/users/roles/":
			reply(w, 200, `[{"name": "admin"}, {"name": "editor"}]`)
		case "/api/1/users/suggest/":
			reply(w, 200, `[{"id": "a1", "first_name": "Ada", "last_name": "Lovelace", "avatar_url": null, "email": "***@example.org", "slug": "ada-lovelace"}]`)
		case "/api/1/users/ada-lovelace/rotate_password/":
			w.WriteHeader(204)
		case "/api/1/me/":
			reply(w, 200, strings.Replace(adaJSON, `["editor"]`, `["admin", "editor"]`, 1))
		}
	})
	roles, err := c.ListRoles(ctx(t))
	if err != nil || len(roles) != 2 || roles[1].Name != "editor" {
		t.Fatal(roles, err)
	}
	f.expect(0, "GET", "/api/1/users/roles/", "")

	s, err := c.SuggestUsers(ctx(t), "ada", 5)
	if err != nil || len(s) != 1 || s[0] != (userapi.Suggestion{ID: "a1", Slug: "ada-lovelace", Name: "Ada Lovelace", Email: "***@example.org"}) {
		t.Fatal(s, err)
	}
	f.expect(1, "GET", "/api/1/users/suggest/", "q=ada&size=5")
	for _, limit := range []int{-1, 21} {
		if _, err := c.SuggestUsers(ctx(t), "ada", limit); errkind.Of(err) != errkind.Usage {
			t.Errorf("limit %d: %v", limit, err)
		}
	}
	if _, err := c.SuggestUsers(ctx(t), " ", 5); errkind.Of(err) != errkind.Usage {
		t.Errorf("empty query: %v", err)
	}

	pol := c.PasswordPolicy()
	if pol.NeedsNew || pol.NeedsCurrent || !strings.Contains(pol.Note, "forces a password rotation") {
		t.Errorf("policy = %+v", pol)
	}
	res, err := c.SetPassword(ctx(t), "ada-lovelace", userapi.PasswordChange{})
	if err != nil || res.ID != "ada-lovelace" {
		t.Fatal(res, err)
	}
	if e := f.expect(2, "POST", "/api/1/users/ada-lovelace/rotate_password/", ""); len(e.Body) != 0 {
		t.Errorf("rotate_password body = %q", e.Body)
	}

	who, err := c.Check(ctx(t))
	if err != nil || who != "Ada Lovelace <ada@example.org> (admin, editor)" {
		t.Fatalf("check = %q, %v", who, err)
	}
	f.expect(3, "GET", "/api/1/me/", "")
	if f.count() != 4 {
		t.Errorf("%d requests, want 4", f.count())
	}
}

func TestErrorShapes(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		kind   errkind.Kind
		want   string
	}{
		{401, `{"message": "Invalid API token"}`, errkind.Auth, "401 Unauthorized: Invalid API token"},
		{403, `{"message": "You do not have the permission to modify that object."}`, errkind.Auth, "permission to modify that object"},
		{400, `{"errors": {"email": ["This field is required."]}}`, errkind.Invalid, "email: This field is required."},
		{400, `{"errors": {"email": "Invalid email address"}, "message": "Validation error"}`, errkind.Invalid, "Validation error: email: Invalid email address"},
		{400, `{"errors": {"size": "Invalid argument"}, "message": "Input payload validation failed"}`, errkind.Invalid, "Input payload validation failed: size: Invalid argument"},
		{410, `{"message": "This user has been deleted"}`, errkind.NotFound, `user "ada" not found: This user has been deleted`},
		{404, `{"message": "The requested URL was not found on the server. You have requested this URI [/api/1/users/ada/] but did you mean /api/1/users/<user>/ ?"}`,
			errkind.NotFound, `user "ada" not found`},
		{404, `{"message": "User not found. You have requested this URI [/api/1/users/ada/] but did you mean /api/1/users/<user>/ ?"}`,
			errkind.NotFound, `user "ada" not found: User not found.`},
	} {
		_, c := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { reply(w, tc.status, tc.body) })
		_, err := c.GetUser(ctx(t), "ada")
		if errkind.Of(err) != tc.kind || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%d %s:\n err = %v (kind %v)\nwant %v containing %q", tc.status, tc.body, err, errkind.Of(err), tc.kind, tc.want)
		}
		if tc.status == 404 && (strings.HasSuffix(err.Error(), ": ") || strings.Contains(err.Error(), "did you mean") ||
			strings.Contains(err.Error(), "requested URL")) {
			t.Errorf("404 hint kept: %v", err)
		}
	}
}

func TestRawStaysOnHost(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { reply(w, 200, `{}`) })
	if _, err := c.Raw(ctx(t), "get", "https://evil.example/api/1/me/", nil, nil); errkind.Of(err) != errkind.Usage {
		t.Errorf("other host: %v", err)
	}
	resp, err := c.Raw(ctx(t), "get", "/me/", nil, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	resp.Body.Close()
	f.expect(0, "GET", "/api/1/me/", "")
}
