package scim_test

import (
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/scim"
)

// The auth and page_size settings are refused with these words, both when
// `profile add --set` checks them and when a profile is opened.
func TestSettingsRefusedWithTheirWords(t *testing.T) {
	d, err := userapi.Lookup("scim")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key, value, check, open string
	}{
		{"page_size", "0", `page_size "0" is not a positive number`, `profile t: page_size "0" is not a positive number`},
		{"page_size", "ten", `page_size "ten" is not a positive number`, `profile t: page_size "ten" is not a positive number`},
		{"auth", "basic", `auth "basic" is not bearer or header:NAME`, `profile t: auth "basic" is not bearer or header:NAME`},
		{"auth", "header: ", `auth "header: " is not bearer or header:NAME`, `profile t: auth "header:" is not bearer or header:NAME`},
		{"auth", "header:Bad Name", `auth "header:Bad Name": `, `profile t: auth "header:Bad Name": `},
	} {
		s, ok := d.Setting(tc.key)
		if !ok || s.Validate == nil {
			t.Fatalf("no validated setting %s", tc.key)
		}
		if err := s.Validate(tc.value); err == nil || !strings.HasPrefix(err.Error(), tc.check) {
			t.Errorf("%s=%q checked: %v, want %q", tc.key, tc.value, err, tc.check)
		}
		_, err := scim.New(userapi.Profile{Name: "t", API: "scim", URL: "http://127.0.0.1:1",
			Values: map[string]string{tc.key: tc.value}, Secrets: map[string]string{"token": "k"}}, userapi.Env{})
		if errkind.ExitCode(err) != 2 || !strings.HasPrefix(err.Error(), tc.open) {
			t.Errorf("%s=%q opened: %v, want exit 2 with %q", tc.key, tc.value, err, tc.open)
		}
	}
	for _, v := range []string{"bearer", "Bearer", "header:X-Api-Key", " header: X-Api-Key "} {
		s, _ := d.Setting("auth")
		if err := s.Validate(v); err != nil {
			t.Errorf("auth %q refused: %v", v, err)
		}
	}
}
