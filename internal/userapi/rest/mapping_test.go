package rest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/rest"
)

func TestMappingKeysRefusedWhenMalformed(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]string
		msg  string
	}{
		{map[string]string{"update_method": "post"}, "update_method"},
		{map[string]string{"user_path": "/records"}, "has no {id}"},
		{map[string]string{"list_path": "https://evil.example/users"}, "want a path"},
		{map[string]string{"status_values": "active=true"}, "no value for disabled"},
		{map[string]string{"status_values": "on=1,off=0"}, "STATUS=VALUE"},
		{map[string]string{"time_format": "yesterday"}, "Go time layout"},
		{map[string]string{"total": "header:"}, "names no header"},
		{map[string]string{"fields.email": "emails..value"}, "empty path"},
		{map[string]string{"fields.email": "email, "}, "empty path"},
		{map[string]string{"auth": "digest"}, "none"},
	} {
		_, err := rest.New(userapi.Profile{Name: "t", API: "rest", URL: "http://127.0.0.1:1", Values: tc.opts, Secrets: map[string]string{"token": "k"}}, userapi.Env{})
		if errkind.ExitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), tc.msg) {
			t.Errorf("%v: %v, want exit 2 with %q", tc.opts, err, tc.msg)
		}
	}
}

// A merge whose PUT answer lacks fields the user had is an error, not a
// success.
func TestMergeReportsLostFields(t *testing.T) {
	b, reqs := fake(t, nil, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			io.WriteString(w, `{"id":"usr_1","name":"Ada King"}`)
			return
		}
		io.WriteString(w, userJSON)
	})
	name := "Ada King"
	_, err := b.(userapi.Updater).UpdateUser(context.Background(), "usr_1", userapi.UpdateRequest{Name: &name})
	if errkind.ExitCode(err) != 1 || !strings.Contains(fmt.Sprint(err), "lacks fields it had (created_at, email, role, status, team, updated_at)") {
		t.Errorf("err = %v, want the lost fields named, exit 1", err)
	}
	if got := (*reqs)[1]; got.Method != "PUT" || got.Body["team"] != "x" || got.Body["email"] != "a@example.com" || got.Body["name"] != "Ada King" {
		t.Errorf("PUT = %+v, want the whole object with the new name", got)
	}
}

// A server that refuses its own read-only fields in a PUT gets the change
// alone; its answer is still checked.
func TestMergeFallsBackToTheChangeAlone(t *testing.T) {
	var puts int
	b2, reqs2 := fake(t, nil, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			puts++
			if puts == 1 {
				w.WriteHeader(400)
				io.WriteString(w, `{"error":"unknown parameter \"id\""}`)
				return
			}
		}
		io.WriteString(w, userJSON)
	})
	if _, err := b2.(userapi.Disabler).DisableUser(context.Background(), "usr_1"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range *reqs2 {
		got = append(got, fmt.Sprintf("%s %v", r.Method, r.Body))
	}
	if len(got) != 3 || got[2] != "PUT map[status:disabled]" || !strings.Contains(got[1], "team:x") {
		t.Errorf("requests = %q", got)
	}
}

