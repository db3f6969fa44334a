package sqlite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
)

func TestProfileOnePerUserAndRoundTrip(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "p@example.com")
	if _, err := db.FindProfile(ctx, u.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("before create: %v", err)
	}
	p := &core.Profile{UserID: u.ID, Role: "Engineer", Timezone: "Europe/Berlin",
		WorkingHours: core.WorkingHours{Start: "08:00", End: "16:30"}, WorkingDays: []int{1, 2, 3, 4}}
	if err := db.CreateProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateProfile(ctx, &core.Profile{UserID: u.ID, Timezone: "UTC"}); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("second profile: %v", err)
	}
	got, err := db.FindProfile(ctx, u.ID)
	if err != nil || got.ID != p.ID || got.WorkingHours.End != "16:30" || len(got.WorkingDays) != 4 || got.Version != 1 {
		t.Fatalf("found %+v, %v", got, err)
	}
	got.Timezone = "Asia/Tokyo"
	if err := db.UpdateProfile(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, _ := db.FindProfile(ctx, u.ID)
	if again.Timezone != "Asia/Tokyo" || again.Version != 2 {
		t.Fatalf("after update %+v", again)
	}
	var changes int
	if err := db.QueryRowForTest(`SELECT count(*) FROM changes WHERE table_name = 'user_profiles' AND row_id = ?`, p.ID).Scan(&changes); err != nil || changes != 2 {
		t.Fatalf("change log entries %d, %v", changes, err)
	}
	if err := db.CreateProfile(ctx, &core.Profile{UserID: "nobody", Timezone: "UTC"}); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("profile of unknown user: %v", err)
	}
}

