package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection enforces the layering of docs/ARCHITECTURE.md:
// mains → composition root → {httpapi, adapters}; httpapi → features →
// core; adapters → core only; core and leaf libraries → standard library
// only; only package main imports the desktop shell.
func TestDependencyDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH")
	}
	out, err := exec.Command("go", "list", "-tags", "desktop,production,webkit2_40", "-f",
		`{{.ImportPath}}|{{join .Imports ","}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const mod = "sentry/"
	layer := func(pkg string) string {
		switch {
		case pkg == "sentry":
			return "main"
		case pkg == "sentry/backend/core", pkg == "sentry/backend/config", pkg == "sentry/backend/secretbox", strings.HasPrefix(pkg, "sentry/sync/hlc"):
			return "base"
		case pkg == "sentry/backend/app":
			return "root"
		case pkg == "sentry/backend/httpapi":
			return "transport"
		case pkg == "sentry/backend/sqlite", pkg == "sentry/backend/postgres", pkg == "sentry/backend/ollama",
			pkg == "sentry/backend/vosk", pkg == "sentry/backend/tesseract", pkg == "sentry/backend/blob", pkg == "sentry/backend/mail",
			pkg == "sentry/backend/oauth", pkg == "sentry/backend/audio", pkg == "sentry/backend/pdfraster", strings.HasPrefix(pkg, "sentry/backend/ollama"), strings.HasPrefix(pkg, "sentry/backend/mail/"):
			return "adapter"
		case strings.HasPrefix(pkg, "sentry/sync/"):
			return "feature"
		case strings.HasPrefix(pkg, "sentry/backend/"):
			return "feature"
		}
		return "unknown"
	}
	// allowed[a][b]: a package in layer a may import one in layer b.
	allowed := map[string]map[string]bool{
		"main":      {"root": true, "base": true, "feature": true}, // app.go → features (DESIGN)
		"root":      {"transport": true, "adapter": true, "feature": true, "base": true},
		"transport": {"feature": true, "base": true},
		"feature":   {"feature": true, "base": true},
		"adapter":   {"base": true},
		"base":      {"base": true},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, "|")
		from := layer(pkg)
		if from == "unknown" {
			t.Errorf("package %s has no layer; add it to this test and docs/ARCHITECTURE.md", pkg)
			continue
		}
		for _, imp := range strings.Split(imports, ",") {
			if strings.Contains(imp, "wailsapp/wails") && pkg != "sentry" {
				t.Errorf("%s imports the desktop shell %s; only package main may", pkg, imp)
			}
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			if to := layer(imp); !allowed[from][to] {
				t.Errorf("%s (%s) must not import %s (%s)", pkg, from, imp, to)
			}
		}
	}
	// Base packages use the standard library only.
	for _, pkg := range []string{"./backend/core", "./sync/hlc", "./backend/secretbox"} {
		out, err := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{.ImportPath}}{{end}}`, pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep != "sentry"+strings.TrimPrefix(pkg, ".") {
				t.Errorf("%s depends on %s; it must use only the standard library", pkg, dep)
			}
		}
	}
}
