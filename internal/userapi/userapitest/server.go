package userapitest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// AnyRoute is the route of Server.Handle that answers a request no other
// route matches.
const AnyRoute = "*"

// Reply is a canned response of a Server.
type Reply struct {
	// Status is the status code; 0 means 200.
	Status int
	// Header holds response headers. Content-Type is application/json
	// unless set here; set to "" it is not sent at all.
	Header map[string]string
	// Body is sent as is (not for 204 and 304).
	Body string
}

// Request is one request as a Server received it.
type Request struct {
	Method string
	// Path is the decoded path, relative to the base path ("/users/a b").
	Path string
	// RawPath is the path as sent (escaped), relative to the base path
	// ("/users/a%20b").
	RawPath string
	// Query is the raw query string, without "?".
	Query  string
	Header http.Header
	Body   string
}

// Server is a fake API for dialect wire tests: an httptest server on
// 127.0.0.1 whose API lives under a base path, which records every request
// and answers from a table of canned replies by "METHOD /path".
//
// Because the API is mounted under the base path (like a real API behind a
// proxy, e.g. https://host/ddproxy), a client that builds absolute paths
// ("/api/v1/users" instead of the profile URL + "/api/v1/users") fails the
// test: a request outside the base path is an error. So is a request that
// no route answers.
type Server struct {
	// URL is the base URL to give the client: the server's address and the
	// base path ("http://127.0.0.1:PORT/base").
	URL string

	t      testing.TB
	base   string
	mu     sync.Mutex
	routes map[string][]Reply
	reqs   []Request
}

// NewServer starts a Server whose API is mounted under base (e.g. "/svc",
// not empty, no trailing slash); it is closed when the test ends.
func NewServer(t testing.TB, base string) *Server {
	t.Helper()
	if !strings.HasPrefix(base, "/") || len(base) < 2 || strings.HasSuffix(base, "/") {
		t.Fatalf("userapitest.NewServer: base path %q: want /NAME", base)
	}
	s := &Server{t: t, base: base, routes: map[string][]Reply{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL + base
	return s
}

// Handle sets the replies to the requests of route, "METHOD /path" with the
// path relative to the base path, escaped as sent ("GET /users/a%20b") or
// decoded ("GET /users/a b"), without the query; AnyRoute answers what no
// other route matches. The replies are given in order, the last one
// repeating. Handle replaces the route's earlier replies.
func (s *Server) Handle(route string, replies ...Reply) {
	s.t.Helper()
	if len(replies) == 0 {
		s.t.Fatalf("userapitest.Server.Handle(%q): no reply", route)
	}
	if route != AnyRoute {
		method, path, ok := strings.Cut(route, " ")
		if !ok || method == "" || method != strings.ToUpper(method) || !strings.HasPrefix(path, "/") {
			s.t.Fatalf("userapitest.Server.Handle: route %q: want \"METHOD /path\" or AnyRoute", route)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[route] = append([]Reply(nil), replies...)
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// ServeHTTP records the request and answers it from the table.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.t.Errorf("reading the body of %s %s: %v", r.Method, r.URL, err)
	}
	if !strings.HasPrefix(r.URL.Path, s.base+"/") {
		s.t.Errorf("request outside the base path %s: %s %s", s.base, r.Method, r.URL.EscapedPath())
		http.NotFound(w, r)
		return
	}
	req := Request{
		Method:  r.Method,
		Path:    strings.TrimPrefix(r.URL.Path, s.base),
		RawPath: strings.TrimPrefix(r.URL.EscapedPath(), s.base),
		Query:   r.URL.RawQuery,
		Header:  r.Header.Clone(),
		Body:    string(body),
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	rep, ok := s.next(req.Method+" "+req.RawPath, req.Method+" "+req.Path, AnyRoute)
	s.mu.Unlock()
	if !ok {
		s.t.Errorf("no reply for %s %s", req.Method, req.RawPath)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotImplemented)
		fmt.Fprintf(w, "userapitest: no reply for %s %s\n", req.Method, req.RawPath)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	for k, v := range rep.Header {
		if http.CanonicalHeaderKey(k) == "Content-Type" && v == "" {
			h["Content-Type"] = nil
			continue
		}
		h.Set(k, v)
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if status != http.StatusNoContent && status != http.StatusNotModified {
		_, _ = io.WriteString(w, rep.Body)
	}
}

// next takes the reply of the first of routes that has one: the route's
// first reply, which stays when it is the last. s.mu is held.
func (s *Server) next(routes ...string) (Reply, bool) {
	for _, rt := range routes {
		q := s.routes[rt]
		if len(q) == 0 {
			continue
		}
		if len(q) > 1 {
			s.routes[rt] = q[1:]
		}
		return q[0], true
	}
	return Reply{}, false
}