func TestPreferencesConstraintsBehaviourUpsert(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "c@example.com")
	if _, err := db.FindConstraints(ctx, u.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("before save: %v", err)
	}
	c := &core.Constraints{UserID: u.ID, MaxWeeklyHours: 32, DaysOff: []string{"2026-12-24"},
		FixedCommitments: []core.FixedCommitment{{Title: "Class", Weekday: 2, Start: "18:00", End: "20:00"}}}
	for range 2 {
		if err := db.SaveConstraints(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.FindConstraints(ctx, u.ID)
	if err != nil || got.MaxWeeklyHours != 32 || got.DaysOff[0] != "2026-12-24" || got.FixedCommitments[0].Weekday != 2 || got.UpdatedAt == nil {
		t.Fatalf("constraints %+v, %v", got, err)
	}
	var rows int
	db.QueryRowForTest(`SELECT count(*) FROM user_constraints WHERE user_id = ?`, u.ID).Scan(&rows)
	if rows != 1 {
		t.Fatalf("%d constraint rows", rows)
	}
	p := &core.Preferences{UserID: u.ID, FocusBlockMinutes: 90, MeetingPreferences: map[string]any{"max_per_day": 4.0}, Notifications: map[string]any{}}
	if err := db.SavePreferences(ctx, p); err != nil {
		t.Fatal(err)
	}
	gp, err := db.FindPreferences(ctx, u.ID)
	if err != nil || gp.FocusBlockMinutes != 90 || gp.MeetingPreferences["max_per_day"] != 4.0 {
		t.Fatalf("preferences %+v, %v", gp, err)
	}
	r := 1.4
	b := &core.BehavioralProfile{UserID: u.ID, EstimateRatio: &r, EstimateSamples: 7, AvgDailyCompleted: 2.5, PeakHours: []int{10, 15}, Samples: 30}
	if err := db.SaveBehavioralProfile(ctx, b); err != nil {
		t.Fatal(err)
	}
	gb, err := db.FindBehavioralProfile(ctx, u.ID)
	if err != nil || *gb.EstimateRatio != 1.4 || gb.EstimateSamples != 7 || gb.CompletionRate != nil || len(gb.PeakHours) != 2 {
		t.Fatalf("behaviour %+v, %v", gb, err)
	}
}

func TestBurnoutAnalysesAutoRunsReplaceTheDaysAutoRun(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "b@example.com")
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	save := func(score float64, trigger string, at time.Time) *core.BurnoutAnalysis {
		a := &core.BurnoutAnalysis{UserID: u.ID, Score: score, Level: core.LevelFor(score), Trigger: trigger, AnalyzedAt: at,
			Factors:  []core.Factor{{Name: "workload", Value: 1.2, Contribution: score, Weight: 34, Explanation: "x"}},
			Forecast: []core.ForecastDay{{Date: "2026-03-02", PlannedHours: 9, CapacityHours: 8}}, Summary: map[string]any{"k": 1.0},
			Trend: core.Trend{Direction: "new"}}
		if err := db.SaveBurnoutAnalysis(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	m := save(30, "manual", day)
	a1 := save(35, "auto", day.Add(time.Hour))
	a2 := save(50, "auto", day.Add(2*time.Hour)) // same day: replaces a1
	a3 := save(10, "auto", day.Add(26*time.Hour))
	if a2.ID != a1.ID || a3.ID == a1.ID {
		t.Fatalf("ids %s %s %s", a1.ID, a2.ID, a3.ID)
	}
	list, err := db.FindBurnoutAnalyses(ctx, u.ID, 10)
	if err != nil || len(list) != 3 || list[0].ID != a3.ID || list[1].Score != 50 || list[2].ID != m.ID {
		t.Fatalf("history %d %v", len(list), err)
	}
	if list[1].Factors[0].Weight != 34 || list[1].Forecast[0].PlannedHours != 9 || list[1].Trigger != "auto" || list[1].Level != core.LevelHigh {
		t.Fatalf("round trip %+v", list[1])
	}
}

func TestCheckInsAndRecommendations(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "r@example.com")
	score, tone := 62.5, -0.4
	at := time.Now().UTC().Truncate(time.Millisecond)
	if err := db.CreateCheckIn(ctx, &core.CheckIn{UserID: u.ID, Kind: "cbi", Content: "tired", CBIAnswers: []int{2, 3, 2, 2, 3, 3, 3},
		CBIScore: &score, Tone: &tone, ToneLabel: "negative", ToneEngine: "lexicon", RecordedAt: at}); err != nil {
		t.Fatal(err)
	}
	cs, err := db.FindCheckIns(ctx, u.ID, at.Add(-time.Hour))
	if err != nil || len(cs) != 1 || *cs[0].CBIScore != 62.5 || *cs[0].Tone != -0.4 || cs[0].CBIAnswers[6] != 3 || cs[0].Content != "tired" {
		t.Fatalf("check-ins %+v, %v", cs, err)
	}
	if cs, _ := db.FindCheckIns(ctx, u.ID, at.Add(time.Hour)); len(cs) != 0 {
		t.Fatalf("since filter: %d", len(cs))
	}
	// The note's text stays out of the change log.
	var fields string
	db.QueryRowForTest(`SELECT fields FROM changes WHERE table_name = 'qualitative_data'`).Scan(&fields)
	if fields == "" || strings.Contains(fields, "tired") {
		t.Fatalf("change log fields %q", fields)
	}

	dl := at.Add(48 * time.Hour)
	first := []*core.Recommendation{
		{Kind: core.RecDelegate, Title: "Delegate A", Explanation: "e", Tasks: []core.TaskRef{{ID: "t1", Title: "A"}}, HoursFreed: 4, Key: "delegate:t1"},
		{Kind: core.RecReschedule, Title: "Move B", Explanation: "e", Tasks: []core.TaskRef{{ID: "t2", Title: "B", NewDeadline: &dl}}, HoursFreed: 2, Key: "reschedule:t2"},
		{Kind: core.RecFocusBlock, Title: "Focus", Explanation: "e", Slot: &core.Slot{Start: at, End: at.Add(2 * time.Hour)}, Key: "focus_block:2026-03-02"},
	}
	if err := db.ReplaceRecommendations(ctx, u.ID, first); err != nil {
		t.Fatal(err)
	}
	open, _ := db.FindRecommendations(ctx, u.ID, core.RecOpen)
	if len(open) != 3 {
		t.Fatalf("open %d", len(open))
	}
	other := mustUser(t, db, "o@example.com")
	deny := func(r *core.Recommendation) error {
		if r.UserID != other.ID {
			return core.Errorf(core.ENOTFOUND, "Recommendation not found.")
		}
		return nil
	}
	if _, err := db.SetRecommendationFeedback(ctx, first[0].ID, core.RecDismissed, nil, deny); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("someone else's feedback: %v", err)
	}
	no := false
	got, err := db.SetRecommendationFeedback(ctx, first[0].ID, core.RecDismissed, &no, func(*core.Recommendation) error { return nil })
	if err != nil || got.Status != core.RecDismissed || got.Helpful == nil || *got.Helpful || got.FeedbackAt == nil {
		t.Fatalf("feedback %+v, %v", got, err)
	}
	if err := db.ReplaceRecommendations(ctx, u.ID, []*core.Recommendation{{Kind: core.RecSplit, Title: "Split C", Tasks: []core.TaskRef{{ID: "t3", Title: "C"}}, HoursFreed: 3, Key: "split:t3"}}); err != nil {
		t.Fatal(err)
	}
	open, _ = db.FindRecommendations(ctx, u.ID, core.RecOpen)
	dismissed, _ := db.FindRecommendations(ctx, u.ID, core.RecDismissed)
	superseded, _ := db.FindRecommendations(ctx, u.ID, core.RecSuperseded)
	if len(open) != 1 || open[0].Key != "split:t3" || len(dismissed) != 1 || dismissed[0].Key != "delegate:t1" || len(superseded) != 2 {
		t.Fatalf("open %d dismissed %d superseded %d", len(open), len(dismissed), len(superseded))
	}
	r, err := db.FindRecommendationByID(ctx, first[1].ID)
	if err != nil || r.Tasks[0].NewDeadline == nil || !r.Tasks[0].NewDeadline.Equal(dl) {
		t.Fatalf("task ref round trip %+v, %v", r, err)
	}
	f, _ := db.FindRecommendationByID(ctx, first[2].ID)
	if f.Slot == nil || !f.Slot.End.Equal(at.Add(2*time.Hour)) {
		t.Fatalf("slot %+v", f.Slot)
	}
	if _, err := db.FindRecommendationByID(ctx, "nope"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("unknown: %v", err)
	}
	// Deleting the user takes their recommendations with them.
	if err := db.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRowForTest(`SELECT count(*) FROM recommendations`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d recommendations left after deleting the user", n)
	}
}

func TestWorkloadTasksSelectsWhatMatters(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "w@example.com")
	now := time.Now().UTC().Truncate(time.Millisecond)
	old := now.Add(-200 * 24 * time.Hour)
	recent := now.Add(-24 * time.Hour)
	mk := func(title, status string, mut func(*core.Task)) {
		tk := newTask(u.ID, title)
		tk.Status = status
		if mut != nil {
			mut(tk)
		}
		if err := db.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	mk("open", core.StatusTodo, nil)
	mk("old done", core.StatusDone, func(t *core.Task) { t.CompletedAt = &old })
	mk("recent done", core.StatusDone, func(t *core.Task) { t.CompletedAt = &recent })
	mk("old meeting", core.StatusTodo, func(t *core.Task) {
		t.TaskType, t.StartTime = core.TaskTypeMeeting, &old
		e := old.Add(time.Hour)
		t.EndTime = &e
		t.Status = core.StatusDone
	})
	tasks, err := db.WorkloadTasks(ctx, u.ID, now.Add(-90*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, tk := range tasks {
		got[tk.Title] = true
	}
	if len(tasks) != 2 || !got["open"] || !got["recent done"] {
		t.Fatalf("workload tasks %v", got)
	}
}
