package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/scim"
)

// mount is where the fake SCIM root lives: the client must keep the
// profile URL's path.
const mount = "/scim/v2"

type call struct {
	Method string
	Path   string
	Query  map[string]string
	Header http.Header
	Body   string
}

// fake is a SCIM server whose every answer a test decides, recording the
// requests it saw.
type fake struct {
	t     *testing.T
	mu    sync.Mutex
	calls []call
	// routes answers "METHOD /path" (path without the mount); a missing
	// route is 404 with a SCIM error.
	routes map[string]func(w http.ResponseWriter, r *http.Request, body string)
}

func newFake(t *testing.T) (*fake, *scim.Client) {
	t.Helper()
	f := &fake{t: t, routes: map[string]func(http.ResponseWriter, *http.Request, string){}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := scim.New(userapi.Profile{Name: "t", API: "scim", URL: srv.URL + mount, Secrets: map[string]string{"token": "tok-123"}}, userapi.Env{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !strings.HasPrefix(r.URL.Path, mount+"/") {
		f.t.Errorf("request outside the SCIM root: %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, mount)
	q := map[string]string{}
	for k, v := range r.URL.Query() {
		q[k] = v[0]
	}
	f.mu.Lock()
	f.calls = append(f.calls, call{Method: r.Method, Path: path, Query: q, Header: r.Header.Clone(), Body: string(body)})
	h := f.routes[r.Method+" "+path]
	f.mu.Unlock()
	if h == nil {
		scimErr(w, 404, "", "no route "+r.Method+" "+path)
		return
	}
	h(w, r, string(body))
}

func (f *fake) on(route string, h func(w http.ResponseWriter, r *http.Request, body string)) {
	f.routes[route] = h
}

func (f *fake) callsTo(method, path string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Method == method && c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

func scimErr(w http.ResponseWriter, status int, scimType, detail string) {
	m := map[string]any{"schemas": []string{scim.SchemaError}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		m["scimType"] = scimType
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(m)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func userJSON(i int) map[string]any {
	return map[string]any{"schemas": []string{scim.SchemaUser}, "id": fmt.Sprintf("id-%04d", i), "userName": fmt.Sprintf("u%d", i),
		"emails": []any{map[string]any{"value": fmt.Sprintf("u%d@example.com", i), "primary": true}}, "active": true}
}

// quirks shape the fake's ListResponse.
type quirks struct {
	zeroBased    bool // startIndex counted from 0
	echoStart    *int // startIndex sent back, whatever was asked (nil: the real one)
	cap          int  // silent cap of count
	noTotal      bool // totalResults absent
	totalIsPage  bool // totalResults says the page's length
	noItems      bool // itemsPerPage absent
	noResources  bool // Resources absent when empty
	refuseFilter bool // 400 invalidFilter on any filter
}

// listOf serves n users under q's quirks.
func listOf(n int, q quirks) func(w http.ResponseWriter, r *http.Request, _ string) {
	return func(w http.ResponseWriter, r *http.Request, _ string) {
		if q.refuseFilter && r.URL.Query().Get("filter") != "" {
			scimErr(w, 400, "invalidFilter", "filter not supported")
			return
		}
		start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
		count, _ := strconv.Atoi(r.URL.Query().Get("count"))
		if q.cap > 0 && count > q.cap {
			count = q.cap
		}
		off := start - 1
		if q.zeroBased {
			off = start
		}
		off = max(off, 0)
		var res []any
		for i := off; i < n && len(res) < count; i++ {
			res = append(res, userJSON(i))
		}
		page := map[string]any{"schemas": []string{scim.SchemaList}, "startIndex": start}
		if q.echoStart != nil {
			page["startIndex"] = *q.echoStart
		}
		switch {
		case q.noTotal:
		case q.totalIsPage:
			page["totalResults"] = len(res)
		default:
			page["totalResults"] = n
		}
		if !q.noItems {
			page["itemsPerPage"] = len(res)
		}
		if len(res) > 0 || !q.noResources {
			if res == nil {
				res = []any{}
			}
			page["Resources"] = res
		}
		writeJSON(w, 200, page)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func listAll(t *testing.T, c *scim.Client, opts userapi.ListOptions) []string {
	t.Helper()
	var ids []string
	for u, err := range c.ListUsers(ctx(t), opts) {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		ids = append(ids, u.ID)
	}
	return ids
}

func wantAll(t *testing.T, ids []string, n int) {
	t.Helper()
	if len(ids) != n {
		t.Fatalf("listed %d users, want %d", len(ids), n)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("user %s listed twice", id)
		}
		seen[id] = true
	}
	for i := range n {
		if !seen[fmt.Sprintf("id-%04d", i)] {
			t.Fatalf("user id-%04d missing", i)
		}
	}
}

func TestWireListPagingQuirks(t *testing.T) {
	zero := 0
	for name, q := range map[string]quirks{
		"conforming":                     {},
		"silent count cap":               {cap: 7},
		"no totalResults, short pages":   {cap: 7, noTotal: true, noItems: true},
		"totalResults is the page count": {cap: 7, totalIsPage: true},
		"0-based":                        {zeroBased: true, cap: 7},
		"0-based, totalResults absent":   {zeroBased: true, noTotal: true},
		"echoes startIndex 0 always":     {cap: 7, echoStart: &zero},
	} {
		t.Run(name, func(t *testing.T) {
			f, c := newFake(t)
			f.on("GET /Users", listOf(45, q))
			wantAll(t, listAll(t, c, userapi.ListOptions{}), 45)
			calls := f.callsTo("GET", "/Users")
			if calls[0].Query["startIndex"] != "1" || calls[0].Query["count"] == "" {
				t.Errorf("first page asked %v, want startIndex=1 and a count", calls[0].Query)
			}
			if h := calls[0].Header.Get("Authorization"); h != "Bearer tok-123" {
				t.Errorf("Authorization = %q", h)
			}
			if a := calls[0].Header.Get("Accept"); !strings.Contains(a, "application/scim+json") {
				t.Errorf("Accept = %q", a)
			}
		})
	}
}

func TestWireListEmptyWithoutResources(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /Users", listOf(0, quirks{noResources: true}))
	if ids := listAll(t, c, userapi.ListOptions{}); len(ids) != 0 {
		t.Fatalf("listed %v from an empty server", ids)
	}
}

func TestWireListStopsOnRepeatedPage(t *testing.T) {
	f, c := newFake(t)
	// A server that ignores startIndex and always sends the first page,
	// claiming more remain.
	f.on("GET /Users", func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, 200, map[string]any{"totalResults": 1000, "Resources": []any{userJSON(0), userJSON(1)}})
	})
	ids := listAll(t, c, userapi.ListOptions{})
	if len(ids) != 2 {
		t.Fatalf("listed %d users, want the 2 of the repeated page", len(ids))
	}
	if n := len(f.callsTo("GET", "/Users")); n > 3 {
		t.Errorf("%d list requests for a repeating server", n)
	}
}

func TestWireListLimitAsksNoMore(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /Users", listOf(500, quirks{}))
	ids := listAll(t, c, userapi.ListOptions{Limit: 5})
	if len(ids) != 5 {
		t.Fatalf("listed %d, want 5", len(ids))
	}
	calls := f.callsTo("GET", "/Users")
	if len(calls) != 1 || calls[0].Query["count"] != "5" {
		t.Errorf("limit 5: %d requests, first count %v", len(calls), calls[0].Query["count"])
	}
}

func TestWireQueryBecomesServerFilter(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /Users", func(w http.ResponseWriter, r *http.Request, _ string) {
		// A server that applies the filter: only u7 matches "u7@".
		writeJSON(w, 200, map[string]any{"totalResults": 1, "Resources": []any{userJSON(7)}})
	})
	ids := listAll(t, c, userapi.ListOptions{Query: `u7@`})
	if !slices.Equal(ids, []string{"id-0007"}) {
		t.Fatalf("ids %v", ids)
	}
	got := f.callsTo("GET", "/Users")[0].Query["filter"]
	want := `userName co "u7@" or emails.value co "u7@" or name.formatted co "u7@"`
	if got != want {
		t.Errorf("filter = %q, want %q", got, want)
	}
}

func TestWireQueryOnClientWhenFilterRefused(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /Users", listOf(30, quirks{refuseFilter: true}))
	ids := listAll(t, c, userapi.ListOptions{Query: "u2"})
	// u2, u20..u29
	if len(ids) != 11 {
		t.Fatalf("client-side query listed %v", ids)
	}
}

func TestWireQueryCheckedWhenServerIgnoresFilter(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /Users", listOf(30, quirks{})) // ignores filter
	ids := listAll(t, c, userapi.ListOptions{Query: "u29"})
	if !slices.Equal(ids, []string{"id-0029"}) {
		t.Fatalf("ids %v", ids)
	}
}

func TestWireFindQuotesTheKey(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /Users", func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, 200, map[string]any{"totalResults": 0})
	})
	_, found, err := c.FindUser(ctx(t), `o"hara\x@example.com`)
	if err != nil || found {
		t.Fatalf("find = %v, %v", found, err)
	}
	calls := f.callsTo("GET", "/Users")
	if len(calls) != 2 {
		t.Fatalf("%d lookups, want emails.value then userName", len(calls))
	}
	if got, want := calls[0].Query["filter"], `emails.value eq "o\"hara\\x@example.com"`; got != want {
		t.Errorf("filter = %q, want %q", got, want)
	}
	if got, want := calls[1].Query["filter"], `userName eq "o\"hara\\x@example.com"`; got != want {
		t.Errorf("filter = %q, want %q", got, want)
	}
}

func TestWireNormalizeMissingAndNonPrimary(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /Users/a", func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, 200, map[string]any{"id": "a", "userName": "ann",
			"emails":      []any{map[string]any{"value": "first@example.com"}, map[string]any{"value": "second@example.com", "type": "home"}},
			"displayName": "Ann D", "externalId": "ext-1", "active": false,
			"roles":               []any{map[string]any{"value": "admin"}},
			"groups":              []any{map[string]any{"value": "g1", "display": "Tour Guides"}},
			scim.SchemaEnterprise: map[string]any{"department": "Tours", "manager": map[string]any{"value": "m1", "displayName": "Boss"}},
			"meta":                map[string]any{"created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34+02:00"}})
	})
	f.on("GET /Users/b", func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, 200, map[string]any{"ID": "b", "USERNAME": "bob", "name": map[string]any{"givenName": "Bob", "familyName": "Lee"}})
	})
	a, err := c.GetUser(ctx(t), "a")
	if err != nil {
		t.Fatal(err)
	}
	if a.Email != "first@example.com" || a.Name != "Ann D" || a.Status != userapi.StatusDisabled || !slices.Equal(a.Roles, []string{"admin"}) {
		t.Errorf("a = %+v", a)
	}
	if a.Extra["external_id"] != "ext-1" || a.Extra["department"] != "Tours" || a.Extra["manager"] != "Boss" ||
		!slices.Equal(a.Extra["groups"].([]string), []string{"Tour Guides"}) {
		t.Errorf("a.extra = %v", a.Extra)
	}
	if a.UpdatedAt == nil || a.UpdatedAt.Format(time.RFC3339) != "2011-05-13T02:42:34Z" {
		t.Errorf("updated_at = %v", a.UpdatedAt)
	}
	b, err := c.GetUser(ctx(t), "b")
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != "b" || b.Username != "bob" || b.Email != "" || b.Name != "Bob Lee" || b.Status != userapi.StatusActive {
		t.Errorf("b = %+v", b)
	}
}

