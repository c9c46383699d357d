package udata

// An independent fake udata server, written from apis/udata.md alone (not
// from our sandbox), strict about what the document requires and answering
// the way the document shows, quirks included: absolute next_page URLs and
// a 404 past the last page, soft deletes answered 410 afterwards, roles
// emptied by a PUT without them, a missing create "active" taken as false,
// multipart parts checked for their own Content-Type, error bodies in each
// documented shape, dates with and without offsets, nulls and extra fields.

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

const (
	docAdminKey = "udata_admin-key"
	docUserKey  = "udata_user-key"
	docAdminID  = "aaaaaaaaaaaaaaaaaaaaaaa1"
	docUserID   = "bbbbbbbbbbbbbbbbbbbbbbb2"
)

// docUser is a stored account of the fake server.
type docUser struct {
	id, slug, first, last, email string
	website, about               *string
	roles                        []string
	active                       *bool
	since                        string // as the server writes it
	deleted                      bool
	rotation                     bool
	avatar                       *string
	followers                    map[string]string // follower id -> since
}

// docWireUser is the user object in an order unlike our sandbox's, with
// every optional field present (often null) and fields userctl does not know.
type docWireUser struct {
	Metrics                   map[string]int `json:"metrics"`
	Page                      string         `json:"page"`
	URI                       string         `json:"uri"`
	PasswordRotationDemanded  *string        `json:"password_rotation_demanded"`
	PasswordRotationPerformed *string        `json:"password_rotation_performed"`
	LastLoginAt               *string        `json:"last_login_at"`
	Since                     string         `json:"since"`
	Organizations             []any          `json:"organizations"`
	Active                    *bool          `json:"active"`
	Roles                     []string       `json:"roles"`
	About                     *string        `json:"about"`
	Website                   *string        `json:"website"`
	AvatarThumbnail           *string        `json:"avatar_thumbnail"`
	Avatar                    *string        `json:"avatar"`
	Email                     *string        `json:"email"`
	LastName                  string         `json:"last_name"`
	FirstName                 string         `json:"first_name"`
	Slug                      string         `json:"slug"`
	ID                        string         `json:"id"`
	Future                    map[string]any `json:"badges"`
}

// docServer is the fake udata instance, mounted under /api/1.
type docServer struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex
	// users in creation order.
	users []*docUser
	// log holds "METHOD /path?query" of every request.
	log []string
	// violations are requests the document forbids; the test fails on any.
	violations []string
	// lastCreate, lastUpdate are the decoded JSON bodies of the last
	// create and update; lastAvatar the parts of the last avatar upload.
	lastCreate, lastUpdate map[string]any
	lastAvatar             map[string]string
	// lastLogin is every user's last_login_at, with a UTC offset.
	lastLogin string
	nextID    int
	// failNext answers the next request matching "METHOD path" with a
	// canned status and body.
	failNext map[string]docReply
}

type docReply struct {
	status int
	body   string
}

func newDocServer(t *testing.T) *docServer {
	t.Helper()
	s := &docServer{t: t, failNext: map[string]docReply{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/1/", s.serve)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.violate("request outside /api/1: %s %s", r.Method, r.URL.Path)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		_, _ = io.WriteString(w, "<html><title>404 Not Found</title></html>")
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, v := range s.violations {
			t.Errorf("document violation: %s", v)
		}
	})
	tru, fls := true, false
	web := "https://ada.example"
	s.users = []*docUser{
		{id: docAdminID, slug: "root-admin", first: "Root", last: "Admin", email: "root@example.org", roles: []string{"admin"},
			active: &tru, since: "2020-05-05T05:05:05+02:00", followers: map[string]string{}},
		{id: docUserID, slug: "bob-martin", first: "Bob", last: "Martin", email: "bob@example.org", roles: []string{},
			active: &tru, since: "2021-01-01T00:00:00.5+00:00", followers: map[string]string{}},
		{id: "cccccccccccccccccccccc03", slug: "ada-lovelace", first: "Ada", last: "Lovelace", email: "ada@example.org",
			website: &web, roles: []string{"editor"}, active: &tru, since: "2024-01-15T10:30:00.123456",
			followers: map[string]string{docUserID: "2024-02-01T12:00:00"}},
		{id: "dddddddddddddddddddddd04", slug: "inactive-ivy", first: "Ivy", last: "Sleeper", email: "ivy@example.org",
			roles: nil, active: &fls, since: "2022-02-02 02:02:02", followers: map[string]string{}},
		{id: "eeeeeeeeeeeeeeeeeeeeee05", slug: "null-nell", first: "Nell", last: "Null", email: "nell@example.org",
			roles: nil, active: nil, since: "", followers: map[string]string{}},
		{id: "ffffffffffffffffffffff06", slug: "deleted", first: "DELETED", last: "DELETED", email: "ffffffffffffffffffffff06@deleted",
			roles: []string{}, active: &fls, since: "2019-09-09T09:09:09Z", deleted: true, followers: map[string]string{}},
	}
	return s
}

