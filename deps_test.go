package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
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
	layerIngest    = "ingest"    // uploads into positioned text: ingest and the parsers under it
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

	"backend/app/desktopweb": layerMain, // the desktop's backend on a loopback port, for the browser test of the desktop face (never shipped)

	"backend/httpapi": layerTransport,

	"backend/activity":      layerFeature,
	"backend/auth":          layerFeature,
	"backend/event":         layerFeature,
	"backend/extract":       layerFeature,
	"backend/extract/rules": layerFeature,
	"backend/integrations":  layerFeature,
	"backend/modelmgr":      layerFeature,
	"backend/notebook":      layerFeature,
	"backend/ratelimit":     layerFeature,
	"backend/task":          layerFeature,
	"backend/team":          layerFeature,
	"backend/syncsvc":       layerFeature,
	"backend/upload":        layerFeature,
	"backend/workload":      layerFeature,
	"sync/remote":           layerFeature,
	"sync/client":           layerFeature, // the device's sync engine

	"backend/ingest":   layerIngest,
	"backend/docparse": layerIngest,

	"backend/audio":       layerAdapter,
	"backend/blob":        layerAdapter,
	"backend/s3blob":      layerAdapter, // users' files in an S3-compatible bucket
	"backend/mail":        layerAdapter,
	"backend/oauth":       layerAdapter,
	"backend/ollama":      layerAdapter,
	"backend/pdfraster":   layerAdapter,
	"backend/postgres":    layerAdapter,
	"backend/jobs/pgjobs": layerAdapter, // the job queue on PostgreSQL (River)
	"backend/sqlite":      layerAdapter,
	"backend/tesseract":   layerAdapter,
	"backend/vosk":        layerAdapter,

	"backend/config":    layerBase,
	"backend/core":      layerBase,
	"backend/secretbox": layerBase,
	"backend/lease":     layerBase,
	"backend/jobs":      layerBase, // the job queue's interface and the in-process queue
	"backend/outbound":  layerBase,
	"backend/vecscan":   layerBase, // the exact vector scan both stores use
	"backend/storeerr":  layerBase, // what both stores answer for a write the database refuses
	"backend/txgroup":   layerBase, // group commit: concurrent writers of one store share a transaction and its COMMIT
	"backend/syncstore": layerBase, // what both stores work out alike for sync: clocks, scopes, a push's outcome, a pull's rows
	"sync/hlc":          layerBase,
	"sync/merge":        layerBase,
	"sync/schema":       layerBase,
	"sync/wire":         layerBase, // the JSON shapes of the sync protocol

	"backend/extract/dates":   layerBase, // date phrases, shared by the extractor and quick add
	"backend/extract/gate":    layerBase, // regular expressions with a literal pre-check
	"backend/extract/lexicon": layerBase, // word lists read from text files

	"backend/integrations/integrationstest":          layerTestOnly,
	"backend/integrations/integrationstest/standins": layerTestOnly,
	"backend/jobtest":           layerTestOnly,
	"backend/mail/mailtest":     layerTestOnly,
	"backend/oauth/oauthtest":   layerTestOnly,
	"backend/ollama/ollamatest": layerTestOnly,
	"backend/storetest":         layerTestOnly,
	"sync/simtest":              layerTestOnly, // the convergence simulator: tests only, its one file is documentation
	"backend/blobtest":          layerTestOnly,
	"backend/postgres/pgtest":   layerTestOnly, // a schema or database of a test's own in the test PostgreSQL
}

// allowed[a][b]: a package in layer a may import one in layer b.
// Feature to feature is allowed only along featureEdges.
var allowed = map[string]map[string]bool{
	layerMain:      {layerRoot: true, layerFeature: true, layerBase: true}, // the CLI and app.go call features
	layerRoot:      {layerTransport: true, layerFeature: true, layerIngest: true, layerAdapter: true, layerBase: true},
	layerTransport: {layerFeature: true, layerBase: true},
	layerFeature:   {layerFeature: true, layerIngest: true, layerBase: true},
	layerIngest:    {layerIngest: true, layerBase: true}, // engines only through core's interfaces
	layerAdapter:   {layerBase: true},
	layerBase:      {layerBase: true},
	layerTestOnly:  {layerTestOnly: true, layerBase: true},
}

// featureEdges are the only imports from one feature of another, each with
// why the one needs the other. Any other feature-to-feature import fails.
// An edge nobody uses any more should go.
var featureEdges = map[[2]string]string{
	{"backend/extract", "backend/task"}:      "extraction saves the tasks it finds through the task service (defaults, validation, events)",
	{"backend/extract", "backend/upload"}:    "extraction's sources are the caller's uploads, opened through the upload service",
	{"backend/integrations", "backend/task"}: "imported and synced tasks are written through the task service, like the user's own",
	{"backend/notebook", "backend/upload"}:   "a notebook's documents are uploads: stored, sized and deduplicated by the upload service",
	{"sync/client", "sync/remote"}:           "the sync engine signs in to the team server and renews its token through the team-server sign-in",
}

