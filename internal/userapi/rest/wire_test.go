package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/rest"
)

// recorded is one request the fake server saw.
type recorded struct {
	Method, Path, Query, Auth, ContentType string
	Body                                   map[string]any
}

// fake mounts handler under /api/v1 (so absolute-URL mistakes fail) and
// records every request.
func fake(t *testing.T, opts map[string]string, handler func(w http.ResponseWriter, r *http.Request)) (userapi.Backend, *[]recorded) {
	t.Helper()
	var reqs []recorded
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		rec := recorded{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/api/v1"), Query: r.URL.RawQuery,
			Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type")}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &rec.Body); err != nil {
				t.Errorf("request body is not a JSON object: %s", b)
			}
		}
		reqs = append(reqs, rec)
		handler(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b, err := rest.New(userapi.Profile{Name: "t", API: "rest", URL: srv.URL + "/api/v1", Values: opts, Secrets: map[string]string{"token": "s3cr3t"}},
		userapi.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return b, &reqs
}

const userJSON = `{"id":"usr_1","email":"a@example.com","name":"Ada","role":"admin","status":"active","created_at":"2024-01-15T10:30:00+01:00","updated_at":null,"team":"x"}`

func TestGetSendsBearerAndNormalizes(t *testing.T) {
	b, reqs := fake(t, nil, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, userJSON) })
	u, err := b.GetUser(context.Background(), "usr_1")
	if err != nil {
		t.Fatal(err)
	}
	r := (*reqs)[0]
	if r.Method != "GET" || r.Path != "/users/usr_1" || r.Auth != "Bearer s3cr3t" {
		t.Errorf("request = %+v", r)
	}
	got, _ := json.Marshal(u)
	want := `{"id":"usr_1","username":null,"email":"a@example.com","name":"Ada","roles":["admin"],"status":"active","created_at":"2024-01-15T09:30:00Z","updated_at":null,"extra":{"team":"x"}}`
	if string(got) != want {
		t.Errorf("normalized\n got %s\nwant %s", got, want)
	}
}

func TestCreateBodyAndValidation(t *testing.T) {
	b, reqs := fake(t, nil, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		io.WriteString(w, userJSON)
	})
	ctx := context.Background()
	if _, err := b.CreateUser(ctx, userapi.CreateRequest{Email: "a@example.com", Name: "Ada", Password: "short"}); errkind.ExitCode(err) != 2 {
		t.Fatalf("short password: %v (exit %d), want exit 2", err, errkind.ExitCode(err))
	}
	if len(*reqs) != 0 {
		t.Fatalf("a short password was sent: %+v", *reqs)
	}
	_, err := b.CreateUser(ctx, userapi.CreateRequest{Email: "a@example.com", Name: "Ada", Password: "long-enough", Roles: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	r := (*reqs)[0]
	if r.Method != "POST" || r.Path != "/users" || r.ContentType != "application/json" {
		t.Errorf("request = %+v", r)
	}
	want := map[string]any{"email": "a@example.com", "name": "Ada", "password": "long-enough", "role": "admin"}
	if fmt.Sprint(r.Body) != fmt.Sprint(want) {
		t.Errorf("body = %v, want %v", r.Body, want)
	}
}

func TestUpdateDisablePasswdPut(t *testing.T) {
	b, reqs := fake(t, map[string]string{"update_method": "put"}, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, userJSON) })
	ctx := context.Background()
	name := "Ada King"
	if _, err := b.(userapi.Updater).UpdateUser(ctx, "usr_1", userapi.UpdateRequest{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.(userapi.Disabler).DisableUser(ctx, "usr_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.(userapi.Disabler).EnableUser(ctx, "usr_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.(userapi.PasswordSetter).SetPassword(ctx, "usr_1", userapi.PasswordChange{New: "new-password"}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`PUT /users/usr_1 map[name:Ada King]`,
		`PUT /users/usr_1 map[status:disabled]`,
		`PUT /users/usr_1 map[status:active]`,
		`PUT /users/usr_1 map[password:new-password]`,
	}
	for i, r := range *reqs {
		if got := fmt.Sprintf("%s %s %v", r.Method, r.Path, r.Body); got != want[i] {
			t.Errorf("request %d = %s, want %s", i, got, want[i])
		}
	}
}

func TestDisableWithPatchOption(t *testing.T) {
	b, reqs := fake(t, map[string]string{"disable": "patch"}, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, userJSON) })
	if _, err := b.(userapi.Disabler).DisableUser(context.Background(), "usr_1"); err != nil {
		t.Fatal(err)
	}
	if (*reqs)[0].Method != "PATCH" {
		t.Errorf("method = %s, want PATCH", (*reqs)[0].Method)
	}
}

