package cmd

import (
	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
)

func newCompletionCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print the completion script of a shell on stdout.

  bash:        source <(userctl completion bash)
  zsh:         userctl completion zsh > "${fpath[1]}/_userctl"
  fish:        userctl completion fish > ~/.config/fish/completions/userctl.fish
  powershell:  userctl completion powershell | Out-String | Invoke-Expression

Completions include profile names, API dialects, output formats, fields and user IDs
(fetched from the API with a short timeout; nothing is shown if it is unreachable).`,
		Example:   "  source <(userctl completion bash)",
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      cmdutil.ExactArgs(1, "a shell (bash, zsh, fish or powershell)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			out := f.IO.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return errkind.Errorf(errkind.Usage, "unknown shell %q (valid: bash, zsh, fish, powershell)", args[0])
		},
	}
}
