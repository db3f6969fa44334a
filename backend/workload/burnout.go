package workload

import (
	"fmt"
	"math"
	"time"

	"sentry/backend/core"
)

// Factor names and the most each can contribute; the weights sum to 100,
// so the score is the plain sum of contributions.
const (
	FactorWorkload   = "workload"
	FactorOverdue    = "overdue"
	FactorDeadlines  = "deadlines"
	FactorMeetings   = "meetings"
	FactorBackToBack = "back_to_back"
	FactorAfterHours = "after_hours"
	FactorFocus      = "focus_time"
	FactorCBI        = "cbi_work"
	FactorTone       = "checkin_tone"
)

// Weights are the most each factor can add to the score.
var Weights = map[string]float64{
	FactorWorkload: 34, FactorOverdue: 14, FactorDeadlines: 8, FactorMeetings: 10, FactorBackToBack: 4,
	FactorAfterHours: 15, FactorFocus: 3, FactorCBI: 9, FactorTone: 3,
}

var factorOrder = []string{FactorWorkload, FactorOverdue, FactorDeadlines, FactorMeetings, FactorBackToBack,
	FactorAfterHours, FactorFocus, FactorCBI, FactorTone}

// Signals are the inputs of the burnout model, all over the next 7 days
// unless named otherwise.
type Signals struct {
	// GapMinutes: meetings closer than this are back-to-back (the user's
	// wanted break, at least 5).
	GapMinutes    int
	PlannedHours  float64
	CapacityHours float64
	// Load is planned ÷ capacity (+Inf when work is planned with no capacity).
	Load                 float64
	OverdueCount         int
	OverdueMeanAge       float64
	Deadlines7           int
	BusiestDeadlineDay   int
	MeetingHours         float64
	MeetingShare         float64
	BackToBack           int
	AfterHoursHours      float64
	AfterHoursShare14d   float64
	AfterHoursDone14d    int
	FocusHours           float64
	FocusExpected        float64
	WorkingDays          int
	CBI                  *float64
	CBIAt                *time.Time
	Tone                 *float64
	ToneCheckIns         int
	FocusBlockMinutes    int
	DaysWithoutFocus     int
	OverCapacityDays     int
	ExcessHours          float64
	UnestimatedOpenTasks int
}

func clamp01(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return math.Max(0, math.Min(1, f))
}

// Collect measures the signals of the 7 days from in.Now.
func Collect(in Input) Signals {
	c := newCalendar(&in)
	plan := c.plan(in.Tasks, 7)
	var s Signals
	s.FocusBlockMinutes = c.focusMin
	for _, p := range plan {
		s.PlannedHours += p.planned()
		s.CapacityHours += p.capacity
		s.MeetingHours += p.meetHours
		s.ExcessHours += p.excess()
		if p.planned() > p.capacity+0.01 {
			s.OverCapacityDays++
		}
		if p.capacity > 0 {
			s.WorkingDays++
			fh, fb := c.focus(in.Tasks, p.date)
			s.FocusHours += fh
			if fb == 0 {
				s.DaysWithoutFocus++
			}
		}
	}
	s.Load = ratio(s.PlannedHours, s.CapacityHours)
	s.MeetingShare = ratio(s.MeetingHours, s.CapacityHours)
	// Expect a focus block on at least half the working days.
	s.FocusExpected = float64(c.focusMin) / 60 * float64(s.WorkingDays) / 2
	end := c.day(7)
	s.BackToBack = backToBack(in.Tasks, in.Now, end, c.gap)
	s.GapMinutes = int(c.gap / time.Minute)
	for _, t := range in.Tasks {
		if isMeeting(t) {
			m := interval{maxTime(*t.StartTime, c.today), minTime(*t.EndTime, end)}
			if m.end.After(m.start) {
				s.AfterHoursHours += c.afterHours(m)
			}
		}
	}
	o := overdue(c, in.Tasks)
	s.OverdueCount, s.OverdueMeanAge = o.Count, o.MeanAgeDays
	d := deadlines(c, in.Tasks)
	s.Deadlines7, s.BusiestDeadlineDay = d.Next7Days, d.BusiestDayCount
	a := afterHoursSummary(c, in.Tasks)
	s.AfterHoursShare14d, s.AfterHoursDone14d = a.CompletionShare14d, a.Completions14d
	for _, t := range in.Tasks {
		if isOpen(t) && t.TaskType != core.TaskTypeMeeting && t.EstimatedHours == nil {
			s.UnestimatedOpenTasks++
		}
	}
	// The latest questionnaire of the last 30 days; the mean tone of the
	// last 14 days' notes.
	var toneSum float64
	for _, ci := range in.CheckIns {
		age := in.Now.Sub(ci.RecordedAt)
		if ci.CBIScore != nil && age <= 30*24*time.Hour && (s.CBIAt == nil || ci.RecordedAt.After(*s.CBIAt)) {
			v, at := *ci.CBIScore, ci.RecordedAt
			s.CBI, s.CBIAt = &v, &at
		}
		if ci.Tone != nil && age <= 14*24*time.Hour {
			toneSum += *ci.Tone
			s.ToneCheckIns++
		}
	}
	if s.ToneCheckIns > 0 {
		t := toneSum / float64(s.ToneCheckIns)
		s.Tone = &t
	}
	return s
}

