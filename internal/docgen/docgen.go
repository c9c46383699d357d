// Package docgen generates the reference files that are committed with
// userctl from its cobra command tree: the shell completion scripts in
// completions/, one markdown page per command in docs/commands/ and the
// section 1 man pages in docs/man/.
//
// Everything it writes is deterministic (no dates, no machine paths, the
// "dev" build), so that a test can regenerate into a temporary directory and
// compare with what is committed. Regenerate with:
//
//	go generate ./...
package docgen

//go:generate go run ./cmd/gendocs -dir ../..

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/userctl/userctl/cmd"
	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/iostreams"
	"github.com/userctl/userctl/internal/secret"
)

// Directories written by Generate, relative to the repository root.
const (
	CompletionsDir = "completions"
	CommandsDir    = "docs/commands"
	ManDir         = "docs/man"
)

// StaleMessage is what the staleness check says when the committed files
// differ from what the command tree generates.
const StaleMessage = "generated files are stale: run go generate ./..."

// completionFile is a shell given to `userctl completion` and the file name
// its script is committed under.
type completionFile struct{ shell, file string }

// completionFiles lists the committed completion scripts.
func completionFiles() []completionFile {
	return []completionFile{
		{"bash", "userctl.bash"},
		{"zsh", "_userctl"},
		{"fish", "userctl.fish"},
		{"powershell", "userctl.ps1"},
	}
}

// ManDate is the date printed in the man pages' header. It is fixed, not
// the build time, so that regeneration gives identical files; bump it when
// the command tree changes in a way worth dating.
func ManDate() time.Time { return time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC) }

// newFactory returns a factory that does not depend on the machine: an empty
// environment, buffered streams that are not terminals, no OS keyring.
func newFactory() (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	// The generated files show the "dev" build, whatever the binary is.
	f := cmdutil.New(cmdutil.BuildInfo{Version: "dev", Commit: "dev", Date: "dev"})
	f.IO = ios
	f.Getenv = func(string) string { return "" }
	f.Secrets = noSecrets{}
	return f, out, errOut
}

// NewRootCmd builds the userctl command tree as the generated files document
// it: the "dev" build, an empty environment and no terminal.
func NewRootCmd() *cobra.Command {
	f, _, _ := newFactory()
	return cmd.NewRootCmd(f)
}

// Generate writes the completion scripts, markdown pages and man pages into
// the repository rooted at dir. Files of the generated kinds that the tree no
// longer produces (a removed command's page) are deleted; other files in
// those directories are left alone.
func Generate(dir string) error {
	for _, d := range []string{CompletionsDir, CommandsDir, ManDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", d, err)
		}
	}
	if err := removeGenerated(dir); err != nil {
		return err
	}
	if err := writeCompletions(filepath.Join(dir, CompletionsDir)); err != nil {
		return err
	}
	if err := writeMarkdown(filepath.Join(dir, CommandsDir)); err != nil {
		return err
	}
	return writeMan(filepath.Join(dir, ManDir))
}

// writeCompletions runs `userctl completion SHELL` for each shell, so the
// committed scripts are exactly what users get from the binary.
func writeCompletions(dir string) error {
	for _, c := range completionFiles() {
		f, out, errOut := newFactory()
		if code := cmd.Run(context.Background(), f, []string{"completion", c.shell}); code != 0 {
			return fmt.Errorf("userctl completion %s: exit %d: %s", c.shell, code, strings.TrimSpace(errOut.String()))
		}
		if out.Len() == 0 {
			return fmt.Errorf("userctl completion %s printed nothing", c.shell)
		}
		if err := os.WriteFile(filepath.Join(dir, c.file), out.Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing completion script: %w", err)
		}
	}
	return nil
}

// writeMarkdown writes one page per command (userctl_users_create.md, …).
func writeMarkdown(dir string) error {
	root := NewRootCmd()
	disableAutoGenTag(root)
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		return fmt.Errorf("generating markdown pages: %w", err)
	}
	return nil
}

