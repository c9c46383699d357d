package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/paging"
)

// pageState says how to ask for the next page: an absolute URL, or the list
// path with a query.
type pageState struct {
	url   string
	query url.Values
	page  int
}

// page is one fetched page: its users and how to get the next, if any.
type page struct {
	users []userapi.User
	next  *pageState
	err   error
}

// ListUsers streams every user, following the service's paging. The next
// page is fetched while the caller consumes the current one.
func (c *Client) ListUsers(ctx context.Context, opts userapi.ListOptions) iter.Seq2[userapi.User, error] {
	return func(yield func(userapi.User, error) bool) {
		if opts.Sort != "" {
			yield(userapi.User{}, errkind.Errorf(errkind.Usage,
				"--sort: the rest API has no sort order; sort the output instead (e.g. --jq 'sort_by(.%s)')", strings.TrimPrefix(opts.Sort, "-")))
			return
		}
		query := strings.ToLower(opts.Query)
		size := c.m.pageSize
		if opts.PageSize > 0 {
			size = opts.PageSize
		}
		if opts.Limit > 0 && opts.Limit < size {
			size = opts.Limit
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		pages := make(chan page, 1)
		stopAfter := opts.Limit
		if opts.Role != "" || query != "" {
			stopAfter = 0 // filtered on the client: more pages may be needed
		}
		go c.fetchPages(ctx, c.first(size), size, stopAfter, paging.Window(opts.PageConcurrency), pages)
		n := 0
		for p := range pages {
			for _, u := range p.users {
				if opts.Role != "" && !hasRole(u, opts.Role) {
					continue
				}
				if query != "" && !userapi.MatchesQuery(u, query) {
					continue
				}
				if !yield(u, nil) {
					return
				}
				n++
				if opts.Limit > 0 && n >= opts.Limit {
					return
				}
			}
			if p.err != nil {
				yield(userapi.User{}, p.err)
				return
			}
		}
	}
}

func userID(u userapi.User) string { return u.ID }

func hasRole(u userapi.User, role string) bool {
	for _, r := range u.Roles {
		if r == role {
			return true
		}
	}
	return false
}

func (c *Client) first(size int) *pageState {
	q := url.Values{}
	switch c.m.pagination {
	case PageAuto, PagePage:
		q.Set(c.m.pageParam, "1")
		q.Set(c.m.sizeParam, strconv.Itoa(size))
	case PageOffset:
		q.Set(c.m.offsetParam, "0")
		q.Set(c.m.limitParam, strconv.Itoa(size))
	case PageCursor, PageLink:
		q.Set(c.m.limitParam, strconv.Itoa(size))
	}
	return &pageState{query: q, page: 1}
}

// fetchPages runs in its own goroutine and closes out when done; it stops
// as soon as ctx is cancelled (the consumer went away), or once it has
// fetched stopAfter users (0: all). A listing is complete or it fails:
// when the server said how many users there are, paging goes on until
// they all came, and an end before that is an error saying how many are
// missing. Where the first two pages show page numbers or offsets, the
// same page size and a total, up to window of the pages this loop will ask
// for next are fetched at once (see ahead); the loop still decides every
// step.
func (c *Client) fetchPages(ctx context.Context, st *pageState, size, stopAfter, window int, out chan<- page) {
	defer close(out)
	seen := map[string]bool{}
	offset := 0
	prevFirst := ""
	total, hasTotal := 0, false
	var ahead *paging.Ahead[string, fetched]
	defer func() { ahead.Stop() }()
	var bound paging.Boundary
	firstGot, pageNo := 0, 0
	fail := func(err error) {
		select {
		case out <- page{err: err}:
		case <-ctx.Done():
		}
	}
	// end is called where the server's pages end: short of a known total,
	// the listing failed.
	end := func() {
		if hasTotal && offset < total && (stopAfter == 0 || offset < stopAfter) {
			fail(errkind.Errorf(errkind.Unknown,
				"incomplete listing: the server reported %d users but its pages ended after %d (%d missing); check the profile's pagination keys (pagination, page_param, size_param, total)",
				total, offset, total-offset))
		}
	}
	for first := true; st != nil; first = false {
		key := st.url + "?" + st.query.Encode()
		if seen[key] {
			fail(errkind.Errorf(errkind.Unknown, "pagination loop: the server sent the same next page twice (%s); stopping", httpx.RedactText(key)))
			return
		}
		seen[key] = true
		got, err, ok := ahead.Take(key)
		if !ok {
			got, err = c.fetchPage(ctx, st)
		}
		if err != nil && first && st.url == "" && errkind.Is(err, errkind.NotFound) {
			fail(c.wrongEndpoint(http.MethodGet, c.m.listPath, "list_path", err))
			return
		}
		if err != nil && !first && st.url == "" && !st.query.Has("cursor") && errkind.Of(err) == errkind.NotFound {
			// A page number or offset the client worked out, past the end:
			// some services answer 404 there rather than an empty page.
			end()
			return
		}
		if err != nil {
			fail(err)
			return
		}
		resp, users, meta := got.resp, got.users, got.meta
		if t, ok := c.totalOf(resp, meta); ok {
			total, hasTotal = t, true
		}
		if len(users) > 0 {
			if users[0].ID != "" && users[0].ID == prevFirst {
				if st.url == "" && !st.query.Has("cursor") {
					// The service ignores the paging parameters and sent
					// the same page again: that was everyone. (A cursor
					// or a link came from the server, which said there
					// was more: the same page again is a loop.)
					end()
					return
				}
				fail(errkind.Errorf(errkind.Unknown, "pagination loop: the server sent the same page twice (%s); stopping", httpx.RedactText(key)))
				return
			}
			prevFirst = users[0].ID
		}
		offset += len(users)
		if first && !hasTotal && len(users) > 0 && len(users) < size {
			// A short first page without a total may be a page size the
			// server capped silently: it ends the listing only when the
			// next page comes back empty or repeated.
			size = len(users)
		}
		next := c.next(st, resp, meta, len(users), size, offset, total, hasTotal)
		if next == nil && hasTotal && offset < total && len(users) > 0 {
			// The server's paging says "end" short of its own total: ask
			// for the next page anyway where the client numbers them.
			next = c.continueAfter(st, offset)
		}
		if stopAfter > 0 && offset >= stopAfter {
			next = nil // enough for the caller's limit: no request more
		}
		if first {
			firstGot = len(users)
		} else if pageNo == 1 && window > 1 && len(users) == firstGot && hasTotal {
			// Two pages agree on the page size: predict the rest.
			ahead = c.ahead(ctx, next, len(users), offset, total, stopAfter, window)
		}
		pageNo++
		// Users created during the listing shift entries to later pages:
		// the tail of a page comes again at the head of the next.
		kept := paging.Page(&bound, users, userID)
		select {
		case out <- page{users: kept, next: next}:
		case <-ctx.Done():
			return
		}
		if next == nil {
			end()
		}
		st = next
	}
}

// fetched is one page as fetchPage returns it: decoded, its body dropped.
type fetched struct {
	resp  *httpx.Response
	users []userapi.User
	meta  map[string]any
}

// fetchPage requests and decodes the page st names.
func (c *Client) fetchPage(ctx context.Context, st *pageState) (fetched, error) {
	req := httpx.Request{Method: http.MethodGet, Path: c.m.listPath, Query: st.query}
	if st.url != "" {
		req.Path, req.Query = st.url, nil
	}
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		return fetched{}, err
	}
	users, meta, err := c.decodePage(resp)
	if err != nil {
		return fetched{}, err
	}
	resp.Body = nil // decoded: only the headers and URL are read from here on
	return fetched{resp: resp, users: users, meta: meta}, nil
}

