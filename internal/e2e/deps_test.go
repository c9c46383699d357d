package e2e

// The tests drive a binary built from the module, which `go test` cannot
// see; importing the command tree makes its cache key cover that code, so a
// change to the product reruns these tests instead of reusing a result.
import _ "github.com/userctl/userctl/cmd"
