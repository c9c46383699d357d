package scim

import (
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

// The SCIM sandbox asks for a bearer token, any one or exactly opts.Token,
// and answers without one in the SCIM error schema with a challenge.
func TestSCIMAuth(t *testing.T) {
	srv := newSCIMServer(t, sandbox.Options{})
	for _, auth := range []string{"", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "tok"} {
		r := scimDo(t, srv, "GET", "/Users", "", "Authorization", auth)
		wantSCIMError(t, r, 401, "")
		if r.body["detail"] != "authentication required: send Authorization: Bearer <token>" {
			t.Errorf("auth %q: detail %v", auth, r.body["detail"])
		}
		if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="userctl sandbox"` {
			t.Errorf("auth %q: WWW-Authenticate = %q", auth, got)
		}
	}
	if r := scimDo(t, srv, "GET", "/Users", "", "Authorization", "bearer anything"); r.status != 200 {
		t.Fatalf("any token should do without opts.Token: %d %v", r.status, r.body)
	}

	srv = newSCIMServer(t, sandbox.Options{Token: "s3cret"})
	r := scimDo(t, srv, "GET", "/Users/x", "", "Authorization", "Bearer other")
	wantSCIMError(t, r, 401, "")
	if r.body["detail"] != "invalid token" {
		t.Errorf("wrong token: detail %v", r.body["detail"])
	}
	if r := scimDo(t, srv, "GET", "/Users", "", "Authorization", "Bearer s3cret"); r.status != 200 {
		t.Fatalf("the token was refused: %d %v", r.status, r.body)
	}
}
