package bulk

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Outcome is how an item ended.
type Outcome string

// The outcomes of an item.
const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Deleted   Outcome = "deleted"
	Skipped   Outcome = "skipped"
	Failed    Outcome = "failed"
	// WouldCreate is a valid item of import --dry-run: nothing was sent.
	WouldCreate Outcome = "would create"
)

// Action is what a plan item (or an import item) sets out to do.
type Action string

// The actions of a plan.
const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionUnchanged Action = "unchanged"
	ActionDelete    Action = "delete"
	// ActionInvalid is an item that cannot be carried out (bad line,
	// duplicate key in the file, a change the API cannot make); it fails.
	ActionInvalid Action = "invalid"
)

// Change is one field difference of an update.
type Change struct {
	Field string `json:"field"`
	// From and To are strings, or []string for roles; nil when empty.
	From any `json:"from"`
	To   any `json:"to"`
}

// String renders the change for humans: name: "A" -> "B".
func (c Change) String() string {
	return fmt.Sprintf("%s: %s -> %s", c.Field, show(c.From), show(c.To))
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case []string:
		return "[" + strings.Join(x, " ") + "]"
	case string:
		return fmt.Sprintf("%q", x)
	default:
		return fmt.Sprint(x)
	}
}

// Entry is one line of the report: how one item ended.
type Entry struct {
	// Line is the item's source line; 0 for items not from the file (users
	// deleted by --prune).
	Line    int
	Key     string
	ID      string
	Action  Action
	Result  Outcome
	Err     error
	Changes []Change
	// Note explains a result that needs it ("dry run", "confirmed after an
	// uncertain create", "already exists").
	Note string
	// Password is the password --generate-passwords made for a created
	// user: written to the report file (0600) only.
	Password string
}

// MarshalJSON writes the report line: line, key, id, action, result,
// error, changes and note; missing values are null, changes is a list.
func (e Entry) MarshalJSON() ([]byte, error) {
	type wire struct {
		Line     any      `json:"line"`
		Key      any      `json:"key"`
		ID       any      `json:"id"`
		Action   Action   `json:"action"`
		Result   Outcome  `json:"result"`
		Error    any      `json:"error"`
		Changes  []Change `json:"changes"`
		Note     string   `json:"note,omitempty"`
		Password string   `json:"password,omitempty"`
	}
	w := wire{Line: nullInt(e.Line), Key: nullStr(e.Key), ID: nullStr(e.ID), Action: e.Action, Result: e.Result,
		Changes: e.Changes, Note: e.Note, Password: e.Password}
	if e.Err != nil {
		w.Error = e.Err.Error()
	}
	if w.Changes == nil {
		w.Changes = []Change{}
	}
	return json.Marshal(w)
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

// ReportLine is a decoded report line, for tests and tools that read a
// report back.
type ReportLine struct {
	Line    int      `json:"line"`
	Key     string   `json:"key"`
	ID      string   `json:"id"`
	Action  Action   `json:"action"`
	Result  Outcome  `json:"result"`
	Error   string   `json:"error"`
	Changes []Change `json:"changes"`
	Note    string   `json:"note"`
	// Password is set on created users by --generate-passwords.
	Password string `json:"password"`
}

// flusher is a writer with a buffer to push out after each line.
type flusher interface{ Flush() error }

// writeEntry writes one report line with one Write and flushes w when it
// buffers (a plain *os.File needs no Sync: the line is in the kernel, which
// keeps it if the process is killed).
func writeEntry(w io.Writer, e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// reportWriter buffers report lines between flushes.
type reportWriter struct {
	buf *bufio.Writer
	dst io.Writer
}

func newReportWriter(dst io.Writer) *reportWriter {
	return &reportWriter{buf: bufio.NewWriterSize(dst, 64<<10), dst: dst}
}

func (r *reportWriter) Write(p []byte) (int, error) { return r.buf.Write(p) }

// flush writes the buffered lines out, and flushes the destination too
// when it buffers.
func (r *reportWriter) flush() error {
	if err := r.buf.Flush(); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if f, ok := r.dst.(flusher); ok {
		if err := f.Flush(); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
	}
	return nil
}

// sortedRoles returns a sorted copy.
func sortedRoles(r []string) []string {
	c := slices.Clone(r)
	slices.Sort(c)
	return c
}
