package config

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// flattenNested turns the nested mappings of a profile (`fields: {email:
// emails.0.value}`) into dotted keys (`fields.email`), the form dialects
// read their options in.
func flattenNested(raw map[string]any) map[string]any {
	out := make(map[string]any, len(raw))
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			key := strings.ToLower(k)
			if prefix != "" {
				key = prefix + "." + key
			}
			if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
				walk(key, sub)
				continue
			}
			out[key] = v
		}
	}
	walk("", raw)
	return out
}

// nestDotted is the other way, for writing: dotted keys become nested
// mappings, so the file reads `fields:` then its keys.
func nestDotted(raw map[string]any) map[string]any {
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		parts := strings.Split(k, ".")
		m := out
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = v
	}
	return out
}

// flatNode is one key of a profile mapping with its dotted name.
type flatNode struct {
	key, value *yaml.Node
	name       string
}

// flatNodes lists the keys of a profile mapping node, nested mappings as
// dotted names (fields: {email: x} is fields.email), lower-cased, for the
// checks that name a line.
func flatNodes(m *yaml.Node) []flatNode {
	var out []flatNode
	var walk func(prefix string, m *yaml.Node)
	walk = func(prefix string, m *yaml.Node) {
		for n := 0; n+1 < len(m.Content); n += 2 {
			key, v := m.Content[n], m.Content[n+1]
			name := strings.ToLower(key.Value)
			if prefix != "" {
				name = prefix + "." + name
			}
			if v.Kind == yaml.MappingNode && len(v.Content) > 0 {
				walk(name, v)
				continue
			}
			out = append(out, flatNode{key, v, name})
		}
	}
	walk("", m)
	return out
}
