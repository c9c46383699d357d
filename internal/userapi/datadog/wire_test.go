package datadog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
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
	testAPIKey = "api-secret-1234"
	testAppKey = "app-secret-5678"
	mount      = "/ddproxy" // the client must keep the profile URL's path
)

// newFake starts a fake API answering any request with replies, in order,
// and a client of it.
func newFake(t *testing.T, replies ...userapitest.Reply) (*userapitest.Server, *Client) {
	t.Helper()
	f := newServer(t, replies...)
	c, err := New(userapi.Profile{Name: "test", URL: f.URL, Secrets: map[string]string{"api_key": testAPIKey, "app_key": testAppKey}},
		userapi.Env{Timeout: 5 * time.Second, UserAgent: "userctl-test"})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// newServer starts a fake API answering any request with replies, in order.
func newServer(t *testing.T, replies ...userapitest.Reply) *userapitest.Server {
	t.Helper()
	f := userapitest.NewServer(t, mount)
	if len(replies) > 0 {
		f.Handle(userapitest.AnyRoute, replies...)
	}
	return f
}

func ok(body string) userapitest.Reply { return userapitest.Reply{Body: body} }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// checkCall asserts method, path, auth and content headers, and the JSON
// body exactly ("" for none).
func checkCall(t *testing.T, c userapitest.Request, method, path, body string) {
	t.Helper()
	if c.Method != method || c.Path != path {
		t.Errorf("request %s %s, want %s %s", c.Method, c.Path, method, path)
	}
	if c.Query != "" {
		t.Errorf("%s %s: unexpected query %q", method, path, c.Query)
	}
	if c.Header.Get("DD-API-KEY") != testAPIKey || c.Header.Get("DD-APPLICATION-KEY") != testAppKey {
		t.Errorf("%s %s: keys not sent: %v", method, path, c.Header)
	}
	if c.Header.Get("Accept") != "application/json" {
		t.Errorf("%s %s: Accept = %q", method, path, c.Header.Get("Accept"))
	}
	if c.Header.Get("Authorization") != "" {
		t.Errorf("%s %s: unexpected Authorization header", method, path)
	}
	if body == "" {
		if c.Body != "" || c.Header.Get("Content-Type") != "" {
			t.Errorf("%s %s: unexpected body %q (Content-Type %q)", method, path, c.Body, c.Header.Get("Content-Type"))
		}
		return
	}
	if c.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %s: Content-Type = %q", method, path, c.Header.Get("Content-Type"))
	}
	var got, want any
	if err := json.Unmarshal([]byte(c.Body), &got); err != nil {
		t.Fatalf("%s %s: body is not JSON: %q", method, path, c.Body)
	}
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s %s: body %s, want %s", method, path, c.Body, body)
	}
}