func TestDeleteAndErrors(t *testing.T) {
	cases := []struct {
		status int
		body   string
		exit   int
		msg    string
	}{
		{204, "", 0, ""},
		// 404 everywhere, the collection too: the profile's paths are
		// wrong, which is never a missing user.
		{404, `{"error":"no such user"}`, 2, `wrong endpoint: GET`},
		{401, `{"message":"bad token"}`, 4, "bad token"},
		{400, `{"errors":["email is invalid"]}`, 2, "email is invalid"},
		{409, `conflict!`, 5, "conflict!"},
		{500, `<html><title>Oops</title></html>`, 1, "Oops"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			b, reqs := fake(t, nil, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
			})
			_, err := b.DeleteUser(context.Background(), "usr_9", userapi.DeleteOptions{})
			if errkind.ExitCode(err) != c.exit {
				t.Fatalf("exit %d (%v), want %d", errkind.ExitCode(err), err, c.exit)
			}
			if err != nil && !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q lacks %q", err, c.msg)
			}
			if (*reqs)[0].Method != "DELETE" || (*reqs)[0].Path != "/users/usr_9" {
				t.Errorf("request = %+v", (*reqs)[0])
			}
		})
	}
}

func TestListPaginationStyles(t *testing.T) {
	page := func(ids ...string) []map[string]any {
		var out []map[string]any
		for _, id := range ids {
			out = append(out, map[string]any{"id": id, "email": id + "@x"})
		}
		return out
	}
	cases := map[string]struct {
		opts  map[string]string
		serve func(w http.ResponseWriter, r *http.Request, n int)
	}{
		"page+per_page with next_page": {nil, func(w http.ResponseWriter, r *http.Request, n int) {
			p := r.URL.Query().Get("page")
			next := any(nil)
			ids := []string{"c"}
			if p == "1" {
				next, ids = 2, []string{"a", "b"}
			}
			json.NewEncoder(w).Encode(map[string]any{"data": page(ids...), "next_page": next})
		}},
		"next URL": {nil, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.URL.Query().Get("after") == "" {
				json.NewEncoder(w).Encode(map[string]any{"users": page("a", "b"), "next": "/api/v1/users?after=b"})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"users": page("c"), "next": nil})
		}},
		"Link header": {nil, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.URL.Query().Get("p") == "" {
				w.Header().Set("Link", `</api/v1/users?p=2>; rel="next"`)
				json.NewEncoder(w).Encode(page("a", "b"))
				return
			}
			json.NewEncoder(w).Encode(page("c"))
		}},
		"cursor": {map[string]string{"pagination": "cursor", "items_key": "results"}, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.URL.Query().Get("cursor") == "" {
				json.NewEncoder(w).Encode(map[string]any{"results": page("a", "b"), "next_cursor": "xyz"})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"results": page("c"), "next_cursor": ""})
		}},
		"offset": {map[string]string{"pagination": "offset", "page_size": "2"}, func(w http.ResponseWriter, r *http.Request, n int) {
			switch r.URL.Query().Get("offset") {
			case "0":
				json.NewEncoder(w).Encode(map[string]any{"items": page("a", "b")})
			case "2":
				json.NewEncoder(w).Encode(map[string]any{"items": page("c")})
			default:
				t.Errorf("unexpected offset %q", r.URL.Query().Get("offset"))
			}
		}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int32
			b, _ := fake(t, c.opts, func(w http.ResponseWriter, r *http.Request) { c.serve(w, r, int(n.Add(1))) })
			var ids []string
			for u, err := range b.ListUsers(context.Background(), userapi.ListOptions{}) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, u.ID)
			}
			if strings.Join(ids, ",") != "a,b,c" {
				t.Errorf("ids = %v, want a,b,c", ids)
			}
		})
	}
}

