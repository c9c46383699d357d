package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/config"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/userapi"
)

// profileRow is one line of profile list.
type profileRow struct {
	Current bool   `json:"current"`
	Name    string `json:"name"`
	API     string `json:"api"`
	URL     string `json:"url"`
}

var profileSchema = output.Schema{Columns: []output.Column{
	{Name: "current", Header: "CURRENT", Value: func(i any) any {
		if i.(profileRow).Current {
			return "*"
		}
		return ""
	}},
	{Name: "name", Value: func(i any) any { return i.(profileRow).Name }},
	{Name: "api", Value: func(i any) any { return i.(profileRow).API }},
	{Name: "url", Value: func(i any) any { return i.(profileRow).URL }},
}}

// showRow is one line of profile show.
type showRow struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Where string `json:"where,omitempty"`
}

var showSchema = output.Schema{Columns: []output.Column{
	{Name: "key", Value: func(i any) any { return i.(showRow).Key }},
	{Name: "value", Value: func(i any) any { return i.(showRow).Value }},
	{Name: "where", Value: func(i any) any { return i.(showRow).Where }},
}}

// showObject is the data form of profile show: one object, the profile's
// keys in order, and "where" mapping each secret to where it lives, so that
// `profile show -o json | jq .url` works.
type showObject []config.ShowField