func TestPagingKeysAndHeaderTotal(t *testing.T) {
	users := func(from, n int) string {
		var parts []string
		for i := from; i < from+n; i++ {
			parts = append(parts, fmt.Sprintf(`{"uuid":"u%d","email":"u%d@example.com"}`, i, i))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	b, reqs := fake(t, map[string]string{"pagination": "offset", "offset_param": "skip", "limit_param": "take",
		"page_size": "10", "total": "header:X-Total", "id_field": "uuid"}, func(w http.ResponseWriter, r *http.Request) {
		var skip int
		fmt.Sscan(r.URL.Query().Get("skip"), &skip)
		w.Header().Set("X-Total", "25")
		// The server caps its pages at 7.
		io.WriteString(w, users(skip, min(7, 25-skip)))
	})
	var ids []string
	for u, err := range b.ListUsers(context.Background(), userapi.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if len(ids) != 25 || ids[24] != "u24" {
		t.Errorf("ids = %v, want u0..u24", ids)
	}
	if q := (*reqs)[1].Query; q != "skip=7&take=10" {
		t.Errorf("second query = %q", q)
	}
}

func TestNestedItemsKeyAndFieldPaths(t *testing.T) {
	b, _ := fake(t, map[string]string{"items_key": "result.users", "fields.email": "contact.email",
		"fields.roles": "groups", "time_format": "02/01/2006 15:04", "fields.created_at": "created"},
		func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"result":{"users":[{"id":"a","contact":{"email":"a@example.com"},"groups":["x","y"],"created":"15/01/2024 10:30"}],"total":1}}`)
		})
	var got []userapi.User
	for u, err := range b.ListUsers(context.Background(), userapi.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u)
	}
	if len(got) != 1 || got[0].Email != "a@example.com" || fmt.Sprint(got[0].Roles) != "[x y]" ||
		got[0].CreatedAt == nil || got[0].CreatedAt.Format("2006-01-02T15:04") != "2024-01-15T10:30" {
		t.Errorf("users = %+v", got)
	}
}

// A field of an unexpected type reads as null with its raw value in extra;
// the listing goes on.
func TestOddTypesReadAsNull(t *testing.T) {
	b, _ := fake(t, nil, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `[{"id":"a","email":42,"name":{"fr":"Odile"},"created_at":1700000000,"password":"p4ss"},{"id":"b","email":"b@example.com"}]`)
	})
	var got []userapi.User
	for u, err := range b.ListUsers(context.Background(), userapi.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u)
	}
	if len(got) != 2 || got[0].Email != "" || got[0].Name != "" || fmt.Sprint(got[0].Extra["email"]) != "42" ||
		fmt.Sprint(got[0].Extra["name"]) != "map[fr:Odile]" || got[0].CreatedAt == nil || got[1].Email != "b@example.com" {
		t.Errorf("users = %+v", got)
	}
	if _, leaked := got[0].Extra["password"]; leaked {
		t.Errorf("a stored password reached extra: %v", got[0].Extra)
	}
}

func TestEveryKeyIsChecked(t *testing.T) {
	for _, k := range rest.Keys {
		if err := rest.CheckKey(k.Name, ""); err != nil {
			t.Errorf("%s unset: %v", k.Name, err)
		}
	}
	if err := rest.CheckKey("update_method", "post"); err == nil || !strings.HasPrefix(err.Error(), `update_method "post"`) {
		t.Errorf("CheckKey(update_method, post) = %v", err)
	}
	if err := rest.CheckKey("auth", "none"); err != nil {
		t.Errorf("auth none: %v", err)
	}
	if err := rest.CheckKey("auth", "header: "); err == nil {
		t.Errorf("auth header: with no name accepted")
	}
}

// page_size and auth are refused with these words when a profile is opened.
func TestPageSizeAndAuthRefusedWithTheirWords(t *testing.T) {
	for _, tc := range []struct {
		key, value, msg string
	}{
		{"page_size", "-3", `profile "t": page_size "-3" is not a positive number`},
		{"auth", "digest", `profile "t": auth "digest" is not bearer, basic, header:NAME or none`},
		{"auth", "header: ", `profile "t": auth "header: " is not bearer, basic, header:NAME or none`},
		{"auth", "header:Bad Name", `profile "t": auth "header:Bad Name": `},
	} {
		_, err := rest.New(userapi.Profile{Name: "t", API: "rest", URL: "http://127.0.0.1:1",
			Values: map[string]string{tc.key: tc.value}, Secrets: map[string]string{"token": "k"}}, userapi.Env{})
		if errkind.ExitCode(err) != 2 || !strings.HasPrefix(fmt.Sprint(err), tc.msg) {
			t.Errorf("%s=%q: %v, want exit 2 with %q", tc.key, tc.value, err, tc.msg)
		}
	}
}
