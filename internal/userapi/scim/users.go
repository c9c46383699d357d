package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/paging"
)

// maxPages bounds a listing: a server that never ends its pages (always
// "more" in totalResults, never an empty page) is stopped with an error.
const maxPages = 1 << 20

// pages streams the users of a listing, page after page. It asks for
// startIndex 1, 1+n, … advancing by the number of resources each page
// really held (never by itemsPerPage, the count asked or the startIndex
// echoed), and stops on an empty page, on a page already seen, or once
// totalResults users arrived (unless totalResults is just the length of
// the page, which some servers send); a short page before that is a
// silent count cap and paging goes on. When fewer users than totalResults
// arrived, or the server sent no totalResults, it may count from 0 and
// have skipped its first user: startIndex 0 is asked for at the end —
// unless the listing ended on a repeated page, where the server wraps
// around and the user at 0 has been listed already.
//
// Once two pages of the same length are short of totalResults, the pages
// after them are predicted (startIndex advancing by that length, up to
// totalResults) and fetched up to window at a time ahead of this loop; the
// loop takes a fetched page only when it asks for exactly that startIndex,
// so a page shorter than the first two (the prediction fails) makes it go
// on one page at a time from where it really is. Users a page repeats from
// the previous one (entries shifted by users created meanwhile) are
// dropped.
func (c *Client) pages(ctx context.Context, filter string, limit, window int, yield func(wireUser) bool) error {
	count := c.pageSize
	if f := c.features(ctx); f.maxResults > 0 && count > f.maxResults {
		count = f.maxResults
	}
	if limit > 0 && limit < count {
		count = limit
	}
	start, received, total := 1, 0, -1
	firstID, firstLen := "", 0
	seen := map[string]bool{}
	var ahead *paging.Ahead[int, fetchedPage]
	defer func() { ahead.Stop() }()
	var bound paging.Boundary
	repeated := false
	for n := 0; ; n++ {
		if n >= maxPages {
			return errkind.Errorf(errkind.Unknown, "the SCIM server sent more than %d pages; stopped", maxPages)
		}
		got, err, ok := ahead.Take(start)
		if !ok {
			got.p, got.users, err = c.pageUsers(ctx, start, count, filter)
		}
		if err != nil {
			return err
		}
		p, users := got.p, got.users
		if p.TotalResults != nil && *p.TotalResults >= 0 {
			total = *p.TotalResults
		}
		if len(users) == 0 {
			break
		}
		key := users[0].ID + "\x00" + users[len(users)-1].ID + "\x00" + strconv.Itoa(len(users))
		if seen[key] {
			repeated = true
			break
		}
		seen[key] = true
		if n == 0 {
			firstID = users[0].ID
			firstLen = len(users)
		}
		if n == 1 && window > 1 && len(users) == firstLen && total > received+len(users) {
			// Two pages agree on the page size: predict the rest.
			ahead = c.ahead(ctx, start+len(users), len(users), total, limit, count, window, filter)
		}
		for _, w := range paging.Page(&bound, users, wireID) {
			if !yield(w) {
				return nil
			}
		}
		received += len(users)
		start += len(users)
		// totalResults ends the listing unless it may be the page's own
		// length (a known quirk): then an empty page must say so.
		if total >= 0 && received >= total && total != len(users) {
			break
		}
	}
	if !repeated && (total < 0 || total > received) {
		// A server counting from 0 took startIndex 1 as its second user:
		// ask for index 0, which a conforming server reads as 1 (RFC 7644
		// §3.4.2.4) and answers with the first user again.
		_, users, err := c.pageUsers(ctx, 0, 1, filter)
		if err != nil {
			return err
		}
		if len(users) == 1 && users[0].ID != firstID {
			yield(users[0])
		}
	}
	return nil
}

func wireID(w wireUser) string { return w.ID }

// fetchedPage is a page fetched ahead of the listing loop.
type fetchedPage struct {
	p     listPage
	users []wireUser
}