// entries are the packages through which other layers reach a layer: the
// rest of it is private to the layer. Features read uploads through ingest
// and never parse files themselves.
var entries = map[string]string{
	layerIngest: "backend/ingest",
}

// standardOnly are the base packages that must not depend on anything
// outside the standard library, directly or not: besides the standard
// library they may import only each other (sync/schema checks an id as
// backend/core does, with core's ValidID).
var standardOnly = []string{"backend/config", "backend/core", "backend/jobs", "backend/secretbox", "backend/vecscan", "sync/hlc", "sync/merge", "sync/schema", "sync/wire",
	"backend/extract/gate", "backend/extract/lexicon"}

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
// ingest → core; adapters → core only; base packages → standard library only;
// feature → feature only along featureEdges; test-only packages are
// imported by tests alone; only package main imports the desktop shell.
func TestDependencyDirection(t *testing.T) {
	imports := goList(t)
	for _, problem := range layerProblems(imports) {
		t.Error(problem)
	}
	for _, problem := range staleEntries(imports) {
		t.Error(problem)
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
			if d, _ := rel(dep); dep != importPath(r) && !slices.Contains(standardOnly, d) {
				t.Errorf("%s depends on %s; it must use only the standard library", importPath(r), dep)
			}
		}
	}
}

// layerProblems checks imports (package → what it imports) against the
// tables above and says what breaks them.
func layerProblems(imports map[string][]string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	pkgs := make([]string, 0, len(imports))
	for pkg := range imports {
		pkgs = append(pkgs, pkg)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		from, _ := rel(pkg)
		fromLayer, ok := layers[from]
		if !ok {
			add("package %s has no layer: add it to layers in deps_test.go (and to docs/ARCHITECTURE.md)", pkg)
			continue
		}
		seen := map[string]bool{}
		for _, imp := range imports[pkg] {
			if imp == "" || seen[imp] {
				continue
			}
			seen[imp] = true
			if strings.Contains(imp, "wailsapp/wails") && pkg != module {
				add("%s imports the desktop shell %s; only package main may", pkg, imp)
			}
			to, ok := rel(imp)
			if !ok {
				continue
			}
			toLayer, ok := layers[to]
			switch {
			case !ok:
				add("%s imports %s, which has no layer: add it to layers in deps_test.go", pkg, imp)
			case !allowed[fromLayer][toLayer]:
				add("%s (%s) must not import %s (%s)", pkg, fromLayer, imp, toLayer)
			case fromLayer != toLayer && entries[toLayer] != "" && to != entries[toLayer]:
				add("%s (%s) must not import %s: the %s layer is reached through %s only", pkg, fromLayer, imp, toLayer, importPath(entries[toLayer]))
			case fromLayer == layerFeature && toLayer == layerFeature:
				if _, ok := featureEdges[[2]string{from, to}]; !ok {
					add("feature %s imports feature %s, which is not a declared edge: go through core's interfaces, or add the edge to featureEdges in deps_test.go with the reason", pkg, imp)
				}
			}
		}
	}
	for _, edge := range sortedEdges() {
		if featureEdges[edge] == "" {
			add("feature edge %s → %s has no reason", edge[0], edge[1])
		}
		if layers[edge[0]] != layerFeature || layers[edge[1]] != layerFeature {
			add("feature edge %s → %s joins packages that are not both features", edge[0], edge[1])
		}
	}
	return problems
}

// staleEntries keeps the tables true to the code: a layer for a package
// that is gone, or an allowed edge that nothing imports, is an allowance
// nobody asked for.
func staleEntries(imports map[string][]string) []string {
	var problems []string
	var gone []string
	for r := range layers {
		if _, ok := imports[importPath(r)]; !ok {
			gone = append(gone, importPath(r))
		}
	}
	sort.Strings(gone)
	for _, pkg := range gone {
		problems = append(problems, fmt.Sprintf("layers names %s, which is not a package of the module: remove it", pkg))
	}
	for _, edge := range sortedEdges() {
		if !slices.Contains(imports[importPath(edge[0])], importPath(edge[1])) {
			problems = append(problems, fmt.Sprintf("feature edge %s → %s is declared but %[1]s does not import %[2]s: remove it from featureEdges", edge[0], edge[1]))
		}
	}
	return problems
}

