package cmdutil

import (
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// annDialectFlag marks a flag that only some dialects honour.
const annDialectFlag = "userctl_dialect_flag"

// DialectFlag marks the flag name of cmd as dialect-specific: its help says
// which dialects declare it (userapi.Dialect.Flags), and given with a
// profile of another dialect it is a usage error (exit 2) before any
// request, rather than silently ignored.
func DialectFlag(cmd *cobra.Command, name string) {
	fl := cmd.Flags().Lookup(name)
	if fl == nil {
		panic("cmdutil: no flag " + name + " on " + cmd.Name())
	}
	if fl.Annotations == nil {
		fl.Annotations = map[string][]string{}
	}
	fl.Annotations[annDialectFlag] = []string{"true"}
	var with []string
	for _, d := range userapi.Dialects() {
		if d.HasFlag(name) {
			with = append(with, d.Name)
		}
	}
	if len(with) > 0 {
		fl.Usage += " (" + strings.Join(with, ", ") + ")"
	}
}

// noteDialectFlags remembers the dialect-specific flags given to cmd, for
// checkDialectFlags.
func (f *Factory) noteDialectFlags(cmd *cobra.Command) {
	f.dialectFlags = nil
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if _, ok := fl.Annotations[annDialectFlag]; ok {
			f.dialectFlags = append(f.dialectFlags, fl.Name)
		}
	})
	sort.Strings(f.dialectFlags)
}

// checkDialectFlags refuses the dialect-specific flags given that dialect d
// does not declare.
func (f *Factory) checkDialectFlags(d userapi.Dialect) error {
	for _, name := range f.dialectFlags {
		if !d.HasFlag(name) {
			var with []string
			for _, o := range userapi.Dialects() {
				if o.HasFlag(name) {
					with = append(with, o.Name)
				}
			}
			return errkind.Errorf(errkind.Usage, "--%s is not supported by the %s API (%s); it applies to: %s",
				name, d.Name, d.Title, strings.Join(with, ", "))
		}
	}
	return nil
}
