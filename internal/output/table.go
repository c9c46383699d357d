package output

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// columnGap separates table columns (kubectl style).
const columnGap = "   "

// minColumnWidth is the narrowest a column is squeezed to when fitting.
const minColumnWidth = 10

// tableWriter buffers rows (their widths decide the layout) and renders a
// borderless, left-aligned table at Close.
type tableWriter struct {
	w      io.Writer
	fields []field
	opts   Options
	rows   [][]string
}

func newTableWriter(w io.Writer, fields []field, opts Options) *tableWriter {
	return &tableWriter{w: w, fields: fields, opts: opts}
}

func (t *tableWriter) Write(item any) error {
	row := make([]string, len(t.fields))
	for i, f := range t.fields {
		row[i] = tableCell(f.value(item))
	}
	t.rows = append(t.rows, row)
	return nil
}

func (t *tableWriter) Close() error {
	if len(t.fields) == 0 || (len(t.rows) == 0 && t.opts.NoHeader) {
		return nil
	}
	header := make([]string, len(t.fields))
	for i, f := range t.fields {
		header[i] = sanitize(f.header)
	}
	fields := t.fields
	if t.opts.Width > 0 {
		shown := fitTable(fields, header, t.rows, t.opts.Width)
		if len(shown) < len(fields) {
			fields, header = pick(fields, shown), pick(header, shown)
			for i, r := range t.rows {
				t.rows[i] = pick(r, shown)
			}
		}
	}
	if t.opts.Color {
		colorize(fields, header, t.rows)
	}

	var buf bytes.Buffer
	padding := make([]tw.Padding, len(header))
	for i := range padding {
		padding[i] = tw.Padding{Right: columnGap, Overwrite: true}
	}
	padding[len(padding)-1] = tw.PaddingNone
	cell := func() tw.CellConfig {
		return tw.CellConfig{
			Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone, AutoFormat: tw.Off},
			Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
			Padding:    tw.CellPadding{Global: tw.PaddingNone, PerColumn: padding},
		}
	}
	table := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.SeparatorsNone,
				Lines:      tw.LinesNone,
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Header:   cell(),
			Row:      cell(),
			Behavior: tw.Behavior{TrimSpace: tw.Off},
		}),
	)
	if !t.opts.NoHeader {
		table.Header(toAny(header)...)
	}
	for _, r := range t.rows {
		if err := table.Append(toAny(r)...); err != nil {
			return errors.Join(errors.New("rendering table"), err)
		}
	}
	if err := table.Render(); err != nil {
		return errors.Join(errors.New("rendering table"), err)
	}
	// Drop the padding of the last column and any blank line.
	var out bytes.Buffer
	for _, line := range strings.Split(buf.String(), "\n") {
		line = strings.TrimRight(line, " ")
		if line == "" {
			continue
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	_, err := t.w.Write(out.Bytes())
	return err
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// fitTable fits a table into width display columns and returns the
// indexes of the columns to show. The "id" column is never shortened: it is
// what users copy. Default columns that only repeat the ID (Datadog's
// handle, username and email) are left out; then the widest other columns
// are shrunk, down to their header or minColumnWidth, their cells cut with
// "…"; droppable columns with no value in any row go first, and when
// shrinking is not enough, droppable columns are left out, least useful
// first (field.drop), before shrinking again. A table that still
// does not fit overflows.
func fitTable(fields []field, header []string, rows [][]string, width int) []int {
	n := len(header)
	widths := make([]int, n)
	floor := make([]int, n)
	idCol := -1
	for i, h := range header {
		widths[i] = twwidth.Width(h)
		floor[i] = max(widths[i], minColumnWidth)
		if fields[i].name == "id" {
			idCol = i
		}
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], twwidth.Width(c))
		}
	}
	for i := range floor {
		floor[i] = min(floor[i], widths[i])
	}
	for i, f := range fields {
		if i == idCol || f.whole {
			floor[i] = widths[i]
		}
	}
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = !(idCol >= 0 && i != idCol && fields[i].drop > 0 && len(rows) > 0 && repeats(rows, i, idCol))
	}
	total := func(w []int) int {
		sum, cols := 0, 0
		for i, k := range keep {
			if k {
				sum += w[i]
				cols++
			}
		}
		return sum + len(columnGap)*max(cols-1, 0)
	}
	// A droppable column with no value in any row ("-") goes first when
	// the table does not fit as it is.
	if total(widths) > width {
		for i, k := range keep {
			if k && fields[i].drop > 0 && len(rows) > 0 && allMissing(rows, i) {
				keep[i] = false
			}
		}
	}
	for total(floor) > width {
		next := -1
		for i, k := range keep {
			if k && fields[i].drop > 0 && (next < 0 || fields[i].drop < fields[next].drop) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		keep[next] = false
	}
	orig := append([]int(nil), widths...)
	for t := total(widths); t > width; t-- {
		widest := -1
		for i, w := range widths {
			if keep[i] && w > floor[i] && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
	}
	var shown []int
	for i := range widths {
		if !keep[i] {
			continue
		}
		shown = append(shown, i)
		if widths[i] == orig[i] {
			continue
		}
		for _, r := range rows {
			r[i] = truncate(r[i], widths[i])
		}
	}
	return shown
}

// repeats reports whether column i holds the same text as column id in
// every row.
func repeats(rows [][]string, i, id int) bool {
	for _, r := range rows {
		if r[i] != r[id] {
			return false
		}
	}
	return true
}

// allMissing reports whether column i shows no value ("-") in every row.
func allMissing(rows [][]string, i int) bool {
	for _, r := range rows {
		if r[i] != "-" {
			return false
		}
	}
	return true
}

// pick returns the cells of s at the indexes in idx.
func pick[T any](s []T, idx []int) []T {
	out := make([]T, len(idx))
	for j, i := range idx {
		out[j] = s[i]
	}
	return out
}

// truncate cuts s to at most width display columns, ending with "…" when
// anything was cut.
func truncate(s string, width int) string {
	if twwidth.Width(s) <= width {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := twwidth.Width(string(r))
		if used+rw > width-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	b.WriteString("…")
	return b.String()
}

const (
	ansiBold   = "\x1b[1m"
	ansiGreen  = "\x1b[32m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGray   = "\x1b[90m"
	ansiReset  = "\x1b[0m"
)

// colorize makes headers bold and colours the status column.
func colorize(fields []field, header []string, rows [][]string) {
	for i := range header {
		header[i] = ansiBold + header[i] + ansiReset
	}
	for i, f := range fields {
		if f.name != "status" {
			continue
		}
		for _, r := range rows {
			var c string
			switch r[i] {
			case "active":
				c = ansiGreen
			case "disabled":
				c = ansiRed
			case "pending":
				c = ansiYellow
			case "deleted":
				c = ansiGray
			default:
				continue
			}
			r[i] = c + r[i] + ansiReset
		}
	}
}
