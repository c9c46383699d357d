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
// request; a line without a colon or a key is an error naming it.
func ParseHeader(lines []string) (http.Header, error) {
	header := http.Header{}
	for _, h := range lines {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%q: want KEY:VALUE", h)
		}
		header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return header, nil
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
