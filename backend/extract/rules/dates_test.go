package rules

import (
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s unavailable: %v", name, err)
	}
	return loc
}

func TestExtractDueInUserZone(t *testing.T) {
	la := mustLoc(t, "America/Los_Angeles")
	now := time.Date(2026, 3, 1, 20, 0, 0, 0, la)
	got := Extract("Please send the report tomorrow.", Options{Now: now, Kind: "email"})
	if len(got) != 1 || got[0].Due == nil {
		t.Fatalf("got %+v, want one task with a due date", got)
	}
	if d := got[0].Due; d.Location() != la || d.Format("2006-01-02") != "2026-03-02" {
		t.Errorf("due %v, want 2026-03-02 in %v", d, la)
	}
	if got[0].DueText != "tomorrow" {
		t.Errorf("due text %q, want %q", got[0].DueText, "tomorrow")
	}
}