// writeMan writes one section 1 man page per command
// (userctl-users-create.1, …).
func writeMan(dir string) error {
	root := NewRootCmd()
	disableAutoGenTag(root)
	date := ManDate()
	// No Title: cobra then titles each page after its command
	// (USERCTL-USERS-CREATE).
	header := &doc.GenManHeader{
		Section: "1",
		Date:    &date,
		Source:  "userctl",
		Manual:  "userctl manual",
	}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("generating man pages: %w", err)
	}
	return nil
}

// disableAutoGenTag drops the "Auto generated by spf13/cobra on DATE" line
// from every command's page; cobra reads the flag per command.
func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}

// isGenerated reports whether the file name rel (slash-separated, relative
// to the repository root) is of a kind Generate writes.
func isGenerated(rel string) bool {
	dir, name := filepath.ToSlash(filepath.Dir(rel)), filepath.Base(rel)
	switch dir {
	case CompletionsDir:
		for _, c := range completionFiles() {
			if name == c.file {
				return true
			}
		}
	case CommandsDir:
		return strings.HasPrefix(name, "userctl") && strings.HasSuffix(name, ".md")
	case ManDir:
		return strings.HasPrefix(name, "userctl") && strings.HasSuffix(name, ".1")
	}
	return false
}

// removeGenerated deletes the generated files under dir.
func removeGenerated(dir string) error {
	files, err := List(dir)
	if err != nil {
		return err
	}
	for _, rel := range files {
		if err := os.Remove(filepath.Join(dir, rel)); err != nil {
			return fmt.Errorf("removing stale %s: %w", rel, err)
		}
	}
	return nil
}

// List returns the generated files present under the repository root dir,
// as sorted slash-separated paths relative to it.
func List(dir string) ([]string, error) {
	var out []string
	for _, d := range []string{CompletionsDir, CommandsDir, ManDir} {
		entries, err := os.ReadDir(filepath.Join(dir, d))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", d, err)
		}
		for _, e := range entries {
			rel := d + "/" + e.Name()
			if e.Type().IsRegular() && isGenerated(rel) {
				out = append(out, rel)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// Diff compares the generated files of two repository roots and describes
// each difference ("missing: …", "extra: …", "differs: …"); nil means they
// are identical.
func Diff(want, got string) ([]string, error) {
	wantFiles, err := List(want)
	if err != nil {
		return nil, err
	}
	gotFiles, err := List(got)
	if err != nil {
		return nil, err
	}
	inGot := map[string]bool{}
	for _, f := range gotFiles {
		inGot[f] = true
	}
	var diffs []string
	for _, f := range wantFiles {
		if !inGot[f] {
			diffs = append(diffs, "missing: "+f)
			continue
		}
		delete(inGot, f)
		a, err := os.ReadFile(filepath.Join(want, f))
		if err != nil {
			return nil, fmt.Errorf("reading generated file: %w", err)
		}
		b, err := os.ReadFile(filepath.Join(got, f))
		if err != nil {
			return nil, fmt.Errorf("reading generated file: %w", err)
		}
		if !bytes.Equal(a, b) {
			diffs = append(diffs, "differs: "+f+firstDifference(a, b))
		}
	}
	for _, f := range gotFiles {
		if inGot[f] {
			diffs = append(diffs, "extra: "+f)
		}
	}
	return diffs, nil
}

// firstDifference names the first line where b differs from a.
func firstDifference(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y || i >= len(al) || i >= len(bl) {
			return fmt.Sprintf(" (line %d: want %q, have %q)", i+1, x, y)
		}
	}
	return ""
}

// noSecrets is a keyring that holds nothing, so generating never touches the
// OS keyring.
type noSecrets struct{}

func (noSecrets) Get(string, string) (string, error) { return "", secret.ErrUnavailable }
func (noSecrets) Set(string, string, string) error   { return secret.ErrUnavailable }
func (noSecrets) Delete(string, string) error        { return secret.ErrUnavailable }
