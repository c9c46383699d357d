package dialects_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/userapi"
)

// dialectNames are the names no code outside a dialect's own packages may
// branch on: the registered ones and those about to be.
func dialectNames() []string {
	names := userapi.Names()
	for _, n := range []string{"rest", "udata", "datadog", "basic", "scim"} {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// nameAllowed says whether a Go file (slash path relative to the module
// root) may spell a dialect name as a string literal: the dialects' own
// package trees (where "basic" may also be rest's auth mode), the sandbox
// that serves every dialect, the registration imports (internal/dialects),
// the docs generator, and tests.
func nameAllowed(path string) bool {
	for _, n := range dialectNames() {
		if strings.HasPrefix(path, "internal/userapi/"+n+"/") {
			return true
		}
	}
	switch {
	case strings.HasSuffix(path, "_test.go"),
		strings.HasPrefix(path, "internal/sandbox/"),
		strings.HasPrefix(path, "internal/dialects/"),
		strings.HasPrefix(path, "internal/docgen/"):
		return true
	}
	return false
}

// nameViolation is a dialect name spelled where it must not be.
type nameViolation struct {
	pos  token.Position
	name string
}

// findNameLiterals lists the string literals equal to a dialect name in the
// non-test Go files under root that nameAllowed does not allow.
func findNameLiterals(t *testing.T, root string) []nameViolation {
	t.Helper()
	names := dialectNames()
	var out []nameViolation
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, name := range names {
				if strings.TrimSpace(v) == name && !nameAllowed(rel) {
					pos := fset.Position(lit.Pos())
					pos.Filename = rel
					out = append(out, nameViolation{pos, name})
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// No code outside a dialect's packages branches on a dialect name: what a
// dialect is lives in its declaration (userapi.Dialect), so that adding one
// touches its own package, its sandbox and internal/dialects only.
func TestNoDialectNameOutsideItsPackages(t *testing.T) {
	for _, v := range findNameLiterals(t, filepath.Join("..", "..")) {
		t.Errorf("%s: dialect name %q outside its package: declare what it means in its userapi.Dialect instead", v.pos, v.name)
	}
}

// The rule catches a deliberate violation, and leaves what it allows.
func TestNameRuleCatchesAViolation(t *testing.T) {
	root := t.TempDir()
	write := func(rel, src string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("internal/config/resolve.go", "package config\n\nfunc isDD(api string) bool { return api == \"datadog\" }\n")
	write("cmd/profile/add.go", "package profile\n\nconst doc = `the datadog API`\n") // prose is fine
	write("internal/userapi/datadog/datadog.go", "package datadog\n\nconst Name = \"datadog\"\n")
	write("internal/userapi/rest/rest.go", "package rest\n\nconst authBasic = \"basic\"\n")
	write("internal/userapi/errors.go", "package userapi\n\nvar special = map[string]bool{\"udata\": true}\n")
	write("internal/sandbox/rest.go", "package sandbox\n\nvar n = \"rest\"\n")
	write("cmd/x_test.go", "package cmd\n\nvar n = \"scim\"\n")
	got := findNameLiterals(t, root)
	var where []string
	for _, v := range got {
		where = append(where, v.pos.Filename+":"+v.name)
	}
	want := []string{"internal/config/resolve.go:datadog", "internal/userapi/errors.go:udata"}
	slices.Sort(where)
	if !slices.Equal(where, want) {
		t.Fatalf("violations %v, want %v", where, want)
	}
}
