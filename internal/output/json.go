package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// appendJSONString appends s as a JSON string, escaped exactly like
// encoding/json (HTML-safe).
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// appendJSONValue appends v as compact JSON, without reflection for the
// common types.
func appendJSONValue(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case string:
		return appendJSONString(buf, x), nil
	case []string:
		buf = append(buf, '[')
		for i, s := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, s)
		}
		return append(buf, ']'), nil
	case bool:
		return strconv.AppendBool(buf, x), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(buf, x, 10), nil
	case *int:
		if x == nil {
			return append(buf, "null"...), nil
		}
		return strconv.AppendInt(buf, int64(*x), 10), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return buf, err
	}
	return append(buf, b...), nil
}

// jsonWriter writes pretty-printed (2-space) JSON: one array for a list,
// streamed item by item, or the single object.
type jsonWriter struct {
	s    *stream
	enc  *encoder
	list bool
	n    int
	raw  []byte
	out  bytes.Buffer
}

func newJSONWriter(s *stream, enc *encoder, list bool) *jsonWriter {
	return &jsonWriter{s: s, enc: enc, list: list}
}

func (j *jsonWriter) Write(item any) error {
	if !j.list && j.n > 0 {
		return errMultiple
	}
	var err error
	if j.raw, err = j.enc.appendJSON(j.raw[:0], item); err != nil {
		return err
	}
	j.out.Reset()
	prefix := ""
	if j.list {
		prefix = "  "
		if j.n == 0 {
			j.out.WriteString("[\n  ")
		} else {
			j.out.WriteString(",\n  ")
		}
	}
	if err := json.Indent(&j.out, j.raw, prefix, "  "); err != nil {
		return fmt.Errorf("encoding %T as JSON: %w", item, err)
	}
	if !j.list {
		j.out.WriteByte('\n')
	}
	j.n++
	return j.s.write(j.out.Bytes())
}

func (j *jsonWriter) Close() error {
	var err error
	switch {
	case j.list && j.n == 0:
		err = j.s.write([]byte("[]\n"))
	case j.list:
		err = j.s.write([]byte("\n]\n"))
	case j.n == 0:
		err = errNone
	}
	return errors.Join(err, j.s.close())
}

// jsonlWriter writes one compact object per line, reusing its buffer.
type jsonlWriter struct {
	s   *stream
	enc *encoder
	buf []byte
}

func newJSONLWriter(s *stream, enc *encoder) *jsonlWriter {
	return &jsonlWriter{s: s, enc: enc, buf: make([]byte, 0, 1024)}
}

func (j *jsonlWriter) Write(item any) error {
	var err error
	if j.buf, err = j.enc.appendJSON(j.buf[:0], item); err != nil {
		return err
	}
	j.buf = append(j.buf, '\n')
	return j.s.write(j.buf)
}

func (j *jsonlWriter) Close() error { return j.s.close() }
