// Package profile holds the `userctl profile` commands.
package profile

import (
	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
)

// NewCmd returns `userctl profile` and its verbs.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Manage connection profiles (API, URL, credentials)",
		Long: `A profile says which API userctl talks to, where, and with which credentials.
Profiles live in $XDG_CONFIG_HOME/userctl/config.yaml (mode 0600); secrets go to the OS
keyring when there is one. With no profile at all, the built-in sandbox is used.`,
		Example: `  userctl profile add prod --api udata --url https://www.data.gouv.fr/api/1
  userctl profile use prod
  userctl profile check`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAddCmd(f, nil), newListCmd(f, nil), newUseCmd(f, nil), newShowCmd(f, nil), newRemoveCmd(f, nil), newCheckCmd(f, nil))
	return cmd
}

func completeProfiles(f *cmdutil.Factory) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f.ProfileNames(), cobra.ShellCompDirectiveNoFileComp
	}
}