// client returns a userctl client of the fake server with key, and no
// backoff pauses.
func (s *docServer) client(key string) *Client {
	s.t.Helper()
	c, err := newClient(userapi.Profile{Name: "doc", URL: s.srv.URL + "/api/1", Secrets: map[string]string{"token": key}},
		userapi.Env{Timeout: 5 * time.Second}, func(o *httpx.Options) { o.Backoff = func(int) time.Duration { return 0 } })
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

func (s *docServer) violate(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

// requests returns the request log.
func (s *docServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

func (s *docServer) resetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

func docJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func docMessage(w http.ResponseWriter, status int, msg string) {
	docJSON(w, status, map[string]string{"message": msg})
}

func (s *docServer) find(ref string) *docUser {
	for _, u := range s.users {
		if u.id == ref || u.slug == ref {
			return u
		}
	}
	return nil
}

func (s *docServer) wire(u *docUser, admin bool, viewer string) docWireUser {
	w := docWireUser{
		Metrics: map[string]int{"datasets": 1, "reuses": 0, "dataservices": 0, "following": 0, "followers": len(u.followers)},
		Page:    "https://www.example.org/users/" + u.slug + "/", URI: s.srv.URL + "/api/1/users/" + u.id + "/",
		Since: u.since, Organizations: []any{}, Active: u.active, Roles: u.roles, About: u.about, Website: u.website,
		Avatar: u.avatar, LastName: u.last, FirstName: u.first, Slug: u.slug, ID: u.id,
		Future: map[string]any{"kind": "new"},
	}
	if s.lastLogin != "" {
		l := s.lastLogin
		w.LastLoginAt = &l
	}
	if u.rotation {
		d := "2026-01-01T00:00:00+00:00"
		w.PasswordRotationDemanded = &d
	}
	if admin || viewer == u.id {
		e := u.email
		w.Email = &e
	}
	return w
}

func (s *docServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.log = append(s.log, r.Method+" "+r.URL.RequestURI())
	canned, ok := s.failNext[r.Method+" "+r.URL.Path]
	delete(s.failNext, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	if ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(canned.status)
		_, _ = io.WriteString(w, canned.body)
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/") {
		s.violate("%s %s: path without its trailing slash", r.Method, r.URL.Path)
		u := *r.URL
		u.Path += "/"
		http.Redirect(w, r, u.String(), http.StatusPermanentRedirect)
		return
	}
	viewer, admin := "", false
	if key, given := r.Header[http.CanonicalHeaderKey("X-API-KEY")]; given {
		switch key[0] {
		case docAdminKey:
			viewer, admin = docAdminID, true
		case docUserKey:
			viewer = docUserID
		default:
			docMessage(w, 401, "Invalid API token")
			return
		}
	}
	if r.Header.Get("Authorization") != "" {
		s.violate("%s %s: an Authorization header (udata wants X-API-KEY)", r.Method, r.URL.Path)
	}
	needAdmin := func() bool {
		switch {
		case viewer == "":
			docMessage(w, 401, "Unauthorized")
			return false
		case !admin:
			docMessage(w, 403, "You do not have the permission to modify that object.")
			return false
		}
		return true
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/api/1/"), "/"), "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(parts) == 1 && parts[0] == "me" && r.Method == "GET":
		if viewer == "" {
			docMessage(w, 401, "Unauthorized")
			return
		}
		docJSON(w, 200, s.wire(s.find(viewer), admin, viewer))
	case len(parts) == 1 && parts[0] == "users" && r.Method == "GET":
		if needAdmin() {
			s.list(w, r)
		}
	case len(parts) == 1 && parts[0] == "users" && r.Method == "POST":
		if needAdmin() {
			s.create(w, r)
		}
	case len(parts) == 2 && parts[1] == "roles" && r.Method == "GET":
		docJSON(w, 200, []map[string]string{{"name": "admin"}, {"name": "editor"}})
	case len(parts) == 2 && parts[1] == "suggest" && r.Method == "GET":
		s.suggest(w, r, admin)
	case len(parts) == 2 && parts[0] == "users":
		u := s.find(parts[1])
		if u == nil {
			docMessage(w, 404, "User not found. You have requested this URI [/api/1/users/"+parts[1]+"/] but did you mean /api/1/users/ or /api/1/users/roles/ ?")
			return
		}
		switch r.Method {
		case "GET":
			if (u.deleted || (u.active != nil && !*u.active)) && !admin {
				docMessage(w, 410, "This user has been deleted")
				return
			}
			docJSON(w, 200, s.wire(u, admin, viewer))
		case "PUT":
			if needAdmin() {
				s.update(w, r, u)
			}
		case "DELETE":
			if !needAdmin() {
				return
			}
			switch {
			case u.id == viewer:
				docMessage(w, 403, "You cannot delete yourself.")
			case u.deleted:
				docMessage(w, 410, "User already deleted")
			default:
				u.deleted, u.first, u.last, u.email, u.slug = true, "DELETED", "DELETED", u.id+"@deleted", "deleted-"+u.id[:4]
				w.WriteHeader(204)
			}
		default:
			docMessage(w, 405, "The method is not allowed for the requested URL.")
		}
	case len(parts) == 3 && parts[0] == "users" && parts[2] == "followers":
		u := s.find(parts[1])
		if u == nil || u.id != parts[1] {
			// The followers endpoints take an id only: a slug is not found.
			docMessage(w, 404, "Not Found")
			return
		}
		s.followers(w, r, u, viewer)
	case len(parts) == 3 && parts[0] == "users" && parts[2] == "avatar" && r.Method == "POST":
		u := s.find(parts[1])
		if u == nil {
			docMessage(w, 404, "Not Found")
			return
		}
		if needAdmin() {
			s.avatar(w, r, u)
		}
	case len(parts) == 3 && parts[0] == "users" && parts[2] == "rotate_password" && r.Method == "POST":
		u := s.find(parts[1])
		if u == nil {
			docMessage(w, 404, "Not Found")
			return
		}
		if needAdmin() {
			u.rotation = true
			w.WriteHeader(204)
		}
	default:
		s.violations = append(s.violations, fmt.Sprintf("unknown endpoint %s %s", r.Method, r.URL.Path))
		docMessage(w, 404, "Not Found")
	}
}

// intArg reads a query argument that must be a positive integer, answering
// the documented query-argument error shape otherwise.
func intArg(w http.ResponseWriter, q url.Values, name string, def int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		docJSON(w, 400, map[string]any{"errors": map[string]string{name: "Invalid argument: " + v}, "message": "Input payload validation failed"})
		return 0, false
	}
	return n, true
}

// page answers one page of items with absolute next/previous URLs, and
// 404 past the end.
func (s *docServer) page(w http.ResponseWriter, r *http.Request, items []any) {
	q := r.URL.Query()
	pg, ok := intArg(w, q, "page", 1)
	if !ok {
		return
	}
	size, ok := intArg(w, q, "page_size", 20)
	if !ok {
		return
	}
	from := (pg - 1) * size
	if from > 0 && from >= len(items) {
		s.violations = append(s.violations, "asked past the last page: "+r.URL.RequestURI())
		docMessage(w, 404, "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.")
		return
	}
	to := min(from+size, len(items))
	link := func(p int) any {
		if p < 1 || (p-1)*size >= len(items) {
			return nil
		}
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("page", strconv.Itoa(p))
		nq.Set("page_size", strconv.Itoa(size))
		return s.srv.URL + r.URL.Path + "?" + nq.Encode()
	}
	docJSON(w, 200, map[string]any{"data": items[from:to], "page": pg, "page_size": size, "total": len(items),
		"next_page": link(pg + 1), "previous_page": link(pg - 1)})
}

func (s *docServer) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var us []*docUser
	needle := strings.ToLower(q.Get("q"))
	for _, u := range s.users {
		if u.deleted {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(u.first+" "+u.last+" "+u.email), needle) {
			continue
		}
		us = append(us, u)
	}
	if sortKey := q.Get("sort"); sortKey != "" {
		key := strings.TrimPrefix(sortKey, "-")
		valid := []string{"last_name", "first_name", "datasets", "reuses", "followers", "views", "created"}
		if !slices.Contains(valid, key) {
			docJSON(w, 400, map[string]any{"errors": map[string]string{"sort": "The value '" + sortKey + "' is not a valid choice"},
				"message": "Input payload validation failed"})
			return
		}
		if key == "last_name" {
			slices.SortStableFunc(us, func(a, b *docUser) int { return strings.Compare(a.last, b.last) })
			if strings.HasPrefix(sortKey, "-") {
				slices.Reverse(us)
			}
		}
	}
	items := make([]any, len(us))
	for i, u := range us {
		items[i] = s.wire(u, true, docAdminID)
	}
	s.page(w, r, items)
}

var docCreateKeys = []string{"first_name", "last_name", "email", "website", "about", "roles", "active"}

// decodeBody reads a JSON object body, strict about its content type and
// keys.
func (s *docServer) decodeBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.violations = append(s.violations, fmt.Sprintf("%s %s: Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type")))
		docMessage(w, 415, "Unsupported Media Type")
		return nil, false
	}
	var m map[string]any
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m == nil {
		s.violations = append(s.violations, fmt.Sprintf("%s %s: body is not a JSON object", r.Method, r.URL.Path))
		docMessage(w, 400, "The browser (or proxy) sent a request that this server could not understand.")
		return nil, false
	}
	for k := range m {
		if !slices.Contains(docCreateKeys, k) {
			s.violations = append(s.violations, fmt.Sprintf("%s %s: undocumented key %q", r.Method, r.URL.Path, k))
			docJSON(w, 400, map[string]any{"errors": map[string][]string{k: {"Unknown field."}}})
			return nil, false
		}
	}
	if v, ok := m["active"]; ok {
		if _, isBool := v.(bool); !isBool {
			s.violations = append(s.violations, fmt.Sprintf("active is %T, want a JSON bool", v))
		}
	}
	return m, true
}

