package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// basePath is where test servers mount their API, so that a client that
// drops the base URL's path (an absolute-URL mistake) gets 404s.
const basePath = "/api/1"

// testServer is an httptest server on 127.0.0.1 serving h under basePath
// and counting the requests that reach it.
type testServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newServer(t *testing.T, h http.HandlerFunc) *testServer {
	t.Helper()
	ts := &testServer{}
	mux := http.NewServeMux()
	mux.HandleFunc(basePath+"/", func(w http.ResponseWriter, r *http.Request) {
		ts.hits.Add(1)
		h(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "outside the base path: "+r.URL.Path, http.StatusTeapot)
	})
	ts.Server = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// newClient builds a client on ts's base URL with no backoff pauses.
func newClient(t *testing.T, ts *testServer, mod func(*Options)) *Client {
	t.Helper()
	o := Options{BaseURL: ts.URL + basePath, Backoff: func(int) time.Duration { return 0 }, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// relPath strips basePath from a request path.
func relPath(r *http.Request) string { return strings.TrimPrefix(r.URL.EscapedPath(), basePath) }