func TestListDetectsPaginationLoop(t *testing.T) {
	b, _ := fake(t, nil, func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{"id": "a"}}, "next": "/api/v1/users?same=1"})
	})
	var err error
	n := 0
	for _, e := range b.ListUsers(context.Background(), userapi.ListOptions{}) {
		if e != nil {
			err = e
			break
		}
		n++
	}
	if err == nil || !strings.Contains(err.Error(), "pagination loop") {
		t.Fatalf("err = %v after %d users, want a pagination loop error", err, n)
	}
}

func TestListUnreadableBody(t *testing.T) {
	b, _ := fake(t, nil, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"data": [tru`) })
	for _, err := range b.ListUsers(context.Background(), userapi.ListOptions{}) {
		if err == nil || errkind.ExitCode(err) != 1 || !strings.Contains(err.Error(), "unreadable response") {
			t.Fatalf("err = %v, want an unreadable response error (exit 1)", err)
		}
		return
	}
	t.Fatal("no error for a truncated body")
}

func TestCreateMaybeSentIsCheckedNotResent(t *testing.T) {
	var posts atomic.Int32
	b, _ := fake(t, nil, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST":
			posts.Add(1)
			w.WriteHeader(502) // the create reached the server, but the answer was lost
		case r.URL.Query().Get("email") == "a@example.com":
			io.WriteString(w, `{"data":[`+userJSON+`],"next_page":null}`)
		}
	})
	u, err := b.CreateUser(context.Background(), userapi.CreateRequest{Email: "a@example.com", Name: "Ada", Password: "long-enough"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "usr_1" || posts.Load() != 1 {
		t.Errorf("got %q after %d POSTs; want the existing user after 1 POST", u.ID, posts.Load())
	}
}

func TestAuthOptions(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		io.WriteString(w, userJSON)
	}))
	defer srv.Close()
	b, err := rest.New(userapi.Profile{Name: "t", URL: srv.URL, Values: map[string]string{"auth": "header:X-API-Key"}, Secrets: map[string]string{"token": "k"}}, userapi.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetUser(context.Background(), "usr_1"); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-API-Key") != "k" || got.Get("Authorization") != "" {
		t.Errorf("headers = %v", got)
	}
	if _, err := rest.New(userapi.Profile{Name: "t", URL: srv.URL}, userapi.Env{}); errkind.ExitCode(err) != 2 || !strings.Contains(err.Error(), "USERCTL_TOKEN") {
		t.Errorf("missing token: %v", err)
	}
	if _, err := rest.New(userapi.Profile{Name: "t", URL: srv.URL, Values: map[string]string{"pagination": "weird"}, Secrets: map[string]string{"token": "k"}}, userapi.Env{}); errkind.ExitCode(err) != 2 {
		t.Errorf("bad pagination option: %v", err)
	}
}

func TestListQueryFiltersAndSortIsRefused(t *testing.T) {
	b, reqs := fake(t, nil, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"data":[{"id":"a","email":"ada@x.org","name":"Ada"},{"id":"b","email":"bob@x.org","name":"Bob"}],"next_page":null}`)
	})
	var ids []string
	for u, err := range b.ListUsers(context.Background(), userapi.ListOptions{Query: "ADA"}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if strings.Join(ids, ",") != "a" {
		t.Errorf("query ADA gave %v", ids)
	}
	n := len(*reqs)
	for _, err := range b.ListUsers(context.Background(), userapi.ListOptions{Sort: "name"}) {
		if errkind.ExitCode(err) != 2 {
			t.Errorf("sort: %v, want a usage error", err)
		}
	}
	if len(*reqs) != n {
		t.Error("a request was sent for an unsupported sort")
	}
}

func TestListLimitSendsNoRequestPastIt(t *testing.T) {
	b, reqs := fake(t, nil, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"data":[{"id":"a"},{"id":"b"}],"next_page":2}`)
	})
	n := 0
	for _, err := range b.ListUsers(context.Background(), userapi.ListOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 || len(*reqs) != 1 {
		t.Errorf("%d users after %d requests; want 2 after 1", n, len(*reqs))
	}
}
