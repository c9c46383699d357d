package bulk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/userctl/userctl/internal/errkind"
)

// Format is the syntax of a bulk file.
type Format int

// The bulk file formats.
const (
	FormatJSONL Format = iota // one object per line (also stdin)
	FormatCSV                 // header row, then one record per row
	FormatJSON                // one array of objects
	FormatYAML                // one list of mappings
)

func (f Format) String() string {
	return [...]string{"jsonl", "csv", "json", "yaml"}[f]
}

// FormatOf picks the format from a file name's extension; "-" (stdin) is
// JSON Lines (Open reads a JSON array there too).
func FormatOf(path string) (Format, error) {
	if path == "-" {
		return FormatJSONL, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return FormatCSV, nil
	case ".jsonl", ".ndjson":
		return FormatJSONL, nil
	case ".json":
		return FormatJSON, nil
	case ".yaml", ".yml":
		return FormatYAML, nil
	}
	return 0, errkind.Errorf(errkind.Usage,
		"%s: unknown bulk file type %q (want .csv, .jsonl, .ndjson, .json, .yaml or .yml; - for JSON Lines on stdin)",
		path, filepath.Ext(path))
}

// Source is an opened bulk file.
type Source struct {
	// Name is the path, or "-" for stdin.
	Name   string
	Format Format
	// Total estimates the number of records, for progress (0: unknown). It
	// counts lines, so quoted line breaks make it an overestimate.
	Total int
	r     io.Reader
	close func() error
}

// Open opens a bulk file by path ("-" reads stdin: JSON Lines, or a JSON
// array when its first character is '['). The caller closes the source.
func Open(path string, stdin io.Reader) (*Source, error) {
	format, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	if path == "-" {
		br := bufio.NewReaderSize(stdin, 64<<10)
		if startsArray(br) {
			format = FormatJSON // `users list -o json | users import -f -`
		}
		return &Source{Name: path, Format: format, r: br, close: func() error { return nil }}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errkind.Errorf(errkind.Usage, "cannot open bulk file: %v", err)
	}
	s := &Source{Name: path, Format: format, r: f, close: f.Close}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && (format == FormatCSV || format == FormatJSONL) {
		if n, err := countRecords(f, format); err == nil {
			s.Total = n
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, errkind.Errorf(errkind.Usage, "cannot read bulk file: %v", err)
		}
	}
	return s, nil
}

// startsArray reports whether the first character of br after white space
// (and a BOM) is '[': a JSON array rather than JSON Lines, whose lines are
// objects. Nothing is consumed.
func startsArray(br *bufio.Reader) bool {
	for n := 1; n <= 4096; n++ {
		b, _ := br.Peek(n)
		if len(b) < n {
			return false
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r', '\n', 0xEF, 0xBB, 0xBF:
		default:
			return c == '['
		}
	}
	return false
}

// countRecords counts non-blank lines (minus the CSV header).
func countRecords(r io.Reader, format Format) (int, error) {
	buf := make([]byte, 256<<10)
	n, blank, last := 0, 0, byte('\n')
	for {
		m, err := r.Read(buf)
		chunk := buf[:m]
		for len(chunk) > 0 {
			i := bytes.IndexByte(chunk, '\n')
			if i < 0 {
				last = chunk[len(chunk)-1]
				break
			}
			if i == 0 && last == '\n' {
				blank++
			}
			n++
			last = '\n'
			chunk = chunk[i+1:]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		n++
	}
	n -= blank
	if format == FormatCSV && n > 0 {
		n--
	}
	return n, nil
}

// Close releases the file.
func (s *Source) Close() error { return s.close() }

// Items streams the records. See Read.
func (s *Source) Items() iter.Seq2[Item, error] {
	return Read(s.r, s.Format, s.Name)
}

// Read streams the records of r. A record that cannot be read or is invalid
// (bad syntax, a stray quote, more than MaxRecord bytes) is yielded as an
// Item with Err set (and its line number) and reading resumes at the next
// record; an error that makes the rest unreadable (I/O, a bad CSV header, a
// file that is not a JSON array, YAML syntax) is yielded as the second value
// and ends the sequence. CSV and JSON Lines are read line by line and JSON
// arrays element by element, with constant memory; YAML is loaded whole.
// name is used in messages.
func Read(r io.Reader, format Format, name string) iter.Seq2[Item, error] {
	switch format {
	case FormatCSV:
		return readCSV(r, name)
	case FormatJSON:
		return readJSONArray(r, name)
	case FormatYAML:
		return readYAML(r, name)
	default:
		return readJSONL(r, name)
	}
}

func fatal(name string, line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		msg = fmt.Sprintf("line %d: %s", line, msg)
	}
	return &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("reading %s: %s", name, msg)}
}

// decodeObject reads one JSON object (numbers beyond 2^53 lose precision;
// no user field is numeric).
func decodeObject(line int, b []byte) Item {
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return badLine(line, "want a JSON object, got %s", te.Value)
		}
		return badLine(line, "invalid JSON: %v", err)
	}
	if fields == nil {
		return badLine(line, "want a JSON object, got null")
	}
	return newItem(line, normalizeFields(fields))
}

func normalizeFields(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[normalizeKey(k)] = v
	}
	return out
}

func readYAML(r io.Reader, name string) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		var doc yaml.Node
		if err := yaml.NewDecoder(r).Decode(&doc); err != nil {
			if err == io.EOF {
				return
			}
			yield(Item{}, fatal(name, 0, "invalid YAML: %v", err))
			return
		}
		root := &doc
		if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
			root = root.Content[0]
		}
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			return
		}
		if root.Kind != yaml.SequenceNode {
			yield(Item{}, fatal(name, root.Line, "want a YAML list of users"))
			return
		}
		for _, n := range root.Content {
			var it Item
			var fields map[string]any
			if n.Kind != yaml.MappingNode {
				it = badLine(n.Line, "want a mapping of fields")
			} else if yamlSize(n, 0) > MaxRecord {
				it = badLine(n.Line, "%s", errTooLong)
			} else if err := n.Decode(&fields); err != nil {
				it = badLine(n.Line, "%v", err)
			} else {
				it = newItem(n.Line, normalizeFields(fields))
			}
			if !yield(it, nil) {
				return
			}
		}
	}
}

// yamlSize adds the lengths of the scalars under n to size, stopping once
// past MaxRecord.
func yamlSize(n *yaml.Node, size int) int {
	size += len(n.Value)
	for _, c := range n.Content {
		if size > MaxRecord {
			break
		}
		size = yamlSize(c, size)
	}
	return size
}