// checkRoles answers 400 for an unknown role.
func checkRoles(w http.ResponseWriter, v any) ([]string, bool) {
	list, _ := v.([]any)
	out := []string{}
	for _, e := range list {
		name, _ := e.(string)
		if name != "admin" && name != "editor" {
			docMessage(w, 400, "The role "+name+" does not exist")
			return nil, false
		}
		out = append(out, name)
	}
	return out, true
}

func (s *docServer) create(w http.ResponseWriter, r *http.Request) {
	m, ok := s.decodeBody(w, r)
	if !ok {
		return
	}
	s.lastCreate = m
	// The older error shape: lists of messages.
	errs := map[string][]string{}
	for _, k := range []string{"first_name", "last_name", "email"} {
		if v, _ := m[k].(string); v == "" {
			errs[k] = []string{"This field is required."}
		}
	}
	if len(errs) > 0 {
		docJSON(w, 400, map[string]any{"errors": errs})
		return
	}
	email := m["email"].(string)
	for _, u := range s.users {
		if strings.EqualFold(u.email, email) {
			// The newer shape: strings, with a message.
			docJSON(w, 400, map[string]any{"errors": map[string]string{"email": email + " is already associated with an account."},
				"message": "Validation error"})
			return
		}
	}
	roles := []string{}
	if v, has := m["roles"]; has {
		if roles, ok = checkRoles(w, v); !ok {
			return
		}
	}
	active := false // older servers: a missing active is false
	if v, has := m["active"].(bool); has {
		active = v
	}
	s.nextID++
	u := &docUser{id: fmt.Sprintf("%024x", 0xabc000+s.nextID), first: m["first_name"].(string), last: m["last_name"].(string),
		email: email, roles: roles, active: &active, since: "2026-03-04T05:06:07.890123+01:00", followers: map[string]string{}}
	u.slug = strings.ToLower(u.first + "-" + u.last)
	if v, ok := m["website"].(string); ok {
		u.website = &v
	}
	if v, ok := m["about"].(string); ok {
		u.about = &v
	}
	s.users = append(s.users, u)
	docJSON(w, 201, s.wire(u, true, docAdminID))
}

