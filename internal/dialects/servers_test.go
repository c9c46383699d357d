package dialects_test

import (
	"slices"
	"testing"

	_ "github.com/userctl/userctl/internal/dialects"
	"github.com/userctl/userctl/internal/sandbox"
	"github.com/userctl/userctl/internal/userapi"
)

// TestEveryDialectHasItsSandboxServer: importing this package registers,
// for every dialect, both its client and its sandbox server, so that the
// built-in sandbox and `sandbox serve` speak every dialect userctl does.
func TestEveryDialectHasItsSandboxServer(t *testing.T) {
	clients := userapi.Names()
	servers := sandbox.Dialects()
	slices.Sort(clients)
	if len(clients) == 0 || !slices.Equal(clients, servers) {
		t.Fatalf("client dialects %v, sandbox servers %v: each dialect needs both imported in internal/dialects", clients, servers)
	}
	for _, name := range servers {
		d, _ := sandbox.LookupDialect(name)
		if d.New == nil || d.ErrorBody == nil || d.Seed == nil {
			t.Errorf("sandbox server %s is incomplete: %+v", name, d)
		}
	}
}
