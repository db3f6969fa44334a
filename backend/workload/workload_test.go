package workload

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
)

// Monday 2 March 2026, 08:00 UTC: the personas' "now".
var monday = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

type builder struct {
	n     int
	tasks []*core.Task
}

func (b *builder) id() string { b.n++; return fmt.Sprintf("t%03d", b.n) }

// task adds an open task of h hours due dueDays after monday at 17:00.
func (b *builder) task(title string, h float64, dueDays int, mut ...func(*core.Task)) *core.Task {
	due := time.Date(2026, 3, 2+dueDays, 17, 0, 0, 0, time.UTC)
	t := &core.Task{ID: b.id(), Title: title, Status: core.StatusTodo, Priority: core.PriorityMedium, TaskType: core.TaskTypeTask,
		EstimatedHours: ptr(h), Deadline: &due}
	for _, m := range mut {
		m(t)
	}
	b.tasks = append(b.tasks, t)
	return t
}

// meeting adds a meeting on day d (0 = monday) from hour to hour.
func (b *builder) meeting(title string, d int, from, to float64, mut ...func(*core.Task)) *core.Task {
	s := time.Date(2026, 3, 2+d, 0, 0, 0, 0, time.UTC).Add(time.Duration(from * float64(time.Hour)))
	e := time.Date(2026, 3, 2+d, 0, 0, 0, 0, time.UTC).Add(time.Duration(to * float64(time.Hour)))
	t := &core.Task{ID: b.id(), Title: title, Status: core.StatusTodo, Priority: core.PriorityMedium, TaskType: core.TaskTypeMeeting,
		StartTime: &s, EndTime: &e}
	for _, m := range mut {
		m(t)
	}
	b.tasks = append(b.tasks, t)
	return t
}

// done adds a task finished daysAgo days before monday at the given hour.
func (b *builder) done(title string, daysAgo int, hour int) {
	at := time.Date(2026, 3, 2-daysAgo, hour, 0, 0, 0, time.UTC)
	b.tasks = append(b.tasks, &core.Task{ID: b.id(), Title: title, Status: core.StatusDone, Priority: core.PriorityMedium,
		TaskType: core.TaskTypeTask, EstimatedHours: ptr(2.0), ActualHours: ptr(3.0), CompletedAt: &at, Deadline: &at})
}

func input(tasks []*core.Task) Input {
	return Input{Profile: core.DefaultProfile("u1"), Preferences: core.DefaultPreferences("u1"), Constraints: core.DefaultConstraints("u1"),
		Tasks: tasks, Now: monday}
}

func overdueBy(days int) func(*core.Task) {
	return func(t *core.Task) {
		d := monday.Add(-time.Duration(days) * 24 * time.Hour)
		t.Deadline = &d
	}
}

