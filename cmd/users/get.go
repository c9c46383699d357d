package users

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/userapi"
)

// GetOptions are the inputs of users get.
type GetOptions struct {
	F              *cmdutil.Factory
	IDs            []string
	File           string
	IgnoreNotFound bool
}

func newGetCmd(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{F: f}
	cmd := &cobra.Command{
		Use:   "get ID... | -f FILE",
		Short: "Show one or more users",
		Long: `Show users by ID, or the IDs of -f FILE (- for stdin: one a line, JSON Lines objects
with an "id" as users list -o jsonl prints, or a JSON array of them). With several IDs,
each is fetched and printed in order (a JSON array with -o json, as with -f FILE
whatever the number of IDs it holds); a user not found or
an invalid ID does not stop the others: the command exits 3 (2 for an invalid ID) at
the end, naming them, or 0 for users not found with --ignore-not-found.`,
		Example: `  userctl users get usr_000001
  userctl users get usr_000001 usr_000002 -o json
  userctl users list --role guest -o jsonl | userctl users get -f - -o csv`,
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
			return getRun(cmd.Context(), opts)
		},
	}
	addSelectionFlag(cmd, &opts.File)
	cmd.Flags().BoolVar(&opts.IgnoreNotFound, "ignore-not-found", false, "leave out users that do not exist (exit 0)")
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	b, err := opts.F.Backend()
	if err != nil {
		return err
	}
	// Fetch first, print after, so that output is one well-formed document.
	users := make([]userapi.User, 0, len(opts.IDs))
	runErr := eachID(opts.IDs, opts.IgnoreNotFound, func(id string) error {
		u, err := b.GetUser(ctx, id)
		if err == nil {
			users = append(users, u)
		}
		return err
	})
	// Several IDs, or a selection of any size, are one list, printed even
	// when --ignore-not-found left every user out (`[]` with -o json).
	list := len(opts.IDs) > 1 || opts.File != ""
	if len(users) > 0 || (list && runErr == nil) {
		w, err := opts.F.Printer(output.UserSchema(), list)
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

// printUser prints one user object.
func printUser(f *cmdutil.Factory, u userapi.User) error {
	w, err := f.Printer(output.UserSchema(), false)
	if err != nil {
		return err
	}
	if err := w.Write(u); err != nil {
		return err
	}
	return w.Close()
}
