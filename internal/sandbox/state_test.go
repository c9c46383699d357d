package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

func TestStateSaveAndReload(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "rest.json")
	s, err := sandbox.OpenState(path, "rest")
	if err != nil {
		t.Fatal(err)
	}
	if s.Store().Len() != 0 || s.Dirty() {
		t.Fatalf("fresh state: %d users, dirty %v", s.Store().Len(), s.Dirty())
	}
	seedREST(s.Store(), 50)
	if _, err := s.Store().Update("usr_000003", func(r *sandbox.Record) error { r.Name = "Renamed"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Store().Remove("usr_000004"); err != nil {
		t.Fatal(err)
	}
	if !s.Dirty() {
		t.Fatal("not dirty after changes")
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if s.Dirty() {
		t.Fatal("dirty after save")
	}
	checkMode(t, path, 0o600)
	checkMode(t, dir, 0o700)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := sandbox.OpenState(path, "rest")
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	want, wantSeq := s.Store().Snapshot()
	got, gotSeq := s2.Store().Snapshot()
	if gotSeq != wantSeq || !reflect.DeepEqual(stripMono(got), stripMono(want)) {
		t.Fatalf("reloaded store differs: seq %d/%d, %d/%d records", gotSeq, wantSeq, len(got), len(want))
	}
	if r, _ := s2.Store().Get("usr_000003"); r.Name != "Renamed" {
		t.Fatalf("update lost: %+v", r)
	}
	if _, ok := s2.Store().Get("usr_000004"); ok {
		t.Fatal("removed user came back")
	}
	if _, err := sandbox.OpenState(path, "datadog"); err == nil || !strings.Contains(err.Error(), "rest") {
		t.Fatalf("state of another API: %v", err)
	}
}

// stripMono drops the monotonic clock readings that a JSON round trip
// loses.
func stripMono(recs []sandbox.Record) []sandbox.Record {
	for i := range recs {
		recs[i].CreatedAt = recs[i].CreatedAt.Round(0)
		recs[i].UpdatedAt = recs[i].UpdatedAt.Round(0)
	}
	return recs
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want && os.PathSeparator == '/' {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}

func TestStateSaveEveryFinalSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s, err := sandbox.OpenState(path, "rest")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seedREST(s.Store(), 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.SaveEvery(ctx, 1<<62); err != nil {
		t.Fatal(err)
	}
	s2, err := sandbox.OpenState(path, "rest")
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Store().Len() != 5 {
		t.Fatalf("saved %d users", s2.Store().Len())
	}
}

// inProcessClient serves the rest sandbox over the state file at path.
func inProcessClient(t *testing.T, path string) (*http.Client, func() error) {
	t.Helper()
	s, err := sandbox.OpenState(path, "rest")
	if err != nil {
		t.Fatal(err)
	}
	h, err := sandbox.NewHandler(sandbox.Options{API: "rest"}, s.Store())
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: sandbox.Transport(s.Handler(h))}, s.Close
}

func sandboxDo(c *http.Client, method, url, body string) (int, string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// Two "processes" (separate State objects on one file, two workers each)
// create users concurrently: none is lost and the IDs stay unique.
func TestStateConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.json")
	const perWorker, workers = 25, 2
	var wg sync.WaitGroup
	errc := make(chan error, 4*workers)
	for p := range 2 {
		c, closeFn := inProcessClient(t, path)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWorker {
					body := fmt.Sprintf(`{"email":"p%dw%di%d@example.com","name":"U","password":"12345678"}`, p, w, i)
					code, raw, err := sandboxDo(c, "POST", "http://sandbox.invalid/v1/users", body)
					if err == nil && code != 201 {
						err = fmt.Errorf("create: %d %s", code, raw)
					}
					if err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		t.Cleanup(func() {
			if err := closeFn(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	s, err := sandbox.OpenState(path, "rest")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, _ := s.Store().Snapshot()
	if len(recs) != 2*workers*perWorker {
		t.Fatalf("%d users in the file, want %d", len(recs), 2*workers*perWorker)
	}
	ids := map[string]bool{}
	for _, r := range recs {
		if ids[r.ID] {
			t.Fatalf("duplicate id %s", r.ID)
		}
		ids[r.ID] = true
	}
}

// A process sees the writes of another at its next request.
func TestStateSeesOtherProcessWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.json")
	a, closeA := inProcessClient(t, path)
	defer closeA()
	b, closeB := inProcessClient(t, path)
	defer closeB()
	const base = "http://sandbox.invalid/v1/users"
	if code, raw, _ := sandboxDo(a, "POST", base, `{"email":"x@example.com","name":"X","password":"12345678"}`); code != 201 {
		t.Fatalf("create in a: %d %s", code, raw)
	}
	if code, raw, _ := sandboxDo(b, "GET", base+"/usr_000001", ""); code != 200 || !strings.Contains(raw, "x@example.com") {
		t.Fatalf("get in b: %d %s", code, raw)
	}
	if code, raw, _ := sandboxDo(b, "POST", base, `{"email":"X@example.com","name":"X","password":"12345678"}`); code != 409 {
		t.Fatalf("duplicate across processes: %d %s", code, raw)
	}
	if code, _, _ := sandboxDo(b, "DELETE", base+"/usr_000001", ""); code != 204 {
		t.Fatalf("delete in b: %d", code)
	}
	if code, _, _ := sandboxDo(a, "GET", base+"/usr_000001", ""); code != 404 {
		t.Fatalf("get in a after delete in b: %d", code)
	}
	if code, raw, _ := sandboxDo(a, "POST", base, `{"email":"y@example.com","name":"Y","password":"12345678"}`); code != 201 || !strings.Contains(raw, "usr_000002") {
		t.Fatalf("ids continue across processes: %d %s", code, raw)
	}
}

// The appended journal is compacted when it outgrows the users.
func TestStateCompactsJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.json")
	c, closeFn := inProcessClient(t, path)
	const base = "http://sandbox.invalid/v1/users"
	sandboxDo(c, "POST", base, `{"email":"x@example.com","name":"X","password":"12345678"}`)
	for i := range 300 {
		if code, raw, _ := sandboxDo(c, "PUT", base+"/usr_000001", fmt.Sprintf(`{"name":"X%d"}`, i)); code != 200 {
			t.Fatalf("update: %d %s", code, raw)
		}
	}
	if err := closeFn(); err != nil {
		t.Fatal(err)
	}
	if n := countLines(t, path); n > 2+66 {
		t.Fatalf("state file has %d lines for 1 user", n)
	}
	s, err := sandbox.OpenState(path, "rest")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r, _ := s.Store().Get("usr_000001"); r.Name != "X299" {
		t.Fatalf("last update lost: %+v", r)
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}

// A torn last line (a crash mid-append) is ignored, and the next write
// rewrites the file whole.
func TestStateTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "torn.json")
	s, _ := sandbox.OpenState(path, "rest")
	seedREST(s.Store(), 3)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"put":{"id":"usr_9`)
	f.Close()

	c, closeFn := inProcessClient(t, path)
	if code, raw, _ := sandboxDo(c, "POST", "http://sandbox.invalid/v1/users", `{"email":"x@example.com","name":"X","password":"12345678"}`); code != 201 {
		t.Fatalf("create: %d %s", code, raw)
	}
	closeFn()
	s2, err := sandbox.OpenState(path, "rest")
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Store().Len() != 4 {
		t.Fatalf("%d users after a torn tail", s2.Store().Len())
	}
}

func TestStateRejectsForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "foreign.json")
	os.WriteFile(path, []byte(`{"users":[]}`+"\n"), 0o600)
	if _, err := sandbox.OpenState(path, "rest"); err == nil {
		t.Fatal("no error for a file that is not a state file")
	}
	os.WriteFile(path, []byte("not json\n"), 0o600)
	if _, err := sandbox.OpenState(path, "rest"); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("garbage: %v", err)
	}
}

func TestInProcess(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	path := sandbox.DefaultStatePath("rest")
	if path != filepath.Join(data, "userctl", "sandbox-rest.json") {
		t.Fatalf("DefaultStatePath = %q", path)
	}
	rt, base, closeFn, err := sandbox.InProcess("rest", "")
	if err != nil {
		t.Fatal(err)
	}
	if base != "http://sandbox.userctl.invalid/v1" {
		t.Fatalf("base URL %q", base)
	}
	c := &http.Client{Transport: rt}
	code, raw, err := sandboxDo(c, "GET", base+"/users", "")
	if err != nil || code != 200 {
		t.Fatalf("list: %d %s %v", code, raw, err)
	}
	var page restPage
	json.Unmarshal([]byte(raw), &page)
	if page.Total < 5 || page.Total > 8 || page.Data[0].Name != "Ada Lovelace" || page.Data[0].Email != "ada.lovelace@example.com" {
		t.Fatalf("demo users: %s", raw)
	}
	if code, raw, _ := sandboxDo(c, "POST", base+"/users", `{"email":"new@example.com","name":"New","password":"12345678"}`); code != 201 {
		t.Fatalf("create: %d %s", code, raw)
	}
	if err := closeFn(); err != nil {
		t.Fatal(err)
	}
	checkMode(t, path, 0o600)

	rt, base, closeFn, err = sandbox.InProcess("rest", "")
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	code, raw, _ = sandboxDo(&http.Client{Transport: rt}, "GET", base+"/users?email=new@example.com", "")
	if code != 200 || !strings.Contains(raw, `"total":1`) {
		t.Fatalf("second invocation: %d %s", code, raw)
	}
	if _, _, _, err := sandbox.InProcess("nope", ""); err == nil {
		t.Fatal("no error for an unknown API")
	}
}

// Every registered dialect can start as the built-in sandbox.
func TestInProcessEveryDialect(t *testing.T) {
	for _, api := range sandbox.Dialects() {
		t.Run(api, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), api+".json")
			_, _, closeFn, err := sandbox.InProcess(api, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := closeFn(); err != nil {
				t.Fatal(err)
			}
			s, err := sandbox.OpenState(path, api)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if n := s.Store().Len(); n < 5 || n > 8 {
				t.Fatalf("%d demo users", n)
			}
		})
	}
}

func TestServeStateSavesAtShutdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "served.json")
	s, err := sandbox.OpenState(path, "rest")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln := listenLocal(t)
	base := sandbox.BaseURL(ln, "rest")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- sandbox.ServeState(ctx, ln, sandbox.Options{API: "rest", Seed: 10}, s, 1<<62) }()
	code, raw, err := sandboxDo(http.DefaultClient, "POST", base+"/users", `{"email":"x@example.com","name":"X","password":"12345678"}`)
	if err != nil || code != 201 {
		t.Fatalf("create: %d %s %v", code, raw, err)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	s2, err := sandbox.OpenState(path, "rest")
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Store().Len() != 11 {
		t.Fatalf("saved %d users, want 10 seeded + 1", s2.Store().Len())
	}
	if _, ok := s2.Store().FindByEmail("x@example.com"); !ok {
		t.Fatal("created user not saved")
	}
}
