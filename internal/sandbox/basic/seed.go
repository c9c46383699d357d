package basic

import (
	"fmt"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

// seedBasic adds n users user000001, user000002, … (skipping taken names),
// each with its username as password; the first user of an empty store is
// an admin.
func seedBasic(st *sandbox.Store, n int) {
	now := time.Now().UTC()
	first := st.Len() == 0
	for i, added := 1, 0; added < n; i++ {
		name := fmt.Sprintf("user%06d", i)
		rec := sandbox.Record{
			ID: name, Username: name, Status: "active", Admin: first && added == 0,
			PasswordHash: sandbox.HashPassword(name), CreatedAt: now, UpdatedAt: now,
		}
		if _, err := st.Create(rec); err == nil {
			added++
		}
	}
}
