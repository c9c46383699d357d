package users

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/userapi"
)

// SuggestOptions are the inputs of users suggest.
type SuggestOptions struct {
	F     *cmdutil.Factory
	Query string
	Limit int
}

func newSuggestCmd(f *cmdutil.Factory, runF func(context.Context, *SuggestOptions) error) *cobra.Command {
	opts := &SuggestOptions{F: f}
	cmd := &cobra.Command{
		Use:     "suggest QUERY",
		Short:   "Suggest users matching a text (autocomplete)",
		Long:    "Ask the API for users whose name or slug match QUERY (udata), at most --limit (1 to 20).",
		Example: "  userctl users suggest lovelace --limit 5",
		Args:    cmdutil.ExactArgs(1, "QUERY"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Query = args[0]
			if opts.Limit < 1 || opts.Limit > 20 {
				return errkind.Errorf(errkind.Usage, "--limit must be between 1 and 20")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return suggestRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", 10, "maximum number of suggestions (1-20)")
	return cmd
}

func suggestRun(ctx context.Context, opts *SuggestOptions) error {
	b, err := opts.F.Backend()
	if err != nil {
		return err
	}
	s, err := capability[userapi.Suggester](b, "suggest")
	if err != nil {
		return err
	}
	list, err := s.SuggestUsers(ctx, opts.Query, opts.Limit)
	if err != nil {
		return err
	}
	w, err := opts.F.Printer(output.SuggestionSchema(), true)
	if err != nil {
		return err
	}
	for _, x := range list {
		if err := w.Write(x); err != nil {
			return err
		}
	}
	return w.Close()
}
