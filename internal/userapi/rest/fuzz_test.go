package rest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/rest"
)

type bodyTransport struct {
	status int
	body   []byte
}

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(b.body)), Request: r}, nil
}

// FuzzDecode feeds arbitrary bodies to the list and get decoders: no panic,
// no endless paging, and every failure is an *errkind.Error with a message.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"a","roles":["x"],"created_at":"2024-01-01T00:00:00Z"}],"next_page":null}`), 200)
	f.Add([]byte(`[{"id":1,"email":null}]`), 200)
	f.Add([]byte(`{"users":[{"id":"a"}],"next":"http://other/x"}`), 200)
	f.Add([]byte(`{"items":"nope"}`), 200)
	f.Add([]byte(`<html><title>502</title></html>`), 502)
	f.Add([]byte(`{"error":"x"}`), 404)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 200 || status > 599 {
			status = 200
		}
		b, err := rest.New(userapi.Profile{Name: "f", URL: "http://api.test/v1", Secrets: map[string]string{"token": "t"}},
			userapi.Env{Transport: bodyTransport{status, body}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err := range b.ListUsers(context.Background(), userapi.ListOptions{Limit: 1000}) {
			if err != nil {
				if err.Error() == "" {
					t.Fatal("empty error message")
				}
				break
			}
			n++
		}
		if _, err := b.GetUser(context.Background(), "x"); err != nil && err.Error() == "" {
			t.Fatal("empty error message")
		}
	})
}
