// Package cmdtest runs a command's argument and flag parsing as the userctl
// binary does, without reaching any API: the flag-parsing tests of each
// noun build a verb with a runF that captures its options, and check what
// argv becomes.
package cmdtest

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/iostreams"
	"github.com/userctl/userctl/internal/prompt"
	"github.com/userctl/userctl/internal/secret"
	"github.com/userctl/userctl/internal/userapi"
)

// NewFactory returns a factory for parsing tests: test streams with stdin
// holding stdin, an environment of env only (the config file defaults to a
// missing one in a temporary directory: the built-in sandbox profile), an
// in-memory keyring, no terminal, and a backend and a prompter that fail
// the test when asked for: parsing must neither reach an API nor prompt.
func NewFactory(t testing.TB, stdin string, env map[string]string) *cmdutil.Factory {
	t.Helper()
	ios, in, _, _ := iostreams.Test()
	in.WriteString(stdin)
	dir := t.TempDir()
	vars := map[string]string{"HOME": dir, "XDG_CONFIG_HOME": filepath.Join(dir, "config")}
	for k, v := range env {
		vars[k] = v
	}
	f := &cmdutil.Factory{
		IO:      ios,
		Getenv:  func(k string) string { return vars[k] },
		Globals: &cmdutil.Globals{},
		Build:   cmdutil.BuildInfo{Version: "test"},
		Secrets: secret.NewMemory(),
	}
	f.Prompter = func() prompt.Prompter {
		t.Errorf("parsing asked for a prompter")
		return nil
	}
	f.BackendOverride = func(userapi.Env) (userapi.Backend, error) {
		t.Errorf("parsing asked for a backend")
		return nil, errkind.Errorf(errkind.Unknown, "no backend in parsing tests")
	}
	return f
}

// Parse runs argv (the command's name is prepended) through cmd placed
// under a root command with the global flags and the root's flag error
// handling, as `userctl NAME ARGV...` would, and returns the error with the
// exit code the binary would exit with (0 on success).
func Parse(t testing.TB, f *cmdutil.Factory, cmd *cobra.Command, argv ...string) (int, error) {
	t.Helper()
	root := &cobra.Command{
		Use:           "userctl",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cmdutil.NoArgs,
		RunE:          func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmdutil.AddGlobalFlags(root, f)
	root.SetFlagErrorFunc(cmdutil.FlagError)
	root.AddCommand(cmd)
	root.SetArgs(append([]string{cmd.Name()}, argv...))
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return 0, nil
	}
	return errkind.ExitCode(err), err
}

// Verb adapts a command constructor, NewCmdX(f, runF), to a Case: the
// command it builds hands its options to a runF that stores a copy of them
// in *got, their F field (the factory) cleared, and does nothing else.
func Verb[O any](newCmd func(*cmdutil.Factory, func(context.Context, *O) error) *cobra.Command) func(*cmdutil.Factory, *any) *cobra.Command {
	return func(f *cmdutil.Factory, got *any) *cobra.Command {
		return newCmd(f, func(_ context.Context, o *O) error {
			c := *o
			if v := reflect.ValueOf(&c).Elem().FieldByName("F"); v.IsValid() && v.CanSet() {
				v.SetZero()
			}
			*got = c
			return nil
		})
	}
}

// Case is one command line of a flag-parsing table.
type Case struct {
	Name string
	// Cmd builds the command under test (see Verb).
	Cmd func(f *cmdutil.Factory, got *any) *cobra.Command
	// Argv follows the command's name.
	Argv  []string
	Stdin string
	Env   map[string]string
	// Want is the options struct runF receives, F left out; nil when
	// parsing must fail.
	Want any
	// Globals, when set, is what the global flags must hold after parsing.
	Globals *cmdutil.Globals
	// Code is the exit code of a failed parse (2 for a usage error).
	Code int
	// Err is a part of the error message of a failed parse.
	Err string
}

// Run parses the case's command line and checks the outcome: the options
// handed to runF (and the globals), or the exit code and error message with
// runF not called.
func (c Case) Run(t *testing.T) {
	t.Helper()
	f := NewFactory(t, c.Stdin, c.Env)
	var got any
	code, err := Parse(t, f, c.Cmd(f, &got), c.Argv...)
	if c.Want == nil {
		if err == nil || code != c.Code || !strings.Contains(err.Error(), c.Err) {
			t.Fatalf("%q: exit %d, %v; want exit %d with %q", c.Argv, code, err, c.Code, c.Err)
		}
		if got != nil {
			t.Errorf("%q: runF was called with %+v despite the error", c.Argv, got)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: exit %d, %v; want options %+v", c.Argv, code, err, c.Want)
	}
	if got == nil {
		t.Fatalf("%q: runF was not called", c.Argv)
	}
	if !reflect.DeepEqual(got, c.Want) {
		t.Errorf("%q:\n got %#v\nwant %#v", c.Argv, got, c.Want)
	}
	if c.Globals != nil && !reflect.DeepEqual(*f.Globals, *c.Globals) {
		t.Errorf("%q: globals\n got %+v\nwant %+v", c.Argv, *f.Globals, *c.Globals)
	}
}

// RunAll runs each case as a subtest named by its Name (else its argv).
func RunAll(t *testing.T, cases []Case) {
	t.Helper()
	for _, c := range cases {
		name := c.Name
		if name == "" {
			name = strings.Join(c.Argv, " ")
		}
		t.Run(name, c.Run)
	}
}
