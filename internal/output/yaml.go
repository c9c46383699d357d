package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// yamlWriter writes YAML that keeps the JSON form's key order: a list is one
// document holding a sequence, streamed item by item; a single item is a
// mapping.
type yamlWriter struct {
	s    *stream
	enc  *encoder
	list bool
	n    int
	raw  []byte
	out  bytes.Buffer
}

func newYAMLWriter(s *stream, enc *encoder, list bool) *yamlWriter {
	return &yamlWriter{s: s, enc: enc, list: list}
}

func (y *yamlWriter) Write(item any) error {
	if !y.list && y.n > 0 {
		return errMultiple
	}
	var err error
	if y.raw, err = y.enc.appendJSON(y.raw[:0], item); err != nil {
		return err
	}
	node, err := jsonToNode(y.raw)
	if err != nil {
		return fmt.Errorf("encoding %T as YAML: %w", item, err)
	}
	var doc bytes.Buffer
	e := yaml.NewEncoder(&doc)
	e.SetIndent(2)
	if err := e.Encode(node); err != nil {
		return fmt.Errorf("encoding %T as YAML: %w", item, err)
	}
	if err := e.Close(); err != nil {
		return fmt.Errorf("encoding %T as YAML: %w", item, err)
	}
	y.n++
	if !y.list {
		return y.s.write(doc.Bytes())
	}
	// An item of a top-level sequence: "- " before the first line, two
	// spaces before the others.
	y.out.Reset()
	lines := bytes.SplitAfter(bytes.TrimRight(doc.Bytes(), "\n"), []byte("\n"))
	for i, l := range lines {
		if i == 0 {
			y.out.WriteString("- ")
		} else if len(bytes.TrimSpace(l)) > 0 {
			y.out.WriteString("  ")
		}
		y.out.Write(l)
	}
	y.out.WriteByte('\n')
	return y.s.write(y.out.Bytes())
}

func (y *yamlWriter) Close() error {
	var err error
	switch {
	case y.list && y.n == 0:
		err = y.s.write([]byte("[]\n"))
	case !y.list && y.n == 0:
		err = errNone
	}
	return errors.Join(err, y.s.close())
}

// jsonToNode converts one JSON value into a YAML node, keeping object key
// order.
func jsonToNode(data []byte) (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return decodeNode(dec)
}

func decodeNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
			}
			_, err := dec.Token() // '}'
			return n, err
		case '[':
			n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for dec.More() {
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
			_, err := dec.Token() // ']'
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t}, nil
	case json.Number:
		tag := "!!int"
		if _, err := t.Int64(); err != nil {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		v := "false"
		if t {
			v = "true"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, io.ErrUnexpectedEOF
}
