package archtest

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// rule forbids the packages under From to import the packages Forbidden
// lists (each an import path or the prefix of a tree: "net/http" also
// forbids "net/http/httptest"). Paths are relative to the module ("cmd",
// "internal/httpx") unless they hold a dot or are standard ("net/http").
type rule struct {
	// From is a package tree of the module ("cmd" is cmd and cmd/...).
	From string
	// Except leaves out a package of From's tree (the one package that may).
	Except string
	// Forbidden lists what it must not import.
	Forbidden []string
	// AnyOfModule forbids every package of the module but From's own tree.
	AnyOfModule bool
	// ProductOnly leaves its _test.go files out of the rule.
	ProductOnly bool
	// Why is said with each violation.
	Why string
}

// rules are the import rules of ARCHITECTURE.md. The dialect packages are
// those internal/dialects registers (a dialect's client, internal/userapi/
// NAME, and its sandbox server, internal/sandbox/NAME); each may import none
// of the others, but for the tests of a dialect's client, which run against
// its own server (the conformance suite).
func rules(dialects []string) []rule {
	rs := []rule{
		{From: "internal/errkind", AnyOfModule: true,
			Why: "the error kinds are a leaf every layer may use"},
		{From: "internal/ratelimit", AnyOfModule: true,
			Why: "the rate limiter is a leaf the HTTP client and the commands share"},
		{From: "internal/httpx", Forbidden: []string{"internal/userapi", "internal/dialects", "cmd", "internal/cmdutil"},
			Why: "httpx knows nothing of userapi or the dialects: it returns errkind errors"},
		{From: "cmd", ProductOnly: true, Forbidden: []string{"net/http", "internal/httpx"},
			Why: "commands see userapi.Backend and nothing below it"},
		{From: "", Except: "internal/output", ProductOnly: true, Forbidden: []string{"github.com/olekukonko/tablewriter"},
			Why: "tablewriter stays behind internal/output"},
		{From: "", Except: "internal/prompt", ProductOnly: true, Forbidden: []string{"github.com/AlecAivazis/survey"},
			Why: "survey stays behind internal/prompt"},
	}
	for _, d := range dialects {
		var others, itsOwn []string
		for _, o := range dialects {
			switch {
			case o == d:
			case path.Base(o) == path.Base(d):
				itsOwn = append(itsOwn, o)
			default:
				others = append(others, o)
			}
		}
		rs = append(rs, rule{From: d, Forbidden: others,
			Why: "a dialect package imports no other dialect: what they share lives in userapi or httpx"})
		if len(itsOwn) > 0 {
			rs = append(rs, rule{From: d, Forbidden: itsOwn, ProductOnly: true,
				Why: "a dialect's client and its sandbox server stay apart: only the client's tests run against the server"})
		}
	}
	return rs
}

// goFile is the imports of one Go file of the module.
type goFile struct {
	rel     string // slash path relative to the module root
	pkg     string // its package directory, relative ("cmd/users")
	test    bool
	imports []string
}

// readModule parses the import clauses of every Go file under root (tests
// and files for other systems included), and returns the module path.
func readModule(t *testing.T, root string) (string, []goFile) {
	t.Helper()
	mod := modulePath(t, root)
	var files []goFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		gf := goFile{rel: rel, pkg: path.Dir(rel), test: strings.HasSuffix(rel, "_test.go")}
		for _, is := range f.Imports {
			ip, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				return err
			}
			gf.imports = append(gf.imports, ip)
		}
		files = append(files, gf)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return mod, files
}

func modulePath(t *testing.T, root string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(m), `"`)
		}
	}
	t.Fatalf("%s/go.mod has no module line", root)
	return ""
}

// registeredDialects lists the dialect packages internal/dialects imports
// (module-relative: "internal/userapi/rest").
func registeredDialects(mod string, files []goFile) []string {
	var out []string
	for _, f := range files {
		if f.pkg != "internal/dialects" || f.test {
			continue
		}
		for _, ip := range f.imports {
			if rel, ok := strings.CutPrefix(ip, mod+"/"); ok && !slices.Contains(out, rel) {
				out = append(out, rel)
			}
		}
	}
	slices.Sort(out)
	return out
}

// within reports whether pkg is tree or below it ("" is the whole module).
func within(pkg, tree string) bool {
	return tree == "" || pkg == tree || strings.HasPrefix(pkg, tree+"/")
}

// violations lists every import that breaks a rule, as
// "FILE imports PATH: WHY".
func violations(mod string, files []goFile, rs []rule) []string {
	var out []string
	for _, f := range files {
		for _, r := range rs {
			if !within(f.pkg, r.From) || (r.Except != "" && within(f.pkg, r.Except)) || (r.ProductOnly && f.test) {
				continue
			}
			for _, ip := range f.imports {
				rel, inModule := strings.CutPrefix(ip, mod+"/")
				if ip == mod {
					rel, inModule = "", true
				}
				bad := false
				if inModule && r.AnyOfModule && !within(rel, r.From) {
					bad = true
				}
				for _, fb := range r.Forbidden {
					target := ip
					if inModule {
						target = rel
					}
					if isStdOrExternal(fb) == !inModule && within(target, fb) {
						bad = true
					}
				}
				if bad {
					out = append(out, fmt.Sprintf("%s imports %s: %s", f.rel, ip, r.Why))
				}
			}
		}
	}
	return out
}

