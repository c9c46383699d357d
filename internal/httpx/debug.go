package httpx

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Redacted replaces every secret in logs.
const Redacted = "[REDACTED]"

const maxLoggedBody = 4096

func (c *Client) logf(format string, args ...any) {
	if c.opts.Debug != nil {
		fmt.Fprintf(c.opts.Debug, format, args...)
	}
}

func (c *Client) logRequest(req *http.Request, body []byte) {
	if c.opts.Debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", req.Method, redactURL(req.URL))
	c.writeHeaders(&b, "> ", req.Header)
	if len(body) > 0 {
		fmt.Fprintf(&b, "> %s\n", RedactBody(req.Header.Get("Content-Type"), body))
	}
	fmt.Fprint(c.opts.Debug, b.String())
}

func (c *Client) logResponse(resp *http.Response, body []byte, took time.Duration) {
	if c.opts.Debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "< %s %s (%s)\n", resp.Proto, resp.Status, took.Round(time.Millisecond))
	c.writeHeaders(&b, "< ", resp.Header)
	if len(body) > 0 {
		fmt.Fprintf(&b, "< %s\n", RedactBody(resp.Header.Get("Content-Type"), body))
	}
	fmt.Fprint(c.opts.Debug, b.String())
}

func (c *Client) writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		if c.secrets[http.CanonicalHeaderKey(k)] {
			v = Redacted
		}
		fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
	}
}

var secretQuery = regexp.MustCompile(`(?i)(token|key|secret|password|passwd|signature|auth)`)

func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	cp := *u
	if cp.User != nil {
		cp.User = url.User(Redacted)
	}
	if cp.RawQuery != "" {
		q := cp.Query()
		changed := false
		for k := range q {
			if secretQuery.MatchString(k) {
				q[k] = []string{"REDACTED"}
				changed = true
			}
		}
		if changed {
			cp.RawQuery = q.Encode()
		}
	}
	return cp.String()
}

var secretKey = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key|app_?key|application_?key|credential)`)

// RedactBody returns a loggable version of a body: JSON with every
// password-like field replaced, other text clipped; binary bodies summarised.
func RedactBody(contentType string, body []byte) string {
	ct := strings.ToLower(contentType)
	if strings.HasPrefix(ct, "multipart/") || strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "application/octet-stream") {
		return fmt.Sprintf("[%d bytes of %s]", len(body), strings.SplitN(ct, ";", 2)[0])
	}
	var v any
	if err := json.Unmarshal(body, &v); err == nil {
		v = redactJSON(v)
		out, _ := json.Marshal(v)
		return clipBody(string(out))
	}
	if strings.Contains(ct, "json") || secretKey.MatchString(string(body)) {
		// Unparseable but may hold a secret: never print it.
		if secretKey.MatchString(string(body)) {
			return fmt.Sprintf("[%d bytes, not shown: may hold a secret]", len(body))
		}
	}
	return clipBody(string(body))
}

func redactJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if secretKey.MatchString(k) {
				t[k] = Redacted
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

func clipBody(s string) string {
	if len(s) > maxLoggedBody {
		return s[:maxLoggedBody] + fmt.Sprintf("… [%d bytes]", len(s))
	}
	return s
}
