package scim_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
	_ "github.com/userctl/userctl/internal/sandbox/scim" // its sandbox server
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/scim"
	"github.com/userctl/userctl/internal/userapi/userapitest"
)

// newSandboxBackend returns a client of a fresh scim sandbox that requires
// exactly the token the client sends.
func newSandboxBackend(t *testing.T, pageSize string) *scim.Client {
	t.Helper()
	h, err := sandbox.NewHandler(sandbox.Options{API: "scim", Token: "scim-token"}, sandbox.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := scim.New(userapi.Profile{Name: "t", API: "scim", URL: srv.URL + h.Dialect().BasePath, Values: map[string]string{"page_size": pageSize}, Secrets: map[string]string{"token": "scim-token"}}, userapi.Env{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	userapitest.Run(t, userapitest.Harness{
		New: func(t *testing.T) userapi.Backend { return newSandboxBackend(t, "2") },
		NewUser: func(i int) userapi.CreateRequest {
			return userapi.CreateRequest{Username: fmt.Sprintf("person%d", i), Email: fmt.Sprintf("person%d@example.com", i),
				Name: fmt.Sprintf("Person %d", i), Password: "long-enough-pw"}
		},
	})
}

func TestParallelPaging(t *testing.T) {
	userapitest.RunPaging(t, userapitest.PagingHarness{
		API: "scim",
		New: func(t *testing.T, url string) userapi.Backend {
			c, err := scim.New(userapi.Profile{Name: "t", API: "scim", URL: url, Secrets: map[string]string{"token": "tok"}}, userapi.Env{Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		Page: func(r *http.Request, size int) (int, bool) {
			s, err := strconv.Atoi(r.URL.Query().Get("startIndex"))
			return (s-1)/size + 1, err == nil && s >= 1 && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Users")
		},
	})
}
