package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/secret"
)

func TestMask(t *testing.T) {
	cases := map[string]string{
		"":                   "",
		"abc":                "••••",
		"abcdefghijk":        "••••",
		"abcdefghijkl":       "••••ijkl",
		"sk-live-0123456789": "••••6789",
		"ééééééééééééabçd":   "••••abçd",
	}
	for in, want := range cases {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShow(t *testing.T) {
	p := writeFile(t, `profiles:
  crm: {api: rest, url: https://api.example.com, token: tok-0123456789abcd, list_path: /people}
  kr: {api: rest, token_source: keyring}
  ev: {api: datadog, api_key_env: DDK, app_key: short}
`)
	c := mustLoad(t, p)
	store := secret.NewMemory()
	_ = store.Set(secret.Service, "kr/token", "keyring-secret-9876")

	fields, err := c.Show("crm", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []ShowField{
		{Key: "name", Value: "crm"}, {Key: "api", Value: "rest"}, {Key: "url", Value: "https://api.example.com"},
		{Key: "list_path", Value: "/people"},
		{Key: "token", Value: "••••abcd", Secret: true, Where: "config file (0600)"},
	}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("Show(crm) =\n%+v\nwant\n%+v", fields, want)
	}
	fields, _ = c.Show("kr", nil, store)
	if last := fields[len(fields)-1]; last != (ShowField{Key: "token", Value: "••••9876", Secret: true, Where: "keyring"}) {
		t.Fatalf("keyring field %+v", last)
	}
	fields, _ = c.Show("kr", nil, &secret.Memory{Unavailable: true})
	if last := fields[len(fields)-1]; last.Value != "(unavailable)" {
		t.Fatalf("keyring field %+v", last)
	}
	fields, _ = c.Show("ev", env{"DDK": "0123456789abcdef"}.get, nil)
	got := map[string]ShowField{}
	for _, f := range fields {
		got[f.Key] = f
	}
	if got["api_key"].Value != "••••cdef" || got["api_key"].Where != "env DDK (api_key_env)" || got["app_key"].Value != "••••" {
		t.Fatalf("Show(ev) = %+v", fields)
	}
	for _, f := range fields {
		if strings.Contains(f.Value, "short") || strings.Contains(f.Value, "0123456789") {
			t.Fatalf("secret leaked in %+v", f)
		}
	}
	if _, err := c.Show("zzz", nil, nil); errkind.Of(err) != errkind.Usage {
		t.Fatalf("Show(zzz) = %v", err)
	}
	fields, err = c.Show("", nil, nil)
	if err != nil || fields[0].Value != Sandbox {
		t.Fatalf("Show(current) = %+v, %v", fields, err)
	}
}