func personas() map[string]struct {
	tasks  []*core.Task
	checks []*core.CheckIn
	levels []string
} {
	out := map[string]struct {
		tasks  []*core.Task
		checks []*core.CheckIn
		levels []string
	}{}
	{ // balanced: 25 h of tasks over the week, a daily stand-up, a free afternoon each day
		b := &builder{}
		for i := range 5 {
			b.task(fmt.Sprintf("Piece %d", i), 4, i)
			b.meeting("Stand-up", i, 9.5, 10)
		}
		b.task("Report", 5, 11)
		for i := range 6 {
			b.done("Old work", i+1, 14)
		}
		out["balanced"] = struct {
			tasks  []*core.Task
			checks []*core.CheckIn
			levels []string
		}{b.tasks, nil, []string{core.LevelLow}}
	}
	{ // overloaded: 70 h of work due this week, five overdue tasks, meetings daily
		b := &builder{}
		for i := range 10 {
			b.task(fmt.Sprintf("Deliverable %d", i), 7, i%5)
		}
		for i := range 5 {
			b.task(fmt.Sprintf("Late item %d", i), 3, 0, overdueBy(4+i))
			b.meeting("Sync", i, 13, 14.5)
		}
		out["overloaded"] = struct {
			tasks  []*core.Task
			checks []*core.CheckIn
			levels []string
		}{b.tasks, nil, []string{core.LevelHigh, core.LevelCritical}}
	}
	{ // overloaded and saying so: critical
		b := &builder{}
		for i := range 10 {
			b.task(fmt.Sprintf("Deliverable %d", i), 7, i%5)
		}
		for i := range 5 {
			b.task(fmt.Sprintf("Late item %d", i), 3, 0, overdueBy(4+i))
			b.meeting("Late call", i, 19, 21)
		}
		cbi := 80.0
		tone := -0.8
		out["overloaded with a bad check-in"] = struct {
			tasks  []*core.Task
			checks []*core.CheckIn
			levels []string
		}{b.tasks, []*core.CheckIn{{CBIScore: &cbi, Tone: &tone, RecordedAt: monday.Add(-24 * time.Hour)}}, []string{core.LevelCritical}}
	}
	{ // meeting-heavy: six hours of back-to-back meetings a day, no focus block
		b := &builder{}
		for d := range 5 {
			for _, h := range []float64{9, 10, 11, 13, 14, 15} {
				b.meeting("Meeting", d, h, h+1)
			}
		}
		b.task("Write-up", 8, 4)
		out["meeting-heavy"] = struct {
			tasks  []*core.Task
			checks []*core.CheckIn
			levels []string
		}{b.tasks, nil, []string{core.LevelModerate, core.LevelHigh}}
	}
	{ // after-hours worker: evening calls and tasks finished late at night
		b := &builder{}
		for d := range 4 {
			b.meeting("Evening call", d, 19, 21)
		}
		for i := range 5 {
			b.task(fmt.Sprintf("Work %d", i), 6, 4)
		}
		for i := range 8 {
			b.done("Night work", i+1, 23)
		}
		out["after-hours worker"] = struct {
			tasks  []*core.Task
			checks []*core.CheckIn
			levels []string
		}{b.tasks, nil, []string{core.LevelModerate, core.LevelHigh}}
	}
	out["idle"] = struct {
		tasks  []*core.Task
		checks []*core.CheckIn
		levels []string
	}{nil, nil, []string{core.LevelLow}}
	return out
}

func TestPersonasReachTheirLevels(t *testing.T) {
	for name, p := range personas() {
		t.Run(name, func(t *testing.T) {
			in := input(p.tasks)
			in.CheckIns = p.checks
			a := Analysis(in)
			ok := false
			for _, l := range p.levels {
				ok = ok || a.Level == l
			}
			if !ok {
				t.Errorf("level %s (score %.1f), want one of %v", a.Level, a.Score, p.levels)
				for _, f := range a.Factors {
					t.Logf("  %-13s value %6.2f contribution %5.1f / %2.0f  %s", f.Name, f.Value, f.Contribution, f.Weight, f.Explanation)
				}
			}
			var sum float64
			for _, f := range a.Factors {
				if f.Contribution < 0 || f.Contribution > f.Weight+1e-9 {
					t.Errorf("factor %s contributes %.1f of %.0f", f.Name, f.Contribution, f.Weight)
				}
				if f.Explanation == "" {
					t.Errorf("factor %s has no explanation", f.Name)
				}
				sum += f.Contribution
			}
			if math.Abs(sum-a.Score) > 0.051 {
				t.Errorf("contributions sum to %.2f, score %.2f", sum, a.Score)
			}
			if a.Score < 0 || a.Score > 100 || len(a.Forecast) != 14 {
				t.Errorf("score %.1f, forecast %d days", a.Score, len(a.Forecast))
			}
		})
	}
}

func TestWeightsSumTo100(t *testing.T) {
	var sum float64
	for _, w := range Weights {
		sum += w
	}
	if sum != 100 || len(Weights) != len(factorOrder) {
		t.Fatalf("weights sum to %v over %d factors", sum, len(Weights))
	}
}

