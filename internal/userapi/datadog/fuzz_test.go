package datadog_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/datadog"
)

// bodyTransport answers every request with one status and body.
type bodyTransport struct {
	status int
	ctype  string
	body   []byte
}

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: b.status, Header: http.Header{"Content-Type": {b.ctype}},
		Body: io.NopCloser(bytes.NewReader(b.body)), Request: r}, nil
}

// wantError fails unless err is nil or an *errkind.Error with a one-line
// message.
func wantError(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *errkind.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %T %v, want an *errkind.Error", what, err, err)
	}
	msg := err.Error()
	if msg == "" || bytes.ContainsAny([]byte(msg), "\n\r") {
		t.Fatalf("%s: message %q is not one non-empty line", what, msg)
	}
}

// FuzzResponses feeds arbitrary bodies, as success and as error answers,
// to every decoder of the client (user, users list, disable, error bodies):
// no panic, and every failure is an *errkind.Error with a one-line message.
func FuzzResponses(f *testing.F) {
	f.Add(200, `{"user": {"handle": "ada@example.com", "email": "ada@example.com", "name": "Ada", "access_role": "st", "verified": true, "disabled": false, "icon": "x"}}`)
	f.Add(200, `{"users": [{"handle": "a@example.com", "access_role": "adm"}, {"handle": "b@example.com", "disabled": true}]}`)
	f.Add(200, `{"users": [null, 1, "x", {"handle": null}]}`)
	f.Add(200, `{"user": null}`)
	f.Add(200, `{"message": "User ada@example.com disabled"}`)
	f.Add(200, `[]`)
	f.Add(200, ``)
	f.Add(400, `{"errors": ["Invalid handle", "Email is invalid"]}`)
	f.Add(403, `{"errors": ["Forbidden"]}`)
	f.Add(404, `{"errors": {"handle": ["not found"]}}`)
	f.Add(409, `{"errors": ["User already exists"]}`)
	f.Add(502, "<html><head><title>502 Bad Gateway</title></head></html>")
	f.Fuzz(func(t *testing.T, status int, body string) {
		// No 429, 5xx or 3xx: the client would pause between its retries
		// (their error bodies go through the same decoder as a 4xx's).
		switch {
		case status >= 500 && status <= 599:
			status = 400 + status%100
		case status < 200 || status > 599 || (status >= 300 && status < 400):
			status = 200
		}
		if status == http.StatusTooManyRequests {
			status = http.StatusBadRequest
		}
		c, err := datadog.New(userapi.Profile{Name: "f", API: "datadog", URL: "http://api.test", Secrets: map[string]string{"api_key": "k", "app_key": "a"}},
			userapi.Env{Transport: bodyTransport{status, "application/json", []byte(body)}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		n := 0
		for _, err := range c.ListUsers(ctx, userapi.ListOptions{}) {
			wantError(t, "list", err)
			if err != nil || n > 100000 {
				break
			}
			n++
		}
		_, err = c.GetUser(ctx, "ada@example.com")
		wantError(t, "get", err)
		_, _, err = c.FindUser(ctx, "ada@example.com")
		wantError(t, "find", err)
		_, err = c.CreateUser(ctx, userapi.CreateRequest{Email: "new@example.com", Name: "New"})
		wantError(t, "create", err)
		name := "Renamed"
		_, err = c.UpdateUser(ctx, "ada@example.com", userapi.UpdateRequest{Name: &name})
		wantError(t, "update", err)
		_, err = c.DisableUser(ctx, "ada@example.com")
		wantError(t, "disable", err)
		_, err = c.DeleteUser(ctx, "ada@example.com", userapi.DeleteOptions{})
		wantError(t, "delete", err)
		_, err = c.Check(ctx)
		wantError(t, "check", err)
	})
}
