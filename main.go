// Command userctl administers the user accounts of web services through
// their HTTP APIs.
package main

import (
	"os"

	"github.com/userctl/userctl/cmd"
)

// Set by the linker (see .goreleaser.yaml).
var (
	version = "dev"
	commit  = "dev"
	date    = "dev"
)

func main() {
	os.Exit(cmd.Main(cmd.BuildInfo{Version: version, Commit: commit, Date: date}))
}
