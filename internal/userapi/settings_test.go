package userapi

import "testing"

func TestPageSize(t *testing.T) {
	if n, err := PageSize("25"); n != 25 || err != nil {
		t.Errorf(`PageSize("25") = %d, %v`, n, err)
	}
	for _, v := range []string{"", "0", "-3", "ten", " 5", "1.5"} {
		n, err := PageSize(v)
		want := `page_size "` + v + `" is not a positive number`
		if n != 0 || err == nil || err.Error() != want {
			t.Errorf("PageSize(%q) = %d, %v; want 0, %s", v, n, err, want)
		}
	}
}

func TestHeaderAuth(t *testing.T) {
	cases := []struct {
		in, name string
		ok, err  bool
	}{
		{"header:X-Api-Key", "X-Api-Key", true, false},
		{"header: X-Api-Key ", "X-Api-Key", true, false},
		{"header:", "", false, false},
		{"header:  ", "", false, false},
		{"bearer", "", false, false},
		{" header:X", "", false, false}, // the caller trims, or not
		{"Header:X", "", false, false},
		{"header:Bad Name", "", true, true},
		{"header:X\r\nY", "", true, true},
	}
	for _, tc := range cases {
		name, ok, err := HeaderAuth(tc.in)
		if name != tc.name || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("HeaderAuth(%q) = %q, %v, %v; want %q, %v, error %v", tc.in, name, ok, err, tc.name, tc.ok, tc.err)
		}
	}
}
