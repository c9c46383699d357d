package scim

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

// A small parser and evaluator of SCIM filters (RFC 7644 §3.4.2.2) for the
// scim sandbox: comparisons eq, ne, co, sw, ew and pr, combined with and,
// or, not and parentheses, over the attributes the sandbox stores.

// scimFilter is a parsed filter: it reports whether a record matches.
type scimFilter func(r *sandbox.Record) bool

// scimFilterAttrs are the attributes a filter may name (lower case, with
// the core schema's URN prefix removed), with their values on a record.
var scimFilterAttrs = map[string]func(r *sandbox.Record) []string{
	"id":              func(r *sandbox.Record) []string { return []string{r.ID} },
	"username":        func(r *sandbox.Record) []string { return []string{r.Username} },
	"emails.value":    func(r *sandbox.Record) []string { return []string{r.Email} },
	"emails":          func(r *sandbox.Record) []string { return []string{r.Email} },
	"name.formatted":  func(r *sandbox.Record) []string { return []string{r.Name} },
	"name.givenname":  func(r *sandbox.Record) []string { return []string{r.FirstName} },
	"name.familyname": func(r *sandbox.Record) []string { return []string{r.LastName} },
	"displayname":     func(r *sandbox.Record) []string { return []string{r.DisplayName} },
	"externalid":      func(r *sandbox.Record) []string { return []string{r.ExternalID} },
	"roles.value":     func(r *sandbox.Record) []string { return r.Roles },
	"roles":           func(r *sandbox.Record) []string { return r.Roles },
	"active": func(r *sandbox.Record) []string {
		if r.Status == "disabled" {
			return []string{"false"}
		}
		return []string{"true"}
	},
}

// scimCaseExact lists the attributes compared case-sensitively (RFC 7643:
// id is caseExact; userName and emails are not).
var scimCaseExact = map[string]bool{"id": true, "externalid": true}

// maxFilterLen bounds a filter (and so the parser's recursion).
const maxFilterLen = 2048

// parseSCIMFilter parses a filter; the error is the 400 invalidFilter detail.
func parseSCIMFilter(s string) (scimFilter, error) {
	if len(s) > maxFilterLen {
		return nil, fmt.Errorf("filter longer than %d bytes", maxFilterLen)
	}
	p := &filterParser{toks: nil}
	if err := p.lex(s); err != nil {
		return nil, err
	}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("empty filter")
	}
	f, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at the end of the filter", p.toks[p.pos].text)
	}
	return f, nil
}

type filterToken struct {
	text   string
	quoted bool // a string literal (text is its value)
}

type filterParser struct {
	toks []filterToken
	pos  int
}

func (p *filterParser) lex(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			p.toks = append(p.toks, filterToken{text: string(c)})
			i++
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' {
					j++
				}
			}
			if j >= len(s) {
				return fmt.Errorf("unterminated string in the filter")
			}
			var v string
			if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
				return fmt.Errorf("bad string %s in the filter", s[i:j+1])
			}
			p.toks = append(p.toks, filterToken{text: v, quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n()\"", rune(s[j])) {
				j++
			}
			p.toks = append(p.toks, filterToken{text: s[i:j]})
			i = j
		}
	}
	return nil
}

func (p *filterParser) peekWord(w string) bool {
	return p.pos < len(p.toks) && !p.toks[p.pos].quoted && strings.EqualFold(p.toks[p.pos].text, w)
}

const maxFilterDepth = 32

func (p *filterParser) or(depth int) (scimFilter, error) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		p.pos++
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l := left
		left = func(r *sandbox.Record) bool { return l(r) || right(r) }
	}
	return left, nil
}

func (p *filterParser) and(depth int) (scimFilter, error) {
	left, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		p.pos++
		right, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		l := left
		left = func(r *sandbox.Record) bool { return l(r) && right(r) }
	}
	return left, nil
}

func (p *filterParser) unary(depth int) (scimFilter, error) {
	if depth > maxFilterDepth {
		return nil, fmt.Errorf("filter nested too deeply")
	}
	if p.peekWord("not") {
		p.pos++
		if !p.peekWord("(") {
			return nil, fmt.Errorf("want ( after not")
		}
		f, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return func(r *sandbox.Record) bool { return !f(r) }, nil
	}
	if p.peekWord("(") {
		p.pos++
		f, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.peekWord(")") {
			return nil, fmt.Errorf("missing ) in the filter")
		}
		p.pos++
		return f, nil
	}
	return p.compare()
}

func (p *filterParser) compare() (scimFilter, error) {
	if p.pos >= len(p.toks) || p.toks[p.pos].quoted {
		return nil, fmt.Errorf("want an attribute name in the filter")
	}
	name := strings.ToLower(p.toks[p.pos].text)
	name = strings.TrimPrefix(name, strings.ToLower(scimSchemaUser)+":")
	get, ok := scimFilterAttrs[name]
	if !ok {
		return nil, fmt.Errorf("attribute %q cannot be filtered on (supported: userName, emails.value, name.formatted, name.givenName, name.familyName, displayName, externalId, id, active, roles.value)", p.toks[p.pos].text)
	}
	p.pos++
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("want an operator after %s", name)
	}
	op := strings.ToLower(p.toks[p.pos].text)
	p.pos++
	if op == "pr" {
		return func(r *sandbox.Record) bool {
			for _, v := range get(r) {
				if v != "" {
					return true
				}
			}
			return false
		}, nil
	}
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("want a value after %s %s", name, op)
	}
	t := p.toks[p.pos]
	p.pos++
	val := t.text
	if !t.quoted {
		switch strings.ToLower(val) {
		case "true", "false", "null":
			val = strings.ToLower(val)
		default:
			return nil, fmt.Errorf("value %q is not a quoted string, true, false or null", val)
		}
	}
	fold := !scimCaseExact[name]
	if fold {
		val = strings.ToLower(val)
	}
	var test func(string) bool
	switch op {
	case "eq":
		test = func(v string) bool { return v == val }
	case "ne":
		test = func(v string) bool { return v != val }
	case "co":
		test = func(v string) bool { return strings.Contains(v, val) }
	case "sw":
		test = func(v string) bool { return strings.HasPrefix(v, val) }
	case "ew":
		test = func(v string) bool { return strings.HasSuffix(v, val) }
	default:
		return nil, fmt.Errorf("operator %q is not supported (supported: eq, ne, co, sw, ew, pr)", op)
	}
	return func(r *sandbox.Record) bool {
		vals := get(r)
		if len(vals) == 0 {
			vals = []string{""}
		}
		for _, v := range vals {
			if fold {
				v = strings.ToLower(v)
			}
			if test(v) {
				return true
			}
		}
		return false
	}, nil
}
