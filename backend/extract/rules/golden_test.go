package rules

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenTask is a Task as written to a golden file.
type goldenTask struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Assignee    string  `json:"assignee,omitempty"`
	Due         string  `json:"due,omitempty"`
	DueText     string  `json:"due_text,omitempty"`
	Type        string  `json:"type"`
	Priority    string  `json:"priority,omitempty"`
	Confidence  float64 `json:"confidence"`
	Sentence    string  `json:"sentence"`
	Start       int     `json:"start"`
	End         int     `json:"end"`
}

// readFixture reads a testdata fixture: "kind:" and "now:" lines, a "---"
// line, then the text.
func readFixture(t *testing.T, path string) (string, Options) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, text, ok := strings.Cut(string(b), "---\n")
	if !ok {
		t.Fatalf("%s: no --- line", path)
	}
	var opt Options
	for _, ln := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(ln, ":")
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "kind":
			opt.Kind = v
		case "now":
			now, err := time.Parse(time.RFC3339, v)
			if err != nil {
				t.Fatalf("%s: now: %v", path, err)
			}
			opt.Now = now
		}
	}
	return text, opt
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			text, opt := readFixture(t, f)
			var out []goldenTask
			for _, tk := range Extract(text, opt) {
				g := goldenTask{Title: tk.Title, Description: tk.Description, Assignee: tk.Assignee, DueText: tk.DueText,
					Type: tk.Type, Priority: tk.Priority, Confidence: tk.Confidence, Sentence: tk.Sentence, Start: tk.Start, End: tk.End}
				if tk.Due != nil {
					g.Due = tk.Due.Format(time.RFC3339)
				}
				out = append(out, g)
			}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (run go test -update after checking the change):\n%s", name, got)
			}
		})
	}
}