// isStdOrExternal tells a standard or third-party import path ("net/http",
// "github.com/...") from a module-relative one ("internal/httpx").
func isStdOrExternal(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return strings.Contains(first, ".") || !(first == "cmd" || first == "internal")
}

// The layers of the module point one way.
func TestImportRules(t *testing.T) {
	root := filepath.Join("..", "..")
	mod, files := readModule(t, root)
	dialects := registeredDialects(mod, files)
	if len(dialects) < 4 {
		t.Fatalf("internal/dialects registers %d dialect packages (%v): the rule between dialects would check nothing", len(dialects), dialects)
	}
	for _, v := range violations(mod, files, rules(dialects)) {
		t.Error(v)
	}
}

// Each rule catches a deliberate violation and leaves what it allows.
func TestImportRulesCatchViolations(t *testing.T) {
	root := t.TempDir()
	write := func(rel string, imports ...string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		src := "package " + path.Base(path.Dir(rel)) + "\n\nimport (\n"
		for _, ip := range imports {
			src += "\t_ " + strconv.Quote(ip) + "\n"
		}
		src += ")\n"
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const m = "example.com/app"
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+m+"\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write("internal/dialects/dialects.go", m+"/internal/userapi/rest", m+"/internal/userapi/udata",
		m+"/internal/sandbox/rest", m+"/internal/sandbox/udata")
	// Violations.
	write("internal/httpx/client.go", "net/http", m+"/internal/errkind", m+"/internal/userapi")
	write("internal/httpx/client_test.go", m+"/internal/userapi/rest")
	write("cmd/api.go", "net/http", m+"/internal/userapi")
	write("cmd/users/import.go", m+"/internal/httpx", "github.com/olekukonko/tablewriter/tw")
	write("internal/config/ask.go", "github.com/AlecAivazis/survey/v2")
	write("internal/userapi/rest/rest.go", m+"/internal/httpx", m+"/internal/userapi/udata")
	write("internal/errkind/errkind.go", "net/http", m+"/internal/termsafe")
	write("internal/ratelimit/ratelimit.go", "time", m+"/internal/errkind")
	write("internal/userapi/udata/pages.go", m+"/internal/sandbox/udata")
	write("internal/userapi/udata/pages_test.go", m+"/internal/sandbox/rest")
	write("internal/sandbox/rest/users.go", m+"/internal/sandbox", m+"/internal/userapi/rest")
	// Allowed.
	write("internal/userapi/rest/conformance_test.go", m+"/internal/sandbox", m+"/internal/sandbox/rest")
	write("cmd/users/users_test.go", "net/http/httptest")
	write("cmd/root.go", m+"/internal/errkind", m+"/internal/cmdutil")
	write("internal/output/table.go", "github.com/olekukonko/tablewriter")
	write("internal/prompt/prompt.go", "github.com/AlecAivazis/survey/v2")
	write("internal/userapi/udata/udata.go", m+"/internal/httpx", m+"/internal/userapi", m+"/internal/errkind")
	write("internal/userapi/userapi.go", m+"/internal/httpx", m+"/internal/errkind")
	write("internal/httpx/httpx.go", m+"/internal/ratelimit")

	mod, files := readModule(t, root)
	if mod != m {
		t.Fatalf("module %q", mod)
	}
	dialects := registeredDialects(mod, files)
	if !slices.Equal(dialects, []string{"internal/sandbox/rest", "internal/sandbox/udata", "internal/userapi/rest", "internal/userapi/udata"}) {
		t.Fatalf("dialects %v", dialects)
	}
	var got []string
	for _, v := range violations(mod, files, rules(dialects)) {
		file, rest, _ := strings.Cut(v, " imports ")
		ip, _, _ := strings.Cut(rest, ":")
		got = append(got, file+" "+strings.TrimPrefix(ip, m+"/"))
	}
	slices.Sort(got)
	want := []string{
		"cmd/api.go net/http",
		"cmd/users/import.go github.com/olekukonko/tablewriter/tw",
		"cmd/users/import.go internal/httpx",
		"internal/config/ask.go github.com/AlecAivazis/survey/v2",
		"internal/errkind/errkind.go internal/termsafe",
		"internal/httpx/client.go internal/userapi",
		"internal/httpx/client_test.go internal/userapi/rest",
		"internal/ratelimit/ratelimit.go internal/errkind",
		"internal/sandbox/rest/users.go internal/userapi/rest",
		"internal/userapi/rest/rest.go internal/userapi/udata",
		"internal/userapi/udata/pages.go internal/sandbox/udata",
		"internal/userapi/udata/pages_test.go internal/sandbox/rest",
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
