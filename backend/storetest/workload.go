package storetest

import (
	"fmt"
	"testing"
	"time"

	"sentry/backend/core"
)

// Profiles, preferences, constraints, behavioural profiles, analyses and
// check-ins: one row per user where there is one, round trips in UTC to
// the millisecond, the same not_found and conflict.
func testWorkload(t *testing.T, s Stores) {
	u := mustUser(t, s, "load@example.com")
	w := s.Workloads
	_, err := w.FindProfile(ctx, u.ID)
	wantCode(t, "no profile", err, core.ENOTFOUND)
	p := &core.Profile{UserID: u.ID, Role: "Engineer", Timezone: "Europe/Paris", WorkingHours: core.WorkingHours{Start: "08:30", End: "17:00"}, WorkingDays: []int{1, 2, 3, 4}}
	if err := w.CreateProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	err = w.CreateProfile(ctx, &core.Profile{UserID: u.ID, Timezone: "UTC"})
	wantCode(t, "second profile", err, core.ECONFLICT)
	err = w.CreateProfile(ctx, &core.Profile{UserID: ghostID, Timezone: "UTC"})
	wantCode(t, "profile of nobody", err, core.ENOTFOUND)
	p.Department, p.WorkingDays = "R&D", []int{1, 2, 3, 4, 5}
	if err := w.UpdateProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := w.FindProfile(ctx, u.ID)
	if err != nil || got.Version != 2 || got.Department != "R&D" || got.WorkingHours.Start != "08:30" || fmt.Sprint(got.WorkingDays) != "[1 2 3 4 5]" ||
		!isMs(got.CreatedAt) || !isMs(got.UpdatedAt) || got.ID != p.ID {
		t.Fatalf("profile: %+v %v", got, err)
	}
	err = w.UpdateProfile(ctx, &core.Profile{UserID: ghostID})
	wantCode(t, "update nobody's profile", err, core.ENOTFOUND)

	_, err = w.FindPreferences(ctx, u.ID)
	wantCode(t, "no preferences", err, core.ENOTFOUND)
	prefs := &core.Preferences{UserID: u.ID, FocusBlockMinutes: 90, MeetingPreferences: map[string]any{"max": float64(4), "z": "a"}, Notifications: map[string]any{}}
	for i := 0; i < 2; i++ {
		if err := w.SavePreferences(ctx, prefs); err != nil || prefs.UpdatedAt == nil || !isMs(*prefs.UpdatedAt) {
			t.Fatal(err, prefs.UpdatedAt)
		}
	}
	gp, err := w.FindPreferences(ctx, u.ID)
	if err != nil || gp.FocusBlockMinutes != 90 || fmt.Sprint(gp.MeetingPreferences) != "map[max:4 z:a]" || !gp.UpdatedAt.Equal(*prefs.UpdatedAt) {
		t.Fatalf("preferences: %+v %v", gp, err)
	}
	err = w.SavePreferences(ctx, &core.Preferences{UserID: ghostID, FocusBlockMinutes: 60})
	wantCode(t, "preferences of nobody", err, core.ENOTFOUND)

	c := &core.Constraints{UserID: u.ID, MaxWeeklyHours: 32.5, DaysOff: []string{"2026-12-24"},
		FixedCommitments: []core.FixedCommitment{{Title: "School run", Weekday: 1, Start: "08:00", End: "08:30"}}}
	if err := w.SaveConstraints(ctx, c); err != nil {
		t.Fatal(err)
	}
	gc, err := w.FindConstraints(ctx, u.ID)
	if err != nil || gc.MaxWeeklyHours != 32.5 || fmt.Sprint(gc.DaysOff) != "[2026-12-24]" || len(gc.FixedCommitments) != 1 || gc.FixedCommitments[0].Title != "School run" {
		t.Fatalf("constraints: %+v %v", gc, err)
	}
	err = w.SaveConstraints(ctx, &core.Constraints{UserID: u.ID, MaxWeeklyHours: -1})
	wantCode(t, "negative hours", err, core.EINVALID)

	_, err = w.FindBehavioralProfile(ctx, u.ID)
	wantCode(t, "no behavioural profile", err, core.ENOTFOUND)
	ratio := 1.25
	if err := w.SaveBehavioralProfile(ctx, &core.BehavioralProfile{UserID: u.ID, EstimateRatio: &ratio, EstimateSamples: 3, AvgDailyCompleted: 2.5, Samples: 9}); err != nil {
		t.Fatal(err)
	}
	gb, err := w.FindBehavioralProfile(ctx, u.ID)
	if err != nil || *gb.EstimateRatio != 1.25 || gb.CompletionRate != nil || gb.EstimateSamples != 3 || gb.AvgDailyCompleted != 2.5 || gb.PeakHours == nil || gb.Samples != 9 {
		t.Fatalf("behavioural profile: %+v %v", gb, err)
	}

	// Analyses: an auto one replaces the same day's auto one.
	day := time.Date(2026, 12, 1, 9, 0, 0, 123456789, time.UTC)
	a1 := &core.BurnoutAnalysis{UserID: u.ID, Score: 30, Level: core.LevelModerate, Trigger: "auto", AnalyzedAt: day,
		Factors: []core.Factor{{Name: "load", Value: 1.1, Contribution: 20, Weight: 40}}, Summary: map[string]any{"hours": float64(41)}}
	if err := w.SaveBurnoutAnalysis(ctx, a1); err != nil {
		t.Fatal(err)
	}
	a2 := &core.BurnoutAnalysis{UserID: u.ID, Score: 35, Level: core.LevelModerate, Trigger: "auto", AnalyzedAt: day.Add(3 * time.Hour)}
	if err := w.SaveBurnoutAnalysis(ctx, a2); err != nil || a2.ID != a1.ID {
		t.Fatalf("same-day auto analysis: %v (%s, %s)", err, a2.ID, a1.ID)
	}
	a3 := &core.BurnoutAnalysis{UserID: u.ID, Score: 80, Level: core.LevelCritical, AnalyzedAt: day.Add(4 * time.Hour)}
	if err := w.SaveBurnoutAnalysis(ctx, a3); err != nil || a3.ID == a1.ID || a3.Trigger != "manual" {
		t.Fatal(err)
	}
	err = w.SaveBurnoutAnalysis(ctx, &core.BurnoutAnalysis{UserID: u.ID, Score: 101, Level: core.LevelCritical, AnalyzedAt: day})
	wantCode(t, "score above 100", err, core.EINVALID)
	as, err := w.FindBurnoutAnalyses(ctx, u.ID, 10)
	if err != nil || len(as) != 2 || as[0].ID != a3.ID || as[1].Score != 35 || as[1].Factors == nil || as[1].Forecast == nil ||
		!as[1].AnalyzedAt.Equal(day.Add(3*time.Hour).Truncate(time.Millisecond)) || as[0].AnalyzedAt.Location() != time.UTC {
		t.Fatalf("analyses: %d %v", len(as), err)
	}
	if none, err := w.FindBurnoutAnalyses(ctx, ghostID, 10); err != nil || none == nil || len(none) != 0 {
		t.Fatalf("nobody's analyses: %v %v", none, err)
	}

	score, tone := 62.5, -0.4
	ci := &core.CheckIn{UserID: u.ID, Kind: "cbi", Content: "Tired", CBIAnswers: []int{4, 4, 3, 5, 4, 3, 0}, CBIScore: &score, Tone: &tone, ToneLabel: "negative", RecordedAt: day}
	if err := w.CreateCheckIn(ctx, ci); err != nil {
		t.Fatal(err)
	}
	if err := w.CreateCheckIn(ctx, &core.CheckIn{UserID: u.ID, Kind: "checkin", Content: "Fine", RecordedAt: day.Add(-48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	cis, err := w.FindCheckIns(ctx, u.ID, day.Add(-time.Hour))
	if err != nil || len(cis) != 1 || cis[0].Content != "Tired" || *cis[0].CBIScore != 62.5 || *cis[0].Tone != -0.4 || fmt.Sprint(cis[0].CBIAnswers) != "[4 4 3 5 4 3 0]" ||
		!cis[0].RecordedAt.Equal(day.Truncate(time.Millisecond)) {
		t.Fatalf("check-ins: %+v %v", cis, err)
	}
	err = w.CreateCheckIn(ctx, &core.CheckIn{UserID: ghostID, Kind: "checkin", RecordedAt: day})
	wantCode(t, "check-in of nobody", err, core.ENOTFOUND)

	// Workload tasks: open ones, meetings ending after since, recent done.
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	open := mustTask(t, s, newTask(u.ID, "open"))
	done := mustTask(t, s, newTask(u.ID, "done long ago"))
	if _, err := s.Tasks.UpdateTask(ctx, done.ID, core.TaskUpdate{Status: ptr(core.StatusDone)}, nil); err != nil {
		t.Fatal(err)
	}
	old := newTask(u.ID, "old cancelled")
	old.Status = core.StatusCancelled
	old.Deadline = ptr(since.Add(-24 * time.Hour))
	mustTask(t, s, old)
	ts, err := w.WorkloadTasks(ctx, u.ID, since)
	if err != nil || len(ts) != 2 || (ts[0].ID != open.ID && ts[1].ID != open.ID) {
		t.Fatalf("workload tasks: %d %v", len(ts), err)
	}
}

// Recommendations: replacing supersedes the open ones; feedback runs
// the check on the current row; unknown ids are not_found.
func testRecommendations(t *testing.T, s Stores) {
	u := mustUser(t, s, "recs@example.com")
	w := s.Workloads
	start := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	first := []*core.Recommendation{{Kind: core.RecDelegate, Title: "Delegate", Key: "k1", HoursFreed: 2, Tasks: []core.TaskRef{{ID: ghostID, Title: "x"}}},
		{Kind: core.RecFocusBlock, Title: "Focus", Key: "k2", Slot: &core.Slot{Start: start, End: start.Add(2 * time.Hour)}}}
	if err := w.ReplaceRecommendations(ctx, u.ID, first); err != nil {
		t.Fatal(err)
	}
	if err := w.ReplaceRecommendations(ctx, u.ID, []*core.Recommendation{{Kind: core.RecSplit, Title: "Split", Key: "k3"}}); err != nil {
		t.Fatal(err)
	}
	open, err := w.FindRecommendations(ctx, u.ID, core.RecOpen)
	if err != nil || len(open) != 1 || open[0].Key != "k3" || open[0].Tasks == nil || open[0].Slot != nil {
		t.Fatalf("open: %+v %v", open, err)
	}
	all, err := w.FindRecommendations(ctx, u.ID)
	if err != nil || len(all) != 3 {
		t.Fatalf("all: %d %v", len(all), err)
	}
	r, err := w.FindRecommendationByID(ctx, first[1].ID)
	if err != nil || r.Status != core.RecSuperseded || r.Slot == nil || !r.Slot.Start.Equal(start) || r.Helpful != nil || r.FeedbackAt != nil {
		t.Fatalf("superseded: %+v %v", r, err)
	}
	yes := true
	got, err := w.SetRecommendationFeedback(ctx, open[0].ID, core.RecAccepted, &yes, func(r *core.Recommendation) error {
		if r.UserID != u.ID {
			return core.Errorf(core.ENOTFOUND, "Recommendation not found.")
		}
		return nil
	})
	if err != nil || got.Status != core.RecAccepted || !*got.Helpful || got.FeedbackAt == nil || !isMs(*got.FeedbackAt) {
		t.Fatalf("feedback: %+v %v", got, err)
	}
	back, err := w.FindRecommendationByID(ctx, open[0].ID)
	if err != nil || back.Status != core.RecAccepted || !*back.Helpful || !back.FeedbackAt.Equal(*got.FeedbackAt) {
		t.Fatalf("after feedback: %+v %v", back, err)
	}
	_, err = w.SetRecommendationFeedback(ctx, open[0].ID, core.RecDismissed, nil, func(*core.Recommendation) error {
		return core.Errorf(core.EFORBIDDEN, "no")
	})
	wantCode(t, "check refuses", err, core.EFORBIDDEN)
	_, err = w.FindRecommendationByID(ctx, ghostID)
	wantCode(t, "unknown recommendation", err, core.ENOTFOUND)
	if err := w.ReplaceRecommendations(ctx, u.ID, []*core.Recommendation{{Kind: core.RecSplit, Title: "Again", Key: "k4"}}); err != nil {
		t.Fatal(err)
	}
	err = w.ReplaceRecommendations(ctx, u.ID, []*core.Recommendation{{Kind: "nonsense", Title: "x", Key: "k"}})
	wantCode(t, "unknown kind", err, core.EINVALID)
	if open, _ := w.FindRecommendations(ctx, u.ID, core.RecOpen); len(open) != 1 || open[0].Key != "k4" {
		t.Fatalf("a refused replacement superseded %d", len(open))
	}
}