func (s *docServer) update(w http.ResponseWriter, r *http.Request, u *docUser) {
	m, ok := s.decodeBody(w, r)
	if !ok {
		return
	}
	s.lastUpdate = m
	// Older servers: roles not sent means roles emptied.
	roles := []string{}
	if v, has := m["roles"]; has {
		if roles, ok = checkRoles(w, v); !ok {
			return
		}
	}
	if v, has := m["email"]; has {
		e, _ := v.(string)
		if !strings.Contains(e, "@") {
			docJSON(w, 400, map[string]any{"errors": map[string]string{"email": "Invalid email address"}, "message": "Validation error"})
			return
		}
		u.email = e
	}
	if v, ok := m["first_name"].(string); ok {
		u.first = v
	}
	if v, ok := m["last_name"].(string); ok {
		u.last = v
	}
	if v, ok := m["active"].(bool); ok {
		u.active = &v
	}
	u.roles = roles
	docJSON(w, 200, s.wire(u, true, docAdminID))
}

func (s *docServer) suggest(w http.ResponseWriter, r *http.Request, admin bool) {
	q := r.URL.Query()
	if q.Get("q") == "" {
		docJSON(w, 400, map[string]any{"errors": map[string]string{"q": "Missing required parameter in the query string"},
			"message": "Input payload validation failed"})
		return
	}
	size, ok := intArg(w, q, "size", 10)
	if !ok {
		return
	}
	if size > 20 {
		docJSON(w, 400, map[string]any{"errors": map[string]string{"size": "Invalid argument: " + q.Get("size")},
			"message": "Input payload validation failed"})
		return
	}
	out := []map[string]any{}
	for _, u := range s.users {
		if !u.deleted && strings.Contains(u.slug, strings.ToLower(q.Get("q"))) && len(out) < size {
			email := u.email
			if !admin {
				email = "***@" + strings.SplitN(email, "@", 2)[1]
			}
			out = append(out, map[string]any{"avatar_url": nil, "email": email, "slug": u.slug, "last_name": u.last,
				"first_name": u.first, "id": u.id})
		}
	}
	docJSON(w, 200, out)
}

func (s *docServer) followers(w http.ResponseWriter, r *http.Request, u *docUser, viewer string) {
	switch r.Method {
	case "GET":
		ids := make([]string, 0, len(u.followers))
		for id := range u.followers {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		items := make([]any, len(ids))
		for i, id := range ids {
			f := s.find(id)
			items[i] = map[string]any{"since": u.followers[id], "id": fmt.Sprintf("%024x", i+0xf000),
				"follower": map[string]any{"id": f.id, "slug": f.slug, "first_name": f.first, "last_name": f.last,
					"page": "https://www.example.org/users/" + f.slug + "/", "avatar": nil, "avatar_thumbnail": nil}}
		}
		s.page(w, r, items)
	case "POST":
		if viewer == "" {
			docMessage(w, 401, "Unauthorized")
			return
		}
		if u.id == viewer {
			docMessage(w, 403, "You can't follow yourself")
			return
		}
		if _, already := u.followers[viewer]; already {
			docJSON(w, 200, map[string]int{"followers": len(u.followers)})
			return
		}
		u.followers[viewer] = "2026-01-02T03:04:05.000006"
		docJSON(w, 201, map[string]int{"followers": len(u.followers)})
	case "DELETE":
		if viewer == "" {
			docMessage(w, 401, "Unauthorized")
			return
		}
		if _, following := u.followers[viewer]; !following {
			docMessage(w, 404, "You are not following this user")
			return
		}
		delete(u.followers, viewer)
		docJSON(w, 200, map[string]int{"followers": len(u.followers)})
	default:
		docMessage(w, 405, "Method Not Allowed")
	}
}

func (s *docServer) avatar(w http.ResponseWriter, r *http.Request, u *docUser) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		s.violations = append(s.violations, "avatar: Content-Type "+r.Header.Get("Content-Type"))
		docMessage(w, 400, "Unsupported Media Type")
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	got := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			docMessage(w, 400, "bad multipart body")
			return
		}
		data, _ := io.ReadAll(p)
		switch p.FormName() {
		case "file":
			got["file.content_type"] = p.Header.Get("Content-Type")
			got["file.filename"] = p.FileName()
			got["file.size"] = strconv.Itoa(len(data))
		default:
			got[p.FormName()] = string(data)
		}
	}
	s.lastAvatar = got
	switch got["file.content_type"] {
	case "image/jpeg", "image/png", "image/webp":
	case "":
		docJSON(w, 400, map[string]any{"errors": map[string][]string{"file": {"This field is required."}}})
		return
	default:
		docMessage(w, 400, "Unsupported image format")
		return
	}
	img := s.srv.URL + "/avatars/" + u.id + ".png"
	u.avatar = &img
	docJSON(w, 200, map[string]any{"image": img, "success": true})
}

// --- the tests -------------------------------------------------------------

