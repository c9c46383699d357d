package udata

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