func wantKind(t *testing.T, err error, k errkind.Kind, code int, contains ...string) {
	t.Helper()
	if errkind.Of(err) != k {
		t.Fatalf("error kind %v (%v), want %v", errkind.Of(err), err, k)
	}
	if got := errkind.ExitCode(err); got != code {
		t.Errorf("exit code %d, want %d (%v)", got, code, err)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
}

func TestRegistered(t *testing.T) {
	d, err := userapi.Lookup("datadog")
	if err != nil {
		t.Fatal(err)
	}
	if d.DefaultURL != "https://api.datadoghq.com" || !reflect.DeepEqual(d.SecretKeys(), []string{"api_key", "app_key"}) {
		t.Fatalf("dialect: %+v", d)
	}
	b, err := d.New(userapi.Profile{Secrets: map[string]string{"api_key": "a", "app_key": "b"}}, userapi.Env{})
	if err != nil {
		t.Fatal(err)
	}
	info := b.Info()
	if info.Name != "datadog" || !reflect.DeepEqual(info.CreateRequired, []string{"email"}) || info.DeleteNote != DeleteNote {
		t.Fatalf("info: %+v", info)
	}
	want := []string{"create", "delete", "disable", "enable", "get", "list", "roles", "update"}
	if got := userapi.Capabilities(b); !reflect.DeepEqual(got, want) {
		t.Fatalf("capabilities %v, want %v", got, want)
	}
	var _ userapi.Checker = b.(userapi.Checker)
	var _ userapi.RawRequester = b.(userapi.RawRequester)
}

func TestNewValidatesProfile(t *testing.T) {
	_, err := New(userapi.Profile{Name: "dd", Secrets: map[string]string{"app_key": "x"}}, userapi.Env{})
	wantKind(t, err, errkind.Usage, 2, "no API key for profile dd", "USERCTL_API_KEY", "profile add")
	_, err = New(userapi.Profile{Name: "dd", Secrets: map[string]string{"api_key": "x"}}, userapi.Env{})
	wantKind(t, err, errkind.Usage, 2, "no application key for profile dd", "USERCTL_APP_KEY")
	_, err = New(userapi.Profile{Name: "dd", Values: map[string]string{"site": "datadoghq.org"}, Secrets: map[string]string{"api_key": "x", "app_key": "y"}}, userapi.Env{})
	wantKind(t, err, errkind.Usage, 2, `unknown Datadog site "datadoghq.org"`, "us5.datadoghq.com")

	for site, want := range map[string]string{
		"": "https://api.datadoghq.com", "datadoghq.eu": "https://api.datadoghq.eu",
		"US3.datadoghq.com": "https://api.us3.datadoghq.com", "us2.ddog-gov.com": "https://api.us2.ddog-gov.com",
	} {
		got, err := BaseURL(userapi.Profile{Values: map[string]string{"site": site}})
		if err != nil || got != want {
			t.Errorf("site %q: %q, %v; want %q", site, got, err, want)
		}
	}
	// url overrides the site, even an unknown one.
	if got, err := BaseURL(userapi.Profile{URL: "http://127.0.0.1:9/x", Values: map[string]string{"site": "bogus"}}); err != nil || got != "http://127.0.0.1:9/x" {
		t.Errorf("url override: %q, %v", got, err)
	}
	if len(Sites) != 9 {
		t.Errorf("%d sites, want the 9 of datadog.md", len(Sites))
	}
}

func TestGetUser(t *testing.T) {
	f, c := newFake(t, ok(fixture(t, "user_readonly_with_roles.json")))
	u, err := c.GetUser(ctx(t), "grace@example.org")
	if err != nil {
		t.Fatal(err)
	}
	calls := f.Requests()
	if len(calls) != 1 {
		t.Fatalf("%d requests", len(calls))
	}
	checkCall(t, calls[0], "GET", "/api/v1/user/grace@example.org", "")
	if calls[0].Header.Get("User-Agent") != "userctl-test" {
		t.Errorf("User-Agent %q", calls[0].Header.Get("User-Agent"))
	}
	want := userapi.User{ID: "grace@example.org", Username: "grace@example.org", Email: "grace.hopper@example.org",
		Name: "Grace Hopper", Roles: []string{"ro"}, Status: userapi.StatusPending,
		Extra: map[string]any{"verified": false, "access_role": "ro",
			"icon": "https://secure.gravatar.com/avatar/fedcba9876543210fedcba9876543210?s=48&d=retro"}}
	if !reflect.DeepEqual(u, want) {
		t.Fatalf("user\n got %#v\nwant %#v", u, want)
	}
}

func TestGetUserEscapesHandle(t *testing.T) {
	f, c := newFake(t, ok(fixture(t, "user_null_role.json")))
	if _, err := c.GetUser(ctx(t), "a?b+c@example.org"); err != nil {
		t.Fatal(err)
	}
	if got := f.Requests()[0].RawPath; got != "/api/v1/user/a%3Fb+c@example.org" {
		t.Fatalf("escaped path %q", got)
	}
	for _, id := range []string{" ", "a/b@example.org", ".."} {
		_, err := c.GetUser(ctx(t), id)
		wantKind(t, err, errkind.Usage, 2)
	}
	if len(f.Requests()) != 1 {
		t.Fatal("an invalid ID was sent")
	}
}

func TestNormalizeFixtures(t *testing.T) {
	tests := []struct {
		file   string
		want   userapi.User
		rawNil bool
	}{
		{"user_null_role.json", userapi.User{ID: "ada@example.org", Username: "ada@example.org", Email: "ada@example.org",
			Name: "Ada Lovelace", Roles: []string{"st"}, Status: userapi.StatusActive}, true},
		{"user_disabled_admin.json", userapi.User{ID: "linus@example.org", Username: "linus@example.org", Email: "linus@example.org",
			Roles: []string{"adm"}, Status: userapi.StatusDisabled}, false},
	}
	for _, tt := range tests {
		u, _, err := decodeUser([]byte(fixture(t, tt.file)))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		extra := u.Extra
		u.Extra = nil
		if !reflect.DeepEqual(u, tt.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tt.file, u, tt.want)
		}
		if v, ok := extra["access_role"]; !ok || (v == nil) != tt.rawNil {
			t.Errorf("%s: extra.access_role = %v (present %v)", tt.file, v, ok)
		}
		if _, ok := extra["verified"].(bool); !ok {
			t.Errorf("%s: extra.verified = %v", tt.file, extra["verified"])
		}
		if _, ok := extra["icon"]; !ok {
			t.Errorf("%s: extra.icon missing", tt.file)
		}
	}
	// The raw null stays null in the JSON output.
	u, _, _ := decodeUser([]byte(fixture(t, "user_null_role.json")))
	b, _ := json.Marshal(u)
	if !strings.Contains(string(b), `"access_role":null`) || !strings.Contains(string(b), `"roles":["st"]`) {
		t.Errorf("normalized JSON: %s", b)
	}
	for _, bad := range []string{`{}`, `{"user": null}`, `not json`, `{"user": {"email": "x@example.org"}}`} {
		if _, _, err := decodeUser([]byte(bad)); errkind.Of(err) != errkind.Unknown || err == nil {
			t.Errorf("decodeUser(%q) = %v, want an unreadable-response error", bad, err)
		}
	}
	if _, err := decodeList([]byte(`{"user": {}}`)); err == nil {
		t.Error("decodeList accepted a body without users")
	}
	if l, err := decodeList([]byte(`{"users": []}`)); err != nil || len(l) != 0 {
		t.Errorf("empty list: %v, %v", l, err)
	}
}

