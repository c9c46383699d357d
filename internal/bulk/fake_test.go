package bulk

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// fake is an in-memory backend with the four required verbs only. Hooks
// inject failures; counters tell what was sent.
type fake struct {
	mu    sync.Mutex
	users []userapi.User
	seq   int
	// unique refuses a second user with the same email or username
	// (errkind.Conflict), like real APIs; off, duplicates are stored so tests
	// can count them.
	unique bool
	info   userapi.Info
	// createHook runs before each create (n counts calls from 1): it
	// returns whether to store the user first and the error to return.
	createHook func(ctx context.Context, n int64, req userapi.CreateRequest) (store bool, err error)

	creates, lists, updates, deletes, statusCalls atomic.Int64
}

func newFake() *fake { return &fake{unique: true, info: userapi.Info{Name: "fake", Title: "Fake API"}} }

func (f *fake) Info() userapi.Info { return f.info }

func (f *fake) ListUsers(ctx context.Context, opts userapi.ListOptions) iter.Seq2[userapi.User, error] {
	f.lists.Add(1)
	f.mu.Lock()
	snapshot := slices.Clone(f.users)
	f.mu.Unlock()
	return func(yield func(userapi.User, error) bool) {
		for _, u := range snapshot {
			if !yield(u, nil) {
				return
			}
		}
	}
}

func (f *fake) GetUser(ctx context.Context, id string) (userapi.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := f.indexLocked(id); i >= 0 {
		return f.users[i], nil
	}
	return userapi.User{}, &errkind.Error{Kind: errkind.NotFound, Message: "not found"}
}

func (f *fake) indexLocked(id string) int {
	for i := range f.users {
		if f.users[i].ID == id {
			return i
		}
	}
	return -1
}

func (f *fake) add(req userapi.CreateRequest) (userapi.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unique {
		for _, u := range f.users {
			if (req.Email != "" && strings.EqualFold(u.Email, req.Email)) ||
				(req.Username != "" && strings.EqualFold(u.Username, req.Username)) {
				return userapi.User{}, &errkind.Error{Kind: errkind.Conflict, Status: 409,
					Message: fmt.Sprintf("user %q already exists", req.Email)}
			}
		}
	}
	f.seq++
	u := userapi.User{ID: fmt.Sprintf("usr_%d", f.seq), Username: req.Username, Email: req.Email, Name: req.Name,
		Roles: slices.Clone(req.Roles), Status: userapi.StatusActive}
	if req.Inactive {
		u.Status = userapi.StatusDisabled
	}
	f.users = append(f.users, u)
	return u, nil
}

func (f *fake) CreateUser(ctx context.Context, req userapi.CreateRequest) (userapi.User, error) {
	n := f.creates.Add(1)
	if f.createHook != nil {
		store, err := f.createHook(ctx, n, req)
		if store {
			if _, aerr := f.add(req); aerr != nil {
				return userapi.User{}, aerr
			}
		}
		if err != nil || store {
			return userapi.User{}, err
		}
	}
	return f.add(req)
}

func (f *fake) DeleteUser(ctx context.Context, id string, _ userapi.DeleteOptions) (userapi.Result, error) {
	f.deletes.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.indexLocked(id)
	if i < 0 {
		return userapi.Result{}, &errkind.Error{Kind: errkind.NotFound, Message: "not found"}
	}
	f.users = slices.Delete(f.users, i, i+1)
	return userapi.Result{ID: id, Action: "deleted"}, nil
}

// emails counts stored users per lower-cased email.
func (f *fake) emails() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string]int{}
	for _, u := range f.users {
		m[strings.ToLower(u.Email)]++
	}
	return m
}

// finderFake adds userapi.Finder.
type finderFake struct{ *fake }

func (f finderFake) FindUser(ctx context.Context, key string) (userapi.User, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.users {
		if strings.EqualFold(u.Email, key) || strings.EqualFold(u.Username, key) {
			return u, true, nil
		}
	}
	return userapi.User{}, false, nil
}

// fullFake adds Finder, Updater and Disabler.
type fullFake struct{ finderFake }

func newFullFake() fullFake { return fullFake{finderFake{newFake()}} }

func (f fullFake) UpdateUser(ctx context.Context, id string, req userapi.UpdateRequest) (userapi.User, error) {
	f.updates.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.indexLocked(id)
	if i < 0 {
		return userapi.User{}, &errkind.Error{Kind: errkind.NotFound, Message: "not found"}
	}
	u := &f.users[i]
	if req.Email != nil {
		u.Email = *req.Email
	}
	if req.Name != nil {
		u.Name = *req.Name
	}
	if req.Roles != nil {
		u.Roles = slices.Clone(*req.Roles)
	}
	if req.Status != nil {
		u.Status = *req.Status
	}
	for k, v := range req.Extra {
		if u.Extra == nil {
			u.Extra = map[string]any{}
		}
		u.Extra[k] = v
	}
	return *u, nil
}

func (f fullFake) setStatus(id string, st userapi.Status) (userapi.User, error) {
	f.statusCalls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.indexLocked(id)
	if i < 0 {
		return userapi.User{}, &errkind.Error{Kind: errkind.NotFound, Message: "not found"}
	}
	f.users[i].Status = st
	return f.users[i], nil
}

func (f fullFake) DisableUser(ctx context.Context, id string) (userapi.User, error) {
	return f.setStatus(id, userapi.StatusDisabled)
}

func (f fullFake) EnableUser(ctx context.Context, id string) (userapi.User, error) {
	return f.setStatus(id, userapi.StatusActive)
}

var (
	_ userapi.Backend  = (*fake)(nil)
	_ userapi.Finder   = finderFake{}
	_ userapi.Updater  = fullFake{}
	_ userapi.Disabler = fullFake{}
)

// items builds n valid items (lines 2..n+1, as in a CSV file).
func items(n int) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		for i := range n {
			it := Item{Line: i + 2, Email: fmt.Sprintf("user%d@example.com", i), Name: fmt.Sprintf("User %d", i)}
			if !yield(it, nil) {
				return
			}
		}
	}
}

// readReport decodes a JSON Lines report.
func readReport(t *testing.T, path string) []ReportLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []ReportLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l ReportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("report line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// reportFile returns a new report file in the test's temp dir.
func reportFile(t *testing.T) (*os.File, string) {
	t.Helper()
	path := t.TempDir() + "/report.jsonl"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, path
}

// byLine indexes report lines by source line, failing on a line reported
// twice.
func byLine(t *testing.T, lines []ReportLine) map[int]ReportLine {
	t.Helper()
	m := map[int]ReportLine{}
	for _, l := range lines {
		if _, dup := m[l.Line]; dup {
			t.Fatalf("line %d reported twice", l.Line)
		}
		m[l.Line] = l
	}
	return m
}
