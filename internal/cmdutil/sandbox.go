package cmdutil

import (
	"fmt"

	"github.com/userctl/userctl/internal/sandbox"
	"github.com/userctl/userctl/internal/userapi"
)

// startSandbox starts the built-in sandbox of p's API in this process, its
// state in the default file, and points p and env at it: p.URL is its base
// URL, env.Transport reaches it without a socket. Close stops it. On a
// terminal, a notice on stderr says the sandbox is in use.
func (f *Factory) startSandbox(p *userapi.Profile, env *userapi.Env) error {
	rt, base, closeFn, err := sandbox.InProcess(p.API, sandbox.DefaultStatePath(p.API))
	if err != nil {
		return fmt.Errorf("starting the built-in sandbox: %w", err)
	}
	f.addCloser(closeFn)
	p.URL = base
	env.Transport = rt
	if f.IO.IsStderrTTY() {
		fmt.Fprintf(f.IO.ErrOut, "Using the built-in sandbox (%s API, data in %s); run `userctl profile add` for a real API.\n",
			p.API, sandbox.DefaultStatePath(p.API))
	}
	return nil
}