func collect(t *testing.T, c *Client, opts userapi.ListOptions) ([]string, error) {
	t.Helper()
	var ids []string
	for u, err := range c.ListUsers(ctx(t), opts) {
		if err != nil {
			return ids, err
		}
		ids = append(ids, u.ID)
	}
	return ids, nil
}

func TestListUsers(t *testing.T) {
	f, c := newFake(t, ok(fixture(t, "users_list.json")))
	tests := []struct {
		opts userapi.ListOptions
		want []string
	}{
		{userapi.ListOptions{}, []string{"ada@example.org", "grace@example.org", "linus@example.org", "ken@example.org"}},
		{userapi.ListOptions{Limit: 2}, []string{"ada@example.org", "grace@example.org"}},
		{userapi.ListOptions{Query: "HOPPER"}, []string{"grace@example.org"}},
		{userapi.ListOptions{Query: "grace.h"}, []string{"grace@example.org"}},
		{userapi.ListOptions{Query: "ken@"}, []string{"ken@example.org"}},
		{userapi.ListOptions{Role: "standard"}, []string{"ada@example.org", "ken@example.org"}},
		{userapi.ListOptions{Role: "st"}, []string{"ada@example.org", "ken@example.org"}},
		{userapi.ListOptions{Role: "read-only"}, []string{"grace@example.org"}},
		{userapi.ListOptions{Role: "ADM"}, []string{"linus@example.org"}},
		{userapi.ListOptions{Sort: "name"}, []string{"ada@example.org", "grace@example.org", "ken@example.org", "linus@example.org"}},
		{userapi.ListOptions{Sort: "-id", Limit: 1}, []string{"linus@example.org"}},
		{userapi.ListOptions{Query: "nobody"}, nil},
	}
	for _, tt := range tests {
		got, err := collect(t, c, tt.opts)
		if err != nil {
			t.Fatalf("%+v: %v", tt.opts, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.opts, got, tt.want)
		}
	}
	calls := f.Requests()
	if len(calls) != len(tests) {
		t.Fatalf("%d requests for %d listings", len(calls), len(tests))
	}
	for _, cl := range calls {
		checkCall(t, cl, "GET", "/api/v1/user", "")
	}

	// Bad options fail before any request.
	for _, opts := range []userapi.ListOptions{{Role: "owner"}, {Sort: "created_at"}} {
		_, err := collect(t, c, opts)
		wantKind(t, err, errkind.Usage, 2)
	}
	if len(f.Requests()) != len(tests) {
		t.Error("invalid list options were sent")
	}

	// Breaking out of the loop stops the iterator.
	n := 0
	for _, err := range c.ListUsers(ctx(t), userapi.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		break
	}
	if n != 1 {
		t.Fatalf("consumed %d", n)
	}
}

