package rules

import (
	"strings"
	"testing"
	"time"
)

func TestIntentModelLoads(t *testing.T) {
	m := intentDetector()
	if len(m.w) < 1000 {
		t.Fatalf("embedded model has %d weights; want a trained model", len(m.w))
	}
	if m.threshold <= 0 || m.threshold >= 1 {
		t.Fatalf("threshold %v out of (0,1)", m.threshold)
	}
	// A malformed line is skipped, not fatal.
	p := parseIntentModel("bias\t0.5\nthreshold\tx\nw:a\t1\nbroken line\n")
	if p.bias != 0.5 || p.threshold != 0.5 || p.w["w:a"] != 1 || len(p.w) != 1 {
		t.Fatalf("parse: %+v", p)
	}
}

func TestIntentTokens(t *testing.T) {
	got := strings.Join(intentTokens("Can you call me at 4pm? See http://x.io or mail a@b.com."), " ")
	want := "can you call me at 0pm ? see <url> or mail <email>"
	if got != want {
		t.Fatalf("tokens %q, want %q", got, want)
	}
}

func TestIntentDetector(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := intentDetector()
	// Requests the hand-written rules have no pattern for.
	for _, s := range []string{
		"Do you have time to look at the lease before Friday?",
		"Any thoughts on the vendor shortlist?",
	} {
		if p := m.prob(s, nil); p < m.threshold {
			t.Errorf("%q: p=%.2f below %.2f", s, p, m.threshold)
		}
		ts := Extract("Hi Ana,\n"+s+"\nThanks,\nBo", Options{Now: now, Kind: "email"})
		if len(ts) != 1 {
			t.Fatalf("%q: got %d tasks %+v", s, len(ts), ts)
		}
		if ts[0].Assignee != "Ana" || ts[0].Confidence >= 0.5 || !strings.Contains(ts[0].Sentence, s) {
			t.Errorf("%q: %+v", s, ts[0])
		}
	}
	// Statements stay statements, and the rules' filters stand.
	for _, s := range []string{
		"We had a great time at the conference last week.",
		"The quarterly numbers were published yesterday.",
		"We could maybe consider a newsletter at some point.",
	} {
		if ts := Extract(s, Options{Now: now, Kind: "email"}); len(ts) != 0 {
			t.Errorf("%q: got %+v", s, ts)
		}
	}
	// Only emails use the detector.
	if ts := Extract("Any thoughts on the vendor shortlist?", Options{Now: now, Kind: "note"}); len(ts) != 0 {
		t.Errorf("note: got %+v", ts)
	}
}