// ahead starts fetching the pages after the first two (of size users,
// the next at startIndex from), up to total users (limit, when set, bounds
// them), window at a time.
func (c *Client) ahead(ctx context.Context, from, size, total, limit, count, window int, filter string) *paging.Ahead[int, fetchedPage] {
	if limit > 0 {
		total = min(total, limit)
	}
	left := total - (from - 1)
	if size <= 0 || left <= 0 {
		return nil
	}
	n := (left + size - 1) / size
	return paging.Start(ctx, n, func(i int) int { return from + i*size }, paging.Fit(window, size),
		func(ctx context.Context, start int) (fetchedPage, error) {
			p, users, err := c.pageUsers(ctx, start, count, filter)
			return fetchedPage{p, users}, err
		})
}

func (c *Client) pageUsers(ctx context.Context, start, count int, filter string) (listPage, []wireUser, error) {
	q := url.Values{"startIndex": {strconv.Itoa(start)}, "count": {strconv.Itoa(count)}}
	if filter != "" {
		q.Set("filter", filter)
	}
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: usersPath, Query: q})
	if err != nil {
		var e *errkind.Error
		if errors.As(err, &e) && e.Kind == errkind.NotFound && filter == "" {
			cp := *e
			cp.Message = fmt.Sprintf("no SCIM Users endpoint at %s%s (is the URL of profile %s the SCIM root?): %s", c.base, usersPath, c.profile, e.Message)
			cp.Err = e
			return listPage{}, nil, &cp
		}
		return listPage{}, nil, err
	}
	return decodePage(resp.Body)
}

// queryFilter is the server filter of --query: a substring of the
// username, an email or the formatted name.
func queryFilter(q string) string {
	s := filterString(q)
	return fmt.Sprintf("userName co %s or emails.value co %s or name.formatted co %s", s, s, s)
}

// filterRefused reports whether err is a server refusing a filter (it
// cannot filter, or not this way): then the client filters instead.
func filterRefused(err error) bool {
	var e *errkind.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Status {
	case http.StatusNotImplemented, http.StatusForbidden:
		return e.Status == http.StatusNotImplemented || strings.EqualFold(scimType(e.Body), "invalidFilter")
	case http.StatusBadRequest:
		t := scimType(e.Body)
		return t == "" || strings.EqualFold(t, "invalidFilter")
	}
	return false
}

// matchesQuery is --query on the client: MatchesQuery over the normalized
// user, or any of its email addresses.
func matchesQuery(w wireUser, u userapi.User, q string) bool {
	if userapi.MatchesQuery(u, q) {
		return true
	}
	for _, e := range w.Emails {
		if strings.Contains(strings.ToLower(string(e.Value)), q) {
			return true
		}
	}
	return false
}

