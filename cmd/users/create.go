package users

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// CreateOptions are the inputs of users create.
type CreateOptions struct {
	F             *cmdutil.Factory
	Req           userapi.CreateRequest
	Admin         bool
	AdminSet      bool
	PasswordStdin bool
	Website       string
	About         string
}

func newCreateCmd(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "create [USERNAME]",
		Short: "Create a user",
		Long: `Create a user. Which fields are required depends on the API (rest: email, name and
password; udata: first and last name and email; Datadog: email; basic: username and password).

Missing required fields are asked for when interactive; otherwise the command fails
naming the flag. Passwords never come from arguments: they are read from a masked
prompt, or from the first line of stdin with --password-stdin.`,
		Example: `  userctl users create --email ada@example.com --name "Ada Lovelace" --role admin --password-stdin <<<'correct-horse'
  userctl users create ada --password-stdin < pw.txt          # basic API: the username is the key
  userctl users create --first-name Ada --last-name Lovelace --email ada@example.com   # udata`,
		Args: cmdutil.RangeArgs(0, 1, "at most one USERNAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if opts.Req.Username != "" && opts.Req.Username != args[0] {
					return errkind.Errorf(errkind.Usage, "username given twice: %q and --username %q", args[0], opts.Req.Username)
				}
				opts.Req.Username = args[0]
			}
			opts.AdminSet = cmd.Flags().Changed("admin")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Req.Username, "username", "", "username, handle or login (basic: the key; Datadog: the handle, default --email)")
	fl.StringVar(&opts.Req.Email, "email", "", "email address")
	fl.StringVar(&opts.Req.Name, "name", "", "full name")
	fl.StringVar(&opts.Req.FirstName, "first-name", "", "first name (udata)")
	fl.StringVar(&opts.Req.LastName, "last-name", "", "last name (udata)")
	fl.StringArrayVar(&opts.Req.Roles, "role", nil, "role (repeatable); Datadog: standard, admin or read-only")
	fl.BoolVar(&opts.Admin, "admin", false, "make the user an administrator")
	fl.BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password from the first line of stdin")
	fl.BoolVar(&opts.Req.Inactive, "inactive", false, "create the account inactive")
	fl.StringVar(&opts.Website, "website", "", "website (udata)")
	fl.StringVar(&opts.About, "about", "", "about text (udata)")
	return cmd
}

// createFlags maps a required field to its flag and prompt.
var createFields = map[string]struct {
	prompt string
	get    func(*userapi.CreateRequest) *string
}{
	"username":   {"Username", func(r *userapi.CreateRequest) *string { return &r.Username }},
	"email":      {"Email", func(r *userapi.CreateRequest) *string { return &r.Email }},
	"name":       {"Full name", func(r *userapi.CreateRequest) *string { return &r.Name }},
	"first-name": {"First name", func(r *userapi.CreateRequest) *string { return &r.FirstName }},
	"last-name":  {"Last name", func(r *userapi.CreateRequest) *string { return &r.LastName }},
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.F
	b, err := f.Backend()
	if err != nil {
		return err
	}
	info := b.Info()
	req := opts.Req
	if opts.AdminSet {
		req.Admin = &opts.Admin
	}
	if opts.Website != "" || opts.About != "" {
		req.Extra = map[string]string{}
		if opts.Website != "" {
			req.Extra["website"] = opts.Website
		}
		if opts.About != "" {
			req.Extra["about"] = opts.About
		}
	}
	// A full name can stand for first and last names, and the reverse.
	if req.Name == "" && (req.FirstName != "" || req.LastName != "") {
		req.Name = strings.TrimSpace(req.FirstName + " " + req.LastName)
	}
	if req.FirstName == "" && req.LastName == "" && req.Name != "" {
		first, last, _ := strings.Cut(req.Name, " ")
		req.FirstName, req.LastName = first, strings.TrimSpace(last)
	}
	// A username that is an email address (a Datadog handle) stands for the
	// email when none is given.
	if req.Email == "" && strings.Contains(req.Username, "@") {
		req.Email = req.Username
	}
	needsPassword := false
	for _, field := range info.CreateRequired {
		if field == "password" {
			needsPassword = true
			continue
		}
		spec, ok := createFields[field]
		if !ok {
			continue
		}
		v := spec.get(&req)
		if *v != "" {
			continue
		}
		if !f.CanPrompt() {
			return cmdutil.MissingFlag(field)
		}
		ans, err := f.Prompter().Input(spec.prompt+":", "")
		if err != nil {
			return err
		}
		if strings.TrimSpace(ans) == "" {
			return errkind.Errorf(errkind.Usage, "%s is required", strings.ToLower(spec.prompt))
		}
		*v = strings.TrimSpace(ans)
	}
	if needsPassword || opts.PasswordStdin {
		pw, err := newPassword(f, opts.PasswordStdin, info.MinPasswordLength)
		if err != nil {
			return err
		}
		req.Password = pw
	}
	u, err := b.CreateUser(ctx, req)
	if err != nil {
		return err
	}
	if f.IO.IsStderrTTY() || !f.WantsData() {
		f.Notice("Created user %q.", u.ID)
	}
	return printUser(f, u)
}

// passwordAttempts is how many times a new password is asked before giving
// up: a short one or a mismatched repeat asks again.
const passwordAttempts = 3

// promptNewPassword asks for a new password and its repeat, asking again
// (with the reason on stderr) when it is empty, too short or not repeated
// exactly.
func promptNewPassword(f *cmdutil.Factory, minLen int) (string, error) {
	p := f.Prompter()
	var problem error
	for range passwordAttempts {
		if problem != nil {
			f.Notice("%s; try again.", upperFirst(problem.Error()))
		}
		first, err := p.Password("New password:")
		if err != nil {
			return "", err
		}
		switch {
		case first == "":
			problem = errkind.Errorf(errkind.Usage, "empty password")
			continue
		case minLen > 0 && len(first) < minLen:
			problem = errkind.Errorf(errkind.Usage, "password must be at least %d characters", minLen)
			continue
		}
		again, err := p.Password("Repeat the password:")
		if err != nil {
			return "", err
		}
		if first != again {
			problem = errkind.Errorf(errkind.Usage, "the passwords do not match")
			continue
		}
		return first, nil
	}
	return "", problem
}

// newPassword reads a new password from stdin or a masked prompt (asked
// twice), checking the minimum length before anything is sent.
func newPassword(f *cmdutil.Factory, fromStdin bool, minLen int) (string, error) {
	var pw string
	switch {
	case fromStdin:
		line, err := f.IO.ReadSecretLine()
		if err != nil {
			return "", err
		}
		pw = line
	case f.CanPrompt():
		var err error
		if pw, err = promptNewPassword(f, minLen); err != nil {
			return "", err
		}
	default:
		return "", errkind.Errorf(errkind.Usage, "missing required flag --password-stdin (a password is needed and prompts are off)")
	}
	if minLen > 0 && len(pw) < minLen {
		return "", errkind.Errorf(errkind.Usage, "password must be at least %d characters", minLen)
	}
	if pw == "" {
		return "", errkind.Errorf(errkind.Usage, "empty password")
	}
	return pw, nil
}
