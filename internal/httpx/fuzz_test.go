package httpx

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzServerMessage(f *testing.F) {
	f.Add("application/json", []byte(`{"errors": {"email": ["required"]}, "message": "invalid"}`))
	f.Add("text/html", []byte("<html><title>502</title></html>"))
	f.Add("application/json", []byte(`"a\nb"`))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		got := ServerMessage(ct, body)
		if n := utf8.RuneCountInString(got); n > maxMessage+1 {
			t.Fatalf("message of %d runes", n)
		}
		if strings.ContainsAny(got, "\n\r\x1b\x00") {
			t.Fatalf("message has control characters: %q", got)
		}
		if strings.TrimSpace(string(body)) == "" && got != "" {
			t.Fatalf("empty body gave %q", got)
		}
	})
}

func FuzzRetryAfter(f *testing.F) {
	f.Add("120", "")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT", "")
	f.Add("", "1767225600")
	f.Add("1e400", "-1")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, retryAfter, reset string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		h.Set("X-RateLimit-Reset", reset)
		d, known := RetryAfter(h, now)
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("RetryAfter(%q, %q) = %s", retryAfter, reset, d)
		}
		if !known && d != 0 {
			t.Fatalf("unknown wait but %s", d)
		}
	})
}

func FuzzRedactBody(f *testing.F) {
	f.Add("application/json", []byte(`{"a": [1, {"b": 2}]}`), "hunter2-secret", "name")
	f.Add("text/plain", []byte("password=x"), "S3cr3t!!", "x")
	f.Add("application/x-www-form-urlencoded", []byte("a=1&b"), "tok_abcdef", "")
	f.Fuzz(func(t *testing.T, ct string, body []byte, secret, other string) {
		// Any body: no panic, bounded output.
		for _, out := range []string{RedactBody(ct, body), RedactResponseBody(ct, body)} {
			if len(out) > maxLoggedBody+64 {
				t.Fatalf("output of %d bytes", len(out))
			}
		}
		if len(secret) < 6 || strings.Contains(other, secret) || strings.Contains(Redacted, secret) ||
			strings.Contains("password", secret) || strings.Contains("api_key", secret) {
			return
		}
		// A secret in a password-like field never shows, whatever the
		// shape around it.
		js, _ := json.Marshal(map[string]any{"password": secret, "x": other, "nested": []any{map[string]string{"api_key": secret}}})
		form := url.Values{"password": {secret}, "x": {other}}.Encode()
		cases := []struct {
			ct   string
			body string
		}{
			{"application/json", string(js)},
			{"application/x-www-form-urlencoded", form},
		}
		for _, c := range cases {
			for _, out := range []string{RedactBody(c.ct, []byte(c.body)), RedactResponseBody(c.ct, []byte(c.body))} {
				if strings.Contains(out, secret) || strings.Contains(out, url.QueryEscape(secret)) {
					t.Fatalf("%s body %q: secret %q shown in %q", c.ct, c.body, secret, out)
				}
			}
		}
		// A request body that is not JSON and mentions a password is hidden.
		text := "password: " + secret
		if out := RedactBody("text/plain", []byte(text)); strings.Contains(out, secret) {
			t.Fatalf("request text shown: %q", out)
		}
	})
}
