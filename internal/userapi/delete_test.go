package userapi

import (
	"errors"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
)

func TestCheckedDelete(t *testing.T) {
	maybe := &errkind.Error{Kind: errkind.Unknown, Message: "timeout", MaybeSent: true}
	sure := &errkind.Error{Kind: errkind.Server, Message: "500"}
	notFound := &errkind.Error{Kind: errkind.NotFound, Message: "404"}
	cases := []struct {
		name      string
		sends     []error // what each send returns, in order
		lookup    error
		want      error
		wantSends int
		wantLooks int
	}{
		{"ok", []error{nil}, nil, nil, 1, 0},
		{"not sent: no lookup", []error{sure}, nil, sure, 1, 0},
		{"maybe sent, gone", []error{maybe}, notFound, nil, 1, 1},
		{"maybe sent, still there: sent again", []error{maybe, nil}, nil, nil, 2, 1},
		{"maybe sent, still there, second fails", []error{maybe, sure}, nil, sure, 2, 1},
		{"maybe sent, cannot tell", []error{maybe}, sure, maybe, 1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sends, looks := 0, 0
			err := CheckedDelete(
				func() error { sends++; return tc.sends[sends-1] },
				func() error { looks++; return tc.lookup })
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if sends != tc.wantSends || looks != tc.wantLooks {
				t.Errorf("sends=%d lookups=%d, want %d and %d", sends, looks, tc.wantSends, tc.wantLooks)
			}
		})
	}
}
