package users

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/userapi"
)

// RolesOptions are the inputs of users roles.
type RolesOptions struct{ F *cmdutil.Factory }

func newRolesCmd(f *cmdutil.Factory, runF func(context.Context, *RolesOptions) error) *cobra.Command {
	opts := &RolesOptions{F: f}
	return &cobra.Command{
		Use:     "roles",
		Short:   "List the roles the API knows",
		Long:    "List the roles that can be given to users with --role.",
		Example: "  userctl users roles -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return rolesRun(cmd.Context(), opts)
		},
	}
}

func rolesRun(ctx context.Context, opts *RolesOptions) error {
	b, err := opts.F.Backend()
	if err != nil {
		return err
	}
	rl, err := capability[userapi.RoleLister](b, "roles")
	if err != nil {
		return err
	}
	roles, err := rl.ListRoles(ctx)
	if err != nil {
		return err
	}
	w, err := opts.F.Printer(output.RoleSchema(), true)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	return w.Close()
}
