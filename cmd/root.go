// Package cmd wires userctl's cobra commands: flags, arguments and help
// text. The work is done by the internal packages.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/cmd/profile"
	"github.com/userctl/userctl/cmd/sandbox"
	"github.com/userctl/userctl/cmd/users"
	"github.com/userctl/userctl/internal/cmdutil"
	_ "github.com/userctl/userctl/internal/dialects" // registers every API dialect
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/termsafe"
)

// BuildInfo is the version stamped by the linker.
type BuildInfo = cmdutil.BuildInfo

// Main runs userctl with the process's arguments and returns its exit code.
func Main(build BuildInfo) int {
	f := cmdutil.New(build)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// A second Ctrl-C after the first exits at once.
		<-ctx.Done()
		stop()
	}()
	return Run(ctx, f, os.Args[1:])
}

// Run executes the command line with a factory and returns the exit code;
// errors are printed once, here.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	if cerr := f.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err == nil {
		return 0
	}
	if ctx.Err() != nil && !errkind.Is(err, errkind.Partial) {
		err = &errkind.Error{Kind: errkind.Interrupted, Message: "interrupted", Err: err}
	}
	printError(f, err)
	return errkind.ExitCode(err)
}

func printError(f *cmdutil.Factory, err error) {
	msg := err.Error()
	var e *errkind.Error
	if errors.As(err, &e) && e.Kind == errkind.Interrupted {
		msg = "interrupted"
	}
	msg = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", " "), "\n", " "))
	// Errors carry server text: it must not drive the terminal.
	msg = termsafe.String(msg)
	if credentialsHint(err) && !strings.Contains(msg, "profile") {
		msg += " (check the credentials with `userctl profile check`)"
	}
	fmt.Fprintf(f.IO.ErrOut, "userctl: %s\n", msg)
}

// credentialsHint reports whether an error may come from the profile's
// credentials: a 401, or a 403 without the server's own reason. A 403 that
// says why ("You can't follow yourself", "Current password does not match")
// is about the request, not the credentials.
func credentialsHint(err error) bool {
	var e *errkind.Error
	if !errors.As(err, &e) || e.Kind != errkind.Auth {
		return false
	}
	if e.Status != 403 {
		return true
	}
	_, reason, found := strings.Cut(e.Error(), errkind.StatusLine(e.Status))
	return !found || strings.Trim(reason, " :;.-") == ""
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "userctl",
		Short: "Administer user accounts of web services from the command line",
		Long: `userctl administers the user accounts of web services through their HTTP APIs:
one tool for several APIs (a generic REST users API, data.gouv.fr/udata, Datadog,
and HTTP-Basic /api/v1/users services), safe by default and fast on thousands of accounts.

With no configuration it talks to a built-in sandbox, so every command can be tried at once.`,
		Example: `  userctl users list
  userctl users create --email ada@example.com --name "Ada Lovelace" --password-stdin <<<'s3cret-pass'
  userctl users list -o json | jq -r '.[].email'
  userctl profile add prod --api udata --url https://www.data.gouv.fr/api/1`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       f.Build.Version,
		// Set, cobra's Find does not answer a mistyped verb itself (its
		// message spans lines and exits 1): NoArgs suggests, exit 2.
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SetVersionTemplate(versionLine(f.Build) + "\n")
	cmdutil.AddGlobalFlags(root, f)
	root.SetFlagErrorFunc(cmdutil.FlagError)
	root.AddGroup(&cobra.Group{ID: "core", Title: "Commands:"}, &cobra.Group{ID: "more", Title: "More commands:"})
	for _, c := range []*cobra.Command{users.NewCmd(f), profile.NewCmd(f), sandbox.NewCmd(f)} {
		c.GroupID = "core"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{newAPICmd(f, nil), newVersionCmd(f), newCompletionCmd(f)} {
		c.GroupID = "more"
		root.AddCommand(c)
	}
	root.SetHelpCommandGroupID("more")
	root.SetCompletionCommandGroupID("more")
	return root
}

func versionLine(b BuildInfo) string {
	return fmt.Sprintf("userctl %s (commit %s, built %s)", b.Version, b.Commit, b.Date)
}
