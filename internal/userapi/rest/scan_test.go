package rest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// decodeSlow is what scanUsers must agree with: encoding/json with only the
// wire keys allowed.
func decodeSlow(b []byte) ([]wire, bool) {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil || raws == nil {
		return nil, false
	}
	out := make([]wire, 0, len(raws))
	for _, r := range raws {
		var w wire
		d := json.NewDecoder(bytes.NewReader(r))
		d.DisallowUnknownFields()
		if err := d.Decode(&w); err != nil {
			return nil, false
		}
		out = append(out, w)
	}
	return out, true
}

func TestScanUsers(t *testing.T) {
	cases := map[string]bool{
		`[]`: true,
		` [ {"id":"a","email":"a@x","roles":["r1","r2"],"updated_at":null} , {"id":"b\u00e9\n","name":"Zoë"} ] `: true,
		`[{"id":1}]`:                  false, // a number: encoding/json decides
		`[{"id":"a","team":"x"}]`:     false, // unknown key: goes to extra
		`[{"id":"a"}`:                 false,
		`[{"id":"a"}] x`:              false,
		"[{\"id\":\"a\x01\"}]":        false,
		"[{\"id\":\"\xff\"}]":         false,
		`[{"id":"a","roles":[1]}]`:    false,
		`[{"id":"a\"b","role":null}]`: true,
	}
	for in, wantOK := range cases {
		got, ok := scanUsers([]byte(in))
		if ok != wantOK {
			t.Errorf("scanUsers(%q) ok = %v, want %v", in, ok, wantOK)
			continue
		}
		if ok {
			want, _ := decodeSlow([]byte(in))
			if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
				t.Errorf("scanUsers(%q) = %+v, encoding/json says %+v", in, got, want)
			}
		}
	}
}

// FuzzScanUsers checks that whenever the fast scanner accepts a page,
// encoding/json reads the same users from it.
func FuzzScanUsers(f *testing.F) {
	f.Add([]byte(`[{"id":"usr_1","email":"a@example.com","name":"A","role":"user","status":"active","created_at":"2026-01-01T00:00:00Z","updated_at":null}]`))
	f.Add([]byte(`[{"id":"a\u0041\\","roles":["x",""]}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := scanUsers(b)
		if !ok {
			return
		}
		want, wok := decodeSlow(b)
		if !wok {
			t.Fatalf("scanUsers accepted %q, encoding/json rejects it", b)
		}
		for i := range got {
			if got[i].Roles == nil {
				got[i].Roles = want[i].Roles
			}
		}
		if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("scanUsers(%q) = %+v, encoding/json %+v", b, got, want)
		}
	})
}

// FuzzParseUTC checks the fast timestamp reader against time.Parse.
func FuzzParseUTC(f *testing.F) {
	for _, s := range []string{"2024-01-15T10:30:00Z", "2024-02-30T10:30:00Z", "2024-13-01T00:00:00Z", "2024-01-15T24:00:00Z", "2024-01-15t10:30:00Z", "9999-12-31T23:59:59Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseUTC(s)
		want, err := time.Parse(time.RFC3339, s)
		if ok && (err != nil || !got.Equal(want)) {
			t.Fatalf("parseUTC(%q) = %v, time.Parse = %v, %v", s, got, want, err)
		}
		if !ok && err == nil && len(s) == 20 && s[19] == 'Z' && s[10] == 'T' {
			t.Fatalf("parseUTC(%q) refused what time.Parse reads as %v", s, want)
		}
	})
}
