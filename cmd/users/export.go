package users

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// ExportOptions are the inputs of users export.
type ExportOptions struct {
	F        *cmdutil.Factory
	PageSize int
	// Pages is how many pages may be fetched at once (--page-concurrency).
	Pages int
}

// exportPageSize is the page size export asks for: few, large pages.
const exportPageSize = 1000

func newExportCmd(f *cmdutil.Factory, runF func(context.Context, *ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{F: f}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every user, streamed (JSON Lines by default)",
		Long: `Write every user of the API on stdout, streamed with constant memory: the next pages
are fetched while the current one is written, up to --page-concurrency at once where
the API numbers its pages (or takes offsets) and says how many users there are (rest,
udata, scim), in the same order as one after another. The format is JSON Lines unless
-o says json, csv or yaml. The output can be fed back to import or apply. In csv, a
cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets a
leading ' that import and apply remove again.`,
		Example: `  userctl users export > users.jsonl
  userctl users export -o csv --fields id,email,status > users.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkPageConcurrency(opts.Pages); err != nil {
				return err
			}
			switch f.Globals.Output {
			case "":
				// USERCTL_OUTPUT or the profile may name a data format;
				// a table preference there means the export default.
				switch format := f.OutputFormat(); format {
				case "table", "wide":
					f.Globals.Output = "jsonl"
				default:
					f.Globals.Output = format
				}
			case "table", "wide":
				return errkind.Errorf(errkind.Usage, "export writes jsonl, json, csv or yaml, not %s (use users list --all for a table)", f.Globals.Output)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.PageSize, "page-size", exportPageSize, "users asked for per request")
	addPageConcurrencyFlag(cmd, &opts.Pages)
	return cmd
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	b, err := listBackend(opts.F, opts.Pages)
	if err != nil {
		return err
	}
	return writeUsers(ctx, opts.F, b.ListUsers(ctx, userapi.ListOptions{PageSize: opts.PageSize, PageConcurrency: opts.Pages}), 0)
}
