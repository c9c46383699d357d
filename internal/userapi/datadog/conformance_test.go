package datadog_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
	_ "github.com/userctl/userctl/internal/sandbox/datadog" // its sandbox server
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/datadog"
	"github.com/userctl/userctl/internal/userapi/userapitest"
)

// newSandboxBackend returns a client talking to a fresh Datadog sandbox.
func newSandboxBackend(t *testing.T) *datadog.Client {
	t.Helper()
	d, ok := sandbox.LookupDialect("datadog")
	if !ok {
		t.Fatal("the datadog sandbox is not registered")
	}
	srv := httptest.NewServer(d.New(sandbox.NewStore(), sandbox.Options{API: "datadog", APIKey: "k", AppKey: "a"}))
	t.Cleanup(srv.Close)
	c, err := datadog.New(userapi.Profile{Name: "sandbox", URL: srv.URL + d.BasePath, Secrets: map[string]string{"api_key": "k", "app_key": "a"}},
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
			return userapi.CreateRequest{Email: fmt.Sprintf("person%d@example.com", i), Name: fmt.Sprintf("Person %d", i)}
		},
	})
}