// MarshalJSON writes the keys in the order of the profile.
func (o showObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	where := map[string]string{}
	for i, sf := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(sf.Key)
		v, _ := json.Marshal(sf.Value)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
		if sf.Where != "" {
			where[sf.Key] = sf.Where
		}
	}
	if len(where) > 0 {
		w, err := json.Marshal(where)
		if err != nil {
			return nil, err
		}
		if len(o) > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"where":`)
		buf.Write(w)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// schema declares the object's keys as fields (for --fields and csv).
func (o showObject) schema() output.Schema {
	var cols []output.Column
	for _, sf := range o {
		cols = append(cols, output.Column{Name: sf.Key, Value: func(any) any { return sf.Value }})
	}
	return output.Schema{Columns: cols}
}

// checkRow is the data output of profile check.
type checkRow struct {
	Profile string `json:"profile"`
	API     string `json:"api"`
	OK      bool   `json:"ok"`
	Detail  string `json:"detail"`
}

var checkSchema = output.Schema{Columns: []output.Column{
	{Name: "profile", Value: func(i any) any { return i.(checkRow).Profile }},
	{Name: "api", Value: func(i any) any { return i.(checkRow).API }},
	{Name: "ok", Value: func(i any) any { return i.(checkRow).OK }},
	{Name: "detail", Value: func(i any) any { return i.(checkRow).Detail }},
}}

// ListOptions are the inputs of profile list.
type ListOptions struct{ F *cmdutil.Factory }

func newListCmd(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{F: f}
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List profiles",
		Long:    "List the profiles of the config file and the built-in sandbox; the current one is marked.",
		Example: "  userctl profile list\n  userctl profile list -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
}

func listRun(_ context.Context, opts *ListOptions) error {
	f := opts.F
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	w, err := f.Printer(profileSchema, true)
	if err != nil {
		return err
	}
	cur := cfg.Current()
	for _, n := range cfg.Names() {
		e, _ := cfg.Get(n)
		url := e.URL
		switch {
		case config.IsBuiltin(n):
			url = "(built-in sandbox)"
		case url == "" && locatedBy(e) != "":
			url = locatedBy(e)
		case url == "":
			// The dialect's default: the URL actually used.
			if d, err := userapi.Lookup(e.API); err == nil {
				url = d.DefaultURL
			}
		}
		mark := ""
		if n == cur {
			mark = "*"
		}
		if err := w.Write(profileRow{Current: mark == "*", Name: n, API: e.API, URL: url}); err != nil {
			return err
		}
	}
	return w.Close()
}

// locatedBy describes where the API of a profile without url is, from the
// setting its dialect locates it by ("site datadoghq.eu"), or "".
func locatedBy(e config.Entry) string {
	d, err := userapi.Lookup(e.API)
	if err != nil {
		return ""
	}
	for _, s := range d.Settings {
		if v := e.Values[s.Key]; s.Locates && v != "" {
			return s.Key + " " + v
		}
	}
	return ""
}

// UseOptions are the inputs of profile use.
type UseOptions struct {
	F    *cmdutil.Factory
	Name string
}

func newUseCmd(f *cmdutil.Factory, runF func(context.Context, *UseOptions) error) *cobra.Command {
	opts := &UseOptions{F: f}
	return &cobra.Command{
		Use:               "use NAME",
		Short:             "Make a profile the current one",
		Long:              "Make NAME the profile used when neither -p nor USERCTL_PROFILE says otherwise.",
		Example:           "  userctl profile use prod",
		Args:              cmdutil.ExactArgs(1, "NAME"),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return useRun(cmd.Context(), opts)
		},
	}
}

func useRun(ctx context.Context, opts *UseOptions) error {
	f := opts.F
	if _, err := f.Config(); err != nil {
		return err
	}
	_, err := config.Edit(ctx, f.ConfigPath(), func(cfg *config.Config) error {
		return cfg.Use(opts.Name)
	})
	if err != nil {
		return err
	}
	f.Notice("Now using profile %q.", opts.Name)
	return nil
}

// ShowOptions are the inputs of profile show.
type ShowOptions struct {
	F *cmdutil.Factory
	// Name is the profile to show; "" for the profile in use.
	Name string
}

func newShowCmd(f *cmdutil.Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{F: f}
	return &cobra.Command{
		Use:   "show [NAME]",
		Short: "Show a profile, secrets masked",
		Long: `Show a profile as the config file holds it, with every secret masked and where each
secret lives (OS keyring, config file, environment variable). Without NAME, the
profile in use is shown (after -p and USERCTL_PROFILE).`,
		Example:           "  userctl profile show\n  userctl profile show prod -o json",
		Args:              cmdutil.RangeArgs(0, 1, "at most one NAME"),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
}

func showRun(_ context.Context, opts *ShowOptions) error {
	f := opts.F
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	name := opts.Name
	if name == "" {
		if res, err := f.Resolved(); err == nil {
			name = res.Profile.Name
		}
	}
	fields, err := cfg.Show(name, f.Getenv, nil)
	if err != nil {
		return err
	}
	fields = withDefaultURL(fields)
	if f.WantsData() {
		obj := showObject(fields)
		w, err := f.Printer(obj.schema(), false)
		if err != nil {
			return err
		}
		if err := w.Write(obj); err != nil {
			return err
		}
		return w.Close()
	}
	w, err := f.Printer(showSchema, true)
	if err != nil {
		return err
	}
	for _, sf := range fields {
		if err := w.Write(showRow{Key: sf.Key, Value: sf.Value, Where: sf.Where}); err != nil {
			return err
		}
	}
	return w.Close()
}

// withDefaultURL adds the URL a profile uses when it names none: its
// dialect's default (not when a setting locates the API, as Datadog's site
// makes its own URL).
func withDefaultURL(fields []config.ShowField) []config.ShowField {
	api := ""
	for _, sf := range fields {
		if sf.Key == "api" {
			api = sf.Value
		}
	}
	d, err := userapi.Lookup(api)
	if err != nil || d.DefaultURL == "" {
		return fields
	}
	for _, sf := range fields {
		if st, ok := d.Setting(sf.Key); sf.Key == "url" || ok && st.Locates {
			return fields
		}
	}
	out := make([]config.ShowField, 0, len(fields)+1)
	for _, sf := range fields {
		out = append(out, sf)
		if sf.Key == "api" {
			out = append(out, config.ShowField{Key: "url", Value: d.DefaultURL, Where: "default of the " + api + " API"})
		}
	}
	return out
}

// RemoveOptions are the inputs of profile remove.
type RemoveOptions struct {
	F    *cmdutil.Factory
	Name string
}

func newRemoveCmd(f *cmdutil.Factory, runF func(context.Context, *RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{F: f}
	return &cobra.Command{
		Use:               "remove NAME",
		Aliases:           []string{"rm"},
		Short:             "Remove a profile and its stored secrets",
		Long:              "Remove a profile from the config file and delete its secrets from the OS keyring.",
		Example:           "  userctl profile remove old-prod",
		Args:              cmdutil.ExactArgs(1, "NAME"),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return removeRun(cmd.Context(), opts)
		},
	}
}

func removeRun(ctx context.Context, opts *RemoveOptions) error {
	f := opts.F
	if _, err := f.Config(); err != nil {
		return err
	}
	if config.IsBuiltin(opts.Name) {
		return errkind.Errorf(errkind.Usage, "the sandbox profile is built in and cannot be removed")
	}
	_, err := config.Edit(ctx, f.ConfigPath(), func(cfg *config.Config) error {
		return cfg.Remove(opts.Name, f.Secrets)
	})
	if err != nil {
		return err
	}
	f.Notice("Removed profile %q.", opts.Name)
	return nil
}

// CheckOptions are the inputs of profile check.
type CheckOptions struct {
	F    *cmdutil.Factory
	Name string
}

func newCheckCmd(f *cmdutil.Factory, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{F: f}
	return &cobra.Command{
		Use:   "check [NAME]",
		Short: "Check that a profile's URL and credentials work",
		Long: `Resolve the profile (flags, environment, config file, keyring), say where each value
comes from, and make one authenticated request to prove the API accepts the credentials.
The exit code says what is wrong (4: credentials refused, 1: unreachable, ...).`,
		Example:           "  userctl profile check\n  userctl profile check prod",
		Args:              cmdutil.RangeArgs(0, 1, "at most one NAME"),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if f.Globals.Profile != "" && f.Globals.Profile != args[0] {
					return errkind.Errorf(errkind.Usage, "profile named twice: %q and -p %q", args[0], f.Globals.Profile)
				}
				f.Globals.Profile = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	f := opts.F
	res, err := f.Resolved()
	if err != nil {
		return err
	}
	p := res.Profile
	f.Notice("Profile %q (%s API)", p.Name, p.API)
	keys := []string{"url"}
	if d, err := userapi.Lookup(p.API); err == nil {
		for _, st := range d.Settings {
			keys = append(keys, st.Key)
		}
	}
	for _, k := range keys {
		if src, ok := res.Sources[k]; ok {
			f.Notice("  %-9s from %s", k, src)
		}
	}
	if missing := res.MissingSecrets(); len(missing) > 0 && !res.Sandbox {
		if err := res.UnsetEnvError(p); err != nil {
			return err
		}
		return errkind.Errorf(errkind.Usage, "profile %q has no %s: store it with `userctl profile add %s --force` or set it in the environment",
			p.Name, strings.Join(missing, " and "), p.Name)
	}
	b, err := f.Backend()
	if err != nil {
		return err
	}
	start := time.Now()
	var who string
	if c, ok := b.(userapi.Checker); ok {
		who, err = c.Check(ctx)
	} else {
		for _, lerr := range b.ListUsers(ctx, userapi.ListOptions{Limit: 1}) {
			err = lerr
			break
		}
		who = "listing users works"
	}
	if err != nil {
		return fmt.Errorf("profile %q: %w", p.Name, err)
	}
	f.Notice("OK: %s (%s)", who, time.Since(start).Round(time.Millisecond))
	if f.WantsData() {
		w, err := f.Printer(checkSchema, false)
		if err != nil {
			return err
		}
		if err := w.Write(checkRow{Profile: p.Name, API: p.API, OK: true, Detail: who}); err != nil {
			return err
		}
		return w.Close()
	}
	return nil
}