// Adding work — a task, a meeting, an overdue item, an after-hours call —
// never lowers the score.
func TestAddingOverloadNeverLowersTheScore(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	add := func(b *builder) {
		switch rng.Intn(5) {
		case 0:
			b.task("more", float64(rng.Intn(12)+1)/2, rng.Intn(20))
		case 1:
			h := 7 + float64(rng.Intn(28))/2
			b.meeting("meet", rng.Intn(10), h, h+float64(rng.Intn(4)+1)/2)
		case 2:
			b.task("late", float64(rng.Intn(8)+1), 0, overdueBy(rng.Intn(20)+1))
		case 3:
			b.task("undated", float64(rng.Intn(10)+1), 0, func(t *core.Task) { t.Deadline = nil })
		case 4:
			b.meeting("optional", rng.Intn(7), 18, 20, func(t *core.Task) { t.IsOptional = true })
		}
	}
	for trial := range 200 {
		b := &builder{}
		for range rng.Intn(15) {
			add(b)
		}
		prev := Analysis(input(append([]*core.Task(nil), b.tasks...))).Score
		for step := range 6 {
			add(b)
			cur := Analysis(input(append([]*core.Task(nil), b.tasks...)))
			if cur.Score+1e-9 < prev {
				last := b.tasks[len(b.tasks)-1]
				t.Fatalf("trial %d step %d: adding %q (%s) lowered the score %.1f → %.1f", trial, step, last.Title, last.TaskType, prev, cur.Score)
			}
			prev = cur.Score
		}
	}
}

// follow applies recommendations to a copy of the tasks as a user would.
func follow(tasks []*core.Task, recs []*core.Recommendation) []*core.Task {
	by := map[string]*core.Recommendation{}
	for _, r := range recs {
		for _, ref := range r.Tasks {
			by[ref.ID] = r
		}
	}
	var out []*core.Task
	for _, t := range tasks {
		r, ok := by[t.ID]
		if !ok {
			out = append(out, t)
			continue
		}
		c := *t
		switch r.Kind {
		case core.RecDelegate:
			c.Status = core.StatusCancelled // handed over: off the user's plate
		case core.RecSkipMeeting:
			c.Status = core.StatusCancelled
		case core.RecReschedule:
			c.Deadline = r.Tasks[0].NewDeadline
		case core.RecSplit:
			// As the dashboard does: the parts become tasks, the original is cancelled.
			c.Status = core.StatusCancelled
			for i, part := range r.Tasks[0].Parts {
				dl := part.Deadline
				out = append(out, &core.Task{ID: fmt.Sprintf("%s-part%d", t.ID, i+1), Title: part.Title, Status: core.StatusTodo,
					Priority: t.Priority, TaskType: core.TaskTypeTask, EstimatedHours: ptr(part.EstimatedHours), Deadline: &dl})
			}
		}
		out = append(out, &c)
	}
	return out
}

func TestFollowingRecommendationsBringsTheForecastUnderCapacity(t *testing.T) {
	b := &builder{}
	// 56 h due this week against 40 h: some delegable, some low priority,
	// an optional meeting, an overdue chunk.
	b.task("Quarterly deck", 10, 2, func(t *core.Task) { t.CanDelegate = true })
	b.task("Vendor review", 8, 3, func(t *core.Task) { t.Priority = core.PriorityLow })
	b.task("Budget", 12, 4, func(t *core.Task) { t.Priority = core.PriorityHigh })
	b.task("Hiring notes", 6, 1, func(t *core.Task) { t.CanDelegate = true })
	b.task("Migration plan", 9, 0, overdueBy(3), func(t *core.Task) { t.Priority = core.PriorityUrgent })
	b.task("Docs", 5, 4, func(t *core.Task) { t.Priority = core.PriorityLow })
	b.meeting("All-hands (optional)", 1, 14, 16, func(t *core.Task) { t.IsOptional = true })
	b.meeting("1:1", 2, 10, 11)
	in := input(b.tasks)
	before := Forecast(in)
	over := 0
	for _, d := range before {
		if d.OverCapacity {
			over++
		}
	}
	if over == 0 {
		t.Fatal("setup: the persona is not over capacity")
	}
	p := Recommend(in, LearnFeedback(nil, monday))
	if len(p.Recommendations) == 0 || p.ExcessHoursBefore <= 0 || p.ExcessHoursAfter > 0.05 {
		t.Fatalf("plan: %d recommendations, excess %.1f → %.1f", len(p.Recommendations), p.ExcessHoursBefore, p.ExcessHoursAfter)
	}
	kinds := map[string]bool{}
	for _, r := range p.Recommendations {
		kinds[r.Kind] = true
		if r.Title == "" || r.Explanation == "" || r.Key == "" {
			t.Errorf("incomplete recommendation %+v", r)
		}
		if r.Kind != core.RecFocusBlock && (len(r.Tasks) != 1 || r.HoursFreed <= 0) {
			t.Errorf("%s: tasks %v, hours freed %.1f", r.Kind, r.Tasks, r.HoursFreed)
		}
		if r.Kind == core.RecReschedule {
			for _, ref := range r.Tasks {
				if ref.ID == "t003" || ref.ID == "t005" {
					t.Errorf("rescheduled a high/urgent task: %+v", r)
				}
			}
		}
		t.Logf("%-12s %-60s %.1f h — %s", r.Kind, r.Title, r.HoursFreed, r.Explanation)
	}
	after := Forecast(input(follow(b.tasks, p.Recommendations)))
	for _, d := range after {
		if d.OverCapacity {
			t.Errorf("after following: %s planned %.1f > capacity %.1f", d.Date, d.PlannedHours, d.CapacityHours)
		}
	}
	if !kinds[core.RecDelegate] || len(kinds) < 2 {
		t.Errorf("expected delegation and another kind among %v", kinds)
	}
}

