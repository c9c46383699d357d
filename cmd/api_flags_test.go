package cmd

import (
	"testing"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/cmdutil/cmdtest"
)

// TestAPIFlags parses the command lines of userctl api through its runF:
// the request it would send, or the usage error (exit 2) it stops at.
func TestAPIFlags(t *testing.T) {
	api := cmdtest.Verb(newAPICmd)
	cmdtest.RunAll(t, []cmdtest.Case{
		{Name: "GET", Cmd: api, Argv: []string{"get", "/users"}, Want: APIOptions{Method: "GET", Path: "/users"}},
		{Name: "PUT with data and headers", Cmd: api, Argv: []string{"PUT", "/users/u1", "-d", `{"name":"Ada"}`, "-H", "X-A: 1", "--header", "X-B:2", "-i"},
			Want: APIOptions{Method: "PUT", Path: "/users/u1", Data: `{"name":"Ada"}`, Headers: []string{"X-A: 1", "X-B:2"}, Include: true}},
		{Name: "data from stdin", Cmd: api, Argv: []string{"post", "users", "--data", "@-"}, Want: APIOptions{Method: "POST", Path: "users", Data: "@-"}},
		{Name: "HEAD with --jq", Cmd: api, Argv: []string{"head", "/users", "--jq", ".x"}, Want: APIOptions{Method: "HEAD", Path: "/users"},
			Globals: &cmdutil.Globals{JQ: ".x", MaxWait: cmdutil.DefaultMaxWait}},
		{Name: "unknown method", Cmd: api, Argv: []string{"FETCH", "/users"}, Code: 2, Err: `unknown method "FETCH"`},
		{Name: "absolute URL", Cmd: api, Argv: []string{"GET", "https://evil.example/users"}, Code: 2, Err: "must be relative to the profile's URL"},
		{Name: "no PATH", Cmd: api, Argv: []string{"GET"}, Code: 2, Err: "needs METHOD and PATH"},
		{Name: "three arguments", Cmd: api, Argv: []string{"GET", "/a", "/b"}, Code: 2, Err: "needs METHOD and PATH"},
		{Name: "--data without value", Cmd: api, Argv: []string{"POST", "/users", "--data"}, Code: 2, Err: "flag needs an argument"},
	})
}
