package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/userctl/userctl/internal/userapi"
)

// keyKind says what a profile key is.
type keyKind int

const (
	keyUnknown      keyKind = iota
	keyShared               // api, url, ca_file, output, timeout
	keyValue                // a non-secret setting of the dialect
	keySecret               // a secret setting, held in the file
	keySecretEnv            // SECRET_env: the variable that holds it
	keySecretSource         // SECRET_source: keyring
)

// dialectSettings returns the settings a profile of api may hold. When api
// names no registered dialect (a profile without api), every registered
// dialect's settings are accepted and strict is false.
func dialectSettings(api string) (settings []userapi.Setting, strict bool) {
	if d, err := userapi.Lookup(api); err == nil {
		return d.Settings, true
	}
	seen := map[string]bool{}
	for _, d := range userapi.Dialects() {
		for _, s := range d.Settings {
			if !seen[s.Key] {
				seen[s.Key] = true
				settings = append(settings, s)
			}
		}
	}
	return settings, false
}

// classify says what key k of a profile with these settings is.
func classify(settings []userapi.Setting, k string) (keyKind, userapi.Setting) {
	if userapi.IsSharedKey(k) {
		return keyShared, userapi.Setting{Key: k}
	}
	for _, s := range settings {
		switch {
		case k == s.Key && s.Secret:
			return keySecret, s
		case k == s.Key:
			return keyValue, s
		case s.Secret && k == s.Key+suffixEnv:
			return keySecretEnv, s
		case s.Secret && k == s.Key+suffixSource:
			return keySecretSource, s
		}
	}
	return keyUnknown, userapi.Setting{}
}

// validKeys lists the keys a profile with these settings may hold, in the
// order they are documented.
func validKeys(settings []userapi.Setting) []string {
	out := slices.Clone(userapi.SharedKeys)
	for _, s := range settings {
		out = append(out, s.Key)
		if s.Secret {
			out = append(out, s.Key+suffixEnv, s.Key+suffixSource)
		}
	}
	return out
}

// unknownKeyError is the error of a key the profile's dialect does not
// declare, with the closest valid key when there is one.
func unknownKeyError(api, k string, settings []userapi.Setting) error {
	valid := validKeys(settings)
	dialect := "any API"
	if api != "" {
		dialect = "the " + api + " API"
	}
	if s := closest(k, valid); s != "" {
		return fmt.Errorf("unknown key %q for %s (did you mean %q?)", k, dialect, s)
	}
	return fmt.Errorf("unknown key %q for %s (valid: %s)", k, dialect, strings.Join(valid, ", "))
}

// closest returns the candidate nearest to word when it is near enough to
// be a typo (at most 2 edits, fewer for short words), else "".
func closest(word string, candidates []string) string {
	best, bestD := "", 3
	if len(word) <= 4 {
		bestD = 2
	}
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (optimal string
// alignment): a swap of two neighbours counts as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range rb {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