func TestSplitProposesDailyParts(t *testing.T) {
	b := &builder{}
	b.task("Migration plan", 9, 0, overdueBy(3), func(t *core.Task) { t.Priority = core.PriorityUrgent })
	b.task("Budget", 30, 1, func(t *core.Task) { t.Priority = core.PriorityHigh })
	in := input(b.tasks)
	p := Recommend(in, LearnFeedback(nil, monday))
	var split *core.Recommendation
	for _, r := range p.Recommendations {
		if r.Kind == core.RecSplit {
			split = r
		}
	}
	if split == nil {
		t.Fatalf("no split among %d recommendations", len(p.Recommendations))
	}
	ref := split.Tasks[0]
	if ref.NewDeadline == nil || len(ref.Parts) < 2 {
		t.Fatalf("split without parts: %+v", ref)
	}
	n := len(ref.Parts)
	var sum float64
	for i, part := range ref.Parts {
		sum += part.EstimatedHours
		if want := fmt.Sprintf("Migration plan (part %d of %d)", i+1, n); part.Title != want {
			t.Errorf("part %d title %q, want %q", i+1, part.Title, want)
		}
		if i > 0 && !part.Deadline.After(ref.Parts[i-1].Deadline) {
			t.Errorf("part %d due %s, not after part %d", i+1, part.Deadline, i)
		}
		if wd := part.Deadline.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("part %d due on a %s", i+1, wd)
		}
	}
	if math.Abs(sum-9) > 0.011 {
		t.Errorf("parts add up to %.2f h, want 9", sum)
	}
	if !ref.Parts[n-1].Deadline.Equal(*ref.NewDeadline) {
		t.Errorf("last part due %s, new deadline %s", ref.Parts[n-1].Deadline, *ref.NewDeadline)
	}
	for i, part := range ref.Parts {
		if n > 1 && part.EstimatedHours < minPartHours-0.011 {
			t.Errorf("part %d holds %.2f h, under %.1f h", i+1, part.EstimatedHours, minPartHours)
		}
	}
	if want := fmt.Sprintf("into %d parts", n); !strings.Contains(split.Title, want) {
		t.Errorf("title %q does not say %q", split.Title, want)
	}
	for _, r := range p.Recommendations {
		if r.Kind != core.RecSplit {
			for _, ref := range r.Tasks {
				if len(ref.Parts) > 0 {
					t.Errorf("%s carries parts", r.Kind)
				}
			}
		}
	}
}

