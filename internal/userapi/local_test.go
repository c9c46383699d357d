package userapi_test

import (
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

func TestLocalListFiltersSortsAndLimits(t *testing.T) {
	users := []userapi.User{{ID: "b", Name: "Bob"}, {ID: "a", Name: "Ada"}, {ID: "c", Name: "Cy"}, {ID: "d", Name: "Dee"}}
	cmp, err := userapi.LocalOrder("test", "-name", nil, "id", "name")
	if err != nil {
		t.Fatal(err)
	}
	keep := func(u userapi.User) bool { return u.ID != "c" }
	var got []string
	for u, err := range userapi.LocalList(users, keep, cmp, 2) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.ID)
	}
	if strings.Join(got, ",") != "d,b" {
		t.Errorf("got %v, want d,b", got)
	}
	if _, err := userapi.LocalOrder("test", "email", nil, "id", "name"); errkind.ExitCode(err) != 2 || !strings.Contains(err.Error(), "id, name") {
		t.Errorf("unknown sort field: %v", err)
	}
	if cmp, err := userapi.LocalOrder("test", "", nil, "id"); cmp != nil || err != nil {
		t.Errorf("no sort: %v, %v", cmp != nil, err)
	}
}
