package sandbox_test

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/routing.golden from the current servers")

// goldenAuth is one set of credentials a golden request is sent with.
type goldenAuth struct {
	name   string
	header http.Header
}

// goldenDialect is the request corpus of one dialect: every path is sent
// with every method, with the dialect's good credentials; anonPaths are also
// sent without credentials (and with the other auths).
type goldenDialect struct {
	name   string
	paths  []string
	auths  []goldenAuth
	bodies map[string]string // method → body
	ctype  string
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

var goldenMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"}

// goldenCorpus probes routing: canonical paths, trailing slashes, doubled
// slashes, dot segments, escaped separators and at signs, unknown paths,
// every method, and credentials missing or of the wrong kind.
var goldenCorpus = []goldenDialect{
	{
		name: "rest",
		paths: []string{
			"/", "/v1", "/v1/", "/V1/users", "/v1/Users", "/v1/users", "/v1/users/", "/v1/users?page=2&per_page=1",
			"/v1/users?page=0", "/v1/users?email=user1%40example.com", "/v1/users/usr_000001", "/v1/users/usr_000001/",
			"/v1/users/usr%5F000001", "/v1/users/usr_000001/x", "/v1/users/nope", "/v1/users/a%2Fb", "/v1/users/a%40b",
			"/v1/users/a@b", "/v1/users/%2e", "/v1/users/.", "/v1/users/..", "/v1//users", "/v1/./users",
			"/v1/users//usr_000001", "/v1/users/usr_000001/..", "/v1/users/%20", "/v1/users/caf%C3%A9",
			"/v1/users/%2F", "/v1/users/%00", "/v1/users//", "/v1//", "/v1/users/a%2F", "/v1/users/%2Fa", "/v1/users/%2e%2E",
		},
		auths: []goldenAuth{
			{"bearer", hdr("Authorization", "Bearer tok")},
			{"none", hdr()},
			{"basic", hdr("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("u:p")))},
		},
		bodies: map[string]string{
			"POST": `{"email":"new@example.com","name":"New One","password":"long-enough"}`,
			"PUT":  `{"name":"Renamed","status":"disabled"}`,
		},
		ctype: "application/json",
	},
	{
		name: "datadog",
		paths: []string{
			"/", "/api", "/api/v1", "/api/v1/user", "/api/v1/user/", "/api/v1/users", "/API/v1/user",
			"/api/v1/user/user1@example.com", "/api/v1/user/user1%40example.com", "/api/v1/user/USER1@example.com",
			"/api/v1/user/user1@example.com/", "/api/v1/user/user1@example.com/x", "/api/v1/user/nope@example.com",
			"/api/v1/user/a%2Fb", "/api/v1/user/%2F", "/api/v1/user//", "/api/v1/user//user1@example.com",
			"/api/v1//user", "/api/v1/./user", "/api/v1/user/.", "/api/v1/user/..", "/api/v1/user/%2e",
			"/api/v1/user?x=1", "/api/v1/user/user13@example.com", "/api/v1/user/%20",
			"/api/v1/user/a%2F", "/api/v1/user/%2Fa", "/api/v1/user/%00", "/api/v1/user/%2F%2F", "/api/v1/user/%2F/",
		},
		auths: []goldenAuth{
			{"keys", hdr("DD-API-KEY", "api", "DD-APPLICATION-KEY", "app")},
			{"none", hdr()},
			{"apikey-only", hdr("DD-API-KEY", "api")},
		},
		bodies: map[string]string{
			"POST": `{"handle":"new@example.com","name":"New One","access_role":"adm"}`,
			"PUT":  `{"name":"Renamed","disabled":true}`,
		},
		ctype: "application/json",
	},
	{
		name: "basic",
		paths: []string{
			"/", "/api", "/api/v1", "/api/v1/users", "/api/v1/users/", "/api/v1/user", "/API/v1/users",
			"/api/v1/users/user000001", "/api/v1/users/USER000001", "/api/v1/users/user000001/", "/api/v1/users/user000001/x",
			"/api/v1/users/newbie", "/api/v1/users/a%2Fb", "/api/v1/users/a%40b", "/api/v1/users/%2F", "/api/v1/users//",
			"/api/v1//users", "/api/v1/./users", "/api/v1/users/.", "/api/v1/users/..", "/api/v1/users/%2e",
			"/api/v1/users/user000001?x=1", "/api/v1/users/%20", "/api/v1/users//user000001",
			"/api/v1/users/%2Fa", "/api/v1/users/%2F/", "/api/v1/users/%00",
		},
		auths: []goldenAuth{
			{"basic", hdr("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("admin:pw")))},
			{"none", hdr()},
			{"bearer", hdr("Authorization", "Bearer tok")},
		},
		bodies: map[string]string{
			"PUT":   `{"value":{"password":"long-enough"}}`,
			"PATCH": `{"value":{"current_password":"user000001","password":"long-enough"}}`,
			"POST":  `{"value":{"password":"long-enough"}}`,
		},
		ctype: "application/json",
	},
	{
		name: "udata",
		paths: []string{
			"/", "/api", "/api/1", "/api/1/", "/api/2/users/", "/API/1/users/", "/api/1/Users/",
			"/api/1/users", "/api/1/users/", "/api/1/users?page=2&page_size=1", "/api/1/users/?page=2&page_size=1",
			"/api/1/users/?page=9", "/api/1/users/?page=0", "/api/1/users/?sort=-created&q=ada",
			"/api/1/me", "/api/1/me/", "/api/1/me/x/",
			"/api/1/users/roles/", "/api/1/users/roles", "/api/1/users/suggest/?q=ada", "/api/1/users/suggest/",
			"/api/1/users/5d0000000000000000000001/", "/api/1/users/5d0000000000000000000001",
			"/api/1/users/alan-lovelace-1/", "/api/1/users/nope/", "/api/1/users/a%2Fb/", "/api/1/users/a%40b/",
			"/api/1/users/5d0000000000000000000001/followers/", "/api/1/users/5d0000000000000000000001/followers",
			"/api/1/users/5d0000000000000000000001/avatar/", "/api/1/users/5d0000000000000000000001/rotate_password/",
			"/api/1/users/5d0000000000000000000001/x/", "/api/1/users/5d0000000000000000000001/followers/x/",
			"/api/1/users/roles/followers/", "/api/1/users/suggest/avatar/", "/api/1/users/me/",
			"/api/1/users//", "/api/1//users/", "/api/1/./users/", "/api/1/users/./", "/api/1/users/../",
			"/api/1/users/%2e/", "/api/1/users/5d0000000000000000000001//", "/api/1/users/5d0000000000000000000001?x=1",
			"/api/1/users/%20/", "/api/1/users//followers/", "/api/1/users//avatar/", "/api/1/users/%2F/",
			"/api/1/users/5d0000000000000000000001/%2Ffollowers/", "/api/1//", "/api/1/users/5d0000000000000000000001//followers/",
			"/api/1/users/roles//", "/api/1/users/%00/", "/api/1/users/a%2Ffollowers/",
		},
		auths: []goldenAuth{
			{"admin", hdr("X-API-KEY", "admin-key")},
			{"none", hdr()},
			{"nonadmin", hdr("X-API-KEY", "nonadmin-key")},
		},
		bodies: map[string]string{
			"POST": `{"first_name":"New","last_name":"One","email":"new@example.org","active":true,"roles":["editor"]}`,
			"PUT":  `{"first_name":"Re","last_name":"Named","active":true,"roles":[]}`,
		},
		ctype: "application/json",
	},
	{
		name: "scim",
		paths: []string{
			"/", "/scim", "/scim/v2", "/scim/v2/", "/scim/v2/users", "/scim/v2/Users", "/scim/v2/Users/",
			"/scim/v2/Users?startIndex=2&count=1", "/scim/v2/Users?filter=userName%20eq%20%22user1%22",
			"/scim/v2/Users?filter=bogus", "/scim/v2/Users/2819c223-7f76-453a-919d-000000000001",
			"/scim/v2/Users/2819c223-7f76-453a-919d-000000000001/", "/scim/v2/Users/2819c223-7f76-453a-919d-000000000001/x",
			"/scim/v2/Users/nope", "/scim/v2/Users/a%2Fb", "/scim/v2/Users/a%40b", "/scim/v2/Users//",
			"/scim/v2//Users", "/scim/v2/./Users", "/scim/v2/Users/.", "/scim/v2/Users/..", "/scim/v2/Users/%2e",
			"/scim/v2/ServiceProviderConfig", "/scim/v2/ServiceProviderConfig/", "/scim/v2/serviceproviderconfig",
			"/scim/v2/ResourceTypes", "/scim/v2/ResourceTypes/", "/scim/v2/ResourceTypes/User", "/scim/v2/ResourceTypes/Group",
			"/scim/v2/Schemas", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
			"/scim/v2/Schemas/urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser", "/scim/v2/Schemas/x",
			"/scim/v2/Users//2819c223-7f76-453a-919d-000000000001", "/scim/v2/Groups", "/scim/v2/Users/%20",
			"/scim/v2/Users/%2F", "/scim/v2/Users//x", "/scim/v2/Users/x//", "/scim/v2/ServiceProviderConfig//",
			"/scim/v2//ServiceProviderConfig", "/scim/v2/Users/%00", "/scim/v2/Users/%2F2819c223-7f76-453a-919d-000000000001",
		},
		auths: []goldenAuth{
			{"bearer", hdr("Authorization", "Bearer tok")},
			{"none", hdr()},
		},
		bodies: map[string]string{
			"POST":  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new","emails":[{"value":"new@example.com","primary":true}]}`,
			"PUT":   `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"renamed"}`,
			"PATCH": `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`,
		},
		ctype: "application/scim+json",
	},
}

// goldenNormalizers replace what changes from run to run: times and the
// ETags made of them.
var goldenNormalizers = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?`), "<time>"},
	{regexp.MustCompile(`W/\\?"[0-9a-f]{16}\\?"`), "<etag>"},
}

func normalize(s string) string {
	for _, n := range goldenNormalizers {
		s = n.re.ReplaceAllString(s, n.repl)
	}
	return s
}

// goldenAvatarBody is a multipart avatar upload.
func goldenAvatarBody() (string, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.SetBoundary("golden-boundary")
	part, _ := mw.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {`form-data; name="file"; filename="a.png"`},
		"Content-Type":        {"image/png"},
	})
	_, _ = part.Write([]byte("\x89PNG\r\n"))
	_ = mw.Close()
	return buf.String(), mw.FormDataContentType()
}

// goldenRun sends the whole corpus, each request to a fresh server of 3
// seeded users, and renders every answer: status, headers but Date, body.
func goldenRun(t *testing.T) string {
	t.Helper()
	var out strings.Builder
	for _, d := range goldenCorpus {
		for _, p := range d.paths {
			for ai, auth := range d.auths {
				for _, m := range goldenMethods {
					if ai > 0 && m != "GET" && m != "POST" && m != "DELETE" {
						continue
					}
					h, err := sandbox.NewHandler(sandbox.Options{API: d.name, Seed: 3}, sandbox.NewStore())
					if err != nil {
						t.Fatal(err)
					}
					body, ctype := d.bodies[m], d.ctype
					if d.name == "udata" && m == "POST" && strings.Contains(p, "/avatar") {
						body, ctype = goldenAvatarBody()
					}
					var rd *strings.Reader
					if body != "" {
						rd = strings.NewReader(body)
					} else {
						rd = strings.NewReader("")
					}
					req := httptest.NewRequest(m, "http://sandbox.test"+p, rd)
					for k, v := range auth.header {
						req.Header[k] = v
					}
					if body != "" {
						req.Header.Set("Content-Type", ctype)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					fmt.Fprintf(&out, "=== %s %s %s [%s]\n%d\n", d.name, m, p, auth.name, rec.Code)
					keys := make([]string, 0, len(rec.Header()))
					for k := range rec.Header() {
						if k != "Date" {
							keys = append(keys, k)
						}
					}
					slices.Sort(keys)
					for _, k := range keys {
						fmt.Fprintf(&out, "%s: %s\n", k, normalize(strings.Join(rec.Header()[k], ", ")))
					}
					fmt.Fprintf(&out, "\n%s\n", normalize(strings.TrimRight(rec.Body.String(), "\n")))
				}
			}
		}
	}
	return out.String()
}

// TestRoutingGolden pins every dialect's answers to a corpus of requests
// probing routing (paths, methods, credentials): the servers' routing may
// be rewritten, their answers may not change. Run with -update to accept a
// deliberate change, and review the diff.
func TestRoutingGolden(t *testing.T) {
	got := goldenRun(t)
	path := filepath.Join("testdata", "routing.golden")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got == string(want) {
		return
	}
	gotEntries, wantEntries := strings.Split(got, "=== "), strings.Split(string(want), "=== ")
	var changed []string
	for i := 0; i < max(len(gotEntries), len(wantEntries)); i++ {
		var g, w string
		if i < len(gotEntries) {
			g = gotEntries[i]
		}
		if i < len(wantEntries) {
			w = wantEntries[i]
		}
		if g == w {
			continue
		}
		if len(changed) < 5 {
			t.Errorf("answer changed:\n--- want\n%s\n--- got\n%s", w, g)
		}
		title, _, _ := strings.Cut(w+g, "\n")
		changed = append(changed, title)
	}
	t.Errorf("%d answers changed (%d entries, want %d):\n%s\n"+
		"If the change is deliberate, rewrite the file and review its diff:\n"+
		"  go test ./internal/sandbox -run TestRoutingGolden -update && git diff internal/sandbox/testdata",
		len(changed), len(gotEntries), len(wantEntries), strings.Join(changed, "\n"))
}
