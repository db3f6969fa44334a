package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// envReaders are the standard library's ways to read the environment.
var envReaders = map[string][]string{
	"os":      {"Getenv", "LookupEnv", "Environ", "ExpandEnv"},
	"syscall": {"Getenv", "Environ"},
}

// envAllowed are the folders whose code may read the environment: the
// configuration, and code that never ships in the product (test helpers,
// the release tool).
var envAllowed = []string{
	"backend/config",          // the one place the product reads it
	"backend/blobtest",        // the object-store tests' settings
	"backend/postgres/pgtest", // the PostgreSQL tests' database
	"build",                   // the release tool (signing keys)
}

// No product code reads the environment but the configuration: everything
// else gets its settings from config.Config (or a config function), so
// what the program reads is in one place, documented and testable.
func TestOnlyConfigReadsTheEnvironment(t *testing.T) {
	bad := envReads(t, ".")
	if len(bad) > 0 {
		t.Errorf("product code reads the environment outside backend/config (route it through config):\n  %s", strings.Join(bad, "\n  "))
	}
}

// envReads lists where the Go files under root, but for tests and the
// allowed folders, read the environment (file:line: os.Getenv).
func envReads(t *testing.T, root string) []string {
	t.Helper()
	var bad []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "vendor" || slices.Contains(envAllowed, rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		names := map[string]string{} // local name → package
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if _, ok := envReaders[p]; !ok {
				continue
			}
			name := p
			if im.Name != nil {
				name = im.Name.Name
			}
			names[name] = p
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && slices.Contains(envReaders[names[x.Name]], sel.Sel.Name) {
				bad = append(bad, fmt.Sprintf("%s:%d: %s.%s", rel, fset.Position(sel.Pos()).Line, x.Name, sel.Sel.Name))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bad
}
