package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
)

func TestNameValidation(t *testing.T) {
	for _, ok := range []string{"a", "prod", "my-profile_2", "0", strings.Repeat("a", 63)} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Prod", "-a", "_a", "a.b", "a b", "é", strings.Repeat("a", 64)} {
		wantKind(t, ValidateName(bad), errkind.Usage, "invalid profile name")
	}
	c := New(filepath.Join(t.TempDir(), "c.yaml"))
	wantKind(t, c.Set("Prod", Entry{API: "rest"}), errkind.Usage, `invalid profile name "Prod"`)
	wantKind(t, c.Set(Sandbox, Entry{API: "rest"}), errkind.Usage, "built in")
	_, err := Resolve(c, ResolveInput{Profile: "Prod", Getenv: env{}.get})
	wantKind(t, err, errkind.Usage, `invalid profile name "Prod"`)
}
