// Package output renders everything userctl prints on stdout: tables (through
// tablewriter, confined here), JSON, JSON Lines, YAML and CSV, plus the
// --fields, --jq and --template options. Rendering is driven by a Schema
// that declares the fields of an item type.
package output

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// Formats lists the values Options.Format accepts.
func Formats() []string { return []string{"table", "wide", "json", "jsonl", "yaml", "csv"} }

// Column declares one field of an item type.
type Column struct {
	// Name is the field and JSON key, e.g. "email".
	Name string
	// Header is the table header; empty means the upper-cased Name.
	Header string
	// Wide columns are shown in tables only with -o wide.
	Wide bool
	// Hidden columns are shown (in tables and csv) only when named in
	// --fields; "extra" of users is one.
	Hidden bool
	// Drop orders the default columns a table too wide for the terminal
	// leaves out once every column is shrunk to its floor: 1 goes first,
	// then 2, ...; 0 is never dropped. The "id" column is never shortened.
	Drop int
	// Whole columns (times) are never shortened: a table too narrow for
	// them drops them (see Drop) instead.
	Whole bool
	// Value extracts the field's JSON-ready value from an item: nil for a
	// missing value, strings, numbers, bools, []string, maps.
	Value func(item any) any
}

// Schema declares the fields of an item type.
type Schema struct {
	Columns []Column
	// Extra, when set, makes "extra.KEY" a valid field: it returns the
	// value of KEY (without the "extra." prefix) for item. A false second
	// result renders as null.
	Extra func(item any, key string) (any, bool)
}

// Options are the rendering flags of a command.
type Options struct {
	// Format is table (default), wide, json, jsonl, yaml or csv.
	Format string
	// Fields are the columns/keys to show, in that order.
	Fields []string
	// JQ is a jq expression applied to the JSON form (implies json): to
	// the whole array of a list (run at Close), to the object otherwise, and
	// to each item as it comes when Format is jsonl. Results print like
	// `jq -r`, one per line.
	JQ string
	// Template is a Go text/template (funcs join, upper, lower, json)
	// executed per item against its JSON form as a map; a newline is added
	// when the rendering does not end with one.
	Template string
	// NoHeader drops the header row of tables and csv.
	NoHeader bool
	// Color allows ANSI colours in tables.
	Color bool
	// Width is the terminal width tables are fitted into; 0 never truncates.
	Width int
	// Terminal says stdout is a terminal: csv, --jq and --template output
	// then has control, bidi and zero-width characters shown escaped
	// (tables always have; json, jsonl and yaml escape by their own rules).
	Terminal bool
}

// Writer renders a stream of items. Close must be called once after the
// last Write: it completes the document (closing brackets, table rendering)
// and flushes.
type Writer interface {
	Write(item any) error
	Close() error
}

// NewWriter returns a Writer of items described by schema onto w. With list
// true the output is a list (a JSON array, a YAML sequence, table rows, ...)
// even when empty; otherwise exactly one item is expected. Bad options
// (unknown format or field, a jq or template that does not parse) are
// *errkind.Error of kind errkind.Usage.
func NewWriter(w io.Writer, opts Options, schema Schema, list bool) (Writer, error) {
	return newWriter(w, opts, schema, list, realTicker)
}

func newWriter(w io.Writer, opts Options, schema Schema, list bool, ticker tickerFunc) (Writer, error) {
	format := opts.Format
	if format == "" {
		format = "table"
	}
	if !slices.Contains(Formats(), format) {
		return nil, usageErr("unknown output format %q (valid: %s)", format, strings.Join(Formats(), ", "))
	}
	var fields []field
	if len(opts.Fields) > 0 {
		var err error
		if fields, err = resolveFields(schema, opts.Fields); err != nil {
			return nil, err
		}
	}
	enc := &encoder{fields: fields}
	// text is the stream of the formats that print server text as is.
	text := func() *stream {
		s := newStream(w, ticker)
		s.escape = opts.Terminal
		return s
	}
	switch {
	case opts.JQ != "" && opts.Template != "":
		return nil, usageErr("--jq and --template cannot be used together")
	case opts.JQ != "":
		return newJQWriter(text(), opts.JQ, enc, list && format != "jsonl")
	case opts.Template != "":
		return newTemplateWriter(text(), opts.Template, enc, list)
	}
	switch format {
	case "json":
		return newJSONWriter(newStream(w, ticker), enc, list), nil
	case "jsonl":
		return newJSONLWriter(newStream(w, ticker), enc), nil
	case "yaml":
		return newYAMLWriter(newStream(w, ticker), enc, list), nil
	}
	if fields == nil {
		fields = defaultFields(schema, format == "wide", format == "csv")
	}
	if format == "csv" {
		return newCSVWriter(text(), fields, opts.NoHeader), nil
	}
	return newTableWriter(w, fields, opts), nil
}

// ValidFields lists the field names --fields accepts for schema (for shell
// completion); "extra." stands for any "extra.KEY".
func ValidFields(schema Schema) []string {
	out := make([]string, 0, len(schema.Columns)+1)
	for _, c := range schema.Columns {
		out = append(out, c.Name)
	}
	if schema.Extra != nil {
		out = append(out, "extra.")
	}
	return out
}

