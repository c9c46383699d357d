package cmdutil

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/userapi"
)

// Globals are the persistent flags of the root command.
type Globals struct {
	Profile  string
	Config   string
	Output   string
	Fields   []string
	JQ       string
	Template string
	NoHeader bool
	NoInput  bool
	Debug    bool
	Timeout  time.Duration
	// MaxWait bounds rate-limit waits (--max-wait).
	MaxWait time.Duration
}

// DefaultMaxWait is the default of --max-wait.
const DefaultMaxWait = time.Minute

// AddGlobalFlags declares the persistent flags of CLI.md on root.
func AddGlobalFlags(root *cobra.Command, f *Factory) {
	formats := output.Formats()
	g := f.Globals
	fl := root.PersistentFlags()
	fl.StringVarP(&g.Profile, "profile", "p", "", "profile to use (env USERCTL_PROFILE; default: the current profile, else the built-in sandbox)")
	fl.StringVar(&g.Config, "config", "", "config file (env USERCTL_CONFIG; default $XDG_CONFIG_HOME/userctl/config.yaml)")
	fl.StringVarP(&g.Output, "output", "o", "", "output format: "+strings.Join(formats, ", ")+" (env USERCTL_OUTPUT)")
	fl.StringSliceVar(&g.Fields, "fields", nil, "columns or keys to show, in that order (e.g. id,email)")
	fl.StringVar(&g.JQ, "jq", "", "filter the JSON output with a jq expression")
	fl.StringVar(&g.Template, "template", "", "render each result with a Go template (e.g. '{{.email}}')")
	fl.BoolVar(&g.NoHeader, "no-header", false, "print tables and csv without the header row")
	fl.BoolVar(&g.NoInput, "no-input", false, "never prompt (env USERCTL_NO_INPUT; implied when not on a terminal or when CI is set)")
	fl.BoolVar(&g.Debug, "debug", false, "log each HTTP request and response to stderr, secrets redacted (env USERCTL_DEBUG)")
	fl.DurationVar(&g.Timeout, "timeout", 30*time.Second, "per-request timeout")
	fl.DurationVar(&g.MaxWait, "max-wait", DefaultMaxWait, "longest time to wait for a rate-limited API: per request, and for a bulk run whose every request is refused")

	_ = root.RegisterFlagCompletionFunc("output", fixed(formats))
	_ = root.RegisterFlagCompletionFunc("profile", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return f.ProfileNames(), cobra.ShellCompDirectiveNoFileComp
	})
	_ = root.RegisterFlagCompletionFunc("fields", func(_ *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
		prefix := ""
		if i := strings.LastIndex(typed, ","); i >= 0 {
			prefix = typed[:i+1]
		}
		var out []string
		for _, fl := range output.ValidFields(output.UserSchema()) {
			out = append(out, prefix+fl)
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		f.noteDialectFlags(cmd)
		if !cmd.Flags().Changed("timeout") {
			g.Timeout = 0
		}
		if g.Output != "" && !contains(formats, g.Output) {
			return errkind.Errorf(errkind.Usage, "unknown output format %q (valid: %s)", g.Output, strings.Join(formats, ", "))
		}
		if v := f.Getenv("USERCTL_OUTPUT"); g.Output == "" && v != "" && !contains(formats, v) {
			return errkind.Errorf(errkind.Usage, "USERCTL_OUTPUT: unknown output format %q (valid: %s)", v, strings.Join(formats, ", "))
		}
		if g.Timeout < 0 {
			return errkind.Errorf(errkind.Usage, "--timeout must be positive")
		}
		if g.MaxWait <= 0 {
			return errkind.Errorf(errkind.Usage, "--max-wait must be positive")
		}
		// --jq and --template print their own rendering of the JSON form:
		// an explicit -o of another shape would be silently ignored.
		for _, fl := range []struct {
			name string
			set  bool
		}{{"--jq", g.JQ != ""}, {"--template", g.Template != ""}} {
			if fl.set && g.Output != "" && g.Output != "json" && g.Output != "jsonl" {
				return errkind.Errorf(errkind.Usage, "%s cannot be used with -o %s (it renders the JSON form; use -o json, -o jsonl or no -o)", fl.name, g.Output)
			}
		}
		return nil
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func fixed(values []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// FixedCompletion completes a flag or argument from a fixed list.
func FixedCompletion(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return fixed(values)
}

// ProfileNames lists the profiles for completion (silently empty on error).
func (f *Factory) ProfileNames() []string {
	cfg, err := f.Config()
	if err != nil {
		return nil
	}
	return cfg.Names()
}

// DialectNames lists the API dialects for completion.
func DialectNames(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return userapi.Names(), cobra.ShellCompDirectiveNoFileComp
}

// CompleteUserIDs completes user IDs from the API with a short timeout,
// silently offering nothing when it fails.
func (f *Factory) CompleteUserIDs(cmd *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
	ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Second)
	defer cancel()
	env := f.Env()
	env.Debug = nil
	env.Timeout = 2 * time.Second
	b, err := f.BackendWith(env)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for u, err := range b.ListUsers(ctx, userapi.ListOptions{Limit: 200}) {
		if err != nil {
			break
		}
		if strings.HasPrefix(u.ID, typed) {
			desc := u.Email
			if desc == "" {
				desc = u.Name
			}
			if desc != "" {
				out = append(out, u.ID+"\t"+desc)
			} else {
				out = append(out, u.ID)
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// NoArgs rejects any argument with a usage error. On a command with
// subcommands the argument is a mistyped verb: the error says so and
// suggests the closest ones.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return UnknownCommand(cmd, args[0])
	}
	return errkind.Errorf(errkind.Usage, "%s takes no arguments, got %q", cmd.CommandPath(), args[0])
}

// UnknownCommand is the usage error of a verb that cmd does not have, with
// a "did you mean" of the closest verbs when there are some.
func UnknownCommand(cmd *cobra.Command, verb string) error {
	msg := fmt.Sprintf("unknown command %q for %q", verb, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, set lazily by cobra
	}
	if s := cmd.SuggestionsFor(verb); len(s) > 0 {
		quoted := make([]string, len(s))
		for i, v := range s {
			quoted[i] = strconv.Quote(v)
		}
		msg += "; did you mean " + strings.Join(quoted, " or ") + "?"
	} else {
		msg += " (see `" + cmd.CommandPath() + " --help`)"
	}
	return &errkind.Error{Kind: errkind.Usage, Message: msg}
}

// ExactArgs wants n arguments, naming them in the error.
func ExactArgs(n int, names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return errkind.Errorf(errkind.Usage, "%s needs %s (got %d argument(s)); see --help", cmd.CommandPath(), strings.Join(names, " and "), len(args))
		}
		return nil
	}
}

// MinArgs wants at least n arguments.
func MinArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return errkind.Errorf(errkind.Usage, "%s needs at least %d %s", cmd.CommandPath(), n, what)
		}
		return nil
	}
}

// RangeArgs wants between min and max arguments.
func RangeArgs(min, max int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			return errkind.Errorf(errkind.Usage, "%s takes %s (got %d argument(s))", cmd.CommandPath(), what, len(args))
		}
		return nil
	}
}

// FlagError is the root command's flag error function: a flag that does not
// parse (unknown, missing value, wrong type, exclusive with another) is a
// usage error pointing at the command's help.
func FlagError(c *cobra.Command, err error) error {
	return &errkind.Error{Kind: errkind.Usage, Message: err.Error() + " (see `" + c.CommandPath() + " --help`)"}
}

// MissingFlag is the usage error for a required value when prompts are off.
func MissingFlag(flag string) error {
	return errkind.Errorf(errkind.Usage, "missing required flag --%s", flag)
}
