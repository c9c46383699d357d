package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/itchyny/gojq"
)

// jqWriter applies a jq expression to the JSON form and prints each result
// like `jq -r`: strings raw, anything else as compact JSON, one per line.
// With collect (a list), items are gathered and the expression runs once on
// the array at Close; otherwise it runs on each item as it comes (a single
// object, or JSON Lines where each line is its own document).
type jqWriter struct {
	s       *stream
	code    *gojq.Code
	enc     *encoder
	collect bool
	items   []any
	raw     []byte
	out     []byte
}

func newJQWriter(s *stream, expr string, enc *encoder, collect bool) (*jqWriter, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, usageErr("invalid --jq expression: %s", oneLine(err.Error()))
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, usageErr("invalid --jq expression: %s", oneLine(err.Error()))
	}
	w := &jqWriter{s: s, code: code, enc: enc, collect: collect}
	if collect {
		w.items = []any{}
	}
	return w, nil
}

func (j *jqWriter) Write(item any) error {
	v, err := j.value(item)
	if err != nil {
		return err
	}
	if j.collect {
		j.items = append(j.items, v)
		return nil
	}
	return j.run(v)
}

// value is the JSON form of item decoded into gojq's value types.
func (j *jqWriter) value(item any) (any, error) {
	var err error
	if j.raw, err = j.enc.appendJSON(j.raw[:0], item); err != nil {
		return nil, err
	}
	return decodeJSON(j.raw)
}

func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding JSON form: %w", err)
	}
	return v, nil
}

func (j *jqWriter) run(v any) error {
	iter := j.code.Run(v)
	for {
		r, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := r.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return nil // `halt`: stop without output
			}
			return usageErr("--jq: %s", oneLine(err.Error()))
		}
		j.out = j.out[:0]
		if s, isStr := r.(string); isStr {
			j.out = append(j.out, s...)
		} else {
			b, err := gojq.Marshal(r)
			if err != nil {
				return fmt.Errorf("--jq: encoding result: %w", err)
			}
			j.out = append(j.out, b...)
		}
		j.out = append(j.out, '\n')
		if err := j.s.write(j.out); err != nil {
			return err
		}
	}
}

func (j *jqWriter) Close() error {
	var err error
	if j.collect {
		err = j.run(j.items)
		j.items = nil
	}
	return errors.Join(err, j.s.close())
}

// oneLine keeps the first line of a multi-line message.
func oneLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
