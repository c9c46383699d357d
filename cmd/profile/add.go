package profile

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/config"
	"github.com/userctl/userctl/internal/errkind"
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
	// Settings holds the values of the flags the dialects declare
	// (userapi.Setting.Flag: --site, --username), by flag name.
	Settings map[string]*string
}

func newAddCmd(f *cmdutil.Factory, runF func(context.Context, *AddOptions) error) *cobra.Command {
	opts := &AddOptions{F: f, Settings: map[string]*string{}}
	cmd := &cobra.Command{
		Use:   "add NAME --api DIALECT",
		Short: "Add a profile",
		Long: `Add a profile. Secrets are never taken from arguments: they are asked with masked
prompts, or read from stdin with --with-secrets, one per line in this order:
` + secretOrderHelp() + `
They are stored in the OS keyring when one is available, else in the config file
(mode 0600), and userctl says which. Or a secret is left where it is: --set
token_env=NAME (likewise api_key_env, app_key_env, password_env) reads it from the
environment variable NAME at run time and it is not asked for. The first profile
added becomes the current one.

The other settings of each API are set with their flag or with --set KEY=VALUE; an
unknown key is an error. Environment variables override the profile:
` + settingsHelp(),
		Example: `  userctl profile add prod --api udata --url https://www.data.gouv.fr/api/1
  printf '%s\n%s\n' "$DD_API_KEY" "$DD_APP_KEY" | userctl profile add dd --api datadog --site datadoghq.eu --with-secrets
  userctl profile add crm --api rest --url https://api.example.com/v1 --set pagination=cursor
  userctl profile add js --api rest --url http://127.0.0.1:3000 --set auth=none --set page_param=_page --set size_param=_limit
  userctl profile add svc --api basic --url https://svc.example.com --username admin
  userctl profile add okta --api scim --url https://app.example.com/scim/v2`,
		Args: cmdutil.ExactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if opts.Entry.API == "" {
				return cmdutil.MissingFlag("api")
			}
			d, err := userapi.Lookup(opts.Entry.API)
			if err != nil {
				return err
			}
			if o := opts.Entry.Output; o != "" && !containsStr(output.Formats(), o) {
				return errkind.Errorf(errkind.Usage, "--output %q: want one of %s", o, strings.Join(output.Formats(), ", "))
			}
			if opts.Entry.Values == nil {
				opts.Entry.Values = map[string]string{}
			}
			for _, flag := range sortedFlags(opts.Settings) {
				if !cmd.Flags().Changed(flag) {
					continue
				}
				st, ok := settingOfFlag(d, flag)
				if !ok {
					return errkind.Errorf(errkind.Usage, "--%s does not apply to the %s API", flag, d.Name)
				}
				opts.Entry.Values[st.Key] = *opts.Settings[flag]
			}
			for _, kv := range opts.Set {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return errkind.Errorf(errkind.Usage, "--set %q: want KEY=VALUE", kv)
				}
				k = strings.ToLower(k)
				if base, ok := strings.CutSuffix(k, "_env"); ok {
					if st, ok := d.Setting(base); ok && st.Secret {
						// Where the secret lives, not the secret: NAME_env.
						if !envName.MatchString(v) {
							return errkind.Errorf(errkind.Usage, "--set %s: %q is not an environment variable name", k, v)
						}
						opts.Entry.Secret(base).Env = v
						continue
					}
				}
				if st, ok := d.Setting(k); ok && st.Secret {
					return errkind.Errorf(errkind.Usage, "--set %s: secrets are never taken from arguments; use the prompt or --with-secrets", k)
				}
				opts.Entry.Values[k] = v
			}
			if err := opts.Entry.Check(); err != nil {
				return err
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
	for _, df := range declaredFlags() {
		opts.Settings[df.name] = fl.String(df.name, "", df.help)
		if len(df.values) > 0 {
			_ = cmd.RegisterFlagCompletionFunc(df.name, cmdutil.FixedCompletion(df.values...))
		}
	}
	fl.StringVar(&opts.Entry.CAFile, "ca-file", "", "PEM file of a private CA to trust")
	fl.StringVar(&opts.Entry.Output, "output-format", "", "default output format of this profile")
	fl.BoolVar(&opts.WithSecrets, "with-secrets", false, "read the secrets from stdin, one per line")
	fl.BoolVar(&opts.Use, "use", false, "make it the current profile")
	fl.BoolVar(&opts.Force, "force", false, "replace an existing profile of that name")
	fl.StringArrayVar(&opts.Set, "set", nil, "dialect setting KEY=VALUE (repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("api", cmdutil.DialectNames)
	_ = cmd.RegisterFlagCompletionFunc("set", completeSet)
	_ = cmd.RegisterFlagCompletionFunc("output-format", cmdutil.FixedCompletion(output.Formats()...))
	return cmd
}

// declaredFlag is a `profile add` flag one or more dialects declare.
type declaredFlag struct {
	name, help string
	values     []string
}

// declaredFlags lists the flags of the dialects' settings, by name; the
// help says which dialects have it.
func declaredFlags() []declaredFlag {
	byName := map[string]*declaredFlag{}
	users := map[string][]string{}
	var order []string
	for _, d := range userapi.Dialects() {
		for _, s := range d.Settings {
			if s.Flag == "" {
				continue
			}
			if byName[s.Flag] == nil {
				byName[s.Flag] = &declaredFlag{name: s.Flag, help: s.Help}
				order = append(order, s.Flag)
			}
			df := byName[s.Flag]
			for _, v := range s.Values {
				if !containsStr(df.values, v) {
					df.values = append(df.values, v)
				}
			}
			users[s.Flag] = append(users[s.Flag], d.Name)
		}
	}
	sort.Strings(order)
	out := make([]declaredFlag, 0, len(order))
	for _, n := range order {
		df := *byName[n]
		if len(users[n]) == 1 {
			df.help += " (" + users[n][0] + ")"
		} else {
			df.help = n + " (" + strings.Join(users[n], ", ") + ")"
		}
		out = append(out, df)
	}
	return out
}

func sortedFlags(m map[string]*string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// settingOfFlag returns the setting of the dialect that flag sets.
func settingOfFlag(d userapi.Dialect, flag string) (userapi.Setting, bool) {
	for _, s := range d.Settings {
		if s.Flag == flag {
			return s, true
		}
	}
	return userapi.Setting{}, false
}

// completeSet completes --set KEY= with the non-secret settings of the
// dialect named by --api (every dialect's when none), and KEY=VALUE with
// the declared values.
func completeSet(cmd *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
	var dialects []userapi.Dialect
	if api, _ := cmd.Flags().GetString("api"); api != "" {
		if d, err := userapi.Lookup(api); err == nil {
			dialects = []userapi.Dialect{d}
		}
	}
	if dialects == nil {
		dialects = userapi.Dialects()
	}
	var out []string
	for _, d := range dialects {
		for _, s := range d.Settings {
			if s.Secret {
				continue
			}
			if k, _, ok := strings.Cut(typed, "="); ok {
				if k == s.Key {
					for _, v := range s.Values {
						out = append(out, s.Key+"="+v)
					}
				}
			} else if !containsStr(out, s.Key+"=") {
				out = append(out, s.Key+"=")
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// secretOrderHelp says, per dialect, the secrets --with-secrets reads.
func secretOrderHelp() string {
	type group struct{ names, secrets string }
	var groups []group
	width := 0
	for _, d := range userapi.Dialects() {
		var names []string
		for _, s := range d.RequiredSecrets() {
			names = append(names, s.Key)
		}
		line := strings.Join(names, ", then ")
		if len(names) == 0 {
			line = "none"
		}
		if n := len(groups); n > 0 && groups[n-1].secrets == line {
			groups[n-1].names += ", " + d.Name
		} else {
			groups = append(groups, group{d.Name, line})
		}
	}
	for _, g := range groups {
		width = max(width, len(g.names)+1)
	}
	var b strings.Builder
	for i, g := range groups {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "  %-*s %s", width, g.names+":", g.secrets)
	}
	return b.String()
}

// settingsHelp lists each dialect's settings with their flag, environment
// variables, default and values.
func settingsHelp() string {
	var b strings.Builder
	for _, d := range userapi.Dialects() {
		fmt.Fprintf(&b, "  %s, %s:\n", d.Name, d.Title)
		for _, s := range d.Settings {
			var notes []string
			if s.Secret {
				notes = append(notes, "secret")
			}
			if s.Flag != "" {
				notes = append(notes, "--"+s.Flag)
			}
			if len(s.Env) > 0 {
				notes = append(notes, "env "+strings.Join(s.Env, ", "))
			}
			if s.Default != "" {
				notes = append(notes, "default "+s.Default)
			}
			if len(s.Values) > 0 && len(s.Values) <= 6 {
				notes = append(notes, "one of "+strings.Join(s.Values, ", "))
			}
			line := s.Key + ": " + s.Help
			if len(notes) > 0 {
				line += " [" + strings.Join(notes, "; ") + "]"
			}
			fmt.Fprintf(&b, "    %s\n", line)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func containsStr(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
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
		return errkind.Errorf(errkind.Usage, "profile %q is built in; choose another name", opts.Name)
	}
	if _, exists := cfg.Get(opts.Name); exists && !opts.Force {
		return errkind.Errorf(errkind.Conflict, "profile %q already exists (use --force to replace it)", opts.Name)
	}
	d, _ := userapi.Lookup(opts.Entry.API)
	if opts.Entry.Values == nil {
		opts.Entry.Values = map[string]string{}
	}
	for _, s := range d.Settings {
		if s.Secret || !s.Required || opts.Entry.Values[s.Key] != "" {
			continue
		}
		if s.Flag == "" {
			return errkind.Errorf(errkind.Usage, "missing required setting %s: use --set %s=VALUE", s.Key, s.Key)
		}
		if !f.CanPrompt() || opts.WithSecrets {
			return cmdutil.MissingFlag(s.Flag)
		}
		v, err := f.Prompter().Input(strings.ToUpper(s.Flag[:1])+s.Flag[1:]+":", "")
		if err != nil {
			return err
		}
		opts.Entry.Values[s.Key] = strings.TrimSpace(v)
		if err := opts.Entry.Check(); err != nil {
			return err
		}
	}
	if opts.Entry.URL == "" && d.DefaultURL == "" {
		if !f.CanPrompt() {
			return cmdutil.MissingFlag("url")
		}
		u, err := f.Prompter().Input("Base URL of the API:", "")
		if err != nil {
			return err
		}
		opts.Entry.URL = strings.TrimSpace(u)
	}
	if err := userapi.CheckBaseURL(opts.Entry.URL); err != nil {
		return err
	}
	// Read the secrets before anything is written; those that --set
	// FIELD_env placed in a variable, or that the profile's other values
	// make unneeded (rest's token with auth: none), are not asked for.
	var secrets []userapi.Setting
	for _, s := range d.NeededSecrets(opts.Entry.Values) {
		if r := opts.Entry.Secrets[s.Key]; r == nil || r.Env == "" {
			secrets = append(secrets, s)
		}
	}
	values := map[string]string{}
	switch {
	case opts.WithSecrets:
		lines, err := f.IO.ReadLines(len(secrets))
		if err != nil {
			var keys []string
			for _, s := range secrets {
				keys = append(keys, s.Key)
			}
			return errkind.Errorf(errkind.Usage, "--with-secrets needs %d line(s) on stdin: %s", len(secrets), strings.Join(keys, ", then "))
		}
		for i, s := range secrets {
			values[s.Key] = lines[i]
		}
	case f.CanPrompt():
		for _, s := range secrets {
			v, err := f.Prompter().Password(s.Prompt + " (empty to skip):")
			if err != nil {
				return err
			}
			values[s.Key] = v
		}
	}
	// The read-modify-write happens under the config lock, on the file as
	// it is now: another profile add that finished meanwhile is kept.
	var notices []string
	cfg, err = config.Edit(ctx, f.ConfigPath(), func(cfg *config.Config) error {
		if _, exists := cfg.Get(opts.Name); exists && !opts.Force {
			return errkind.Errorf(errkind.Conflict, "profile %q already exists (use --force to replace it)", opts.Name)
		}
		if err := cfg.Set(opts.Name, opts.Entry); err != nil {
			return err
		}
		for _, s := range secrets {
			v := values[s.Key]
			if v == "" {
				continue
			}
			where, err := cfg.SetSecret(opts.Name, s.Key, v, f.Secrets)
			if err != nil {
				return err
			}
			if where != config.WhereKeyring {
				notices = append(notices, fmt.Sprintf("No OS keyring available: %s stored in %s.", s.Key, where))
			} else {
				notices = append(notices, fmt.Sprintf("%s stored in the OS keyring.", s.Prompt))
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
	if len(secrets) > 0 && (len(values) == 0 || allEmpty(values)) {
		f.Notice("Profile %q saved without secrets: set them in the environment (%s) or run `userctl profile add %s --force` again.",
			opts.Name, envHint(secrets), opts.Name)
	} else {
		f.Notice("Profile %q saved in %s.", opts.Name, cfg.Path())
	}
	if cfg.Current() == opts.Name {
		f.Notice("%q is the current profile.", opts.Name)
	}
	return nil
}

// envName is what a shell can export: a letter or _, then letters,
// digits or _.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func allEmpty(m map[string]string) bool {
	for _, v := range m {
		if v != "" {
			return false
		}
	}
	return true
}

func envHint(secrets []userapi.Setting) string {
	var out []string
	for _, s := range secrets {
		if len(s.Env) > 0 {
			out = append(out, s.Env[0])
		}
	}
	return strings.Join(out, ", ")
}
