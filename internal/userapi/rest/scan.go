package rest

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// scanUsers parses a JSON array of flat user objects whose keys are all of
// the wire struct and whose values are strings, nulls or (for roles) lists
// of strings: the shape of every page of a well-behaved service, decoded
// here without reflection or maps because `users export` spends its time
// here. ok is false for anything else — another key, a number, a nested
// object, invalid JSON — and the caller then decodes with encoding/json,
// which handles every shape and reports errors.
func scanUsers(b []byte) (out []wire, ok bool) {
	// One string for the whole page: every field is a substring of it, so
	// decoding allocates per user, not per field.
	s := scanner{b: b, src: string(b)}
	s.space()
	if out, ok = s.users(); !ok {
		return nil, false
	}
	return out, s.end()
}

// users reads an array of plain user objects at the scanner's position.
func (s *scanner) users() (out []wire, ok bool) {
	if !s.eat('[') {
		return nil, false
	}
	out = make([]wire, 0, 128)
	s.space()
	if s.eat(']') {
		return out, true
	}
	for {
		var w wire
		if !s.object(&w) {
			return nil, false
		}
		out = append(out, w)
		s.space()
		if s.eat(']') {
			return out, true
		}
		if !s.eat(',') {
			return nil, false
		}
		s.space()
	}
}

// scanPageObject reads a top-level page object in one pass: the users of
// the member named by one of keys (the first present wins) and every other
// member raw. ok is false when the page needs encoding/json.
func scanPageObject(b []byte, keys []string) (users []wire, found string, meta map[string][]byte, ok bool) {
	s := scanner{b: b, src: string(b)}
	s.space()
	if !s.eat('{') {
		return nil, "", nil, false
	}
	meta = make(map[string][]byte, 8)
	rank := len(keys)
	s.space()
	if s.eat('}') {
		return nil, "", meta, false
	}
	for {
		key, ok := s.str()
		if !ok {
			return nil, "", nil, false
		}
		s.space()
		if !s.eat(':') {
			return nil, "", nil, false
		}
		s.space()
		if r := slices.Index(keys, key); r >= 0 && r < rank {
			list, ok := s.users()
			if !ok {
				return nil, "", nil, false
			}
			users, found, rank = list, key, r
		} else {
			start := s.i
			if !s.skip() {
				return nil, "", nil, false
			}
			meta[key] = s.b[start:s.i]
		}
		s.space()
		if s.eat('}') {
			break
		}
		if !s.eat(',') {
			return nil, "", nil, false
		}
		s.space()
	}
	return users, found, meta, found != "" && s.end()
}

// scanUser parses one plain user object (see scanUsers); ok is false for
// any other body.
func scanUser(b []byte) (w wire, ok bool) {
	s := scanner{b: b, src: string(b)}
	s.space()
	if !s.object(&w) || !s.end() {
		return wire{}, false
	}
	return w, true
}

type scanner struct {
	b   []byte
	src string // b as a string, when strings may share its memory
	i   int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// object reads one {"key": value, ...} into w.
func (s *scanner) object(w *wire) bool {
	if !s.eat('{') {
		return false
	}
	s.space()
	if s.eat('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok {
			return false
		}
		s.space()
		if !s.eat(':') {
			return false
		}
		s.space()
		if key == "roles" {
			if !s.roles(w) {
				return false
			}
		} else {
			dst := w.field(key)
			if dst == nil {
				return false
			}
			if !s.nullableStr(dst) {
				return false
			}
		}
		s.space()
		if s.eat('}') {
			return true
		}
		if !s.eat(',') {
			return false
		}
		s.space()
	}
}

// field points at the string field of a wire key, or nil.
func (w *wire) field(key string) *string {
	switch key {
	case "id":
		return &w.ID
	case "username":
		return &w.Username
	case "email":
		return &w.Email
	case "name":
		return &w.Name
	case "role":
		return &w.Role
	case "status":
		return &w.Status
	case "created_at":
		return &w.CreatedAt
	case "updated_at":
		return &w.UpdatedAt
	}
	return nil
}

func (s *scanner) nullableStr(dst *string) bool {
	if s.i+4 <= len(s.b) && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	v, ok := s.str()
	*dst = v
	return ok
}

func (s *scanner) roles(w *wire) bool {
	if s.i+4 <= len(s.b) && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	if !s.eat('[') {
		return false
	}
	s.space()
	if s.eat(']') {
		return true
	}
	for {
		v, ok := s.str()
		if !ok {
			return false
		}
		w.Roles = append(w.Roles, v)
		s.space()
		if s.eat(']') {
			return true
		}
		if !s.eat(',') {
			return false
		}
		s.space()
	}
}

// str reads a JSON string. Strings with escapes are unquoted by
// encoding/json; control characters and invalid UTF-8 fail the scan.
func (s *scanner) str() (string, bool) {
	if !s.eat('"') {
		return "", false
	}
	start := s.i
	q := bytes.IndexByte(s.b[start:], '"')
	if q < 0 {
		return "", false
	}
	span := s.b[start : start+q]
	if bytes.IndexByte(span, '\\') >= 0 {
		return s.escaped(start)
	}
	ascii := true
	for _, c := range span {
		if c < 0x20 {
			return "", false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(span) {
		return "", false
	}
	s.i = start + q + 1
	if s.src != "" {
		return s.src[start : start+q], true
	}
	return string(span), true
}

// escaped reads a string with escapes from its first byte after the quote,
// leaving the unquoting to encoding/json.
func (s *scanner) escaped(start int) (string, bool) {
	i := start
	for i < len(s.b) {
		switch c := s.b[i]; {
		case c == '\\':
			i += 2
			continue
		case c == '"':
			var out string
			if err := json.Unmarshal(s.b[start-1:i+1], &out); err != nil {
				return "", false
			}
			s.i = i + 1
			return out, true
		case c < 0x20:
			return "", false
		}
		i++
	}
	return "", false
}

// skip passes over one JSON value, checking that brackets and strings are
// balanced; scalars are checked by whoever decodes them.
func (s *scanner) skip() bool {
	depth := 0
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case '"':
			if _, ok := s.str(); !ok {
				return false
			}
			if depth == 0 {
				return true
			}
			continue
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth < 0 {
				return false
			}
			if depth == 0 {
				s.i++
				return true
			}
		case ',', ' ', '\t', '\n', '\r', ':':
			if depth == 0 {
				return s.i > 0
			}
		default:
			if depth == 0 {
				// A scalar: up to the next delimiter.
				for s.i < len(s.b) && !isDelim(s.b[s.i]) {
					s.i++
				}
				return true
			}
		}
		s.i++
	}
	return false
}

func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}
