package users

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/bulk"
	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/ratelimit"
	"github.com/userctl/userctl/internal/userapi"
)

// BulkOptions are the inputs shared by users import and apply.
type BulkOptions struct {
	F            *cmdutil.Factory
	File         string
	Concurrency  int
	DryRun       bool
	SkipExisting bool
	FailFast     bool
	Report       string
	Prune        bool
	MaxDeletes   int
	NoMail       bool
	Yes          bool
	// GeneratePasswords makes the passwords a create needs; --report is
	// required with it (the one place they are written).
	GeneratePasswords bool
	// RoleMap renames the roles of the file before the API's own mapping
	// (--role-map FROM=TO; an empty TO drops the role).
	RoleMap map[string]string
	// ExitCode (apply --dry-run) exits 8 when the plan has changes.
	ExitCode bool
}

func addBulkFlags(cmd *cobra.Command, opts *BulkOptions) {
	fl := cmd.Flags()
	fl.StringVarP(&opts.File, "file", "f", "", "file of users: .csv, .jsonl, .json, .yaml, or - for JSON Lines on stdin")
	fl.IntVar(&opts.Concurrency, "concurrency", 0, "parallel requests (default: suited to the API)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "send nothing: validate (import) or print the plan (apply)")
	fl.BoolVar(&opts.FailFast, "fail-fast", false, "stop at the first failed item")
	fl.StringVar(&opts.Report, "report", "", "write a JSON Lines report of every item to this file, as it goes")
	fl.BoolVar(&opts.GeneratePasswords, "generate-passwords", false,
		"make a random password for each new user that needs one and has none; written only to --report (required)")
	fl.StringToStringVar(&opts.RoleMap, "role-map", nil,
		"rename a role of the file before this API maps it: `FROM=TO` (repeatable, or a=b,c=d); an empty TO drops the role")
	cmd.Flags().Lookup("role-map").DefValue = "" // not "[]" in the help
	_ = cmd.MarkFlagFilename("file", "csv", "jsonl", "ndjson", "json", "yaml", "yml")
	_ = cmd.MarkFlagFilename("report", "jsonl")
}

// checkRoleMap refuses a --role-map entry with no role to map (an empty
// FROM); pflag has already refused a value with no "=". Spaces around
// either name are trimmed.
func checkRoleMap(m map[string]string) (map[string]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for from, to := range m {
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if from == "" {
			return nil, errkind.Errorf(errkind.Usage, "--role-map: want FROM=TO with a role to map, got %q", "="+to)
		}
		out[from] = to
	}
	return out, nil
}

// maxShownFailures is how many failed items a bulk run without --report
// lists on stderr.
const maxShownFailures = 20

func newImportCmd(f *cmdutil.Factory, runF func(context.Context, *BulkOptions) error) *cobra.Command {
	opts := &BulkOptions{F: f}
	cmd := &cobra.Command{
		Use:   "import -f FILE",
		Short: "Create many users from a file, fast and without losing any",
		Long: `Create the users of a CSV (header row), JSON Lines, JSON array or YAML file with a pool
of workers that share one rate limiter: when the API says to slow down, every worker
waits, then speeds up again. A create that may have reached the server is checked
before it is sent again, so nothing is created twice; the users there before the run
(listed once, before anything is sent) are never reported created.

Every record ends as created, skipped or failed in the report (--report FILE, JSON Lines,
written as it goes so an interrupted run keeps it); the summary goes to stderr. A bad
record (a stray quote, broken JSON, over 1 MiB) is reported with its line number and
does not stop the others (unless --fail-fast). --report must not be the input file.
Exit code 7 when any item failed; 6 when the API refused every request (429) for
--max-wait and the run gave up (items never sent say "not sent"). Columns: email, name,
first_name, last_name, username, roles (a;b), status, password. --dry-run sends nothing
and counts the valid records as "would create"; --skip-existing skips the users already
there before it validates them.

The file may be another API's export (JSON Lines, or the JSON array of list -o json
on stdin): fields this API cannot hold are left out with one notice, role names are
mapped to this API's (an unknown role fails its line, in a dry run too; --role-map
editor=st renames a role first, --role-map ro= drops it), a name is
split into first and last name where needed, and --generate-passwords --report FILE
makes a password for each user that needs one, written only to the report (0600).`,
		Example: `  userctl users import -f users.csv --report import.jsonl
  userctl users import -f users.csv --skip-existing      # rerun: creates only what is missing
  userctl users export | userctl -p staging users import -f - --generate-passwords --report pw.jsonl
  userctl users list -o json | userctl -p staging users import -f - --skip-existing
  userctl -p udata users export | userctl -p dd users import -f - --role-map editor=st --role-map ro=`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.File == "" {
				return cmdutil.MissingFlag("file")
			}
			if opts.Concurrency < 0 {
				return errkind.Errorf(errkind.Usage, "--concurrency must be positive")
			}
			var err error
			if opts.RoleMap, err = checkRoleMap(opts.RoleMap); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return importRun(cmd.Context(), opts)
		},
	}
	addBulkFlags(cmd, opts)
	cmd.Flags().BoolVar(&opts.SkipExisting, "skip-existing", false, "report users that already exist as skipped, not failed")
	return cmd
}

