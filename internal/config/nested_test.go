package config

import (
	"os"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
)

// rest's fields.* live nested in the file: read as dotted keys, checked
// against the declarations with their line, and written back nested.
func TestNestedProfileKeys(t *testing.T) {
	path := writeFile(t, "profiles:\n  pb:\n    api: rest\n    url: https://pb.example.com\n    fields:\n      email: emails.0.value\n      created_at: created\n")
	c := mustLoad(t, path)
	e, ok := c.Get("pb")
	if !ok || e.Values["fields.email"] != "emails.0.value" || e.Values["fields.created_at"] != "created" {
		t.Fatalf("profile pb = %+v", e)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, "    fields:\n      created_at: created\n      email: emails.0.value\n") || strings.Contains(s, "fields.") {
		t.Errorf("saved file:\n%s", s)
	}

	bad := writeFile(t, "profiles:\n  pb:\n    api: rest\n    url: https://pb.example.com\n    fields:\n      emial: x\n")
	_, _, err = Load(bad)
	wantKind(t, err, errkind.Usage, "line 6", `unknown key "fields.emial"`, `did you mean "fields.email"`)
}
