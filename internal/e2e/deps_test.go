package e2e

import "github.com/userctl/userctl/cmd"

// The tests drive a binary built from the module, which `go test` cannot
// see. Linking the command tree into the test binary (reachable, so the
// linker keeps it) makes the test cache key cover the product's code: a
// change reruns these tests instead of reusing an old result.
var linkProduct = cmd.Main
