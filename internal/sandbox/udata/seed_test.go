package udata

import (
	"regexp"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

func TestUdataSeed(t *testing.T) {
	st := sandbox.NewStore()
	seedUdata(st, 30)
	recs, total := st.Page(nil, 0, 0)
	if total != 30 {
		t.Fatalf("seeded %d", total)
	}
	hex24 := regexp.MustCompile(`^[0-9a-f]{24}$`)
	slug := regexp.MustCompile(`^[a-z]+-[a-z-]+-\d+$`)
	for _, r := range recs {
		if !hex24.MatchString(r.ID) || !slug.MatchString(r.Username) || r.FirstName == "" || r.LastName == "" {
			t.Errorf("record %+v", r)
		}
	}
	if recs[9].Roles[0] != "admin" || recs[6].Roles[0] != "editor" || recs[12].Status != "disabled" {
		t.Errorf("roles/status pattern: %v %v %v", recs[9].Roles, recs[6].Roles, recs[12].Status)
	}
}
