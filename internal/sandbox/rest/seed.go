package rest

import (
	"strconv"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

// seedREST adds n users usr_NNNNNN / userN@example.com (N from the store's
// sequence): role admin for every 10th, status disabled for every 17th.
func seedREST(st *sandbox.Store, n int) {
	if st.Len() == 0 {
		st.Grow(n)
	}
	now := time.Now().UTC().Truncate(time.Second)
	hash := sandbox.HashPassword("sandbox-password")
	roleUser, roleAdmin := []string{"user"}, []string{"admin"}
	for added := 0; added < n; {
		seq := st.NextSeq()
		num := strconv.FormatInt(seq, 10)
		rec := sandbox.Record{
			ID: restID(seq), Email: "user" + num + "@example.com", Name: "User " + num,
			Roles: roleUser, Status: "active", PasswordHash: hash,
			CreatedAt: now.Add(-time.Duration(n-added) * time.Second), UpdatedAt: now,
		}
		if seq%10 == 0 {
			rec.Roles, rec.Admin = roleAdmin, true
		}
		if seq%17 == 0 {
			rec.Status = "disabled"
		}
		if _, err := st.Create(rec); err == nil {
			added++
		}
	}
}

// demoREST adds the built-in sandbox's demo users.
func demoREST(st *sandbox.Store) {
	now := time.Now().UTC().Truncate(time.Second)
	for i, p := range sandbox.DemoPeople {
		first, last := strings.ToLower(p.First), strings.ToLower(p.Last)
		rec := sandbox.Record{
			ID: restID(st.NextSeq()), Email: first + "." + last + "@example.com", Name: p.First + " " + p.Last,
			FirstName: p.First, LastName: p.Last, Username: first[:1] + last,
			Roles: []string{p.Role}, Admin: p.Role == "admin", Status: "active",
			PasswordHash: sandbox.HashPassword("sandbox-password"),
			CreatedAt:    now.Add(-time.Duration(len(sandbox.DemoPeople)-i) * 24 * time.Hour), UpdatedAt: now,
		}
		if i == len(sandbox.DemoPeople)-1 {
			rec.Status = "disabled"
		}
		_, _ = st.Create(rec)
	}
}
