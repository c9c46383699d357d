package bulk

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// collect reads every item of a bulk file in format f.
func collect(t *testing.T, f Format, text string) ([]Item, error) {
	t.Helper()
	var out []Item
	for it, err := range Read(strings.NewReader(text), f, "test") {
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}

func errText(it Item) string {
	if it.Err == nil {
		return ""
	}
	return it.Err.Error()
}

func TestReadCSV(t *testing.T) {
	text := "Email,Name,First Name,roles,status,department,password\n" +
		"a@example.com,Alice,,admin;dev,active,R&D,secret123\n" +
		"bad-email,Bob,,,,,\n" +
		"c@example.com,Carol,,,frozen,,\n" +
		"d@example.com,Dan\n" +
		"\"e@example.com\",\"Eve, the \"\"second\"\"\",,,,,\n" +
		",,,,,,\n"
	got, err := collect(t, FormatCSV, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Fatalf("got %d items, want 6: %+v", len(got), got)
	}
	a := got[0]
	if a.Line != 2 || a.Email != "a@example.com" || a.Name != "Alice" || !slices.Equal(a.Roles, []string{"admin", "dev"}) ||
		a.Status != userapi.StatusActive || a.Password != "secret123" || a.Extra["department"] != "R&D" || a.Err != nil {
		t.Errorf("first item = %+v", a)
	}
	wantErrs := []struct {
		line int
		text string
	}{
		{3, `line 3: invalid email "bad-email"`},
		{4, `line 4: unknown status "frozen"`},
		{5, "line 5: 2 columns, the header has 7"},
		{7, "line 7: no id, username or email"},
	}
	for i, w := range wantErrs {
		it := got[[]int{1, 2, 3, 5}[i]]
		if it.Line != w.line || !strings.Contains(errText(it), w.text) || !errkind.Is(it.Err, errkind.Usage) {
			t.Errorf("item on line %d: line %d, err %v; want %q", w.line, it.Line, it.Err, w.text)
		}
	}
	if e := got[4]; e.Err != nil || e.Name != `Eve, the "second"` || e.Line != 6 {
		t.Errorf("quoted item = %+v", e)
	}
}

func TestReadCSVHeaderErrors(t *testing.T) {
	for _, text := range []string{"email,email\na@b.c,d@e.f\n", "email,\n"} {
		if _, err := collect(t, FormatCSV, text); !errkind.Is(err, errkind.Usage) || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: err = %v, want a usage error on line 1", text, err)
		}
	}
	if got, err := collect(t, FormatCSV, ""); err != nil || len(got) != 0 {
		t.Errorf("empty file: %v, %v", got, err)
	}
}

func TestReadJSONL(t *testing.T) {
	text := `{"email": "a@example.com", "roles": ["x", "y"], "admin": true, "extra": {"slug": "a", "n": 3}}

{"email": "b@example.com",
[1, 2]
{"username": "c", "status": "Disabled", "created_at": "2024-01-01T00:00:00Z", "id": null}
{"email": 5}
`
	got, err := collect(t, FormatJSONL, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d items: %+v", len(got), got)
	}
	a := got[0]
	if a.Line != 1 || !slices.Equal(a.Roles, []string{"x", "y"}) || a.Admin == nil || !*a.Admin ||
		a.Extra["slug"] != "a" || a.Extra["n"] != "3" {
		t.Errorf("first = %+v", a)
	}
	if it := got[1]; it.Line != 3 || !strings.HasPrefix(errText(it), "line 3: invalid JSON") {
		t.Errorf("broken line: %d %v", it.Line, it.Err)
	}
	if it := got[2]; it.Line != 4 || !strings.Contains(errText(it), "line 4: want a JSON object") {
		t.Errorf("array line: %d %v", it.Line, it.Err)
	}
	if it := got[3]; it.Err != nil || it.Username != "c" || it.Status != userapi.StatusDisabled || it.Line != 5 || len(it.Extra) != 0 {
		t.Errorf("c = %+v", it)
	}
	if it := got[4]; !strings.Contains(errText(it), `line 6: invalid email "5"`) {
		t.Errorf("numeric email: %v", it.Err)
	}
}

