package config

import "strings"

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