func TestListErrorIsLastElement(t *testing.T) {
	_, c := newFake(t, userapitest.Reply{Status: 403, Body: fixture(t, "error_forbidden_2021.json")})
	var errs []error
	for _, err := range c.ListUsers(ctx(t), userapi.ListOptions{}) {
		errs = append(errs, err)
	}
	if len(errs) != 1 {
		t.Fatalf("%d elements", len(errs))
	}
	wantKind(t, errs[0], errkind.Auth, 4, "403 Forbidden")
}

func TestCreateUser(t *testing.T) {
	admin := true
	tests := []struct {
		name string
		req  userapi.CreateRequest
		body string
	}{
		{"email as handle", userapi.CreateRequest{Email: "ada@example.org", Name: "Ada Lovelace"},
			`{"handle":"ada@example.org","email":"ada@example.org","name":"Ada Lovelace"}`},
		{"username as handle, role by name", userapi.CreateRequest{Username: "ada.l@example.org", Email: "ada@example.org", Roles: []string{"read-only"}},
			`{"handle":"ada.l@example.org","email":"ada@example.org","access_role":"ro"}`},
		{"role by code", userapi.CreateRequest{Email: "ada@example.org", Roles: []string{"st"}},
			`{"handle":"ada@example.org","email":"ada@example.org","access_role":"st"}`},
		{"admin flag", userapi.CreateRequest{Email: "ada@example.org", Admin: &admin, FirstName: "Ada", LastName: "Lovelace"},
			`{"handle":"ada@example.org","email":"ada@example.org","name":"Ada Lovelace","access_role":"adm"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, ok(fixture(t, "user_null_role.json")))
			u, err := c.CreateUser(ctx(t), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if u.ID != "ada@example.org" || u.Roles[0] != "st" {
				t.Errorf("user %+v", u)
			}
			calls := f.Requests()
			if len(calls) != 1 {
				t.Fatalf("%d requests", len(calls))
			}
			checkCall(t, calls[0], "POST", "/api/v1/user", tt.body)
		})
	}
}

func TestCreateValidatesBeforeSending(t *testing.T) {
	f, c := newFake(t, ok(fixture(t, "user_null_role.json")))
	admin := true
	for _, req := range []userapi.CreateRequest{
		{Username: "ada@example.org"},
		{Email: "not-an-email"},
		{Email: "ada@example.org", Username: "ada"},
		{Email: "ada@example.org", Roles: []string{"st", "ro"}},
		{Email: "ada@example.org", Roles: []string{"owner"}},
		{Email: "ada@example.org", Roles: []string{"ro"}, Admin: &admin},
		{Email: "ada@example.org", Password: "hunter2hunter2"},
	} {
		_, err := c.CreateUser(ctx(t), req)
		wantKind(t, err, errkind.Usage, 2)
	}
	_, err := c.CreateUser(ctx(t), userapi.CreateRequest{})
	wantKind(t, err, errkind.Usage, 2, "missing required flag --email")
	if n := len(f.Requests()); n != 0 {
		t.Fatalf("%d invalid creates were sent", n)
	}
}

func TestCreateOverDisabledUserIsConflict(t *testing.T) {
	body := `{"user":{"handle":"ada@example.org","name":"Ada","email":"ada@example.org","disabled":true,"access_role":null,"verified":false}}`
	f, c := newFake(t, ok(body))
	u, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "ada@example.org"})
	wantKind(t, err, errkind.Conflict, 5, `user "ada@example.org" already exists and is disabled`, "userctl users enable ada@example.org")
	if u.ID != "ada@example.org" || u.Status != userapi.StatusDisabled {
		t.Errorf("the existing user is returned with the error: %+v", u)
	}
	if len(f.Requests()) != 1 {
		t.Errorf("%d requests", len(f.Requests()))
	}
}

func TestCreateInactiveDisablesAfter(t *testing.T) {
	f, c := newFake(t, ok(fixture(t, "user_null_role.json")),
		ok(`{"user":{"handle":"ada@example.org","email":"ada@example.org","disabled":true,"access_role":null,"verified":false}}`))
	u, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "ada@example.org", Inactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != userapi.StatusDisabled {
		t.Errorf("status %q", u.Status)
	}
	calls := f.Requests()
	if len(calls) != 2 {
		t.Fatalf("%d requests", len(calls))
	}
	checkCall(t, calls[0], "POST", "/api/v1/user", `{"handle":"ada@example.org","email":"ada@example.org"}`)
	checkCall(t, calls[1], "PUT", "/api/v1/user/ada@example.org", `{"disabled":true}`)
}

func TestCreateMaybeSentChecksBeforeRetry(t *testing.T) {
	// A 502 to a POST may have created the user: look first.
	const create, lookup = "POST /api/v1/user", "GET /api/v1/user/ada@example.org"
	badGateway := userapitest.Reply{Status: 502, Body: "bad gateway"}
	t.Run("absent: retried once", func(t *testing.T) {
		f, c := newFake(t)
		f.Handle(create, badGateway, ok(fixture(t, "user_null_role.json")))
		f.Handle(lookup, userapitest.Reply{Status: 404, Body: `{"errors":["user not found"]}`})
		if _, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "ada@example.org"}); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, cl := range f.Requests() {
			got = append(got, cl.Method+" "+cl.Path)
		}
		want := []string{create, lookup, create}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("requests %v, want %v", got, want)
		}
	})
	t.Run("present: not re-sent", func(t *testing.T) {
		f, c := newFake(t)
		f.Handle(create, badGateway)
		f.Handle(lookup, ok(fixture(t, "user_null_role.json")))
		u, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "ada@example.org"})
		if err != nil || u.ID != "ada@example.org" {
			t.Fatalf("%+v, %v", u, err)
		}
		calls := f.Requests()
		if len(calls) != 2 || calls[1].Method != "GET" {
			t.Fatalf("requests: %+v", calls)
		}
	})
	t.Run("lookup fails: original error", func(t *testing.T) {
		f, c := newFake(t)
		f.Handle(create, badGateway)
		f.Handle(lookup, userapitest.Reply{Status: 403, Body: `{"errors":["Forbidden"]}`})
		_, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "ada@example.org"})
		wantKind(t, err, errkind.Server, 1, "502")
		if len(f.Requests()) != 2 {
			t.Fatalf("%d requests", len(f.Requests()))
		}
	})
}

func TestUpdateUser(t *testing.T) {
	s := func(v string) *string { return &v }
	disabled := userapi.StatusDisabled
	active := userapi.StatusActive
	admin := true
	tests := []struct {
		name string
		req  userapi.UpdateRequest
		body string
	}{
		{"all fields", userapi.UpdateRequest{Email: s("new@example.org"), Name: s("New"), Roles: &[]string{"read-only"}, Status: &disabled},
			`{"email":"new@example.org","name":"New","access_role":"ro","disabled":true}`},
		{"enable", userapi.UpdateRequest{Status: &active}, `{"disabled":false}`},
		{"admin", userapi.UpdateRequest{Admin: &admin}, `{"access_role":"adm"}`},
		{"name only", userapi.UpdateRequest{Name: s("")}, `{"name":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, ok(fixture(t, "user_null_role.json")))
			if _, err := c.UpdateUser(ctx(t), "ada@example.org", tt.req); err != nil {
				t.Fatal(err)
			}
			calls := f.Requests()
			if len(calls) != 1 {
				t.Fatalf("%d requests", len(calls))
			}
			checkCall(t, calls[0], "PUT", "/api/v1/user/ada@example.org", tt.body)
		})
	}
}