func docNormalized(t *testing.T, u userapi.User) map[string]any {
	t.Helper()
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// wantErr checks an error's exit code and that its message holds every
// fragment.
func wantErr(t *testing.T, err error, code int, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want exit %d", code)
	}
	if got := errkind.ExitCode(err); got != code {
		t.Errorf("exit code %d, want %d (error %q)", got, code, err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
	if strings.Contains(err.Error(), "did you mean") || strings.Contains(err.Error(), "udata_") {
		t.Errorf("error %q carries a routing hint or the key", err)
	}
}

func TestDocListPagesAndNormalizes(t *testing.T) {
	s := newDocServer(t)
	c := s.client(docAdminKey)
	var got []userapi.User
	for u, err := range c.ListUsers(ctx(t), userapi.ListOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u)
	}
	// Deleted users are hidden, inactive ones shown: 5 users on 3 pages.
	if len(got) != 5 {
		t.Fatalf("listed %d users, want 5: %+v", len(got), got)
	}
	log := s.requests()
	want := []string{
		"GET /api/1/users/?page=1&page_size=2",
		"GET /api/1/users/?page=2&page_size=2",
		"GET /api/1/users/?page=3&page_size=2",
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	byID := map[string]map[string]any{}
	for _, u := range got {
		byID[u.ID] = docNormalized(t, u)
	}
	ada := byID["cccccccccccccccccccccc03"]
	wantAda := map[string]any{"id": "cccccccccccccccccccccc03", "username": "ada-lovelace", "email": "ada@example.org",
		"name": "Ada Lovelace", "roles": []any{"editor"}, "status": "active", "created_at": "2024-01-15T10:30:00Z", "updated_at": nil}
	for k, v := range wantAda {
		if fmt.Sprint(ada[k]) != fmt.Sprint(v) {
			t.Errorf("ada.%s = %#v, want %#v", k, ada[k], v)
		}
	}
	extra, _ := ada["extra"].(map[string]any)
	if extra["slug"] != "ada-lovelace" || extra["metrics"] == nil {
		t.Errorf("ada.extra = %v, want slug and metrics", extra)
	}
	if m, _ := extra["metrics"].(map[string]any); m["followers"] != float64(1) {
		t.Errorf("ada.extra.metrics = %v", extra["metrics"])
	}
	// A date with an offset is converted to UTC.
	if got := byID[docAdminID]["created_at"]; got != "2020-05-05T03:05:05Z" {
		t.Errorf("root.created_at = %v, want 2020-05-05T03:05:05Z", got)
	}
	if got := byID[docUserID]["created_at"]; got != "2021-01-01T00:00:00Z" {
		t.Errorf("bob.created_at = %v", got)
	}
	ivy := byID["dddddddddddddddddddddd04"]
	if ivy["status"] != "disabled" || ivy["created_at"] != "2022-02-02T02:02:02Z" || fmt.Sprint(ivy["roles"]) != "[]" {
		t.Errorf("ivy = %v, want disabled, created 2022-02-02T02:02:02Z, roles []", ivy)
	}
	nell := byID["eeeeeeeeeeeeeeeeeeeeee05"]
	if nell["status"] != "active" || nell["created_at"] != nil || fmt.Sprint(nell["roles"]) != "[]" {
		t.Errorf("nell (active null, since empty) = %v", nell)
	}
}

func TestDocListQuerySortLimitRole(t *testing.T) {
	s := newDocServer(t)
	c := s.client(docAdminKey)
	collect := func(o userapi.ListOptions) ([]string, error) {
		var slugs []string
		for u, err := range c.ListUsers(ctx(t), o) {
			if err != nil {
				return slugs, err
			}
			slugs = append(slugs, u.Username)
		}
		return slugs, nil
	}
	got, err := collect(userapi.ListOptions{Query: "example.org", Sort: "-last_name", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "inactive-ivy,null-nell,bob-martin" {
		t.Errorf("query+sort+limit = %v, want inactive-ivy,null-nell,bob-martin", got)
	}
	if log := s.requests(); len(log) != 1 || !strings.Contains(log[0], "q=example.org") || !strings.Contains(log[0], "sort=-last_name") {
		t.Errorf("requests = %v, want one page with q and sort", log)
	}
	s.resetLog()
	got, err = collect(userapi.ListOptions{Role: "editor", PageSize: 1})
	if err != nil || strings.Join(got, ",") != "ada-lovelace" {
		t.Errorf("role editor = %v, %v", got, err)
	}
	if _, err := collect(userapi.ListOptions{Sort: "email"}); err == nil || errkind.ExitCode(err) != 2 {
		t.Errorf("sort by an unknown key: %v, want a usage error", err)
	}
	// Non-admins cannot list: 403 with udata's own message.
	_, err = func() ([]string, error) {
		var out []string
		for u, err := range s.client(docUserKey).ListUsers(ctx(t), userapi.ListOptions{}) {
			if err != nil {
				return out, err
			}
			out = append(out, u.ID)
		}
		return out, nil
	}()
	wantErr(t, err, 4, "You do not have the permission")
}

func TestDocGet(t *testing.T) {
	s := newDocServer(t)
	admin, user := s.client(docAdminKey), s.client(docUserKey)
	u, err := admin.GetUser(ctx(t), "ada-lovelace")
	if err != nil || u.ID != "cccccccccccccccccccccc03" || u.Email != "ada@example.org" {
		t.Fatalf("get by slug = %+v, %v", u, err)
	}
	u, err = admin.GetUser(ctx(t), "cccccccccccccccccccccc03")
	if err != nil || u.Username != "ada-lovelace" {
		t.Fatalf("get by id = %+v, %v", u, err)
	}
	// Email is null for non-admins: normalized null.
	u, err = user.GetUser(ctx(t), "ada-lovelace")
	if err != nil || u.Email != "" || docNormalized(t, u)["email"] != nil {
		t.Errorf("non-admin get = %+v, %v; want a null email", u, err)
	}
	// An admin sees a deleted account, anonymised.
	u, err = admin.GetUser(ctx(t), "ffffffffffffffffffffff06")
	if err != nil || u.Status != userapi.StatusDeleted {
		t.Errorf("deleted user = %+v, %v; want status deleted", u, err)
	}
	// 410 for non-admins, 404 with a hint that never reaches the message.
	_, err = user.GetUser(ctx(t), "inactive-ivy")
	wantErr(t, err, 3, `user "inactive-ivy"`)
	_, err = admin.GetUser(ctx(t), "nobody")
	wantErr(t, err, 3, `user "nobody" not found`, "User not found")
	// Flask's generic 404 text adds nothing once the user is named.
	s.mu.Lock()
	s.failNext["GET /api/1/users/ghost/"] = docReply{404, `{"message": "The requested URL was not found on the server. ` +
		`If you entered the URL manually please check your spelling and try again. You have requested this URI ` +
		`[/api/1/users/ghost/] but did you mean /api/1/users/ ?"}`}
	s.mu.Unlock()
	_, err = admin.GetUser(ctx(t), "ghost")
	wantErr(t, err, 3)
	if err != nil && err.Error() != `user "ghost" not found` {
		t.Errorf("error = %q, want user \"ghost\" not found", err)
	}
	_, err = s.client("udata_wrong").GetUser(ctx(t), "ada-lovelace")
	wantErr(t, err, 4, "Invalid API token")
	if f, ok, err := admin.FindUser(ctx(t), "ADA@example.org"); err != nil || !ok || f.ID != "cccccccccccccccccccccc03" {
		t.Errorf("find by email = %+v, %v, %v", f, ok, err)
	}
	if _, ok, err := admin.FindUser(ctx(t), "nobody"); err != nil || ok {
		t.Errorf("find nobody = %v, %v", ok, err)
	}
}

func TestDocCreate(t *testing.T) {
	s := newDocServer(t)
	c := s.client(docAdminKey)
	u, err := c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "Grace", LastName: "Hopper", Email: "grace@example.org",
		Roles: []string{"editor"}, Extra: map[string]string{"website": "https://grace.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != userapi.StatusActive || u.Name != "Grace Hopper" || u.Username != "grace-hopper" ||
		u.CreatedAt == nil || u.CreatedAt.Format(time.RFC3339) != "2026-03-04T04:06:07Z" || strings.Join(u.Roles, ",") != "editor" {
		t.Errorf("created = %+v", u)
	}
	if s.lastCreate["active"] != true || s.lastCreate["website"] != "https://grace.example" {
		t.Errorf("create body = %v: want active true sent explicitly", s.lastCreate)
	}
	if log := s.requests(); len(log) != 1 || log[0] != "POST /api/1/users/" {
		t.Errorf("requests = %v", log)
	}
	// --inactive sends active false; --admin adds the admin role.
	u, err = c.CreateUser(ctx(t), userapi.CreateRequest{Name: "Alan Turing", Email: "alan@example.org", Inactive: true, Admin: new(true)})
	if err != nil || u.Status != userapi.StatusDisabled || !slices.Contains(u.Roles, "admin") || u.Name != "Alan Turing" {
		t.Errorf("inactive admin = %+v, %v", u, err)
	}
	s.resetLog()
	// Refused before any request.
	_, err = c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "No", LastName: "Mail"})
	wantErr(t, err, 2, "--email")
	_, err = c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "P", LastName: "W", Email: "pw@example.org", Password: "hunter22"})
	wantErr(t, err, 2, "password")
	if strings.Contains(fmt.Sprint(err), "hunter22") {
		t.Errorf("the password leaked into %q", err)
	}
	if log := s.requests(); len(log) != 0 {
		t.Errorf("requests sent for invalid creates: %v", log)
	}
	// Taken email: conflict; unknown role: usage with the server's text.
	_, err = c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "Ada", LastName: "Again", Email: "ada@example.org"})
	wantErr(t, err, 5, "ada@example.org", "already")
	_, err = c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "R", LastName: "Ole", Email: "role@example.org", Roles: []string{"wizard"}})
	wantErr(t, err, 2, "The role wizard does not exist")
	// The older validation shape (lists), from a server that found a
	// field missing: the field and its message are in the error.
	s.mu.Lock()
	s.failNext["POST /api/1/users/"] = docReply{400, `{"errors": {"last_name": ["This field is required."]}}`}
	s.mu.Unlock()
	_, err = c.CreateUser(ctx(t), userapi.CreateRequest{FirstName: "X", LastName: "Y", Email: "xy@example.org"})
	wantErr(t, err, 2, "last_name", "This field is required.")
	// Not an admin: 403.
	_, err = s.client(docUserKey).CreateUser(ctx(t), userapi.CreateRequest{FirstName: "X", LastName: "Y", Email: "xy@example.org"})
	wantErr(t, err, 4, "You do not have the permission to modify that object.")
}