func TestReadJSONArrayLineNumbers(t *testing.T) {
	text := `[
  {"email": "a@example.com"},
  {
    "email": "b@example.com",
    "name": "B"
  },

  {"email": "nope"}
]`
	got, err := collect(t, FormatJSON, text)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, it := range got {
		lines = append(lines, it.Line)
	}
	if !slices.Equal(lines, []int{2, 3, 8}) {
		t.Errorf("lines = %v, want [2 3 8]", lines)
	}
	if !strings.HasPrefix(errText(got[2]), "line 8: invalid email") {
		t.Errorf("err = %v", got[2].Err)
	}

	// A syntax error fails its element alone.
	got, err = collect(t, FormatJSON, "[\n{\"email\": \"a@example.com\"},\n{\"email\": },\n{\"email\": \"c@example.com\"}\n]")
	if err != nil || len(got) != 3 || got[1].Line != 3 || !strings.Contains(errText(got[1]), "line 3: invalid JSON") ||
		got[2].Err != nil || got[2].Email != "c@example.com" {
		t.Errorf("broken element: %+v, err %v", got, err)
	}
	if _, err := collect(t, FormatJSON, `{"email": "a@example.com"}`); err == nil {
		t.Error("an object instead of an array was accepted")
	}
}

func TestReadYAML(t *testing.T) {
	text := `# users
- email: a@example.com
  roles: [admin]
- email: b@example.com
  status: active
  admin: false
- just a string
- {email: c@example.com, status: gone}
`
	got, err := collect(t, FormatYAML, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got %d items", len(got))
	}
	if got[0].Line != 2 || got[1].Line != 4 || got[1].Admin == nil || *got[1].Admin || got[2].Line != 7 || got[3].Line != 8 {
		t.Errorf("items = %+v", got)
	}
	if got[2].Err == nil || !strings.Contains(errText(got[3]), "line 8: unknown status") {
		t.Errorf("errors: %v / %v", got[2].Err, got[3].Err)
	}
	if _, err := collect(t, FormatYAML, "email: a@example.com\n"); err == nil {
		t.Error("a mapping instead of a list was accepted")
	}
}

