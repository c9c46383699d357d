package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/output"
)

func newVersionCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and build date",
		Long:    "Print userctl's version, the commit it was built from and the build date (`dev` for a local build).",
		Example: "  userctl version",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !f.WantsData() {
				_, err := fmt.Fprintln(f.IO.Out, versionLine(f.Build))
				return err
			}
			w, err := f.Printer(versionSchema, false)
			if err != nil {
				return err
			}
			if err := w.Write(versionInfo(f.Build)); err != nil {
				return err
			}
			return w.Close()
		},
	}
}

// versionInfo is the data form of version.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

var versionSchema = output.Schema{Columns: []output.Column{
	{Name: "version", Value: func(i any) any { return i.(versionInfo).Version }},
	{Name: "commit", Value: func(i any) any { return i.(versionInfo).Commit }},
	{Name: "date", Value: func(i any) any { return i.(versionInfo).Date }},
}}