// bulkSetup opens the input and report, and builds a backend whose requests
// share one adaptive rate limiter.
func bulkSetup(opts *BulkOptions) (userapi.Backend, *bulk.Source, io.WriteCloser, error) {
	f := opts.F
	if opts.GeneratePasswords && opts.Report == "" {
		return nil, nil, nil, errkind.Errorf(errkind.Usage,
			"--generate-passwords needs --report FILE: the generated passwords are written there and nowhere else")
	}
	src, err := bulk.Open(opts.File, f.IO.In)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkReport(opts.Report, opts.File, f.IO.In); err != nil {
		_ = src.Close()
		return nil, nil, nil, err
	}
	env := f.Env()
	env.Limiter = ratelimit.NewAdaptive(0)
	b, err := f.BackendWith(env)
	if err != nil {
		_ = src.Close()
		return nil, nil, nil, err
	}
	var report io.WriteCloser
	if opts.Report != "" {
		if dir := filepath.Dir(opts.Report); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				_ = src.Close()
				return nil, nil, nil, errkind.Errorf(errkind.Usage, "--report: %v", err)
			}
		}
		rf, err := os.OpenFile(opts.Report, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			_ = src.Close()
			return nil, nil, nil, errkind.Errorf(errkind.Usage, "--report: %v", err)
		}
		// An existing file keeps its mode when opened: the report may
		// hold generated passwords, so it is made 0600 either way.
		if err := rf.Chmod(0o600); err != nil {
			_ = rf.Close()
			_ = src.Close()
			return nil, nil, nil, errkind.Errorf(errkind.Usage, "--report: %v", err)
		}
		report = rf
	}
	return b, src, report, nil
}

// checkReport refuses, before any request, a --report path that is the
// input file (by any name: symlink, hard link, stdin redirected from it),
// which opening the report would empty, or that is not a writable file.
func checkReport(report, input string, stdin io.Reader) error {
	if report == "" {
		return nil
	}
	if strings.TrimSpace(report) == "" || report == "-" {
		return errkind.Errorf(errkind.Usage, "--report: want a file path, got %q", report)
	}
	rst, err := os.Stat(report)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // created later, with its directory
		}
		return errkind.Errorf(errkind.Usage, "--report: %v", err)
	}
	if rst.IsDir() {
		return errkind.Errorf(errkind.Usage, "--report %s: is a directory", report)
	}
	var ist fs.FileInfo
	if input == "-" {
		if in, ok := stdin.(*os.File); ok {
			ist, _ = in.Stat()
		}
	} else {
		ist, _ = os.Stat(input)
	}
	if ist != nil && os.SameFile(rst, ist) {
		return errkind.Errorf(errkind.Usage, "--report %s is the input file: writing the report would empty it", report)
	}
	return nil
}

func (opts *BulkOptions) engineOptions(src *bulk.Source, report io.Writer, verb string) bulk.Options {
	f := opts.F
	o := bulk.Options{
		Concurrency:  opts.Concurrency,
		DryRun:       opts.DryRun,
		SkipExisting: opts.SkipExisting,
		FailFast:     opts.FailFast,
		Stderr:       f.IO.ErrOut,
		Progress:     f.IO.IsStderrTTY(),
		Total:        src.Total,
		Verb:         verb,
		Delete:       userapi.DeleteOptions{NoMail: opts.NoMail},
		GiveUpAfter:  f.Globals.MaxWait,

		GeneratePasswords: opts.GeneratePasswords,
		RoleMap:           opts.RoleMap,
	}
	if report != nil {
		o.Report = report
	} else {
		o.ShowFailures = maxShownFailures
	}
	return o
}

func importRun(ctx context.Context, opts *BulkOptions) (err error) {
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
	var w io.Writer
	if report != nil {
		w = report
	}
	_, err = bulk.Import(ctx, b, src.Items(), opts.engineOptions(src, w, "import"))
	return err
}
