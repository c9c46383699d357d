// Package termsafe makes text that came from a server safe to show on a
// terminal: control characters (C0, DEL, C1, so every ESC sequence), bidi
// overrides and isolates, zero-width and other invisible format characters,
// line and paragraph separators and bytes that are not UTF-8 are shown
// escaped the way Go writes them in string literals (\x1b, \r, \u202e), so
// they can neither drive the terminal nor hide or reorder what is shown.
// Backslashes and every other character pass unchanged.
//
// Every human-facing sink of userctl goes through it: table cells, the apply
// plan, notices, errors, prompts, and csv/--jq/--template output when stdout
// is a terminal. Machine formats written elsewhere stay exact.
package termsafe

import (
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// String escapes every unsafe character of s, newlines and tabs included:
// the result is one line. Safe text is returned as is, without allocating.
func String(s string) string {
	if isSafe(s, false) {
		return s
	}
	return string(appendEscaped(make([]byte, 0, len(s)+16), s, false))
}

// Text escapes the unsafe characters of s but keeps newlines and tabs, for
// multi-line output (a csv document, the renderings of a template).
func Text(s string) string {
	if isSafe(s, true) {
		return s
	}
	return string(appendEscaped(make([]byte, 0, len(s)+16), s, true))
}

// AppendText appends Text(string(p)) to dst.
func AppendText(dst, p []byte) []byte {
	if isSafe(string(p), true) {
		return append(dst, p...)
	}
	return appendEscaped(dst, string(p), true)
}

// Writer escapes, like Text, everything written to it before passing it to
// the underlying writer. Each Write should hold whole characters (a line, a
// record): a multi-byte character split across two writes is shown as
// escaped bytes. It is safe for concurrent use when the underlying writer
// is.
type Writer struct {
	w io.Writer
}

// NewWriter returns a Writer onto w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write implements io.Writer; it reports len(p) when everything escaped was
// written.
func (w *Writer) Write(p []byte) (int, error) {
	if isSafe(string(p), true) {
		return w.w.Write(p)
	}
	if _, err := w.w.Write(appendEscaped(make([]byte, 0, len(p)+16), string(p), true)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// isSafe reports whether s holds nothing to escape; keepLines allows
// newlines and tabs.
func isSafe(s string, keepLines bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				if !keepLines || (c != '\n' && c != '\t') {
					return false
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r) {
			return false
		}
		i += size
	}
	return true
}

// unsafeRune reports whether a non-ASCII rune must be escaped: C1 controls,
// format characters (bidi controls, zero-width characters, the byte order
// mark, invisible operators, tags) and the line and paragraph separators.
func unsafeRune(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

func appendEscaped(dst []byte, s string, keepLines bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 0x20 && c != 0x7f:
				dst = append(dst, c)
			case keepLines && (c == '\n' || c == '\t'):
				dst = append(dst, c)
			case c == '\n':
				dst = append(dst, `\n`...)
			case c == '\r':
				dst = append(dst, `\r`...)
			case c == '\t':
				dst = append(dst, `\t`...)
			default:
				dst = appendHex(dst, `\x`, uint32(c), 2)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = appendHex(dst, `\x`, uint32(c), 2)
		case !unsafeRune(r):
			dst = append(dst, s[i:i+size]...)
		case r > 0xffff:
			dst = appendHex(dst, `\U`, uint32(r), 8)
		default:
			dst = appendHex(dst, `\u`, uint32(r), 4)
		}
		i += size
	}
	return dst
}

// appendHex appends prefix and v in lower-case hex, zero-padded to width.
func appendHex(dst []byte, prefix string, v uint32, width int) []byte {
	dst = append(dst, prefix...)
	h := strconv.FormatUint(uint64(v), 16)
	for n := len(h); n < width; n++ {
		dst = append(dst, '0')
	}
	return append(dst, h...)
}
