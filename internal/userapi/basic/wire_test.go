package basic

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/userapitest"
)

const (
	testUser = "root"
	testPass = "profile-pass-9876"
	mount    = "/svc" // the client must keep the profile URL's path
)

// newFake starts a fake API answering any request with replies, in order,
// and a client of it.
// debug, when set, receives the client's HTTP log.
func newFake(t *testing.T, debug io.Writer, replies ...userapitest.Reply) (*Client, *userapitest.Server) {
	t.Helper()
	f := userapitest.NewServer(t, mount)
	if len(replies) > 0 {
		f.Handle(userapitest.AnyRoute, replies...)
	}
	c, err := newClient(userapi.Profile{Name: "svc", URL: f.URL, Values: map[string]string{"username": testUser}, Secrets: map[string]string{"password": testPass}},
		userapi.Env{Timeout: 5 * time.Second, Debug: debug, UserAgent: "userctl-test"},
		func(o *httpx.Options) { o.Backoff = func(int) time.Duration { return 0 } })
	if err != nil {
		t.Fatal(err)
	}
	return c, f
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

var wantAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPass))

// checkCall asserts one request's method, escaped path, query, headers and
// body (exact JSON text; "" for none).
func checkCall(t *testing.T, got userapitest.Request, method, rawPath, body string) {
	t.Helper()
	if got.Method != method || got.RawPath != rawPath {
		t.Errorf("request = %s %s, want %s %s", got.Method, got.RawPath, method, rawPath)
	}
	if got.Query != "" {
		t.Errorf("query = %q, want none", got.Query)
	}
	if a := got.Header.Get("Authorization"); a != wantAuth {
		t.Errorf("Authorization = %q, want %q", a, wantAuth)
	}
	if a := got.Header.Get("Accept"); a != "application/json" {
		t.Errorf("Accept = %q", a)
	}
	if ua := got.Header.Get("User-Agent"); ua != "userctl-test" {
		t.Errorf("User-Agent = %q", ua)
	}
	if got.Body != body {
		t.Errorf("body = %s, want %s", got.Body, body)
	}
	ct := got.Header.Get("Content-Type")
	switch {
	case body == "" && ct != "":
		t.Errorf("Content-Type %q on a request without body", ct)
	case body != "" && ct != "application/json":
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

func TestRegistered(t *testing.T) {
	d, err := userapi.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	if d.DefaultURL != "" || !reflect.DeepEqual(d.SecretKeys(), []string{"password"}) || d.Title == "" {
		t.Errorf("dialect = %+v", d)
	}
	b, err := d.New(userapi.Profile{URL: "https://svc.example.com", Values: map[string]string{"username": "u"}, Secrets: map[string]string{"password": "p"}}, userapi.Env{})
	if err != nil {
		t.Fatal(err)
	}
	info := b.Info()
	if info.Name != Name || !reflect.DeepEqual(info.CreateRequired, []string{"username", "password"}) || info.MinPasswordLength != 8 {
		t.Errorf("info = %+v", info)
	}
	want := []string{"create", "delete", "get", "list", "passwd", "roles"}
	if got := userapi.Capabilities(b); !reflect.DeepEqual(got, want) {
		t.Errorf("capabilities = %v, want %v", got, want)
	}
	pp := b.(userapi.PasswordSetter).PasswordPolicy()
	if pp != (userapi.PasswordPolicy{NeedsNew: true, NeedsCurrent: true, MinLength: 8}) {
		t.Errorf("password policy = %+v", pp)
	}
}

func TestNewMissingSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    userapi.Profile
		want []string
	}{
		{"no url", userapi.Profile{Name: "svc", Values: map[string]string{"username": "u"}, Secrets: map[string]string{"password": "p"}}, []string{"USERCTL_URL", "profile add"}},
		{"no username", userapi.Profile{Name: "svc", URL: "https://x.example", Secrets: map[string]string{"password": "p"}}, []string{"USERCTL_USERNAME", "profile add", "svc"}},
		{"no password", userapi.Profile{Name: "svc", URL: "https://x.example", Values: map[string]string{"username": "u"}}, []string{"USERCTL_PASSWORD", "profile add", "svc"}},
		{"colon in username", userapi.Profile{Name: "svc", URL: "https://x.example", Values: map[string]string{"username": "a:b"}, Secrets: map[string]string{"password": "p"}}, []string{"':'"}},
		{"bad url", userapi.Profile{Name: "svc", URL: "ftp://x.example", Values: map[string]string{"username": "u"}, Secrets: map[string]string{"password": "p"}}, []string{"scheme"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.p, userapi.Env{})
			if errkind.Of(err) != errkind.Usage {
				t.Fatalf("kind %v (%v), want usage", errkind.Of(err), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestListUnwrapsValueAndFiltersOnClient(t *testing.T) {
	list := `{"value": [{"username": "zoe", "admin": false}, {"username": "admin", "admin": true}, {"username": "Zed"}]}`
	c, f := newFake(t, nil, userapitest.Reply{Status: 200, Body: list})

	var got []userapi.User
	for u, err := range c.ListUsers(ctx(t), userapi.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u)
	}
	want := []userapi.User{
		{ID: "zoe", Username: "zoe", Roles: []string{}, Status: userapi.StatusActive, Extra: map[string]any{"admin": false}},
		{ID: "admin", Username: "admin", Roles: []string{"admin"}, Status: userapi.StatusActive, Extra: map[string]any{"admin": true}},
		{ID: "Zed", Username: "Zed", Roles: []string{}, Status: userapi.StatusActive, Extra: map[string]any{"admin": false}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("list = %+v\nwant %+v", got, want)
	}
	calls := f.Requests()
	if len(calls) != 1 {
		t.Fatalf("%d requests, want 1", len(calls))
	}
	checkCall(t, calls[0], "GET", "/api/v1/users", "")

	names := func(opts userapi.ListOptions) []string {
		var out []string
		for u, err := range c.ListUsers(ctx(t), opts) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, u.Username)
		}
		return out
	}
	for _, tc := range []struct {
		opts userapi.ListOptions
		want []string
	}{
		{userapi.ListOptions{Limit: 2}, []string{"zoe", "admin"}},
		{userapi.ListOptions{Query: "Z"}, []string{"zoe", "Zed"}},
		{userapi.ListOptions{Query: "z", Limit: 1}, []string{"zoe"}},
		{userapi.ListOptions{Role: "admin"}, []string{"admin"}},
		{userapi.ListOptions{Sort: "username"}, []string{"admin", "Zed", "zoe"}},
		{userapi.ListOptions{Sort: "-username", Limit: 2}, []string{"zoe", "Zed"}},
	} {
		if got := names(tc.opts); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("list %+v = %v, want %v", tc.opts, got, tc.want)
		}
	}
	for _, bad := range []userapi.ListOptions{{Role: "editor"}, {Sort: "email"}} {
		n := len(f.Requests())
		for _, err := range c.ListUsers(ctx(t), bad) {
			if errkind.Of(err) != errkind.Usage {
				t.Errorf("list %+v: kind %v (%v), want usage", bad, errkind.Of(err), err)
			}
		}
		if len(f.Requests()) != n {
			t.Errorf("list %+v sent a request", bad)
		}
	}
}

func TestListStopsWhenConsumerBreaks(t *testing.T) {
	c, f := newFake(t, nil, userapitest.Reply{Status: 200, Body: `{"value": [{"username": "a"}, {"username": "b"}]}`})
	n := 0
	for _, err := range c.ListUsers(ctx(t), userapi.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		break
	}
	if n != 1 || len(f.Requests()) != 1 {
		t.Errorf("yielded %d, %d requests", n, len(f.Requests()))
	}
}

func TestListUnreadable(t *testing.T) {
	for _, body := range []string{`[{"username": "a"}]`, `{"users": []}`, `not json`} {
		c, _ := newFake(t, nil, userapitest.Reply{Status: 200, Body: body})
		var last error
		for _, err := range c.ListUsers(ctx(t), userapi.ListOptions{}) {
			last = err
		}
		if last == nil || errkind.Of(last) != errkind.Unknown || !strings.Contains(last.Error(), "list") {
			t.Errorf("list of %s: %v", body, last)
		}
	}
}

func TestGetIsNotWrappedAndEscapesUsername(t *testing.T) {
	c, f := newFake(t, nil, userapitest.Reply{Status: 200, Body: `{"username": "a b?c", "admin": true}`})
	u, err := c.GetUser(ctx(t), "a b?c")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "a b?c" || u.Username != "a b?c" || !reflect.DeepEqual(u.Roles, []string{"admin"}) || u.Extra["admin"] != true {
		t.Errorf("user = %+v", u)
	}
	checkCall(t, f.Requests()[0], "GET", "/api/v1/users/a%20b%3Fc", "")
	// A username that would change the path is refused before sending.
	if _, err := c.GetUser(ctx(t), "a b/c"); errkind.Of(err) != errkind.Usage || len(f.Requests()) != 1 {
		t.Errorf("get of a b/c: %v after %d calls", err, len(f.Requests()))
	}

	// A wrapped body is not what get answers.
	c, _ = newFake(t, nil, userapitest.Reply{Status: 200, Body: `{"value": {"username": "x"}}`})
	if _, err := c.GetUser(ctx(t), "x"); errkind.Of(err) != errkind.Unknown {
		t.Errorf("get of a wrapped body: %v", err)
	}
}

func TestGetNotFoundNamesUser(t *testing.T) {
	for _, rep := range []userapitest.Reply{{Status: 404}, {Status: 404, Body: `"User not found"`}, {Status: 404, Header: map[string]string{"Content-Type": "text/plain"}, Body: "no such user\n"}} {
		c, _ := newFake(t, nil, rep)
		_, err := c.GetUser(ctx(t), "ghost")
		if errkind.Of(err) != errkind.NotFound || errkind.ExitCode(err) != 3 {
			t.Fatalf("kind %v (%v), want not found", errkind.Of(err), err)
		}
		if !strings.HasPrefix(err.Error(), `user "ghost" not found`) {
			t.Errorf("message %q", err)
		}
	}
}

func TestUsernameChecksBeforeSending(t *testing.T) {
	c, f := newFake(t, nil)
	for _, id := range []string{"", "  ", ".", ".."} {
		if _, err := c.GetUser(ctx(t), id); errkind.Of(err) != errkind.Usage {
			t.Errorf("get %q: %v", id, err)
		}
		if _, err := c.DeleteUser(ctx(t), id, userapi.DeleteOptions{}); errkind.Of(err) != errkind.Usage {
			t.Errorf("delete %q: %v", id, err)
		}
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestCreateSendsValueWrapper(t *testing.T) {
	c, f := newFake(t, nil, userapitest.Reply{Status: 201, Body: `{"value": {"username": "alice", "admin": false}}`})
	u, err := c.CreateUser(ctx(t), userapi.CreateRequest{Username: "alice", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	want := userapi.User{ID: "alice", Username: "alice", Roles: []string{}, Status: userapi.StatusActive, Extra: map[string]any{"admin": false}}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("user = %+v", u)
	}
	calls := f.Requests()
	if len(calls) != 1 {
		t.Fatalf("%d requests", len(calls))
	}
	checkCall(t, calls[0], "PUT", "/api/v1/users/alice", `{"value":{"password":"correct horse"}}`)
}

func TestCreateValidatesBeforeSending(t *testing.T) {
	c, f := newFake(t, nil)
	yes := true
	for _, tc := range []struct {
		req  userapi.CreateRequest
		want string
	}{
		{userapi.CreateRequest{Password: "long-enough"}, "--username"},
		{userapi.CreateRequest{Username: "bob"}, "password"},
		{userapi.CreateRequest{Username: "bob", Password: "pw1234"}, "at least 8"},
		{userapi.CreateRequest{Username: "bob", Password: "ééééééé"}, "at least 8"}, // 7 characters, 14 bytes
		{userapi.CreateRequest{Username: "bob", Password: "long-enough", Email: "b@example.com"}, "--email"},
		{userapi.CreateRequest{Username: "bob", Password: "long-enough", Admin: &yes}, "--admin"},
		{userapi.CreateRequest{Username: "bob", Password: "long-enough", Roles: []string{"admin"}}, "--role"},
		{userapi.CreateRequest{Username: "bob", Password: "long-enough", Inactive: true}, "--inactive"},
		{userapi.CreateRequest{Username: "bob", Password: "long-enough", Extra: map[string]string{"website": "x"}}, "website"},
		{userapi.CreateRequest{Username: "..", Password: "long-enough"}, `invalid user ID ".."`},
	} {
		_, err := c.CreateUser(ctx(t), tc.req)
		if errkind.Of(err) != errkind.Usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("create %+v: %v (kind %v), want usage error mentioning %q", tc.req, err, errkind.Of(err), tc.want)
		}
		if tc.req.Password != "" && strings.Contains(err.Error(), tc.req.Password) {
			t.Errorf("error %q shows the password", err)
		}
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestCreateConflict(t *testing.T) {
	for _, rep := range []userapitest.Reply{
		{Status: 409, Body: `"Username already existed"`},
		{Status: 409, Header: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, Body: "Username already existed\n"},
	} {
		c, f := newFake(t, nil, rep)
		_, err := c.CreateUser(ctx(t), userapi.CreateRequest{Username: "alice", Password: "long-enough"})
		if errkind.Of(err) != errkind.Conflict || errkind.ExitCode(err) != 5 {
			t.Fatalf("kind %v (%v), want conflict", errkind.Of(err), err)
		}
		if want := `user "alice" already exists: Username already existed`; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
		if n := len(f.Requests()); n != 1 {
			t.Errorf("%d requests, want 1 (no retry of a 409)", n)
		}
	}
}

func TestCreateMaybeSentChecksBeforeRetrying(t *testing.T) {
	const alice = "/api/v1/users/alice"
	created := userapitest.Reply{Status: 201, Body: `{"value": {"username": "alice", "admin": false}}`}
	body := `{"value":{"password":"long-enough"}}`
	t.Run("absent: retried once", func(t *testing.T) {
		c, f := newFake(t, nil)
		f.Handle("PUT "+alice, userapitest.Reply{Status: 502, Body: `"bad gateway"`}, created)
		f.Handle("GET "+alice, userapitest.Reply{Status: 404})
		u, err := c.CreateUser(ctx(t), userapi.CreateRequest{Username: "alice", Password: "long-enough"})
		if err != nil || u.ID != "alice" {
			t.Fatalf("create = %+v, %v", u, err)
		}
		calls := f.Requests()
		if len(calls) != 3 {
			t.Fatalf("%d requests, want PUT, GET, PUT", len(calls))
		}
		checkCall(t, calls[0], "PUT", "/api/v1/users/alice", body)
		checkCall(t, calls[1], "GET", "/api/v1/users/alice", "")
		checkCall(t, calls[2], "PUT", "/api/v1/users/alice", body)
	})
	t.Run("present: not sent again", func(t *testing.T) {
		c, f := newFake(t, nil)
		f.Handle("PUT "+alice, userapitest.Reply{Status: 500, Body: `"oops"`})
		f.Handle("GET "+alice, userapitest.Reply{Body: `{"username": "alice", "admin": false}`})
		u, err := c.CreateUser(ctx(t), userapi.CreateRequest{Username: "alice", Password: "long-enough"})
		if err != nil || u.ID != "alice" {
			t.Fatalf("create = %+v, %v", u, err)
		}
		if calls := f.Requests(); len(calls) != 2 || calls[1].Method != "GET" {
			t.Fatalf("requests %+v, want PUT then GET", calls)
		}
	})
	t.Run("still failing: one retry only", func(t *testing.T) {
		c, f := newFake(t, nil)
		f.Handle("PUT "+alice, userapitest.Reply{Status: 503, Body: `"down"`})
		f.Handle("GET "+alice, userapitest.Reply{Status: 404})
		_, err := c.CreateUser(ctx(t), userapi.CreateRequest{Username: "alice", Password: "long-enough"})
		if errkind.Of(err) != errkind.Server {
			t.Fatalf("kind %v (%v), want server", errkind.Of(err), err)
		}
		if n := len(f.Requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
	t.Run("lookup fails: the create's error", func(t *testing.T) {
		c, f := newFake(t, nil)
		f.Handle("PUT "+alice, userapitest.Reply{Status: 500, Body: `"oops"`})
		f.Handle("GET "+alice, userapitest.Reply{Status: 401})
		_, err := c.CreateUser(ctx(t), userapi.CreateRequest{Username: "alice", Password: "long-enough"})
		if errkind.Of(err) != errkind.Server || !strings.Contains(err.Error(), "oops") {
			t.Fatalf("kind %v (%v), want the create's server error", errkind.Of(err), err)
		}
		if n := len(f.Requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
}

func TestSetPassword(t *testing.T) {
	c, f := newFake(t, nil, userapitest.Reply{Status: 200, Body: `{"value": {"username": "alice", "admin": false}}`})
	res, err := c.SetPassword(ctx(t), "alice", userapi.PasswordChange{Current: "old-pass", New: "new-password"})
	if err != nil {
		t.Fatal(err)
	}
	if res != (userapi.Result{ID: "alice", Action: "password changed", Message: `password of user "alice" changed`}) {
		t.Errorf("result = %+v", res)
	}
	checkCall(t, f.Requests()[0], "PATCH", "/api/v1/users/alice", `{"value":{"current_password":"old-pass","password":"new-password"}}`)

	for _, ch := range []userapi.PasswordChange{{New: "new-password"}, {Current: "old-pass"}, {Current: "old-pass", New: "short"}} {
		if _, err := c.SetPassword(ctx(t), "alice", ch); errkind.Of(err) != errkind.Usage {
			t.Errorf("passwd %+v: %v, want usage", ch, err)
		}
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestSetPasswordForbidden(t *testing.T) {
	c, _ := newFake(t, nil, userapitest.Reply{Status: 403, Body: `"Current password does not match"`})
	_, err := c.SetPassword(ctx(t), "alice", userapi.PasswordChange{Current: "wrong-pass", New: "new-password"})
	if errkind.Of(err) != errkind.Auth || errkind.ExitCode(err) != 4 {
		t.Fatalf("kind %v (%v), want auth", errkind.Of(err), err)
	}
	for _, w := range []string{`user "alice"`, "current password", "Current password does not match"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err, w)
		}
	}
}

func TestDelete(t *testing.T) {
	c, f := newFake(t, nil, userapitest.Reply{Status: 204}, userapitest.Reply{Status: 404, Body: `"User not found"`})
	res, err := c.DeleteUser(ctx(t), "alice", userapi.DeleteOptions{NoMail: true})
	if err != nil {
		t.Fatal(err)
	}
	if res != (userapi.Result{ID: "alice", Action: "deleted", Message: `user "alice" deleted`}) {
		t.Errorf("result = %+v", res)
	}
	checkCall(t, f.Requests()[0], "DELETE", "/api/v1/users/alice", "")
	_, err = c.DeleteUser(ctx(t), "alice", userapi.DeleteOptions{})
	if errkind.Of(err) != errkind.NotFound || err.Error() != `user "alice" not found: User not found` {
		t.Errorf("second delete: %v", err)
	}
}

const (
	vRequired = "Key: 'UserPasswordRequest.Value.Password' Error:Field validation for 'Password' failed on the 'required' tag"
	vCurrent  = "Key: 'UserPasswordRequest.Value.CurrentPassword' Error:Field validation for 'CurrentPassword' failed on the 'required' tag"
	vMin      = "Key: 'UserPasswordRequest.Value.Password' Error:Field validation for 'Password' failed on the 'min' tag"
)

func TestErrorDecoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		rep  userapitest.Reply
		kind errkind.Kind
		want string
	}{
		{"validator min, JSON string", userapitest.Reply{Status: 400, Body: `"` + vMin + `"`}, errkind.Invalid,
			`user "alice": 400 Bad Request: password: failed on the 'min' tag`},
		{"validator min, plain text", userapitest.Reply{Status: 400, Header: map[string]string{"Content-Type": "text/plain"}, Body: vMin + "\n"}, errkind.Invalid,
			`user "alice": 400 Bad Request: password: failed on the 'min' tag`},
		{"missing wrapper, JSON string", userapitest.Reply{Status: 400, Body: `"` + vRequired + `"`}, errkind.Invalid,
			`user "alice": 400 Bad Request: the server did not find the {"value": …} wrapper it expects: password: failed on the 'required' tag`},
		{"several errors, JSON string", userapitest.Reply{Status: 400, Body: `"` + vRequired + `\n` + vCurrent + `"`}, errkind.Invalid,
			`user "alice": 400 Bad Request: the server did not find the {"value": …} wrapper it expects: password: failed on the 'required' tag; current_password: failed on the 'required' tag`},
		{"several errors, plain text", userapitest.Reply{Status: 400, Header: map[string]string{"Content-Type": "text/plain"}, Body: vMin + "\n" + vCurrent}, errkind.Invalid,
			`user "alice": 400 Bad Request: the server did not find the {"value": …} wrapper it expects: password: failed on the 'min' tag; current_password: failed on the 'required' tag`},
		{"decoding error under Value", userapitest.Reply{Status: 400, Header: map[string]string{"Content-Type": "text/plain"}, Body: "json: cannot unmarshal number into Go struct field UserPasswordRequest.Value.password of type string"}, errkind.Invalid,
			`user "alice": 400 Bad Request: the server did not accept the shape of the {"value": …} body: json: cannot unmarshal number into Go struct field UserPasswordRequest.Value.password of type string`},
		{"other 400 text", userapitest.Reply{Status: 400, Header: map[string]string{"Content-Type": "text/plain"}, Body: "bad\nrequest"}, errkind.Invalid,
			`user "alice": 400 Bad Request: bad; request`},
		{"401", userapitest.Reply{Status: 401, Body: `"Unauthorized"`}, errkind.Auth,
			"401 Unauthorized (check the username and password of profile svc: USERCTL_USERNAME, USERCTL_PASSWORD or `userctl profile add`)"},
		{"409 JSON string", userapitest.Reply{Status: 409, Body: `"Username already existed"`}, errkind.Conflict,
			`user "alice" already exists: Username already existed`},
		{"404 empty", userapitest.Reply{Status: 404}, errkind.NotFound, `user "alice" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newFake(t, nil, tc.rep)
			_, err := c.CreateUser(ctx(t), userapi.CreateRequest{Username: "alice", Password: "long-enough"})
			if errkind.Of(err) != tc.kind {
				t.Fatalf("kind %v (%v), want %v", errkind.Of(err), err, tc.kind)
			}
			if err.Error() != tc.want {
				t.Errorf("message\n got %q\nwant %q", err, tc.want)
			}
			var e *errkind.Error
			if !errors.As(err, &e) || e.Status != tc.rep.Status {
				t.Errorf("status = %v", e)
			}
		})
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"Password": "password", "CurrentPassword": "current_password", "UserID": "user_id", "ID": "id", "": ""} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPasswordsNeverInErrors has a hostile server echo the passwords it
// was sent: no error message or error body shows them.
func TestPasswordsNeverInErrors(t *testing.T) {
	const createPass, oldPass, newPass = "hunter2-hunter2", "old-secret-17", "new-secret-42"
	echo := `"rejected ` + strings.Join([]string{createPass, oldPass, newPass, testPass}, " ") + `"`
	for _, status := range []int{400, 401, 403, 409, 500} {
		c, _ := newFake(t, nil, userapitest.Reply{Status: status, Body: echo})
		_, createErr := c.CreateUser(ctx(t), userapi.CreateRequest{Username: "alice", Password: createPass})
		_, passwdErr := c.SetPassword(ctx(t), "alice", userapi.PasswordChange{Current: oldPass, New: newPass})
		for _, tc := range []struct {
			err     error
			secrets []string
		}{
			{createErr, []string{createPass, testPass}},
			{passwdErr, []string{oldPass, newPass, testPass}},
		} {
			var e *errkind.Error
			if !errors.As(tc.err, &e) {
				t.Fatalf("%d: error %v is not an *errkind.Error", status, tc.err)
			}
			for _, s := range tc.secrets {
				if strings.Contains(e.Error(), s) || strings.Contains(string(e.Body), s) {
					t.Errorf("%d: error %q (body %q) shows %q", status, e, e.Body, s)
				}
			}
			if !strings.Contains(e.Error(), "rejected") {
				t.Errorf("%d: error %q lost the server's message", status, e)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	c, f := newFake(t, nil, userapitest.Reply{Status: 200, Body: `{"username": "root", "admin": true}`})
	msg, err := c.Check(ctx(t))
	if err != nil || msg != "authenticated as root (admin)" {
		t.Errorf("check = %q, %v", msg, err)
	}
	checkCall(t, f.Requests()[0], "GET", "/api/v1/users/root", "")

	c, _ = newFake(t, nil, userapitest.Reply{Status: 200, Body: `{"username": "root", "admin": false}`})
	if msg, err := c.Check(ctx(t)); err != nil || msg != "authenticated as root" {
		t.Errorf("check = %q, %v", msg, err)
	}

	c, f = newFake(t, nil)
	f.Handle("GET /api/v1/users/root", userapitest.Reply{Status: 404})
	f.Handle("GET /api/v1/users", userapitest.Reply{Body: `{"value": [{"username": "a"}, {"username": "b"}]}`})
	msg, err = c.Check(ctx(t))
	if err != nil || !strings.HasPrefix(msg, "authenticated as root") || !strings.Contains(msg, "2 users") {
		t.Errorf("check = %q, %v", msg, err)
	}
	if calls := f.Requests(); len(calls) != 2 || calls[1].RawPath != "/api/v1/users" {
		t.Errorf("requests %+v", calls)
	}

	c, _ = newFake(t, nil, userapitest.Reply{Status: 401})
	if _, err := c.Check(ctx(t)); errkind.Of(err) != errkind.Auth || !strings.Contains(err.Error(), "USERCTL_PASSWORD") {
		t.Errorf("check with bad credentials: %v", err)
	}
}

func TestRaw(t *testing.T) {
	c, f := newFake(t, nil, userapitest.Reply{Status: 200, Body: `{"value": []}`})
	resp, err := c.Raw(ctx(t), "get", "/api/v1/users", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != `{"value": []}` {
		t.Errorf("raw = %d %s", resp.StatusCode, b)
	}
	checkCall(t, f.Requests()[0], "GET", "/api/v1/users", "")

	if _, err := c.Raw(ctx(t), "GET", "https://elsewhere.example/api/v1/users", nil, nil); errkind.Of(err) != errkind.Usage {
		t.Errorf("raw to another host: %v", err)
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("%d requests", n)
	}
}

func TestCanceledContextSendsNothing(t *testing.T) {
	c, f := newFake(t, nil, userapitest.Reply{Status: 200, Body: `{"value": []}`})
	cc, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.CreateUser(cc, userapi.CreateRequest{Username: "alice", Password: "long-enough"}); errkind.Of(err) != errkind.Interrupted {
		t.Errorf("create: %v", err)
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}
