package datadog

import (
	"fmt"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

// seedDatadog adds n users with handles userN@example.com (N from 1, skipping
// taken ones): mostly standard, every 10th admin, every 7th read-only; every
// 5th has never logged in (pending) and every 13th is disabled.
func seedDatadog(st *sandbox.Store, n int) {
	now := time.Now().UTC()
	for i, added := 1, 0; added < n; i++ {
		handle := fmt.Sprintf("user%d@example.com", i)
		role := "st"
		switch {
		case i%10 == 0:
			role = "adm"
		case i%7 == 0:
			role = "ro"
		}
		rec := sandbox.Record{
			ID: handle, Username: handle, Email: handle, Name: fmt.Sprintf("User %d", i),
			AccessRole: role, Admin: role == "adm", Roles: []string{role},
			Verified: i%5 != 0, Status: "active", CreatedAt: now, UpdatedAt: now,
		}
		switch {
		case i%13 == 0:
			rec.Status = "disabled"
		case !rec.Verified:
			rec.Status = "pending"
		}
		if _, err := st.Create(rec); err == nil {
			added++
		}
	}
}
