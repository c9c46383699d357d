package sandbox_test

import (
	"fmt"

	_ "github.com/userctl/userctl/internal/dialects" // every dialect's sandbox server
	"github.com/userctl/userctl/internal/sandbox"
)

// The core's tests run the dialects' servers, which register themselves:
// these helpers reach the rest dialect's through the registry.

// seedREST adds n generated users of the rest dialect to st.
func seedREST(st *sandbox.Store, n int) {
	d, ok := sandbox.LookupDialect("rest")
	if !ok {
		panic("the rest sandbox server is not registered")
	}
	d.Seed(st, n)
}

// restID is the id of the rest dialect's seq-th user.
func restID(seq int64) string { return fmt.Sprintf("usr_%06d", seq) }

// restPage is a page of the rest dialect's list.
type restPage struct {
	Data []struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"data"`
	Total    int  `json:"total"`
	NextPage *int `json:"next_page"`
}
