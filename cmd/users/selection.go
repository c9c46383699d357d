package users

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
)

// maxSelection bounds a selection file (-f), so that a wrong file (a disk
// image on stdin) fails instead of filling the memory.
const maxSelection = 64 << 20

// addSelectionFlag adds -f FILE to a verb over several IDs.
func addSelectionFlag(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVarP(file, "file", "f", "",
		"read the user IDs from FILE (- for stdin): one a line, JSON Lines objects with an \"id\" (users list -o jsonl), or a JSON array of them")
	_ = cmd.MarkFlagFilename("file", "txt", "jsonl", "json")
}

// selectIDs returns the IDs a verb over several users acts on: its
// arguments, or those of -f FILE (never both, and at least one ID).
func selectIDs(cmd *cobra.Command, f *cmdutil.Factory, args []string, file string) ([]string, error) {
	switch {
	case file != "" && len(args) > 0:
		return nil, errkind.Errorf(errkind.Usage, "give user IDs as arguments or with -f FILE, not both")
	case file == "":
		if err := cmdutil.MinArgs(1, "user ID (or -f FILE)")(cmd, args); err != nil {
			return nil, err
		}
		return args, nil
	}
	var r io.Reader = f.IO.In
	name := "stdin"
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return nil, errkind.Errorf(errkind.Usage, "-f: %v", err)
		}
		defer fh.Close()
		r, name = fh, file
	}
	data, err := io.ReadAll(io.LimitReader(r, maxSelection+1))
	if err != nil {
		return nil, errkind.Errorf(errkind.Usage, "reading %s: %v", name, err)
	}
	if len(data) > maxSelection {
		return nil, errkind.Errorf(errkind.Usage, "%s: more than %d MiB of IDs", name, maxSelection>>20)
	}
	ids, err := parseSelection(data)
	if err != nil {
		return nil, errkind.Errorf(errkind.Usage, "%s: %v", name, err)
	}
	if len(ids) == 0 {
		return nil, errkind.Errorf(errkind.Usage, "%s holds no user ID", name)
	}
	return ids, nil
}

// parseSelection reads IDs: a JSON array of objects with an "id", or lines
// that are each an ID or a JSON object with an "id". Blank lines are
// skipped, and an ID given twice is kept once.
func parseSelection(data []byte) ([]string, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var ids []string
	add := func(id string) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		var objs []json.RawMessage
		if err := json.Unmarshal(t, &objs); err != nil {
			return nil, fmt.Errorf("invalid JSON array: %v", err)
		}
		for i, o := range objs {
			id, err := idOf(o)
			if err != nil {
				return nil, fmt.Errorf("element %d: %v", i+1, err)
			}
			add(id)
		}
		return ids, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxSelection)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "{"):
			id, err := idOf([]byte(line))
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			add(id)
		default:
			add(line)
		}
	}
	return ids, sc.Err()
}

// idOf reads the "id" of a JSON object (a string, or a number as written).
func idOf(raw []byte) (string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return "", errors.New(`want a JSON object with an "id"`)
	}
	v, ok := obj["id"]
	if !ok || string(v) == "null" {
		return "", errors.New(`the object has no "id"`)
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		if strings.TrimSpace(s) == "" {
			return "", errors.New(`empty "id"`)
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf(`"id" is not a string: %s`, v)
}

// eachID carries out a verb over several IDs (get, delete, disable,
// enable) with one set of rules. Every ID is tried, in order; a user not
// found, or an ID the dialect refuses as invalid (never sent), does not
// stop the others, and they are summed up at the end: exit 3 for users not
// found (none with ignoreNotFound), 2 for invalid IDs. Any other error
// (auth, network) stops at once, saying how many IDs were not tried.
func eachID(ids []string, ignoreNotFound bool, fn func(id string) error) error {
	var skip skipped
	for i, id := range ids {
		err := fn(id)
		switch {
		case err == nil:
		case ignoreNotFound && errkind.Is(err, errkind.NotFound):
		case skip.add(id, err):
		default:
			if rest := len(ids) - i - 1; rest > 0 {
				return &errkind.Error{Kind: errkind.Of(err), Err: err,
					Message: fmt.Sprintf("%v (%d more user IDs after %q not tried)", err, rest, id)}
			}
			return err
		}
	}
	return skip.Err()
}
