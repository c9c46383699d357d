package udata

import (
	"fmt"
	"net/http"
	"strconv"
)

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
