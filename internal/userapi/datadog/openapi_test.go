package datadog_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/sandbox"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/datadog"
)

// TestOpenAPIClientAndSandbox drives every verb of the client against the
// sandbox and validates each request the client sends and each response the
// sandbox returns against Datadog's own OpenAPI document.
func TestOpenAPIClientAndSandbox(t *testing.T) {
	doc := loadSpec(t)
	d, ok := sandbox.LookupDialect("datadog")
	if !ok {
		t.Fatal("the datadog sandbox is not registered")
	}
	st := sandbox.NewStore()
	d.Seed(st, 3)
	srv, v := newValidatedServer(t, doc, d.New(st, sandbox.Options{API: "datadog"}))
	c, err := datadog.New(userapi.Profile{URL: srv.URL, Secrets: map[string]string{"api_key": "k", "app_key": "a"}}, userapi.Env{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	admin := true
	for _, req := range []userapi.CreateRequest{
		{Email: "std@example.com", Name: "Standard"},
		{Email: "adm@example.com", Admin: &admin},
		{Username: "ro.handle@example.com", Email: "ro@example.com", Roles: []string{"read-only"}},
		{Email: "off@example.com", Inactive: true},
	} {
		_, err := c.CreateUser(ctx, req)
		must("create "+req.Email, err)
	}
	_, err = c.CreateUser(ctx, userapi.CreateRequest{Email: "std@example.com"})
	if errkind.Of(err) != errkind.Conflict {
		t.Fatalf("duplicate create: %v", err)
	}
	_, err = c.CreateUser(ctx, userapi.CreateRequest{Email: "off@example.com"})
	if errkind.Of(err) != errkind.Conflict || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("create over a disabled user: %v", err)
	}
	_, err = c.GetUser(ctx, "ro.handle@example.com")
	must("get", err)
	_, err = c.GetUser(ctx, "notahandle")
	if errkind.Of(err) != errkind.NotFound {
		t.Fatalf("get unknown: %v", err)
	}
	n := 0
	for _, err := range c.ListUsers(ctx, userapi.ListOptions{}) {
		must("list", err)
		n++
	}
	if n != 7 {
		t.Errorf("listed %d users, want 7", n)
	}
	name, email := "Renamed", "std2@example.com"
	_, err = c.UpdateUser(ctx, "std@example.com", userapi.UpdateRequest{Name: &name, Email: &email, Roles: &[]string{"ro"}})
	must("update", err)
	notAdmin := false
	_, err = c.UpdateUser(ctx, "adm@example.com", userapi.UpdateRequest{Admin: &notAdmin})
	must("update --admin=false", err)
	_, err = c.DisableUser(ctx, "user1@example.com")
	must("disable", err)
	_, err = c.EnableUser(ctx, "user1@example.com")
	must("enable", err)
	res, err := c.DeleteUser(ctx, "user2@example.com", userapi.DeleteOptions{})
	must("delete", err)
	if res.Message != "User user2@example.com disabled" {
		t.Errorf("delete message %q", res.Message)
	}
	_, err = c.DeleteUser(ctx, "user2@example.com", userapi.DeleteOptions{})
	if errkind.Of(err) != errkind.NotFound || errkind.ExitCode(err) != 3 || !strings.Contains(err.Error(), "already disabled") {
		t.Fatalf("second delete: %v", err)
	}
	_, err = c.DeleteUser(ctx, "nobody@example.com", userapi.DeleteOptions{})
	if errkind.Of(err) != errkind.NotFound {
		t.Fatalf("delete unknown: %v", err)
	}
	_, err = c.UpdateUser(ctx, "nobody@example.com", userapi.UpdateRequest{Name: &name})
	if errkind.Of(err) != errkind.NotFound {
		t.Fatalf("update unknown: %v", err)
	}
	_, found, err := c.FindUser(ctx, "ro@example.com")
	if err != nil || !found {
		t.Fatalf("find by email: %v %v", found, err)
	}
	_, err = c.Check(ctx)
	must("check", err)

	// Server-side validation, through the raw requester.
	for _, body := range []string{`{}`, `{"handle":"x@example.com","email":"notanemail"}`} {
		resp, err := c.Raw(ctx, http.MethodPost, "/api/v1/user", []byte(body), nil)
		if errkind.Of(err) != errkind.Invalid || resp == nil || resp.StatusCode != 400 {
			t.Fatalf("raw create %s: %v", body, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `"errors"`) {
			t.Errorf("raw error body %s", b)
		}
	}
	resp, err := c.Raw(ctx, http.MethodPut, "/api/v1/user/user3%40example.com", []byte(`{"email":"notanemail"}`), nil)
	if errkind.Of(err) != errkind.Invalid || !strings.Contains(err.Error(), "Format of 'email' should be email") {
		t.Fatalf("raw update: %v", err)
	}
	resp.Body.Close()

	if got := v.requests.Load(); got < 20 {
		t.Errorf("only %d requests were validated", got)
	}
}

// TestOpenAPIWrongKeys checks the sandbox's answer to wrong keys against the
// spec (403, APIErrorResponse). A request with no keys at all is not a valid
// request of the spec, so it is tested in the sandbox's own tests.
func TestOpenAPIWrongKeys(t *testing.T) {
	doc := loadSpec(t)
	d, _ := sandbox.LookupDialect("datadog")
	strict, _ := newValidatedServer(t, doc, d.New(sandbox.NewStore(), sandbox.Options{APIKey: "right", AppKey: "right"}))
	sc, err := datadog.New(userapi.Profile{URL: strict.URL, Secrets: map[string]string{"api_key": "wrong", "app_key": "wrong"}}, userapi.Env{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.GetUser(context.Background(), "a@example.com")
	if errkind.Of(err) != errkind.Auth || errkind.ExitCode(err) != 4 || !strings.Contains(err.Error(), "Forbidden") {
		t.Fatalf("wrong keys: %v", err)
	}
	for _, err := range sc.ListUsers(context.Background(), userapi.ListOptions{}) {
		if errkind.Of(err) != errkind.Auth {
			t.Fatalf("list with wrong keys: %v", err)
		}
	}
}