func sortedEdges() [][2]string {
	edges := make([][2]string, 0, len(featureEdges))
	for e := range featureEdges {
		edges = append(edges, e)
	}
	sort.Slice(edges, func(i, j int) bool {
		return edges[i][0] < edges[j][0] || edges[i][0] == edges[j][0] && edges[i][1] < edges[j][1]
	})
	return edges
}

// The rule itself is tested on imports made up to break it, one way each.
func TestLayerProblemsCatchWrongImports(t *testing.T) {
	const (
		core    = "sentry/backend/core"
		task    = "sentry/backend/task"
		extract = "sentry/backend/extract"
		ingest  = "sentry/backend/ingest"
		parse   = "sentry/backend/docparse"
		sqlite  = "sentry/backend/sqlite"
		httpapi = "sentry/backend/httpapi"
	)
	for _, c := range []struct {
		name    string
		imports map[string][]string
		want    string // part of the one problem expected; "" for none
	}{
		{"the layers as drawn", map[string][]string{
			"sentry": {"sentry/backend/app"}, "sentry/backend/app": {httpapi, sqlite, task, core},
			httpapi: {task, core, "net/http"}, task: {core}, sqlite: {core}, core: {"context"},
			extract: {task, ingest, core}, ingest: {parse, core}, parse: {core}}, ""},
		{"ingest imports an engine", map[string][]string{ingest: {"sentry/backend/tesseract"}}, "ingest (ingest) must not import sentry/backend/tesseract (adapter)"},
		{"ingest imports a feature", map[string][]string{ingest: {task}}, "(ingest) must not import sentry/backend/task (feature)"},
		{"feature parses files past ingest", map[string][]string{extract: {parse}}, "the ingest layer is reached through sentry/backend/ingest only"},
		{"transport reads uploads itself", map[string][]string{httpapi: {ingest}}, "httpapi (transport) must not import sentry/backend/ingest (ingest)"},
		{"feature imports an adapter", map[string][]string{task: {sqlite}}, "task (feature) must not import sentry/backend/sqlite (adapter)"},
		{"adapter imports a feature", map[string][]string{sqlite: {task}}, "sqlite (adapter) must not import sentry/backend/task (feature)"},
		{"transport imports an adapter", map[string][]string{httpapi: {sqlite}}, "httpapi (transport) must not import"},
		{"feature imports the transport", map[string][]string{task: {httpapi}}, "must not import sentry/backend/httpapi (transport)"},
		{"base imports a feature", map[string][]string{core: {task}}, "core (base) must not import"},
		{"feature imports a test stand-in", map[string][]string{task: {"sentry/backend/jobtest"}}, "(test-only)"},
		{"feature imports the root", map[string][]string{task: {"sentry/backend/app"}}, "(root)"},
		{"undeclared feature edge", map[string][]string{task: {extract}}, "feature sentry/backend/task imports feature sentry/backend/extract, which is not a declared edge"},
		{"package without a layer", map[string][]string{"sentry/backend/newthing": {core}}, "package sentry/backend/newthing has no layer"},
		{"import of a package without a layer", map[string][]string{task: {"sentry/backend/newthing"}}, "which has no layer"},
		{"desktop shell outside main", map[string][]string{task: {"github.com/wailsapp/wails/v2"}}, "imports the desktop shell"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := layerProblems(c.imports)
			switch {
			case c.want == "" && len(got) != 0:
				t.Fatalf("problems where there are none: %q", got)
			case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
				t.Fatalf("got %q, want one problem containing %q", got, c.want)
			}
		})
	}
}

func TestStaleEntriesAreReported(t *testing.T) {
	full := func() map[string][]string {
		m := map[string][]string{}
		for r := range layers {
			m[importPath(r)] = nil
		}
		for edge := range featureEdges {
			m[importPath(edge[0])] = append(m[importPath(edge[0])], importPath(edge[1]))
		}
		return m
	}
	if got := staleEntries(full()); len(got) != 0 {
		t.Fatalf("problems where there are none: %q", got)
	}
	m := full()
	m["sentry/backend/notebook"] = slices.DeleteFunc(m["sentry/backend/notebook"], func(s string) bool { return s == "sentry/backend/upload" })
	if got := staleEntries(m); len(got) != 1 || !strings.Contains(got[0], "backend/notebook → backend/upload is declared but") {
		t.Fatalf("an edge nothing imports: %q", got)
	}
	m = full()
	delete(m, "sentry/backend/activity")
	if got := staleEntries(m); len(got) != 1 || !strings.Contains(got[0], "layers names sentry/backend/activity") {
		t.Fatalf("a layer for a package that is gone: %q", got)
	}
}
