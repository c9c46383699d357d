package users

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/ratelimit"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/paging"
)

// DefaultListLimit is how many users list shows without --limit or --all.
const DefaultListLimit = 100

// ListOptions are the inputs of users list.
type ListOptions struct {
	F     *cmdutil.Factory
	Limit int
	All   bool
	Query string
	Sort  string
	Role  string
	// Pages is how many pages may be fetched at once (--page-concurrency).
	Pages int
}

func newListCmd(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List users",
		Long: `List the users of the API, streaming through every page.

Without --limit or --all the first 100 users are shown. Output is streamed:
-o jsonl prints each user as soon as it arrives, with constant memory.

Where the API numbers its pages (or takes offsets) and says how many users
there are (rest, udata, scim), up to --page-concurrency pages are fetched at
once, in the same order as one after another; see docs/output.md.`,
		Example: `  userctl users list
  userctl users list --all -o jsonl > users.jsonl
  userctl users list --query ada
  userctl users list --all --jq '.[] | select(.status == "disabled") | .email'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Limit < 0 {
				return errkind.Errorf(errkind.Usage, "--limit must be positive")
			}
			if opts.All && cmd.Flags().Changed("limit") {
				return errkind.Errorf(errkind.Usage, "--limit and --all cannot be used together")
			}
			if err := checkPageConcurrency(opts.Pages); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", DefaultListLimit, "maximum number of users to show")
	cmd.Flags().BoolVar(&opts.All, "all", false, "show every user")
	cmd.Flags().StringVarP(&opts.Query, "query", "q", "", "search text (where the API supports it)")
	cmd.Flags().StringVar(&opts.Sort, "sort", "", "sort key of the API (prefix - for descending)")
	cmd.Flags().StringVar(&opts.Role, "role", "", "only users with this role")
	addPageConcurrencyFlag(cmd, &opts.Pages)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	f := opts.F
	b, err := listBackend(f, opts.Pages)
	if err != nil {
		return err
	}
	limit := opts.Limit
	if opts.All {
		limit = 0
	}
	lo := userapi.ListOptions{Limit: limit, Query: opts.Query, Sort: opts.Sort, Role: opts.Role, PageConcurrency: opts.Pages}
	return writeUsers(ctx, f, b.ListUsers(ctx, lo), limit)
}

// addPageConcurrencyFlag declares --page-concurrency on a listing verb.
func addPageConcurrencyFlag(cmd *cobra.Command, pages *int) {
	cmd.Flags().IntVar(pages, "page-concurrency", paging.DefaultWindow,
		fmt.Sprintf("pages fetched at once where the API's paging allows it (1: one after another; at most %d)", paging.MaxWindow))
}

// checkPageConcurrency validates --page-concurrency.
func checkPageConcurrency(n int) error {
	if n < 1 || n > paging.MaxWindow {
		return errkind.Errorf(errkind.Usage, "--page-concurrency must be between 1 and %d, got %d", paging.MaxWindow, n)
	}
	return nil
}

// listBackend builds the backend of a listing. Pages fetched in parallel
// share one adaptive rate limiter, so that a 429 slows them down together
// rather than each retrying on its own.
func listBackend(f *cmdutil.Factory, pages int) (userapi.Backend, error) {
	env := f.Env()
	if pages > 1 {
		env.Limiter = ratelimit.NewAdaptive(0)
	}
	return f.BackendWith(env)
}

// writeUsers streams a sequence of users to the printer as a list. The
// printer starts with the first user, so a listing that fails before any
// user prints nothing on stdout (no "[]" a script could take for "none").
func writeUsers(ctx context.Context, f *cmdutil.Factory, seq func(func(userapi.User, error) bool), limit int) error {
	var w output.Writer
	n := 0
	var listErr error
	for u, err := range seq {
		if err != nil {
			listErr = err
			break
		}
		if w == nil {
			if w, err = f.Printer(output.UserSchema(), true); err != nil {
				return err
			}
		}
		if err := w.Write(u); err != nil {
			_ = w.Close()
			return err
		}
		n++
	}
	if w == nil {
		if listErr != nil {
			return listErr
		}
		if !f.WantsData() && f.IO.IsStdoutTTY() {
			// A header over nothing reads as a glitch at a terminal;
			// piped, the header stays for scripts.
			f.Notice("No users found.")
			return ctx.Err()
		}
		var err error
		if w, err = f.Printer(output.UserSchema(), true); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil && listErr == nil {
		listErr = err
	}
	if listErr != nil {
		return listErr
	}
	if limit > 0 && n == limit && f.IO.IsStderrTTY() {
		what := fmt.Sprintf("the first %d users", limit)
		if limit == 1 {
			what = "the first user"
		}
		f.Notice("Showing %s; use --all for every user or --limit N.", what)
	}
	return ctx.Err()
}
