package rest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
	_ "github.com/userctl/userctl/internal/sandbox/rest" // its sandbox server
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/rest"
	"github.com/userctl/userctl/internal/userapi/userapitest"
)

func TestConformance(t *testing.T) {
	userapitest.Run(t, userapitest.Harness{
		New: func(t *testing.T) userapi.Backend {
			h, err := sandbox.NewHandler(sandbox.Options{API: "rest"}, sandbox.NewStore())
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			b, err := rest.New(userapi.Profile{Name: "t", API: "rest", URL: srv.URL + "/v1", Values: map[string]string{"page_size": "2"}, Secrets: map[string]string{"token": "tok"}}, userapi.Env{})
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		NewUser: func(i int) userapi.CreateRequest {
			return userapi.CreateRequest{Email: fmt.Sprintf("user%d@example.com", i), Name: fmt.Sprintf("User %d", i), Password: "long-enough-pw"}
		},
	})
}

func TestParallelPaging(t *testing.T) {
	userapitest.RunPaging(t, userapitest.PagingHarness{
		API: "rest",
		New: func(t *testing.T, url string) userapi.Backend {
			b, err := rest.New(userapi.Profile{Name: "t", API: "rest", URL: url, Secrets: map[string]string{"token": "tok"}}, userapi.Env{})
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		Page: func(r *http.Request, _ int) (int, bool) {
			p, err := strconv.Atoi(r.URL.Query().Get("page"))
			return p, err == nil && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/users")
		},
	})
}
