package httpx

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strings"
)

const maxMessage = 300

// maxParsed bounds how much of an error body is looked at.
const maxParsed = 1 << 20

// ServerMessage turns an error body of any shape into one readable line:
// JSON objects with message/error/errors/detail/title keys (strings, lists
// or field maps), a bare JSON string, plain text, or an HTML page (its title
// or text). It returns "" for an empty body.
//
// The result has no control characters (a hostile body cannot drive the
// terminal) and is clipped to 300 characters.
func ServerMessage(contentType string, body []byte) string {
	if len(body) > maxParsed {
		body = body[:maxParsed]
	}
	s := strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD"))
	if s == "" {
		return ""
	}
	if strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") || strings.HasPrefix(s, `"`) {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err == nil {
			if m := jsonMessage(v); m != "" {
				return clip(oneLine(m))
			}
			switch t := v.(type) {
			case map[string]any:
				if len(t) == 0 {
					return "" // {}: the server said nothing
				}
				return clip(oneLine(s))
			case []any:
				if len(t) == 0 {
					return ""
				}
			}
		}
	}
	if strings.Contains(strings.ToLower(contentType), "html") || looksHTML(s) {
		return clip(htmlText(s))
	}
	return clip(oneLine(s))
}

func jsonMessage(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		var parts []string
		for _, e := range t {
			if m := jsonMessage(e); m != "" {
				parts = append(parts, m)
			}
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		var parts []string
		for _, k := range []string{"message", "error_description", "error", "detail", "title", "msg", "description"} {
			if m, ok := t[k]; ok {
				if s := jsonMessage(m); s != "" {
					parts = append(parts, s)
					break
				}
			}
		}
		if len(parts) == 1 {
			// {"field": "email", "message": "is invalid"}
			for _, k := range []string{"field", "param", "parameter", "attribute"} {
				if f, ok := t[k].(string); ok && f != "" {
					parts[0] = f + ": " + parts[0]
					break
				}
			}
		}
		if errs, ok := t["errors"]; ok {
			if s := fieldErrors(errs); s != "" && !contains(parts, s) {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ": ")
	}
	return ""
}

// fieldErrors renders {"email": ["required"]}, {"email": "invalid"} or a list.
func fieldErrors(v any) string {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			if m := jsonMessage(t[k]); m != "" {
				parts = append(parts, fmt.Sprintf("%s: %s", k, m))
			}
		}
		return strings.Join(parts, "; ")
	default:
		return jsonMessage(v)
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

var (
	reTitle  = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	reH1     = regexp.MustCompile(`(?is)<h1[^>]*>(.*?)</h1>`)
	reHidden = regexp.MustCompile(`(?is)<(script|style|head|template|noscript)[^>]*>.*?</(script|style|head|template|noscript)>`)
	reTag    = regexp.MustCompile(`(?s)<[^>]*>`)
	reSpace  = regexp.MustCompile(`\s+`)
	// reStatusLine is the status code starting a heading ("403 Forbidden").
	reStatusLine = regexp.MustCompile(`^[1-5]\d\d\b[ :-]*`)
)

// maxHTMLText bounds the visible text of an HTML page kept after its
// heading: enough for "Access denied by WAF. Request ID: …".
const maxHTMLText = 120

func looksHTML(s string) bool {
	l := strings.ToLower(s[:min(len(s), 200)])
	return strings.HasPrefix(l, "<!doctype html") || strings.HasPrefix(l, "<html") || strings.Contains(l, "<body") || strings.Contains(l, "<head")
}

// htmlText is the page's heading (its title, else its first h1) and the
// start of its visible text, which says what happened where the heading is
// often only the status line: "403 Forbidden: Access denied by WAF (HTML
// page)".
func htmlText(s string) string {
	var heading string
	for _, re := range []*regexp.Regexp{reTitle, reH1} {
		if m := re.FindStringSubmatch(s); m != nil {
			if heading = visibleText(m[1]); heading != "" {
				break
			}
		}
	}
	text := visibleText(reHidden.ReplaceAllString(s, " "))
	// The body often repeats the heading (an h1 with the title's words),
	// or its reason phrase ("Too Many Requests" under "429 Too Many
	// Requests").
	reason := reStatusLine.ReplaceAllString(heading, "")
	for _, h := range []string{heading, reason} {
		if h != "" && strings.HasPrefix(text, h) {
			text = strings.TrimLeft(strings.TrimPrefix(text, h), " :-–—|")
			break
		}
	}
	// A status line ("403 Forbidden") says what the caller's own status
	// line says: the text alone is the news.
	if text != "" && reason != heading {
		heading = ""
	}
	if r := []rune(text); len(r) > maxHTMLText {
		text = strings.TrimRight(string(r[:maxHTMLText]), " ") + "…"
	}
	switch {
	case heading != "" && text != "":
		return heading + ": " + text + " (HTML page)"
	case heading != "":
		return heading + " (HTML page)"
	case text != "":
		return text + " (HTML page)"
	}
	return "an HTML page with no text"
}

// visibleText is the text of an HTML fragment on one line: tags dropped,
// entities decoded, spaces collapsed (in HTML, line breaks are spaces).
func visibleText(s string) string {
	return oneLine(reSpace.ReplaceAllString(html.UnescapeString(reTag.ReplaceAllString(s, " ")), " "))
}

// oneLine joins the non-blank lines of s with "; ", collapsing spaces and
// replacing control characters.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return '\n'
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(reSpace.ReplaceAllString(l, " "))
	}
	var keep []string
	for _, l := range lines {
		if l != "" {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "; ")
}

func clip(s string) string {
	r := []rune(s)
	if len(r) <= maxMessage {
		return s
	}
	return string(r[:maxMessage]) + "…"
}
