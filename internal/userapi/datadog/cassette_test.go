package datadog_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/datadog"
)

// cassette is what both recording formats of specs/datadog-cassettes share.
type cassette struct {
	Interactions []struct {
		Request struct {
			Body   string `yaml:"body"`
			Method string `yaml:"method"`
			URL    string `yaml:"url"`
		} `yaml:"request"`
		Response struct {
			Body    string              `yaml:"body"`
			Code    int                 `yaml:"code"`
			Headers map[string][]string `yaml:"headers"`
		} `yaml:"response"`
	} `yaml:"interactions"`
}

// TestCassetteReplay serves each recorded v1 response of the real API to the
// client's matching verb and checks what the client makes of it.
func TestCassetteReplay(t *testing.T) {
	dir := filepath.Join(specsDir(t), "datadog-cassettes")
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(dir, "go-api-tests", "*.yaml"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatalf("no cassettes in %s", dir)
	}
	replayed := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cs cassette
		if err := yaml.Unmarshal(raw, &cs); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for i, in := range cs.Interactions {
			u, err := url.Parse(in.Request.URL)
			if err != nil || !strings.HasPrefix(u.Path, "/api/v1/user") {
				continue // the v2 recordings are for comparison only
			}
			name := filepath.Base(file) + "#" + strconv.Itoa(i)
			t.Run(name, func(t *testing.T) {
				replay(t, in.Request.Method, u, in.Request.Body, in.Response.Code, in.Response.Headers, in.Response.Body)
			})
			replayed++
		}
	}
	if replayed < 20 {
		t.Errorf("replayed only %d interactions", replayed)
	}
}

func replay(t *testing.T, method string, u *url.URL, reqBody string, code int, headers map[string][]string, respBody string) {
	var sent *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent = r
		_, _ = io.ReadAll(r.Body)
		for k, vs := range headers {
			if strings.EqualFold(k, "Content-Length") {
				continue
			}
			w.Header()[http.CanonicalHeaderKey(k)] = vs
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, respBody)
	}))
	defer srv.Close()
	c, err := datadog.New(userapi.Profile{URL: srv.URL, Secrets: map[string]string{"api_key": "k", "app_key": "a"}},
		userapi.Env{Timeout: 5 * time.Second, MaxRetryWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	handle := strings.TrimPrefix(strings.TrimPrefix(u.Path, "/api/v1/user"), "/")

	var recorded struct {
		User *struct {
			Handle   string `json:"handle"`
			Disabled bool   `json:"disabled"`
		} `json:"user"`
		Message string   `json:"message"`
		Errors  []string `json:"errors"`
	}
	_ = json.Unmarshal([]byte(respBody), &recorded)

	var got userapi.User
	switch {
	case code >= 400:
		// Errors: the kind of the status and the server's own text.
		if method == http.MethodGet && handle == "" {
			for _, e := range c.ListUsers(ctx, userapi.ListOptions{}) {
				err = e
			}
		} else if method == http.MethodGet {
			_, err = c.GetUser(ctx, handle)
		} else if method == http.MethodDelete {
			_, err = c.DeleteUser(ctx, handle, userapi.DeleteOptions{})
		} else {
			var resp *http.Response
			resp, err = c.Raw(ctx, method, u.Path, []byte(reqBody), nil)
			if resp != nil {
				resp.Body.Close()
			}
		}
		want := errkind.ForStatus(code)
		if method == http.MethodDelete && slices.Contains(recorded.Errors, "User is already disabled") {
			want = errkind.NotFound // as deleted as Datadog allows
		}
		if k := errkind.Of(err); k != want {
			t.Fatalf("%s %s → %d: kind %v (%v), want %v", method, u.Path, code, k, err, want)
		}
		for _, m := range recorded.Errors {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("error %q lacks the server's %q", err, m)
			}
		}
		return
	case method == http.MethodGet && handle == "":
		for u, err := range c.ListUsers(ctx, userapi.ListOptions{}) {
			if err != nil || u.ID == "" {
				t.Fatalf("list: %+v, %v", u, err)
			}
		}
		return
	case method == http.MethodGet:
		got, err = c.GetUser(ctx, handle)
	case method == http.MethodPut:
		var body struct {
			Name       *string `json:"name"`
			AccessRole *string `json:"access_role"`
			Disabled   *bool   `json:"disabled"`
		}
		if err := json.Unmarshal([]byte(reqBody), &body); err != nil {
			t.Fatal(err)
		}
		req := userapi.UpdateRequest{Name: body.Name}
		if body.AccessRole != nil {
			req.Roles = &[]string{*body.AccessRole}
		}
		if body.Disabled != nil {
			s := userapi.StatusActive
			if *body.Disabled {
				s = userapi.StatusDisabled
			}
			req.Status = &s
		}
		got, err = c.UpdateUser(ctx, handle, req)
	case method == http.MethodPost:
		var body struct {
			Handle     string  `json:"handle"`
			Email      string  `json:"email"`
			Name       string  `json:"name"`
			AccessRole *string `json:"access_role"`
		}
		if err := json.Unmarshal([]byte(reqBody), &body); err != nil {
			t.Fatal(err)
		}
		req := userapi.CreateRequest{Username: body.Handle, Email: body.Email, Name: body.Name}
		if body.AccessRole != nil {
			req.Roles = []string{*body.AccessRole}
		}
		got, err = c.CreateUser(ctx, req)
		if recorded.User != nil && recorded.User.Disabled {
			// The documented quirk: a create over a disabled user.
			if errkind.Of(err) != errkind.Conflict || got.Status != userapi.StatusDisabled {
				t.Fatalf("create answered with a disabled user: %+v, %v; want it with a conflict", got, err)
			}
			return
		}
	case method == http.MethodDelete:
		res, err := c.DeleteUser(ctx, handle, userapi.DeleteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Message != recorded.Message || res.Action != "disabled" {
			t.Fatalf("delete result %+v, want message %q", res, recorded.Message)
		}
		return
	default:
		t.Skipf("no verb for %s", method)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, u.Path, err)
	}
	if sent == nil || sent.Method != method {
		t.Fatalf("the client sent %v, recorded %s", sent, method)
	}
	if recorded.User == nil || got.ID != recorded.User.Handle || got.Username != got.ID {
		t.Fatalf("user %+v from %s", got, respBody)
	}
	if len(got.Roles) != 1 || !strings.Contains(" st adm ro ERROR ", " "+got.Roles[0]+" ") {
		t.Errorf("roles %v", got.Roles)
	}
	if recorded.User.Disabled != (got.Status == userapi.StatusDisabled) {
		t.Errorf("status %q for disabled=%v", got.Status, recorded.User.Disabled)
	}
	for _, k := range []string{"verified", "icon", "access_role"} {
		if _, ok := got.Extra[k]; !ok {
			t.Errorf("extra.%s missing", k)
		}
	}
}
