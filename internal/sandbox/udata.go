package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The udata API v1 user endpoints (apis/udata.md), under /api/1:
//
//   - Credentials: X-API-KEY. With Options.Token set, only that key is an
//     admin key and any other non-empty key is a logged-in non-admin; with
//     no Token, any key containing "nonadmin" is a logged-in non-admin and
//     any other non-empty key is an admin. No key is anonymous: the
//     "anyone" endpoints (get, roles, suggest, followers) answer, the others
//     are 401. A non-admin on an admin verb is 403.
//   - The caller is a user of the store: the admin key's "sandbox-admin"
//     and the non-admin keys' "sandbox-visitor", each created on first use
//     with a stable id (udAdminID, udVisitorID).
//   - Every path without a trailing slash is answered 308 to the slashed
//     one. Pages carry absolute next_page URLs built from the request's
//     Host; a page past the last is 404.
//   - Delete anonymises the account (name DELETED, email <id>@deleted, slug
//     deleted-<id>); updating or deleting it again is 410, and so is
//     getting it, or an inactive user, as a non-admin (an admin gets the
//     anonymised account). Deleting yourself is 403.
//   - Like older udata servers, a create without "active" makes an inactive
//     user and an update without "roles" empties them: clients must send
//     both.
//   - Errors are {"message": …}, or {"errors": {field: […]}} (required
//     fields) and {"errors": {field: "…"}, "message": …} (other validation).
//     A create with a taken email is such a 400 on "email".

func init() {
	RegisterDialect(Dialect{
		Name:        "udata",
		Credentials: []string{"token"},
		BasePath:    udBasePath,
		New:         newUdataHandler,
		ErrorBody:   udataErrorBody,
		Seed:        seedUdata,
		Demo:        func(st *Store) { seedUdata(st, demoCount) },
	})
}

const (
	udBasePath = "/api/1"
	// udAdminID and udVisitorID are the ids of the callers of admin and
	// non-admin keys.
	udAdminID   = "5f00000000000000000000a1"
	udVisitorID = "5f00000000000000000000b2"
	// udDefaultPageSize is udata's own page size.
	udDefaultPageSize = 20
	udMaxSuggest      = 20
	udForbidden       = "You do not have the permission to modify that object."
	udRequired        = "This field is required."
)

// udRoles are the roles the sandbox knows, in the order GET /users/roles/
// lists them.
var udRoles = []string{"admin", "editor"}

var udSortKeys = []string{"last_name", "first_name", "datasets", "reuses", "followers", "views", "created"}

func udataErrorBody(_ int, msg string) (string, []byte) {
	b, _ := json.Marshal(map[string]string{"message": msg})
	return "application/json", b
}

type udataHandler struct {
	st   *Store
	opts Options
}

func newUdataHandler(st *Store, opts Options) http.Handler {
	return &udataHandler{st: st, opts: opts}
}

// udCaller is who sends a request: nobody (no key), a logged-in non-admin
// or an admin.
type udCaller struct {
	rec   *Record
	admin bool
}

func (c udCaller) loggedIn() bool { return c.rec != nil }

func (c udCaller) is(id string) bool { return c.rec != nil && c.rec.ID == id }

func udError(w http.ResponseWriter, status int, msg string) {
	ct, body := udataErrorBody(status, msg)
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// udFieldErrors answers 400 with field errors: lists of messages with no
// top-level message (older form errors) when list is true, else strings
// with "message" (newer servers).
func udFieldErrors(w http.ResponseWriter, fields map[string]string, list bool, msg string) {
	var body any
	if list {
		errs := map[string][]string{}
		for k, v := range fields {
			errs[k] = []string{v}
		}
		body = map[string]any{"errors": errs}
	} else {
		body = map[string]any{"errors": fields, "message": msg}
	}
	udJSON(w, http.StatusBadRequest, body)
}

func udJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		udError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}

func udNotFound(w http.ResponseWriter, r *http.Request) {
	udError(w, http.StatusNotFound, "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again. You have requested this URI ["+r.URL.Path+"] but did you mean /api/1/users/<user>/ ?")
}