// ahead predicts, after the second page, the pages fetchPages will ask for
// and starts fetching up to window of them at once. It predicts only what
// the answer makes certain: the next page is a page number or an offset the
// client works out (not a server's link or cursor), the answer carries a
// total, and the pages so far held got users each (offset: all so far) out
// of it. Page n then starts at (n-1)*got, whatever page size was asked for
// (a server capping it answers every page with its cap). A wrong guess costs
// nothing but early requests: fetchPages asks for what it really needs and
// Take serves only a page whose request is exactly the predicted one.
func (c *Client) ahead(ctx context.Context, next *pageState, got, offset, total, stopAfter, window int) *paging.Ahead[string, fetched] {
	if next == nil || next.url != "" || next.query.Has("cursor") || got == 0 || total <= offset {
		return nil
	}
	if stopAfter > 0 {
		total = min(total, stopAfter)
	}
	n := (total - offset + got - 1) / got // pages still to fetch
	var key func(i int) *pageState
	switch {
	case next.query.Get(c.m.pageParam) != "" && next.page > 0:
		key = func(i int) *pageState {
			q := cloneQuery(next.query)
			q.Set(c.m.pageParam, strconv.Itoa(next.page+i))
			return &pageState{query: q, page: next.page + i}
		}
	case next.query.Has(c.m.offsetParam):
		key = func(i int) *pageState {
			q := cloneQuery(next.query)
			q.Set(c.m.offsetParam, strconv.Itoa(offset+i*got))
			return &pageState{query: q}
		}
	default:
		return nil
	}
	return paging.Start(ctx, n, func(i int) string { return "?" + key(i).query.Encode() }, paging.Fit(window, got),
		func(ctx context.Context, k string) (fetched, error) {
			q, err := url.ParseQuery(strings.TrimPrefix(k, "?"))
			if err != nil {
				return fetched{}, err
			}
			return c.fetchPage(ctx, &pageState{query: q})
		})
}