func TestWireCreateBody(t *testing.T) {
	f, c := newFake(t)
	f.on("POST /Users", func(w http.ResponseWriter, r *http.Request, body string) {
		w.Header().Set("Location", "http://x"+mount+"/Users/new")
		writeJSON(w, 201, map[string]any{"id": "new", "userName": "ann@example.com", "emails": []any{map[string]any{"value": "ann@example.com", "primary": true}}})
	})
	admin := true
	u, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "ann@example.com", FirstName: "Ann", LastName: "Lee",
		Roles: []string{"dev"}, Admin: &admin, Password: "s3cret-pw", Inactive: true})
	if err != nil || u.ID != "new" {
		t.Fatalf("create = %+v, %v", u, err)
	}
	call := f.callsTo("POST", "/Users")[0]
	if ct := call.Header.Get("Content-Type"); ct != "application/scim+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(call.Body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"schemas": []any{scim.SchemaUser}, "userName": "ann@example.com", "active": false, "password": "s3cret-pw",
		"name":        map[string]any{"formatted": "Ann Lee", "givenName": "Ann", "familyName": "Lee"},
		"displayName": "Ann Lee",
		"emails":      []any{map[string]any{"value": "ann@example.com", "type": "work", "primary": true}},
		"roles":       []any{map[string]any{"value": "dev"}, map[string]any{"value": "admin"}},
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("create body\n got %s\nwant %s", gb, wb)
	}
}

func TestWireErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		scimType string
		detail   string
		run      func(c *scim.Client) error
		exit     int
		wants    []string
	}{
		{"uniqueness", 409, "uniqueness", "userName ann is already taken",
			func(c *scim.Client) error {
				_, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "ann@example.com"})
				return err
			}, 5, []string{`user "ann@example.com" already exists`, "userName ann is already taken", "(uniqueness)"}},
		{"uniqueness sent as 400", 400, "uniqueness", "taken",
			func(c *scim.Client) error {
				_, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "ann@example.com"})
				return err
			}, 5, []string{"taken (uniqueness)"}},
		{"mutability", 400, "mutability", "Attribute 'userName' is immutable",
			func(c *scim.Client) error {
				_, err := c.DisableUser(ctx(t), "u1")
				return err
			}, 2, []string{`user "u1"`, "Attribute 'userName' is immutable (mutability)"}},
		{"invalidValue", 400, "invalidValue", "emails[0].value is not an email",
			func(c *scim.Client) error {
				_, err := c.EnableUser(ctx(t), "u1")
				return err
			}, 2, []string{"emails[0].value is not an email (invalidValue)"}},
		{"stale etag", 412, "", "version mismatch",
			func(c *scim.Client) error {
				_, err := c.DisableUser(ctx(t), "u1")
				return err
			}, 5, []string{`user "u1" changed since it was read`, "version mismatch"}},
		{"not found", 404, "", "User u1 not found",
			func(c *scim.Client) error {
				_, err := c.DisableUser(ctx(t), "u1")
				return err
			}, 3, []string{`user "u1" not found`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t)
			h := func(w http.ResponseWriter, r *http.Request, _ string) { scimErr(w, tc.status, tc.scimType, tc.detail) }
			f.on("POST /Users", h)
			f.on("PATCH /Users/u1", h)
			f.on("GET /Users", func(w http.ResponseWriter, r *http.Request, _ string) {
				writeJSON(w, 200, map[string]any{"totalResults": 0})
			})
			err := tc.run(c)
			if got := errkind.ExitCode(err); got != tc.exit {
				t.Fatalf("exit %d (%v), want %d", got, err, tc.exit)
			}
			for _, s := range tc.wants {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if n := len(f.callsTo("PUT", "/Users/u1")); n != 0 {
				t.Errorf("a %s error fell back to PUT", tc.name)
			}
		})
	}
}

