package output

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/csvcell"
	"github.com/userctl/userctl/internal/termsafe"
)

// tableCell renders a value for a table cell: lists joined with ", ",
// missing values as "-", maps as compact JSON, control characters escaped
// so server data cannot drive the terminal.
func tableCell(v any) string {
	s, empty := scalarText(v, ", ")
	if empty {
		return "-"
	}
	return sanitize(s)
}

// csvCell renders a value for a CSV cell: lists joined with ";", missing
// values empty, maps as JSON, a would-be spreadsheet formula behind a
// leading "'" (csvcell.Escape; import reads it back exactly).
func csvCell(v any) string {
	s, _ := scalarText(v, ";")
	return csvcell.Escape(s)
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

// sanitize shows control, bidi and zero-width characters escaped so server
// data cannot drive the terminal or hide what a table shows.
func sanitize(s string) string { return termsafe.String(s) }
