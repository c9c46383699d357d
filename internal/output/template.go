package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"
)

// templateWriter executes a Go template per item against the item's JSON
// form as a map (numbers as json.Number). A newline is added after each
// rendering that does not end with one, so `--template '{{.email}}'` prints
// one line per user.
type templateWriter struct {
	s    *stream
	tmpl *template.Template
	enc  *encoder
	list bool
	n    int
	raw  []byte
	out  bytes.Buffer
}

// templateFuncs are the functions templates may call besides the builtins.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"join": func(sep string, list any) (string, error) {
			switch l := list.(type) {
			case nil:
				return "", nil
			case []string:
				return strings.Join(l, sep), nil
			case []any:
				parts := make([]string, len(l))
				for i, e := range l {
					parts[i], _ = scalarText(e, sep)
				}
				return strings.Join(parts, sep), nil
			}
			return "", fmt.Errorf("join: want a list, got %T", list)
		},
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
	}
}

func newTemplateWriter(s *stream, text string, enc *encoder, list bool) (*templateWriter, error) {
	t, err := template.New("template").Funcs(templateFuncs()).Parse(text)
	if err != nil {
		return nil, usageErr("invalid --template: %s", oneLine(strings.TrimPrefix(err.Error(), "template: ")))
	}
	return &templateWriter{s: s, tmpl: t, enc: enc, list: list}, nil
}

func (t *templateWriter) Write(item any) error {
	if !t.list && t.n > 0 {
		return errMultiple
	}
	var err error
	if t.raw, err = t.enc.appendJSON(t.raw[:0], item); err != nil {
		return err
	}
	v, err := decodeJSON(t.raw)
	if err != nil {
		return err
	}
	t.out.Reset()
	if err := t.tmpl.Execute(&t.out, v); err != nil {
		return usageErr("--template: %s", oneLine(strings.TrimPrefix(err.Error(), "template: ")))
	}
	if t.out.Len() > 0 && !bytes.HasSuffix(t.out.Bytes(), []byte("\n")) {
		t.out.WriteByte('\n')
	}
	t.n++
	return t.s.write(t.out.Bytes())
}

func (t *templateWriter) Close() error {
	var err error
	if !t.list && t.n == 0 {
		err = errNone
	}
	return errors.Join(err, t.s.close())
}
