package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
)

// minScrubbed is the shortest secret replaced in server text: shorter
// values ("a", "123") would deface every message and betray nothing.
const minScrubbed = 4

// scrubber replaces every known secret value, in each of the forms a server
// may echo it back in (as is, base64, URL-encoded, JSON-escaped), by
// [REDACTED]. The zero value replaces nothing.
type scrubber struct {
	forms []string // longest first, so a form is never cut by a shorter one
	r     *strings.Replacer
}

// newScrubber returns a scrubber of the given secrets and of base64 of each
// "user:password" pair in basic (an HTTP Basic credential).
func newScrubber(secrets []string, basic [][2]string) *scrubber {
	return buildScrubber(nil, secrets, basic)
}

// with returns a scrubber of sc's secrets and more.
func (sc *scrubber) with(more []string) *scrubber {
	if len(more) == 0 {
		return sc
	}
	return buildScrubber(sc.forms, more, nil)
}

func buildScrubber(forms, secrets []string, basic [][2]string) *scrubber {
	set := map[string]bool{}
	add := func(v string) {
		if len(v) >= minScrubbed {
			set[v] = true
		}
	}
	for _, f := range forms {
		set[f] = true
	}
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) < minScrubbed {
			continue
		}
		add(s)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			add(enc.EncodeToString([]byte(s)))
		}
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
		if b, err := json.Marshal(s); err == nil {
			add(string(b[1 : len(b)-1]))
		}
	}
	for _, up := range basic {
		if len(up[1]) < minScrubbed {
			continue
		}
		cred := up[0] + ":" + up[1]
		add(base64.StdEncoding.EncodeToString([]byte(cred)))
		add(base64.RawStdEncoding.EncodeToString([]byte(cred)))
	}
	sc := &scrubber{}
	for v := range set {
		sc.forms = append(sc.forms, v)
	}
	sort.Slice(sc.forms, func(i, j int) bool {
		if len(sc.forms[i]) != len(sc.forms[j]) {
			return len(sc.forms[i]) > len(sc.forms[j])
		}
		return sc.forms[i] < sc.forms[j]
	})
	if len(sc.forms) > 0 {
		pairs := make([]string, 0, 2*len(sc.forms))
		for _, f := range sc.forms {
			pairs = append(pairs, f, Redacted)
		}
		sc.r = strings.NewReplacer(pairs...)
	}
	return sc
}

// Scrub returns server text a dialect shows on success (a notice such as
// Datadog's delete message) with the profile's secrets replaced by
// [REDACTED] and the URLs in it redacted, as errors are.
func (c *Client) Scrub(s string) string {
	return RedactText(c.scrub.String(s))
}

// String scrubs s (a nil scrubber returns s).
func (sc *scrubber) String(s string) string {
	if sc == nil || sc.r == nil {
		return s
	}
	return sc.r.Replace(s)
}

// Bytes scrubs b (a copy when anything changed).
func (sc *scrubber) Bytes(b []byte) []byte {
	if sc == nil || sc.r == nil {
		return b
	}
	for _, f := range sc.forms {
		if bytes.Contains(b, []byte(f)) {
			return []byte(sc.r.Replace(string(b)))
		}
	}
	return b
}

// Error scrubs the message and body of an *errkind.Error in err, in place,
// and returns err.
func (sc *scrubber) Error(err error) error {
	var e *errkind.Error
	if !errors.As(err, &e) {
		return err
	}
	e.Message = RedactText(sc.String(e.Message))
	e.Body = sc.Bytes(e.Body)
	return err
}

// requestSecrets are the secret values of one request beyond the
// profile's: the values of secret-named fields of a JSON or form body (a new
// user's password, a current password), of secret-named headers, and of
// secret-named query parameters (a next link's access_token).
func (c *Client) requestSecrets(r Request) []string {
	out := append([]string{}, r.Secrets...)
	queries := []url.Values{r.Query}
	if _, raw, ok := strings.Cut(r.Path, "?"); ok {
		raw, _, _ = strings.Cut(raw, "#")
		if q, err := url.ParseQuery(raw); err == nil {
			queries = append(queries, q)
		}
	}
	for _, q := range queries {
		for k, vs := range q {
			if secretQuery.MatchString(k) {
				out = append(out, vs...)
			}
		}
	}
	for k, vs := range r.Header {
		if c.isSecretHeader(k) {
			out = append(out, vs...)
		}
	}
	if len(r.Body) == 0 {
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	var v any
	if dec.Decode(&v) == nil {
		collectSecrets(v, &out)
		return out
	}
	if q, err := url.ParseQuery(string(r.Body)); err == nil {
		for k, vs := range q {
			if secretKey.MatchString(k) {
				out = append(out, vs...)
			}
		}
	}
	return out
}

// collectSecrets appends the string values of secret-named keys of v.
func collectSecrets(v any, out *[]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s, ok := e.(string); ok && secretKey.MatchString(k) {
				*out = append(*out, s)
				continue
			}
			collectSecrets(e, out)
		}
	case []any:
		for _, e := range t {
			collectSecrets(e, out)
		}
	}
}

// secretValuesOf are the values of the secret headers set by auth, so that
// credentials nobody declared (a custom header) are scrubbed too.
func (c *Client) secretValuesOf(h http.Header) []string {
	var out []string
	for k, vs := range h {
		if c.isSecretHeader(k) {
			for _, v := range vs {
				out = append(out, v)
				scheme, cred, ok := strings.Cut(v, " ")
				if !ok {
					continue
				}
				cred = strings.TrimSpace(cred)
				out = append(out, cred) // Bearer, Basic, Token …
				if strings.EqualFold(scheme, "Basic") {
					if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
						if _, pw, ok := strings.Cut(string(dec), ":"); ok {
							out = append(out, pw)
						}
					}
				}
			}
		}
	}
	return out
}
