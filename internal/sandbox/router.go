package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Router routes one dialect's requests with http.ServeMux patterns
// ("GET /v1/users/{id}", r.PathValue("id")) and answers what no pattern
// takes in the dialect's own error shape, never with the mux's plain-text
// pages or redirects:
//
//   - A path no pattern matches goes to NotFound; a path some pattern
//     matches with other methods goes to MethodNotAllowed with those
//     methods, in the order GET, POST, PUT, PATCH, DELETE.
//   - HEAD is never routed to a GET pattern: it is answered like any other
//     method no pattern has (the servers the sandbox models answer 405).
//   - Paths are not cleaned: an empty segment ("//") matches a wildcard as
//     the value "" (and no literal), and dot segments ("." and "..") match
//     a wildcard as the values "." and "..", like their escaped forms
//     "%2E" and "%2E%2E".
//   - Wildcards match one escaped segment: "a%2Fb" is the value "a/b", and
//     "%2F" the value "/". A dialect whose server splits the unescaped path
//     instead routes on SegmentPath(r.URL.Path).
//
// Handlers receive the request as the client sent it (URL unchanged), with
// its path values set, even when the dialect routes it on another path
// (see ServePath).
type Router struct {
	mux *http.ServeMux
	// methods holds the methods of the registered patterns.
	methods map[string]bool
	// NotFound answers a path no pattern matches.
	NotFound http.HandlerFunc
	// MethodNotAllowed answers a path that patterns match with other
	// methods only; allow lists them.
	MethodNotAllowed func(w http.ResponseWriter, r *http.Request, allow []string)
}

// allowOrder is the order of the methods passed to MethodNotAllowed.
var allowOrder = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// wildcardRE finds the wildcards of a pattern ("{id}", "{rest...}").
var wildcardRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\}`)

type routingKey struct{}

// routing is what a routed request carries in its context: the request as
// sent, and the escaped segments of the path it is routed on.
type routing struct {
	r    *http.Request
	segs []string
}

// wildcard is a named wildcard of a pattern: its segment, and whether it
// takes the rest of the path ("{name...}").
type wildcard struct {
	name  string
	index int
	multi bool
}

// NewRouter returns a router that answers unrouted requests with notFound
// and notAllowed.
func NewRouter(notFound http.HandlerFunc, notAllowed func(w http.ResponseWriter, r *http.Request, allow []string)) *Router {
	return &Router{mux: http.NewServeMux(), methods: map[string]bool{}, NotFound: notFound, MethodNotAllowed: notAllowed}
}

// HandleFunc registers fn for pattern, which must name its method
// ("GET /v1/users/{id}"). It panics on a pattern without a method, or one
// http.ServeMux refuses.
func (rt *Router) HandleFunc(pattern string, fn http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || strings.HasPrefix(method, "/") {
		panic("sandbox: router pattern without a method: " + pattern)
	}
	rt.methods[method] = true
	var wilds []wildcard
	for i, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if m := wildcardRE.FindStringSubmatch(seg); m != nil && m[0] == seg {
			wilds = append(wilds, wildcard{name: m[1], index: i, multi: m[2] != ""})
		}
	}
	rt.mux.Handle(pattern, &route{wilds: wilds, fn: fn})
}

// route is a registered pattern's handler.
type route struct {
	wilds []wildcard
	fn    http.HandlerFunc
}

// ServeHTTP calls the route's function with the request as sent, its path
// values taken from the path's own segments: the mux saw some of them
// disguised (see Router.routed).
func (rr *route) ServeHTTP(w http.ResponseWriter, routed *http.Request) {
	rc, ok := routed.Context().Value(routingKey{}).(*routing)
	if !ok {
		rr.fn(w, routed)
		return
	}
	for _, wc := range rr.wilds {
		if wc.index >= len(rc.segs) {
			continue
		}
		v := rc.segs[wc.index]
		if wc.multi {
			v = strings.Join(rc.segs[wc.index:], "/")
		}
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		rc.r.SetPathValue(wc.name, v)
	}
	rc.r.Pattern = routed.Pattern
	rr.fn(w, rc.r)
}

// ServeHTTP routes r on its own (escaped) path.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.ServePath(w, r, r.URL.EscapedPath())
}

// ServePath routes r as if its escaped path were path: a dialect whose
// server ignores some differences (trailing slashes, say) routes on the
// path with them removed, and its handlers still see r as sent.
func (rt *Router) ServePath(w http.ResponseWriter, r *http.Request, path string) {
	if !strings.HasPrefix(path, "/") {
		rt.NotFound(w, r)
		return
	}
	routed := rt.routed(r, path)
	h, pattern := rt.handler(routed)
	if h == nil || (r.Method == http.MethodHead && !strings.HasPrefix(pattern, http.MethodHead+" ")) {
		rt.unrouted(w, r, routed)
		return
	}
	routed.Pattern = pattern
	h.ServeHTTP(w, routed)
}

// handler returns the handler of a registered pattern that matches routed,
// or nil: what the mux would answer itself (its 404, 405 and redirects,
// to the path with a trailing slash say) is not the dialect's answer.
func (rt *Router) handler(routed *http.Request) (http.Handler, string) {
	h, pattern := rt.mux.Handler(routed)
	if _, ok := h.(*route); !ok {
		return nil, ""
	}
	return h, pattern
}

// routed returns the request the mux sees: r on path, with the segments
// the mux would not take as they are disguised. Empty and dot segments
// would be cleaned away (with a redirect), and a lone "%2F" would not match
// a wildcard (the mux takes its value "/" for a trailing slash): they
// become segments no pattern names ("%00", "%2E"), and the handlers get
// their values from the real segments, kept in the context with r. (The
// last segment, empty after a trailing slash, stays as it is.)
func (rt *Router) routed(r *http.Request, path string) *http.Request {
	segs := strings.Split(path[1:], "/")
	disguised := make([]string, len(segs))
	for i, s := range segs {
		switch {
		case s == "." || s == "..":
			disguised[i] = strings.Repeat("%2E", len(s))
		case strings.EqualFold(s, "%2F") || (s == "" && i < len(segs)-1):
			disguised[i] = "%00"
		default:
			disguised[i] = s
		}
	}
	routedPath := "/" + strings.Join(disguised, "/")
	unescaped, err := url.PathUnescape(routedPath)
	if err != nil {
		unescaped = r.URL.Path
	}
	routed := r.WithContext(context.WithValue(r.Context(), routingKey{}, &routing{r: r, segs: segs}))
	u := *r.URL
	u.Path, u.RawPath = unescaped, routedPath
	routed.URL = &u
	return routed
}

// SegmentPath returns the escaped path whose segments are those of the
// unescaped path p: an escaped "/" in the request separates segments too.
func SegmentPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// unrouted answers a request no pattern takes: 405 when some pattern
// matches its path with another method, else 404.
func (rt *Router) unrouted(w http.ResponseWriter, r, routed *http.Request) {
	var allow []string
	for _, m := range allowOrder {
		if !rt.methods[m] || m == r.Method {
			continue
		}
		probe := routed.Clone(routed.Context())
		probe.Method = m
		if h, _ := rt.handler(probe); h != nil {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		rt.NotFound(w, r)
		return
	}
	rt.MethodNotAllowed(w, r, allow)
}
