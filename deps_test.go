package main

import (
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// The layers of docs/ARCHITECTURE.md.
const (
	layerMain      = "main"      // the command line and the desktop shell
	layerRoot      = "root"      // the composition root
	layerTransport = "transport" // the HTTP API
	layerFeature   = "feature"   // use cases and their rules
	layerAdapter   = "adapter"   // implementations of core's interfaces
	layerBase      = "base"      // domain types and leaf libraries: standard library only
	layerTestOnly  = "test-only" // stand-ins and helpers that only tests import
)

// layers gives every package of the module its layer, by import path
// below the module. There is no default: a package missing here fails
// TestDependencyDirection until it is added (and to docs/ARCHITECTURE.md).
var layers = map[string]string{
	"": layerMain,

	"backend/app": layerRoot,

	"backend/httpapi": layerTransport,

	"backend/activity":      layerFeature,
	"backend/auth":          layerFeature,
	"backend/docparse":      layerFeature,
	"backend/event":         layerFeature,
	"backend/extract":       layerFeature,
	"backend/extract/rules": layerFeature,
	"backend/ingest":        layerFeature,
	"backend/integrations":  layerFeature,
	"backend/modelmgr":      layerFeature,
	"backend/notebook":      layerFeature,
	"backend/ratelimit":     layerFeature,
	"backend/task":          layerFeature,
	"backend/upload":        layerFeature,
	"backend/workload":      layerFeature,
	"sync/remote":           layerFeature,

	"backend/audio":     layerAdapter,
	"backend/blob":      layerAdapter,
	"backend/mail":      layerAdapter,
	"backend/oauth":     layerAdapter,
	"backend/ollama":    layerAdapter,
	"backend/pdfraster": layerAdapter,
	"backend/postgres":  layerAdapter,
	"backend/sqlite":    layerAdapter,
	"backend/tesseract": layerAdapter,
	"backend/vosk":      layerAdapter,

	"backend/config":    layerBase,
	"backend/core":      layerBase,
	"backend/secretbox": layerBase,
	"sync/hlc":          layerBase,

	"backend/integrations/integrationstest":          layerTestOnly,
	"backend/integrations/integrationstest/standins": layerTestOnly,
	"backend/jobtest":           layerTestOnly,
	"backend/mail/mailtest":     layerTestOnly,
	"backend/storetest":         layerTestOnly,
	"backend/oauth/oauthtest":   layerTestOnly,
	"backend/ollama/ollamatest": layerTestOnly,
}

// allowed[a][b]: a package in layer a may import one in layer b.
// Feature to feature is allowed only along featureEdges.
var allowed = map[string]map[string]bool{
	layerMain:      {layerRoot: true, layerFeature: true, layerBase: true}, // the CLI and app.go call features
	layerRoot:      {layerTransport: true, layerFeature: true, layerAdapter: true, layerBase: true},
	layerTransport: {layerFeature: true, layerBase: true},
	layerFeature:   {layerFeature: true, layerBase: true},
	layerAdapter:   {layerBase: true},
	layerBase:      {layerBase: true},
	layerTestOnly:  {layerTestOnly: true, layerBase: true},
}

// featureEdges are the only imports from one feature of another, each with
// why the one needs the other. Any other feature-to-feature import fails.
// An edge nobody uses any more should go.
var featureEdges = map[[2]string]string{
	{"backend/extract", "backend/ingest"}:    "extraction reads its sources (text with pages, boxes, times) through ingest",
	{"backend/extract", "backend/task"}:      "extraction saves the tasks it finds through the task service (defaults, validation, events)",
	{"backend/extract", "backend/upload"}:    "extraction's sources are the caller's uploads, opened through the upload service",
	{"backend/ingest", "backend/docparse"}:   "ingest reads documents' text layers with docparse",
	{"backend/integrations", "backend/task"}: "imported and synced tasks are written through the task service, like the user's own",
	{"backend/notebook", "backend/docparse"}: "indexing reads the text of a notebook's documents",
	{"backend/notebook", "backend/ingest"}:   "indexing reads a notebook's documents through ingest",
	{"backend/notebook", "backend/upload"}:   "a notebook's documents are uploads: stored, sized and deduplicated by the upload service",
}

// standardOnly are the base packages that must not depend on anything
// outside the standard library, directly or not.
var standardOnly = []string{"backend/config", "backend/core", "backend/secretbox", "sync/hlc"}

const module = "sentry"

func importPath(rel string) string {
	if rel == "" {
		return module
	}
	return module + "/" + rel
}

// rel is the import path below the module, ok false outside it.
func rel(pkg string) (string, bool) {
	if pkg == module {
		return "", true
	}
	r, ok := strings.CutPrefix(pkg, module+"/")
	return r, ok
}

func stderr(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}

// goList returns each package's imports (not its tests'), over the plain
// headless build and the desktop build with every optional engine, so that
// files behind build tags are checked too. Packages that do not compile
// are listed all the same (-e): reporting that is go build's job.
func goList(t *testing.T) map[string][]string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH")
	}
	imports := map[string][]string{}
	for _, tags := range []string{"", "desktop,production,webkit2_40,vosk"} {
		cmd := exec.Command("go", "list", "-e", "-tags", tags, "-f", `{{.ImportPath}}|{{join .Imports ","}}`, "./...")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -tags %q: %v\n%s", tags, err, stderr(err))
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			pkg, list, _ := strings.Cut(line, "|")
			imports[pkg] = append(imports[pkg], strings.Split(list, ",")...)
		}
	}
	return imports
}

