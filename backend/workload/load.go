package workload

import (
	"fmt"
	"math"
	"sort"
	"time"

	"sentry/backend/core"
)

// Window limits for metrics.
const (
	DefaultWindowDays = 14
	MaxWindowDays     = 92
)

// DayMetrics is one day of a window.
type DayMetrics struct {
	Date            string  `json:"date"`
	Weekday         int     `json:"weekday"`
	Working         bool    `json:"working"`
	CapacityHours   float64 `json:"capacity_hours"`
	PlannedHours    float64 `json:"planned_hours"`
	TaskHours       float64 `json:"task_hours"`
	MeetingHours    float64 `json:"meeting_hours"`
	Load            float64 `json:"load"`
	OverCapacity    bool    `json:"over_capacity"`
	FocusHours      float64 `json:"focus_hours"`
	FocusBlocks     int     `json:"focus_blocks"`
	BackToBack      int     `json:"back_to_back"`
	AfterHoursHours float64 `json:"after_hours_hours"`
	DeadlinesDue    int     `json:"deadlines_due"`
}

// WeekMetrics sums the days of one ISO week inside the window.
type WeekMetrics struct {
	Week          string  `json:"week"`
	Start         string  `json:"start"`
	End           string  `json:"end"`
	CapacityHours float64 `json:"capacity_hours"`
	PlannedHours  float64 `json:"planned_hours"`
	TaskHours     float64 `json:"task_hours"`
	MeetingHours  float64 `json:"meeting_hours"`
	FocusHours    float64 `json:"focus_hours"`
	Load          float64 `json:"load"`
	OverCapacity  bool    `json:"over_capacity"`
	// OverCapacityDays counts the week's days over capacity.
	OverCapacityDays int `json:"over_capacity_days"`
}

// Totals sum the whole window.
type Totals struct {
	CapacityHours float64 `json:"capacity_hours"`
	PlannedHours  float64 `json:"planned_hours"`
	TaskHours     float64 `json:"task_hours"`
	MeetingHours  float64 `json:"meeting_hours"`
	// MeetingShare is meeting hours ÷ capacity.
	MeetingShare     float64 `json:"meeting_share"`
	Load             float64 `json:"load"`
	ExcessHours      float64 `json:"excess_hours"`
	OverCapacityDays int     `json:"over_capacity_days"`
	FocusHours       float64 `json:"focus_hours"`
	FocusBlocks      int     `json:"focus_blocks"`
	// DaysWithoutFocus counts working days with no focus block.
	DaysWithoutFocus int     `json:"days_without_focus"`
	BackToBack       int     `json:"back_to_back"`
	AfterHoursHours  float64 `json:"after_hours_hours"`
	OpenTasks        int     `json:"open_tasks"`
	UnestimatedTasks int     `json:"unestimated_tasks"`
}

// OverdueTask is one overdue task with its age.
type OverdueTask struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	AgeDays float64 `json:"age_days"`
	Hours   float64 `json:"hours"`
}

// Overdue describes open tasks past their deadline.
type Overdue struct {
	Count       int           `json:"count"`
	Hours       float64       `json:"hours"`
	MeanAgeDays float64       `json:"mean_age_days"`
	MaxAgeDays  float64       `json:"max_age_days"`
	Tasks       []OverdueTask `json:"tasks"`
}

// Deadlines describes deadlines in the next 7 days.
type Deadlines struct {
	Next7Days       int    `json:"next_7_days"`
	BusiestDay      string `json:"busiest_day"`
	BusiestDayCount int    `json:"busiest_day_count"`
	// ClusteredDays are days with 3 or more deadlines.
	ClusteredDays []string `json:"clustered_days"`
}

// AfterHours describes work outside working hours.
type AfterHours struct {
	// MeetingHours is meeting time outside working hours in the window.
	MeetingHours float64 `json:"meeting_hours"`
	// Completions14d counts tasks finished outside working hours in the
	// last 14 days; CompletionShare14d is their share of all finished.
	Completions14d     int     `json:"completions_14d"`
	CompletionShare14d float64 `json:"completion_share_14d"`
}

