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
	File    string
	// IgnoreNotFound leaves out users that do not exist (exit 0).
	IgnoreNotFound bool
}

func newDisableCmd(f *cmdutil.Factory, disable bool, runF func(context.Context, *DisableOptions) error) *cobra.Command {
	opts := &DisableOptions{F: f, Disable: disable}
	verb, short, long := "enable", "Enable disabled users", "Enable disabled user accounts so that they can log in again."
	example := "  userctl users enable usr_000001\n  userctl users enable -f ids.txt"
	if disable {
		verb, short = "disable", "Disable users without deleting them"
		long = "Disable user accounts: they can no longer log in, and nothing is deleted.\nAsks for confirmation when interactive; --yes is required otherwise."
		example = "  userctl users disable usr_000001 --yes\n  userctl users list --role guest -o jsonl | userctl users disable -f - --yes"
	}
	long += `

-f FILE (- for stdin) reads the IDs: one a line, JSON Lines objects with an "id" (what
users list -o jsonl prints), or a JSON array of them. A user not found or an invalid ID
does not stop the others: exit 3 (2 for an invalid ID) at the end, naming them; users
not found are left out with --ignore-not-found.`
	cmd := &cobra.Command{
		Use:               verb + " ID... | -f FILE",
		Short:             short,
		Long:              long,
		Example:           example,
		ValidArgsFunction: f.CompleteUserIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := selectIDs(cmd, f, args, opts.File)
			if err != nil {
				return err
			}
			opts.IDs = ids
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return disableRun(cmd.Context(), opts)
		},
	}
	if disable {
		cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	}
	addSelectionFlag(cmd, &opts.File)
	cmd.Flags().BoolVar(&opts.IgnoreNotFound, "ignore-not-found", false, "leave out users that do not exist (exit 0)")
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
	var users []userapi.User
	runErr := eachID(opts.IDs, opts.IgnoreNotFound, func(id string) error {
		var u userapi.User
		var err error
		if opts.Disable {
			u, err = d.DisableUser(ctx, id)
		} else {
			u, err = d.EnableUser(ctx, id)
		}
		if err != nil {
			return err
		}
		if f.IO.IsStderrTTY() || !f.WantsData() {
			f.Notice("User %q %sd.", id, verb)
		}
		users = append(users, u)
		return nil
	})
	if len(opts.IDs) == 1 && runErr != nil {
		return runErr
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
	return runErr
}
