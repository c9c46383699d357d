package users

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// UpdateOptions are the inputs of users update.
type UpdateOptions struct {
	F       *cmdutil.Factory
	ID      string
	Req     userapi.UpdateRequest
	email   string
	name    string
	first   string
	last    string
	roles   []string
	status  string
	admin   bool
	website string
	about   string
	// AddRoles and RemoveRoles change the current roles (read first)
	// instead of replacing them.
	AddRoles    []string
	RemoveRoles []string
}

func newUpdateCmd(f *cmdutil.Factory, runF func(context.Context, *UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a user's fields",
		Long: `Change the given fields of a user; fields not given are left as they are
(on udata the full roles list is always sent, so roles are never wiped). --role
replaces the roles; --add-role and --remove-role read the user's roles and change
only those named (role names as the API's roles lists them, or names it maps, such
as admin for Datadog's adm).`,
		Example: `  userctl users update usr_000001 --name "Ada King" --role admin
  userctl users update usr_000001 --add-role editor --remove-role guest
  userctl users update usr_000001 --status disabled`,
		Args:              cmdutil.ExactArgs(1, "ID"),
		ValidArgsFunction: f.CompleteUserIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			fl := cmd.Flags()
			r := &opts.Req
			if fl.Changed("email") {
				r.Email = &opts.email
			}
			if fl.Changed("name") {
				r.Name = &opts.name
			}
			if fl.Changed("first-name") {
				r.FirstName = &opts.first
			}
			if fl.Changed("last-name") {
				r.LastName = &opts.last
			}
			if fl.Changed("role") {
				if len(opts.AddRoles)+len(opts.RemoveRoles) > 0 {
					return errkind.Errorf(errkind.Usage, "--role replaces the roles: it cannot go with --add-role or --remove-role")
				}
				r.Roles = &opts.roles
			}
			for _, role := range append(slices.Clone(opts.AddRoles), opts.RemoveRoles...) {
				if strings.TrimSpace(role) == "" {
					return errkind.Errorf(errkind.Usage, "--add-role and --remove-role want a role name, got %q", role)
				}
			}
			if fl.Changed("admin") {
				r.Admin = &opts.admin
			}
			if fl.Changed("status") {
				s := userapi.Status(opts.status)
				if s != userapi.StatusActive && s != userapi.StatusDisabled {
					return errkind.Errorf(errkind.Usage, "--status %q: want active or disabled", opts.status)
				}
				r.Status = &s
			}
			if fl.Changed("website") || fl.Changed("about") {
				r.Extra = map[string]string{}
				if fl.Changed("website") {
					r.Extra["website"] = opts.website
				}
				if fl.Changed("about") {
					r.Extra["about"] = opts.about
				}
			}
			if r.IsEmpty() && len(opts.AddRoles)+len(opts.RemoveRoles) == 0 {
				return errkind.Errorf(errkind.Usage, "nothing to update: give at least one of --email, --name, --first-name, --last-name, --role, --add-role, --remove-role, --status, --admin")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return updateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.email, "email", "", "new email address")
	fl.StringVar(&opts.name, "name", "", "new full name")
	fl.StringVar(&opts.first, "first-name", "", "new first name (udata)")
	fl.StringVar(&opts.last, "last-name", "", "new last name (udata)")
	fl.StringArrayVar(&opts.roles, "role", nil, "the user's roles, replacing the current ones (repeatable)")
	fl.StringArrayVar(&opts.AddRoles, "add-role", nil, "add a role, keeping the others (repeatable)")
	fl.StringArrayVar(&opts.RemoveRoles, "remove-role", nil, "remove a role, keeping the others (repeatable)")
	fl.StringVar(&opts.status, "status", "", "active or disabled")
	fl.BoolVar(&opts.admin, "admin", false, "grant (--admin) or revoke (--admin=false) administrator rights")
	fl.StringVar(&opts.website, "website", "", "website (udata)")
	fl.StringVar(&opts.about, "about", "", "about text (udata)")
	_ = cmd.RegisterFlagCompletionFunc("status", cmdutil.FixedCompletion("active", "disabled"))
	return cmd
}

func updateRun(ctx context.Context, opts *UpdateOptions) error {
	b, err := opts.F.Backend()
	if err != nil {
		return err
	}
	up, err := capability[userapi.Updater](b, "update")
	if err != nil {
		return err
	}
	if len(opts.AddRoles)+len(opts.RemoveRoles) > 0 {
		roles, err := changedRoles(ctx, b, opts.ID, opts.AddRoles, opts.RemoveRoles)
		if err != nil {
			return err
		}
		opts.Req.Roles = &roles
	}
	u, err := up.UpdateUser(ctx, opts.ID, opts.Req)
	if err != nil {
		return err
	}
	if opts.F.IO.IsStderrTTY() || !opts.F.WantsData() {
		opts.F.Notice("Updated user %q.", u.ID)
	}
	return printUser(opts.F, u)
}

// changedRoles reads the user's roles and returns them with add added and
// remove removed, names compared as the API's userapi.RoleMapper maps them
// (when it has one) and case-insensitively.
func changedRoles(ctx context.Context, b userapi.Backend, id string, add, remove []string) ([]string, error) {
	cur, err := b.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	mapper, _ := b.(userapi.RoleMapper)
	canon := func(names []string) ([]string, error) {
		if mapper == nil {
			return names, nil
		}
		out := make([]string, 0, len(names))
		for _, n := range names {
			m, err := mapper.MapRoles(ctx, []string{n})
			if err != nil {
				return nil, err
			}
			out = append(out, m...)
		}
		return out, nil
	}
	if add, err = canon(add); err != nil {
		return nil, err
	}
	if remove, err = canon(remove); err != nil {
		return nil, err
	}
	has := func(list []string, r string) bool {
		return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, r) })
	}
	roles := make([]string, 0, len(cur.Roles)+len(add))
	for _, r := range cur.Roles {
		if !has(remove, r) {
			roles = append(roles, r)
		}
	}
	for _, r := range add {
		if !has(roles, r) && !has(remove, r) {
			roles = append(roles, r)
		}
	}
	return roles, nil
}
