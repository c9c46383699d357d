package users

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// PasswdOptions are the inputs of users passwd.
type PasswdOptions struct {
	F             *cmdutil.Factory
	ID            string
	PasswordStdin bool
}

func newPasswdCmd(f *cmdutil.Factory, runF func(context.Context, *PasswdOptions) error) *cobra.Command {
	opts := &PasswdOptions{F: f}
	cmd := &cobra.Command{
		Use:   "passwd ID",
		Short: "Set a user's password (udata: force a password rotation)",
		Long: `Set a user's password. The new password is asked twice with a masked prompt, or read
from the first line of stdin with --password-stdin; it is never taken from arguments.

Where the API needs the current password too (basic), it is asked first; with
--password-stdin, stdin holds two lines: the current password, then the new one.
On udata, which has no password endpoint, this forces a password rotation instead.`,
		Example: `  userctl users passwd usr_000001
  printf '%s\n' "$NEW_PASSWORD" | userctl users passwd usr_000001 --password-stdin
  printf '%s\n%s\n' "$OLD" "$NEW" | userctl -p svc users passwd alice --password-stdin`,
		Args:              cmdutil.ExactArgs(1, "ID"),
		ValidArgsFunction: f.CompleteUserIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return passwdRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password(s) from stdin")
	return cmd
}

func passwdRun(ctx context.Context, opts *PasswdOptions) error {
	f := opts.F
	b, err := f.Backend()
	if err != nil {
		return err
	}
	ps, err := capability[userapi.PasswordSetter](b, "passwd")
	if err != nil {
		return err
	}
	// Before asking for any password (the dialect checks it again before
	// its request).
	if err := userapi.ValidateID(opts.ID); err != nil {
		return err
	}
	pol := ps.PasswordPolicy()
	var ch userapi.PasswordChange
	switch {
	case !pol.NeedsNew && opts.PasswordStdin:
		return errkind.Errorf(errkind.Usage, "--password-stdin: the %s API sets no password (%s); drop the flag to do that", b.Info().Name, strings.TrimSuffix(pol.Note, "."))
	case !pol.NeedsNew:
	case opts.PasswordStdin && pol.NeedsCurrent:
		lines, err := f.IO.ReadLines(2)
		if err != nil {
			return errkind.Errorf(errkind.Usage, "--password-stdin needs two lines on stdin: the current password, then the new one")
		}
		ch.Current, ch.New = lines[0], lines[1]
		if pol.MinLength > 0 && len(ch.New) < pol.MinLength {
			return errkind.Errorf(errkind.Usage, "password must be at least %d characters", pol.MinLength)
		}
	default:
		if pol.NeedsCurrent {
			if !f.CanPrompt() {
				return cmdutil.MissingFlag("password-stdin")
			}
			cur, err := f.Prompter().Password("Current password:")
			if err != nil {
				return err
			}
			ch.Current = cur
		}
		pw, err := newPassword(f, opts.PasswordStdin, pol.MinLength)
		if err != nil {
			return err
		}
		ch.New = pw
	}
	res, err := ps.SetPassword(ctx, opts.ID, ch)
	if err != nil {
		return err
	}
	if err := printResults(f, []userapi.Result{res}, false); err != nil {
		return err
	}
	if pol.Note != "" {
		// After the request: a note before one that fails misleads.
		f.Notice("Note: %s", pol.Note)
	}
	return nil
}