// ListUsers streams every user (see pages). Query becomes a server filter
// (co on userName, emails.value and name.formatted) unless the server
// says it cannot filter or refuses that filter; the result is checked on
// the client either way, so a server that ignores filters lists no
// stranger. Role is matched on the client; Sort (id, username, email,
// name, status, roles; "-" for descending) sorts on the client.
func (c *Client) ListUsers(ctx context.Context, opts userapi.ListOptions) iter.Seq2[userapi.User, error] {
	return func(yield func(userapi.User, error) bool) {
		q := strings.ToLower(strings.TrimSpace(opts.Query))
		role := strings.TrimSpace(opts.Role)
		cmp, err := userapi.LocalOrder(Name, opts.Sort, map[string]string{"role": "roles"}, "id", "username", "email", "name", "status", "roles")
		if err != nil {
			yield(userapi.User{}, err)
			return
		}
		keep := func(w wireUser, u userapi.User) bool {
			if q != "" && !matchesQuery(w, u, q) {
				return false
			}
			return role == "" || slices.ContainsFunc(u.Roles, func(r string) bool { return strings.EqualFold(r, role) })
		}
		limit := opts.Limit
		if cmp != nil || role != "" || q != "" {
			limit = 0 // filtered or sorted on the client: the server's page count is no bound
		}
		var sorted []userapi.User
		n := 0
		stopped := false
		emit := func(w wireUser) bool {
			u := w.normalize()
			if !keep(w, u) {
				return true
			}
			if cmp != nil {
				sorted = append(sorted, u)
				return true
			}
			n++
			if !yield(u, nil) {
				stopped = true
				return false
			}
			return opts.Limit <= 0 || n < opts.Limit
		}
		filter := ""
		if q != "" && c.features(ctx).filter {
			filter = queryFilter(strings.TrimSpace(opts.Query))
		}
		window := paging.Window(opts.PageConcurrency)
		err = c.pages(ctx, filter, limit, window, emit)
		if err != nil && filter != "" && n == 0 && len(sorted) == 0 && filterRefused(err) {
			err = c.pages(ctx, "", 0, window, emit)
		}
		if stopped {
			return
		}
		if err != nil {
			yield(userapi.User{}, err)
			return
		}
		if cmp != nil {
			for u, err := range userapi.LocalList(sorted, nil, cmp, opts.Limit) {
				if !yield(u, err) {
					return
				}
			}
		}
	}
}

// GetUser fetches GET /Users/{id}.
func (c *Client) GetUser(ctx context.Context, id string) (userapi.User, error) {
	w, err := c.getWire(ctx, id)
	if err != nil {
		return userapi.User{}, err
	}
	return w.normalize(), nil
}

func (c *Client) getWire(ctx context.Context, id string) (wireUser, error) {
	path, err := userPath(id)
	if err != nil {
		return wireUser{}, err
	}
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return wireUser{}, subject(err, id)
	}
	w, err := decodeUser("get", resp.Body)
	if err != nil {
		return wireUser{}, err
	}
	if w.Meta == nil || w.Meta.Version == "" {
		if et := resp.Header.Get("ETag"); et != "" {
			if w.Meta == nil {
				w.Meta = &wireMeta{}
			}
			w.Meta.Version = et
		}
	}
	return w, nil
}

// FindUser looks a user up by email (a key with "@": emails.value eq, then
// userName eq) or username (userName eq). A server that cannot filter is
// listed and searched on the client. Matches are checked on the client
// (case-insensitive), so a server ignoring the filter finds no stranger.
func (c *Client) FindUser(ctx context.Context, key string) (userapi.User, bool, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return userapi.User{}, false, nil
	}
	match := func(w wireUser) bool {
		if strings.EqualFold(w.UserName, key) {
			return true
		}
		for _, e := range w.Emails {
			if strings.EqualFold(string(e.Value), key) {
				return true
			}
		}
		return false
	}
	find := func(filter string) (*wireUser, error) {
		var found *wireUser
		err := c.pages(ctx, filter, 0, paging.DefaultWindow, func(w wireUser) bool {
			if match(w) {
				found = &w
				return false
			}
			return true
		})
		return found, err
	}
	if c.features(ctx).filter {
		filters := []string{"userName eq " + filterString(key)}
		if strings.Contains(key, "@") {
			filters = append([]string{"emails.value eq " + filterString(key)}, filters...)
		}
		refused := false
		for _, f := range filters {
			w, err := find(f)
			if filterRefused(err) {
				refused = true
				break
			}
			if err != nil {
				return userapi.User{}, false, err
			}
			if w != nil {
				return w.normalize(), true, nil
			}
		}
		if !refused {
			return userapi.User{}, false, nil
		}
	}
	w, err := find("") // the server cannot filter: search every user
	if err != nil || w == nil {
		return userapi.User{}, false, err
	}
	return w.normalize(), true, nil
}