// Score turns signals into factors whose contributions sum to the score.
// Every sub-score is a non-decreasing function of its signal, so more
// work, meetings or overdue tasks never lower the score.
func Score(s Signals) (float64, []core.Factor) {
	sub := map[string]float64{}
	val := map[string]float64{}
	why := map[string]string{}

	val[FactorWorkload] = jsonRatio(s.Load)
	sub[FactorWorkload] = clamp01((s.Load - 0.85) / (1.5 - 0.85))
	why[FactorWorkload] = fmt.Sprintf("%.1f h planned against %.1f h of capacity in the next 7 days (%s). Counts from 85%% and is full at 150%%.",
		s.PlannedHours, s.CapacityHours, pct(s.Load))
	if s.OverCapacityDays > 0 {
		why[FactorWorkload] += fmt.Sprintf(" %s over capacity by %.1f h in all.", count(s.OverCapacityDays, "day is", "days are"), s.ExcessHours)
	}

	val[FactorOverdue] = float64(s.OverdueCount)
	if s.OverdueCount > 0 {
		sub[FactorOverdue] = clamp01(0.7*math.Min(1, float64(s.OverdueCount)/5) + 0.3*math.Min(1, s.OverdueMeanAge/14))
		why[FactorOverdue] = fmt.Sprintf("%s past %s deadline, %.1f days on average. Full at 5 tasks two weeks overdue.", count(s.OverdueCount, "open task is", "open tasks are"), plural(s.OverdueCount, "its", "their"), s.OverdueMeanAge)
	} else {
		why[FactorOverdue] = "Nothing is overdue."
	}

	val[FactorDeadlines] = float64(s.Deadlines7)
	sub[FactorDeadlines] = math.Max(clamp01(float64(s.Deadlines7-2)/8), clamp01(float64(s.BusiestDeadlineDay-1)/4))
	why[FactorDeadlines] = fmt.Sprintf("%s in the next 7 days, at most %d on one day. Counts from 3 deadlines a week or 2 on a day.",
		count(s.Deadlines7, "deadline", "deadlines"), s.BusiestDeadlineDay)

	val[FactorMeetings] = jsonRatio(s.MeetingShare)
	sub[FactorMeetings] = clamp01((s.MeetingShare - 0.25) / (0.6 - 0.25))
	why[FactorMeetings] = fmt.Sprintf("%.1f h of meetings in the next 7 days, %s of your capacity. Counts from 25%% and is full at 60%%.",
		s.MeetingHours, pct(s.MeetingShare))

	val[FactorBackToBack] = float64(s.BackToBack)
	sub[FactorBackToBack] = clamp01(float64(s.BackToBack) / 8)
	why[FactorBackToBack] = fmt.Sprintf("%s within %d minutes of another ending (or overlap one). Full at 8 such meetings a week.", count(s.BackToBack, "meeting starts", "meetings start"), max(s.GapMinutes, int(BackToBackGap/time.Minute)))

	val[FactorAfterHours] = round2(s.AfterHoursHours)
	shareSub := 0.0
	if s.AfterHoursDone14d >= 3 {
		shareSub = clamp01((s.AfterHoursShare14d - 0.1) / 0.4)
	}
	sub[FactorAfterHours] = math.Max(clamp01(s.AfterHoursHours/6), shareSub)
	why[FactorAfterHours] = fmt.Sprintf("%.1f h of meetings outside your working hours in the next 7 days; %s finished outside working hours in the last 14 days (%s of those finished). Full at 6 h a week or half of your tasks finished after hours.",
		s.AfterHoursHours, count(s.AfterHoursDone14d, "task", "tasks"), pct(s.AfterHoursShare14d))

	val[FactorFocus] = round2(s.FocusHours)
	if s.FocusExpected > 0 {
		sub[FactorFocus] = 1 - clamp01(s.FocusHours/s.FocusExpected)
	}
	why[FactorFocus] = fmt.Sprintf("%.1f h in free blocks of at least %d minutes in the next 7 days; %s none. Zero when at least half your working days have one.",
		s.FocusHours, s.FocusBlockMinutes, count(s.DaysWithoutFocus, "working day has", "working days have"))

	if s.CBI != nil {
		val[FactorCBI] = round1(*s.CBI)
		sub[FactorCBI] = clamp01((*s.CBI - 25) / 50)
		why[FactorCBI] = fmt.Sprintf("Your last work-related burnout check-in (Copenhagen Burnout Inventory) scored %.1f of 100 on %s. Counts from 25 and is full at 75.",
			*s.CBI, s.CBIAt.UTC().Format("2 Jan"))
	} else {
		why[FactorCBI] = "No burnout questionnaire answered in the last 30 days; answering it adds how you feel to the score."
	}

	if s.Tone != nil {
		val[FactorTone] = round2(*s.Tone)
		sub[FactorTone] = clamp01(-*s.Tone / 0.6)
		why[FactorTone] = fmt.Sprintf("The tone of your %s of the last 14 days is %s (%.2f from −1 to +1). Counts when negative.",
			count(s.ToneCheckIns, "check-in note", "check-in notes"), ToneLabel(*s.Tone), *s.Tone)
	} else {
		why[FactorTone] = "No check-in notes in the last 14 days."
	}

	factors := make([]core.Factor, 0, len(factorOrder))
	var score float64
	for _, name := range factorOrder {
		c := round1(Weights[name] * sub[name])
		score += c
		factors = append(factors, core.Factor{Name: name, Value: val[name], Contribution: c, Weight: Weights[name], Explanation: why[name]})
	}
	return round1(math.Min(100, score)), factors
}