func TestUpdateAdminFalse(t *testing.T) {
	notAdmin := false
	f, c := newFake(t, ok(fixture(t, "user_disabled_admin.json")), ok(fixture(t, "user_disabled_admin.json")))
	if _, err := c.UpdateUser(ctx(t), "linus@example.org", userapi.UpdateRequest{Admin: &notAdmin}); err != nil {
		t.Fatal(err)
	}
	calls := f.Requests()
	if len(calls) != 2 {
		t.Fatalf("%d requests", len(calls))
	}
	checkCall(t, calls[0], "GET", "/api/v1/user/linus@example.org", "")
	checkCall(t, calls[1], "PUT", "/api/v1/user/linus@example.org", `{"access_role":"st"}`)

	// Not an admin: nothing to change, no PUT.
	f, c = newFake(t, ok(fixture(t, "user_null_role.json")))
	if _, err := c.UpdateUser(ctx(t), "ada@example.org", userapi.UpdateRequest{Admin: &notAdmin}); err != nil {
		t.Fatal(err)
	}
	if calls := f.Requests(); len(calls) != 2 || calls[1].Method != "GET" {
		t.Fatalf("requests: %+v", calls)
	}
}

func TestUpdateValidatesBeforeSending(t *testing.T) {
	f, c := newFake(t, ok(fixture(t, "user_null_role.json")))
	s := func(v string) *string { return &v }
	pending := userapi.StatusPending
	for _, req := range []userapi.UpdateRequest{
		{},
		{Email: s("nope")},
		{FirstName: s("Ada")},
		{Roles: &[]string{}},
		{Roles: &[]string{"st", "adm"}},
		{Roles: &[]string{"owner"}},
		{Status: &pending},
		{Extra: map[string]string{"title": "x"}},
	} {
		_, err := c.UpdateUser(ctx(t), "ada@example.org", req)
		wantKind(t, err, errkind.Usage, 2)
	}
	if n := len(f.Requests()); n != 0 {
		t.Fatalf("%d invalid updates were sent", n)
	}
}

