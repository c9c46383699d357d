package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestSandboxServeRoutingEveryDialect drives `userctl sandbox serve --api X`
// for every dialect with raw HTTP: the binary has each dialect's server
// registered, users are reached by escaped IDs, and what no route takes is
// answered in the dialect's own error shape (never Go's plain-text "404
// page not found" or "Method Not Allowed" pages, nor their redirects).
func TestSandboxServeRoutingEveryDialect(t *testing.T) {
	t.Parallel()
	type probe struct {
		method, path string
		status       int
		contains     string // in the body
	}
	for _, d := range []struct {
		api    string
		header http.Header
		ctype  string
		probes []probe
	}{
		{"rest", http.Header{"Authorization": {"Bearer tok"}}, "application/json", []probe{
			{"GET", "/users/usr%5F000001", 200, `"id":"usr_000001"`},
			{"PATCH", "/users", 405, `{"error":"method PATCH not allowed on /v1/users"}`},
			{"HEAD", "/users/usr_000001", 405, ``},
			{"GET", "/users/usr_000001/", 404, `{"error":"no such resource: GET /v1/users/usr_000001/"}`},
			{"GET", "/no/such/thing", 404, `"error":"no such resource`},
			{"GET", "/users/a%2Fb", 404, `"error":"no such resource`},
		}},
		{"udata", http.Header{"X-Api-Key": {"admin-key"}}, "application/json", []probe{
			{"GET", "/users/5d0000000000000000000001/", 200, `"id":"5d0000000000000000000001"`},
			{"GET", "/users/alan-lovelace-1/", 200, `"slug":"alan-lovelace-1"`},
			{"GET", "/users", 308, `{"message":"Redirecting to /api/1/users/"}`},
			{"PATCH", "/users/", 405, `{"message":"The method is not allowed for the requested URL."}`},
			{"PUT", "/users/roles/", 405, `"message":"The method is not allowed`},
			{"GET", "/no/such/thing/", 404, `"message":"The requested URL was not found on the server.`},
		}},
		{"datadog", http.Header{"Dd-Api-Key": {"api"}, "Dd-Application-Key": {"app"}}, "application/json", []probe{
			{"GET", "/api/v1/user/user1%40example.com", 200, `"handle":"user1@example.com"`},
			{"GET", "/api/v1/user/user1@example.com", 200, `"handle":"user1@example.com"`},
			{"PATCH", "/api/v1/user", 405, `{"errors":["Method Not Allowed"]}`},
			{"GET", "/api/v1/user/a%2Fb", 404, `{"errors":["user not found"]}`},
			{"GET", "/no/such/thing", 404, `{"errors":["Not found"]}`},
		}},
		{"basic", http.Header{"Authorization": {"Basic YWRtaW46cHc="}}, "application/json", []probe{
			{"GET", "/api/v1/users/user000001", 200, `"username":"user000001"`},
			{"GET", "/api/v1/users/USER000001", 200, `"username":"user000001"`},
			{"POST", "/api/v1/users", 405, `"Method Not Allowed"`},
			{"GET", "/no/such/thing", 404, `"Not found"`},
		}},
		{"scim", http.Header{"Authorization": {"Bearer tok"}}, "application/scim+json", []probe{
			{"GET", "/Users/2819c223-7f76-453a-919d-000000000001", 200, `"userName":"user1"`},
			{"GET", "/Users/", 200, `"totalResults":3`},
			{"PATCH", "/Users", 405, `"detail":"method PATCH not allowed on /scim/v2/Users"`},
			{"GET", "/Schemas/urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser", 200, `"name":"User"`},
			{"GET", "/Groups", 404, `"detail":"no such resource: GET /scim/v2/Groups"`},
		}},
	} {
		t.Run(d.api, func(t *testing.T) {
			t.Parallel()
			base := newCLI(t).serve(d.api, "--seed", "3")
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for _, p := range d.probes {
				req, err := http.NewRequest(p.method, base+p.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range d.header {
					req.Header[k] = v
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				what := d.api + " " + p.method + " " + p.path
				if resp.StatusCode != p.status {
					t.Errorf("%s: %d, want %d: %s", what, resp.StatusCode, p.status, body)
					continue
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, d.ctype) {
					t.Errorf("%s: Content-Type %q, want %s", what, ct, d.ctype)
				}
				if p.method == "HEAD" {
					continue
				}
				if !json.Valid(body) || !strings.Contains(string(body), p.contains) {
					t.Errorf("%s: body %s, want JSON with %s", what, body, p.contains)
				}
			}
		})
	}
}
