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
			if _, isObj := v.(map[string]any); isObj {
				return clip(oneLine(s))
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
	reScript = regexp.MustCompile(`(?is)<(script|style)[^>]*>.*?</(script|style)>`)
	reTag    = regexp.MustCompile(`(?s)<[^>]*>`)
	reSpace  = regexp.MustCompile(`\s+`)
)

func looksHTML(s string) bool {
	l := strings.ToLower(s[:min(len(s), 200)])
	return strings.HasPrefix(l, "<!doctype html") || strings.HasPrefix(l, "<html") || strings.Contains(l, "<body") || strings.Contains(l, "<head")
}

func htmlText(s string) string {
	for _, re := range []*regexp.Regexp{reTitle, reH1} {
		if m := re.FindStringSubmatch(s); m != nil {
			// In HTML, line breaks are spaces: a title written over
			// several lines is still one phrase.
			t := oneLine(reSpace.ReplaceAllString(html.UnescapeString(reTag.ReplaceAllString(m[1], " ")), " "))
			if t != "" {
				return t + " (HTML page)"
			}
		}
	}
	t := oneLine(reSpace.ReplaceAllString(html.UnescapeString(reTag.ReplaceAllString(reScript.ReplaceAllString(s, " "), " ")), " "))
	if t == "" {
		return "an HTML page with no text"
	}
	return t + " (HTML page)"
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