func TestDisableEnable(t *testing.T) {
	f, c := newFake(t, ok(fixture(t, "user_disabled_admin.json")), ok(fixture(t, "user_null_role.json")))
	u, err := c.DisableUser(ctx(t), "linus@example.org")
	if err != nil || u.Status != userapi.StatusDisabled {
		t.Fatalf("disable: %+v, %v", u, err)
	}
	u, err = c.EnableUser(ctx(t), "ada@example.org")
	if err != nil || u.Status != userapi.StatusActive {
		t.Fatalf("enable: %+v, %v", u, err)
	}
	calls := f.Requests()
	checkCall(t, calls[0], "PUT", "/api/v1/user/linus@example.org", `{"disabled":true}`)
	checkCall(t, calls[1], "PUT", "/api/v1/user/ada@example.org", `{"disabled":false}`)
}

func TestDeleteUser(t *testing.T) {
	f, c := newFake(t, ok(fixture(t, "disable.json")),
		userapitest.Reply{Status: 400, Body: `{"errors": ["User is already disabled"]}`},
		userapitest.Reply{Status: 404, Body: `{"errors": ["user not found"]}`})
	res, err := c.DeleteUser(ctx(t), "ada@example.org", userapi.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := userapi.Result{ID: "ada@example.org", Action: "disabled", Message: "User ada@example.org disabled"}
	if res != want {
		t.Fatalf("result %+v, want %+v", res, want)
	}
	checkCall(t, f.Requests()[0], "DELETE", "/api/v1/user/ada@example.org", "")

	_, err = c.DeleteUser(ctx(t), "ada@example.org", userapi.DeleteOptions{})
	wantKind(t, err, errkind.NotFound, 3, `user "ada@example.org" is already disabled`, "User is already disabled")
	if !errors.Is(err, userapi.ErrAlreadyDeleted) {
		t.Errorf("second delete: %v does not wrap ErrAlreadyDeleted", err)
	}

	_, err = c.DeleteUser(ctx(t), "notahandle", userapi.DeleteOptions{})
	wantKind(t, err, errkind.NotFound, 3, `user "notahandle" not found`, "user not found")
}

// Every error example of datadog.md decodes to a clear message and its kind.
func TestErrorDecoding(t *testing.T) {
	tests := []struct {
		status int
		body   string
		verb   func(*Client) error
		kind   errkind.Kind
		code   int
		want   []string
	}{
		{400, `{"errors": ["Required parameter 'handle' is missing"]}`, createVerb, errkind.Invalid, 2,
			[]string{`user "ada@example.org": 400 Bad Request: Required parameter 'handle' is missing`}},
		{400, `{"errors":["Format of 'email' should be email"]}`, updateVerb, errkind.Invalid, 2,
			[]string{"400 Bad Request: Format of 'email' should be email"}},
		{404, `{"errors": ["user not found"]}`, getVerb, errkind.NotFound, 3,
			[]string{`user "ada@example.org" not found`, "user not found"}},
		{409, `{"errors": ["User with this handle already exists"]}`, createVerb, errkind.Conflict, 5,
			[]string{`user "ada@example.org" already exists`, "User with this handle already exists"}},
		{403, `{"errors": ["Forbidden"]}`, getVerb, errkind.Auth, 4, []string{"403 Forbidden"}},
		{403, `{"errors": ["API key required"]}`, getVerb, errkind.Auth, 4, []string{"API key required"}},
		{403, fixtureBody("error_forbidden_2021.json"), getVerb, errkind.Auth, 4, []string{"403 Forbidden"}},
		{500, `{"errors": ["Internal Server Error"]}`, getVerb, errkind.Server, 1, []string{"Internal Server Error"}},
	}
	for _, tt := range tests {
		f := newServer(t, userapitest.Reply{Status: tt.status, Body: tt.body})
		c, err := newClient(userapi.Profile{URL: f.URL, Secrets: map[string]string{"api_key": testAPIKey, "app_key": testAppKey}}, userapi.Env{Timeout: 5 * time.Second},
			func(o *httpx.Options) { o.Backoff = func(int) time.Duration { return 0 } })
		if err != nil {
			t.Fatal(err)
		}
		err = tt.verb(c)
		wantKind(t, err, tt.kind, tt.code, tt.want...)
		if strings.Contains(err.Error(), "{") {
			t.Errorf("raw JSON in message: %v", err)
		}
	}
}

func createVerb(c *Client) error {
	_, err := c.CreateUser(context.Background(), userapi.CreateRequest{Email: "ada@example.org"})
	return err
}

func getVerb(c *Client) error {
	_, err := c.GetUser(context.Background(), "ada@example.org")
	return err
}

func updateVerb(c *Client) error {
	n := "x"
	_, err := c.UpdateUser(context.Background(), "ada@example.org", userapi.UpdateRequest{Name: &n})
	return err
}

func fixtureBody(name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestRateLimitWaitsForReset(t *testing.T) {
	f, c := newFake(t,
		userapitest.Reply{Status: 429, Header: map[string]string{"X-RateLimit-Reset": "0", "X-RateLimit-Limit": "100",
			"X-RateLimit-Remaining": "0", "X-RateLimit-Name": "create_user_api", "X-RateLimit-Period": "60"},
			Body: `{"errors": ["Too many requests"]}`},
		ok(fixture(t, "user_null_role.json")))
	if _, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "ada@example.org"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Requests()); n != 2 {
		t.Fatalf("%d requests, want the create re-sent once after the 429", n)
	}
}

func TestRateLimitHTMLBody(t *testing.T) {
	f := newServer(t, userapitest.Reply{Status: 429,
		Header: map[string]string{"Content-Type": "text/html", "X-RateLimit-Reset": "3600"},
		Body:   fixture(t, "rate_limited.html")})
	c, err := New(userapi.Profile{URL: f.URL, Secrets: map[string]string{"api_key": testAPIKey, "app_key": testAppKey}},
		userapi.Env{Timeout: 5 * time.Second, MaxRetryWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUser(ctx(t), "ada@example.org")
	wantKind(t, err, errkind.RateLimited, 6, "(429 Too Many Requests: Slow down. (HTML page))")
	if strings.Contains(err.Error(), "<") {
		t.Errorf("HTML in message: %v", err)
	}
	if len(f.Requests()) != 1 {
		t.Errorf("%d requests: a wait longer than the limit must fail at once", len(f.Requests()))
	}
}

func TestListRolesSendsNothing(t *testing.T) {
	f, c := newFake(t)
	roles, err := c.ListRoles(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
		if r.Description == "" {
			t.Errorf("role %s has no description", r.Name)
		}
	}
	if !reflect.DeepEqual(names, []string{"st", "adm", "ro"}) {
		t.Fatalf("roles %v", names)
	}
	if len(f.Requests()) != 0 {
		t.Fatal("ListRoles sent a request")
	}
	for in, want := range map[string]string{"standard": "st", "Admin": "adm", "read-only": "ro", "read_only": "ro", "RO": "ro"} {
		if got, ok := RoleCode(in); !ok || got != want {
			t.Errorf("RoleCode(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := RoleCode("ERROR"); ok {
		t.Error("ERROR accepted as a role")
	}
}

func TestCheck(t *testing.T) {
	f, c := newFake(t, ok(fixture(t, "users_list.json")))
	got, err := c.Check(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "4 users") || !strings.Contains(got, "keys accepted") {
		t.Fatalf("check: %q", got)
	}
	checkCall(t, f.Requests()[0], "GET", "/api/v1/user", "")

	_, c = newFake(t, userapitest.Reply{Status: 403, Body: `{"errors":["Forbidden"]}`})
	_, err = c.Check(ctx(t))
	wantKind(t, err, errkind.Auth, 4, "Forbidden")
}

func TestFindUser(t *testing.T) {
	notFound := userapitest.Reply{Status: 404, Body: `{"errors":["user not found"]}`}
	f, c := newFake(t)
	f.Handle("GET /api/v1/user/GRACE.HOPPER@example.org", notFound)
	f.Handle("GET /api/v1/user", ok(fixture(t, "users_list.json")))
	u, found, err := c.FindUser(ctx(t), "GRACE.HOPPER@example.org")
	if err != nil || !found || u.ID != "grace@example.org" {
		t.Fatalf("find by email: %+v %v %v", u, found, err)
	}
	calls := f.Requests()
	checkCall(t, calls[0], "GET", "/api/v1/user/GRACE.HOPPER@example.org", "")
	checkCall(t, calls[1], "GET", "/api/v1/user", "")

	f, c = newFake(t)
	f.Handle("GET /api/v1/user/nobody@example.org", notFound)
	f.Handle("GET /api/v1/user", ok(`{"users": []}`))
	if _, found, err := c.FindUser(ctx(t), "nobody@example.org"); found || err != nil {
		t.Fatalf("find unknown: %v %v", found, err)
	}
}

func TestRaw(t *testing.T) {
	f, c := newFake(t, ok(`{"users": []}`), userapitest.Reply{Status: 404, Body: `{"errors":["user not found"]}`})
	resp, err := c.Raw(ctx(t), "get", "/api/v1/user", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"users": []}` {
		t.Fatalf("raw: %d %s", resp.StatusCode, b)
	}
	checkCall(t, f.Requests()[0], "GET", "/api/v1/user", "")

	resp, err = c.Raw(ctx(t), "DELETE", "/api/v1/user/x@example.org", nil, nil)
	wantKind(t, err, errkind.NotFound, 3)
	if resp == nil || resp.StatusCode != 404 {
		t.Fatalf("raw error response: %+v", resp)
	}
	resp.Body.Close()

	_, err = c.Raw(ctx(t), "GET", "https://evil.example.net/api/v1/user", nil, nil)
	wantKind(t, err, errkind.Usage, 2, "refusing to send the Datadog keys")
	if len(f.Requests()) != 2 {
		t.Fatal("a request went to another host")
	}
}

func TestDebugLogRedactsKeys(t *testing.T) {
	f := newServer(t, ok(fixture(t, "user_null_role.json")))
	var log bytes.Buffer
	c, err := New(userapi.Profile{URL: f.URL, Secrets: map[string]string{"api_key": testAPIKey, "app_key": testAppKey}},
		userapi.Env{Timeout: 5 * time.Second, Debug: &log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "ada@example.org"}); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	if strings.Contains(out, testAPIKey) || strings.Contains(out, testAppKey) {
		t.Fatalf("keys leaked into the debug log:\n%s", out)
	}
	if !strings.Contains(out, "Dd-Api-Key: [REDACTED]") || !strings.Contains(out, "Dd-Application-Key: [REDACTED]") {
		t.Fatalf("debug log lacks the redacted headers:\n%s", out)
	}
}

func TestCanceledContext(t *testing.T) {
	f, c := newFake(t, ok(fixture(t, "user_null_role.json")))
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.GetUser(cctx, "ada@example.org")
	wantKind(t, err, errkind.Interrupted, 130)
	if len(f.Requests()) != 0 {
		t.Fatal("a canceled request was sent")
	}
}
