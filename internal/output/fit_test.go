package output

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/userapi"
)

// fitUsers are users as the sandbox serves them for each dialect.
func fitUsers(dialect string) []any {
	created := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	updated := time.Date(2025, 3, 2, 8, 0, 0, 0, time.UTC)
	var out []any
	for i, n := range []string{"Ada Lovelace", "Grace Hopper"} {
		first := strings.ToLower(strings.Fields(n)[0])
		u := userapi.User{Name: n, Roles: []string{"editor"}, Status: userapi.StatusActive, CreatedAt: &created, UpdatedAt: &updated}
		switch dialect {
		case "udata":
			u.ID = "5d00000000000000000000a" + string(rune('1'+i))
			u.Username = first + "-" + strings.ToLower(strings.Fields(n)[1])
			u.Email = first + "." + strings.ToLower(strings.Fields(n)[1]) + "@example.org"
		case "rest":
			u.ID = "usr_00000" + string(rune('1'+i))
			u.Username = first
			u.Email = first + "@example.com"
		case "datadog":
			u.ID = first + ".engineering@example.com"
			u.Username, u.Email = u.ID, u.ID
			u.Roles = []string{"st"}
		}
		out = append(out, u)
	}
	return out
}

// TestTableFitGolden pins the default table of each dialect at the widths
// of common terminals: the ID is never shortened, other columns shrink and
// the least useful ones go.
func TestTableFitGolden(t *testing.T) {
	for _, tc := range []struct {
		dialect, format string
		width           int
		want            string
	}{
		{"udata", "table", 80, "" +
			"ID                         USERNAME       EMAIL            NAME           STATUS\n" +
			"5d00000000000000000000a1   ada-lovelace   ada.lovelace@…   Ada Lovelace   active\n" +
			"5d00000000000000000000a2   grace-hopper   grace.hopper@…   Grace Hopper   active\n"},
		{"udata", "wide", 120, "" +
			"ID                         USERNAME       EMAIL                    NAME           ROLES    STATUS   CREATED\n" +
			"5d00000000000000000000a1   ada-lovelace   ada.lovelace@example.…   Ada Lovelace   editor   active   2024-01-15T10:30:00Z\n" +
			"5d00000000000000000000a2   grace-hopper   grace.hopper@example.…   Grace Hopper   editor   active   2024-01-15T10:30:00Z\n"},
		{"udata", "table", 60, "" +
			"ID                         EMAIL        NAME          STATUS\n" +
			"5d00000000000000000000a1   ada.lovel…   Ada Lovela…   active\n" +
			"5d00000000000000000000a2   grace.hop…   Grace Hopp…   active\n"},
		{"rest", "table", 60, "" +
			"ID           USERNAME   EMAIL          NAME           STATUS\n" +
			"usr_000001   ada        ada@example…   Ada Lovelace   active\n" +
			"usr_000002   grace      grace@examp…   Grace Hopper   active\n"},
		{"rest", "wide", 80, "" +
			"ID           USERNAME   EMAIL               NAME           ROLES    STATUS\n" +
			"usr_000001   ada        ada@example.com     Ada Lovelace   editor   active\n" +
			"usr_000002   grace      grace@example.com   Grace Hopper   editor   active\n"},
		{"datadog", "table", 80, "" +
			"ID                              NAME           ROLES   STATUS\n" +
			"ada.engineering@example.com     Ada Lovelace   st      active\n" +
			"grace.engineering@example.com   Grace Hopper   st      active\n"},
		{"datadog", "table", 60, "" +
			"ID                              NAME          ROLES   STATUS\n" +
			"ada.engineering@example.com     Ada Lovela…   st      active\n" +
			"grace.engineering@example.com   Grace Hopp…   st      active\n"},
		{"datadog", "wide", 120, "" +
			"ID                              NAME           ROLES   STATUS   CREATED                UPDATED\n" +
			"ada.engineering@example.com     Ada Lovelace   st      active   2024-01-15T10:30:00Z   2025-03-02T08:00:00Z\n" +
			"grace.engineering@example.com   Grace Hopper   st      active   2024-01-15T10:30:00Z   2025-03-02T08:00:00Z\n"},
	} {
		t.Run(fmt.Sprintf("%s/%s/%d", tc.dialect, tc.format, tc.width), func(t *testing.T) {
			got := render(t, Options{Format: tc.format, Width: tc.width}, UserSchema(), true, fitUsers(tc.dialect)...)
			assertEqual(t, got, tc.want)
			for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				if n := len([]rune(line)); n > tc.width {
					t.Errorf("line is %d wide, want <= %d: %q", n, tc.width, line)
				}
			}
			for _, u := range fitUsers(tc.dialect) {
				if !strings.Contains(got, u.(userapi.User).ID+" ") {
					t.Errorf("ID %q not shown whole", u.(userapi.User).ID)
				}
			}
		})
	}
}

// TestFieldsNestedExtra shows a field inside an object of extra, as udata's
// metrics, in tables, csv and json.
func TestFieldsNestedExtra(t *testing.T) {
	u := testUsers()[0]
	u.Extra["metrics"] = map[string]any{"followers": 3, "datasets": 0}
	u.Extra["counts"] = map[string]int{"followers": 5}
	got := render(t, Options{Fields: []string{"id", "extra.metrics.followers", "extra.counts.followers", "extra.metrics.nope"}}, UserSchema(), true, u)
	assertEqual(t, got, "ID      EXTRA.METRICS.FOLLOWERS   EXTRA.COUNTS.FOLLOWERS   EXTRA.METRICS.NOPE\nusr_1   3                         5                        -\n")
	got = render(t, Options{Format: "json", Fields: []string{"extra.metrics.datasets"}}, UserSchema(), false, u)
	assertEqual(t, got, "{\n  \"extra.metrics.datasets\": 0\n}\n")
}

// TestTableFieldsAreNotDropped keeps the columns named in --fields even
// when they repeat the ID or do not fit.
func TestTableFieldsAreNotDropped(t *testing.T) {
	got := render(t, Options{Width: 40, Fields: []string{"id", "email", "name"}}, UserSchema(), true, fitUsers("datadog")...)
	assertEqual(t, got, ""+
		"ID                              EMAIL        NAME\n"+
		"ada.engineering@example.com     ada.engin…   Ada Lovel…\n"+
		"grace.engineering@example.com   grace.eng…   Grace Hop…\n")
}

// TestTableDropsEmptyColumnsFirst: a column with no value in any row goes
// before a useful one is cut.
func TestTableDropsEmptyColumnsFirst(t *testing.T) {
	var items []any
	for _, u := range fitUsers("rest") {
		u := u.(userapi.User)
		u.Username = ""
		items = append(items, u)
	}
	got := render(t, Options{Width: 60}, UserSchema(), true, items...)
	assertEqual(t, got, ""+
		"ID           EMAIL            NAME           ROLES    STATUS\n"+
		"usr_000001   ada@example.c…   Ada Lovelace   editor   active\n"+
		"usr_000002   grace@example…   Grace Hopper   editor   active\n")
}
