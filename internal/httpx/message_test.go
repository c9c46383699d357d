package httpx

import (
	"strings"
	"testing"
)

func TestServerMessage(t *testing.T) {
	tests := []struct {
		name, ct, body, want string
	}{
		{"empty", "application/json", "", ""},
		{"blank", "text/plain", " \n\t ", ""},
		{"empty object", "application/json", `{}`, ""},
		{"empty list", "application/json", ` [ ] `, ""},
		{"message", "application/json", `{"message": "Invalid API token"}`, "Invalid API token"},
		{"error", "application/json", `{"error": "email already used"}`, "email already used"},
		{"error object", "application/json", `{"error": {"code": 7, "message": "quota"}}`, "quota"},
		{"oauth", "application/json", `{"error": "invalid_grant", "error_description": "expired"}`, "expired"},
		{"errors list", "application/json", `{"errors": ["Forbidden"]}`, "Forbidden"},
		{"errors list several", "application/json", `{"errors": ["a", "b"]}`, "a; b"},
		{"errors objects", "application/json", `{"errors": [{"field": "email", "message": "is invalid"}]}`, "email: is invalid"},
		{"errors field lists", "application/json", `{"errors": {"email": ["This field is required."], "age": ["too low", "odd"]}}`,
			"age: too low; odd; email: This field is required."},
		{"errors field strings and message", "application/json", `{"errors": {"email": "Invalid email address"}, "message": "Input payload validation failed"}`,
			"Input payload validation failed: email: Invalid email address"},
		{"message repeated in errors", "application/json", `{"message": "bad", "errors": ["bad"]}`, "bad"},
		{"detail", "application/problem+json", `{"type": "about:blank", "title": "Bad Request", "detail": "name too long"}`, "name too long"},
		{"unknown object", "application/json", `{"code": 12}`, `{"code": 12}`},
		{"bare string", "application/json", `"Username already existed"`, "Username already existed"},
		{"bare string lines", "application/json",
			`"Key: 'UserPasswordRequest.Value.Password' Error:Field validation for 'Password' failed on the 'required' tag\nKey: 'X' Error:bad"`,
			"Key: 'UserPasswordRequest.Value.Password' Error:Field validation for 'Password' failed on the 'required' tag; Key: 'X' Error:bad"},
		{"plain text", "text/plain", "Username already existed\n", "Username already existed"},
		{"plain lines", "text/plain", "line one\r\n\r\n  line   two  \nline three", "line one; line two; line three"},
		{"truncated json", "application/json", `{"message": "oops`, `{"message": "oops`},
		{"html title", "text/html", "<html><head><title>429 Too Many Requests</title></head><body><h1>Slow down</h1></body></html>", "Slow down (HTML page)"},
		{"html h1", "text/html", "<html><body><h1>Bad &amp; Gateway</h1><p>nginx</p></body></html>", "Bad & Gateway: nginx (HTML page)"},
		{"html text", "", "<!DOCTYPE html><html><body><script>var x=1;</script><p>Service down</p></body></html>", "Service down (HTML page)"},
		{"html empty", "text/html", "<html><body></body></html>", "an HTML page with no text"},
		{"html waf", "text/html", "<!DOCTYPE html>\n<html><head><title>403 Forbidden</title><style>h1{color:red}</style></head>\n<body>\n<h1>403 Forbidden</h1>\n<p>Access denied by WAF.\nRequest ID: 7f3a</p><hr><center>cloudfront</center></body></html>",
			"Access denied by WAF. Request ID: 7f3a cloudfront (HTML page)"},
		{"html status title only", "text/html", "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>", "502 Bad Gateway (HTML page)"},
		{"html title only", "text/html", "<html><head><title>Maintenance</title></head><body></body></html>", "Maintenance (HTML page)"},
		{"html long text", "text/html", "<html><head><title>Error</title></head><body><p>" + strings.Repeat("word ", 60) + "</p></body></html>",
			"Error: " + strings.TrimSpace(strings.Repeat("word ", 24)) + "… (HTML page)"},
		{"control chars", "text/plain", "bad\x1b[31m red\x07", "bad [31m red"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ServerMessage(tt.ct, []byte(tt.body)); got != tt.want {
				t.Errorf("ServerMessage(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestServerMessageClipped(t *testing.T) {
	got := ServerMessage("text/plain", []byte(strings.Repeat("é", 1000)))
	if n := len([]rune(got)); n != maxMessage+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("clipped to %d runes: %q", n, got)
	}
	huge := []byte(`{"message": "` + strings.Repeat("a", 2<<20) + `"}`)
	if got := ServerMessage("application/json", huge); len([]rune(got)) > maxMessage+1 {
		t.Errorf("huge body gave %d runes", len([]rune(got)))
	}
}