// Metrics are a user's workload figures over a window.
type Metrics struct {
	UserID      string    `json:"user_id"`
	Timezone    string    `json:"timezone"`
	Start       string    `json:"start"`
	End         string    `json:"end"`
	GeneratedAt time.Time `json:"generated_at"`
	// ProfileDefaults is true while the user has no profile and the
	// default working pattern (Mon–Fri 09:00–17:00 UTC) is assumed.
	ProfileDefaults   bool                   `json:"profile_defaults"`
	FocusBlockMinutes int                    `json:"focus_block_minutes"`
	Days              []DayMetrics           `json:"days"`
	Weeks             []WeekMetrics          `json:"weeks"`
	Totals            Totals                 `json:"totals"`
	Overdue           Overdue                `json:"overdue"`
	Deadlines         Deadlines              `json:"deadlines"`
	AfterHours        AfterHours             `json:"after_hours"`
	Behavior          core.BehavioralProfile `json:"behavior"`
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		if a > 0 {
			return math.Inf(1)
		}
		return 0
	}
	return a / b
}

// jsonRatio keeps ratios finite for JSON (99 stands for "no capacity").
func jsonRatio(r float64) float64 {
	if math.IsInf(r, 1) || r > 99 {
		return 99
	}
	return round2(r)
}

// Compute returns the metrics of the days [start, start+days) (local
// dates; start before today is allowed and shows what was scheduled).
func Compute(in Input, start time.Time, days int) Metrics {
	c := newCalendar(&in)
	if days <= 0 {
		days = DefaultWindowDays
	}
	first := c.index(start)
	horizon := first + days
	if horizon < 1 {
		horizon = 1
	}
	plan := c.planFrom(in.Tasks, first, days)
	m := Metrics{UserID: in.Profile.UserID, Timezone: c.loc.String(), GeneratedAt: in.Now.UTC(),
		FocusBlockMinutes: c.focusMin, Days: make([]DayMetrics, 0, days), Weeks: []WeekMetrics{}}
	for i, p := range plan {
		d := p.date
		fh, fb := c.focus(in.Tasks, d)
		var after float64
		for _, t := range in.Tasks {
			if isMeeting(t) {
				mi := interval{*t.StartTime, *t.EndTime}
				part := overlap(mi, interval{d, d.AddDate(0, 0, 1)})
				if part > 0 {
					after += c.afterHours(interval{maxTime(mi.start, d), minTime(mi.end, d.AddDate(0, 0, 1))})
				}
			}
		}
		dm := DayMetrics{Date: d.Format(time.DateOnly), Weekday: isoWeekday(d), Working: c.isWorking(d),
			CapacityHours: round2(p.capacity), PlannedHours: round2(p.planned()), TaskHours: round2(p.taskHours),
			MeetingHours: round2(p.meetHours), Load: jsonRatio(ratio(p.planned(), p.capacity)), OverCapacity: p.planned() > p.capacity+0.01,
			FocusHours: round2(fh), FocusBlocks: fb, BackToBack: backToBack(in.Tasks, d, d.AddDate(0, 0, 1), c.gap),
			AfterHoursHours: round2(after), DeadlinesDue: p.deadlines}
		m.Days = append(m.Days, dm)
		t := &m.Totals
		t.CapacityHours += p.capacity
		t.PlannedHours += p.planned()
		t.TaskHours += p.taskHours
		t.MeetingHours += p.meetHours
		t.ExcessHours += p.excess()
		t.FocusHours += fh
		t.FocusBlocks += fb
		t.BackToBack += dm.BackToBack
		t.AfterHoursHours += after
		if dm.OverCapacity {
			t.OverCapacityDays++
		}
		if dm.Working && fb == 0 && p.capacity > 0 {
			t.DaysWithoutFocus++
		}
		_ = i
	}
	if len(plan) > 0 {
		m.Start, m.End = plan[0].date.Format(time.DateOnly), plan[len(plan)-1].date.Format(time.DateOnly)
	}
	m.Weeks = weeks(m.Days)
	t := &m.Totals
	t.MeetingShare = jsonRatio(ratio(t.MeetingHours, t.CapacityHours))
	t.Load = jsonRatio(ratio(t.PlannedHours, t.CapacityHours))
	for _, p := range []*float64{&t.CapacityHours, &t.PlannedHours, &t.TaskHours, &t.MeetingHours, &t.ExcessHours, &t.FocusHours, &t.AfterHoursHours} {
		*p = round2(*p)
	}
	for _, task := range in.Tasks {
		if isOpen(task) && task.TaskType != core.TaskTypeMeeting {
			t.OpenTasks++
			if task.EstimatedHours == nil {
				t.UnestimatedTasks++
			}
		}
	}
	m.Overdue = overdue(c, in.Tasks)
	m.Deadlines = deadlines(c, in.Tasks)
	m.AfterHours = afterHoursSummary(c, in.Tasks)
	m.AfterHours.MeetingHours = t.AfterHoursHours
	m.Behavior = Learn(in.Tasks, in.Now, c.loc)
	m.Behavior.UserID = in.Profile.UserID
	return m
}