// field is a resolved column: its key, header and value function.
type field struct {
	name   string
	header string
	value  func(item any) any
	// drop is Column.Drop for a default column, 0 (kept) for one named
	// in --fields.
	drop int
	// whole is Column.Whole: the column is never shortened.
	whole bool
}

const extraPrefix = "extra."

func columnField(c Column) field {
	h := c.Header
	if h == "" {
		h = strings.ToUpper(c.Name)
	}
	return field{name: c.Name, header: h, value: c.Value, whole: c.Whole}
}

func resolveFields(schema Schema, names []string) ([]field, error) {
	out := make([]field, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, raw := range names {
		name := strings.TrimSpace(raw)
		if seen[name] {
			return nil, usageErr("duplicate field %q in --fields", name)
		}
		seen[name] = true
		f, ok := lookupField(schema, name)
		if !ok {
			valid := ValidFields(schema)
			if schema.Extra != nil {
				valid[len(valid)-1] = "extra.KEY"
			}
			return nil, usageErr("unknown field %q (valid: %s)", name, strings.Join(valid, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

func lookupField(schema Schema, name string) (field, bool) {
	for _, c := range schema.Columns {
		if c.Name == name {
			return columnField(c), true
		}
	}
	if schema.Extra != nil && len(name) > len(extraPrefix) && strings.HasPrefix(name, extraPrefix) {
		key := name[len(extraPrefix):]
		extra := schema.Extra
		return field{name: name, header: strings.ToUpper(name), value: func(item any) any {
			v, ok := extra(item, key)
			if !ok {
				return nil
			}
			return v
		}}, true
	}
	return field{}, false
}

// defaultFields are the columns of a table (wide adds Wide columns) or of
// csv (every column but the hidden ones).
func defaultFields(schema Schema, wide, csv bool) []field {
	var out []field
	for _, c := range schema.Columns {
		if c.Hidden || (c.Wide && !wide && !csv) {
			continue
		}
		f := columnField(c)
		f.drop = c.Drop
		out = append(out, f)
	}
	return out
}

func usageErr(format string, args ...any) error {
	return &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf(format, args...)}
}

// encoder produces the JSON form of items: the item's own JSON (its
// MarshalJSON when it has one) or, with --fields, an object with exactly
// those keys in that order.
type encoder struct {
	fields []field
}

// appendJSON appends the compact JSON form of item to buf.
func (e *encoder) appendJSON(buf []byte, item any) ([]byte, error) {
	if e.fields == nil {
		switch u := item.(type) {
		case userapi.User:
			return appendUser(buf, &u)
		case *userapi.User:
			if u != nil {
				return appendUser(buf, u)
			}
		}
		var (
			b   []byte
			err error
		)
		if m, ok := item.(json.Marshaler); ok {
			b, err = m.MarshalJSON()
		} else {
			b, err = json.Marshal(item)
		}
		if err != nil {
			return buf, fmt.Errorf("encoding %T as JSON: %w", item, err)
		}
		return append(buf, b...), nil
	}
	buf = append(buf, '{')
	for i, f := range e.fields {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, f.name)
		buf = append(buf, ':')
		var err error
		if buf, err = appendJSONValue(buf, f.value(item)); err != nil {
			return buf, fmt.Errorf("encoding field %q: %w", f.name, err)
		}
	}
	return append(buf, '}'), nil
}

// appendUser appends the same bytes as u.MarshalJSON (the normalized
// contract, checked by a test) without reflection or per-field allocations:
// the hot path of `users export`.
func appendUser(buf []byte, u *userapi.User) ([]byte, error) {
	buf = append(buf, `{"id":`...)
	buf = appendNullable(buf, u.ID)
	buf = append(buf, `,"username":`...)
	buf = appendNullable(buf, u.Username)
	buf = append(buf, `,"email":`...)
	buf = appendNullable(buf, u.Email)
	buf = append(buf, `,"name":`...)
	buf = appendNullable(buf, u.Name)
	buf = append(buf, `,"roles":[`...)
	for i, r := range u.Roles {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, r)
	}
	buf = append(buf, `],"status":`...)
	buf = appendNullable(buf, string(u.Status))
	buf = append(buf, `,"created_at":`...)
	buf = appendTime(buf, u.CreatedAt)
	buf = append(buf, `,"updated_at":`...)
	buf = appendTime(buf, u.UpdatedAt)
	buf = append(buf, `,"extra":`...)
	if len(u.Extra) == 0 {
		buf = append(buf, "{}"...)
	} else {
		b, err := json.Marshal(u.Extra)
		if err != nil {
			return buf, fmt.Errorf("encoding extra fields of user %q: %w", u.ID, err)
		}
		buf = append(buf, b...)
	}
	return append(buf, '}'), nil
}

func appendNullable(buf []byte, s string) []byte {
	if s == "" {
		return append(buf, "null"...)
	}
	return appendJSONString(buf, s)
}

func appendTime(buf []byte, t *time.Time) []byte {
	if t == nil || t.IsZero() {
		return append(buf, "null"...)
	}
	buf = append(buf, '"')
	buf = t.UTC().AppendFormat(buf, time.RFC3339)
	return append(buf, '"')
}