func udMethodNotAllowed(w http.ResponseWriter) {
	udError(w, http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.")
}

func (h *udataHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if !strings.HasPrefix(path, udBasePath+"/") {
		udNotFound(w, r)
		return
	}
	if !strings.HasSuffix(path, "/") {
		loc := r.URL.EscapedPath() + "/"
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		udError(w, http.StatusPermanentRedirect, "Redirecting to "+loc)
		return
	}
	seg := strings.Split(strings.Trim(path[len(udBasePath):], "/"), "/")
	caller := h.caller(r)
	switch {
	case len(seg) == 1 && seg[0] == "me":
		h.route(w, r, map[string]func(){http.MethodGet: func() { h.me(w, r, caller) }})
	case len(seg) == 1 && seg[0] == "users":
		h.route(w, r, map[string]func(){
			http.MethodGet:  func() { h.list(w, r, caller) },
			http.MethodPost: func() { h.create(w, r, caller) },
		})
	case len(seg) == 2 && seg[0] == "users" && seg[1] == "roles":
		h.route(w, r, map[string]func(){http.MethodGet: func() { h.roles(w) }})
	case len(seg) == 2 && seg[0] == "users" && seg[1] == "suggest":
		h.route(w, r, map[string]func(){http.MethodGet: func() { h.suggest(w, r, caller) }})
	case len(seg) == 2 && seg[0] == "users":
		ref := seg[1]
		h.route(w, r, map[string]func(){
			http.MethodGet:    func() { h.get(w, r, caller, ref) },
			http.MethodPut:    func() { h.update(w, r, caller, ref) },
			http.MethodDelete: func() { h.delete(w, r, caller, ref) },
		})
	case len(seg) == 3 && seg[0] == "users" && seg[2] == "followers":
		id := seg[1]
		h.route(w, r, map[string]func(){
			http.MethodGet:    func() { h.followers(w, r, id) },
			http.MethodPost:   func() { h.follow(w, r, caller, id, true) },
			http.MethodDelete: func() { h.follow(w, r, caller, id, false) },
		})
	case len(seg) == 3 && seg[0] == "users" && seg[2] == "avatar":
		ref := seg[1]
		h.route(w, r, map[string]func(){http.MethodPost: func() { h.avatar(w, r, caller, ref) }})
	case len(seg) == 3 && seg[0] == "users" && seg[2] == "rotate_password":
		ref := seg[1]
		h.route(w, r, map[string]func(){http.MethodPost: func() { h.rotatePassword(w, r, caller, ref) }})
	default:
		udNotFound(w, r)
	}
}

func (h *udataHandler) route(w http.ResponseWriter, r *http.Request, methods map[string]func()) {
	if fn, ok := methods[r.Method]; ok {
		fn()
		return
	}
	udMethodNotAllowed(w)
}

// caller resolves the X-API-KEY of r (see the comment at the top).
func (h *udataHandler) caller(r *http.Request) udCaller {
	key := strings.TrimSpace(r.Header.Get("X-API-KEY"))
	if key == "" {
		return udCaller{}
	}
	admin := !strings.Contains(strings.ToLower(key), "nonadmin")
	if h.opts.Token != "" {
		admin = key == h.opts.Token
	}
	rec := h.callerRecord(admin)
	return udCaller{rec: &rec, admin: admin}
}

// callerRecord returns the store's user for admin or non-admin keys,
// creating it on first use.
func (h *udataHandler) callerRecord(admin bool) Record {
	rec := Record{ID: udVisitorID, Username: "sandbox-visitor", Email: "visitor@sandbox.userctl.invalid",
		FirstName: "Sandbox", LastName: "Visitor", Name: "Sandbox Visitor", Roles: []string{}, Status: "active"}
	if admin {
		rec = Record{ID: udAdminID, Username: "sandbox-admin", Email: "admin@sandbox.userctl.invalid",
			FirstName: "Sandbox", LastName: "Admin", Name: "Sandbox Admin", Roles: []string{"admin"}, Admin: true, Status: "active"}
	}
	if got, ok := h.st.Get(rec.ID); ok {
		return got
	}
	if created, err := h.st.Create(rec); err == nil {
		return created
	}
	if got, ok := h.st.Get(rec.ID); ok { // created concurrently
		return got
	}
	return rec
}

// needLogin answers 401 when nobody is logged in.
func needLogin(w http.ResponseWriter, c udCaller) bool {
	if !c.loggedIn() {
		udError(w, http.StatusUnauthorized, "Unauthorized: this requires an API key (X-API-KEY header)")
		return false
	}
	return true
}

// needAdmin answers 401 or 403 unless an admin is calling.
func needAdmin(w http.ResponseWriter, c udCaller) bool {
	if !needLogin(w, c) {
		return false
	}
	if !c.admin {
		udError(w, http.StatusForbidden, udForbidden)
		return false
	}
	return true
}

func udScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// udAbs returns an absolute URL on the request's host.
func udAbs(r *http.Request, path string, q url.Values) string {
	u := url.URL{Scheme: udScheme(r), Host: r.Host, Path: path}
	if q != nil {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// udUser is a user as the API shows it.
type udUser struct {
	ID                        string         `json:"id"`
	Slug                      string         `json:"slug"`
	FirstName                 string         `json:"first_name"`
	LastName                  string         `json:"last_name"`
	Email                     *string        `json:"email"`
	Avatar                    *string        `json:"avatar"`
	AvatarThumbnail           *string        `json:"avatar_thumbnail"`
	Website                   *string        `json:"website"`
	About                     *string        `json:"about"`
	Roles                     []string       `json:"roles"`
	Active                    bool           `json:"active"`
	Organizations             []any          `json:"organizations"`
	Since                     string         `json:"since"`
	LastLoginAt               *string        `json:"last_login_at"`
	PasswordRotationDemanded  *string        `json:"password_rotation_demanded"`
	PasswordRotationPerformed *string        `json:"password_rotation_performed"`
	URI                       string         `json:"uri"`
	Page                      string         `json:"page"`
	Metrics                   map[string]int `json:"metrics"`
}

// udRef is the short user reference of follower items.
type udRef struct {
	ID              string  `json:"id"`
	Slug            string  `json:"slug"`
	FirstName       string  `json:"first_name"`
	LastName        string  `json:"last_name"`
	Avatar          *string `json:"avatar"`
	AvatarThumbnail *string `json:"avatar_thumbnail"`
	URI             string  `json:"uri"`
	Page            string  `json:"page"`
}

func udOpt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// udNames returns a record's first and last names (from Name when the
// record has none).
func udNames(rec *Record) (string, string) {
	if rec.FirstName != "" || rec.LastName != "" {
		return rec.FirstName, rec.LastName
	}
	first, last, _ := strings.Cut(rec.Name, " ")
	return first, last
}

// udTime formats a time as udata's naive ISO form with microseconds.
func udTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

// udTimeZ formats a time with its UTC offset, as newer udata fields do.
func udTimeZ(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000+00:00") }

func (h *udataHandler) view(r *http.Request, rec *Record, c udCaller) udUser {
	first, last := udNames(rec)
	u := udUser{
		ID: rec.ID, Slug: rec.Username, FirstName: first, LastName: last,
		Avatar: udOpt(rec.Avatar), Website: udOpt(rec.Website), About: udOpt(rec.About),
		Roles: slices.Clone(rec.Roles), Active: rec.Status != "disabled", Organizations: []any{},
		Since: udTime(rec.CreatedAt),
		URI:   udAbs(r, udBasePath+"/users/"+rec.ID+"/", nil),
		Page:  udAbs(r, "/users/"+rec.Username+"/", nil),
		Metrics: map[string]int{"datasets": 0, "reuses": 0, "dataservices": 0, "following": 0,
			"followers": len(rec.Followers)},
	}
	if u.Roles == nil {
		u.Roles = []string{}
	}
	if rec.Avatar != "" {
		u.AvatarThumbnail = udOpt(rec.Avatar + "?size=100")
	}
	if c.admin || c.is(rec.ID) {
		u.Email = udOpt(rec.Email)
	}
	if rec.PasswordRotation {
		u.PasswordRotationDemanded = udOpt(udTimeZ(rec.UpdatedAt))
	}
	return u
}

func (h *udataHandler) refOf(r *http.Request, rec *Record) udRef {
	first, last := udNames(rec)
	ref := udRef{ID: rec.ID, Slug: rec.Username, FirstName: first, LastName: last, Avatar: udOpt(rec.Avatar),
		URI: udAbs(r, udBasePath+"/users/"+rec.ID+"/", nil), Page: udAbs(r, "/users/"+rec.Username+"/", nil)}
	if rec.Avatar != "" {
		ref.AvatarThumbnail = udOpt(rec.Avatar + "?size=100")
	}
	return ref
}

// lookup finds a user by id or slug (deleted ones included).
func (h *udataHandler) lookup(ref string) (Record, bool) {
	rec, ok := h.st.Find(ref)
	if !ok || (rec.ID != ref && !strings.EqualFold(rec.Username, ref)) {
		return Record{}, false
	}
	return rec, true
}

// live finds a user that is not deleted, answering 404 or 410 otherwise.
func (h *udataHandler) live(w http.ResponseWriter, r *http.Request, ref string) (Record, bool) {
	rec, ok := h.lookup(ref)
	switch {
	case !ok:
		udNotFound(w, r)
	case rec.Status == "deleted":
		udError(w, http.StatusGone, "This user has been deleted")
	default:
		return rec, true
	}
	return Record{}, false
}

func (h *udataHandler) me(w http.ResponseWriter, r *http.Request, c udCaller) {
	if !needLogin(w, c) {
		return
	}
	udJSON(w, http.StatusOK, h.view(r, c.rec, c))
}

func (h *udataHandler) roles(w http.ResponseWriter) {
	out := make([]map[string]string, 0, len(udRoles))
	for _, name := range udRoles {
		out = append(out, map[string]string{"name": name})
	}
	udJSON(w, http.StatusOK, out)
}

// udPageArgs reads page and page_size; ok is false after a 400.
func udPageArgs(w http.ResponseWriter, r *http.Request) (pg, size int, ok bool) {
	q := r.URL.Query()
	pg, size = 1, udDefaultPageSize
	for _, p := range []struct {
		name string
		to   *int
	}{{"page", &pg}, {"page_size", &size}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			udFieldErrors(w, map[string]string{p.name: fmt.Sprintf("Invalid argument: %s must be a positive integer", p.name)}, false,
				"Input payload validation failed")
			return 0, 0, false
		}
		*p.to = n
	}
	return pg, size, true
}

// udPage writes one page of items, or 404 past the last page.
func udPage[T any](w http.ResponseWriter, r *http.Request, items []T, pg, size, total int) {
	if pg > 1 && (pg-1)*size >= total {
		udError(w, http.StatusNotFound, "Page not found: there are only "+strconv.Itoa(total)+" items")
		return
	}
	link := func(n int) *string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		q.Set("page_size", strconv.Itoa(size))
		s := udAbs(r, r.URL.Path, q)
		return &s
	}
	var next, prev *string
	if pg*size < total {
		next = link(pg + 1)
	}
	if pg > 1 {
		prev = link(pg - 1)
	}
	if items == nil {
		items = []T{}
	}
	udJSON(w, http.StatusOK, map[string]any{
		"data": items, "page": pg, "page_size": size, "total": total, "next_page": next, "previous_page": prev,
	})
}

// udLess returns the order of a sort key (without its "-").
func udLess(key string) func(a, b *Record) bool {
	lower := func(s string) string { return strings.ToLower(s) }
	switch key {
	case "last_name":
		return func(a, b *Record) bool { _, la := udNames(a); _, lb := udNames(b); return lower(la) < lower(lb) }
	case "first_name":
		return func(a, b *Record) bool { fa, _ := udNames(a); fb, _ := udNames(b); return lower(fa) < lower(fb) }
	case "followers":
		return func(a, b *Record) bool { return len(a.Followers) < len(b.Followers) }
	case "created":
		return func(a, b *Record) bool { return a.CreatedAt.Before(b.CreatedAt) }
	}
	// datasets, reuses, views: the sandbox has none, all equal.
	return func(a, b *Record) bool { return false }
}

func (h *udataHandler) list(w http.ResponseWriter, r *http.Request, c udCaller) {
	if !needAdmin(w, c) {
		return
	}
	pg, size, ok := udPageArgs(w, r)
	if !ok {
		return
	}
	size = h.opts.pageCap(size)
	q := r.URL.Query()
	sortKey := q.Get("sort")
	if sortKey != "" && !slices.Contains(udSortKeys, strings.TrimPrefix(sortKey, "-")) {
		udFieldErrors(w, map[string]string{"sort": "The value '" + sortKey + "' is not a valid choice: " + strings.Join(udSortKeys, ", ")},
			false, "Input payload validation failed")
		return
	}
	words := strings.Fields(strings.ToLower(q.Get("q")))
	keep := func(rec *Record) bool {
		if rec.Status == "deleted" {
			return false
		}
		first, last := udNames(rec)
		for _, wd := range words {
			if !strings.Contains(strings.ToLower(first), wd) && !strings.Contains(strings.ToLower(last), wd) &&
				!strings.Contains(strings.ToLower(rec.Email), wd) {
				return false
			}
		}
		return true
	}
	var recs []Record
	var total int
	if sortKey == "" {
		recs, total = h.st.Page(keep, (pg-1)*size, size)
	} else {
		less := udLess(strings.TrimPrefix(sortKey, "-"))
		if strings.HasPrefix(sortKey, "-") {
			asc := less
			less = func(a, b *Record) bool { return asc(b, a) }
		}
		all := h.st.Sorted(keep, less)
		total = len(all)
		from := min((pg-1)*size, total)
		recs = all[from:min(from+size, total)]
	}
	items := make([]udUser, 0, len(recs))
	for i := range recs {
		items = append(items, h.view(r, &recs[i], c))
	}
	udPage(w, r, items, pg, size, total)
}

// get answers a user by id or slug. As udata does (apis/udata.md, "get"),
// only non-admins get 410 for a deleted or inactive user: an admin sees the
// anonymised account.
func (h *udataHandler) get(w http.ResponseWriter, r *http.Request, c udCaller, ref string) {
	rec, ok := h.lookup(ref)
	switch {
	case !ok:
		udNotFound(w, r)
		return
	case rec.Status == "deleted" && !c.admin:
		udError(w, http.StatusGone, "This user has been deleted")
		return
	case rec.Status == "disabled" && !c.admin && !c.is(rec.ID):
		udError(w, http.StatusGone, "This user is not active")
		return
	}
	udJSON(w, http.StatusOK, h.view(r, &rec, c))
}

// udInput is a create or update body; pointers tell absent from null.
type udInput struct {
	FirstName *string   `json:"first_name"`
	LastName  *string   `json:"last_name"`
	Email     *string   `json:"email"`
	Website   *string   `json:"website"`
	About     *string   `json:"about"`
	Roles     *[]string `json:"roles"`
	Active    *bool     `json:"active"`
}

func udReadInput(w http.ResponseWriter, r *http.Request) (udInput, bool) {
	var in udInput
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		udError(w, http.StatusBadRequest, "The browser (or proxy) sent a request that this server could not understand.")
		return in, false
	}
	return in, true
}

func udEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// validate checks a body: every field it has, and the required ones when
// create is true. It answers 400 and returns false on the first problem.
func (h *udataHandler) validate(w http.ResponseWriter, in udInput, create bool, self string) bool {
	missing := map[string]string{}
	for name, v := range map[string]*string{"first_name": in.FirstName, "last_name": in.LastName, "email": in.Email} {
		if (v == nil && create) || (v != nil && strings.TrimSpace(*v) == "") {
			missing[name] = udRequired
		}
	}
	if len(missing) > 0 {
		udFieldErrors(w, missing, true, "")
		return false
	}
	if in.Email != nil {
		if !udEmail(*in.Email) {
			udFieldErrors(w, map[string]string{"email": "Invalid email address."}, false, "Validation error")
			return false
		}
		if other, taken := h.st.FindByEmail(*in.Email); taken && other.ID != self {
			udFieldErrors(w, map[string]string{"email": *in.Email + " is already associated with an account."}, false, "Validation error")
			return false
		}
	}
	if in.Roles != nil {
		for _, role := range *in.Roles {
			if !slices.Contains(udRoles, role) {
				udError(w, http.StatusBadRequest, "The role "+role+" does not exist")
				return false
			}
		}
	}
	return true
}

var udNonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// udSlugify makes a slug of a text (ASCII letters and digits, "-").
func udSlugify(s string) string {
	s = strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII {
			return '-'
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Trim(udNonSlug.ReplaceAllString(s, "-"), "-")
}

// freeSlug returns base, or base-N with the smallest N that is free.
func (h *udataHandler) freeSlug(base string) string {
	if base == "" {
		base = "user"
	}
	slug := base
	for n := 1; ; n++ {
		if _, taken := h.st.FindByUsername(slug); !taken {
			return slug
		}
		slug = fmt.Sprintf("%s-%d", base, n)
	}
}

func (h *udataHandler) create(w http.ResponseWriter, r *http.Request, c udCaller) {
	if !needAdmin(w, c) {
		return
	}
	in, ok := udReadInput(w, r)
	if !ok || !h.validate(w, in, true, "") {
		return
	}
	first, last := strings.TrimSpace(*in.FirstName), strings.TrimSpace(*in.LastName)
	rec := Record{
		ID:        fmt.Sprintf("5e%022x", h.st.NextSeq()),
		Email:     strings.TrimSpace(*in.Email),
		FirstName: first, LastName: last, Name: first + " " + last,
		Roles:  []string{},
		Status: "disabled", // older servers: a missing "active" is false
	}
	if in.Active != nil && *in.Active {
		rec.Status = "active"
	}
	if in.Roles != nil {
		rec.Roles = slices.Clone(*in.Roles)
	}
	rec.Admin = slices.Contains(rec.Roles, "admin")
	if in.Website != nil {
		rec.Website = *in.Website
	}
	if in.About != nil {
		rec.About = *in.About
	}
	var created Record
	var err error
	for range 5 { // a concurrent create may take the slug first
		rec.Username = h.freeSlug(udSlugify(first + " " + last))
		if created, err = h.st.Create(rec); err == nil {
			break
		}
		if _, taken := h.st.FindByEmail(rec.Email); taken {
			udFieldErrors(w, map[string]string{"email": rec.Email + " is already associated with an account."}, false, "Validation error")
			return
		}
	}
	if err != nil {
		udError(w, http.StatusInternalServerError, "could not create the user: "+err.Error())
		return
	}
	udJSON(w, http.StatusCreated, h.view(r, &created, c))
}

func (h *udataHandler) update(w http.ResponseWriter, r *http.Request, c udCaller, ref string) {
	if !needAdmin(w, c) {
		return
	}
	cur, ok := h.live(w, r, ref)
	if !ok {
		return
	}
	in, ok := udReadInput(w, r)
	if !ok || !h.validate(w, in, false, cur.ID) {
		return
	}
	updated, err := h.st.Update(cur.ID, func(rec *Record) error {
		if rec.Status == "deleted" {
			return ErrNotFound
		}
		first, last := udNames(rec)
		if in.FirstName != nil {
			first = strings.TrimSpace(*in.FirstName)
		}
		if in.LastName != nil {
			last = strings.TrimSpace(*in.LastName)
		}
		rec.FirstName, rec.LastName, rec.Name = first, last, strings.TrimSpace(first+" "+last)
		if in.Email != nil {
			rec.Email = strings.TrimSpace(*in.Email)
		}
		if in.Website != nil {
			rec.Website = *in.Website
		}
		if in.About != nil {
			rec.About = *in.About
		}
		// Older servers: a missing roles key empties the roles.
		rec.Roles = []string{}
		if in.Roles != nil {
			rec.Roles = slices.Clone(*in.Roles)
		}
		rec.Admin = slices.Contains(rec.Roles, "admin")
		if in.Active != nil {
			rec.Status = "disabled"
			if *in.Active {
				rec.Status = "active"
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrNotFound):
		udError(w, http.StatusGone, "This user has been deleted")
	case errors.Is(err, ErrConflict):
		udFieldErrors(w, map[string]string{"email": "This email is already associated with an account."}, false, "Validation error")
	case err != nil:
		udError(w, http.StatusInternalServerError, err.Error())
	default:
		udJSON(w, http.StatusOK, h.view(r, &updated, c))
	}
}

func (h *udataHandler) delete(w http.ResponseWriter, r *http.Request, c udCaller, ref string) {
	if !needAdmin(w, c) {
		return
	}
	cur, ok := h.live(w, r, ref)
	if !ok {
		return
	}
	if c.is(cur.ID) {
		udError(w, http.StatusForbidden, "You cannot delete yourself.")
		return
	}
	// no_mail and delete_comments change nothing the sandbox keeps.
	_, err := h.st.Update(cur.ID, func(rec *Record) error {
		if rec.Status == "deleted" {
			return ErrNotFound
		}
		rec.FirstName, rec.LastName, rec.Name = "DELETED", "", "DELETED"
		rec.Email = rec.ID + "@deleted"
		rec.Username = "deleted-" + rec.ID
		rec.Website, rec.About, rec.Avatar = "", "", ""
		rec.Roles = []string{}
		rec.Admin = false
		rec.Status = "deleted"
		return nil
	})
	switch {
	case errors.Is(err, ErrNotFound):
		udError(w, http.StatusGone, "This user has been deleted")
	case err != nil:
		udError(w, http.StatusInternalServerError, err.Error())
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// followTarget finds the user of a followers path: by id only.
func (h *udataHandler) followTarget(w http.ResponseWriter, r *http.Request, id string) (Record, bool) {
	rec, ok := h.st.Get(id)
	if !ok || rec.Status == "deleted" {
		udNotFound(w, r)
		return Record{}, false
	}
	return rec, true
}

type udFollowItem struct {
	ID       string `json:"id"`
	Follower udRef  `json:"follower"`
	Since    string `json:"since"`
}

func (h *udataHandler) followers(w http.ResponseWriter, r *http.Request, id string) {
	target, ok := h.followTarget(w, r, id)
	if !ok {
		return
	}
	pg, size, ok := udPageArgs(w, r)
	if !ok {
		return
	}
	size = h.opts.pageCap(size)
	type entry struct {
		id    string
		since time.Time
	}
	entries := make([]entry, 0, len(target.Followers))
	for fid, since := range target.Followers {
		entries = append(entries, entry{fid, since})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := a.since.Compare(b.since); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	total := len(entries)
	from := min((pg-1)*size, total)
	items := []udFollowItem{}
	for _, e := range entries[from:min(from+size, total)] {
		rec, ok := h.st.Get(e.id)
		if !ok {
			continue
		}
		items = append(items, udFollowItem{ID: udFollowID(e.id, target.ID), Follower: h.refOf(r, &rec), Since: udTimeZ(e.since)})
	}
	udPage(w, r, items, pg, size, total)
}

// udFollowID makes the stable 24-hex id of one follow.
func udFollowID(follower, followee string) string {
	var h uint64 = 14695981039346656037
	for _, b := range []byte(follower + ":" + followee) {
		h = (h ^ uint64(b)) * 1099511628211
	}
	return fmt.Sprintf("5c%022x", h)
}

func (h *udataHandler) follow(w http.ResponseWriter, r *http.Request, c udCaller, id string, follow bool) {
	if !needLogin(w, c) {
		return
	}
	if _, ok := h.followTarget(w, r, id); !ok {
		return
	}
	if follow && c.is(id) {
		udError(w, http.StatusForbidden, "You can't follow yourself")
		return
	}
	errNotFollowing := errors.New("You are not following this user") //lint:ignore ST1005 udata's own words, sent to clients
	status := http.StatusOK
	updated, err := h.st.Update(id, func(rec *Record) error {
		_, following := rec.Followers[c.rec.ID]
		switch {
		case follow && !following:
			if rec.Followers == nil {
				rec.Followers = map[string]time.Time{}
			}
			rec.Followers[c.rec.ID] = time.Now().UTC()
			status = http.StatusCreated
		case !follow && !following:
			return errNotFollowing
		case !follow:
			delete(rec.Followers, c.rec.ID)
		}
		return nil
	})
	switch {
	case errors.Is(err, errNotFollowing):
		udError(w, http.StatusNotFound, errNotFollowing.Error())
	case errors.Is(err, ErrNotFound):
		udNotFound(w, r)
	case err != nil:
		udError(w, http.StatusInternalServerError, err.Error())
	default:
		udJSON(w, status, map[string]int{"followers": len(updated.Followers)})
	}
}

var udImageExt = map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

func (h *udataHandler) avatar(w http.ResponseWriter, r *http.Request, c udCaller, ref string) {
	if !needAdmin(w, c) {
		return
	}
	cur, ok := h.live(w, r, ref)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 10<<20)
	if err := r.ParseMultipartForm(10 << 20); err != nil {
		udError(w, http.StatusBadRequest, "The request must be multipart/form-data with a file part: "+err.Error())
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		udFieldErrors(w, map[string]string{"file": udRequired}, true, "")
		return
	}
	ext, ok := udImageExt[strings.ToLower(strings.TrimSpace(files[0].Header.Get("Content-Type")))]
	if !ok {
		udError(w, http.StatusBadRequest, "Unsupported image format")
		return
	}
	if bbox := r.MultipartForm.Value["bbox"]; len(bbox) > 0 && !udBBox(bbox[0]) {
		udFieldErrors(w, map[string]string{"bbox": "Invalid bounding box: want left,top,right,bottom integers"}, false, "Validation error")
		return
	}
	image := udAbs(r, fmt.Sprintf("/avatars/%s-%d.%s", cur.ID, h.st.NextSeq(), ext), nil)
	if _, err := h.st.Update(cur.ID, func(rec *Record) error { rec.Avatar = image; return nil }); err != nil {
		udError(w, http.StatusInternalServerError, err.Error())
		return
	}
	udJSON(w, http.StatusOK, map[string]any{"success": true, "image": image})
}

func udBBox(s string) bool {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(strings.TrimSpace(p)); err != nil {
			return false
		}
	}
	return true
}

func (h *udataHandler) rotatePassword(w http.ResponseWriter, r *http.Request, c udCaller, ref string) {
	if !needAdmin(w, c) {
		return
	}
	cur, ok := h.live(w, r, ref)
	if !ok {
		return
	}
	if _, err := h.st.Update(cur.ID, func(rec *Record) error { rec.PasswordRotation = true; return nil }); err != nil {
		udError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type udSuggestion struct {
	ID        string  `json:"id"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	AvatarURL *string `json:"avatar_url"`
	Email     string  `json:"email"`
	Slug      string  `json:"slug"`
}

func (h *udataHandler) suggest(w http.ResponseWriter, r *http.Request, c udCaller) {
	q := r.URL.Query()
	text := udSlugify(q.Get("q"))
	if text == "" {
		udFieldErrors(w, map[string]string{"q": "Missing required parameter in the query string"}, false, "Input payload validation failed")
		return
	}
	size := 10
	if v := q.Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > udMaxSuggest {
			udFieldErrors(w, map[string]string{"size": fmt.Sprintf("Invalid argument: size must be between 1 and %d", udMaxSuggest)},
				false, "Input payload validation failed")
			return
		}
		size = n
	}
	recs, _ := h.st.Page(func(rec *Record) bool {
		return rec.Status != "deleted" && strings.Contains(strings.ToLower(rec.Username), text)
	}, 0, size)
	out := make([]udSuggestion, 0, len(recs))
	for i := range recs {
		rec := &recs[i]
		first, last := udNames(rec)
		email := rec.Email
		if !c.admin && !c.is(rec.ID) {
			if _, domain, ok := strings.Cut(email, "@"); ok {
				email = "***@" + domain
			}
		}
		out = append(out, udSuggestion{ID: rec.ID, FirstName: first, LastName: last, AvatarURL: udOpt(rec.Avatar), Email: email, Slug: rec.Username})
	}
	udJSON(w, http.StatusOK, out)
}

var (
	udFirstNames = []string{"Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger", "Radia", "Tim"}
	udLastNames  = []string{"Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen", "Dijkstra", "Perlman", "Berners-Lee", "Knuth"}
)

// seedUdata adds n users: ids 5d… (24 hex digits), slugs
// firstname-lastname-N, emails firstname.lastname.N@example.org; every 10th
// an admin, every 7th an editor, every 13th inactive. Taken ids are skipped.
func seedUdata(st *Store, n int) {
	st.Grow(n)
	firstSlugs := make([]string, len(udFirstNames))
	for i, f := range udFirstNames {
		firstSlugs[i] = udSlugify(f)
	}
	lastSlugs := make([]string, len(udLastNames))
	for i, l := range udLastNames {
		lastSlugs[i] = udSlugify(l)
	}
	base := time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC)
	for i, added := 1, 0; added < n; i++ {
		fi, li := i%len(udFirstNames), (i/len(udFirstNames))%len(udLastNames)
		first, last := udFirstNames[fi], udLastNames[li]
		num := strconv.Itoa(i)
		roles := []string{}
		switch {
		case i%10 == 0:
			roles = []string{"admin"}
		case i%7 == 0:
			roles = []string{"editor"}
		}
		created := base.Add(time.Duration(i) * time.Minute)
		hexID := strconv.FormatInt(int64(i), 16)
		rec := Record{
			ID:        "5d" + strings.Repeat("0", max(0, 22-len(hexID))) + hexID,
			Username:  firstSlugs[fi] + "-" + lastSlugs[li] + "-" + num,
			Email:     firstSlugs[fi] + "." + lastSlugs[li] + "." + num + "@example.org",
			FirstName: first, LastName: last, Name: first + " " + last,
			Roles: roles, Admin: i%10 == 0, Status: "active", CreatedAt: created, UpdatedAt: created,
		}
		if i%13 == 0 {
			rec.Status = "disabled"
		}
		if _, err := st.Create(rec); err == nil {
			added++
		}
	}
}
