package userapi

import "github.com/userctl/userctl/internal/httpx"

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
		Secrets:   []string{p.Token, p.APIKey, p.AppKey, p.Password},
		Limiter:   env.Limiter,
	}
}