// createBody is the User resource of a create.
type createBody struct {
	Schemas    []string    `json:"schemas"`
	ExternalID string      `json:"externalId,omitempty"`
	UserName   string      `json:"userName"`
	Name       *wireName   `json:"name,omitempty"`
	Display    string      `json:"displayName,omitempty"`
	Emails     []wireEmail `json:"emails,omitempty"`
	Active     bool        `json:"active"`
	Password   string      `json:"password,omitempty"`
	Roles      []wireRole  `json:"roles,omitempty"`
}

type wireEmail struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary"`
}

type wireRole struct {
	Value string `json:"value"`
}

func rolesOf(roles []string, admin *bool) []wireRole {
	out := []wireRole{}
	has := map[string]bool{}
	for _, r := range roles {
		r = strings.TrimSpace(r)
		if r == "" || has[r] {
			continue
		}
		has[r] = true
		out = append(out, wireRole{Value: r})
	}
	if admin != nil && *admin && !has["admin"] {
		out = append(out, wireRole{Value: "admin"})
	}
	if admin != nil && !*admin {
		out = slices.DeleteFunc(out, func(r wireRole) bool { return r.Value == "admin" })
	}
	return out
}

// CreateUser sends POST /Users with the core schema: userName (the email
// when no username is given), name, emails (one, primary), active,
// password and roles (--admin adds "admin"); 201 with the user. A taken
// userName is a 409 uniqueness: errkind.Conflict.
//
// The POST is never re-sent blindly: when it may have reached the server,
// the user is looked up by userName, and the create is sent once more only
// when it does not exist.
func (c *Client) CreateUser(ctx context.Context, req userapi.CreateRequest) (userapi.User, error) {
	email := strings.TrimSpace(req.Email)
	userName := strings.TrimSpace(req.Username)
	if userName == "" {
		userName = email
	}
	if userName == "" {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "missing required flag --email: SCIM users need a userName (--username, else the email)")
	}
	extra, err := writableExtra(req.Extra)
	if err != nil {
		return userapi.User{}, err
	}
	if req.FirstName == "" {
		req.FirstName = extra["first_name"]
	}
	if req.LastName == "" {
		req.LastName = extra["last_name"]
	}
	b := createBody{ExternalID: extra["external_id"], Schemas: []string{SchemaUser}, UserName: userName, Active: !req.Inactive, Password: req.Password,
		Roles: rolesOf(req.Roles, req.Admin)}
	if len(b.Roles) == 0 {
		b.Roles = nil
	}
	first, last, name := strings.TrimSpace(req.FirstName), strings.TrimSpace(req.LastName), strings.TrimSpace(req.Name)
	if name == "" {
		name = strings.TrimSpace(first + " " + last)
	}
	if name != "" || first != "" || last != "" {
		b.Name = &wireName{Formatted: name, GivenName: first, FamilyName: last}
		b.Display = name
	}
	if d, ok := extra["display_name"]; ok {
		b.Display = d
	}
	if email != "" {
		b.Emails = []wireEmail{{Value: email, Type: "work", Primary: true}}
	}
	data, err := json.Marshal(b)
	if err != nil {
		return userapi.User{}, err
	}
	r := httpx.Request{Method: http.MethodPost, Path: usersPath, Body: data, Retry: retry(false)}
	resp, err := c.do(ctx, r)
	if err != nil {
		var e *errkind.Error
		if !errors.As(err, &e) || !e.MaybeSent {
			return userapi.User{}, createSubject(err, userName)
		}
		u, found, ferr := c.FindUser(ctx, userName)
		switch {
		case ferr != nil:
			return userapi.User{}, createSubject(err, userName)
		case found:
			return u, nil
		}
		if resp, err = c.do(ctx, r); err != nil {
			return userapi.User{}, createSubject(err, userName)
		}
	}
	if w, err := decodeUser("create", resp.Body); err == nil {
		return w.normalize(), nil
	}
	// A 2xx without the user (empty, 204): find what was created.
	if u, found, err := c.FindUser(ctx, userName); err == nil && found {
		return u, nil
	}
	return userapi.User{}, errkind.Errorf(errkind.Unknown, "user %q was created but the server sent it back unreadable", userName)
}