// planFrom plans days [first, first+n) relative to today.
func (c *calendar) planFrom(tasks []*core.Task, first, n int) []dayPlan {
	if first >= 0 {
		all := c.plan(tasks, first+n)
		return all[first:]
	}
	// Past days: only meetings and deadlines are known for them; open work
	// is planned from today on.
	out := make([]dayPlan, 0, n)
	past := min(-first, n)
	for i := 0; i < past; i++ {
		d := c.day(first + i)
		p := dayPlan{date: d, capacity: c.capacity(d)}
		for _, t := range tasks {
			p.meetHours += c.meetingHours(t)[first+i]
			if t.TaskType != core.TaskTypeMeeting && t.Deadline != nil && c.index(*t.Deadline) == first+i {
				p.deadlines++
			}
		}
		out = append(out, p)
	}
	if rest := n - past; rest > 0 {
		out = append(out, c.plan(tasks, rest)...)
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func weeks(days []DayMetrics) []WeekMetrics {
	var out []WeekMetrics
	idx := map[string]int{}
	for _, d := range days {
		t, _ := time.Parse(time.DateOnly, d.Date)
		y, w := t.ISOWeek()
		key := fmt.Sprintf("%04d-W%02d", y, w)
		i, ok := idx[key]
		if !ok {
			i = len(out)
			idx[key] = i
			out = append(out, WeekMetrics{Week: key, Start: d.Date})
		}
		wk := &out[i]
		wk.End = d.Date
		wk.CapacityHours += d.CapacityHours
		wk.PlannedHours += d.PlannedHours
		wk.TaskHours += d.TaskHours
		wk.MeetingHours += d.MeetingHours
		wk.FocusHours += d.FocusHours
		if d.OverCapacity {
			wk.OverCapacityDays++
		}
	}
	for i := range out {
		w := &out[i]
		w.CapacityHours, w.PlannedHours, w.TaskHours = round2(w.CapacityHours), round2(w.PlannedHours), round2(w.TaskHours)
		w.MeetingHours, w.FocusHours = round2(w.MeetingHours), round2(w.FocusHours)
		w.Load = jsonRatio(ratio(w.PlannedHours, w.CapacityHours))
		w.OverCapacity = w.PlannedHours > w.CapacityHours+0.01
	}
	if out == nil {
		out = []WeekMetrics{}
	}
	return out
}

func overdue(c *calendar, tasks []*core.Task) Overdue {
	o := Overdue{Tasks: []OverdueTask{}}
	var ageSum float64
	for _, t := range tasks {
		if !isOpen(t) || t.TaskType == core.TaskTypeMeeting || t.Deadline == nil || !c.dueBy(*t.Deadline).Before(c.in.Now) {
			continue
		}
		age := c.in.Now.Sub(c.dueBy(*t.Deadline)).Hours() / 24
		h := c.remaining(t)
		o.Count++
		o.Hours += h
		ageSum += age
		o.MaxAgeDays = math.Max(o.MaxAgeDays, age)
		o.Tasks = append(o.Tasks, OverdueTask{ID: t.ID, Title: t.Title, AgeDays: round1(age), Hours: round2(h)})
	}
	if o.Count > 0 {
		o.MeanAgeDays = round1(ageSum / float64(o.Count))
	}
	o.MaxAgeDays, o.Hours = round1(o.MaxAgeDays), round2(o.Hours)
	sort.Slice(o.Tasks, func(i, j int) bool { return o.Tasks[i].AgeDays > o.Tasks[j].AgeDays })
	return o
}

func deadlines(c *calendar, tasks []*core.Task) Deadlines {
	d := Deadlines{ClusteredDays: []string{}}
	per := map[string]int{}
	end := c.in.Now.Add(7 * 24 * time.Hour)
	for _, t := range tasks {
		if !isOpen(t) || t.TaskType == core.TaskTypeMeeting || t.Deadline == nil || c.dueBy(*t.Deadline).Before(c.in.Now) || !t.Deadline.Before(end) {
			continue
		}
		d.Next7Days++
		per[c.dayOf(*t.Deadline).Format(time.DateOnly)]++
	}
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if per[k] > d.BusiestDayCount {
			d.BusiestDay, d.BusiestDayCount = k, per[k]
		}
		if per[k] >= 3 {
			d.ClusteredDays = append(d.ClusteredDays, k)
		}
	}
	return d
}

func afterHoursSummary(c *calendar, tasks []*core.Task) AfterHours {
	var a AfterHours
	since := c.in.Now.Add(-14 * 24 * time.Hour)
	done := 0
	for _, t := range tasks {
		if t.TaskType == core.TaskTypeMeeting || t.Status != core.StatusDone || t.CompletedAt == nil ||
			t.CompletedAt.Before(since) || t.CompletedAt.After(c.in.Now) {
			continue
		}
		done++
		at := *t.CompletedAt
		if c.afterHours(interval{at, at.Add(time.Minute)}) > 0 {
			a.Completions14d++
		}
	}
	if done > 0 {
		a.CompletionShare14d = round2(float64(a.Completions14d) / float64(done))
	}
	return a
}

// Learn derives the behavioural profile from a user's history: the ratio
// of actual to estimated hours, the completion rate of tasks due in the
// last 30 days, tasks finished per day and the hours they get finished in.
func Learn(tasks []*core.Task, now time.Time, loc *time.Location) core.BehavioralProfile {
	b := core.BehavioralProfile{PeakHours: []int{}}
	var est, act float64
	due, doneDue, done30 := 0, 0, 0
	hours := map[int]int{}
	month := now.Add(-30 * 24 * time.Hour)
	for _, t := range tasks {
		if t.TaskType == core.TaskTypeMeeting || t.Status == core.StatusCancelled {
			continue
		}
		if t.Status == core.StatusDone && t.EstimatedHours != nil && t.ActualHours != nil && *t.EstimatedHours > 0 {
			est += *t.EstimatedHours
			act += *t.ActualHours
			b.EstimateSamples++
		}
		if t.Deadline != nil && !t.Deadline.Before(month) && !t.Deadline.After(now) {
			due++
			if t.Status == core.StatusDone {
				doneDue++
			}
		}
		if t.Status == core.StatusDone && t.CompletedAt != nil && !t.CompletedAt.Before(month) && !t.CompletedAt.After(now) {
			done30++
			hours[t.CompletedAt.In(loc).Hour()]++
		}
	}
	if b.EstimateSamples > 0 {
		r := round2(act / est)
		b.EstimateRatio = &r
	}
	if due > 0 {
		r := round2(float64(doneDue) / float64(due))
		b.CompletionRate = &r
	}
	b.AvgDailyCompleted = round2(float64(done30) / 30)
	type hc struct{ h, n int }
	var hs []hc
	for h, n := range hours {
		hs = append(hs, hc{h, n})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].n > hs[j].n || (hs[i].n == hs[j].n && hs[i].h < hs[j].h) })
	for i := 0; i < len(hs) && i < 3; i++ {
		b.PeakHours = append(b.PeakHours, hs[i].h)
	}
	b.Samples = done30 + b.EstimateSamples
	return b
}
