package bulk

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"github.com/userctl/userctl/internal/csvcell"
	"io"
	"iter"
	"strings"
)

// MaxRecord bounds one record of a bulk file (a CSV record, a JSON Lines
// line, an element of a JSON array): a longer one fails alone, unread, and
// reading resumes after it.
const MaxRecord = 1 << 20

// errTooLong is the message of a record over MaxRecord.
var errTooLong = fmt.Sprintf("record longer than %d KiB: not read", MaxRecord>>10)

// physLine is one physical line of a file, without its line break.
type physLine struct {
	text    string
	num     int
	tooLong bool // over MaxRecord: text is empty
}

// lineReader reads physical lines, never holding more than MaxRecord bytes
// of one, and lets a reader put lines back.
type lineReader struct {
	br      *bufio.Reader
	buf     []byte
	num     int
	pending []physLine // put back, read first
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line; io.EOF after the last one.
func (l *lineReader) next() (physLine, error) {
	if n := len(l.pending); n > 0 {
		p := l.pending[0]
		l.pending = l.pending[1:]
		return p, nil
	}
	l.buf = l.buf[:0]
	tooLong, any := false, false
	for {
		chunk, err := l.br.ReadSlice('\n')
		any = any || len(chunk) > 0
		if !tooLong {
			if len(l.buf)+len(chunk) > MaxRecord+2 { // + "\r\n"
				tooLong, l.buf = true, l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && !any:
			return physLine{}, io.EOF
		case err != nil && err != io.EOF:
			return physLine{}, err
		}
		l.num++
		b := bytes.TrimSuffix(bytes.TrimSuffix(l.buf, []byte{'\n'}), []byte{'\r'})
		return physLine{text: string(b), num: l.num, tooLong: tooLong}, nil
	}
}

// unread puts lines back, to be read again in order before any other.
func (l *lineReader) unread(lines []physLine) {
	if len(lines) > 0 {
		l.pending = append(append([]physLine(nil), lines...), l.pending...)
	}
}

// csvRecord is one CSV record: its fields, or why it cannot be read.
type csvRecord struct {
	fields []string
	line   int
	err    string
}

// nextCSV reads one record of CSV text, as encoding/csv would (RFC 4180:
// fields in double quotes may hold commas, doubled quotes and line breaks;
// no bare quote in an unquoted field; blank lines skipped). A record that
// cannot be read fails alone: the lines after its first are put back, so
// that a stray quote never swallows the rest of the file. want, when > 0,
// is the number of fields a record spanning several lines must have to be
// taken as one (else its first line fails alone).
func nextCSV(l *lineReader, want int) (csvRecord, error) {
	var first physLine
	for {
		p, err := l.next()
		if err != nil {
			return csvRecord{}, err
		}
		if p.tooLong || p.text != "" {
			first = p
			break
		}
	}
	rec := csvRecord{line: first.num}
	if first.tooLong {
		rec.err = errTooLong
		return rec, nil
	}
	fields, open, perr := splitCSV(first.text)
	if perr != nil {
		rec.err = perr.Error()
		return rec, nil
	}
	if !open {
		rec.fields = fields
		return rec, nil
	}
	// A quoted field goes on over the next lines: gather them while the
	// quotes are unbalanced, up to MaxRecord.
	text := first.text
	quotes := strings.Count(first.text, `"`)
	var more []physLine
	fail := func(msg string) (csvRecord, error) {
		l.unread(more)
		rec.err = msg
		return rec, nil
	}
	for {
		p, err := l.next()
		if err == io.EOF {
			return fail(`a quoted field is not closed (a stray " ?)`)
		}
		if err != nil {
			return csvRecord{}, err
		}
		more = append(more, p)
		if p.tooLong || len(text)+1+len(p.text) > MaxRecord {
			return fail(`a quoted field is not closed within ` + fmt.Sprint(MaxRecord>>10) + ` KiB (a stray " ?)`)
		}
		text += "\n" + p.text
		quotes += strings.Count(p.text, `"`)
		if quotes%2 == 1 {
			continue
		}
		fields, open, perr := splitCSV(text)
		switch {
		case open:
			continue
		case perr != nil:
			return fail(`a quoted field is not closed on its line (a stray " ?)`)
		case want > 0 && len(fields) != want:
			return fail(fmt.Sprintf(`a quoted field is not closed on its line (a stray " ?): read over %d lines, it has %d columns, the header has %d`,
				len(more)+1, len(fields), want))
		}
		rec.fields = fields
		return rec, nil
	}
}

// splitCSV splits one CSV record. open is true when a quoted field is not
// closed by the end of s (it may go on on the next line).
func splitCSV(s string) (fields []string, open bool, err error) {
	var f strings.Builder
	i := 0
	for {
		if i < len(s) && s[i] == '"' {
			i++
			f.Reset()
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return nil, true, nil
				}
				f.WriteString(s[i : i+j])
				i += j + 1
				if i < len(s) && s[i] == '"' {
					f.WriteByte('"')
					i++
					continue
				}
				break
			}
			fields = append(fields, f.String())
			if i == len(s) {
				return fields, false, nil
			}
			if s[i] != ',' {
				return nil, false, fmt.Errorf(`column %d: text after the closing quote of a quoted field`, len(fields))
			}
			i++
			continue
		}
		j := strings.IndexByte(s[i:], ',')
		field := s[i:]
		if j >= 0 {
			field = s[i : i+j]
		}
		if strings.Contains(field, `"`) {
			return nil, false, fmt.Errorf(`column %d: bare " in a field not in quotes`, len(fields)+1)
		}
		fields = append(fields, field)
		if j < 0 {
			return fields, false, nil
		}
		i += j + 1
	}
}

