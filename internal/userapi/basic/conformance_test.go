package basic_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
	_ "github.com/userctl/userctl/internal/sandbox/basic" // its sandbox server
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/basic"
	"github.com/userctl/userctl/internal/userapi/userapitest"
)

// newSandboxBackend returns a client talking to a fresh basic sandbox that
// requires exactly the credentials the client sends.
func newSandboxBackend(t *testing.T) *basic.Client {
	t.Helper()
	d, ok := sandbox.LookupDialect("basic")
	if !ok {
		t.Fatal("the basic sandbox is not registered")
	}
	srv := httptest.NewServer(d.New(sandbox.NewStore(), sandbox.Options{API: "basic", Username: "admin", Password: "admin-password"}))
	t.Cleanup(srv.Close)
	c, err := basic.New(userapi.Profile{Name: "sandbox", URL: srv.URL + d.BasePath, Values: map[string]string{"username": "admin"}, Secrets: map[string]string{"password": "admin-password"}},
		userapi.Env{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	userapitest.Run(t, userapitest.Harness{
		New: func(t *testing.T) userapi.Backend { return newSandboxBackend(t) },
		NewUser: func(i int) userapi.CreateRequest {
			return userapi.CreateRequest{Username: fmt.Sprintf("person%d", i), Password: fmt.Sprintf("pass-word-%d", i)}
		},
	})
}