func TestDocUpdateKeepsRolesAndActive(t *testing.T) {
	s := newDocServer(t)
	c := s.client(docAdminKey)
	u, err := c.UpdateUser(ctx(t), "ada-lovelace", userapi.UpdateRequest{Name: new("Augusta King")})
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "Augusta King" || strings.Join(u.Roles, ",") != "editor" || u.Status != userapi.StatusActive {
		t.Errorf("renamed = %+v: roles must survive a PUT", u)
	}
	if log := s.requests(); strings.Join(log, ",") != "GET /api/1/users/ada-lovelace/,PUT /api/1/users/ada-lovelace/" {
		t.Errorf("requests = %v", log)
	}
	u, err = c.UpdateUser(ctx(t), "ada-lovelace", userapi.UpdateRequest{Roles: &[]string{}, Admin: new(true), Email: new("augusta@example.org")})
	if err != nil || strings.Join(u.Roles, ",") != "admin" || u.Email != "augusta@example.org" {
		t.Errorf("roles+email = %+v, %v", u, err)
	}
	st := userapi.StatusDisabled
	u, err = c.UpdateUser(ctx(t), "ada-lovelace", userapi.UpdateRequest{Status: &st})
	if err != nil || u.Status != userapi.StatusDisabled || strings.Join(u.Roles, ",") != "admin" {
		t.Errorf("disable via update = %+v, %v", u, err)
	}
	if s.lastUpdate["active"] != false {
		t.Errorf("update body = %v, want active false", s.lastUpdate)
	}
	u, err = c.EnableUser(ctx(t), "ada-lovelace")
	if err != nil || u.Status != userapi.StatusActive || strings.Join(u.Roles, ",") != "admin" {
		t.Errorf("enable = %+v, %v", u, err)
	}
	u, err = c.DisableUser(ctx(t), "cccccccccccccccccccccc03")
	if err != nil || u.Status != userapi.StatusDisabled || strings.Join(u.Roles, ",") != "admin" {
		t.Errorf("disable = %+v, %v", u, err)
	}
	// The newer validation shape (strings with a message).
	_, err = c.UpdateUser(ctx(t), "ada-lovelace", userapi.UpdateRequest{Roles: &[]string{"wizard"}})
	wantErr(t, err, 2, `user "ada-lovelace"`, "The role wizard does not exist")
	_, err = c.UpdateUser(ctx(t), "nobody", userapi.UpdateRequest{Name: new("No Body")})
	wantErr(t, err, 3, `user "nobody" not found`)
	_, err = c.DisableUser(ctx(t), "nobody")
	wantErr(t, err, 3, `user "nobody" not found`)
}

