package userapitest

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recordingTB keeps the errors a Server reports instead of failing the test.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, format)
}

func (r *recordingTB) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

func send(t *testing.T, method, url, body string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestServerRecordsAndAnswersByRoute(t *testing.T) {
	tb := &recordingTB{TB: t}
	s := NewServer(tb, "/base")
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || !strings.HasSuffix(s.URL, "/base") {
		t.Fatalf("URL = %q", s.URL)
	}
	s.Handle("PUT /users/a%20b", Reply{Status: 502, Body: "first"}, Reply{Status: 201, Body: `{"id":"a b"}`})
	s.Handle("GET /users/a b", Reply{Status: 404, Header: map[string]string{"Content-Type": "text/plain", "X-Trace": "t1"}, Body: "no such user"})
	s.Handle("DELETE /users/x", Reply{Status: 204, Body: "ignored"})
	s.Handle(AnyRoute, Reply{Body: `{"any":true}`})

	type answer struct {
		status int
		ctype  string
		body   string
	}
	for i, tc := range []struct {
		method, path, body string
		want               answer
	}{
		{"PUT", "/users/a%20b?dry=1", `{"password":"p"}`, answer{502, "application/json", "first"}},
		{"PUT", "/users/a%20b", "", answer{201, "application/json", `{"id":"a b"}`}},
		{"PUT", "/users/a%20b", "", answer{201, "application/json", `{"id":"a b"}`}}, // the last reply repeats
		{"GET", "/users/a%20b", "", answer{404, "text/plain", "no such user"}},       // matched decoded
		{"DELETE", "/users/x", "", answer{204, "application/json", ""}},
		{"GET", "/users", "", answer{200, "application/json", `{"any":true}`}},
	} {
		status, h, body := send(t, tc.method, s.URL+tc.path, tc.body, map[string]string{"Authorization": "Bearer tok"})
		if got := (answer{status, h.Get("Content-Type"), body}); got != tc.want {
			t.Errorf("%d: %s %s answered %+v, want %+v", i, tc.method, tc.path, got, tc.want)
		}
	}
	reqs := s.Requests()
	if len(reqs) != 6 {
		t.Fatalf("%d requests recorded, want 6", len(reqs))
	}
	r := reqs[0]
	if r.Method != "PUT" || r.Path != "/users/a b" || r.RawPath != "/users/a%20b" || r.Query != "dry=1" ||
		r.Body != `{"password":"p"}` || r.Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("first request recorded as %+v", r)
	}
	if errs := tb.errors(); len(errs) != 0 {
		t.Errorf("errors reported: %q", errs)
	}
}

func TestServerFailsRequestsOutsideTheBasePathOrTable(t *testing.T) {
	tb := &recordingTB{TB: t}
	s := NewServer(tb, "/base")
	s.Handle("GET /users", Reply{Body: `[]`})
	root := strings.TrimSuffix(s.URL, "/base")

	// An absolute-URL mistake: the client dropped the profile URL's path.
	if status, _, _ := send(t, "GET", root+"/users", "", nil); status != http.StatusNotFound {
		t.Errorf("request outside the base path answered %d, want 404", status)
	}
	if status, _, _ := send(t, "GET", root+"/basement/users", "", nil); status != http.StatusNotFound {
		t.Errorf("request under a longer prefix answered %d, want 404", status)
	}
	if status, _, _ := send(t, "POST", s.URL+"/users", "{}", nil); status != http.StatusNotImplemented {
		t.Errorf("request without a reply answered %d, want 501", status)
	}
	errs := tb.errors()
	if len(errs) != 3 || !strings.Contains(errs[0], "outside the base path") || !strings.Contains(errs[2], "no reply") {
		t.Errorf("errors reported: %q, want two outside the base path and one without reply", errs)
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests recorded, want only the one under the base path", n)
	}
}

func TestServerContentTypeCanBeOmitted(t *testing.T) {
	s := NewServer(t, "/b")
	s.Handle("GET /x", Reply{Header: map[string]string{"content-type": ""}, Body: "raw"})
	_, h, body := send(t, "GET", s.URL+"/x", "", nil)
	if _, set := h["Content-Type"]; set || body != "raw" {
		t.Errorf("Content-Type %q sent (body %q), want none", h.Get("Content-Type"), body)
	}
}
