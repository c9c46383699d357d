package bulk

import (
	"context"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// TestImportUncertainCreateOfExistingUser: a user there before the run
// whose create is answered 503 (and found by the lookup) is never counted
// created: skipped with --skip-existing, else failed as a conflict. Users
// the run creates after an uncertain send still are.
func TestImportUncertainCreateOfExistingUser(t *testing.T) {
	for _, skip := range []bool{false, true} {
		f := newFake()
		for i := range 10 {
			if _, err := f.add(userapi.CreateRequest{Email: strings.Replace("userN@example.com", "N", string(rune('0'+i)), 1)}); err != nil {
				t.Fatal(err)
			}
		}
		f.createHook = func(_ context.Context, n int64, req userapi.CreateRequest) (bool, error) {
			if n%2 == 1 { // every other send: 503, not processed
				return false, &errkind.Error{Kind: errkind.Server, Status: 503, Message: "busy", MaybeSent: true}
			}
			return false, nil
		}
		rep, path := reportFile(t)
		sum, err := Import(context.Background(), finderFake{f}, items(20), Options{Concurrency: 1, Report: rep, SkipExisting: skip, RetryWait: noWait})
		lines := byLine(t, readReport(t, path))
		for i := range 20 {
			l := lines[i+2]
			switch {
			case i < 10 && skip && (l.Result != Skipped || l.Note != "already exists"):
				t.Errorf("skip: line %d (existing): %+v", i+2, l)
			case i < 10 && !skip && (l.Result != Failed || !strings.Contains(l.Error, "already exists")):
				t.Errorf("line %d (existing): %+v", i+2, l)
			case i >= 10 && l.Result != Created:
				t.Errorf("line %d (new): %+v", i+2, l)
			}
		}
		if sum.Created != 10 {
			t.Errorf("skip %v: summary %+v, err %v", skip, sum, err)
		}
	}
}