// continueAfter is the page after cur by the client's own numbering (page
// numbers or offsets), nil when the pages are the server's links or
// cursors.
func (c *Client) continueAfter(cur *pageState, offset int) *pageState {
	if cur.url != "" || cur.query == nil {
		return nil
	}
	q := cloneQuery(cur.query)
	switch {
	case q.Get(c.m.pageParam) != "":
		q.Set(c.m.pageParam, strconv.Itoa(cur.page+1))
		return &pageState{query: q, page: cur.page + 1}
	case q.Has(c.m.offsetParam):
		q.Set(c.m.offsetParam, strconv.Itoa(offset))
		return &pageState{query: q}
	}
	return nil
}

// totalOf reads how many users the listing has: from the profile's total
// key (a dotted body path or header:NAME), else from the usual body keys or
// an X-Total-Count header.
func (c *Client) totalOf(resp *httpx.Response, meta map[string]any) (int, bool) {
	toInt := func(v any) (int, bool) {
		n, err := strconv.Atoi(strings.TrimSpace(text(v)))
		return n, err == nil && n >= 0
	}
	if t := c.m.total; t != "" {
		if h, ok := strings.CutPrefix(t, "header:"); ok {
			return toInt(resp.Header.Get(strings.TrimSpace(h)))
		}
		v, ok := lookup(meta, strings.Split(t, "."))
		if !ok {
			return 0, false
		}
		return toInt(v)
	}
	if n, ok := metaInt(meta, "total", "total_count", "totalCount", "total_items", "totalItems", "total_results", "totalResults", "count"); ok {
		return n, true
	}
	if v := resp.Header.Get("X-Total-Count"); v != "" {
		return toInt(v)
	}
	return 0, false
}

var linkNext = regexp.MustCompile(`<([^>]+)>\s*;[^,]*rel="?next"?`)

