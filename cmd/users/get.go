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
	F   *cmdutil.Factory
	IDs []string
}

func newGetCmd(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{F: f}
	cmd := &cobra.Command{
		Use:   "get ID...",
		Short: "Show one or more users",
		Long: `Show users by ID. With several IDs, each is fetched and printed in order
(a JSON array with -o json); the first that fails stops the command with its exit code.`,
		Example: `  userctl users get usr_000001
  userctl users get usr_000001 usr_000002 -o json`,
		Args:              cmdutil.MinArgs(1, "user ID"),
		ValidArgsFunction: f.CompleteUserIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	b, err := opts.F.Backend()
	if err != nil {
		return err
	}
	// Fetch first, print after, so that output is one well-formed document.
	// Users that are not found (exit 3) and invalid IDs (exit 2) are
	// reported after the others; any other error stops at once.
	users := make([]userapi.User, 0, len(opts.IDs))
	var skip skipped
	for _, id := range opts.IDs {
		u, err := b.GetUser(ctx, id)
		if err != nil {
			if len(opts.IDs) > 1 && skip.add(id, err) {
				continue
			}
			return err
		}
		users = append(users, u)
	}
	if len(users) > 0 {
		w, err := opts.F.Printer(output.UserSchema(), len(opts.IDs) > 1)
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
