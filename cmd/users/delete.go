package users

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// DeleteOptions are the inputs of users delete.
type DeleteOptions struct {
	F              *cmdutil.Factory
	IDs            []string
	Yes            bool
	IgnoreNotFound bool
	Opts           userapi.DeleteOptions
	File           string
}

func newDeleteCmd(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{F: f}
	cmd := &cobra.Command{
		Use:     "delete ID... | -f FILE",
		Aliases: []string{"rm"},
		Short:   "Delete users",
		Long: `Delete users. Asks for confirmation when interactive; when not interactive --yes is
required. What delete means depends on the API and is said before it happens:
Datadog only disables users, udata anonymises the account (soft delete).

A user that does not exist is exit 3, unless --ignore-not-found; so is a user already
as deleted as the API allows (on Datadog, already disabled). An invalid ID (empty, ".",
"..", or holding "/") is exit 2 and nothing is sent for it; the other IDs go on.
-f FILE (- for stdin) reads the IDs: one a line, JSON Lines objects with an "id" (what
users list -o jsonl prints), or a JSON array of them.`,
		Example: `  userctl users delete usr_000001
  userctl users delete usr_000001 usr_000002 --yes --ignore-not-found
  userctl users list --query old -o jsonl | userctl users delete -f - --yes`,
		ValidArgsFunction: f.CompleteUserIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := selectIDs(cmd, f, args, opts.File)
			if err != nil {
				return err
			}
			opts.IDs = ids
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	fl.BoolVar(&opts.IgnoreNotFound, "ignore-not-found", false, "treat users that do not exist as deleted")
	fl.BoolVar(&opts.Opts.NoMail, userapi.FlagNoMail, false, "do not notify the user by mail")
	fl.BoolVar(&opts.Opts.DeleteComments, userapi.FlagDeleteComments, false, "also delete the user's comments")
	cmdutil.DialectFlag(cmd, userapi.FlagNoMail)
	cmdutil.DialectFlag(cmd, userapi.FlagDeleteComments)
	addSelectionFlag(cmd, &opts.File)
	return cmd
}

// confirm asks before a destructive verb, or requires --yes.
func confirm(f *cmdutil.Factory, yes bool, question string) error {
	if yes {
		return nil
	}
	if !f.CanPrompt() {
		return errkind.Errorf(errkind.Usage, "--yes is needed to %s when not running interactively", question)
	}
	ok, err := f.Prompter().Confirm(upperFirst(question)+"?", false)
	if err != nil {
		return err
	}
	if !ok {
		return errkind.Errorf(errkind.Usage, "cancelled: nothing was changed")
	}
	return nil
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	f := opts.F
	b, err := f.Backend()
	if err != nil {
		return err
	}
	info := b.Info()
	if err := validateOne(opts.IDs); err != nil {
		return err
	}
	question := fmt.Sprintf("delete %s", plural(opts.IDs))
	if !opts.Yes && !f.CanPrompt() {
		return confirm(f, false, question)
	}
	note := func() {
		if info.DeleteNote != "" {
			f.Notice("Note: %s.", strings.TrimSuffix(info.DeleteNote, "."))
		}
	}
	// Asked, the note comes with the question; with --yes, only once a
	// user was deleted (never before a request that then fails).
	if !opts.Yes {
		note()
	}
	if err := confirm(f, opts.Yes, question); err != nil {
		return err
	}
	var results []userapi.Result
	runErr := eachID(opts.IDs, opts.IgnoreNotFound, func(id string) error {
		res, err := b.DeleteUser(ctx, id, opts.Opts)
		if err != nil {
			if r, ok := skippedResult(info, id, err, opts.IgnoreNotFound); ok {
				results = append(results, r)
			}
			return err
		}
		if res.ID == "" {
			res.ID = id
		}
		results = append(results, res)
		return nil
	})
	if len(opts.IDs) == 1 && runErr != nil {
		return runErr
	}
	if err := printResults(f, results, len(opts.IDs) > 1); err != nil {
		return err
	}
	if opts.Yes && slices.ContainsFunc(results, func(r userapi.Result) bool { return r.Action == "deleted" || r.Action == "disabled" }) {
		note()
	}
	return runErr
}

// skippedResult is the result line of an ID whose delete failed for that ID
// alone: not found, already deleted (Datadog: already disabled), or invalid.
// ok is false for any other error.
func skippedResult(info userapi.Info, id string, err error, ignoreNotFound bool) (userapi.Result, bool) {
	ignored := ""
	if ignoreNotFound {
		ignored = " (ignored)"
	}
	switch {
	case errors.Is(err, userapi.ErrInvalidID):
		return userapi.Result{ID: id, Action: "invalid", Message: err.Error()}, true
	case errors.Is(err, userapi.ErrAlreadyDeleted):
		state := "deleted"
		if info.DeleteDisables {
			state = "disabled"
		}
		if ignoreNotFound {
			return userapi.Result{ID: id, Action: "already " + state, Message: fmt.Sprintf("user %q already %s: nothing to do", id, state)}, true
		}
		return userapi.Result{ID: id, Action: "already " + state, Message: err.Error()}, true
	case errkind.Is(err, errkind.NotFound):
		return userapi.Result{ID: id, Action: "not found", Message: fmt.Sprintf("user %q not found%s", id, ignored)}, true
	}
	return userapi.Result{}, false
}

func plural(ids []string) string {
	if len(ids) == 1 {
		return fmt.Sprintf("user %q", ids[0])
	}
	return fmt.Sprintf("%d users (%s)", len(ids), strings.Join(ids, ", "))
}
