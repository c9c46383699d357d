package bulk

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// codeFake is a backend whose users carry role codes ("adm") and that
// maps names to them, like Datadog, holding only some fields.
type codeFake struct{ fullFake }

func (f codeFake) MapRoles(_ context.Context, roles []string) ([]string, error) {
	out := []string{}
	for _, r := range roles {
		switch {
		case r == "admin" || r == "adm":
			out = append(out, "adm")
		case userapi.PlainRole(r):
			out = append(out, "st")
		default:
			return nil, &userapi.UnknownRoleError{Role: r, Err: errkind.Errorf(errkind.Usage, "unknown role %q", r)}
		}
	}
	return out, nil
}

func newCodeFake() codeFake {
	f := codeFake{newFullFake()}
	f.info = userapi.Info{Name: "codes", Title: "Code API", CreateRequired: []string{"username", "password"},
		Writable: []string{"username", "email", "name", "roles", "password"}}
	return f
}

func TestAdaptMapsDropsAndDerives(t *testing.T) {
	b := newCodeFake()
	tgt := newTarget(b, true, nil)
	it := newItem(1, map[string]any{"email": "ada@example.com", "name": "Ada Lovelace", "roles": []any{"admin"},
		"status": "pending", "extra": map[string]any{"slug": "ada", "verified": true}})
	if it.Err != nil || it.Status != userapi.StatusActive {
		t.Fatalf("pending read as %q: %v", it.Status, it.Err)
	}
	tgt.adapt(context.Background(), &it)
	if it.Err != nil {
		t.Fatal(it.Err)
	}
	req := it.CreateRequest()
	if req.Username != "ada@example.com" || len(req.Password) < 20 || it.GeneratedPassword() != req.Password {
		t.Errorf("derived username %q, password %q", req.Username, req.Password)
	}
	if len(it.Roles) != 1 || it.Roles[0] != "adm" {
		t.Errorf("roles %v, want [adm]", it.Roles)
	}
	if it.Status != "" || len(it.Extra) != 0 {
		t.Errorf("status %q and extra %v not dropped", it.Status, it.Extra)
	}
	note := tgt.note()
	for _, s := range []string{"Code API", "extra.slug (1)", "extra.verified (1)", "status (1)"} {
		if !strings.Contains(note, s) {
			t.Errorf("note %q lacks %q", note, s)
		}
	}

	bad := newItem(2, map[string]any{"email": "w@example.com", "roles": "wizard"})
	tgt.adapt(context.Background(), &bad)
	if bad.Err == nil || !strings.Contains(bad.Err.Error(), `line 2: roles: unknown role "wizard" (map it with --role-map wizard=ROLE)`) {
		t.Errorf("unknown role: %v", bad.Err)
	}
	// A role with a space or a control character is quoted in the hint.
	odd := newItem(3, map[string]any{"email": "o@example.com", "roles": []any{"Lead\x1b[2J dev"}})
	tgt.adapt(context.Background(), &odd)
	if odd.Err == nil || !strings.Contains(odd.Err.Error(), `(map it with --role-map "Lead\x1b[2J dev=ROLE")`) {
		t.Errorf("unknown odd role: %v", odd.Err)
	}
}

// TestPlanRoleMap: --role-map renames roles before the API's mapping, an
// empty TO drops the role (a line left with none says nothing about
// roles), and the mapped file matches the users it made.
func TestPlanRoleMap(t *testing.T) {
	b := newCodeFake()
	b.users = []userapi.User{
		{ID: "ed@example.com", Username: "ed@example.com", Email: "ed@example.com", Roles: []string{"st"}},
		{ID: "ro@example.com", Username: "ro@example.com", Email: "ro@example.com", Roles: []string{"adm"}},
	}
	in := func(yield func(Item, error) bool) {
		_ = yield(newItem(1, map[string]any{"email": "ed@example.com", "roles": "editor"}), nil) &&
			yield(newItem(2, map[string]any{"email": "ro@example.com", "roles": "ro"}), nil) &&
			yield(newItem(3, map[string]any{"email": "new@example.com", "roles": "editor;admin", "password": "secret-secret"}), nil)
	}
	plan, err := ComputePlan(context.Background(), b, in, PlanOptions{RoleMap: map[string]string{"editor": "user", "ro": ""}})
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Counts(); c.Unchanged != 2 || c.Create != 1 || c.Invalid != 0 {
		t.Fatalf("plan %+v: %+v", c, plan.Items)
	}
	for _, p := range plan.Items {
		if p.Line == 3 && !slices.Equal(p.Item.Roles, []string{"st", "adm"}) {
			t.Errorf("line 3 roles %v, want [st adm]", p.Item.Roles)
		}
	}
}

// TestPlanConvergesOnRoleCodes: a file saying "admin" matches a user whose
// API says "adm"; a password for an existing user is unreconciled, not a
// change.
func TestPlanConvergesOnRoleCodes(t *testing.T) {
	b := newCodeFake()
	b.users = []userapi.User{{ID: "ada@example.com", Username: "ada@example.com", Email: "ada@example.com", Name: "Ada", Roles: []string{"adm"}}}
	in := func(yield func(Item, error) bool) {
		yield(newItem(1, map[string]any{"email": "ada@example.com", "roles": "admin", "password": "secret-secret"}), nil)
	}
	plan, err := ComputePlan(context.Background(), b, in, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Counts(); c.Unchanged != 1 || plan.HasChanges() {
		t.Fatalf("plan %+v: %+v", c, plan.Items)
	}
	if u := plan.Items[0].Unreconciled; len(u) != 1 || u[0] != "password" {
		t.Errorf("unreconciled %v", u)
	}
}

func TestOpenStdinReadsJSONArray(t *testing.T) {
	src, err := Open("-", strings.NewReader("\n  [{\"email\":\"a@example.com\"},{\"email\":\"b@example.com\"}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for it, err := range src.Items() {
		if err != nil || it.Err != nil {
			t.Fatalf("%v %v", err, it.Err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d items, want 2", n)
	}
}
