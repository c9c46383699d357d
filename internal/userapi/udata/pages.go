package udata

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
)

// page is one fetched page, or the error that ended the listing.
type page[T any] struct {
	items []T
	err   error
}

// stream yields the items of a paginated endpoint, converted by conv (which
// drops an item by returning false when filter is true), at most limit of
// them (0: all). Without a filter no page is fetched past the limit. The
// next page is fetched by one goroutine while the consumer handles the
// current one; the goroutine ends when the listing does, when the consumer
// stops, or when ctx ends.
func stream[T, U any](ctx context.Context, c *Client, what, path string, q url.Values, limit int, filter bool, conv func(T) (U, bool)) iter.Seq2[U, error] {
	return func(yield func(U, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		pages := make(chan page[T], 1)
		enough := 0
		if !filter {
			enough = limit
		}
		go fetchPages(ctx, c, what, path, q, enough, pages)
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
// them to out, which it closes when done.
func fetchPages[T any](ctx context.Context, c *Client, what, path string, q url.Values, enough int, out chan<- page[T]) {
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
	for {
		resp, err := c.http.Do(ctx, req)
		if err != nil {
			send(page[T]{err: err})
			return
		}
		var p wirePage[T]
		if err := json.Unmarshal(resp.Body, &p); err != nil {
			send(page[T]{err: unreadable(what, err)})
			return
		}
		if !send(page[T]{items: p.Data}) {
			return
		}
		fetched += len(p.Data)
		next := strings.TrimSpace(p.NextPage)
		if next == "" || len(p.Data) == 0 || (enough > 0 && fetched >= enough) {
			return
		}
		if seen[next] {
			send(page[T]{err: errkind.Errorf(errkind.Unknown,
				"pagination loop: the server sent the same next_page twice (%s); stopping", httpx.RedactText(next))})
			return
		}
		seen[next] = true
		req, err = c.nextRequest(path, next)
		if err != nil {
			send(page[T]{err: err})
			return
		}
	}
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
