package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/scim"
)

// bodyTransport answers every request with one status and body.
type bodyTransport struct {
	status int
	body   []byte
}

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.status, Header: http.Header{"Content-Type": {"application/scim+json"}},
		Body: io.NopCloser(bytes.NewReader(b.body)), Request: r}, nil
}

// FuzzDecode feeds arbitrary bodies to the list, get and update paths: no
// panic, no endless paging, every user normalized to the JSON contract,
// and every failure an *errkind.Error with a one-line message.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"totalResults":2,"Resources":[{"id":"a","emails":[{"value":1}],"active":"yes"}]}`), 200)
	f.Add([]byte(`{"Resources":[{"id":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":null}}}]}`), 200)
	f.Add([]byte(`{"totalResults":-5,"startIndex":0,"Resources":null}`), 200)
	f.Add([]byte(`{"id":"a","meta":{"created":"yesterday"},"groups":[{}]}`), 200)
	f.Add([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":409,"scimType":"uniqueness\n\u001b[31m","detail":"x"}`), 409)
	f.Add([]byte(`<html><title>502</title></html>`), 502)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 200 || status > 599 || status == 204 || status == 304 || status == 429 || status == 503 {
			status = 200
		}
		b, err := scim.New(userapi.Profile{Name: "f", URL: "http://api.test/scim/v2", Secrets: map[string]string{"token": "t"}},
			userapi.Env{Transport: bodyTransport{status, body}, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		check := func(u userapi.User, err error) {
			if err != nil {
				var e *errkind.Error
				if !errors.As(err, &e) || e.Error() == "" || bytes.ContainsAny([]byte(e.Error()), "\n\x1b") {
					t.Fatalf("error %T %q", err, err)
				}
				return
			}
			if _, err := json.Marshal(u); err != nil {
				t.Fatal(err)
			}
		}
		n := 0
		for u, err := range b.ListUsers(ctx, userapi.ListOptions{}) {
			check(u, err)
			if n++; n > 10000 {
				t.Fatal("endless listing")
			}
		}
		check(b.GetUser(ctx, "a"))
		check(b.DisableUser(ctx, "a"))
	})
}