// next decides where the next page is, or nil at the end.
func (c *Client) next(cur *pageState, resp *httpx.Response, meta map[string]any, got, size, offset, total int, hasTotal bool) *pageState {
	if got == 0 {
		return nil
	}
	mode := c.m.pagination
	if mode == PageNone {
		return nil
	}
	if mode == PageAuto || mode == PageLink {
		if m := linkNext.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			return c.abs(resp, m[1])
		}
		if mode == PageLink {
			return nil
		}
	}
	if mode == PageAuto || mode == PageCursor {
		for _, k := range []string{"next_cursor", "cursor_next", "next_page_token"} {
			if s, ok := meta[k].(string); ok && s != "" {
				q := cloneQuery(cur.query)
				q.Set("cursor", s)
				return &pageState{query: q}
			}
		}
		if mode == PageCursor {
			return nil
		}
	}
	more := func() bool {
		if hasTotal {
			return offset < total
		}
		if got >= size {
			return true
		}
		ps, ok := metaInt(meta, "per_page", "page_size", "perPage", "pageSize", "limit")
		return ok && ps > 0 && got >= ps
	}
	if mode == PageAuto {
		if s, ok := meta["next"].(string); ok && s != "" {
			return c.abs(resp, s)
		}
		if v, present := meta["next_page"]; present {
			switch n := v.(type) {
			case nil:
				return nil
			case string:
				if n == "" {
					return nil
				}
				if _, err := strconv.Atoi(n); err != nil {
					return c.abs(resp, n)
				}
			case json.Number:
				// The server numbers its pages: trust it over page sizes.
				if num, err := n.Int64(); err == nil && cur.query.Get(c.m.pageParam) != "" {
					q := cloneQuery(cur.query)
					q.Set(c.m.pageParam, strconv.FormatInt(num, 10))
					return &pageState{query: q, page: int(num)}
				}
			}
		}
		if hm, ok := meta["has_more"].(bool); ok && !hm {
			return nil
		}
	}
	if mode == PageOffset {
		if !more() {
			return nil
		}
		q := cloneQuery(cur.query)
		q.Set(c.m.offsetParam, strconv.Itoa(offset))
		return &pageState{query: q}
	}
	// page + per_page until a short page (or the server's next_page number).
	if !more() {
		if hm, ok := meta["has_more"].(bool); !ok || !hm {
			return nil
		}
	}
	q := cloneQuery(cur.query)
	if q == nil || q.Get(c.m.pageParam) == "" {
		return nil
	}
	nextNum := cur.page + 1
	if v, ok := meta["next_page"].(json.Number); ok {
		if n, err := v.Int64(); err == nil {
			nextNum = int(n)
		}
	}
	q.Set(c.m.pageParam, strconv.Itoa(nextNum))
	return &pageState{query: q, page: nextNum}
}

// metaInt reads the first of keys that holds a whole number (JSON number or
// digits in a string) from the top level of a list answer or its "meta" /
// "pagination" object.
func metaInt(meta map[string]any, keys ...string) (int, bool) {
	for _, m := range []any{meta, meta["meta"], meta["pagination"]} {
		mm, ok := m.(map[string]any)
		if !ok {
			continue
		}
		for _, k := range keys {
			var s string
			switch v := mm[k].(type) {
			case json.Number:
				s = v.String()
			case float64:
				s = strconv.FormatFloat(v, 'f', -1, 64)
			case string:
				s = v
			default:
				continue
			}
			if n, err := strconv.Atoi(s); err == nil && n >= 0 {
				return n, true
			}
		}
	}
	return 0, false
}

func (c *Client) abs(resp *httpx.Response, ref string) *pageState {
	u, err := resp.URL.Parse(ref)
	if err != nil {
		return nil
	}
	return &pageState{url: u.String()}
}

func cloneQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// scanPage decodes a page of plain user objects in one pass without
// reflection; ok is false when the page needs encoding/json (see
// scanUsers).
func (c *Client) scanPage(body []byte) ([]userapi.User, map[string]any, bool) {
	if !c.m.plain {
		return nil, nil, false
	}
	var ws []wire
	meta := map[string]any{}
	if len(body) > 0 && body[0] == '[' {
		var ok bool
		if ws, ok = scanUsers(body); !ok {
			return nil, nil, false
		}
	} else {
		list, _, raw, ok := scanPageObject(body, c.itemsKeys())
		if !ok {
			return nil, nil, false
		}
		for k, v := range raw {
			var x any
			d := json.NewDecoder(bytes.NewReader(v))
			d.UseNumber()
			if d.Decode(&x) != nil {
				return nil, nil, false
			}
			meta[k] = x
		}
		ws = list
	}
	users := make([]userapi.User, len(ws))
	for i, w := range ws {
		users[i] = build(w, nil)
	}
	return users, meta, true
}

// decodePage returns the users of a list response and the other top-level
// keys (paging metadata).
func (c *Client) decodePage(resp *httpx.Response) ([]userapi.User, map[string]any, error) {
	body := bytes.TrimSpace(resp.Body)
	if users, meta, ok := c.scanPage(body); ok {
		return users, meta, nil
	}
	if len(c.m.itemsKey) > 1 {
		return c.decodeNestedPage(resp, body)
	}
	var raws []json.RawMessage
	meta := map[string]any{}
	items, found := body, "the body"
	if len(body) == 0 || body[0] != '[' {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(body, &top); err != nil {
			return nil, nil, unreadable(resp, err)
		}
		found = ""
		for _, k := range c.itemsKeys() {
			if raw, ok := top[k]; ok {
				items, found = raw, k
				break
			}
		}
		if found == "" {
			want := "one of data, users, items, results, Resources"
			if c.m.itemsKey != nil {
				want = fmt.Sprintf("%q (items_key)", strings.Join(c.m.itemsKey, "."))
			}
			return nil, nil, unreadable(resp, fmt.Errorf("no list of users under %s", want))
		}
		for mk, mv := range top {
			if mk == found {
				continue
			}
			var v any
			d := json.NewDecoder(bytes.NewReader(mv))
			d.UseNumber()
			if d.Decode(&v) == nil {
				meta[mk] = v
			}
		}
	}
	if err := json.Unmarshal(items, &raws); err != nil {
		return nil, nil, unreadable(resp, fmt.Errorf("%q is not a list of objects: %w", found, err))
	}
	users := make([]userapi.User, 0, len(raws))
	for i, raw := range raws {
		u, err := c.decodeItem(raw)
		if err != nil {
			return nil, nil, unreadable(resp, fmt.Errorf("item %d is not a user object: %w", i, err))
		}
		users = append(users, u)
	}
	return users, meta, nil
}

// itemsKeys are the top-level keys that may hold the users of a page.
func (c *Client) itemsKeys() []string {
	if len(c.m.itemsKey) == 1 {
		return c.m.itemsKey
	}
	return []string{"data", "users", "items", "results", "Resources"}
}

// decodeNestedPage reads a page whose users are at a dotted items_key
// (data.items); the whole object is the paging metadata.
func (c *Client) decodeNestedPage(resp *httpx.Response, body []byte) ([]userapi.User, map[string]any, error) {
	var top map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&top); err != nil {
		return nil, nil, unreadable(resp, err)
	}
	key := strings.Join(c.m.itemsKey, ".")
	v, ok := lookup(top, c.m.itemsKey)
	if !ok {
		return nil, nil, unreadable(resp, fmt.Errorf("no list of users under %q (items_key)", key))
	}
	list, ok := v.([]any)
	if !ok && v != nil {
		return nil, nil, unreadable(resp, fmt.Errorf("%q is not a list of objects", key))
	}
	users := make([]userapi.User, 0, len(list))
	for i, it := range list {
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, nil, unreadable(resp, fmt.Errorf("item %d is not a user object", i))
		}
		users = append(users, c.normalize(obj))
	}
	return users, top, nil
}
