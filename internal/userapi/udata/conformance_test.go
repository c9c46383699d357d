package udata_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/sandbox"
	_ "github.com/userctl/userctl/internal/sandbox/udata" // its sandbox server
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/udata"
	"github.com/userctl/userctl/internal/userapi/userapitest"
)

// newSandbox starts a fresh udata sandbox and returns its server, with the
// admin key "admin-key" (any other key is a non-admin).
func newSandbox(t *testing.T) *httptest.Server {
	t.Helper()
	d, ok := sandbox.LookupDialect("udata")
	if !ok {
		t.Fatal("the udata sandbox is not registered")
	}
	srv := httptest.NewServer(d.New(sandbox.NewStore(), sandbox.Options{API: "udata", Token: "admin-key"}))
	t.Cleanup(srv.Close)
	return srv
}

// newSandboxClient returns a client of srv using key.
func newSandboxClient(t *testing.T, srv *httptest.Server, key string) *udata.Client {
	t.Helper()
	d, _ := sandbox.LookupDialect("udata")
	c, err := udata.New(userapi.Profile{Name: "sandbox", URL: srv.URL + d.BasePath, Secrets: map[string]string{"token": key}},
		userapi.Env{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	userapitest.Run(t, userapitest.Harness{
		New: func(t *testing.T) userapi.Backend { return newSandboxClient(t, newSandbox(t), "admin-key") },
		NewUser: func(i int) userapi.CreateRequest {
			return userapi.CreateRequest{
				FirstName: "Person", LastName: fmt.Sprintf("Number%d", i),
				Email: fmt.Sprintf("person%d@example.com", i),
			}
		},
	})
}

// TestSandboxCapabilities drives every capability against the sandbox,
// through the shared middleware.
func TestSandboxCapabilities(t *testing.T) {
	h, err := sandbox.NewHandler(sandbox.Options{API: "udata", Seed: 7}, sandbox.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := newSandboxClient(t, srv, "admin-key")
	ctx := t.Context()

	n := 0
	for u, err := range c.ListUsers(ctx, userapi.ListOptions{PageSize: 2, Sort: "first_name"}) {
		if err != nil {
			t.Fatal(err)
		}
		if u.Status == "" || u.Extra["slug"] == nil {
			t.Errorf("user %+v", u)
		}
		n++
	}
	if n != 8 { // 7 seeded and the admin caller
		t.Errorf("listed %d users", n)
	}

	u, err := c.CreateUser(ctx, userapi.CreateRequest{Name: "Ada Lovelace", Email: "ada@example.org", Roles: []string{"editor"},
		Extra: map[string]string{"website": "https://ada.example"}})
	if err != nil || u.Username != "ada-lovelace" || u.Status != userapi.StatusActive || u.Extra["website"] != "https://ada.example" {
		t.Fatal(u, err)
	}
	email := "ada@lovelace.example"
	got, err := c.UpdateUser(ctx, "ada-lovelace", userapi.UpdateRequest{Email: &email})
	if err != nil || got.Email != email || len(got.Roles) != 1 || got.Roles[0] != "editor" {
		t.Fatalf("update kept roles? %+v %v", got, err)
	}
	if got, err := c.DisableUser(ctx, "ada-lovelace"); err != nil || got.Status != userapi.StatusDisabled || len(got.Roles) != 1 {
		t.Fatalf("disable: %+v %v", got, err)
	}
	if _, err := c.EnableUser(ctx, "ada-lovelace"); err != nil {
		t.Fatal(err)
	}

	res, err := c.Follow(ctx, "ada-lovelace")
	if err != nil || res.Action != "followed" || *res.Count != 1 {
		t.Fatal(res, err)
	}
	if res, err = c.Follow(ctx, "ada-lovelace"); err != nil || res.Action != "already following" {
		t.Fatal(res, err)
	}
	var names []string
	for f, err := range c.Followers(ctx, "ada-lovelace", 0) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
	}
	if len(names) != 1 || names[0] != "Sandbox Admin" {
		t.Errorf("followers = %v", names)
	}
	if _, err := c.Unfollow(ctx, "ada-lovelace"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Unfollow(ctx, "ada-lovelace"); errkind.ExitCode(err) != 3 || !strings.Contains(err.Error(), "not following") {
		t.Errorf("second unfollow: %v", err)
	}
	me, err := c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Follow(ctx, "no-such-slug"); errkind.ExitCode(err) != 3 {
		t.Errorf("follow of an unknown slug: %v", err)
	}
	if me != "Sandbox Admin <admin@sandbox.userctl.invalid> (admin)" {
		t.Errorf("check = %q", me)
	}

	if _, err := c.UploadAvatar(ctx, "ada-lovelace", userapi.Avatar{Data: []byte("\x89PNG\r\n\x1a\nrest"), Filename: "a.png", BBox: "0,0,5,5"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetUser(ctx, "ada-lovelace"); got.Extra["avatar"] == nil {
		t.Errorf("avatar not set: %v", got.Extra)
	}
	if _, err := c.SetPassword(ctx, "ada-lovelace", userapi.PasswordChange{}); err != nil {
		t.Fatal(err)
	}
	s, err := c.SuggestUsers(ctx, "ada", 20)
	if err != nil || len(s) == 0 || s[0].Slug != "ada-lovelace" {
		t.Errorf("suggest = %v, %v", s, err)
	}
	roles, err := c.ListRoles(ctx)
	if err != nil || len(roles) < 2 {
		t.Errorf("roles = %v, %v", roles, err)
	}

	if _, err := c.DeleteUser(ctx, "ada-lovelace", userapi.DeleteOptions{NoMail: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteUser(ctx, u.ID, userapi.DeleteOptions{}); errkind.ExitCode(err) != 3 {
		t.Errorf("second delete: %v", err)
	}

	visitor := newSandboxClient(t, srv, "a-nonadmin-key")
	for _, err := range visitor.ListUsers(ctx, userapi.ListOptions{}) {
		if errkind.ExitCode(err) != 4 || !strings.Contains(err.Error(), "permission") {
			t.Errorf("non-admin list: %v", err)
		}
	}
}

func TestParallelPaging(t *testing.T) {
	userapitest.RunPaging(t, userapitest.PagingHarness{
		API: "udata",
		New: func(t *testing.T, url string) userapi.Backend {
			c, err := udata.New(userapi.Profile{Name: "t", URL: url, Secrets: map[string]string{"token": "admin-key"}}, userapi.Env{Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		Page: func(r *http.Request, _ int) (int, bool) {
			p, err := strconv.Atoi(r.URL.Query().Get("page"))
			return p, err == nil && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/users/")
		},
	})
}