func TestFeedbackChangesWhatIsSuggested(t *testing.T) {
	b := &builder{}
	b.task("Deck", 10, 1, func(t *core.Task) { t.CanDelegate = true })
	b.task("Notes", 10, 1, func(t *core.Task) { t.CanDelegate = true; t.Priority = core.PriorityLow })
	b.task("Core", 10, 1, func(t *core.Task) { t.Priority = core.PriorityHigh })
	in := input(b.tasks)
	first := Recommend(in, LearnFeedback(nil, monday))
	var dismissed []*core.Recommendation
	for _, r := range first.Recommendations {
		if r.Kind == core.RecDelegate {
			r.Status = core.RecDismissed
			at := monday
			r.FeedbackAt = &at
			dismissed = append(dismissed, r)
		}
	}
	if len(dismissed) == 0 {
		t.Fatalf("no delegate suggestion to dismiss: %+v", first.Recommendations)
	}
	fb := LearnFeedback(dismissed, monday)
	if fb.Weights[core.RecDelegate] >= 1 {
		t.Fatalf("dismissals did not lower the delegate weight: %v", fb.Weights)
	}
	second := Recommend(in, fb)
	for _, r := range second.Recommendations {
		for _, d := range dismissed {
			if r.Key == d.Key {
				t.Errorf("re-suggested a dismissed recommendation: %s", r.Title)
			}
		}
	}
	// "Notes" is low priority: it can still be moved instead of delegated.
	found := false
	for _, r := range second.Recommendations {
		found = found || (r.Kind == core.RecReschedule && r.Tasks[0].Title == "Notes")
	}
	if !found {
		t.Errorf("expected a reschedule of Notes after the delegation was dismissed: %+v", second.Recommendations)
	}
}

func TestFocusBlockSuggestedWhenFocusIsScarce(t *testing.T) {
	b := &builder{}
	for d := range 5 {
		b.meeting("AM", d, 9, 10.5)
		b.meeting("PM", d, 12, 14)
		b.meeting("Late", d, 15.5, 16)
	}
	p := Recommend(input(b.tasks), Feedback{})
	var fb *core.Recommendation
	for _, r := range p.Recommendations {
		if r.Kind == core.RecFocusBlock {
			fb = r
		}
	}
	if fb == nil || fb.Slot == nil || fb.Slot.End.Sub(fb.Slot.Start) < time.Hour {
		t.Fatalf("no usable focus block: %+v", p.Recommendations)
	}
}

func TestMetricsFigures(t *testing.T) {
	b := &builder{}
	b.task("Due Wed", 6, 2)                                           // 2 h Mon, Tue, Wed
	b.task("Overdue", 3, 0, overdueBy(2))                             // all on Monday
	b.task("Undated", 10, 0, func(t *core.Task) { t.Deadline = nil }) // 1 h on each of 10 working days
	b.meeting("A", 0, 10, 11)
	b.meeting("B", 0, 11, 12)         // back-to-back with A
	b.meeting("Evening", 1, 18, 19.5) // after hours
	b.done("Late night", 3, 23)
	b.done("Afternoon", 4, 15)
	in := input(b.tasks)
	in.Constraints.DaysOff = []string{"2026-03-06"} // Friday off
	m := Compute(in, monday, 7)
	mon, tue, fri, sat := m.Days[0], m.Days[1], m.Days[4], m.Days[5]
	want := func(name string, got, exp float64) {
		t.Helper()
		if math.Abs(got-exp) > 0.011 {
			t.Errorf("%s = %.2f, want %.2f", name, got, exp)
		}
	}
	want("monday capacity", mon.CapacityHours, 8)
	want("friday capacity (day off)", fri.CapacityHours, 0)
	want("saturday capacity", sat.CapacityHours, 0)
	want("monday planned", mon.PlannedHours, 2+3+1+2)
	want("monday meetings", mon.MeetingHours, 2)
	want("tuesday after hours", tue.AfterHoursHours, 1.5)
	if mon.BackToBack != 1 || m.Totals.BackToBack != 1 {
		t.Errorf("back-to-back %d / %d", mon.BackToBack, m.Totals.BackToBack)
	}
	if m.Overdue.Count != 1 || m.Overdue.MaxAgeDays < 1.9 {
		t.Errorf("overdue %+v", m.Overdue)
	}
	if m.Deadlines.Next7Days != 1 {
		t.Errorf("deadlines %+v", m.Deadlines)
	}
	// Monday: meetings 10–12 leave 9–10 and 12–17: one 5 h focus block.
	if mon.FocusBlocks != 1 || mon.FocusHours != 5 {
		t.Errorf("monday focus %d blocks %.1f h", mon.FocusBlocks, mon.FocusHours)
	}
	if m.AfterHours.Completions14d != 1 || m.AfterHours.CompletionShare14d != 0.5 {
		t.Errorf("after hours %+v", m.AfterHours)
	}
	if m.Behavior.EstimateRatio == nil || *m.Behavior.EstimateRatio != 1.5 || m.Behavior.EstimateSamples != 2 {
		t.Errorf("behaviour %+v", m.Behavior)
	}
	if len(m.Weeks) != 1 || m.Weeks[0].Week != "2026-W10" || m.Weeks[0].CapacityHours != 32 {
		t.Errorf("weeks %+v", m.Weeks)
	}
}

