package users

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/userapi"
)

// DisableOptions are the inputs of users disable and enable.
type DisableOptions struct {
	F       *cmdutil.Factory
	IDs     []string
	Disable bool
	Yes     bool
}

func newDisableCmd(f *cmdutil.Factory, disable bool, runF func(context.Context, *DisableOptions) error) *cobra.Command {
	opts := &DisableOptions{F: f, Disable: disable}
	verb, short, long := "enable", "Enable disabled users", "Enable disabled user accounts so that they can log in again."
	example := "  userctl users enable usr_000001"
	if disable {
		verb, short = "disable", "Disable users without deleting them"
		long = "Disable user accounts: they can no longer log in, and nothing is deleted.\nAsks for confirmation when interactive; --yes is required otherwise."
		example = "  userctl users disable usr_000001 --yes"
	}
	cmd := &cobra.Command{
		Use:               verb + " ID...",
		Short:             short,
		Long:              long,
		Example:           example,
		Args:              cmdutil.MinArgs(1, "user ID"),
		ValidArgsFunction: f.CompleteUserIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return disableRun(cmd.Context(), opts)
		},
	}
	if disable {
		cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	}
	return cmd
}

func disableRun(ctx context.Context, opts *DisableOptions) error {
	f := opts.F
	verb := "enable"
	if opts.Disable {
		verb = "disable"
	}
	b, err := f.Backend()
	if err != nil {
		return err
	}
	d, err := capability[userapi.Disabler](b, verb)
	if err != nil {
		return err
	}
	if err := validateOne(opts.IDs); err != nil {
		return err
	}
	if opts.Disable {
		if err := confirm(f, opts.Yes, fmt.Sprintf("disable %s", plural(opts.IDs))); err != nil {
			return err
		}
	}
	// Like delete: a user that is not found (exit 3 at the end) or an
	// invalid ID (exit 2) does not stop the others; any other error stops
	// at once.
	var users []userapi.User
	var skip skipped
	for _, id := range opts.IDs {
		var u userapi.User
		if opts.Disable {
			u, err = d.DisableUser(ctx, id)
		} else {
			u, err = d.EnableUser(ctx, id)
		}
		if err != nil {
			if len(opts.IDs) > 1 && skip.add(id, err) {
				continue
			}
			return err
		}
		if f.IO.IsStderrTTY() || !f.WantsData() {
			f.Notice("User %q %sd.", id, verb)
		}
		users = append(users, u)
	}
	if len(users) > 0 {
		w, err := f.Printer(output.UserSchema(), len(opts.IDs) > 1)
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := w.Write(u); err != nil {
				return err
			}
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	return skip.Err()
}
