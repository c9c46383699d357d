package cmdutil

import (
	"fmt"

	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/termsafe"
)

// OutputFormat is the format in effect: -o, else USERCTL_OUTPUT, else the
// profile's output, else table.
func (f *Factory) OutputFormat() string {
	if f.Globals.Output != "" {
		return f.Globals.Output
	}
	if v := f.Getenv("USERCTL_OUTPUT"); v != "" {
		return v
	}
	if res, err := f.Resolved(); err == nil && res.Output != "" {
		return res.Output
	}
	return "table"
}

// OutputOptions are the rendering options of the global flags.
func (f *Factory) OutputOptions() output.Options {
	o := output.Options{
		Format:   f.OutputFormat(),
		Fields:   f.Globals.Fields,
		JQ:       f.Globals.JQ,
		Template: f.Globals.Template,
		NoHeader: f.Globals.NoHeader,
		Color:    f.IO.ColorEnabled(),
		Terminal: f.IO.IsStdoutTTY(),
	}
	if f.IO.IsStdoutTTY() {
		o.Width = f.IO.TerminalWidth()
	}
	return o
}

// Printer returns a writer for items of schema on stdout.
func (f *Factory) Printer(schema output.Schema, list bool) (output.Writer, error) {
	return output.NewWriter(f.IO.Out, f.OutputOptions(), schema, list)
}

// Notice writes a human message on stderr, as one line: control, bidi and
// zero-width characters (of server text in args) are shown escaped.
func (f *Factory) Notice(format string, args ...any) {
	fmt.Fprintln(f.IO.ErrOut, termsafe.String(fmt.Sprintf(format, args...)))
}

// WantsData reports whether the output format is machine-readable (then
// result objects go to stdout as data).
func (f *Factory) WantsData() bool {
	switch f.OutputFormat() {
	case "table", "wide":
		return f.Globals.JQ != "" || f.Globals.Template != "" || len(f.Globals.Fields) > 0
	}
	return true
}
