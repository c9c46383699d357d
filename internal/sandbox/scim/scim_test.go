package scim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

func newSCIMServer(t *testing.T, opts sandbox.Options) *httptest.Server {
	t.Helper()
	opts.API = "scim"
	h, err := sandbox.NewHandler(opts, sandbox.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type scimResp struct {
	status int
	header http.Header
	body   map[string]any
}

// scimDo sends a request under /scim/v2 with "Bearer tok" unless hdr
// sets Authorization ("" for none).
func scimDo(t *testing.T, srv *httptest.Server, method, path, body string, hdr ...string) scimResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+"/scim/v2"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := scimResp{status: resp.StatusCode, header: resp.Header}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %q", method, path, raw)
		}
	}
	return r
}

func wantSCIMError(t *testing.T, r scimResp, status int, scimType string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %v", r.status, status, r.body)
	}
	if r.body["status"] != fmt.Sprint(status) || r.body["schemas"].([]any)[0] != "urn:ietf:params:scim:api:messages:2.0:Error" || r.body["detail"] == "" {
		t.Errorf("error body %v is not the SCIM error schema", r.body)
	}
	if scimType != "" && r.body["scimType"] != scimType {
		t.Errorf("scimType %v, want %s", r.body["scimType"], scimType)
	}
}

func TestSCIMPagingCapAndFilters(t *testing.T) {
	srv := newSCIMServer(t, sandbox.Options{Seed: 250})
	r := scimDo(t, srv, "GET", "/Users?startIndex=1&count=1000", "")
	if r.status != 200 || r.body["totalResults"].(float64) != 250 || len(r.body["Resources"].([]any)) != 100 || r.body["itemsPerPage"].(float64) != 100 {
		t.Fatalf("page of count=1000: %d total %v items %v", r.status, r.body["totalResults"], r.body["itemsPerPage"])
	}
	r = scimDo(t, srv, "GET", "/Users?startIndex=201&count=100", "")
	if n := len(r.body["Resources"].([]any)); n != 50 || r.body["startIndex"].(float64) != 201 {
		t.Fatalf("last page: %d resources", n)
	}
	r = scimDo(t, srv, "GET", "/Users?startIndex=0&count=1", "") // 0 is 1
	first := r.body["Resources"].([]any)[0].(map[string]any)
	if first["userName"] != "user1" {
		t.Fatalf("startIndex 0: %v", first["userName"])
	}
	for filter, want := range map[string]int{
		`userName eq "USER7"`:                                            1,
		`emails.value eq "user7@example.com"`:                            1,
		`userName sw "user1"`:                                            1 + 10 + 100, // user1, user10-19, user100-199
		`name.formatted co "er 24"`:                                      1 + 10,       // User 24, User 240-249
		`active eq false`:                                                250 / 17,
		`userName eq "user3" or userName eq "user4"`:                     2,
		`(userName sw "user2") and not (active eq true)`:                 len([]int{204, 221, 238}), // disabled (every 17th) among user2, user20-29, user200-249
		`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "user9"`: 1,
	} {
		r := scimDo(t, srv, "GET", "/Users?count=0&filter="+url.QueryEscape(filter), "")
		if r.status != 200 {
			t.Errorf("filter %s: %d %v", filter, r.status, r.body)
			continue
		}
		if got := int(r.body["totalResults"].(float64)); got != want {
			t.Errorf("filter %s: %d results, want %d", filter, got, want)
		}
	}
	for _, bad := range []string{`userName eq`, `nope eq "x"`, `userName gt "a"`, `(userName eq "a"`, `userName eq "unterminated`} {
		wantSCIMError(t, scimDo(t, srv, "GET", "/Users?filter="+url.QueryEscape(bad), ""), 400, "invalidFilter")
	}
}