func TestTimeZoneAndFixedCommitments(t *testing.T) {
	in := input(nil)
	in.Profile.Timezone = "America/New_York"
	in.Profile.WorkingHours = core.WorkingHours{Start: "08:00", End: "18:00"}
	in.Constraints.MaxWeeklyHours = 45
	in.Constraints.FixedCommitments = []core.FixedCommitment{{Title: "School run", Weekday: 3, Start: "08:00", End: "09:30"}}
	m := Compute(in, time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), 7)
	// 45 h over 5 days = 9 h a day (window is 10 h); Wednesday loses 1.5 h.
	if m.Days[0].CapacityHours != 9 || m.Days[2].CapacityHours != 7.5 {
		t.Fatalf("capacity %+v", m.Days[:3])
	}
	// 08:00 UTC Monday is 03:00 Monday in New York.
	if m.Start != "2026-03-02" {
		t.Fatalf("start %s", m.Start)
	}
}

func TestScoreCBI(t *testing.T) {
	cases := []struct {
		name    string
		answers []int
		want    float64
		bad     bool
	}{
		{"worst", []int{1, 1, 1, 1, 1, 1, 5}, 100, false},
		{"best", []int{5, 5, 5, 5, 5, 5, 1}, 0, false},
		{"middle", []int{3, 3, 3, 3, 3, 3, 3}, 50, false},
		{"item 7 reversed", []int{2, 2, 2, 2, 2, 2, 2}, (75*6 + 25) / 7.0, false},
		{"three answered", []int{1, 0, 0, 3, 0, 0, 1}, (100 + 50 + 0) / 3.0, false},
		{"two answered", []int{1, 0, 0, 3, 0, 0, 0}, 0, true},
		{"out of range", []int{6, 1, 1, 1, 1, 1, 1}, 0, true},
		{"six items", []int{1, 1, 1, 1, 1, 1}, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ScoreCBI(c.answers)
			if c.bad {
				if core.ErrorCode(err) != core.EINVALID {
					t.Fatalf("want invalid, got %v", err)
				}
				return
			}
			if err != nil || math.Abs(got-c.want) > 0.051 {
				t.Fatalf("ScoreCBI = %v, %v; want %.2f", got, err, c.want)
			}
		})
	}
}

func TestLexiconTone(t *testing.T) {
	cases := []struct {
		name, text, label string
	}{
		{"strain", "I'm completely exhausted and overwhelmed, drowning in deadlines.", "negative"},
		{"wellbeing", "Feeling rested and productive, the week is manageable.", "positive"},
		{"neutral", "Worked on the quarterly report today.", "neutral"},
		{"negated strain", "Not stressed at all, actually quite relaxed.", "positive"},
		{"negated wellbeing", "I don't feel rested, not motivated.", "negative"},
		{"phrase", "Honestly I am burnt out.", "negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tone := LexiconTone(c.text)
			if got := ToneLabel(tone); got != c.label || tone < -1 || tone > 1 {
				t.Fatalf("%q: tone %.2f (%s), want %s", c.text, tone, got, c.label)
			}
		})
	}
}

