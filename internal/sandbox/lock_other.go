//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sandbox

import "os"

// flock is a no-op where flock(2) does not exist (Windows): state files are
// still written atomically, but two processes sharing one may lose each
// other's writes.
func flock(*os.File, bool) error { return nil }

// funlock is the no-op counterpart of flock.
func funlock(*os.File) error { return nil }