func createSubject(err error, userName string) error {
	if errkind.Is(err, errkind.Conflict) {
		return errkind.WithSubject(err, fmt.Sprintf("user %q", userName))
	}
	return subject(err, userName)
}

// patchOp is one operation of a PATCH request.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

type patchBody struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

// patchUnsupported reports whether a PATCH answer means the server has no
// PATCH: 501, 405, or a 400 that names no validation problem.
func patchUnsupported(err error) bool {
	var e *errkind.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Status {
	case http.StatusNotImplemented, http.StatusMethodNotAllowed:
		return true
	case http.StatusBadRequest:
		t := scimType(e.Body)
		return t == "" || strings.EqualFold(t, "invalidSyntax")
	}
	return false
}

// change is one field of a user to set, as a PATCH operation and as an
// edit of the whole resource for the PUT fallback.
type change struct {
	path  string
	value any
}

// UpdateUser reads the user, then sends PATCH /Users/{id} with one replace
// operation per changed field (name.givenName, name.familyName,
// name.formatted, emails, roles, active) and If-Match where the server
// supports ETags. A 204 answer is followed by a GET. A server without
// PATCH (its ServiceProviderConfig says so, or it answers 501, 405 or a
// 400 with no scimType) gets the whole resource changed with PUT.
func (c *Client) UpdateUser(ctx context.Context, id string, req userapi.UpdateRequest) (userapi.User, error) {
	if req.IsEmpty() {
		return userapi.User{}, errkind.Errorf(errkind.Usage, "nothing to update")
	}
	extra, err := writableExtra(req.Extra)
	if err != nil {
		return userapi.User{}, err
	}
	if v, ok := extra["first_name"]; ok && req.FirstName == nil {
		req.FirstName = &v
	}
	if v, ok := extra["last_name"]; ok && req.LastName == nil {
		req.LastName = &v
	}
	cur, err := c.getWire(ctx, id)
	if err != nil {
		return userapi.User{}, err
	}
	var changes []change
	if req.FirstName != nil {
		changes = append(changes, change{"name.givenName", strings.TrimSpace(*req.FirstName)})
	}
	if req.LastName != nil {
		changes = append(changes, change{"name.familyName", strings.TrimSpace(*req.LastName)})
	}
	switch {
	case req.Name != nil:
		changes = append(changes, change{"name.formatted", strings.TrimSpace(*req.Name)})
	case req.FirstName != nil || req.LastName != nil:
		first, last := "", ""
		if cur.Name != nil {
			first, last = cur.Name.GivenName, cur.Name.FamilyName
		}
		if req.FirstName != nil {
			first = *req.FirstName
		}
		if req.LastName != nil {
			last = *req.LastName
		}
		changes = append(changes, change{"name.formatted", strings.TrimSpace(strings.TrimSpace(first) + " " + strings.TrimSpace(last))})
	}
	if req.Email != nil {
		e := strings.TrimSpace(*req.Email)
		if e == "" {
			return userapi.User{}, errkind.Errorf(errkind.Usage, "--email: an empty email cannot replace the primary one")
		}
		changes = append(changes, change{"emails", newEmails(cur.Emails, e)})
	}
	if req.Roles != nil || req.Admin != nil {
		roles := cur.normalize().Roles
		if req.Roles != nil {
			roles = *req.Roles
		}
		changes = append(changes, change{"roles", rolesOf(roles, req.Admin)})
	}
	if v, ok := extra["external_id"]; ok {
		changes = append(changes, change{"externalId", v})
	}
	if v, ok := extra["display_name"]; ok {
		changes = append(changes, change{"displayName", v})
	}
	if req.Status != nil {
		switch *req.Status {
		case userapi.StatusActive:
			changes = append(changes, change{"active", true})
		case userapi.StatusDisabled:
			changes = append(changes, change{"active", false})
		default:
			return userapi.User{}, errkind.Errorf(errkind.Usage, "--status %q: SCIM users are active or disabled", *req.Status)
		}
	}
	if len(changes) == 0 { // only read-only extra fields: nothing to send
		return cur.normalize(), nil
	}
	return c.apply(ctx, id, &cur, changes)
}