// A small task is not cut into slivers: 2.5 h over two working weeks
// makes two parts, the last on the deadline, adding up to 2.5 h.
func TestSplitPartsAreWorthStarting(t *testing.T) {
	b := &builder{}
	task := b.task("Expenses", 2.5, 0, overdueBy(2))
	in := input(b.tasks)
	c := newCalendar(&in)
	deadline := time.Date(2026, 3, 13, 17, 0, 0, 0, time.UTC) // Friday of next week
	parts := splitParts(c, task, deadline)
	if len(parts) != 2 {
		t.Fatalf("%d parts: %+v", len(parts), parts)
	}
	if parts[0].EstimatedHours < minPartHours || parts[1].EstimatedHours < minPartHours ||
		math.Abs(parts[0].EstimatedHours+parts[1].EstimatedHours-2.5) > 0.011 {
		t.Fatalf("hours: %+v", parts)
	}
	if !parts[1].Deadline.Equal(deadline) || !parts[0].Deadline.Before(parts[1].Deadline) {
		t.Fatalf("deadlines: %+v", parts)
	}
	if wd := parts[0].Deadline.Weekday(); wd == time.Saturday || wd == time.Sunday {
		t.Fatalf("first part on a %s", wd)
	}
}

// The break a user wants between meetings decides what is back-to-back.
func TestBackToBackFollowsTheWantedBreak(t *testing.T) {
	b := &builder{}
	b.meeting("Stand-up", 1, 10, 10.5)
	b.meeting("Review", 1, 10+40.0/60, 11.5) // 10 minutes later
	in := input(b.tasks)
	if s := Collect(in); s.BackToBack != 0 {
		t.Fatalf("10 minutes apart counted back-to-back by default: %d", s.BackToBack)
	}
	in = input(b.tasks)
	in.Preferences.MeetingPreferences = map[string]any{"buffer_minutes": 15.0}
	s := Collect(in)
	if s.BackToBack != 1 {
		t.Fatalf("with a 15-minute break wanted: %d back-to-back", s.BackToBack)
	}
	_, factors := Score(s)
	for _, f := range factors {
		if f.Name == FactorBackToBack && !strings.Contains(f.Explanation, "within 15 minutes") {
			t.Fatalf("explanation %q", f.Explanation)
		}
	}
	// A silly value is ignored.
	in = input(b.tasks)
	in.Preferences.MeetingPreferences = map[string]any{"buffer_minutes": "lots"}
	if s := Collect(in); s.BackToBack != 0 {
		t.Fatalf("non-number buffer used: %d", s.BackToBack)
	}
}

// A deadline without a time (local midnight) is due by the end of that
// day: a task due today is not late today, one due yesterday is, and the
// explanation counts in words ("1 open task is past its deadline").
func TestDateOnlyDeadlinesAreDueByTheEndOfTheDay(t *testing.T) {
	b := &builder{}
	today := time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, time.UTC)
	yesterday := today.AddDate(0, 0, -1)
	b.task("Water the plants", 1, 0, func(t *core.Task) { t.Deadline = &today })
	b.task("Pay the invoice", 1, 0, func(t *core.Task) { t.Deadline = &yesterday })
	m := Compute(input(b.tasks), monday, 7)
	if m.Overdue.Count != 1 || m.Overdue.Tasks[0].Title != "Pay the invoice" {
		t.Fatalf("overdue %+v", m.Overdue)
	}
	if want := monday.Sub(today).Hours() / 24; math.Abs(m.Overdue.Tasks[0].AgeDays-math.Round(want*10)/10) > 0.05 {
		t.Fatalf("age %.2f days, want %.2f (from the end of the due day)", m.Overdue.Tasks[0].AgeDays, want)
	}
	if m.Deadlines.Next7Days != 1 {
		t.Fatalf("the task due today is a deadline ahead: %+v", m.Deadlines)
	}
	_, factors := Score(Collect(input(b.tasks)))
	seen := false
	for _, f := range factors {
		seen = seen || f.Name == FactorOverdue
		if f.Name == FactorOverdue && !strings.HasPrefix(f.Explanation, "1 open task is past its deadline") {
			t.Fatalf("explanation %q", f.Explanation)
		}
	}
	if !seen {
		t.Fatal("no overdue factor")
	}
}
