package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Redacted replaces every secret in logs.
const Redacted = "[REDACTED]"

const maxLoggedBody = 4096

func (c *Client) logf(format string, args ...any) {
	if c.opts.Debug != nil {
		fmt.Fprint(c.opts.Debug, c.scrub.String(fmt.Sprintf(format, args...)))
	}
}

func (c *Client) logRequest(req *http.Request, body []byte, sc *scrubber) {
	if c.opts.Debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", req.Method, redactURL(req.URL))
	c.writeHeaders(&b, "> ", req.Header)
	if len(body) > 0 {
		fmt.Fprintf(&b, "> %s\n", RedactBody(req.Header.Get("Content-Type"), body))
	}
	fmt.Fprint(c.opts.Debug, sc.String(b.String()))
}

func (c *Client) logResponse(resp *http.Response, body []byte, took time.Duration, sc *scrubber) {
	if c.opts.Debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "< %s %s (%s)\n", resp.Proto, resp.Status, took.Round(time.Millisecond))
	c.writeHeaders(&b, "< ", resp.Header)
	if len(body) > 0 {
		fmt.Fprintf(&b, "< %s\n", RedactResponseBody(resp.Header.Get("Content-Type"), body))
	}
	fmt.Fprint(c.opts.Debug, sc.String(b.String()))
}

func (c *Client) writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		if c.isSecretHeader(k) {
			v = Redacted
		} else {
			v = RedactText(v) // URLs of Link, Location, …
		}
		fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
	}
}

// secretHeaderName catches credential headers nobody declared
// (X-Auth-Token, X-Api-Secret, Private-Token, ...).
var secretHeaderName = regexp.MustCompile(`(?i)(auth|token|secret|key|pass|pwd|cookie|session|signature|(^|-)sig($|-)|otp|jwt|credential)`)

func (c *Client) isSecretHeader(name string) bool {
	return c.secrets[http.CanonicalHeaderKey(name)] || secretHeaderName.MatchString(name)
}

var secretQuery = regexp.MustCompile(`(?i)(token|key|secret|pass|pwd|signature|^sig$|auth|session|credential|^otp$|jwt|^code$|^state$|nonce)`)

// redactURL renders u for logs and messages: userinfo and the values of
// secret-looking query parameters become [REDACTED]; the order and
// encoding of the other parameters are kept.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	cp := *u
	user := cp.User != nil
	cp.User = nil
	cp.RawQuery = redactQuery(cp.RawQuery)
	s := cp.String()
	if user {
		if i := strings.Index(s, "://"); i >= 0 {
			s = s[:i+3] + Redacted + "@" + s[i+3:]
		}
	}
	return s
}

func redactQuery(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && secretQuery.MatchString(name) {
			parts[i] = k + "=" + Redacted
		}
	}
	return strings.Join(parts, "&")
}

var (
	reQueryParam = regexp.MustCompile(`([?&;])([^=&?#;\s"'<>]+)=([^&#;\s"'<>\\]*)`)
	reUserinfo   = regexp.MustCompile(`(?i)(https?://)[^/@\s"'<>]+@`)
)

// RedactText redacts the URLs inside any text (an error message, a
// response body): a user name and password become [REDACTED], and so do
// the values of secret-looking query parameters (access_token, sig, code,
// jwt, …).
func RedactText(s string) string {
	if !strings.ContainsAny(s, "=@") {
		return s
	}
	s = reUserinfo.ReplaceAllString(s, "${1}"+Redacted+"@")
	return reQueryParam.ReplaceAllStringFunc(s, func(m string) string {
		sub := reQueryParam.FindStringSubmatch(m)
		name, err := url.QueryUnescape(sub[2])
		if err != nil {
			name = sub[2]
		}
		if !secretQuery.MatchString(name) || sub[3] == Redacted {
			return m
		}
		return sub[1] + sub[2] + "=" + Redacted
	})
}

// redactRawURL redacts a URL given as text (possibly unparseable).
func redactRawURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return redactURL(u)
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			s = s[:j+3] + Redacted + s[i:]
		}
	}
	if i := strings.Index(s, "?"); i >= 0 {
		s = s[:i+1] + redactQuery(s[i+1:])
	}
	return s
}

// secretKey matches JSON field and form names that hold secrets.
var secretKey = regexp.MustCompile(`(?i)(pass(word|wd|phrase)?$|password|passwd|passphrase|pwd|secret|token|api_?key|app_?key|application_?key|credential|private_?key|authorization|^auth$|cookie|(^|_)otp($|_)|jwt|session_?id|^sid$)`)

// secretPair finds "key": value, key=value and key: value pairs of secret
// keys in text that is not valid JSON (a truncated JSON body, a form).
var secretPair = regexp.MustCompile(`(?i)("?[\w-]*(?:pass|pwd|secret|token|api_?key|app_?key|application_?key|credential|private_?key|otp|jwt|session_?id)[\w-]*"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"?|[^\s&,;}]+)`)

// RedactBody returns a loggable version of a request body: JSON with every
// password-like field replaced by [REDACTED] (nested too), a form with its
// secret fields replaced, other text clipped, but not shown at all when it
// mentions a secret-like word it cannot parse; binary bodies summarised.
func RedactBody(contentType string, body []byte) string {
	return redactBody(contentType, body, true)
}

// RedactResponseBody is RedactBody for a response: JSON and forms are
// redacted alike, but other text is shown (clipped, with any key=value pair
// of a secret key redacted) even when it mentions a password, so that
// validator messages such as "Key: 'UserPasswordRequest.Value.Password'
// Error:..." stay readable.
func RedactResponseBody(contentType string, body []byte) string {
	return redactBody(contentType, body, false)
}

func redactBody(contentType string, body []byte, request bool) string {
	ct := strings.ToLower(strings.TrimSpace(contentType))
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	if strings.HasPrefix(mt, "multipart/") || strings.HasPrefix(mt, "image/") || strings.HasPrefix(mt, "audio/") ||
		strings.HasPrefix(mt, "video/") || mt == "application/octet-stream" || !utf8.Valid(body) {
		if mt == "" {
			mt = "binary data"
		}
		return fmt.Sprintf("[%d bytes of %s]", len(body), mt)
	}
	if out, ok := redactJSONBody(body); ok {
		return clipBody(RedactText(out))
	}
	if mt == "application/x-www-form-urlencoded" {
		return clipBody(redactQuery(string(body)))
	}
	s := string(body)
	if request && secretKey.MatchString(s) {
		// Unparseable but may hold a secret: never print it.
		return fmt.Sprintf("[%d bytes, not shown: may hold a secret]", len(body))
	}
	return clipBody(RedactText(secretPair.ReplaceAllString(sanitize(s), "${1}"+Redacted)))
}

func redactJSONBody(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return "", false
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(redactJSON(v)); err != nil {
		return "", false
	}
	return strings.TrimSuffix(buf.String(), "\n"), true
}

// redactJSON replaces the value of every secret-named key, at any depth;
// booleans and nulls (password_rotation_demanded, ...) are kept.
func redactJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if secretKey.MatchString(k) {
				switch e.(type) {
				case bool, nil:
				default:
					t[k] = Redacted
				}
				continue
			}
			t[k] = redactJSON(e)
		}
		return t
	case []any:
		for i := range t {
			t[i] = redactJSON(t[i])
		}
		return t
	}
	return v
}

// sanitize replaces control characters (terminal escapes) except newlines
// and tabs.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

func clipBody(s string) string {
	if len(s) <= maxLoggedBody {
		return s
	}
	cut := maxLoggedBody
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… [%d bytes]", len(s))
}
