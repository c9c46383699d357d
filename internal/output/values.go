package output

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// tableCell renders a value for a table cell: lists joined with ", ",
// missing values as "-", maps as compact JSON, control characters replaced
// so server data cannot drive the terminal.
func tableCell(v any) string {
	s, empty := scalarText(v, ", ")
	if empty {
		return "-"
	}
	return sanitize(s)
}

// csvCell renders a value for a CSV cell: lists joined with ";", missing
// values empty, maps as JSON.
func csvCell(v any) string {
	s, _ := scalarText(v, ";")
	return s
}

// scalarText turns v into text, joining lists with sep; empty reports a
// missing value (nil, "", an empty list or map).
func scalarText(v any, sep string) (s string, empty bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, x == ""
	case []string:
		return strings.Join(x, sep), len(x) == 0
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i], _ = scalarText(e, sep)
		}
		return strings.Join(parts, sep), len(x) == 0
	case bool:
		return strconv.FormatBool(x), false
	case int:
		return strconv.Itoa(x), false
	case *int:
		if x == nil {
			return "", true
		}
		return strconv.Itoa(*x), false
	case json.Number:
		return x.String(), false
	case time.Time:
		if x.IsZero() {
			return "", true
		}
		return x.UTC().Format(time.RFC3339), false
	case *time.Time:
		if x == nil || x.IsZero() {
			return "", true
		}
		return x.UTC().Format(time.RFC3339), false
	case fmt.Stringer:
		s := x.String()
		return s, s == ""
	case map[string]any:
		if len(x) == 0 {
			return "", true
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), false
	}
	return string(b), false
}

// sanitize replaces newlines, tabs and other control characters with
// spaces (or U+FFFD for escape characters).
func sanitize(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return '\uFFFD'
		}
		return r
	}, s)
}
