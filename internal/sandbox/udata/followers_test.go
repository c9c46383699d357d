package udata

import (
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

func TestUdataFollow(t *testing.T) {
	srv, _ := newUdataServer(t, sandbox.Options{})
	id := udCreate(t, srv, "Ada", "Lovelace", "ada@example.org")["id"].(string)
	path := "/api/1/users/" + id + "/followers/"
	for i, tc := range []struct {
		method, key string
		status      int
		count       float64
	}{
		{"POST", "admin", 201, 1},
		{"POST", "admin", 200, 1},
		{"POST", "nonadmin", 201, 2},
		{"DELETE", "nonadmin", 200, 1},
	} {
		r := udDo(t, srv, tc.method, path, tc.key, "")
		if r.status != tc.status || r.json(t)["followers"] != tc.count {
			t.Errorf("step %d: %d %s", i, r.status, r.body)
		}
	}
	if r := udDo(t, srv, "DELETE", path, "nonadmin", ""); r.status != 404 {
		t.Errorf("unfollow when not following: %d", r.status)
	}
	if r := udDo(t, srv, "POST", "/api/1/users/ada-lovelace/followers/", "admin", ""); r.status != 404 {
		t.Errorf("follow by slug: %d", r.status)
	}
	r := udDo(t, srv, "POST", "/api/1/users/"+udAdminID+"/followers/", "admin", "")
	if r.status != 403 || r.json(t)["message"] != "You can't follow yourself" {
		t.Errorf("follow yourself: %d %s", r.status, r.body)
	}
	m := udDo(t, srv, "GET", path, "", "").json(t)
	items := m["data"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["follower"].(map[string]any)["slug"] != "sandbox-admin" ||
		items[0].(map[string]any)["since"] == nil {
		t.Errorf("followers = %v", m)
	}
}
