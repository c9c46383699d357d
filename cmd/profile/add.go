package profile

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/config"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/userapi"
)

// AddOptions are the inputs of profile add.
type AddOptions struct {
	F           *cmdutil.Factory
	Name        string
	Entry       config.Entry
	WithSecrets bool
	Use         bool
	Force       bool
	Set         []string
}

func newAddCmd(f *cmdutil.Factory, runF func(context.Context, *AddOptions) error) *cobra.Command {
	opts := &AddOptions{F: f}
	cmd := &cobra.Command{
		Use:   "add NAME --api DIALECT",
		Short: "Add a profile",
		Long: `Add a profile. Secrets are never taken from arguments: they are asked with masked
prompts, or read from stdin with --with-secrets, one per line in this order:
  rest, udata: the token (API key)
  scim:        the bearer token
  datadog:     the API key, then the application key
  basic:       the password
They are stored in the OS keyring when one is available, else in the config file
(mode 0600), and userctl says which. The first profile added becomes the current one.

Dialect options (rest: list_path, items_key, pagination, page_size, id_field, auth,
disable, password_path; scim: auth, page_size) are set with --set KEY=VALUE.`,
		Example: `  userctl profile add prod --api udata --url https://www.data.gouv.fr/api/1
  printf '%s\n%s\n' "$DD_API_KEY" "$DD_APP_KEY" | userctl profile add dd --api datadog --site datadoghq.eu --with-secrets
  userctl profile add crm --api rest --url https://api.example.com/v1 --set pagination=cursor
  userctl profile add svc --api basic --url https://svc.example.com --username admin
  userctl profile add okta --api scim --url https://app.example.com/scim/v2`,
		Args: cmdutil.ExactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if opts.Entry.API == "" {
				return cmdutil.MissingFlag("api")
			}
			if _, err := userapi.Lookup(opts.Entry.API); err != nil {
				return err
			}
			if o := opts.Entry.Output; o != "" && !containsStr(output.Formats(), o) {
				return userapi.Errorf(userapi.KindUsage, "--output %q: want one of %s", o, strings.Join(output.Formats(), ", "))
			}
			for _, kv := range opts.Set {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return userapi.Errorf(userapi.KindUsage, "--set %q: want KEY=VALUE", kv)
				}
				if config.IsSecretField(strings.ToLower(k)) {
					return userapi.Errorf(userapi.KindUsage, "--set %s: secrets are never taken from arguments; use the prompt or --with-secrets", k)
				}
				if opts.Entry.Options == nil {
					opts.Entry.Options = map[string]string{}
				}
				opts.Entry.Options[strings.ToLower(k)] = v
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return addRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Entry.API, "api", "", "API dialect: "+strings.Join(userapi.Names(), ", "))
	fl.StringVar(&opts.Entry.URL, "url", "", "base URL of the API")
	fl.StringVar(&opts.Entry.Site, "site", "", "Datadog site (e.g. datadoghq.eu)")
	fl.StringVar(&opts.Entry.Username, "username", "", "username (basic)")
	fl.StringVar(&opts.Entry.CAFile, "ca-file", "", "PEM file of a private CA to trust")
	fl.StringVar(&opts.Entry.Output, "output-format", "", "default output format of this profile")
	fl.BoolVar(&opts.WithSecrets, "with-secrets", false, "read the secrets from stdin, one per line")
	fl.BoolVar(&opts.Use, "use", false, "make it the current profile")
	fl.BoolVar(&opts.Force, "force", false, "replace an existing profile of that name")
	fl.StringArrayVar(&opts.Set, "set", nil, "dialect option KEY=VALUE (repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("api", cmdutil.DialectNames)
	_ = cmd.RegisterFlagCompletionFunc("site", cmdutil.FixedCompletion(config.ValidSites()...))
	_ = cmd.RegisterFlagCompletionFunc("output-format", cmdutil.FixedCompletion(output.Formats()...))
	return cmd
}

func containsStr(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

var secretPrompts = map[string]string{
	"token":    "API token",
	"api_key":  "Datadog API key",
	"app_key":  "Datadog application key",
	"password": "Password",
}

func addRun(ctx context.Context, opts *AddOptions) error {
	f := opts.F
	f.CreatesConfig = true
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if err := config.ValidateName(opts.Name); err != nil {
		return err
	}
	if config.IsBuiltin(opts.Name) {
		// Said before any prompt: config.Set would refuse it after them.
		return userapi.Errorf(userapi.KindUsage, "profile %q is built in; choose another name", opts.Name)
	}
	if _, exists := cfg.Get(opts.Name); exists && !opts.Force {
		return userapi.Errorf(userapi.KindConflict, "profile %q already exists (use --force to replace it)", opts.Name)
	}
	d, _ := userapi.Lookup(opts.Entry.API)
	needsUser := containsStr(d.Secrets, "password")
	if needsUser && opts.Entry.Username == "" {
		if !f.CanPrompt() || opts.WithSecrets {
			return cmdutil.MissingFlag("username")
		}
		u, err := f.Prompter().Input("Username:", "")
		if err != nil {
			return err
		}
		opts.Entry.Username = strings.TrimSpace(u)
	}
	if opts.Entry.URL == "" && d.DefaultURL == "" && opts.Entry.API != "datadog" {
		if !f.CanPrompt() {
			return cmdutil.MissingFlag("url")
		}
		u, err := f.Prompter().Input("Base URL of the API:", "")
		if err != nil {
			return err
		}
		opts.Entry.URL = strings.TrimSpace(u)
	}
	if err := httpx.CheckBaseURL(opts.Entry.URL); err != nil {
		return err
	}
	// Read the secrets before anything is written.
	values := map[string]string{}
	switch {
	case opts.WithSecrets:
		lines, err := cmdutil.ReadLines(f.IO.In, len(d.Secrets))
		if err != nil {
			return userapi.Errorf(userapi.KindUsage, "--with-secrets needs %d line(s) on stdin: %s", len(d.Secrets), strings.Join(d.Secrets, ", then "))
		}
		for i, s := range d.Secrets {
			values[s] = lines[i]
		}
	case f.CanPrompt():
		for _, s := range d.Secrets {
			v, err := f.Prompter().Password(secretPrompts[s] + " (empty to skip):")
			if err != nil {
				return err
			}
			values[s] = v
		}
	}
	// The read-modify-write happens under the config lock, on the file as
	// it is now: another profile add that finished meanwhile is kept.
	var notices []string
	cfg, err = config.Edit(ctx, f.ConfigPath(), func(cfg *config.Config) error {
		if _, exists := cfg.Get(opts.Name); exists && !opts.Force {
			return userapi.Errorf(userapi.KindConflict, "profile %q already exists (use --force to replace it)", opts.Name)
		}
		if err := cfg.Set(opts.Name, opts.Entry); err != nil {
			return err
		}
		for _, s := range d.Secrets {
			v := values[s]
			if v == "" {
				continue
			}
			where, err := cfg.SetSecret(opts.Name, s, v, f.Secrets)
			if err != nil {
				return err
			}
			if where != config.WhereKeyring {
				notices = append(notices, fmt.Sprintf("No OS keyring available: %s stored in %s.", s, where))
			} else {
				notices = append(notices, fmt.Sprintf("%s stored in the OS keyring.", secretPrompts[s]))
			}
		}
		first := len(cfg.Names()) <= 2 // the new profile and the built-in sandbox
		if opts.Use || first {
			return cfg.Use(opts.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range notices {
		f.Notice("%s", n)
	}
	if len(values) == 0 || allEmpty(values) {
		f.Notice("Profile %q saved without secrets: set them in the environment (%s) or run `userctl profile add %s --force` again.",
			opts.Name, envHint(d.Secrets), opts.Name)
	} else {
		f.Notice("Profile %q saved in %s.", opts.Name, cfg.Path())
	}
	if cfg.Current() == opts.Name {
		f.Notice("%q is the current profile.", opts.Name)
	}
	return nil
}

func allEmpty(m map[string]string) bool {
	for _, v := range m {
		if v != "" {
			return false
		}
	}
	return true
}

func envHint(secrets []string) string {
	var out []string
	for _, s := range secrets {
		switch s {
		case "token":
			out = append(out, "USERCTL_TOKEN")
		case "api_key":
			out = append(out, "USERCTL_API_KEY")
		case "app_key":
			out = append(out, "USERCTL_APP_KEY")
		case "password":
			out = append(out, "USERCTL_PASSWORD")
		}
	}
	return strings.Join(out, ", ")
}