func TestWireInvalidFilterFromList(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /Users", func(w http.ResponseWriter, r *http.Request, _ string) {
		scimErr(w, 400, "invalidFilter", "the filter 'x' is not supported")
	})
	var err error
	for _, e := range c.ListUsers(ctx(t), userapi.ListOptions{}) {
		err = e
	}
	if errkind.ExitCode(err) != 2 || !strings.Contains(err.Error(), "the filter 'x' is not supported (invalidFilter)") {
		t.Fatalf("err = %v (exit %d)", err, errkind.ExitCode(err))
	}
}

func TestWireUpdatePatch(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /ServiceProviderConfig", func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, 200, map[string]any{"patch": map[string]any{"supported": true}, "etag": map[string]any{"supported": true}})
	})
	f.on("GET /Users/u1", func(w http.ResponseWriter, r *http.Request, _ string) {
		u := userJSON(1)
		u["id"] = "u1"
		u["emails"] = []any{map[string]any{"value": "old@example.com", "primary": true}, map[string]any{"value": "home@example.com", "type": "home"}}
		u["meta"] = map[string]any{"version": `W/"v1"`}
		writeJSON(w, 200, u)
	})
	f.on("PATCH /Users/u1", func(w http.ResponseWriter, r *http.Request, _ string) { w.WriteHeader(204) })
	name, email := "Ann Lee", "new@example.com"
	u, err := c.UpdateUser(ctx(t), "u1", userapi.UpdateRequest{Name: &name, Email: &email})
	if err != nil || u.ID != "u1" {
		t.Fatalf("update = %+v, %v", u, err)
	}
	p := f.callsTo("PATCH", "/Users/u1")
	if len(p) != 1 {
		t.Fatalf("%d PATCH requests", len(p))
	}
	if im := p[0].Header.Get("If-Match"); im != `W/"v1"` {
		t.Errorf("If-Match = %q", im)
	}
	want := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` +
		`{"op":"replace","path":"name.formatted","value":"Ann Lee"},` +
		`{"op":"replace","path":"emails","value":[{"value":"new@example.com","type":"work","primary":true},{"value":"home@example.com","type":"home","primary":false}]}]}`
	if p[0].Body != want {
		t.Errorf("PATCH body\n got %s\nwant %s", p[0].Body, want)
	}
	// 204: the user is read again.
	if n := len(f.callsTo("GET", "/Users/u1")); n != 2 {
		t.Errorf("%d GETs of the user, want 2 (before the PATCH, after its 204)", n)
	}
}

func TestWirePatchUnsupportedFallsBackToPut(t *testing.T) {
	for _, status := range []int{501, 400, 405} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f, c := newFake(t)
			f.on("GET /Users/u1", func(w http.ResponseWriter, r *http.Request, _ string) {
				w.Header().Set("ETag", `W/"e7"`)
				writeJSON(w, 200, map[string]any{"id": "u1", "userName": "ann", "active": true, "Name": map[string]any{"givenName": "A"},
					"x-vendor": "kept", "meta": map[string]any{"resourceType": "User"}})
			})
			f.on("GET /ServiceProviderConfig", func(w http.ResponseWriter, r *http.Request, _ string) {
				writeJSON(w, 200, map[string]any{"etag": map[string]any{"supported": true}})
			})
			f.on("PATCH /Users/u1", func(w http.ResponseWriter, r *http.Request, _ string) { scimErr(w, status, "", "PATCH not supported") })
			f.on("PUT /Users/u1", func(w http.ResponseWriter, r *http.Request, body string) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, body)
			})
			u, err := c.DisableUser(ctx(t), "u1")
			if err != nil || u.Status != userapi.StatusDisabled {
				t.Fatalf("disable = %+v, %v", u, err)
			}
			put := f.callsTo("PUT", "/Users/u1")
			if len(put) != 1 {
				t.Fatalf("%d PUTs", len(put))
			}
			var body map[string]any
			_ = json.Unmarshal([]byte(put[0].Body), &body)
			if body["active"] != false || body["x-vendor"] != "kept" || body["userName"] != "ann" || body["meta"] != nil {
				t.Errorf("PUT body %s", put[0].Body)
			}
			if im := put[0].Header.Get("If-Match"); im != `W/"e7"` {
				t.Errorf("PUT If-Match = %q", im)
			}
		})
	}
}

func TestWireNoPatchPerServiceProviderConfig(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /ServiceProviderConfig", func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, 200, map[string]any{"patch": map[string]any{"supported": false}})
	})
	f.on("GET /Users/u1", func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, 200, map[string]any{"id": "u1", "userName": "ann", "name": map[string]any{"givenName": "A", "familyName": "B"}})
	})
	f.on("PUT /Users/u1", func(w http.ResponseWriter, r *http.Request, body string) { _, _ = io.WriteString(w, body) })
	first := "Ann"
	u, err := c.UpdateUser(ctx(t), "u1", userapi.UpdateRequest{FirstName: &first})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.callsTo("PATCH", "/Users/u1")); n != 0 {
		t.Errorf("%d PATCHes to a server without PATCH", n)
	}
	if u.Name != "Ann B" || u.Extra["first_name"] != "Ann" || u.Extra["last_name"] != "B" {
		t.Errorf("after PUT: %+v", u)
	}
	if h := f.callsTo("PUT", "/Users/u1")[0].Header.Get("If-Match"); h != "" {
		t.Errorf("If-Match %q sent to a server without ETags", h)
	}
}

func TestWirePasswdRefusedWithoutChangePassword(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /ServiceProviderConfig", func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, 200, map[string]any{"changePassword": map[string]any{"supported": false}})
	})
	_, err := c.SetPassword(ctx(t), "u1", userapi.PasswordChange{New: "new-password-1"})
	if errkind.ExitCode(err) != 2 || !strings.Contains(err.Error(), "changePassword") {
		t.Fatalf("err = %v (exit %d)", err, errkind.ExitCode(err))
	}
	if n := len(f.callsTo("PATCH", "/Users/u1")); n != 0 {
		t.Errorf("password sent to a server that cannot change it")
	}
}

func TestWirePasswdPatch(t *testing.T) {
	f, c := newFake(t)
	f.on("PATCH /Users/u%201", func(w http.ResponseWriter, r *http.Request, _ string) { w.WriteHeader(204) })
	f.on("PATCH /Users/u 1", func(w http.ResponseWriter, r *http.Request, _ string) { w.WriteHeader(204) })
	if _, err := c.SetPassword(ctx(t), "u 1", userapi.PasswordChange{New: "new-password-1"}); err != nil {
		t.Fatal(err)
	}
	p := f.callsTo("PATCH", "/Users/u 1")
	if len(p) != 1 || p[0].Body != `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"new-password-1"}}]}` {
		t.Fatalf("PATCH %+v", p)
	}
}

func TestWireBadIDsNeverSent(t *testing.T) {
	f, c := newFake(t)
	for _, id := range []string{"", " ", "..", "a/b"} {
		if _, err := c.GetUser(ctx(t), id); errkind.ExitCode(err) != 2 {
			t.Errorf("get %q: %v", id, err)
		}
		if _, err := c.DeleteUser(ctx(t), id, userapi.DeleteOptions{}); errkind.ExitCode(err) != 2 {
			t.Errorf("delete %q: %v", id, err)
		}
	}
	if len(f.calls) != 0 {
		t.Errorf("requests sent for bad IDs: %+v", f.calls)
	}
}

func TestWireCreateNeverSentTwiceBlindly(t *testing.T) {
	for name, exists := range map[string]bool{"reached the server": true, "did not": false} {
		t.Run(name, func(t *testing.T) {
			f, c := newFake(t)
			posts := 0
			f.on("POST /Users", func(w http.ResponseWriter, r *http.Request, _ string) {
				posts++
				if posts == 1 {
					scimErr(w, 502, "", "bad gateway")
					return
				}
				writeJSON(w, 201, userJSON(3))
			})
			f.on("GET /Users", func(w http.ResponseWriter, r *http.Request, _ string) {
				if exists {
					writeJSON(w, 200, map[string]any{"totalResults": 1, "Resources": []any{userJSON(3)}})
					return
				}
				writeJSON(w, 200, map[string]any{"totalResults": 0, "Resources": []any{}})
			})
			u, err := c.CreateUser(ctx(t), userapi.CreateRequest{Username: "u3", Email: "u3@example.com"})
			if err != nil || u.ID != "id-0003" {
				t.Fatalf("create = %+v, %v", u, err)
			}
			want := 1
			if !exists {
				want = 2
			}
			if posts != want {
				t.Errorf("%d POSTs, want %d", posts, want)
			}
			if q := f.callsTo("GET", "/Users")[0].Query["filter"]; q != `userName eq "u3"` {
				t.Errorf("lookup filter %q", q)
			}
		})
	}
}

func TestWireFindOnClientWhenFilterRefused(t *testing.T) {
	f, c := newFake(t)
	f.on("GET /Users", listOf(30, quirks{refuseFilter: true, cap: 7}))
	u, found, err := c.FindUser(ctx(t), "U12@example.com")
	if err != nil || !found || u.ID != "id-0012" {
		t.Fatalf("find = %v, %v, %v", u.ID, found, err)
	}
	if _, found, err := c.FindUser(ctx(t), "nobody@example.com"); err != nil || found {
		t.Fatalf("find unknown = %v, %v", found, err)
	}
}
