package e2e

import (
	"testing"
)

// TestMistypedVerbSuggestsAtEveryLevel: a mistyped command or verb is a
// usage error (exit 2) on one line with a "did you mean", at the root and
// under every group.
func TestMistypedVerbSuggestsAtEveryLevel(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "list"}, `userctl: unknown command "user" for "userctl"; did you mean "users"?`},
		{[]string{"users", "lst"}, `userctl: unknown command "lst" for "userctl users"; did you mean "list"`},
		{[]string{"profile", "ad", "x"}, `userctl: unknown command "ad" for "userctl profile"; did you mean "add"?`},
		{[]string{"sandbox", "srve"}, `userctl: unknown command "srve" for "userctl sandbox"; did you mean "serve"?`},
		{[]string{"users", "avatar", "uplod"}, `userctl: unknown command "uplod" for "userctl users avatar"; did you mean "upload"?`},
		{[]string{"frobnicate"}, "userctl: unknown command \"frobnicate\" for \"userctl\" (see `userctl --help`)"},
	} {
		r := c.run(tc.args...)
		want(t, r, 2)
		wantIn(t, "stderr", oneLineError(t, r), tc.want)
		if r.stdout != "" {
			t.Errorf("stdout not empty:\n%s", r)
		}
	}
	// The bare groups still show their help.
	r := c.run("users")
	want(t, r, 0)
	wantIn(t, "stdout", r.stdout, "Available Commands:")
}
