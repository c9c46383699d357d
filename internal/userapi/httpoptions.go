package userapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/userctl/userctl/internal/httpx"
)

// CheckBaseURL validates a profile's API URL as the dialects' HTTP client
// will read it: http or https, a host, and no user name or password in it.
// An empty URL is valid (the dialect's default applies). Errors are
// errkind.Usage.
func CheckBaseURL(raw string) error { return httpx.CheckBaseURL(raw) }

// ParseHeader reads "KEY: VALUE" lines into the header of a RawRequester
// request; a line without a colon or a key, a key HTTP cannot carry or a
// value with a control character is an error naming it.
func ParseHeader(lines []string) (http.Header, error) {
	header := http.Header{}
	for _, h := range lines {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%q: want KEY:VALUE", h)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if err := CheckHeaderName(k); err != nil {
			return nil, fmt.Errorf("%q: %w", h, err)
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r != '\t' && (r < ' ' || r == 0x7f) }) {
			return nil, fmt.Errorf("%q: a header value cannot hold control characters", h)
		}
		header.Add(k, v)
	}
	return header, nil
}

// CheckHeaderName returns an error unless name can be sent as an HTTP
// header field name: a non-empty token of RFC 9110 (letters, digits and
// !#$%&'*+-.^_`|~), so no space, colon or control character.
func CheckHeaderName(name string) error {
	if name == "" {
		return fmt.Errorf("empty header name")
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return fmt.Errorf("invalid header name %q: want letters, digits or !#$%%&'*+-.^_`|~", name)
		}
	}
	return nil
}

// HTTPOptions returns the options every dialect's client starts from: its
// base URL, the profile's CA file and secrets (scrubbed from anything
// shown), and the invocation's network environment (timeout, debug log,
// transport, user agent, longest rate-limit wait, shared limiter). The
// dialect adds its own Auth, SecretHeaders and ErrorMessage.
func HTTPOptions(base string, p Profile, env Env) httpx.Options {
	return httpx.Options{
		BaseURL:   base,
		CAFile:    p.CAFile,
		Timeout:   env.Timeout,
		Debug:     env.Debug,
		Transport: env.Transport,
		UserAgent: env.UserAgent,
		MaxWait:   env.MaxRetryWait,
		Secrets:   p.SecretValues(),
		Limiter:   env.Limiter,
	}
}
