package basic_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/basic"
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
// to every decoder of the client (user, {"value": user}, users list, error
// bodies): no panic, and every failure is an *errkind.Error with a one-line
// message that never shows the passwords sent.
func FuzzResponses(f *testing.F) {
	f.Add(200, `{"username": "alice", "admin": true}`)
	f.Add(200, `{"value": {"username": "alice", "admin": false}}`)
	f.Add(200, `[{"username": "alice", "admin": true}, {"username": "bob"}]`)
	f.Add(200, `{"value": [{"username": "alice"}]}`)
	f.Add(200, `[null, 1, "x", {"username": null}]`)
	f.Add(200, `"ok"`)
	f.Add(200, ``)
	f.Add(400, `{"error": "Username already existed"}`)
	f.Add(400, `{"message": "password old-secret-pw is too short"}`)
	f.Add(401, `Unauthorized`)
	f.Add(404, `{"error": "User not found", "code": 404}`)
	f.Add(409, `{"value": "conflict"}`)
	f.Add(502, "<html><head><title>502 Bad Gateway</title></head></html>")
	const oldPW, newPW = "old-secret-pw", "new-secret-pw"
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
		c, err := basic.New(userapi.Profile{Name: "f", API: "basic", URL: "http://api.test", Values: map[string]string{"username": "admin"}, Secrets: map[string]string{"password": "admin-pw"}},
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
		_, err = c.GetUser(ctx, "alice")
		wantError(t, "get", err)
		_, _, err = c.FindUser(ctx, "alice")
		wantError(t, "find", err)
		_, err = c.CreateUser(ctx, userapi.CreateRequest{Username: "newbie", Password: newPW})
		wantError(t, "create", err)
		if err != nil && !strings.Contains(body, newPW) && strings.Contains(err.Error(), newPW) {
			t.Fatalf("create: error shows the password: %v", err)
		}
		_, err = c.SetPassword(ctx, "alice", userapi.PasswordChange{Current: oldPW, New: newPW})
		wantError(t, "passwd", err)
		for _, pw := range []string{oldPW, newPW} {
			if err != nil && !strings.Contains(body, pw) && strings.Contains(err.Error(), pw) {
				t.Fatalf("passwd: error shows a password: %v", err)
			}
		}
		_, err = c.DeleteUser(ctx, "alice", userapi.DeleteOptions{})
		wantError(t, "delete", err)
		_, err = c.Check(ctx)
		wantError(t, "check", err)
	})
}