// writableExtra sorts the extra fields of a create or update: those SCIM
// can write (external_id, display_name, first_name, last_name) are
// returned; those only read from the server (groups, the enterprise
// extension's attributes), which an export carries, are ignored; any
// other is a usage error.
func writableExtra(extra map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range extra {
		switch k {
		case "external_id", "display_name", "first_name", "last_name":
			out[k] = strings.TrimSpace(v)
		case "groups":
		default:
			if !slices.Contains(slices.Collect(maps.Values(enterpriseKeys)), k) {
				return nil, errkind.Errorf(errkind.Usage, "SCIM users have no field %q (extra fields: external_id, display_name, first_name, last_name)", k)
			}
		}
	}
	return out, nil
}

// newEmails makes e the primary email, keeping the other addresses.
func newEmails(old []wireValue, e string) []wireEmail {
	out := []wireEmail{{Value: e, Type: "work", Primary: true}}
	for _, o := range old {
		v := string(o.Value)
		if v == "" || strings.EqualFold(v, e) || o.Primary {
			continue
		}
		out = append(out, wireEmail{Value: v, Type: o.Type})
	}
	return out
}

// apply sends changes as a PATCH, or as a PUT of the changed resource
// when the server has no PATCH. cur is the user as read (nil: read it
// only if the PUT fallback needs it). A user whose ETag is known is
// written with If-Match when the server supports ETags, so a change made
// meanwhile is a 412, never overwritten.
func (c *Client) apply(ctx context.Context, id string, cur *wireUser, changes []change) (userapi.User, error) {
	path, err := userPath(id)
	if err != nil {
		return userapi.User{}, err
	}
	f := c.features(ctx)
	if f.patch {
		ops := make([]patchOp, 0, len(changes))
		for _, ch := range changes {
			ops = append(ops, patchOp{Op: "replace", Path: ch.path, Value: ch.value})
		}
		data, err := json.Marshal(patchBody{Schemas: []string{SchemaPatchOp}, Operations: ops})
		if err != nil {
			return userapi.User{}, err
		}
		r := httpx.Request{Method: http.MethodPatch, Path: path, Body: data, Header: http.Header{}}
		if f.etag && cur != nil && cur.Meta != nil && cur.Meta.Version != "" {
			r.Header.Set("If-Match", cur.Meta.Version)
		}
		resp, err := c.do(ctx, r)
		switch {
		case err == nil:
			if w, derr := decodeUser("update", resp.Body); derr == nil {
				return w.normalize(), nil
			}
			return c.GetUser(ctx, id) // 204, or a body without the user
		case !patchUnsupported(err):
			return userapi.User{}, subject(err, id)
		}
	}
	if cur == nil || cur.raw == nil {
		w, err := c.getWire(ctx, id)
		if err != nil {
			return userapi.User{}, err
		}
		cur = &w
	}
	res := make(map[string]any, len(cur.raw))
	for k, v := range cur.raw {
		res[k] = v
	}
	delete(res, findKey(res, "meta"))
	for _, ch := range changes {
		setPath(res, ch.path, ch.value)
	}
	data, err := json.Marshal(res)
	if err != nil {
		return userapi.User{}, err
	}
	r := httpx.Request{Method: http.MethodPut, Path: path, Body: data, Header: http.Header{}, Retry: retry(true)}
	if f.etag && cur.Meta != nil && cur.Meta.Version != "" {
		r.Header.Set("If-Match", cur.Meta.Version)
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return userapi.User{}, subject(err, id)
	}
	if w, derr := decodeUser("update", resp.Body); derr == nil {
		return w.normalize(), nil
	}
	return c.GetUser(ctx, id)
}

