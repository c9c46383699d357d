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
		size := c.pageSize
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
	switch c.pagination {
	case PageAuto, PagePage:
		q.Set("page", "1")
		q.Set("per_page", strconv.Itoa(size))
	case PageOffset:
		q.Set("offset", "0")
		q.Set("limit", strconv.Itoa(size))
	case PageCursor, PageLink:
		q.Set("limit", strconv.Itoa(size))
	}
	return &pageState{query: q, page: 1}
}

// fetchPages runs in its own goroutine and closes out when done; it stops
// as soon as ctx is cancelled (the consumer went away), or once it has
// fetched stopAfter users (0: all). Where the first two pages show page
// numbers or offsets, the same page size and a total, up to window of the
// pages this loop will ask for next are fetched at once (see ahead); the
// loop still decides every step.
func (c *Client) fetchPages(ctx context.Context, st *pageState, size, stopAfter, window int, out chan<- page) {
	defer close(out)
	seen := map[string]bool{}
	offset := 0
	prevFirst := ""
	var ahead *paging.Ahead[string, fetched]
	defer func() { ahead.Stop() }()
	var bound paging.Boundary
	firstGot, pageNo := 0, 0
	for first := true; st != nil; first = false {
		key := st.url + "?" + st.query.Encode()
		if seen[key] {
			out <- page{err: errkind.Errorf(errkind.Unknown, "pagination loop: the server sent the same next page twice (%s); stopping", httpx.RedactText(key))}
			return
		}
		seen[key] = true
		got, err, ok := ahead.Take(key)
		if !ok {
			got, err = c.fetchPage(ctx, st)
		}
		if err != nil && !first && st.url == "" && !st.query.Has("cursor") && errkind.Of(err) == errkind.NotFound {
			// A page number or offset the client worked out, past the end:
			// some services answer 404 there rather than an empty page.
			return
		}
		if err != nil {
			select {
			case out <- page{err: err}:
			case <-ctx.Done():
			}
			return
		}
		resp, users, meta := got.resp, got.users, got.meta
		if len(users) > 0 {
			if users[0].ID != "" && users[0].ID == prevFirst {
				if st.url == "" && !st.query.Has("cursor") {
					// The service ignores the paging parameters and sent
					// the same page again: that was everyone. (A cursor
					// or a link came from the server, which said there
					// was more: the same page again is a loop.)
					return
				}
				select {
				case out <- page{err: errkind.Errorf(errkind.Unknown, "pagination loop: the server sent the same page twice (%s); stopping", httpx.RedactText(key))}:
				case <-ctx.Done():
				}
				return
			}
			prevFirst = users[0].ID
		}
		offset += len(users)
		next := c.next(st, resp, meta, len(users), size, offset)
		if stopAfter > 0 && offset >= stopAfter {
			next = nil // enough for the caller's limit: no request more
		}
		if first {
			firstGot = len(users)
		} else if pageNo == 1 && window > 1 && len(users) == firstGot {
			// Two pages agree on the page size: predict the rest.
			ahead = c.ahead(ctx, next, meta, len(users), offset, stopAfter, window)
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
	req := httpx.Request{Method: http.MethodGet, Path: c.listPath, Query: st.query}
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
func (c *Client) ahead(ctx context.Context, next *pageState, meta map[string]any, got, offset, stopAfter, window int) *paging.Ahead[string, fetched] {
	if next == nil || next.url != "" || next.query.Has("cursor") || got == 0 {
		return nil
	}
	total, ok := metaInt(meta, "total", "total_count", "totalCount", "total_items", "totalItems", "total_results")
	if !ok || total <= offset {
		return nil
	}
	if stopAfter > 0 {
		total = min(total, stopAfter)
	}
	n := (total - offset + got - 1) / got // pages still to fetch
	var key func(i int) *pageState
	switch {
	case next.query.Get("page") != "" && next.page > 0:
		key = func(i int) *pageState {
			q := cloneQuery(next.query)
			q.Set("page", strconv.Itoa(next.page+i))
			return &pageState{query: q, page: next.page + i}
		}
	case next.query.Has("offset"):
		key = func(i int) *pageState {
			q := cloneQuery(next.query)
			q.Set("offset", strconv.Itoa(offset+i*got))
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

var linkNext = regexp.MustCompile(`<([^>]+)>\s*;[^,]*rel="?next"?`)

// next decides where the next page is, or nil at the end.
func (c *Client) next(cur *pageState, resp *httpx.Response, meta map[string]any, got, size, offset int) *pageState {
	if got == 0 {
		return nil
	}
	mode := c.pagination
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
				if num, err := n.Int64(); err == nil && cur.query.Get("page") != "" {
					q := cloneQuery(cur.query)
					q.Set("page", strconv.FormatInt(num, 10))
					return &pageState{query: q, page: int(num)}
				}
			}
		}
		if hm, ok := meta["has_more"].(bool); ok && !hm {
			return nil
		}
	}
	if mode == PageOffset {
		if !morePages(meta, got, size, offset) {
			return nil
		}
		q := cloneQuery(cur.query)
		q.Set("offset", strconv.Itoa(offset))
		return &pageState{query: q}
	}
	// page + per_page until a short page (or the server's next_page number).
	if !morePages(meta, got, size, offset) {
		if hm, ok := meta["has_more"].(bool); !ok || !hm {
			return nil
		}
	}
	q := cloneQuery(cur.query)
	if q == nil || q.Get("page") == "" {
		return nil
	}
	nextNum := cur.page + 1
	if v, ok := meta["next_page"].(json.Number); ok {
		if n, err := v.Int64(); err == nil {
			nextNum = int(n)
		}
	}
	q.Set("page", strconv.Itoa(nextNum))
	return &pageState{query: q, page: nextNum}
}

// morePages guesses whether a page-number or offset listing goes on after
// a page of got users (offset in all so far), asked for size per page. A
// total in the answer decides; else a full page means more. A page is full
// when it has size users, or as many as the page size the server says it
// used (services cap per_page below what was asked).
func morePages(meta map[string]any, got, size, offset int) bool {
	if total, ok := metaInt(meta, "total", "total_count", "totalCount", "total_items", "totalItems", "total_results"); ok {
		return offset < total
	}
	if got >= size {
		return true
	}
	ps, ok := metaInt(meta, "per_page", "page_size", "perPage", "pageSize", "limit")
	return ok && ps > 0 && got >= ps
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
	if c.idField != "id" {
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
		keys := []string{"data", "users", "items", "results"}
		if c.itemsKey != "" {
			keys = []string{c.itemsKey}
		}
		list, _, raw, ok := scanPageObject(body, keys)
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
	var raws []json.RawMessage
	meta := map[string]any{}
	items, found := body, "the body"
	if len(body) == 0 || body[0] != '[' {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(body, &top); err != nil {
			return nil, nil, unreadable(resp, err)
		}
		keys := []string{"data", "users", "items", "results"}
		if c.itemsKey != "" {
			keys = []string{c.itemsKey}
		}
		found = ""
		for _, k := range keys {
			if raw, ok := top[k]; ok {
				items, found = raw, k
				break
			}
		}
		if found == "" {
			want := "one of data, users, items, results"
			if c.itemsKey != "" {
				want = fmt.Sprintf("%q (items_key)", c.itemsKey)
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