func TestDocDelete(t *testing.T) {
	s := newDocServer(t)
	c := s.client(docAdminKey)
	r, err := c.DeleteUser(ctx(t), "ada-lovelace", userapi.DeleteOptions{})
	if err != nil || r.ID != "ada-lovelace" || r.Action == "" {
		t.Fatalf("delete = %+v, %v", r, err)
	}
	r, err = c.DeleteUser(ctx(t), docUserID, userapi.DeleteOptions{NoMail: true, DeleteComments: true})
	if err != nil {
		t.Fatal(err)
	}
	log := s.requests()
	// no_mail and delete_comments mean true for any value: absent unless wanted.
	if len(log) != 2 || log[0] != "DELETE /api/1/users/ada-lovelace/" ||
		log[1] != "DELETE /api/1/users/"+docUserID+"/?delete_comments=true&no_mail=true" {
		t.Errorf("requests = %v", log)
	}
	// A second delete is 410: not found.
	_, err = c.DeleteUser(ctx(t), docUserID, userapi.DeleteOptions{})
	wantErr(t, err, 3, `user "`+docUserID+`"`)
	_, err = c.DeleteUser(ctx(t), docAdminID, userapi.DeleteOptions{})
	wantErr(t, err, 4, "You cannot delete yourself.")
	// A deleted user reads back as deleted.
	u, err := c.GetUser(ctx(t), docUserID)
	if err != nil || u.Status != userapi.StatusDeleted {
		t.Errorf("deleted user = %+v, %v", u, err)
	}
}

func TestDocFollow(t *testing.T) {
	s := newDocServer(t)
	c := s.client(docAdminKey)
	r, err := c.Follow(ctx(t), "ada-lovelace")
	if err != nil || r.Count == nil || *r.Count != 2 || r.ID != "cccccccccccccccccccccc03" {
		t.Fatalf("follow = %+v, %v", r, err)
	}
	r2, err := c.Follow(ctx(t), "cccccccccccccccccccccc03")
	if err != nil || r2.Count == nil || *r2.Count != 2 || r2.Action == r.Action {
		t.Errorf("follow again = %+v (first %+v), %v: want a distinct already-following result", r2, r, err)
	}
	log := s.requests()
	if log[0] != "GET /api/1/users/ada-lovelace/" || log[1] != "POST /api/1/users/cccccccccccccccccccccc03/followers/" {
		t.Errorf("requests = %v: follow must resolve the slug to the id", log)
	}
	var names []string
	for f, err := range c.Followers(ctx(t), "ada-lovelace", 0) {
		if err != nil {
			t.Fatal(err)
		}
		if f.Since == nil || f.Since.Nanosecond() != 0 || f.Since.Location() != time.UTC {
			t.Errorf("follower %+v: want since in UTC, whole seconds", f)
		}
		names = append(names, f.ID+"="+f.Name)
	}
	if strings.Join(names, ",") != docAdminID+"=Root Admin,"+docUserID+"=Bob Martin" {
		t.Errorf("followers = %v", names)
	}
	r, err = c.Unfollow(ctx(t), "ada-lovelace")
	if err != nil || r.Count == nil || *r.Count != 1 {
		t.Errorf("unfollow = %+v, %v", r, err)
	}
	_, err = c.Unfollow(ctx(t), "ada-lovelace")
	wantErr(t, err, 3, "not following")
	_, err = c.Follow(ctx(t), docAdminID)
	wantErr(t, err, 4, "You can't follow yourself")
	_, err = c.Follow(ctx(t), "nobody")
	wantErr(t, err, 3, `user "nobody" not found`)
	// Followers in pages of one, with a limit.
	s.resetLog()
	var n int
	for _, err := range c.Followers(ctx(t), "cccccccccccccccccccccc03", 1) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if log := s.requests(); n != 1 || len(log) != 1 || log[0] != "GET /api/1/users/cccccccccccccccccccccc03/followers/?page=1&page_size=1" {
		t.Errorf("limited followers: %d, requests %v", n, log)
	}
}

var docPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")

