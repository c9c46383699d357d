package datadog_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// specsDir returns the vendored Datadog specs (testdata/specs: the OpenAPI
// extract and the recorded cassettes, Apache-2.0, see its NOTICE.md). They
// are part of the repository, so these oracles run in every clone.
func specsDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("testdata", "specs")
	if _, err := os.Stat(filepath.Join(dir, "datadog-v1-users.openapi.yaml")); err != nil {
		t.Fatalf("vendored Datadog specs missing: %v", err)
	}
	return dir
}

// loadSpec loads and validates the Datadog OpenAPI extract.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	dir := specsDir(t)
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(dir, "datadog-v1-users.openapi.yaml"))
	if err != nil {
		t.Fatalf("loading the OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	return doc
}

// headerKeyAuth accepts an apiKey scheme in a header when the header is
// present, and nothing else (the OAuth alternative).
func headerKeyAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s.Type == "apiKey" && s.In == "header" {
		if in.RequestValidationInput.Request.Header.Get(s.Name) == "" {
			return errors.New("missing " + s.Name)
		}
		return nil
	}
	return errors.New("scheme not used by userctl")
}

// specValidator wraps a handler: it validates each request against the
// document, then the handler's response, and reports violations to t.
type specValidator struct {
	t        *testing.T
	next     http.Handler
	mu       sync.Mutex
	router   routers.Router
	requests atomic.Int64
}

func (v *specValidator) setRouter(r routers.Router) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.router = r
}

func (v *specValidator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	router := v.router
	v.mu.Unlock()
	v.requests.Add(1)
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := router.FindRoute(r)
	if err != nil {
		v.t.Errorf("%s %s is not an operation of the spec: %v", r.Method, r.URL.Path, err)
		v.next.ServeHTTP(w, r)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: headerKeyAuth, MultiError: true}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		v.t.Errorf("request %s %s %s violates the spec: %v", r.Method, r.URL.Path, body, err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	v.next.ServeHTTP(rec, r)
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
		Body:    io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
		v.t.Errorf("response %d to %s %s violates the spec: %v\n%s", rec.Code, r.Method, r.URL.Path, err, rec.Body.Bytes())
	}
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// newValidatedServer serves next behind a spec validator on 127.0.0.1.
func newValidatedServer(t *testing.T, doc *openapi3.T, next http.Handler) (*httptest.Server, *specValidator) {
	t.Helper()
	v := &specValidator{t: t, next: next}
	srv := httptest.NewServer(v)
	t.Cleanup(srv.Close)
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	v.setRouter(router)
	return srv, v
}
