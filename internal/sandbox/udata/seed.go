package udata

import (
	"strconv"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

var (
	udFirstNames = []string{"Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger", "Radia", "Tim"}
	udLastNames  = []string{"Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen", "Dijkstra", "Perlman", "Berners-Lee", "Knuth"}
)

// seedUdata adds n users: ids 5d… (24 hex digits), slugs
// firstname-lastname-N, emails firstname.lastname.N@example.org; every 10th
// an admin, every 7th an editor, every 13th inactive. Taken ids are skipped.
func seedUdata(st *sandbox.Store, n int) {
	st.Grow(n)
	firstSlugs := make([]string, len(udFirstNames))
	for i, f := range udFirstNames {
		firstSlugs[i] = udSlugify(f)
	}
	lastSlugs := make([]string, len(udLastNames))
	for i, l := range udLastNames {
		lastSlugs[i] = udSlugify(l)
	}
	base := time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC)
	for i, added := 1, 0; added < n; i++ {
		fi, li := i%len(udFirstNames), (i/len(udFirstNames))%len(udLastNames)
		first, last := udFirstNames[fi], udLastNames[li]
		num := strconv.Itoa(i)
		roles := []string{}
		switch {
		case i%10 == 0:
			roles = []string{"admin"}
		case i%7 == 0:
			roles = []string{"editor"}
		}
		created := base.Add(time.Duration(i) * time.Minute)
		hexID := strconv.FormatInt(int64(i), 16)
		rec := sandbox.Record{
			ID:        "5d" + strings.Repeat("0", max(0, 22-len(hexID))) + hexID,
			Username:  firstSlugs[fi] + "-" + lastSlugs[li] + "-" + num,
			Email:     firstSlugs[fi] + "." + lastSlugs[li] + "." + num + "@example.org",
			FirstName: first, LastName: last, Name: first + " " + last,
			Roles: roles, Admin: i%10 == 0, Status: "active", CreatedAt: created, UpdatedAt: created,
		}
		if i%13 == 0 {
			rec.Status = "disabled"
		}
		if _, err := st.Create(rec); err == nil {
			added++
		}
	}
}
