package prompt

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Fake is a scripted Prompter for tests. Answers are either keyed by a
// substring of the question (On) or taken in order (Next); a keyed answer is
// used once, by the first question containing its key, before any ordered
// one. An answer is a string (Input, Password, Select), a bool (Confirm) or
// an error to return (e.g. Interrupted()). A question with no answer left, or
// an answer of the wrong type, is an error.
type Fake struct {
	mu      sync.Mutex
	keyed   []fakeAnswer
	ordered []fakeAnswer
	asked   []string
}

type fakeAnswer struct {
	key   string
	value any
	used  bool
}

// NewFake returns a Fake with no answers.
func NewFake() *Fake { return &Fake{} }

// On scripts the answer to the next question containing substr.
func (f *Fake) On(substr string, answer any) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keyed = append(f.keyed, fakeAnswer{key: substr, value: answer})
	return f
}

// Next scripts the answer to the next question not matched by On.
func (f *Fake) Next(answers ...any) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range answers {
		f.ordered = append(f.ordered, fakeAnswer{value: a})
	}
	return f
}

// Asked returns the questions asked so far, in order.
func (f *Fake) Asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.asked)
}

// Unused describes the scripted answers no question consumed (empty when the
// script was followed exactly).
func (f *Fake) Unused() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, a := range f.keyed {
		if !a.used {
			out = append(out, fmt.Sprintf("on %q: %v", a.key, a.value))
		}
	}
	for _, a := range f.ordered {
		if !a.used {
			out = append(out, fmt.Sprintf("next: %v", a.value))
		}
	}
	return out
}

func (f *Fake) answer(kind, msg string) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, msg)
	for i := range f.keyed {
		a := &f.keyed[i]
		if !a.used && strings.Contains(msg, a.key) {
			a.used = true
			return unwrapAnswer(a.value)
		}
	}
	for i := range f.ordered {
		a := &f.ordered[i]
		if !a.used {
			a.used = true
			return unwrapAnswer(a.value)
		}
	}
	return nil, fmt.Errorf("fake prompter: unexpected %s prompt %q", kind, msg)
}

func unwrapAnswer(v any) (any, error) {
	if err, ok := v.(error); ok {
		return nil, err
	}
	return v, nil
}

func (f *Fake) text(kind, msg string) (string, error) {
	v, err := f.answer(kind, msg)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("fake prompter: answer to %s prompt %q is %T, want string", kind, msg, v)
	}
	return s, nil
}

// Input implements Prompter; an empty scripted answer yields def.
func (f *Fake) Input(msg, def string) (string, error) {
	s, err := f.text("input", msg)
	if err == nil && s == "" {
		s = def
	}
	return s, err
}

// Password implements Prompter.
func (f *Fake) Password(msg string) (string, error) { return f.text("password", msg) }

// Confirm implements Prompter.
func (f *Fake) Confirm(msg string, def bool) (bool, error) {
	v, err := f.answer("confirm", msg)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("fake prompter: answer to confirm prompt %q is %T, want bool", msg, v)
	}
	return b, nil
}

// Select implements Prompter; the scripted answer must be one of options (an
// empty one yields def).
func (f *Fake) Select(msg string, options []string, def string) (string, error) {
	s, err := f.text("select", msg)
	if err != nil {
		return "", err
	}
	if s == "" {
		s = def
	}
	if !slices.Contains(options, s) {
		return "", fmt.Errorf("fake prompter: answer %q to select prompt %q is not one of %v", s, msg, options)
	}
	return s, nil
}