// TestDependencyDirection enforces the layering of docs/ARCHITECTURE.md:
// main → composition root → {transport, adapters}; transport → features →
// core; adapters → core only; base packages → standard library only;
// feature → feature only along featureEdges; test-only packages are
// imported by tests alone; only package main imports the desktop shell.
func TestDependencyDirection(t *testing.T) {
	imports := goList(t)
	pkgs := make([]string, 0, len(imports))
	for pkg := range imports {
		pkgs = append(pkgs, pkg)
	}
	sort.Strings(pkgs)

	for _, pkg := range pkgs {
		from, _ := rel(pkg)
		fromLayer, ok := layers[from]
		if !ok {
			t.Errorf("package %s has no layer: add it to layers in deps_test.go (and to docs/ARCHITECTURE.md)", pkg)
			continue
		}
		seen := map[string]bool{}
		for _, imp := range imports[pkg] {
			if imp == "" || seen[imp] {
				continue
			}
			seen[imp] = true
			if strings.Contains(imp, "wailsapp/wails") && pkg != module {
				t.Errorf("%s imports the desktop shell %s; only package main may", pkg, imp)
			}
			to, ok := rel(imp)
			if !ok {
				continue
			}
			toLayer, ok := layers[to]
			if !ok {
				continue // reported as a package of its own
			}
			if !allowed[fromLayer][toLayer] {
				t.Errorf("%s (%s) must not import %s (%s)", pkg, fromLayer, imp, toLayer)
				continue
			}
			if fromLayer == layerFeature && toLayer == layerFeature {
				edge := [2]string{from, to}
				if _, ok := featureEdges[edge]; !ok {
					t.Errorf("feature %s imports feature %s, which is not a declared edge: go through core's interfaces, or add the edge to featureEdges in deps_test.go with the reason", pkg, imp)
				}
			}
		}
	}

	for edge, why := range featureEdges {
		if why == "" {
			t.Errorf("feature edge %s → %s has no reason", edge[0], edge[1])
		}
	}

	for _, r := range standardOnly {
		if layers[r] != layerBase {
			t.Errorf("%s is checked as standard-library-only but its layer is %q", r, layers[r])
		}
		out, err := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{.ImportPath}}{{end}}`, "./"+r).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", r, err, stderr(err))
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep != importPath(r) {
				t.Errorf("%s depends on %s; it must use only the standard library", importPath(r), dep)
			}
		}
	}
}
