package bulk

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// seeded returns a full fake holding alice, bob, carol and dave.
func seeded() fullFake {
	f := newFullFake()
	f.add(userapi.CreateRequest{Username: "alice", Email: "alice@example.com", Name: "Alice", Roles: []string{"admin", "dev"}})
	f.add(userapi.CreateRequest{Username: "bob", Email: "bob@example.com", Name: "Bob", Roles: []string{"user"}})
	f.add(userapi.CreateRequest{Username: "carol", Email: "carol@example.com", Name: "Carol"})
	f.add(userapi.CreateRequest{Username: "dave", Email: "dave@example.com", Name: "Dave"})
	return f
}

const applyFile = `email,username,name,roles,status,id
ALICE@example.com,,Alice,dev;admin,active,
,bob,Robert,user;ops,,
carol@example.com,,,,disabled,
erin@example.com,erin,Erin,,,
frank@example.com,,Frank,,,usr_999
`

func planOf(t *testing.T, b userapi.Backend, text string, prune bool) *Plan {
	t.Helper()
	plan, err := ComputePlan(context.Background(), b, Read(strings.NewReader(text), FormatCSV, "f.csv"), PlanOptions{Prune: prune})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return plan
}

func TestComputePlan(t *testing.T) {
	f := seeded()
	plan := planOf(t, f, applyFile, true)
	type row struct {
		action Action
		line   int
		key    string
		id     string
		change string
	}
	var got []row
	for _, p := range plan.Items {
		got = append(got, row{p.Action, p.Line, p.Key, p.ID, p.ChangesText()})
	}
	want := []row{
		{ActionUnchanged, 2, "ALICE@example.com", "usr_1", ""},
		{ActionUpdate, 3, "bob", "usr_2", `name: "Bob" -> "Robert"; roles: [user] -> [ops user]`},
		{ActionUpdate, 4, "carol@example.com", "usr_3", `status: "active" -> "disabled"`},
		{ActionCreate, 5, "erin", "", ""},
		// An id that matches nobody falls back to username and email.
		{ActionCreate, 6, "usr_999", "", ""},
		{ActionDelete, 0, "dave@example.com", "usr_4", ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("plan:\n got %v\nwant %v", got, want)
	}
	if c := plan.Counts(); c != (PlanCounts{Create: 2, Update: 2, Unchanged: 1, Delete: 1}) {
		t.Errorf("counts = %+v", c)
	}

	var text bytes.Buffer
	if err := plan.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"~ update    bob (usr_2)  name: \"Bob\" -> \"Robert\"", "- delete    dave@example.com (usr_4)",
		"+ create    erin  (line 5)", "Plan: 2 to create, 2 to update, 1 unchanged, 1 to delete."} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("plan text lacks %q:\n%s", s, text.String())
		}
	}
	b, err := json.Marshal(plan.Items[1])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"action":"update","changes":[{"field":"name","from":"Bob","to":"Robert"},{"field":"roles","from":["user"],"to":["ops","user"]}],"error":null,"id":"usr_2","key":"bob","line":3,"unreconciled":[]}`; string(b) != want {
		t.Errorf("json = %s", b)
	}

	// Without --prune nobody is deleted.
	if c := planOf(t, f, applyFile, false).Counts(); c.Delete != 0 {
		t.Errorf("no prune: %+v", c)
	}
}

func TestApplyTwiceChangesNothingTheSecondTime(t *testing.T) {
	f := seeded()
	ctx := context.Background()
	rep, path := reportFile(t)
	sum, err := Apply(ctx, f, planOf(t, f, applyFile, true), Options{Report: rep})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if sum != (Summary{Total: 6, Created: 2, Updated: 2, Unchanged: 1, Deleted: 1, Elapsed: sum.Elapsed}) {
		t.Errorf("first run: %+v", sum)
	}
	if f.statusCalls.Load() != 1 || f.updates.Load() != 1 {
		t.Errorf("status through the disabler: %d disable calls, %d updates", f.statusCalls.Load(), f.updates.Load())
	}
	lines := readReport(t, path)
	if len(lines) != 6 {
		t.Fatalf("report: %+v", lines)
	}
	for _, l := range lines {
		if l.Action == ActionDelete && (l.Line != 0 || l.Result != Deleted || l.ID != "usr_4") {
			t.Errorf("delete line: %+v", l)
		}
		if l.Line == 3 && (l.Result != Updated || len(l.Changes) != 2) {
			t.Errorf("update line: %+v", l)
		}
	}

	before := f.creates.Load() + f.updates.Load() + f.deletes.Load() + f.statusCalls.Load()
	plan := planOf(t, f, applyFile, true)
	if plan.HasChanges() {
		var buf bytes.Buffer
		plan.WriteText(&buf)
		t.Fatalf("second plan has changes:\n%s", buf.String())
	}
	sum, err = Apply(ctx, f, plan, Options{})
	if err != nil || sum.Unchanged != 5 || sum.Total != 5 {
		t.Errorf("second run: %+v, %v", sum, err)
	}
	if after := f.creates.Load() + f.updates.Load() + f.deletes.Load() + f.statusCalls.Load(); after != before {
		t.Errorf("second run sent %d writes", after-before)
	}
}

func TestApplyWithoutUpdaterFailsThatItem(t *testing.T) {
	f := newFake() // list, get, create, delete only
	f.add(userapi.CreateRequest{Email: "bob@example.com", Name: "Bob"})
	text := "email,name\nbob@example.com,Robert\nnew@example.com,New\n"
	plan := planOf(t, f, text, false)
	if p := plan.Items[0]; p.Action != ActionUpdate || p.Err == nil || !strings.Contains(p.Err.Error(), "cannot do this") {
		t.Fatalf("plan item = %+v", p)
	}
	rep, path := reportFile(t)
	sum, err := Apply(context.Background(), f, plan, Options{Report: rep})
	if sum.Failed != 1 || sum.Created != 1 || !errkind.Is(err, errkind.Partial) {
		t.Errorf("summary %+v, err %v", sum, err)
	}
	lines := byLine(t, readReport(t, path))
	if l := lines[2]; l.Result != Failed || !strings.HasPrefix(l.Error, "update: the fake API (Fake API) cannot do this") {
		t.Errorf("line 2: %+v", l)
	}
}

func TestApplyStatusThroughUpdateRequest(t *testing.T) {
	// A backend with an Updater but no Disabler changes status with
	// UpdateRequest.Status.
	type updaterOnly struct {
		*fake
		userapi.Updater
	}
	full := newFullFake()
	full.add(userapi.CreateRequest{Email: "a@example.com"})
	b := updaterOnly{full.fake, full}
	plan := planOf(t, b, "email,status\na@example.com,disabled\n", false)
	if _, err := Apply(context.Background(), b, plan, Options{}); err != nil {
		t.Fatal(err)
	}
	if u, _ := full.GetUser(context.Background(), "usr_1"); u.Status != userapi.StatusDisabled || full.updates.Load() != 1 {
		t.Errorf("user = %+v, %d updates", u, full.updates.Load())
	}
}

func TestPlanRefusesDuplicatesAndPruneWithInvalidLines(t *testing.T) {
	f := seeded()
	text := "email,username,id\nalice@example.com,,\nALICE@example.com,,\n,alice,\nbad,,\n,,usr_404\n"
	plan := planOf(t, f, text, false)
	var errs []string
	for _, p := range plan.Items {
		if p.Err != nil {
			errs = append(errs, p.Err.Error())
		}
	}
	want := []string{"line 3: same user as line 2 (ALICE@example.com)", "line 4: matches the same user usr_1 as line 2",
		`line 5: invalid email "bad"`, "line 6: no user has id usr_404, and without a username or email none can be created"}
	if !slices.Equal(errs, want) {
		t.Errorf("errors = %q", errs)
	}
	_, err := ComputePlan(context.Background(), f, Read(strings.NewReader(text), FormatCSV, "f.csv"), PlanOptions{Prune: true})
	if !errkind.Is(err, errkind.Usage) || !strings.Contains(err.Error(), "4 items of the file are invalid") {
		t.Errorf("prune with invalid lines: %v", err)
	}
}

func TestPlanComparesOnlyWhatTheFileSays(t *testing.T) {
	u := userapi.User{ID: "u1", Username: "x", Email: "x@example.com", Name: "X", Roles: []string{"b", "a"},
		Status: userapi.StatusActive, Extra: map[string]any{"slug": "x", "verified": true, "admin": false}}
	for _, tc := range []struct {
		it   Item
		want []string
	}{
		{Item{Email: "X@EXAMPLE.com"}, nil},
		{Item{Email: "x@example.com", Roles: []string{"a", "b"}}, nil},
		{Item{Email: "x@example.com", Extra: map[string]string{"verified": "true", "unknown": "1"}}, nil},
		{Item{Email: "x@example.com", Extra: map[string]string{"slug": "y"}}, []string{"extra.slug"}},
		{Item{Email: "x@example.com", FirstName: "Ann", LastName: "Lee"}, []string{"name"}},
		{Item{Email: "x@example.com", Admin: new(true), Status: userapi.StatusDisabled}, []string{"status", "admin"}},
		{Item{Email: "y@example.com", Roles: []string{}}, []string{"email", "roles"}},
	} {
		ch, err := diff(&u, &tc.it)
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, c := range ch {
			fields = append(fields, c.Field)
		}
		if !slices.Equal(fields, tc.want) {
			t.Errorf("diff(%+v) = %v, want %v", tc.it, fields, tc.want)
		}
	}
	if _, err := diff(&u, &Item{ID: "u1", Username: "other"}); err == nil {
		t.Error("a username change was planned")
	}
}

func TestPlanPendingIsActiveAndPruneSkipsWhatDeleteCannotChange(t *testing.T) {
	current := []userapi.User{
		{ID: "p", Email: "p@x.org", Status: userapi.StatusPending},
		{ID: "d", Email: "d@x.org", Status: userapi.StatusDisabled},
		{ID: "g", Email: "g@x.org", Status: userapi.StatusDeleted},
		{ID: "a", Email: "a@x.org", Status: userapi.StatusActive},
	}
	desired := []Item{{Line: 2, Email: "p@x.org", Status: userapi.StatusActive}}
	for _, disables := range []bool{false, true} {
		f := newFake()
		f.info.DeleteDisables = disables
		plan := NewPlan(f, current, desired, true)
		var got []string
		for _, it := range plan.Items {
			got = append(got, string(it.Action)+" "+it.Key)
		}
		want := "unchanged p@x.org,delete d@x.org,delete a@x.org"
		if disables {
			want = "unchanged p@x.org,delete a@x.org"
		}
		if strings.Join(got, ",") != want {
			t.Errorf("DeleteDisables=%v: plan %v, want %s", disables, got, want)
		}
	}
}

// selfFake is a full fake that knows which account its credentials are.
type selfFake struct {
	fullFake
	self userapi.User
}

func (f selfFake) Self(context.Context) (userapi.User, error) { return f.self, nil }

func TestComputePlanPruneSafety(t *testing.T) {
	ctx := context.Background()
	read := func(text string) func(func(Item, error) bool) {
		return Read(strings.NewReader(text), FormatCSV, "f.csv")
	}
	// No users in the file: refused before any request.
	f := seeded()
	if _, err := ComputePlan(ctx, f, read("email,name\n"), PlanOptions{Prune: true, Name: "f.csv"}); !errkind.Is(err, errkind.Usage) ||
		!strings.Contains(err.Error(), "f.csv has no users") {
		t.Errorf("empty file: %v", err)
	}
	if f.lists.Load() != 0 {
		t.Errorf("%d listings for an empty file, want none", f.lists.Load())
	}

	// The authenticated account is kept, by ID, username or email.
	for _, self := range []userapi.User{{ID: "usr_4"}, {Username: "DAVE"}, {Email: "dave@example.com"}} {
		plan, err := ComputePlan(ctx, selfFake{seeded(), self}, read("email\nalice@example.com\n"), PlanOptions{Prune: true})
		if err != nil {
			t.Fatal(err)
		}
		if c := plan.Counts(); c.Delete != 2 || len(plan.Kept) != 1 || plan.Kept[0].ID != "usr_4" || plan.Kept[0].Action != ActionKeep {
			t.Errorf("self %+v: counts %+v, kept %+v", self, c, plan.Kept)
		}
		var buf bytes.Buffer
		if err := plan.WriteText(&buf); err != nil || !strings.Contains(buf.String(), "= keep      dave@example.com (usr_4)  kept: the account userctl authenticates as") {
			t.Errorf("plan text:\n%s", buf.String())
		}
	}
	// A backend that cannot tell: the plan says so.
	plan, err := ComputePlan(ctx, seeded(), read("email\nalice@example.com\n"), PlanOptions{Prune: true})
	if err != nil || !strings.Contains(plan.SelfUnknown, "cannot tell which account") {
		t.Errorf("unknown self: %v, %q", err, plan.SelfUnknown)
	}

	// --max-deletes: 3 deletes pass a bound of 3, not of 2; < 0 allows none.
	for _, tc := range []struct {
		max int
		ok  bool
	}{{3, true}, {2, false}, {-1, false}, {0, true}} {
		plan, err := ComputePlan(ctx, seeded(), read("email\nalice@example.com\n"), PlanOptions{Prune: true, MaxDeletes: tc.max})
		if tc.ok != (err == nil) || plan == nil || plan.Counts().Delete != 3 {
			t.Errorf("max %d: %v", tc.max, err)
		}
		if err != nil && (!errkind.Is(err, errkind.Usage) || !strings.Contains(err.Error(), "deletes 3 users")) {
			t.Errorf("max %d: %v", tc.max, err)
		}
	}
}