func TestFormatOfAndOpen(t *testing.T) {
	for path, want := range map[string]Format{"a.csv": FormatCSV, "A.JSONL": FormatJSONL, "x.ndjson": FormatJSONL,
		"u.json": FormatJSON, "u.yml": FormatYAML, "u.yaml": FormatYAML, "-": FormatJSONL} {
		if got, err := FormatOf(path); err != nil || got != want {
			t.Errorf("FormatOf(%q) = %v, %v; want %v", path, got, err, want)
		}
	}
	if _, err := FormatOf("users.txt"); !errkind.Is(err, errkind.Usage) {
		t.Errorf("users.txt: %v", err)
	}

	path := filepath.Join(t.TempDir(), "u.csv")
	if err := os.WriteFile(path, []byte("email\na@example.com\n\nb@example.com"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.Total != 2 {
		t.Errorf("Total = %d, want 2", src.Total)
	}
	n := 0
	for it, err := range src.Items() {
		if err != nil || it.Err != nil {
			t.Fatal(err, it.Err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("read %d items after counting, want 2", n)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.csv"), nil); !errkind.Is(err, errkind.Usage) {
		t.Errorf("missing file: %v", err)
	}
	stdin, err := Open("-", strings.NewReader(`{"email":"s@example.com"}`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for it := range stdin.Items() {
		if it.Email != "s@example.com" {
			t.Errorf("stdin item = %+v", it)
		}
	}
}

// Cells export neutralised ('=…) read back as the original value; a
// hand-written leading apostrophe before other text is kept.
func TestReadCSVRestoresNeutralisedFormulas(t *testing.T) {
	text := "email,name,username,roles,password\n" +
		"a@example.com,\"'=HYPERLINK(\"\"x\"\")\",'@ada,'-x;'=y,'-kept-as-is\n" +
		"b@example.com,'Bob,''=z,,\n"
	got, err := collect(t, FormatCSV, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d items: %+v", len(got), got)
	}
	if a := got[0]; a.Err != nil || a.Name != `=HYPERLINK("x")` || a.Username != "@ada" || !slices.Equal(a.Roles, []string{"-x", "'=y"}) ||
		a.Password != "'-kept-as-is" {
		t.Errorf("first item = %+v", a)
	}
	if b := got[1]; b.Err != nil || b.Name != "'Bob" || b.Username != "'=z" {
		t.Errorf("second item = %+v", b)
	}
}

// summary renders items as "line:email" or "line:!error" for comparisons.
func summary(items []Item) []string {
	var out []string
	for _, it := range items {
		if it.Err != nil {
			out = append(out, fmt.Sprintf("%d:!%v", it.Line, it.Err))
		} else {
			out = append(out, fmt.Sprintf("%d:%s", it.Line, it.Email))
		}
	}
	return out
}

func TestReadRecoversFromBadRecords(t *testing.T) {
	huge := strings.Repeat("x", MaxRecord+10)
	for _, tc := range []struct {
		name   string
		format Format
		text   string
		want   []string // line:email, or line:!substring of the error
	}{
		{"csv stray quote", FormatCSV, "email,name\na@example.com,A\n\"b@example.com,B\nc@example.com,C\nd@example.com,\"D\"\n",
			[]string{"2:a@example.com", "3:!a quoted field is not closed", "4:c@example.com", "5:d@example.com"}},
		{"csv stray quote closed later", FormatCSV, "email,name\n\"b@example.com,B\nc@example.com,C\nd@example.com,\"D\"\n",
			[]string{"2:!a quoted field is not closed", "3:c@example.com", "4:d@example.com"}},
		{"csv bare quote", FormatCSV, "email,name\na@example.com,Bob \"the\" B\nc@example.com,C\n",
			[]string{"2:!bare \"", "3:c@example.com"}},
		{"csv multi-line field", FormatCSV, "email,name\na@example.com,\"A\nsecond line\"\nc@example.com,C\n",
			[]string{"2:a@example.com", "4:c@example.com"}},
		{"csv huge record", FormatCSV, "email,name\na@example.com," + huge + "\nc@example.com,C\n",
			[]string{"2:!longer than 1024 KiB", "3:c@example.com"}},
		{"jsonl huge line", FormatJSONL, `{"email":"a@example.com"}` + "\n" + `{"email":"` + huge + `"}` + "\n" + `{"email":"c@example.com"}`,
			[]string{"1:a@example.com", "2:!longer than 1024 KiB", "3:c@example.com"}},
		{"json stray quote", FormatJSON, "[\n{\"email\": \"a@example.com},\n{\"email\": \"c@example.com\"}\n]\n",
			[]string{"2:!string is not closed", "3:c@example.com"}},
		{"json huge element", FormatJSON, `[{"email":"a@example.com"},{"name":"` + huge + `"},{"email":"c@example.com"}]`,
			[]string{"1:a@example.com", "1:!longer than 1024 KiB", "1:c@example.com"}},
		{"yaml huge record", FormatYAML, "- email: a@example.com\n- email: b@example.com\n  name: " + huge + "\n- email: c@example.com\n",
			[]string{"1:a@example.com", "2:!longer than 1024 KiB", "4:c@example.com"}},
		{"json cut short", FormatJSON, "[\n{\"email\": \"a@example.com\"},\n{\"email\": \"c@exa",
			[]string{"2:a@example.com", "3:!invalid JSON"}},
	} {
		got, err := collect(t, tc.format, tc.text)
		if err != nil {
			t.Errorf("%s: fatal error %v", tc.name, err)
			continue
		}
		s := summary(got)
		ok := len(s) == len(tc.want)
		for i := 0; ok && i < len(s); i++ {
			w := tc.want[i]
			if strings.Contains(w, ":!") {
				pre, sub, _ := strings.Cut(w, "!")
				ok = strings.HasPrefix(s[i], pre+"!") && strings.Contains(s[i], sub)
			} else {
				ok = s[i] == w
			}
		}
		if !ok {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, s, tc.want)
		}
	}
}
