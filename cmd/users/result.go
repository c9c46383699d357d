package users

import (
	"strings"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/userapi"
)

// printResults shows outcomes of verbs without a user in their answer: as
// messages on stderr for people, as objects on stdout for -o json and co.
func printResults(f *cmdutil.Factory, results []userapi.Result, list bool) error {
	if !f.WantsData() {
		for _, r := range results {
			msg := r.Message
			if msg == "" {
				msg = r.Action + " " + r.ID
			}
			f.Notice("%s", capitalize(msg))
		}
		return nil
	}
	w, err := f.Printer(output.ResultSchema(), list || len(results) != 1)
	if err != nil {
		return err
	}
	for _, r := range results {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	return w.Close()
}

// capitalize makes a message a sentence: upper-case first letter, final dot.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return upperFirst(s) + dot(s)
}

// upperFirst upper-cases an ASCII first letter.
func upperFirst(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

func dot(s string) string {
	switch s[len(s)-1] {
	case '.', '!', '?', ')':
		return ""
	}
	// A dot glued to a trailing URL would be copied with it.
	if f := strings.Fields(s); strings.Contains(f[len(f)-1], "://") {
		return ""
	}
	return "."
}
