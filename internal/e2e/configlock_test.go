package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentProfileEditsKeepEveryProfile runs profile add, remove and
// use as many processes at once on one config file: every change survives,
// as if they had run one after the other.
func TestConcurrentProfileEditsKeepEveryProfile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "windows" && !strings.HasSuffix(runtime.GOOS, "bsd") {
		t.Skip("no file lock on " + runtime.GOOS)
	}
	c := newCLI(t)
	const n = 8
	parallel := func(args func(i int) []string) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := c.run(args(i)...)
				if r.code != 0 {
					t.Errorf("want exit 0, got:\n%s", r)
				}
			}()
		}
		wg.Wait()
	}
	names := func() []string {
		r := c.run("profile", "list", "-o", "json")
		want(t, r, 0)
		var rows []struct {
			Name    string `json:"name"`
			Current bool   `json:"current"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
			t.Fatalf("profile list -o json: %v\n%s", err, r)
		}
		var out []string
		for _, row := range rows {
			out = append(out, row.Name)
		}
		sort.Strings(out)
		return out
	}
	wantNames := func(ids ...int) {
		t.Helper()
		w := []string{"sandbox"}
		for _, i := range ids {
			w = append(w, fmt.Sprintf("p%d", i))
		}
		sort.Strings(w)
		if got := names(); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Fatalf("profiles %v, want %v", got, w)
		}
	}

	parallel(func(i int) []string {
		return []string{"profile", "add", fmt.Sprintf("p%d", i), "--api", "rest", "--url", fmt.Sprintf("http://127.0.0.1:%d", 9000+i)}
	})
	wantNames(0, 1, 2, 3, 4, 5, 6, 7)

	// Removes of the even ones and adds of eight more, all at once.
	parallel(func(i int) []string {
		if i%2 == 0 {
			return []string{"profile", "remove", fmt.Sprintf("p%d", i)}
		}
		return []string{"profile", "add", fmt.Sprintf("p%d", 10+i), "--api", "rest", "--url", "http://127.0.0.1:9100"}
	})
	wantNames(1, 3, 5, 7, 11, 13, 15, 17)

	fi, err := os.Stat(c.configPath())
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", fi.Mode().Perm())
	}
	if lf, err := os.Stat(c.configPath() + ".lock"); err != nil {
		t.Errorf("no lock file beside the config: %v", err)
	} else if runtime.GOOS != "windows" && lf.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", lf.Mode().Perm())
	}
}
