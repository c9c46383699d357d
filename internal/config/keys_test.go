package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestClosestKey(t *testing.T) {
	keys := []string{"api", "url", "token", "list_path", "pagination", "page_size", "site"}
	for typed, want := range map[string]string{
		"pagniation": "pagination", // a swap is one edit
		"pagination": "pagination",
		"list-path":  "list_path",
		"sit":        "site",
		"tokn":       "token",
		"colour":     "",
		"x":          "",
	} {
		if got := closest(typed, keys); got != want {
			t.Errorf("closest(%q) = %q, want %q", typed, got, want)
		}
	}
}

func TestSetRefusesUndeclaredKeys(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), "c.yaml"))
	for _, tc := range []struct {
		e    Entry
		want string
	}{
		{Entry{API: "rest", Values: map[string]string{"pagniation": "cursor"}}, `unknown key "pagniation" for the rest API (did you mean "pagination"?)`},
		{Entry{API: "udata", Values: map[string]string{"zzz": "1"}}, `unknown key "zzz" for the udata API (valid: api, url, ca_file, output, timeout, token, token_env, token_source)`},
		{Entry{API: "rest", Values: map[string]string{"url": "http://x"}}, "is a profile field"},
		{Entry{API: "datadog", Secrets: map[string]*SecretRef{"token": {Value: "x"}}}, `"token" is not a secret field of the datadog API (valid: api_key, app_key)`},
	} {
		err := c.Set("p", tc.e)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Set(%+v) = %v, want %q", tc.e, err, tc.want)
		}
	}
}
