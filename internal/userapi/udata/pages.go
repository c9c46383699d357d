package udata

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi/paging"
)

// page is one fetched page, or the error that ended the listing.
type page[T any] struct {
	items []T
	err   error
}

// pager says how a listing's pages are fetched: up to window at once
// where the answers allow it (1: one after another), and, when id is set,
// which entries a page repeats from the one before (see paging.Boundary).
type pager[T any] struct {
	window int
	id     func(T) string
}

// stream yields the items of a paginated endpoint, converted by conv (which
// drops an item by returning false when filter is true), at most limit of
// them (0: all). Without a filter no page is fetched past the limit. The
// pages are fetched by other goroutines while the consumer handles the
// current one; they end when the listing does, when the consumer stops, or
// when ctx ends.
func stream[T, U any](ctx context.Context, c *Client, what, path string, q url.Values, limit int, filter bool, pg pager[T], conv func(T) (U, bool)) iter.Seq2[U, error] {
	return func(yield func(U, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		pages := make(chan page[T], 1)
		enough := 0
		if !filter {
			enough = limit
		}
		go fetchPages(ctx, c, what, path, q, enough, pg, pages)
		n := 0
		for p := range pages {
			for _, it := range p.items {
				u, ok := conv(it)
				if !ok {
					continue
				}
				if !yield(u, nil) {
					return
				}
				n++
				if limit > 0 && n >= limit {
					return
				}
			}
			if p.err != nil {
				var zero U
				yield(zero, p.err)
				return
			}
		}
	}
}

// fetchPages requests pages until next_page is null (asking past the end
// is a 404 on udata), or until it has enough items (0: no bound), and sends
// them to out, which it closes when done. Once pages 1 and 2 agree on the
// page size, the pages its next_page links will name (page 3, 4, … of the
// same query, up to the total) are fetched pg.window at a time ahead of the
// loop, which still follows next_page and takes a fetched page only when
// its link names exactly that page.
func fetchPages[T any](ctx context.Context, c *Client, what, path string, q url.Values, enough int, pg pager[T], out chan<- page[T]) {
	defer close(out)
	send := func(p page[T]) bool {
		select {
		case out <- p:
			return true
		case <-ctx.Done():
			return false
		}
	}
	req := httpx.Request{Method: http.MethodGet, Path: path, Query: q}
	seen := map[string]bool{}
	fetched := 0
	var ahead *paging.Ahead[string, wirePage[T]]
	defer func() { ahead.Stop() }()
	var bound paging.Boundary
	key := ""
	firstLen, pageNo := 0, 0
	for first := true; ; first = false {
		p, err, ok := ahead.Take(key)
		if !ok {
			p, err = fetchPage[T](ctx, c, what, req)
		}
		if err != nil {
			send(page[T]{err: err})
			return
		}
		got := len(p.Data)
		items := p.Data
		if pg.id != nil {
			items = paging.Page(&bound, items, pg.id)
		}
		if !send(page[T]{items: items}) {
			return
		}
		fetched += got
		next := strings.TrimSpace(p.NextPage)
		if next == "" || got == 0 || (enough > 0 && fetched >= enough) {
			return
		}
		if seen[next] {
			send(page[T]{err: errkind.Errorf(errkind.Unknown,
				"pagination loop: the server sent the same next_page twice (%s); stopping", httpx.RedactText(next))})
			return
		}
		seen[next] = true
		if first {
			firstLen = got
		} else if pageNo == 1 && pg.window > 1 && got == firstLen {
			// Two pages agree on the page size: predict the rest.
			ahead = startAhead(ctx, c, what, path, q, p, fetched, enough, pg.window)
		}
		pageNo++
		key = pageKey(path, next)
		req, err = c.nextRequest(path, next)
		if err != nil {
			send(page[T]{err: err})
			return
		}
	}
}

// fetchPage requests and decodes one page.
func fetchPage[T any](ctx context.Context, c *Client, what string, req httpx.Request) (wirePage[T], error) {
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		return wirePage[T]{}, err
	}
	var p wirePage[T]
	if err := json.Unmarshal(resp.Body, &p); err != nil {
		return wirePage[T]{}, unreadable(what, err)
	}
	return p, nil
}

// pageKey names the page a next_page link points to, by its query, when
// the link is to the listing's own path; "" matches no prediction.
func pageKey(path, next string) string {
	u, err := url.Parse(next)
	if err != nil || !strings.HasSuffix(u.Path, path) {
		return ""
	}
	return u.Query().Encode()
}

// startAhead starts fetching the pages after cur (fetched items so far),
// as many as cur's total and page_size say there are (enough bounds them),
// up to window at once.
func startAhead[T any](ctx context.Context, c *Client, what, path string, q url.Values, cur wirePage[T], fetched, enough, window int) *paging.Ahead[string, wirePage[T]] {
	size := cur.PageSize
	if size <= 0 {
		size = len(cur.Data)
	}
	total := cur.Total
	if enough > 0 {
		total = min(total, enough)
	}
	if cur.Page < 1 || size <= 0 || total <= fetched {
		return nil
	}
	n := (total - fetched + size - 1) / size
	query := func(i int) url.Values {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = append([]string(nil), v...)
		}
		pq.Set("page", strconv.Itoa(cur.Page+1+i))
		pq.Set("page_size", strconv.Itoa(size))
		return pq
	}
	return paging.Start(ctx, n, func(i int) string { return query(i).Encode() }, paging.Fit(window, size),
		func(ctx context.Context, key string) (wirePage[T], error) {
			pq, err := url.ParseQuery(key)
			if err != nil {
				return wirePage[T]{}, err
			}
			return fetchPage[T](ctx, c, what, httpx.Request{Method: http.MethodGet, Path: path, Query: pq})
		})
}

// nextRequest turns a next_page URL into the next request. A URL on the
// profile's own origin is followed as is; one on another host or scheme
// (a server behind a proxy that does not know its public name) only lends
// its query to the listing's own path, so the API key never goes elsewhere.
func (c *Client) nextRequest(path, next string) (httpx.Request, error) {
	u, err := url.Parse(next)
	if err != nil {
		return httpx.Request{}, errkind.Errorf(errkind.Unknown, "unreadable next_page %q from the server: %v", next, err)
	}
	base := c.http.BaseURL()
	if u.IsAbs() && base != nil && strings.EqualFold(u.Host, base.Host) && u.Scheme == base.Scheme {
		return httpx.Request{Method: http.MethodGet, Path: next}, nil
	}
	return httpx.Request{Method: http.MethodGet, Path: path, Query: u.Query()}, nil
}