func readCSV(r io.Reader, name string) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		lr := newLineReader(r)
		header, err := nextCSV(lr, 0)
		if err == io.EOF {
			return
		}
		if err != nil {
			yield(Item{}, fatal(name, 0, "%v", err))
			return
		}
		if header.err != "" {
			yield(Item{}, fatal(name, header.line, "header row: %s", header.err))
			return
		}
		cols := make([]string, len(header.fields))
		seen := map[string]bool{}
		for i, h := range header.fields {
			cols[i] = normalizeKey(strings.TrimPrefix(h, "\ufeff"))
			if cols[i] == "" {
				yield(Item{}, fatal(name, header.line, "header row: column %d has no name", i+1))
				return
			}
			if seen[cols[i]] {
				yield(Item{}, fatal(name, header.line, "header row: column %q appears twice", cols[i]))
				return
			}
			seen[cols[i]] = true
		}
		for {
			rec, err := nextCSV(lr, len(cols))
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Item{}, fatal(name, 0, "%v", err))
				return
			}
			var it Item
			switch {
			case rec.err != "":
				it = badLine(rec.line, "%s", rec.err)
			case len(rec.fields) != len(cols):
				it = badLine(rec.line, "%d columns, the header has %d", len(rec.fields), len(cols))
			default:
				fields := make(map[string]any, len(cols))
				for i, c := range cols {
					// A cell export wrote as '=… holds =… (csvcell). Export
					// never writes passwords: a password is read as is.
					if c == "password" {
						fields[c] = rec.fields[i]
					} else {
						fields[c] = csvcell.Unescape(rec.fields[i])
					}
				}
				it = newItem(rec.line, fields)
			}
			if !yield(it, nil) {
				return
			}
		}
	}
}

func readJSONL(r io.Reader, name string) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		lr := newLineReader(r)
		for {
			p, err := lr.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Item{}, fatal(name, lr.num+1, "%v", err))
				return
			}
			var it Item
			if p.tooLong {
				it = badLine(p.num, "%s", errTooLong)
			} else {
				b := bytes.TrimSpace([]byte(p.text))
				if len(b) == 0 {
					continue
				}
				it = decodeObject(p.num, b)
			}
			if !yield(it, nil) {
				return
			}
		}
	}
}

// jsonScanner cuts a JSON array into its elements by its structure alone
// (strings, brackets, commas), so that an element with a syntax error fails
// alone and the next ones are still read.
type jsonScanner struct {
	br   *bufio.Reader
	line int
}

// skipSpace returns the next byte that is not white space (nor a BOM).
func (s *jsonScanner) skipSpace() (byte, error) {
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case '\n':
			s.line++
		case ' ', '\t', '\r':
		case 0xEF: // a UTF-8 BOM
			if b, err := s.br.Peek(2); err == nil && b[0] == 0xBB && b[1] == 0xBF {
				_, _ = s.br.Discard(2)
				continue
			}
			return c, nil
		default:
			return c, nil
		}
	}
}

