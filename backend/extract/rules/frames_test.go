package rules

import (
	"strings"
	"testing"
	"time"
)

// TestFrameExamples runs every row's examples through the whole engine: a
// positive example must become a task that this row read, with the row's
// kind; a negative one must give no task from this row.
func TestFrameExamples(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday
	seen := map[string]bool{}
	for _, row := range frameTable {
		t.Run(row.name, func(t *testing.T) {
			if seen[row.name] {
				t.Fatalf("two rows are named %q", row.name)
			}
			seen[row.name] = true
			if len(row.positive) == 0 || len(row.negative) == 0 {
				t.Fatal("a row needs positive and negative examples")
			}
			for _, ex := range row.positive {
				opt := exampleOptions(ex, now)
				if len(Extract(ex.text, opt)) == 0 {
					t.Errorf("%q: no task", ex.text)
					continue
				}
				if rules := exampleRules(ex.text, opt); !rules[row.name] {
					t.Errorf("%q: not read by this row (read by %v)", ex.text, keys(rules))
				} else if k := exampleKind(ex.text, opt, row.name); k != row.kind && k != fMeeting {
					t.Errorf("%q: kind %s, want %s", ex.text, frameSignals[k], frameSignals[row.kind])
				}
			}
			for _, ex := range row.negative {
				if exampleRules(ex.text, exampleOptions(ex, now))[row.name] {
					t.Errorf("%q: a task from this row", ex.text)
				}
			}
		})
	}
}

func exampleOptions(ex frameExample, now time.Time) Options {
	doc := ex.doc
	if doc == "" {
		doc = "email"
	}
	return Options{Now: now, Kind: doc}
}

// exampleRules names the rows the surviving task candidates of text came from.
func exampleRules(text string, opt Options) map[string]bool {
	out := map[string]bool{}
	a := analyse(text, opt, true)
	for _, c := range a.dedupe(a.cands) {
		if c.rule != "" {
			out[c.rule] = true
		}
	}
	return out
}

// fMeeting stands for a meeting in exampleKind: a proposal or an
// assignment may be read as a meeting to attend.
const fMeeting = -1

// exampleKind is the frame kind of text's first candidate from the row,
// or fMeeting.
func exampleKind(text string, opt Options, rule string) int {
	a := analyse(text, opt, true)
	for _, c := range a.dedupe(a.cands) {
		if c.rule == rule && c.typ == TypeMeeting {
			return fMeeting
		}
		if c.rule == rule {
			return c.frameKind
		}
	}
	return fNone
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, ", ")
}
