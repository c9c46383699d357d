package sandbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// newTestRouter routes a small API whose errors are "E<status> …" and whose
// handlers echo what they were given.
func newTestRouter() *Router {
	rt := NewRouter(
		func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "E404 %s", r.URL.Path)
		},
		func(w http.ResponseWriter, r *http.Request, allow []string) {
			w.WriteHeader(http.StatusMethodNotAllowed)
			fmt.Fprintf(w, "E405 %s allow=%s", r.Method, strings.Join(allow, ","))
		})
	echo := func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s id=%q rest=%q url=%s pattern=%s", r.Method, r.PathValue("id"), r.PathValue("rest"), r.URL.EscapedPath(), r.Pattern)
	}
	rt.HandleFunc("GET /items", echo)
	rt.HandleFunc("POST /items", echo)
	rt.HandleFunc("DELETE /items/{id}", echo)
	rt.HandleFunc("GET /items/{id}", echo)
	rt.HandleFunc("PUT /items/{id}", echo)
	rt.HandleFunc("GET /dir/{$}", echo)
	rt.HandleFunc("GET /files/{rest...}", echo)
	return rt
}

func TestRouter(t *testing.T) {
	rt := newTestRouter()
	for _, tc := range []struct {
		method, target string
		code           int
		body           string
	}{
		{"GET", "/items", 200, `GET id="" rest="" url=/items pattern=GET /items`},
		{"POST", "/items", 200, `POST id=""`},
		// Wrong method: 405 with the allowed ones, in a fixed order.
		{"PATCH", "/items", 405, "E405 PATCH allow=GET,POST"},
		{"POST", "/items/x", 405, "E405 POST allow=GET,PUT,DELETE"},
		{"OPTIONS", "/items/x", 405, "E405 OPTIONS allow=GET,PUT,DELETE"},
		// HEAD is not GET.
		{"HEAD", "/items/x", 405, "E405 HEAD allow=GET,PUT,DELETE"},
		{"HEAD", "/nope", 404, "E404 /nope"},
		// Unknown paths: 404 in the dialect's shape, never the mux's page.
		{"GET", "/nope", 404, "E404 /nope"},
		{"GET", "/", 404, "E404 /"},
		{"GET", "/items/x/y", 404, "E404 /items/x/y"},
		{"GET", "/Items", 404, "E404 /Items"},
		// No trailing-slash redirects either way.
		{"GET", "/items/", 404, "E404 /items/"},
		{"GET", "/dir", 404, "E404 /dir"},
		{"GET", "/dir/", 200, `GET id="" rest="" url=/dir/`},
		// Escaped segments: one value each, unescaped; the URL as sent.
		{"GET", "/items/a%2Fb", 200, `GET id="a/b" rest="" url=/items/a%2Fb`},
		{"GET", "/items/%2F", 200, `GET id="/" rest="" url=/items/%2F`},
		{"GET", "/items/a%40b", 200, `GET id="a@b" rest="" url=/items/a%40b`},
		{"GET", "/items/a@b", 200, `GET id="a@b"`},
		{"GET", "/items/%00", 200, `GET id="\x00"`},
		// No cleaning (the mux would redirect): dots and empty segments
		// are values, and match no literal.
		{"GET", "/items/.", 200, `GET id="." rest="" url=/items/.`},
		{"PUT", "/items/..", 200, `PUT id=".." rest="" url=/items/..`},
		{"GET", "/items/%2e", 200, `GET id="."`},
		{"GET", "/./items", 404, "E404 /./items"},
		{"GET", "/items/../items", 404, "E404 /items/../items"},
		{"GET", "//items", 404, "E404 //items"},
		{"GET", "/items//", 404, "E404 /items//"},
		{"GET", "/files/a/b%2Fc/./d", 200, `GET id="" rest="a/b/c/./d"`},
	} {
		req := httptest.NewRequest(tc.method, "http://sandbox.test"+tc.target, nil)
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, req)
		if rec.Code != tc.code || !strings.HasPrefix(rec.Body.String(), tc.body) {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.target, rec.Code, rec.Body.String(), tc.code, tc.body)
		}
		if loc := rec.Header().Get("Location"); loc != "" {
			t.Errorf("%s %s: redirected to %s", tc.method, tc.target, loc)
		}
	}
}

// TestRouterServePath routes on another path than the request's, and the
// handler still sees the request as sent.
func TestRouterServePath(t *testing.T) {
	rt := newTestRouter()
	req := httptest.NewRequest("GET", "http://sandbox.test/api/items/a%2Fb/?x=1", nil)
	rec := httptest.NewRecorder()
	rt.ServePath(rec, req, SegmentPath("/items/a"))
	if rec.Code != 200 || rec.Body.String() != `GET id="a" rest="" url=/api/items/a%2Fb/ pattern=GET /items/{id}` {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got := req.PathValue("id"); got != "a" {
		t.Errorf("path value on the request as sent: %q", got)
	}
	rec = httptest.NewRecorder()
	rt.ServePath(rec, req, "items")
	if rec.Code != 404 {
		t.Errorf("a path without its leading slash: %d %s", rec.Code, rec.Body)
	}
	// SegmentPath splits where the unescaped path has a slash.
	for in, want := range map[string]string{"/a/b": "/a/b", "/a b/c": "/a%20b/c", "/": "/", "/a//b": "/a//b", "/é": "/%C3%A9"} {
		if got := SegmentPath(in); got != want {
			t.Errorf("SegmentPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRouterPatternNeedsMethod(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a pattern without a method was accepted")
		}
	}()
	newTestRouter().HandleFunc("/items/{id}/x", func(http.ResponseWriter, *http.Request) {})
}
