package basic_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/sandbox"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/basic"
)

// TestDebugLogNeverShowsPasswords runs create and passwd (both successful
// and failing) against the sandbox with the debug log on: neither the
// profile's password, its Basic header, nor any user password shows up,
// while the log does show the requests.
func TestDebugLogNeverShowsPasswords(t *testing.T) {
	const (
		profilePass = "profile-secret-5150"
		userPass    = "first-secret-1234"
		newPass     = "second-secret-5678"
		wrongPass   = "wrong-secret-0000"
		shortPass   = "zq9x7"
	)
	d, ok := sandbox.LookupDialect("basic")
	if !ok {
		t.Fatal("the basic sandbox is not registered")
	}
	srv := httptest.NewServer(d.New(sandbox.NewStore(), sandbox.Options{API: "basic"}))
	t.Cleanup(srv.Close)
	var log bytes.Buffer
	c, err := basic.New(userapi.Profile{Name: "sb", URL: srv.URL + d.BasePath, Values: map[string]string{"username": "root"}, Secrets: map[string]string{"password": profilePass}},
		userapi.Env{Timeout: 10 * time.Second, Debug: &log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var errs []error
	if _, err := c.CreateUser(ctx, userapi.CreateRequest{Username: "alice", Password: userPass}); err != nil {
		t.Fatalf("create: %v", err)
	}
	_, err = c.CreateUser(ctx, userapi.CreateRequest{Username: "alice", Password: userPass})
	if errkind.Of(err) != errkind.Conflict {
		t.Errorf("second create: %v, want conflict", err)
	}
	errs = append(errs, err)
	_, err = c.SetPassword(ctx, "alice", userapi.PasswordChange{Current: wrongPass, New: newPass})
	if errkind.Of(err) != errkind.Auth {
		t.Errorf("passwd with a wrong current password: %v, want auth", err)
	}
	errs = append(errs, err)
	if _, err := c.SetPassword(ctx, "alice", userapi.PasswordChange{Current: userPass, New: newPass}); err != nil {
		t.Fatalf("passwd: %v", err)
	}
	_, err = c.SetPassword(ctx, "alice", userapi.PasswordChange{Current: userPass, New: newPass})
	if errkind.Of(err) != errkind.Auth {
		t.Errorf("passwd with the old password: %v, want auth", err)
	}
	errs = append(errs, err)
	// The server's own validator error, through Raw (the client would not
	// send a short password).
	resp, err := c.Raw(ctx, "PUT", "/api/v1/users/bob", []byte(`{"value":{"password":"`+shortPass+`"}}`), nil)
	if resp == nil || resp.StatusCode != 400 {
		t.Fatalf("raw short password: %v, %v", resp, err)
	}
	resp.Body.Close()
	errs = append(errs, err)

	out := log.String()
	for _, want := range []string{"> PUT ", "> PATCH ", "< HTTP/1.1 201", "< HTTP/1.1 403", "Authorization: [REDACTED]", "failed on the 'min' tag"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q:\n%s", want, out)
		}
	}
	basicHeader := base64.StdEncoding.EncodeToString([]byte("root:" + profilePass))
	for _, secret := range []string{profilePass, basicHeader, userPass, newPass, wrongPass, shortPass} {
		if strings.Contains(out, secret) {
			t.Errorf("debug log shows %q:\n%s", secret, out)
		}
		for _, err := range errs {
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows %q", err, secret)
			}
		}
	}
}
