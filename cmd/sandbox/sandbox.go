// Package sandbox holds `userctl sandbox`, the built-in server of every
// API dialect.
package sandbox

import (
	"context"
	"fmt"
	"math"
	"net"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	sb "github.com/userctl/userctl/internal/sandbox"
)

// NewCmd returns `userctl sandbox`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the built-in sandbox server of any API dialect",
		Long: `userctl carries a sandbox server of each API it speaks. With no configuration, commands
use the rest one in-process; ` + "`sandbox serve`" + ` runs one on a real port for scripts,
tests and benchmarks.`,
		Example: "  userctl sandbox serve --api udata --addr 127.0.0.1:8080",
		Args:    cmdutil.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newServeCmd(f, nil))
	return cmd
}

// ServeOptions are the inputs of sandbox serve.
type ServeOptions struct {
	F     *cmdutil.Factory
	Opts  sb.Options
	Addr  string
	State string
}

func newServeCmd(f *cmdutil.Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{F: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a sandbox API on a local port",
		Long: `Serve the sandbox of one API dialect until interrupted. The first line of stdout is the
base URL to give to clients (e.g. as USERCTL_URL). Any non-empty credentials of the
dialect's kind are accepted unless exact ones are required with --token, --api-key and
--app-key, or --username and --password; missing credentials are always refused. On an
address other than loopback (127.0.0.1, ::1, localhost) exact credentials are required
and a warning is printed.

Without --state the users live in memory only; with it they are loaded from and saved
to FILE. --seed N creates N users quickly (a million in seconds) for benchmarks.
--rate-limit, --latency and --fail-rate inject the faults real APIs have;
--max-page-size caps list pages silently, as real APIs do (often at 100).`,
		Example: `  userctl sandbox serve --api rest --addr 127.0.0.1:8080
  userctl sandbox serve --api datadog --addr 127.0.0.1:0 --seed 1000 --rate-limit 100
  userctl sandbox serve --api udata --token secret-admin-key --state ./udata.json
  userctl sandbox serve --api scim --seed 1000
  userctl sandbox serve --seed 100000 --latency 20ms --max-page-size 100`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, ok := sb.LookupDialect(opts.Opts.API); !ok {
				return errkind.Errorf(errkind.Usage, "--api %q: the sandbox serves %s", opts.Opts.API, strings.Join(sb.Dialects(), ", "))
			}
			if opts.Opts.FailRate < 0 || opts.Opts.FailRate > 1 {
				return errkind.Errorf(errkind.Usage, "--fail-rate must be between 0 and 1")
			}
			if opts.Opts.RateLimit < 0 || opts.Opts.Seed < 0 || opts.Opts.Latency < 0 || opts.Opts.MaxPageSize < 0 {
				return errkind.Errorf(errkind.Usage, "--rate-limit, --seed, --latency and --max-page-size must not be negative")
			}
			if !loopback(opts.Addr) {
				if err := opts.requireExactCredentials(); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Opts.API, "api", sb.DefaultAPI, "dialect to serve: "+strings.Join(sb.Dialects(), ", "))
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	fl.StringVar(&opts.State, "state", "", "file to load users from and save them to")
	fl.IntVar(&opts.Opts.Seed, "seed", 0, "create this many users when starting empty")
	fl.Float64Var(&opts.Opts.RateLimit, "rate-limit", 0, "requests per second before 429 (0: no limit)")
	fl.DurationVar(&opts.Opts.Latency, "latency", 0, "delay added to every response")
	fl.IntVar(&opts.Opts.MaxPageSize, "max-page-size", 0, "most users in one list page, whatever the client asks (0: the dialect's own cap)")
	fl.Float64Var(&opts.Opts.FailRate, "fail-rate", 0, "fraction of requests answered 503")
	fl.StringVar(&opts.Opts.Token, "token", "", "the only token (rest, scim) or admin API key (udata) to accept")
	fl.StringVar(&opts.Opts.APIKey, "api-key", "", "the only Datadog API key to accept")
	fl.StringVar(&opts.Opts.AppKey, "app-key", "", "the only Datadog application key to accept")
	fl.StringVar(&opts.Opts.Username, "username", "", "the only basic username to accept")
	fl.StringVar(&opts.Opts.Password, "password", "", "the only basic password to accept")
	_ = cmd.RegisterFlagCompletionFunc("api", cmdutil.FixedCompletion(sb.Dialects()...))
	return cmd
}

// loopback reports whether addr (host:port) listens on the loopback
// interface only: 127.0.0.0/8, ::1 or localhost. An empty host listens on
// every interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// requireExactCredentials refuses to serve on a reachable address while any
// credential would be accepted: every credential the dialect checks must be
// given exactly.
func (opts *ServeOptions) requireExactCredentials() error {
	d, _ := sb.LookupDialect(opts.Opts.API)
	given := map[string]string{"token": opts.Opts.Token, "api-key": opts.Opts.APIKey, "app-key": opts.Opts.AppKey,
		"username": opts.Opts.Username, "password": opts.Opts.Password}
	need := d.Credentials
	if len(need) == 0 {
		need = []string{"token"}
	}
	var missing []string
	for _, n := range need {
		if strings.TrimSpace(given[n]) == "" {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return errkind.Errorf(errkind.Usage,
			"--addr %s is not a loopback address: the sandbox would accept any credentials from the network; give exact ones with %s, or listen on 127.0.0.1",
			opts.Addr, strings.Join(missing, " and "))
	}
	return nil
}

func serveRun(ctx context.Context, opts *ServeOptions) error {
	f := opts.F
	// A long-running server whose heap grows with --seed: Go's own GC
	// defaults, not the short-lived CLI's tuning of main.go.
	if f.Getenv("GOGC") == "" {
		debug.SetGCPercent(100)
	}
	if f.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(math.MaxInt64)
	}
	var state *sb.State
	st := sb.NewStore()
	if opts.State != "" {
		s, err := sb.OpenState(opts.State, opts.Opts.API)
		if err != nil {
			return errkind.Errorf(errkind.Usage, "--state %s: %v", opts.State, err)
		}
		defer s.Close()
		state, st = s, s.Store()
	}
	if !loopback(opts.Addr) {
		f.Notice("warning: --addr %s is not a loopback address: the sandbox will be reachable from other machines; only the credentials given are accepted.", opts.Addr)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return errkind.Errorf(errkind.Usage, "--addr %s: %v", opts.Addr, err)
	}
	if opts.Opts.Seed > 0 && st.Len() == 0 {
		f.Notice("Seeding %d users…", opts.Opts.Seed)
	}
	// Build the handler (and seed) before announcing the URL, so that a
	// client reading the first line finds every user there.
	h, err := sb.NewHandler(opts.Opts, st)
	if err != nil {
		_ = ln.Close()
		return err
	}
	fmt.Fprintln(f.IO.Out, sb.BaseURL(ln, opts.Opts.API))
	f.Notice("Serving the %s sandbox with %d users on %s; Ctrl-C to stop.", opts.Opts.API, st.Len(), ln.Addr())
	if state != nil {
		opts.Opts.Seed = 0 // already seeded above
		err = sb.ServeState(ctx, ln, opts.Opts, state, 2*time.Second)
	} else {
		err = sb.ServeHandler(ctx, ln, h)
	}
	if err != nil {
		return err
	}
	f.Notice("Stopped.")
	return nil
}