// element reads the element that starts with c, up to the comma or closing
// bracket after it (consumed; end says which, 0 at the end of the input).
// bad says why the element cannot be read, when the structure shows it.
func (s *jsonScanner) element(c byte) (raw []byte, line int, end byte, bad string, err error) {
	line = s.line
	depth, inStr, esc, tooLong := 0, false, false, false
	for {
		if !inStr && depth == 0 && (c == ',' || c == ']') {
			end = c
			break
		}
		switch {
		case c == '\n':
			s.line++
			if inStr {
				// A string never holds a raw line break: a quote is
				// missing. Give up on this element and go on at the next
				// line that starts an element (or ends the array).
				if bad == "" {
					bad = "invalid JSON: a string is not closed on its line (a stray \" ?)"
				}
				end, err = s.resync()
				return raw, line, end, bad, err
			}
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth < 0 {
				depth = 0
				if bad == "" {
					bad = fmt.Sprintf("invalid JSON: unexpected %q", c)
				}
			}
		}
		if !tooLong {
			if len(raw) >= MaxRecord {
				tooLong, raw = true, nil
			} else {
				raw = append(raw, c)
			}
		}
		c, err = s.br.ReadByte()
		if err == io.EOF {
			return raw, line, 0, bad, nil
		}
		if err != nil {
			return nil, line, 0, "", err
		}
	}
	if tooLong {
		bad = errTooLong
	}
	return raw, line, end, bad, nil
}

// resync skips to the next line whose first character starts an element
// ('{', or ',' before one) or ends the array (']', consumed and returned).
func (s *jsonScanner) resync() (byte, error) {
	for {
		b, err := s.br.Peek(1)
		for err == nil && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
			_, _ = s.br.Discard(1)
			b, err = s.br.Peek(1)
		}
		if err == io.EOF {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case '{':
			return ',', nil
		case ',':
			_, _ = s.br.Discard(1)
			return ',', nil
		case ']':
			_, _ = s.br.Discard(1)
			return ']', nil
		}
		// Skip the rest of the line.
		if _, err := s.br.ReadSlice('\n'); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			if err == io.EOF {
				return 0, nil
			}
			return 0, err
		}
		s.line++
	}
}

func readJSONArray(r io.Reader, name string) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		s := &jsonScanner{br: bufio.NewReaderSize(r, 64<<10), line: 1}
		c, err := s.skipSpace()
		if err == io.EOF {
			return
		}
		if err != nil {
			yield(Item{}, fatal(name, s.line, "%v", err))
			return
		}
		if c != '[' {
			yield(Item{}, fatal(name, s.line, "want a JSON array of users"))
			return
		}
		afterComma := false
		for {
			c, err := s.skipSpace()
			if err == io.EOF {
				yield(badLine(s.line, "invalid JSON: the array is not closed (is the file cut short?)"), nil)
				return
			}
			if err != nil {
				yield(Item{}, fatal(name, s.line, "%v", err))
				return
			}
			if c == ']' && !afterComma {
				s.trailing(yield)
				return
			}
			raw, line, end, bad, err := s.element(c)
			if err != nil {
				yield(Item{}, fatal(name, s.line, "%v", err))
				return
			}
			if end == 0 && bad == "" {
				bad = "invalid JSON: the file ends inside this element, the array is not closed (is the file cut short?)"
			}
			var it Item
			switch {
			case bad != "":
				it = badLine(line, "%s", bad)
			case len(bytes.TrimSpace(raw)) == 0:
				it = badLine(line, "invalid JSON: an empty element")
			default:
				it = decodeObject(line, raw)
			}
			if !yield(it, nil) {
				return
			}
			switch end {
			case ']':
				s.trailing(yield)
				return
			case 0:
				return
			}
			afterComma = true
		}
	}
}

// trailing fails what follows the closing bracket, if anything does.
func (s *jsonScanner) trailing(yield func(Item, error) bool) {
	if _, err := s.skipSpace(); err == nil {
		yield(badLine(s.line, "invalid JSON: text after the end of the array"), nil)
	}
}