// findKey is the key of m equal to name ignoring case (attribute names
// are case-insensitive), or name itself.
func findKey(m map[string]any, name string) string {
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// setPath sets an attribute ("active") or a sub-attribute
// ("name.givenName") of a resource.
func setPath(m map[string]any, path string, v any) {
	attr, sub, ok := strings.Cut(path, ".")
	k := findKey(m, attr)
	if !ok {
		m[k] = v
		return
	}
	var obj map[string]any
	switch t := m[k].(type) {
	case json.RawMessage:
		_ = json.Unmarshal(t, &obj)
	case map[string]any:
		obj = t
	}
	if obj == nil {
		obj = map[string]any{}
	}
	obj[findKey(obj, sub)] = v
	m[k] = obj
}

// DisableUser replaces active with false (PATCH, or the PUT fallback).
func (c *Client) DisableUser(ctx context.Context, id string) (userapi.User, error) {
	return c.apply(ctx, id, nil, []change{{"active", false}})
}

// EnableUser replaces active with true (PATCH, or the PUT fallback).
func (c *Client) EnableUser(ctx context.Context, id string) (userapi.User, error) {
	return c.apply(ctx, id, nil, []change{{"active", true}})
}

// SetPassword replaces password with a PATCH (the operation without a
// path, its value {"password": …}, which RFC 7644 §3.5.2.3 allows). A server whose
// ServiceProviderConfig says changePassword is not supported is refused
// before anything is sent (exit 2). The password never appears in an
// error.
func (c *Client) SetPassword(ctx context.Context, id string, change userapi.PasswordChange) (userapi.Result, error) {
	path, err := userPath(id)
	if err != nil {
		return userapi.Result{}, err
	}
	if change.New == "" {
		return userapi.Result{}, errkind.Errorf(errkind.Usage, "missing new password")
	}
	f := c.features(ctx)
	if f.changePassword != nil && !*f.changePassword {
		return userapi.Result{}, errkind.Errorf(errkind.Unsupported,
			"passwd: this SCIM server does not support changing passwords (its /ServiceProviderConfig says changePassword is not supported)")
	}
	// The path-less form {"value": {"password": …}}: the --debug log
	// redacts a "password" key, and would show a "value" whose path is
	// password.
	op := patchOp{Op: "replace", Value: map[string]string{"password": change.New}}
	data, err := json.Marshal(patchBody{Schemas: []string{SchemaPatchOp}, Operations: []patchOp{op}})
	if err != nil {
		return userapi.Result{}, err
	}
	if _, err := c.do(ctx, httpx.Request{Method: http.MethodPatch, Path: path, Body: data}); err != nil {
		var e *errkind.Error
		if errors.As(err, &e) && strings.Contains(e.Message, change.New) && len(change.New) >= 3 {
			cp := *e
			cp.Message = strings.ReplaceAll(cp.Message, change.New, httpx.Redacted)
			cp.Body = nil
			err = &cp
		}
		return userapi.Result{}, subject(err, id)
	}
	return userapi.Result{ID: id, Action: "password changed", Message: fmt.Sprintf("password of user %q changed", id)}, nil
}

// DeleteUser sends DELETE /Users/{id} (204). It is not re-sent blindly: a
// second DELETE of a user the first removed answers 404. When it may have
// reached the server, the user is looked up: gone means deleted.
func (c *Client) DeleteUser(ctx context.Context, id string, _ userapi.DeleteOptions) (userapi.Result, error) {
	path, err := userPath(id)
	if err != nil {
		return userapi.Result{}, err
	}
	r := httpx.Request{Method: http.MethodDelete, Path: path, Retry: retry(false)}
	err = userapi.CheckedDelete(
		func() error { _, err := c.do(ctx, r); return err },
		func() error { _, err := c.GetUser(ctx, id); return err })
	if err != nil {
		return userapi.Result{}, subject(err, id)
	}
	return userapi.Result{ID: id, Action: "deleted", Message: fmt.Sprintf("user %q deleted", id)}, nil
}
