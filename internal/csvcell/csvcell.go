// Package csvcell keeps CSV cells from running as spreadsheet formulas, with
// an exact way back: userctl writes cells through Escape (`-o csv`, `users
// export -o csv`) and `import`/`apply` read them through Unescape, so what
// export writes, import reads back unchanged.
//
// A cell a spreadsheet would evaluate (starting with =, +, -, @, tab or
// carriage return) is written with a leading apostrophe, which spreadsheets
// show as text. So that the round trip is exact for every value, a value
// that already starts with apostrophes followed by such a character gets one
// more apostrophe; any other value is written as is.
package csvcell

// Quote is the character put before a cell that would run as a formula.
const Quote = '\''

// Escape returns s as a CSV cell that no spreadsheet runs as a formula.
func Escape(s string) string {
	if needsQuote(s) {
		return string(Quote) + s
	}
	return s
}

// Unescape returns the value a cell written by Escape holds: it drops the
// leading apostrophe Escape added, and keeps every other cell as is (a
// hand-written 'abc stays 'abc).
func Unescape(cell string) string {
	if len(cell) > 1 && cell[0] == Quote && needsQuote(cell[1:]) {
		return cell[1:]
	}
	return cell
}

// needsQuote reports whether s starts with a formula trigger, possibly after
// apostrophes.
func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case Quote:
			continue
		case '=', '+', '-', '@', '\t', '\r':
			return true
		}
		return false
	}
	return false
}
