// Package users holds the `userctl users` commands, one file per verb.
package users

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/userapi"
)

// NewCmd returns `userctl users` and its verbs.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "List, create, change and delete user accounts",
		Long: `Administer the user accounts of the API of the current profile.

Every API maps its users to the same object (id, username, email, name, roles,
status, created_at, updated_at, extra), so scripts work across APIs. Verbs an API
cannot do fail before any request with exit code 2.`,
		Example: `  userctl users list --all -o jsonl
  userctl users get usr_000001 usr_000002
  userctl users delete usr_000003 --yes`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(
		newListCmd(f, nil), newGetCmd(f, nil), newCreateCmd(f, nil), newUpdateCmd(f, nil),
		newPasswdCmd(f, nil), newDeleteCmd(f, nil), newDisableCmd(f, true, nil), newDisableCmd(f, false, nil),
		newFollowCmd(f, true, nil), newFollowCmd(f, false, nil), newFollowersCmd(f, nil),
		newAvatarCmd(f), newRolesCmd(f, nil), newSuggestCmd(f, nil),
		newImportCmd(f, nil), newExportCmd(f, nil), newApplyCmd(f, nil),
	)
	defaultHelp := cmd.HelpFunc()
	cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
		if c == cmd {
			if note := markUnsupported(f, cmd); note != "" {
				defaultHelp(c, args)
				fmt.Fprintln(c.OutOrStdout(), "\n"+note)
				return
			}
		}
		defaultHelp(c, args)
	})
	return cmd
}

// markUnsupported marks the verbs the current profile's API lacks in the
// help of `users` (they stay listed: help lists every verb) and returns a
// note saying so. The dialect declares its capabilities
// (userapi.VerbCapability), so no client is built and no credentials are
// needed. It never fails: with a broken config the help is shown unmarked.
func markUnsupported(f *cmdutil.Factory, cmd *cobra.Command) string {
	res, err := f.Resolved()
	if err != nil {
		return ""
	}
	d, err := userapi.Lookup(res.Profile.API)
	if err != nil {
		return ""
	}
	var missing []string
	for _, c := range cmd.Commands() {
		if !d.Supports(c.Name()) {
			c.Short += fmt.Sprintf(" (not with the %s API)", res.Profile.API)
			missing = append(missing, c.Name())
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("Not available with profile %q (%s API): %s.", res.Profile.Name, res.Profile.API, strings.Join(missing, ", "))
}

// capability returns the backend as T, or the unsupported error naming what
// the API can do.
func capability[T any](b userapi.Backend, verb string) (T, error) {
	c, ok := b.(T)
	if !ok {
		var zero T
		return zero, userapi.Unsupported(b, verb)
	}
	return c, nil
}
