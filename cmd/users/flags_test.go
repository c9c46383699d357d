package users

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/bulk"
	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/cmdutil/cmdtest"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/paging"
)

func ptr[T any](v T) *T { return &v }

// defaults are the global flags when none is given.
var defaults = cmdutil.Globals{MaxWait: cmdutil.DefaultMaxWait}

// TestUsersFlags parses each verb's command line through its runF: the
// options the verb would run with, or the usage error (exit 2) it stops at
// before any request.
func TestUsersFlags(t *testing.T) {
	ids := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(ids, []byte("u1\n\n{\"id\": \"u2\"}\nu1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var (
		list    = cmdtest.Verb(newListCmd)
		get     = cmdtest.Verb(newGetCmd)
		create  = cmdtest.Verb(newCreateCmd)
		update  = cmdtest.Verb(newUpdateCmd)
		passwd  = cmdtest.Verb(newPasswdCmd)
		del     = cmdtest.Verb(newDeleteCmd)
		disable = cmdtest.Verb(func(f *cmdutil.Factory, runF func(context.Context, *DisableOptions) error) *cobra.Command {
			return newDisableCmd(f, true, runF)
		})
		enable = cmdtest.Verb(func(f *cmdutil.Factory, runF func(context.Context, *DisableOptions) error) *cobra.Command {
			return newDisableCmd(f, false, runF)
		})
		follow = cmdtest.Verb(func(f *cmdutil.Factory, runF func(context.Context, *FollowOptions) error) *cobra.Command {
			return newFollowCmd(f, true, runF)
		})
		unfollow = cmdtest.Verb(func(f *cmdutil.Factory, runF func(context.Context, *FollowOptions) error) *cobra.Command {
			return newFollowCmd(f, false, runF)
		})
		followers = cmdtest.Verb(newFollowersCmd)
		avatar    = cmdtest.Verb(newAvatarUploadCmd)
		roles     = cmdtest.Verb(newRolesCmd)
		suggest   = cmdtest.Verb(newSuggestCmd)
		export    = cmdtest.Verb(newExportCmd)
		imp       = cmdtest.Verb(newImportCmd)
		apply     = cmdtest.Verb(newApplyCmd)
	)
	cmdtest.RunAll(t, []cmdtest.Case{
		// list
		{Name: "list defaults", Cmd: list, Want: ListOptions{Limit: DefaultListLimit, Pages: paging.DefaultWindow}, Globals: &defaults},
		{Name: "list filters", Cmd: list, Argv: []string{"--all", "-q", "ada", "--sort=-email", "--role", "admin"},
			Want: ListOptions{Limit: DefaultListLimit, All: true, Query: "ada", Sort: "-email", Role: "admin", Pages: paging.DefaultWindow}},
		{Name: "list -L", Cmd: list, Argv: []string{"-L", "5"}, Want: ListOptions{Limit: 5, Pages: paging.DefaultWindow}},
		{Name: "list global flags", Cmd: list, Argv: []string{"-o", "json", "--fields", "id,email", "--timeout", "5s", "--max-wait", "2s", "--no-input"},
			Want:    ListOptions{Limit: DefaultListLimit, Pages: paging.DefaultWindow},
			Globals: &cmdutil.Globals{Output: "json", Fields: []string{"id", "email"}, Timeout: 5 * time.Second, MaxWait: 2 * time.Second, NoInput: true}},
		{Name: "list --page-concurrency", Cmd: list, Argv: []string{"--all", "--page-concurrency", "1"}, Want: ListOptions{Limit: DefaultListLimit, All: true, Pages: 1}},
		{Name: "list --page-concurrency 0", Cmd: list, Argv: []string{"--page-concurrency", "0"}, Code: 2, Err: "--page-concurrency must be between 1 and 64, got 0"},
		{Name: "list --page-concurrency too high", Cmd: list, Argv: []string{"--page-concurrency", "65"}, Code: 2, Err: "--page-concurrency must be between 1 and 64, got 65"},
		{Name: "list --all and --limit", Cmd: list, Argv: []string{"--all", "--limit", "5"}, Code: 2, Err: "--limit and --all cannot be used together"},
		{Name: "list negative limit", Cmd: list, Argv: []string{"--limit", "-1"}, Code: 2, Err: "--limit must be positive"},
		{Name: "list limit not a number", Cmd: list, Argv: []string{"--limit", "ten"}, Code: 2, Err: `invalid argument "ten"`},
		{Name: "list argument", Cmd: list, Argv: []string{"ada"}, Code: 2, Err: "takes no arguments"},
		{Name: "list unknown flag", Cmd: list, Argv: []string{"--color"}, Code: 2, Err: "unknown flag: --color"},
		{Name: "list unknown output", Cmd: list, Argv: []string{"-o", "xml"}, Code: 2, Err: `unknown output format "xml"`},
		{Name: "list jq with csv", Cmd: list, Argv: []string{"-o", "csv", "--jq", ".[]"}, Code: 2, Err: "--jq cannot be used with -o csv"},

		// get
		{Name: "get IDs", Cmd: get, Argv: []string{"u1", "u2"}, Want: GetOptions{IDs: []string{"u1", "u2"}}},
		{Name: "get -f FILE", Cmd: get, Argv: []string{"-f", ids, "--ignore-not-found"}, Want: GetOptions{IDs: []string{"u1", "u2"}, File: ids, IgnoreNotFound: true}},
		{Name: "get -f stdin", Cmd: get, Argv: []string{"-f", "-"}, Stdin: `[{"id": "u3"}, {"id": 4}]`, Want: GetOptions{IDs: []string{"u3", "4"}, File: "-"}},
		{Name: "get IDs and -f", Cmd: get, Argv: []string{"-f", ids, "u1"}, Code: 2, Err: "not both"},
		{Name: "get nothing", Cmd: get, Code: 2, Err: "needs at least 1 user ID (or -f FILE)"},
		{Name: "get missing file", Cmd: get, Argv: []string{"-f", filepath.Join(t.TempDir(), "none.txt")}, Code: 2, Err: "no such file"},
		{Name: "get empty stdin", Cmd: get, Argv: []string{"-f", "-"}, Code: 2, Err: "stdin holds no user ID"},
		{Name: "get object without id", Cmd: get, Argv: []string{"-f", "-"}, Stdin: `{"email": "a@example.com"}`, Code: 2, Err: `line 1: the object has no "id"`},

		// create
		{Name: "create every flag", Cmd: create, Argv: []string{"--email", "ada@example.com", "--name", "Ada", "--first-name", "Ada", "--last-name", "Lovelace",
			"--role", "r1", "--role", "r2", "--admin", "--password-stdin", "--inactive", "--website", "https://ada.example", "--about", "maths"},
			Want: CreateOptions{Req: userapi.CreateRequest{Email: "ada@example.com", Name: "Ada", FirstName: "Ada", LastName: "Lovelace", Roles: []string{"r1", "r2"}, Inactive: true},
				Admin: true, AdminSet: true, PasswordStdin: true, Website: "https://ada.example", About: "maths"}},
		{Name: "create USERNAME", Cmd: create, Argv: []string{"alice"}, Want: CreateOptions{Req: userapi.CreateRequest{Username: "alice"}}},
		{Name: "create USERNAME and the same --username", Cmd: create, Argv: []string{"alice", "--username", "alice"}, Want: CreateOptions{Req: userapi.CreateRequest{Username: "alice"}}},
		{Name: "create --admin=false", Cmd: create, Argv: []string{"--admin=false"}, Want: CreateOptions{AdminSet: true}},
		{Name: "create two usernames", Cmd: create, Argv: []string{"alice", "--username", "bob"}, Code: 2, Err: `username given twice: "alice" and --username "bob"`},
		{Name: "create two arguments", Cmd: create, Argv: []string{"alice", "bob"}, Code: 2, Err: "at most one USERNAME"},
		{Name: "create --password", Cmd: create, Argv: []string{"--password", "x"}, Code: 2, Err: "unknown flag: --password"},

		// update
		{Name: "update fields", Cmd: update, Argv: []string{"u1", "--email", "e@example.com", "--name", "N", "--first-name", "F", "--last-name", "L"},
			Want: UpdateOptions{ID: "u1", email: "e@example.com", name: "N", first: "F", last: "L",
				Req: userapi.UpdateRequest{Email: ptr("e@example.com"), Name: ptr("N"), FirstName: ptr("F"), LastName: ptr("L")}}},
		{Name: "update empty name is a change", Cmd: update, Argv: []string{"u1", "--name", ""}, Want: UpdateOptions{ID: "u1", Req: userapi.UpdateRequest{Name: ptr("")}}},
		{Name: "update --role replaces", Cmd: update, Argv: []string{"u1", "--role", "a", "--role", "b"},
			Want: UpdateOptions{ID: "u1", roles: []string{"a", "b"}, Req: userapi.UpdateRequest{Roles: &[]string{"a", "b"}}}},
		{Name: "update --add-role --remove-role", Cmd: update, Argv: []string{"u1", "--add-role", "a", "--add-role", "b", "--remove-role", "c"},
			Want: UpdateOptions{ID: "u1", AddRoles: []string{"a", "b"}, RemoveRoles: []string{"c"}}},
		{Name: "update status and admin", Cmd: update, Argv: []string{"u1", "--status", "disabled", "--admin=false"},
			Want: UpdateOptions{ID: "u1", status: "disabled", Req: userapi.UpdateRequest{Status: ptr(userapi.StatusDisabled), Admin: ptr(false)}}},
		{Name: "update extra", Cmd: update, Argv: []string{"u1", "--website", "https://w.example"},
			Want: UpdateOptions{ID: "u1", website: "https://w.example", Req: userapi.UpdateRequest{Extra: map[string]string{"website": "https://w.example"}}}},
		{Name: "update --role with --add-role", Cmd: update, Argv: []string{"u1", "--role", "a", "--add-role", "b"}, Code: 2, Err: "--role replaces the roles"},
		{Name: "update --remove-role blank", Cmd: update, Argv: []string{"u1", "--remove-role", " "}, Code: 2, Err: "want a role name"},
		{Name: "update bad status", Cmd: update, Argv: []string{"u1", "--status", "frozen"}, Code: 2, Err: `--status "frozen": want active or disabled`},
		{Name: "update nothing", Cmd: update, Argv: []string{"u1"}, Code: 2, Err: "nothing to update"},
		{Name: "update no ID", Cmd: update, Argv: []string{"--name", "N"}, Code: 2, Err: "needs ID"},
		{Name: "update two IDs", Cmd: update, Argv: []string{"u1", "u2", "--name", "N"}, Code: 2, Err: "needs ID (got 2 argument(s))"},

		// passwd
		{Name: "passwd", Cmd: passwd, Argv: []string{"u1", "--password-stdin"}, Want: PasswdOptions{ID: "u1", PasswordStdin: true}},
		{Name: "passwd no ID", Cmd: passwd, Code: 2, Err: "needs ID"},

		// delete
		{Name: "delete flags", Cmd: del, Argv: []string{"u1", "u2", "--yes", "--ignore-not-found", "--no-mail", "--delete-comments"},
			Want: DeleteOptions{IDs: []string{"u1", "u2"}, Yes: true, IgnoreNotFound: true, Opts: userapi.DeleteOptions{NoMail: true, DeleteComments: true}}},
		{Name: "delete -f stdin", Cmd: del, Argv: []string{"-f", "-", "-y"}, Stdin: "{\"id\":\"u1\"}\n{\"id\":\"u2\"}\n", Want: DeleteOptions{IDs: []string{"u1", "u2"}, File: "-", Yes: true}},
		{Name: "delete IDs and -f", Cmd: del, Argv: []string{"u1", "-f", "-"}, Code: 2, Err: "not both"},
		{Name: "delete nothing", Cmd: del, Argv: []string{"--yes"}, Code: 2, Err: "needs at least 1 user ID"},

		// disable, enable
		{Name: "disable", Cmd: disable, Argv: []string{"u1", "-y"}, Want: DisableOptions{IDs: []string{"u1"}, Disable: true, Yes: true}},
		{Name: "enable -f", Cmd: enable, Argv: []string{"-f", ids, "--ignore-not-found"}, Want: DisableOptions{IDs: []string{"u1", "u2"}, File: ids, IgnoreNotFound: true}},
		{Name: "enable has no --yes", Cmd: enable, Argv: []string{"u1", "--yes"}, Code: 2, Err: "unknown flag: --yes"},
		{Name: "disable nothing", Cmd: disable, Argv: []string{"--yes"}, Code: 2, Err: "needs at least 1 user ID"},

		// follow, unfollow, followers
		{Name: "follow", Cmd: follow, Argv: []string{"u1"}, Want: FollowOptions{ID: "u1", Follow: true}},
		{Name: "unfollow", Cmd: unfollow, Argv: []string{"u1"}, Want: FollowOptions{ID: "u1"}},
		{Name: "follow two IDs", Cmd: follow, Argv: []string{"u1", "u2"}, Code: 2, Err: "needs ID"},
		{Name: "followers", Cmd: followers, Argv: []string{"u1"}, Want: FollowOptions{ID: "u1", Limit: DefaultListLimit}},
		{Name: "followers --all", Cmd: followers, Argv: []string{"u1", "--all"}, Want: FollowOptions{ID: "u1", Limit: DefaultListLimit, All: true}},
		{Name: "followers negative limit", Cmd: followers, Argv: []string{"u1", "-L", "-1"}, Code: 2, Err: "--limit must be positive"},

		// avatar upload
		{Name: "avatar upload", Cmd: avatar, Argv: []string{"u1", "me.png", "--bbox", "0,0,10,10"}, Want: AvatarOptions{ID: "u1", File: "me.png", BBox: "0,0,10,10"}},
		{Name: "avatar upload no file", Cmd: avatar, Argv: []string{"u1"}, Code: 2, Err: "needs ID and FILE"},
		{Name: "avatar upload short bbox", Cmd: avatar, Argv: []string{"u1", "me.png", "--bbox", "1,2"}, Code: 2, Err: "want LEFT,TOP,RIGHT,BOTTOM"},
		{Name: "avatar upload empty bbox", Cmd: avatar, Argv: []string{"u1", "me.png", "--bbox", "5,5,5,9"}, Code: 2, Err: "RIGHT must exceed LEFT"},

		// roles, suggest
		{Name: "roles", Cmd: roles, Want: RolesOptions{}},
		{Name: "roles argument", Cmd: roles, Argv: []string{"admin"}, Code: 2, Err: "takes no arguments"},
		{Name: "suggest", Cmd: suggest, Argv: []string{"ada"}, Want: SuggestOptions{Query: "ada", Limit: 10}},
		{Name: "suggest -L 20", Cmd: suggest, Argv: []string{"ada", "-L", "20"}, Want: SuggestOptions{Query: "ada", Limit: 20}},
		{Name: "suggest -L 0", Cmd: suggest, Argv: []string{"ada", "-L", "0"}, Code: 2, Err: "--limit must be between 1 and 20"},
		{Name: "suggest -L 21", Cmd: suggest, Argv: []string{"ada", "-L", "21"}, Code: 2, Err: "--limit must be between 1 and 20"},
		{Name: "suggest no query", Cmd: suggest, Code: 2, Err: "needs QUERY"},

		// export
		{Name: "export defaults to jsonl", Cmd: export, Want: ExportOptions{PageSize: exportPageSize, Pages: paging.DefaultWindow},
			Globals: &cmdutil.Globals{Output: "jsonl", MaxWait: cmdutil.DefaultMaxWait}},
		{Name: "export USERCTL_OUTPUT", Cmd: export, Env: map[string]string{"USERCTL_OUTPUT": "csv"}, Argv: []string{"--page-size", "50"},
			Want: ExportOptions{PageSize: 50, Pages: paging.DefaultWindow}, Globals: &cmdutil.Globals{Output: "csv", MaxWait: cmdutil.DefaultMaxWait}},
		{Name: "export USERCTL_OUTPUT table", Cmd: export, Env: map[string]string{"USERCTL_OUTPUT": "table"}, Want: ExportOptions{PageSize: exportPageSize, Pages: paging.DefaultWindow},
			Globals: &cmdutil.Globals{Output: "jsonl", MaxWait: cmdutil.DefaultMaxWait}},
		{Name: "export --page-concurrency", Cmd: export, Argv: []string{"--page-concurrency", "64"}, Want: ExportOptions{PageSize: exportPageSize, Pages: 64}},
		{Name: "export --page-concurrency negative", Cmd: export, Argv: []string{"--page-concurrency", "-2"}, Code: 2, Err: "--page-concurrency must be between 1 and 64"},
		{Name: "export -o table", Cmd: export, Argv: []string{"-o", "table"}, Code: 2, Err: "export writes jsonl, json, csv or yaml, not table"},

		// import, apply
		{Name: "import every flag", Cmd: imp, Argv: []string{"-f", "users.csv", "--concurrency", "4", "--dry-run", "--fail-fast", "--report", "r.jsonl", "--skip-existing", "--generate-passwords"},
			Want: BulkOptions{File: "users.csv", Concurrency: 4, DryRun: true, FailFast: true, Report: "r.jsonl", SkipExisting: true, GeneratePasswords: true}},
		{Name: "import without -f", Cmd: imp, Code: 2, Err: "missing required flag --file"},
		{Name: "import negative concurrency", Cmd: imp, Argv: []string{"-f", "-", "--concurrency", "-1"}, Code: 2, Err: "--concurrency must be positive"},
		{Name: "import --role-map", Cmd: imp, Argv: []string{"-f", "-", "--role-map", "editor=st", "--role-map", " ro = ,a=b"},
			Want: BulkOptions{File: "-", RoleMap: map[string]string{"editor": "st", "ro": "", "a": "b"}}},
		{Name: "import --role-map without =", Cmd: imp, Argv: []string{"-f", "-", "--role-map", "bad"}, Code: 2, Err: "role-map"},
		{Name: "import --role-map empty FROM", Cmd: imp, Argv: []string{"-f", "-", "--role-map", "=st"}, Code: 2, Err: "--role-map: want FROM=TO"},
		{Name: "apply --role-map", Cmd: apply, Argv: []string{"-f", "-", "--role-map", "ro="},
			Want: BulkOptions{File: "-", RoleMap: map[string]string{"ro": ""}, MaxDeletes: bulk.DefaultMaxDeletes}},
		{Name: "apply --role-map empty FROM", Cmd: apply, Argv: []string{"-f", "-", "--role-map", " =x"}, Code: 2, Err: "--role-map: want FROM=TO"},
		{Name: "import has no --prune", Cmd: imp, Argv: []string{"-f", "-", "--prune"}, Code: 2, Err: "unknown flag: --prune"},
		{Name: "apply defaults", Cmd: apply, Argv: []string{"-f", "users.yaml"}, Want: BulkOptions{File: "users.yaml", MaxDeletes: bulk.DefaultMaxDeletes}},
		{Name: "apply prune", Cmd: apply, Argv: []string{"-f", "users.yaml", "--prune", "--max-deletes", "0", "--no-mail", "--yes"},
			Want: BulkOptions{File: "users.yaml", Prune: true, MaxDeletes: 0, NoMail: true, Yes: true}},
		{Name: "apply drift check", Cmd: apply, Argv: []string{"-f", "users.yaml", "--dry-run", "--exit-code"},
			Want: BulkOptions{File: "users.yaml", DryRun: true, ExitCode: true, MaxDeletes: bulk.DefaultMaxDeletes}},
		{Name: "apply --max-deletes without --prune", Cmd: apply, Argv: []string{"-f", "users.yaml", "--max-deletes", "3"}, Code: 2, Err: "--max-deletes only applies with --prune"},
		{Name: "apply negative --max-deletes", Cmd: apply, Argv: []string{"-f", "users.yaml", "--prune", "--max-deletes", "-1"}, Code: 2, Err: "--max-deletes must be 0 or more"},
		{Name: "apply --exit-code without --dry-run", Cmd: apply, Argv: []string{"-f", "users.yaml", "--exit-code"}, Code: 2, Err: "--exit-code only applies with --dry-run"},
		{Name: "apply without -f", Cmd: apply, Argv: []string{"--prune"}, Code: 2, Err: "missing required flag --file"},
	})
}
