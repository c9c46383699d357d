package users

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/bulk"
	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/userapi"
)

func newApplyCmd(f *cmdutil.Factory, runF func(context.Context, *BulkOptions) error) *cobra.Command {
	opts := &BulkOptions{F: f}
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Make the API's users match a file (create, update, optionally delete)",
		Long: `Read the current users and the file, compute a plan — create the missing users, update
the ones whose fields differ (only the fields the file gives), leave the rest unchanged,
and with --prune delete the users the file does not list — print it, then carry it out.
--dry-run stops after the plan. Running apply twice in a row changes nothing the second
time. Users are matched by the id column, else username, else email.

--prune needs --yes when not interactive, and is guarded: an input with no users is
refused before any request (exit 2); the account userctl authenticates as is never
deleted (the plan shows it as kept; where the API cannot tell which account that is,
the plan says so); a plan that deletes more than --max-deletes users (default 20) is
refused before any change (exit 2). --no-mail asks the API not to notify the deleted
users (udata). The report and exit codes are those of import.

--dry-run --exit-code checks for drift: exit 0 when the API matches the file, 8 when
there are changes to make. A dry run with invalid items exits 2: nothing would be safe
to apply. What the file gives that apply cannot change for an existing user (a
password) is listed in the plan as unreconciled. The file may be another API's export:
fields this API cannot hold are left out with one notice, role names are mapped (a
role this API does not have fails its line: --role-map FROM=TO renames it first, an
empty TO drops it; give the same --role-map to every run so that they converge), and
--generate-passwords --report FILE makes the passwords new users need.`,
		Example: `  userctl users apply -f team.yaml --dry-run
  userctl users apply -f team.yaml --dry-run --exit-code   # CI: 8 means drift
  userctl -p old users export | userctl -p new users apply -f - --generate-passwords --report copy.jsonl
  userctl -p udata users export | userctl -p dd users apply -f - --role-map editor=st --generate-passwords --report copy.jsonl
  userctl users apply -f team.yaml
  userctl users apply -f team.yaml --prune --yes -o json
  userctl users apply -f team.csv --prune --max-deletes 50 --no-mail`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.File == "" {
				return cmdutil.MissingFlag("file")
			}
			if opts.Concurrency < 0 {
				return errkind.Errorf(errkind.Usage, "--concurrency must be positive")
			}
			if opts.MaxDeletes < 0 {
				return errkind.Errorf(errkind.Usage, "--max-deletes must be 0 or more")
			}
			if cmd.Flags().Changed("max-deletes") && !opts.Prune {
				return errkind.Errorf(errkind.Usage, "--max-deletes only applies with --prune")
			}
			if opts.ExitCode && !opts.DryRun {
				return errkind.Errorf(errkind.Usage, "--exit-code only applies with --dry-run")
			}
			var err error
			if opts.RoleMap, err = checkRoleMap(opts.RoleMap); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	addBulkFlags(cmd, opts)
	cmd.Flags().BoolVar(&opts.Prune, "prune", false, "delete users that the file does not list")
	cmd.Flags().IntVar(&opts.MaxDeletes, "max-deletes", bulk.DefaultMaxDeletes, "with --prune, refuse a plan that deletes more users than this")
	cmd.Flags().BoolVar(&opts.NoMail, userapi.FlagNoMail, false, "do not notify the users deleted by --prune by mail")
	cmdutil.DialectFlag(cmd, userapi.FlagNoMail)
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before deleting with --prune")
	cmd.Flags().BoolVar(&opts.ExitCode, "exit-code", false, "with --dry-run, exit 8 when the API differs from the file (drift), 0 when it matches")
	return cmd
}

// planSchema renders apply plans.
func planSchema() output.Schema {
	val := func(k string) func(any) any {
		return func(i any) any { return i.(bulk.PlanItem).Value()[k] }
	}
	return output.Schema{Columns: []output.Column{
		{Name: "action", Value: val("action")},
		{Name: "key", Value: val("key")},
		{Name: "id", Value: val("id")},
		{Name: "line", Value: val("line"), Wide: true},
		{Name: "changes", Value: func(i any) any { return i.(bulk.PlanItem).ChangesText() }},
		{Name: "error", Value: val("error")},
	}}
}

func applyRun(ctx context.Context, opts *BulkOptions) (err error) {
	f := opts.F
	b, src, report, err := bulkSetup(opts)
	if err != nil {
		return err
	}
	defer src.Close()
	if report != nil {
		defer func() {
			if cerr := report.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("writing the report: %w", cerr)
			}
		}()
	}
	maxDeletes := opts.MaxDeletes
	if maxDeletes == 0 {
		maxDeletes = -1 // --max-deletes 0: no delete at all
	}
	plan, err := bulk.ComputePlan(ctx, b, src.Items(), bulk.PlanOptions{Prune: opts.Prune, MaxDeletes: maxDeletes,
		PageSize: exportPageSize, Name: src.Name, GeneratePasswords: opts.GeneratePasswords, RoleMap: opts.RoleMap})
	if plan == nil {
		return err
	}
	if perr := printPlan(f, plan); perr != nil {
		return perr
	}
	if plan.Dropped != "" {
		f.Notice("Note: %s.", plan.Dropped)
	}
	if err != nil {
		return err
	}
	if opts.DryRun {
		return dryRunResult(f, plan, opts.ExitCode)
	}
	if !plan.HasChanges() && plan.Counts().Invalid == 0 {
		f.Notice("Nothing to do: the API already matches %s.", src.Name)
		return nil
	}
	if c := plan.Counts(); c.Delete > 0 {
		if err := confirm(f, opts.Yes, fmt.Sprintf("delete %d users absent from %s (--prune)", c.Delete, src.Name)); err != nil {
			return err
		}
	}
	var w io.Writer
	if report != nil {
		w = report
	}
	_, err = bulk.Apply(ctx, b, plan, opts.engineOptions(src, w, "apply"))
	return err
}

// dryRunResult ends apply --dry-run: exit 2 when items are invalid
// (nothing would be safe to apply), else with --exit-code 8 when the plan
// has changes to make (drift) and 0 when the API matches the file.
func dryRunResult(f *cmdutil.Factory, plan *bulk.Plan, exitCode bool) error {
	c := plan.Counts()
	f.Notice("Dry run: nothing was changed; would create %d, would update %d, would delete %d (%d unchanged).",
		c.Create, c.Update, c.Delete, c.Unchanged)
	switch {
	case c.Invalid > 0:
		return errkind.Errorf(errkind.Usage, "apply --dry-run: %s (see the plan)", c.InvalidItems("input"))
	case exitCode && plan.HasChanges():
		return errkind.Errorf(errkind.Drift, "apply --dry-run --exit-code: the API differs from the input: %d to create, %d to update, %d to delete",
			c.Create, c.Update, c.Delete)
	}
	return nil
}

// printPlan shows the plan: as text on stderr for people, as data on stdout
// for -o json and co.
func printPlan(f *cmdutil.Factory, plan *bulk.Plan) error {
	if !f.WantsData() {
		return plan.WriteText(f.IO.ErrOut)
	}
	w, err := f.Printer(planSchema(), true)
	if err != nil {
		return err
	}
	for _, it := range append(plan.Items[:len(plan.Items):len(plan.Items)], plan.Kept...) {
		if err := w.Write(it); err != nil {
			return err
		}
	}
	if plan.SelfUnknown != "" {
		f.Notice("Note: %s.", plan.SelfUnknown)
	}
	return w.Close()
}
