package httpx

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Secret values used by the redaction tests: none may appear in a log or
// an error message.
var testSecrets = []string{"tok-SECRET-1", "apikey-SECRET-2", "appkey-SECRET-3", "pw-SECRET-4", "cookie-SECRET-5",
	"extra-SECRET-6", "query-SECRET-7", "user-SECRET-8", "nested-SECRET-9", "resp-SECRET-10", "xauth-SECRET-11"}

// syncBuffer is a bytes.Buffer safe for the client's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range testSecrets {
		if strings.Contains(text, s) {
			t.Errorf("%s leaks %q:\n%s", what, s, text)
		}
	}
}

func TestDebugLogRedaction(t *testing.T) {
	ts := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=cookie-SECRET-5")
		w.Header().Set("Content-Type", "application/json")
		switch relPath(r) {
		case "/users":
			w.WriteHeader(201)
			w.Write([]byte(`{"id": "u1", "api_token": "resp-SECRET-10", "password_rotation_demanded": false}`))
		case "/validate":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(400)
			w.Write([]byte("Key: 'UserPasswordRequest.Value.Password' Error:Field validation for 'Password' failed on the 'required' tag\npassword=resp-SECRET-10"))
		default:
			w.WriteHeader(500)
			w.Write([]byte(`{"message": "boom"}`))
		}
	})
	log := &syncBuffer{}
	c := newClient(t, ts, func(o *Options) {
		o.Debug = log
		o.SecretHeaders = []string{"X-Custom-Credential"}
		o.Auth = func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer tok-SECRET-1")
			r.Header.Set("X-API-KEY", "apikey-SECRET-2")
			r.Header.Set("DD-API-KEY", "apikey-SECRET-2")
			r.Header.Set("DD-APPLICATION-KEY", "appkey-SECRET-3")
			r.Header.Set("Cookie", "sid=cookie-SECRET-5")
			r.Header.Set("X-Custom-Credential", "extra-SECRET-6")
			r.Header.Set("X-Auth-Token", "xauth-SECRET-11")
		}
		o.MaxAttempts = 2
	})
	ctx := context.Background()
	body := []byte(`{"email": "a@example.com", "password": "pw-SECRET-4", "profile": {"credentials": {"token": "nested-SECRET-9"}, "tags": [{"secret": "nested-SECRET-9"}]}}`)
	if _, err := c.Do(ctx, Request{Method: "POST", Path: "/users?api_key=query-SECRET-7&page=1", Body: body}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Do(ctx, Request{Method: "PUT", Path: "/validate", Body: []byte("password=pw-SECRET-4&x=1"), ContentType: "application/x-www-form-urlencoded"})
	if err == nil || !strings.Contains(err.Error(), "Key: 'UserPasswordRequest.Value.Password' Error:Field validation") {
		t.Errorf("validator message lost: %v", err)
	}
	_, err = c.Do(ctx, Request{Method: "PATCH", Path: "/fail?token=query-SECRET-7", Body: []byte(`{"password": "pw-SECRET-4", "oops`)})
	if err == nil {
		t.Fatal("want an error")
	}
	assertNoSecret(t, "error", err.Error())
	// An absolute URL with userinfo; the server is down for it.
	u, _ := url.Parse(ts.URL)
	u.User = url.UserPassword("admin", "user-SECRET-8")
	u.Path = basePath + "/fail"
	u.RawQuery = "secret=query-SECRET-7"
	_, err = c.Do(ctx, Request{Path: u.String()})
	if err == nil {
		t.Fatal("want an error")
	}
	assertNoSecret(t, "error", err.Error())

	out := log.String()
	assertNoSecret(t, "debug log", out)
	for _, want := range []string{
		"> Authorization: [REDACTED]", "> X-Api-Key: [REDACTED]", "> Dd-Api-Key: [REDACTED]",
		"> Dd-Application-Key: [REDACTED]", "> Cookie: [REDACTED]", "> X-Custom-Credential: [REDACTED]",
		"> X-Auth-Token: [REDACTED]", "< Set-Cookie: [REDACTED]",
		`"password":"[REDACTED]"`, `"credentials":"[REDACTED]"`, `"secret":"[REDACTED]"`, `"api_token":"[REDACTED]"`,
		`"password_rotation_demanded":false`, "api_key=[REDACTED]&page=1", "password=[REDACTED]&x=1",
		"Key: 'UserPasswordRequest.Value.Password' Error:Field validation", "[REDACTED]@127.0.0.1",
		"not shown: may hold a secret",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

func TestRedactBody(t *testing.T) {
	tests := []struct {
		name, ct, body, want string
		response             bool
	}{
		{"json", "application/json", `{"password":"p1","name":"n"}`, `{"name":"n","password":"[REDACTED]"}`, false},
		{"json array", "application/json", `[{"value":{"current_password":"a","password":"b"}}]`, `[{"value":{"current_password":"[REDACTED]","password":"[REDACTED]"}}]`, false},
		{"json numbers kept", "application/json", `{"id":12345678901234567890,"url":"a<b>&c"}`, `{"id":12345678901234567890,"url":"a<b>&c"}`, false},
		{"request text with secret", "text/plain", "my password is p1", "[17 bytes, not shown: may hold a secret]", false},
		{"request text", "text/plain", "hello", "hello", false},
		{"response validator text", "text/plain", "Key: 'UserPasswordRequest.Value.Password' Error:required", "Key: 'UserPasswordRequest.Value.Password' Error:required", true},
		{"response truncated json", "application/json", `{"token": "abc123", "na`, `{"token": [REDACTED], "na`, true},
		{"response key=value", "text/plain", "api_key=abc&x=1", "api_key=[REDACTED]&x=1", true},
		{"form", "application/x-www-form-urlencoded", "user=a&password=p1", "user=a&password=[REDACTED]", false},
		{"multipart", "multipart/form-data; boundary=x", "--x\r\nsecret\r\n--x--", "[18 bytes of multipart/form-data]", false},
		{"binary", "", "\xff\xfe\x00", "[3 bytes of binary data]", true},
	}
	for _, tt := range tests {
		f := RedactBody
		if tt.response {
			f = RedactResponseBody
		}
		if got := f(tt.ct, []byte(tt.body)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	long := strings.Repeat("é", maxLoggedBody)
	if got := RedactResponseBody("text/plain", []byte(long)); !strings.HasSuffix(got, "bytes]") || !strings.HasPrefix(got, "éé") {
		t.Errorf("long body not clipped cleanly: ...%q", got[len(got)-20:])
	}
}

func TestRedactURL(t *testing.T) {
	tests := map[string]string{
		"https://u:p@h.example/x?a=1&api_key=k&b=2":  "https://[REDACTED]@h.example/x?a=1&api_key=[REDACTED]&b=2",
		"https://h.example/x?Token=t&access_token=u": "https://h.example/x?Token=[REDACTED]&access_token=[REDACTED]",
		"https://h.example/x?page=2&flag":            "https://h.example/x?page=2&flag",
	}
	for in, want := range tests {
		u, _ := url.Parse(in)
		if got := redactURL(u); got != want {
			t.Errorf("redactURL(%s) = %s, want %s", in, got, want)
		}
	}
	if got := redactRawURL("https://u:pw@[bad/x?token=t"); strings.Contains(got, "pw") || strings.Contains(got, "=t") {
		t.Errorf("redactRawURL leaks: %s", got)
	}
}
