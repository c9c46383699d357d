package sandbox

import (
	"testing"
	"time"

	"github.com/userctl/userctl/internal/cmdutil/cmdtest"
	_ "github.com/userctl/userctl/internal/dialects" // registers every sandbox server
	sb "github.com/userctl/userctl/internal/sandbox"
)

// TestSandboxFlags parses the command lines of sandbox serve through its
// runF: the options it would serve with, or the usage error (exit 2) it
// stops at before listening.
func TestSandboxFlags(t *testing.T) {
	serve := cmdtest.Verb(newServeCmd)
	cmdtest.RunAll(t, []cmdtest.Case{
		{Name: "defaults", Cmd: serve, Want: ServeOptions{Opts: sb.Options{API: sb.DefaultAPI}, Addr: "127.0.0.1:8080"}},
		{Name: "every flag", Cmd: serve, Argv: []string{"--api", "datadog", "--addr", "127.0.0.1:0", "--state", "dd.json", "--seed", "1000",
			"--rate-limit", "2.5", "--latency", "20ms", "--fail-rate", "0.1", "--api-key", "k", "--app-key", "a", "--max-page-size", "100"},
			Want: ServeOptions{Opts: sb.Options{API: "datadog", Seed: 1000, RateLimit: 2.5, Latency: 20 * time.Millisecond, FailRate: 0.1, APIKey: "k", AppKey: "a", MaxPageSize: 100},
				Addr: "127.0.0.1:0", State: "dd.json"}},
		{Name: "basic credentials", Cmd: serve, Argv: []string{"--api", "basic", "--username", "admin", "--password", "admin-password", "--addr", "localhost:9000"},
			Want: ServeOptions{Opts: sb.Options{API: "basic", Username: "admin", Password: "admin-password"}, Addr: "localhost:9000"}},
		{Name: "off loopback with exact credentials", Cmd: serve, Argv: []string{"--addr", "0.0.0.0:8080", "--token", "secret"},
			Want: ServeOptions{Opts: sb.Options{API: sb.DefaultAPI, Token: "secret"}, Addr: "0.0.0.0:8080"}},
		{Name: "off loopback without credentials", Cmd: serve, Argv: []string{"--addr", "0.0.0.0:8080"}, Code: 2, Err: "not a loopback address"},
		{Name: "every interface, datadog with one key", Cmd: serve, Argv: []string{"--api", "datadog", "--addr", ":8080", "--api-key", "k"}, Code: 2, Err: "--app-key"},
		{Name: "unknown api", Cmd: serve, Argv: []string{"--api", "ldap"}, Code: 2, Err: `--api "ldap": the sandbox serves`},
		{Name: "fail rate above 1", Cmd: serve, Argv: []string{"--fail-rate", "1.5"}, Code: 2, Err: "--fail-rate must be between 0 and 1"},
		{Name: "negative max page size", Cmd: serve, Argv: []string{"--max-page-size", "-1"}, Code: 2, Err: "must not be negative"},
		{Name: "negative seed", Cmd: serve, Argv: []string{"--seed", "-1"}, Code: 2, Err: "must not be negative"},
		{Name: "latency not a duration", Cmd: serve, Argv: []string{"--latency", "20"}, Code: 2, Err: `invalid argument "20"`},
		{Name: "argument", Cmd: serve, Argv: []string{"rest"}, Code: 2, Err: "takes no arguments"},
	})
}
