package scim

import (
	"fmt"
	"strconv"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

// scimID is the id of the seq-th user, UUID-shaped as most servers make them.
func scimID(seq int64) string {
	return fmt.Sprintf("2819c223-7f76-453a-919d-%012x", seq)
}

// seedSCIM adds n users user{N} / user{N}@example.com (N from the store's
// sequence): role admin for every 10th, inactive every 17th.
func seedSCIM(st *sandbox.Store, n int) {
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
			ID: scimID(seq), Username: "user" + num, Email: "user" + num + "@example.com",
			Name: "User " + num, FirstName: "User", LastName: num, DisplayName: "User " + num,
			Roles: roleUser, Status: "active", PasswordHash: hash,
			CreatedAt: now.Add(-time.Duration(n-added) * time.Second), UpdatedAt: now,
		}
		if seq%10 == 0 {
			rec.Roles = roleAdmin
		}
		if seq%17 == 0 {
			rec.Status = "disabled"
		}
		if _, err := st.Create(rec); err == nil {
			added++
		}
	}
}
