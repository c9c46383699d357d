package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
)

func newVersionCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and build date",
		Long:    "Print userctl's version, the commit it was built from and the build date (`dev` for a local build).",
		Example: "  userctl version",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(f.IO.Out, versionLine(f.Build))
			return err
		},
	}
}
