package rules

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The evaluation runs only on request, against the shared data sets:
//
//	SENTRY_EVAL=1 go test ./backend/extract/rules -run Eval -v
//
// SENTRY_EVAL_DATA overrides the data folder (default /work/shared) and
// SENTRY_EVAL_GOLD the gold file; SENTRY_EVAL_SHOW=1 logs every task. The
// Enron test split is scored only with SENTRY_EVAL_TEST=1.
func evalData(t *testing.T) string {
	t.Helper()
	if os.Getenv("SENTRY_EVAL") != "1" {
		t.Skip("evaluation skipped: set SENTRY_EVAL=1 to score against the shared data sets")
	}
	dir := os.Getenv("SENTRY_EVAL_DATA")
	if dir == "" {
		dir = "/work/shared"
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "extraction", "dev.jsonl")); err != nil {
		t.Skipf("evaluation skipped: %s has no data/extraction/dev.jsonl", dir)
	}
	return dir
}

type goldItem struct {
	ID   string `json:"id"`
	Now  string `json:"now"`
	Kind string `json:"kind"`
	Text string `json:"text"`
}

type predTask struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Assignee    string  `json:"assignee"`
	Due         *string `json:"due"`
	Type        string  `json:"type"`
	Priority    string  `json:"priority"`
}

func TestEvalDev(t *testing.T) {
	dir := evalData(t)
	gold := filepath.Join(dir, "data", "extraction", "dev.jsonl")
	if g := os.Getenv("SENTRY_EVAL_GOLD"); g != "" {
		gold = g // another file in the same format
	}
	f, err := os.Open(gold)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := filepath.Join(os.TempDir(), "sentry-rules-dev-pred.jsonl")
	w, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var it goldItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatal(err)
		}
		now, err := time.Parse(time.RFC3339, it.Now)
		if err != nil {
			t.Fatal(err)
		}
		tasks := Extract(it.Text, Options{Now: now, Kind: it.Kind})
		var pts []predTask
		for _, tk := range tasks {
			p := predTask{Title: tk.Title, Description: tk.Description, Assignee: tk.Assignee, Type: tk.Type, Priority: tk.Priority}
			if tk.Due != nil {
				d := tk.Due.Format("2006-01-02")
				p.Due = &d
			}
			pts = append(pts, p)
			if os.Getenv("SENTRY_EVAL_SHOW") == "1" {
				due := "-"
				if tk.Due != nil {
					due = tk.Due.Format("2006-01-02 15:04")
				}
				t.Logf("%s  %-8s %-40q who=%q due=%s (%q) pri=%s conf=%.2f", it.ID, tk.Type, tk.Title, tk.Assignee, due, tk.DueText, tk.Priority, tk.Confidence)
			}
		}
		b, _ := json.Marshal(map[string]any{"id": it.ID, "tasks": pts})
		fmt.Fprintln(w, string(b))
	}
	w.Close()
	t.Logf("predictions: %s", out)
	scorer := filepath.Join(dir, "scripts", "score-extraction.py")
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found; score the predictions by hand")
	}
	res, err := exec.Command("python3", scorer, gold, out, "--verbose").CombinedOutput()
	if err != nil {
		t.Fatalf("scorer: %v\n%s", err, res)
	}
	t.Logf("\n%s", res)
}

func TestEvalIntent(t *testing.T) {
	dir := evalData(t)
	files := []string{"train_Ask0729-fixed.tsv"}
	if os.Getenv("SENTRY_EVAL_TEST") == "1" {
		files = append(files, "test_qualifiedBatch-fixed.tsv")
	}
	now, _ := time.Parse(time.RFC3339, "2001-05-14T09:00:00-07:00")
	for _, name := range files {
		f, err := os.Open(filepath.Join(dir, "data", "enron-email-intent", name))
		if err != nil {
			t.Skipf("no %s: %v", name, err)
		}
		var tp, fp, fn, tn int
		var fps, fns []string
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			label, text, ok := strings.Cut(sc.Text(), "\t")
			if !ok {
				continue
			}
			yes := strings.EqualFold(strings.TrimSpace(label), "yes")
			got := len(Extract(text, Options{Now: now, Kind: "email"})) > 0
			switch {
			case yes && got:
				tp++
			case !yes && got:
				fp++
				fps = append(fps, text)
			case yes && !got:
				fn++
				fns = append(fns, text)
			default:
				tn++
			}
		}
		f.Close()
		p := float64(tp) / float64(max(1, tp+fp))
		r := float64(tp) / float64(max(1, tp+fn))
		f1 := 0.0
		if p+r > 0 {
			f1 = 2 * p * r / (p + r)
		}
		t.Logf("%s: tp=%d fp=%d fn=%d tn=%d precision=%.3f recall=%.3f f1=%.3f", name, tp, fp, fn, tn, p, r, f1)
		if os.Getenv("SENTRY_EVAL_SHOW") == "1" && !strings.HasPrefix(name, "test") {
			dump := func(file string, xs []string) {
				_ = os.WriteFile(filepath.Join(os.TempDir(), file), []byte(strings.Join(xs, "\n")+"\n"), 0o644)
			}
			dump("sentry-intent-fp.txt", fps)
			dump("sentry-intent-fn.txt", fns)
		}
	}
}