func TestDocAvatar(t *testing.T) {
	s := newDocServer(t)
	c := s.client(docAdminKey)
	r, err := c.UploadAvatar(ctx(t), "ada-lovelace", userapi.Avatar{Data: docPNG, Filename: "me.png", BBox: "0, 0,10,10"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Message, "/avatars/") {
		t.Errorf("result = %+v, want the image URL", r)
	}
	if a := s.lastAvatar; a["file.content_type"] != "image/png" || a["bbox"] != "0,0,10,10" || a["file.size"] != strconv.Itoa(len(docPNG)) {
		t.Errorf("parts = %v", a)
	}
	s.resetLog()
	_, err = c.UploadAvatar(ctx(t), "ada-lovelace", userapi.Avatar{Data: []byte("GIF89a...."), Filename: "a.gif"})
	wantErr(t, err, 2, "a.gif")
	_, err = c.UploadAvatar(ctx(t), "ada-lovelace", userapi.Avatar{Data: docPNG, BBox: "1,2,3"})
	wantErr(t, err, 2, "bbox")
	if log := s.requests(); len(log) != 0 {
		t.Errorf("requests for refused uploads: %v", log)
	}
	_, err = s.client(docUserKey).UploadAvatar(ctx(t), "ada-lovelace", userapi.Avatar{Data: docPNG})
	wantErr(t, err, 4, "permission")
}

func TestDocRolesSuggestRotateCheck(t *testing.T) {
	s := newDocServer(t)
	c := s.client(docAdminKey)
	roles, err := c.ListRoles(ctx(t))
	if err != nil || len(roles) != 2 || roles[0].Name != "admin" {
		t.Errorf("roles = %v, %v", roles, err)
	}
	sug, err := s.client(docUserKey).SuggestUsers(ctx(t), "ada", 0)
	if err != nil || len(sug) != 1 || sug[0].Slug != "ada-lovelace" || sug[0].Name != "Ada Lovelace" || sug[0].Email != "***@example.org" {
		t.Errorf("suggest = %+v, %v", sug, err)
	}
	_, err = c.SuggestUsers(ctx(t), "ada", 21)
	wantErr(t, err, 2, "20")
	if log := s.requests(); log[1] != "GET /api/1/users/suggest/?q=ada&size=10" {
		t.Errorf("requests = %v", log)
	}
	r, err := c.SetPassword(ctx(t), "ada-lovelace", userapi.PasswordChange{})
	if err != nil || r.ID != "ada-lovelace" {
		t.Errorf("rotate = %+v, %v", r, err)
	}
	if u, _ := c.GetUser(ctx(t), "ada-lovelace"); !s.find("ada-lovelace").rotation {
		t.Errorf("rotation not demanded: %+v", u)
	}
	_, err = c.SetPassword(ctx(t), "nobody", userapi.PasswordChange{})
	wantErr(t, err, 3, `user "nobody" not found`)
	who, err := c.Check(ctx(t))
	if err != nil || !strings.Contains(who, "Root Admin") || !strings.Contains(who, "root@example.org") || !strings.Contains(who, "admin") {
		t.Errorf("check = %q, %v", who, err)
	}
	_, err = s.client("udata_bad").Check(ctx(t))
	wantErr(t, err, 4, "Invalid API token")
}

// TestDocQueryArgumentError: the documented query-argument error shape
// reaches the message.
func TestDocQueryArgumentError(t *testing.T) {
	s := newDocServer(t)
	s.failNext["GET /api/1/users/"] = docReply{400, `{"errors": {"page_size": "Invalid argument: 0"}, "message": "Input payload validation failed"}`}
	for _, err := range s.client(docAdminKey).ListUsers(ctx(t), userapi.ListOptions{}) {
		if err != nil {
			wantErr(t, err, 2, "Input payload validation failed", "page_size: Invalid argument: 0")
			return
		}
	}
	t.Fatal("no error")
}

// TestDocExtraTimesAreUTC: dates in extra are normalized like created_at.
func TestDocExtraTimesAreUTC(t *testing.T) {
	s := newDocServer(t)
	s.lastLogin = "2025-03-01T09:00:00.123+01:00"
	u, err := s.client(docAdminKey).GetUser(ctx(t), "ada-lovelace")
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Extra["last_login_at"]; got != "2025-03-01T08:00:00Z" {
		t.Errorf("extra.last_login_at = %v, want 2025-03-01T08:00:00Z", got)
	}
}

// TestDocConflictStatusNamesUser: a server answering 409 to a taken email
// gets the same conflict message as the documented 400.
func TestDocConflictStatusNamesUser(t *testing.T) {
	s := newDocServer(t)
	s.failNext["POST /api/1/users/"] = docReply{409, `{"message": "Email already taken"}`}
	_, err := s.client(docAdminKey).CreateUser(ctx(t), userapi.CreateRequest{FirstName: "A", LastName: "B", Email: "ab@example.org"})
	wantErr(t, err, 5, `user "ab@example.org" already exists`, "Email already taken")
}

// TestDocRefusesDotSegmentsAndForeignRaw: nothing is sent for a user ref
// that would change the path, or a raw URL on another host.
func TestDocRefusesDotSegmentsAndForeignRaw(t *testing.T) {
	s := newDocServer(t)
	c := s.client(docAdminKey)
	for _, ref := range []string{"..", ".", "a/b", " "} {
		_, err := c.DeleteUser(ctx(t), ref, userapi.DeleteOptions{})
		wantErr(t, err, 2)
	}
	resp, err := c.Raw(ctx(t), "GET", "HTTPS://elsewhere.example/api/1/me/", nil, nil)
	if resp != nil {
		_ = resp.Body.Close()
	}
	wantErr(t, err, 2, "refusing")
	if log := s.requests(); len(log) != 0 {
		t.Errorf("requests sent: %v", log)
	}
	resp, err = c.Raw(ctx(t), "get", "users/roles/", nil, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("raw = %v, %v", resp, err)
	}
	_ = resp.Body.Close()
}