func TestSCIMAuthAndDiscovery(t *testing.T) {
	srv := newSCIMServer(t, sandbox.Options{Token: "right"})
	wantSCIMError(t, scimDo(t, srv, "GET", "/Users", "", "Authorization", ""), 401, "")
	wantSCIMError(t, scimDo(t, srv, "GET", "/Users", "", "Authorization", "Bearer wrong"), 401, "")
	if r := scimDo(t, srv, "GET", "/Users", "", "Authorization", "Bearer right"); r.status != 200 {
		t.Fatalf("right token: %d", r.status)
	}
	spc := scimDo(t, srv, "GET", "/ServiceProviderConfig", "", "Authorization", "")
	if spc.status != 200 || spc.body["patch"].(map[string]any)["supported"] != true || spc.body["etag"].(map[string]any)["supported"] != true ||
		spc.body["filter"].(map[string]any)["maxResults"].(float64) != 100 {
		t.Fatalf("ServiceProviderConfig: %v", spc.body)
	}
	for _, p := range []string{"/ResourceTypes", "/Schemas"} {
		if r := scimDo(t, srv, "GET", p, ""); r.status != 200 || r.body["totalResults"].(float64) != 1 {
			t.Errorf("%s: %d %v", p, r.status, r.body)
		}
	}
}

func TestSCIMWrites(t *testing.T) {
	srv := newSCIMServer(t, sandbox.Options{})
	create := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","password":"pw-123456",
		"name":{"givenName":"Barbara","familyName":"Jensen"},"emails":[{"value":"b@example.com","primary":true}],"roles":[{"value":"admin"}]}`
	r := scimDo(t, srv, "POST", "/Users", create)
	if r.status != 201 || r.header.Get("Location") == "" || r.header.Get("ETag") == "" || r.body["password"] != nil {
		t.Fatalf("create: %d %v %v", r.status, r.header, r.body)
	}
	id := r.body["id"].(string)
	if r.body["name"].(map[string]any)["formatted"] != "Barbara Jensen" {
		t.Errorf("name %v", r.body["name"])
	}
	wantSCIMError(t, scimDo(t, srv, "POST", "/Users", create), 409, "uniqueness")
	wantSCIMError(t, scimDo(t, srv, "POST", "/Users", `{"userName":"x"}`), 400, "invalidSyntax")
	wantSCIMError(t, scimDo(t, srv, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`), 400, "invalidValue")

	etag := r.header.Get("ETag")
	// Capitalised ops, with and without path.
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"active","value":false},
		{"op":"Add","value":{"displayName":"Babs","name":{"formatted":"Ms. Barbara J Jensen III"}}},
		{"op":"add","path":"roles","value":[{"value":"dev"}]}]}`
	r = scimDo(t, srv, "PATCH", "/Users/"+id, patch, "If-Match", etag)
	if r.status != 200 || r.body["active"] != false || r.body["displayName"] != "Babs" {
		t.Fatalf("patch: %d %v", r.status, r.body)
	}
	if n := r.body["name"].(map[string]any); n["formatted"] != "Ms. Barbara J Jensen III" || n["givenName"] != "Barbara" {
		t.Errorf("patch merged name into %v", n)
	}
	if roles := r.body["roles"].([]any); len(roles) != 2 {
		t.Errorf("add roles: %v", roles)
	}
	// The old ETag is stale now.
	wantSCIMError(t, scimDo(t, srv, "PATCH", "/Users/"+id, patch, "If-Match", etag), 412, "")
	wantSCIMError(t, scimDo(t, srv, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"id","value":"x"}]}`), 400, "mutability")
	wantSCIMError(t, scimDo(t, srv, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"nope","value":"x"}]}`), 400, "invalidPath")
	wantSCIMError(t, scimDo(t, srv, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails","value":[{"value":"not-an-email"}]}]}`), 400, "invalidValue")

	// PUT replaces the whole resource.
	r = scimDo(t, srv, "PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen2","active":true}`)
	if r.status != 200 || r.body["userName"] != "bjensen2" || r.body["name"] != nil || r.body["emails"] != nil || r.body["roles"] != nil {
		t.Fatalf("put: %d %v", r.status, r.body)
	}
	scimDo(t, srv, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"other"}`)
	wantSCIMError(t, scimDo(t, srv, "PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"OTHER"}`), 409, "uniqueness")

	if r := scimDo(t, srv, "DELETE", "/Users/"+id, ""); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	wantSCIMError(t, scimDo(t, srv, "GET", "/Users/"+id, ""), 404, "")
	wantSCIMError(t, scimDo(t, srv, "DELETE", "/Users/"+id, ""), 404, "")
}