func pct(r float64) string {
	if math.IsInf(r, 1) {
		return "with no capacity"
	}
	return fmt.Sprintf("%.0f%%", r*100)
}

// Forecast lays what is scheduled over the next 14 days. A day's load is
// planned ÷ capacity over the 7 days starting that day; its level follows
// the load: under 80% low, under 100% moderate, under 125% high, else critical.
func Forecast(in Input) []core.ForecastDay {
	c := newCalendar(&in)
	plan := c.plan(in.Tasks, 21)
	out := make([]core.ForecastDay, 0, 14)
	for i := 0; i < 14; i++ {
		var planned, capacity float64
		for _, p := range plan[i : i+7] {
			planned += p.planned()
			capacity += p.capacity
		}
		load := ratio(planned, capacity)
		p := plan[i]
		out = append(out, core.ForecastDay{Date: p.date.Format(time.DateOnly), PlannedHours: round2(p.planned()),
			MeetingHours: round2(p.meetHours), CapacityHours: round2(p.capacity), Load: jsonRatio(load),
			OverCapacity: p.planned() > p.capacity+0.01, DeadlinesDue: p.deadlines, Level: loadLevel(load)})
	}
	return out
}

func loadLevel(load float64) string {
	switch {
	case load < 0.8:
		return core.LevelLow
	case load < 1:
		return core.LevelModerate
	case load < 1.25:
		return core.LevelHigh
	}
	return core.LevelCritical
}

// Analysis is one run of the model over an input.
func Analysis(in Input) *core.BurnoutAnalysis {
	s := Collect(in)
	score, factors := Score(s)
	a := &core.BurnoutAnalysis{Score: score, Level: core.LevelFor(score), Factors: factors, Forecast: Forecast(in),
		AnalyzedAt: in.Now.UTC().Truncate(time.Millisecond)}
	a.Summary = map[string]any{
		"planned_hours_7d": round2(s.PlannedHours), "capacity_hours_7d": round2(s.CapacityHours), "load_7d": jsonRatio(s.Load),
		"meeting_hours_7d": round2(s.MeetingHours), "overdue": s.OverdueCount, "deadlines_7d": s.Deadlines7,
		"excess_hours_7d": round2(s.ExcessHours), "over_capacity_days_7d": s.OverCapacityDays, "focus_hours_7d": round2(s.FocusHours),
		"unestimated_open_tasks": s.UnestimatedOpenTasks, "top_factors": topFactors(factors),
	}
	return a
}

func topFactors(fs []core.Factor) []string {
	var out []string
	for _, f := range fs {
		if f.Contribution >= 5 {
			out = append(out, f.Name)
		}
	}
	if out == nil {
		return []string{}
	}
	return out
}

// TrendOf compares a score with earlier analyses (newest first): rising
// or falling by 5 points or more, else stable; new without history.
func TrendOf(score float64, earlier []*core.BurnoutAnalysis, now time.Time) core.Trend {
	if len(earlier) == 0 {
		return core.Trend{Direction: "new"}
	}
	prev := earlier[0].Score
	t := core.Trend{PreviousScore: &prev, Change: round1(score - prev)}
	switch {
	case t.Change >= 5:
		t.Direction = "rising"
	case t.Change <= -5:
		t.Direction = "falling"
	default:
		t.Direction = "stable"
	}
	var sum float64
	n := 0
	for _, a := range earlier {
		if now.Sub(a.AnalyzedAt) <= 30*24*time.Hour {
			sum += a.Score
			n++
		}
	}
	if n > 0 {
		avg := round1(sum / float64(n))
		t.Average30d = &avg
	}
	return t
}

// count writes n with the singular or plural phrase: "1 open task is",
// "3 open tasks are".
func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(n, one, many))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
