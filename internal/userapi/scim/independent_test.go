package scim_test

// An independent fake of a SCIM 2.0 server, written from apis/scim.md
// alone (not from our sandbox): strict about what the document requires
// (bearer token, SCIM media types, the PatchOp schema, userName on create)
// and with the quirks it lists as switches. Every verb of the client is
// driven through it under each combination of quirks.

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/scim"
)

const indMount = "/api/v2/scim" // Datadog's SCIM root, a realistic prefix

type indServer struct {
	t     *testing.T
	mu    sync.Mutex
	users map[string]map[string]any
	seq   int

	zeroBased bool // startIndex counted from 0
	capCount  int  // silent cap of count
	noPatch   bool // PATCH answered 501
	patch204  bool // PATCH answered 204 without a body
	noSPC     bool // no /ServiceProviderConfig
	noTotal   bool // totalResults absent
}

func (s *indServer) fail(w http.ResponseWriter, status int, scimType, detail string) {
	m := map[string]any{"schemas": []string{scim.SchemaError}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		m["scimType"] = scimType
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(m)
}

func (s *indServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer ind-token" {
		s.fail(w, 401, "", "bad token")
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/scim+json") {
		s.t.Errorf("%s %s: Accept %q", r.Method, r.URL.Path, r.Header.Get("Accept"))
	}
	body, _ := io.ReadAll(r.Body)
	if len(body) > 0 {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/scim+json" {
			s.t.Errorf("%s %s: Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
	}
	path, ok := strings.CutPrefix(r.URL.Path, indMount)
	if !ok {
		s.t.Errorf("request outside the SCIM root: %s", r.URL.Path)
	}
	switch {
	case path == "/ServiceProviderConfig" && !s.noSPC:
		_ = json.NewEncoder(w).Encode(map[string]any{"patch": map[string]any{"supported": !s.noPatch},
			"filter": map[string]any{"supported": true, "maxResults": 200}, "changePassword": map[string]any{"supported": true},
			"etag": map[string]any{"supported": false}})
	case path == "/Users" && r.Method == http.MethodGet:
		s.list(w, r)
	case path == "/Users" && r.Method == http.MethodPost:
		var u map[string]any
		if json.Unmarshal(body, &u) != nil || u["userName"] == nil || fmt.Sprint(u["schemas"]) != "["+scim.SchemaUser+"]" {
			s.fail(w, 400, "invalidSyntax", "bad user")
			return
		}
		for _, o := range s.users {
			if strings.EqualFold(fmt.Sprint(o["userName"]), fmt.Sprint(u["userName"])) {
				s.fail(w, 409, "uniqueness", "userName taken")
				return
			}
		}
		s.seq++
		delete(u, "password")
		u["id"] = fmt.Sprintf("ind-%03d", s.seq)
		u["meta"] = map[string]any{"created": "2024-01-15T10:30:00Z", "lastModified": "2024-01-15T10:30:00Z"}
		s.users[u["id"].(string)] = u
		w.Header().Set("Location", "http://"+r.Host+indMount+"/Users/"+u["id"].(string))
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(u)
	case strings.HasPrefix(path, "/Users/"):
		s.one(w, r, strings.TrimPrefix(path, "/Users/"), body)
	default:
		s.fail(w, 404, "", "no such endpoint")
	}
}

func (s *indServer) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get("startIndex"))
	count, _ := strconv.Atoi(q.Get("count"))
	if s.capCount > 0 && count > s.capCount {
		count = s.capCount
	}
	off := start - 1
	if s.zeroBased {
		off = start
	}
	off = max(off, 0)
	var ids []string
	for id, u := range s.users {
		if f := q.Get("filter"); f != "" {
			// Only `userName eq "x"` and `emails.value eq "x"`, as many servers.
			attr, val, ok := strings.Cut(f, " eq ")
			var want string
			if !ok || json.Unmarshal([]byte(val), &want) != nil {
				s.fail(w, 400, "invalidFilter", "only eq is supported")
				return
			}
			switch attr {
			case "userName":
				if !strings.EqualFold(fmt.Sprint(u["userName"]), want) {
					continue
				}
			case "emails.value":
				if !strings.Contains(strings.ToLower(fmt.Sprint(u["emails"])), strings.ToLower(want)) {
					continue
				}
			default:
				s.fail(w, 400, "invalidFilter", "unsupported attribute")
				return
			}
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	page := []any{}
	for i := off; i < len(ids) && len(page) < count; i++ {
		page = append(page, s.users[ids[i]])
	}
	out := map[string]any{"schemas": []string{scim.SchemaList}, "startIndex": start, "Resources": page}
	if !s.noTotal {
		out["totalResults"] = len(ids)
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (s *indServer) one(w http.ResponseWriter, r *http.Request, id string, body []byte) {
	id, _ = url.PathUnescape(id)
	u, ok := s.users[id]
	if !ok {
		s.fail(w, 404, "", "User "+id+" not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
		_ = json.NewEncoder(w).Encode(u)
	case http.MethodDelete:
		delete(s.users, id)
		w.WriteHeader(204)
	case http.MethodPut:
		var n map[string]any
		if json.Unmarshal(body, &n) != nil || n["userName"] == nil {
			s.fail(w, 400, "invalidSyntax", "PUT needs the whole user")
			return
		}
		n["id"] = id
		s.users[id] = n
		_ = json.NewEncoder(w).Encode(n)
	case http.MethodPatch:
		if s.noPatch {
			s.fail(w, 501, "", "PATCH is not implemented")
			return
		}
		var p struct {
			Schemas    []string
			Operations []struct {
				Op    string
				Path  string
				Value any
			}
		}
		if json.Unmarshal(body, &p) != nil || len(p.Schemas) != 1 || p.Schemas[0] != scim.SchemaPatchOp {
			s.fail(w, 400, "invalidSyntax", "not a PatchOp")
			return
		}
		for _, op := range p.Operations {
			if !strings.EqualFold(op.Op, "replace") {
				s.fail(w, 400, "invalidSyntax", "only replace")
				return
			}
			switch attr, sub, _ := strings.Cut(op.Path, "."); {
			case op.Path == "":
				if m, ok := op.Value.(map[string]any); ok {
					if _, pw := m["password"]; pw {
						continue
					}
				}
				s.fail(w, 400, "noTarget", "no path")
				return
			case sub != "":
				m, _ := u[attr].(map[string]any)
				if m == nil {
					m = map[string]any{}
				}
				m[sub] = op.Value
				u[attr] = m
			default:
				u[attr] = op.Value
			}
		}
		if s.patch204 {
			w.WriteHeader(204)
			return
		}
		_ = json.NewEncoder(w).Encode(u)
	default:
		s.fail(w, 405, "", "method not allowed")
	}
}

func TestIndependentEveryVerb(t *testing.T) {
	for name, srv := range map[string]*indServer{
		"as documented":                  {},
		"0-based, capped, no total, 204": {zeroBased: true, capCount: 3, noTotal: true, patch204: true},
		"no PATCH, no discovery":         {noPatch: true, noSPC: true, capCount: 4},
		"no PATCH per discovery":         {noPatch: true},
	} {
		t.Run(name, func(t *testing.T) {
			srv.t, srv.users = t, map[string]map[string]any{}
			hs := httptest.NewServer(srv)
			t.Cleanup(hs.Close)
			b, err := userapi.Lookup("scim")
			if err != nil {
				t.Fatal(err)
			}
			be, err := b.New(userapi.Profile{Name: "ind", API: "scim", URL: hs.URL + indMount + "/Users/", Secrets: map[string]string{"token": "ind-token"}}, userapi.Env{Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			c := be.(*scim.Client)
			var ids []string
			for i := range 10 {
				u, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: fmt.Sprintf("p%d@example.com", i), Name: fmt.Sprintf("P %d", i)})
				if err != nil {
					t.Fatalf("create %d: %v", i, err)
				}
				ids = append(ids, u.ID)
			}
			if _, err := c.CreateUser(ctx(t), userapi.CreateRequest{Email: "p1@example.com"}); errkind.ExitCode(err) != 5 {
				t.Errorf("duplicate: %v", err)
			}
			if got := listAll(t, c, userapi.ListOptions{}); len(got) != 10 {
				t.Errorf("listed %d of 10: %v", len(got), got)
			}
			if got := listAll(t, c, userapi.ListOptions{Query: "p7@"}); len(got) != 1 || got[0] != ids[7] {
				t.Errorf("--query p7@: %v", got)
			}
			u, found, err := c.FindUser(ctx(t), "P3@example.com")
			if err != nil || !found || u.ID != ids[3] {
				t.Errorf("find = %v %v %v", u.ID, found, err)
			}
			name := "Renamed"
			if u, err := c.UpdateUser(ctx(t), ids[0], userapi.UpdateRequest{Name: &name}); err != nil || u.Name != name {
				t.Errorf("update = %+v, %v", u, err)
			}
			if u, err := c.DisableUser(ctx(t), ids[1]); err != nil || u.Status != userapi.StatusDisabled {
				t.Errorf("disable = %+v, %v", u, err)
			}
			if u, err := c.EnableUser(ctx(t), ids[1]); err != nil || u.Status != userapi.StatusActive {
				t.Errorf("enable = %+v, %v", u, err)
			}
			if !srv.noPatch {
				if _, err := c.SetPassword(ctx(t), ids[2], userapi.PasswordChange{New: "new-password"}); err != nil {
					t.Errorf("passwd: %v", err)
				}
			}
			if _, err := c.DeleteUser(ctx(t), ids[9], userapi.DeleteOptions{}); err != nil {
				t.Errorf("delete: %v", err)
			}
			if _, err := c.GetUser(ctx(t), ids[9]); errkind.ExitCode(err) != 3 {
				t.Errorf("get deleted: %v", err)
			}
			if msg, err := c.Check(ctx(t)); err != nil {
				t.Errorf("check: %q %v", msg, err)
			}
		})
	}
}
