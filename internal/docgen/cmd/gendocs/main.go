// Command gendocs regenerates userctl's committed completion scripts,
// markdown command pages and man pages from the cobra command tree.
//
//	go run ./internal/docgen/cmd/gendocs -dir .
//
// It is run by `go generate ./...` (see package docgen).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/userctl/userctl/internal/docgen"
)

func main() {
	dir := flag.String("dir", ".", "repository root to write completions/, docs/commands/ and docs/man/ into")
	flag.Parse()
	if err := docgen.Generate(*dir); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}
