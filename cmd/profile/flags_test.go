package profile

import (
	"testing"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/cmdutil/cmdtest"
	"github.com/userctl/userctl/internal/config"
	_ "github.com/userctl/userctl/internal/dialects" // the dialects declare add's flags
)

// settings is AddOptions.Settings: every flag the dialects declare, with
// the values given (the others empty).
func settings(given map[string]string) map[string]*string {
	out := map[string]*string{}
	for _, df := range declaredFlags() {
		v := given[df.name]
		out[df.name] = &v
	}
	return out
}

// TestProfileFlags parses the command lines of the profile verbs through
// their runF: the options they would run with, or the usage error
// (exit 2) they stop at before touching the config file or the API.
func TestProfileFlags(t *testing.T) {
	add := cmdtest.Verb(newAddCmd)
	check := cmdtest.Verb(newCheckCmd)
	list := cmdtest.Verb(newListCmd)
	use := cmdtest.Verb(newUseCmd)
	show := cmdtest.Verb(newShowCmd)
	remove := cmdtest.Verb(newRemoveCmd)
	globals := func(profile string) *cmdutil.Globals {
		return &cmdutil.Globals{Profile: profile, MaxWait: cmdutil.DefaultMaxWait}
	}
	cmdtest.RunAll(t, []cmdtest.Case{
		// add
		{Name: "add udata", Cmd: add, Argv: []string{"prod", "--api", "udata", "--url", "https://www.data.gouv.fr/api/1", "--use", "--force"},
			Want: AddOptions{Name: "prod", Entry: config.Entry{API: "udata", URL: "https://www.data.gouv.fr/api/1", Values: map[string]string{}},
				Use: true, Force: true, Settings: settings(nil)}},
		{Name: "add datadog --site", Cmd: add, Argv: []string{"dd", "--api", "datadog", "--site", "datadoghq.eu", "--with-secrets", "--output-format", "json"},
			Want: AddOptions{Name: "dd", Entry: config.Entry{API: "datadog", Output: "json", Values: map[string]string{"site": "datadoghq.eu"}},
				WithSecrets: true, Settings: settings(map[string]string{"site": "datadoghq.eu"})}},
		{Name: "add basic --username", Cmd: add, Argv: []string{"svc", "--api", "basic", "--url", "https://svc.example.com", "--username", "admin", "--ca-file", "ca.pem"},
			Want: AddOptions{Name: "svc", Entry: config.Entry{API: "basic", URL: "https://svc.example.com", CAFile: "ca.pem", Values: map[string]string{"username": "admin"}},
				Settings: settings(map[string]string{"username": "admin"})}},
		{Name: "add rest --set", Cmd: add, Argv: []string{"crm", "--api", "rest", "--url", "https://api.example.com/v1", "--set", "List_Path=/people", "--set", "id_field=uid"},
			Want: AddOptions{Name: "crm", Entry: config.Entry{API: "rest", URL: "https://api.example.com/v1", Values: map[string]string{"list_path": "/people", "id_field": "uid"}},
				Set: []string{"List_Path=/people", "id_field=uid"}, Settings: settings(nil)}},
		{Name: "add --set token_env", Cmd: add, Argv: []string{"crm", "--api", "rest", "--set", "TOKEN_ENV=CRM_TOKEN"},
			Want: AddOptions{Name: "crm", Entry: config.Entry{API: "rest", Values: map[string]string{}, Secrets: map[string]*config.SecretRef{"token": {Env: "CRM_TOKEN"}}},
				Set: []string{"TOKEN_ENV=CRM_TOKEN"}, Settings: settings(nil)}},
		{Name: "add --set token_env not a variable", Cmd: add, Argv: []string{"crm", "--api", "rest", "--set", "token_env=CRM TOKEN"}, Code: 2, Err: `"CRM TOKEN" is not an environment variable name`},
		{Name: "add without --api", Cmd: add, Argv: []string{"prod"}, Code: 2, Err: "missing required flag --api"},
		{Name: "add unknown api", Cmd: add, Argv: []string{"prod", "--api", "ldap"}, Code: 2, Err: `unknown API dialect "ldap"`},
		{Name: "add without NAME", Cmd: add, Argv: []string{"--api", "rest"}, Code: 2, Err: "needs NAME"},
		{Name: "add flag of another dialect", Cmd: add, Argv: []string{"crm", "--api", "rest", "--site", "datadoghq.eu"}, Code: 2, Err: "--site does not apply to the rest API"},
		{Name: "add secret in --set", Cmd: add, Argv: []string{"crm", "--api", "rest", "--set", "token=abc"}, Code: 2, Err: "secrets are never taken from arguments"},
		{Name: "add --set without =", Cmd: add, Argv: []string{"crm", "--api", "rest", "--set", "list_path"}, Code: 2, Err: "want KEY=VALUE"},
		{Name: "add --set unknown key", Cmd: add, Argv: []string{"crm", "--api", "rest", "--set", "list_pat=/people"}, Code: 2, Err: `did you mean "list_path"`},
		{Name: "add bad url", Cmd: add, Argv: []string{"crm", "--api", "rest", "--url", "ftp://api.example.com"}, Code: 2, Err: "invalid url"},
		{Name: "add bad output", Cmd: add, Argv: []string{"crm", "--api", "rest", "--output-format", "xml"}, Code: 2, Err: `--output "xml"`},
		{Name: "add secret flag", Cmd: add, Argv: []string{"crm", "--api", "rest", "--token", "abc"}, Code: 2, Err: "unknown flag: --token"},

		// check
		{Name: "check current", Cmd: check, Want: CheckOptions{}, Globals: globals("")},
		{Name: "check NAME", Cmd: check, Argv: []string{"prod"}, Want: CheckOptions{}, Globals: globals("prod")},
		{Name: "check NAME and the same -p", Cmd: check, Argv: []string{"prod", "-p", "prod"}, Want: CheckOptions{}, Globals: globals("prod")},
		{Name: "check NAME and another -p", Cmd: check, Argv: []string{"prod", "-p", "dev"}, Code: 2, Err: `profile named twice: "prod" and -p "dev"`},
		{Name: "check two names", Cmd: check, Argv: []string{"prod", "dev"}, Code: 2, Err: "at most one NAME"},

		// list, use, show, remove
		{Name: "list", Cmd: list, Argv: []string{"-o", "json"}, Want: ListOptions{}, Globals: &cmdutil.Globals{Output: "json", MaxWait: cmdutil.DefaultMaxWait}},
		{Name: "list argument", Cmd: list, Argv: []string{"prod"}, Code: 2, Err: "takes no arguments"},
		{Name: "use", Cmd: use, Argv: []string{"prod"}, Want: UseOptions{Name: "prod"}},
		{Name: "use without NAME", Cmd: use, Code: 2, Err: "needs NAME"},
		{Name: "show in use", Cmd: show, Argv: []string{"-p", "dev"}, Want: ShowOptions{}, Globals: globals("dev")},
		{Name: "show NAME", Cmd: show, Argv: []string{"prod"}, Want: ShowOptions{Name: "prod"}},
		{Name: "show two names", Cmd: show, Argv: []string{"prod", "dev"}, Code: 2, Err: "at most one NAME"},
		{Name: "remove", Cmd: remove, Argv: []string{"old-prod"}, Want: RemoveOptions{Name: "old-prod"}},
		{Name: "remove two names", Cmd: remove, Argv: []string{"a", "b"}, Code: 2, Err: "needs NAME (got 2 argument(s))"},
	})
}
