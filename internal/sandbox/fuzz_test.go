package sandbox_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

// fuzzMethods are the methods a fuzzed request may use (its index is taken
// modulo the length).
var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions}

// FuzzHandlers sends arbitrary request bodies (and paths and methods) to
// every registered dialect's handler, authenticated with credentials of
// every kind: no panic, no 5xx, and a body whatever the status (but for
// HEAD and 204).
func FuzzHandlers(f *testing.F) {
	seeds := []struct {
		method uint8
		path   string
		body   string
	}{
		{1, "/v1/users", `{"email": "a@example.com", "name": "A", "password": "long-enough", "roles": ["admin"]}`},
		{2, "/v1/users/usr_000001", `{"name": "B", "status": "disabled", "roles": null}`},
		{3, "/v1/users/usr_000001", `{"status": 5}`},
		{0, "/v1/users?page=2&per_page=1&email=user1%40example.com&sort=-email", ``},
		{4, "/v1/users/usr_000002", ``},
		{1, "/api/v1/user", `{"handle": "dd@example.com", "name": "D", "access_role": "adm"}`},
		{2, "/api/v1/user/user1@example.com", `{"disabled": true, "email": "x@example.com", "access_role": "ro"}`},
		{4, "/api/v1/user/user1@example.com", ``},
		{0, "/api/v1/user?filter=user", ``},
		{1, "/api/v1/users/newbie", `{"value": {"password": "long-enough-pw"}}`},
		{2, "/api/v1/users/user000001", `{"value": {"current_password": "x", "password": "long-enough-pw"}}`},
		{1, "/api/v1/users", `{"value": null}`},
		{0, "/api/v1/users/user000001", ``},
		{1, "/api/1/users/", `{"first_name": "U", "last_name": "D", "email": "u@example.com", "password": "long-enough", "roles": ["admin"]}`},
		{2, "/api/1/users/x/", `{"first_name": null, "active": "yes", "roles": "admin"}`},
		{0, "/api/1/users/?page=2&page_size=1&q=user&sort=-created_at", ``},
		{1, "/api/1/users/x/avatar/", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n--b--\r\n"},
		{1, "/api/1/me/following/", `{"id": 1}`},
		{1, "/v1/users", `{"email": "\u0000@example.com", "name": "` + strings.Repeat("é", 300) + `", "password": "long-enough"}`},
		{1, "/v1/users", `[` + strings.Repeat(`{"a":`, 50) + `1` + strings.Repeat(`}`, 50) + `]`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, []byte(s.body), uint8(0))
	}
	names := sandbox.Dialects()
	f.Fuzz(func(t *testing.T, method uint8, path string, body []byte, auth uint8) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") {
			path = "/" + strings.Map(func(r rune) rune {
				if r <= ' ' || r == '#' || r == 0x7f {
					return -1
				}
				return r
			}, path)
		}
		m := fuzzMethods[int(method)%len(fuzzMethods)]
		for _, name := range names {
			h, err := sandbox.NewHandler(sandbox.Options{API: name, Seed: 3}, sandbox.NewStore())
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequest(m, "http://sandbox.test"+path, bytes.NewReader(body))
			if err != nil {
				return // not a request a client could send
			}
			switch {
			case auth&1 == 0:
				req.Header.Set("Authorization", "Bearer fuzz-token")
			default:
				req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("admin:fuzz-pw")))
			}
			req.Header.Set("X-API-KEY", "fuzz-key")
			req.Header.Set("DD-API-KEY", "fuzz-api-key")
			req.Header.Set("DD-APPLICATION-KEY", "fuzz-app-key")
			switch {
			case bytes.HasPrefix(body, []byte("--b")):
				req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			case auth&2 == 0:
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s: %s %s %q: %d %s", name, m, path, body, rec.Code, rec.Body.String())
			}
			if m != http.MethodHead && rec.Code != http.StatusNoContent && rec.Code != http.StatusNotModified && rec.Body.Len() == 0 {
				t.Fatalf("%s: %s %s %q: %d with an empty body", name, m, path, body, rec.Code)
			}
		}
	})
}
