// Package workload turns a user's tasks, meetings, profile and check-ins
// into workload figures, a transparent burnout score with a forecast, and
// concrete recommendations that learn from the user's feedback. The
// computations are pure functions of an Input; Service adds storage,
// ownership and the debounced recalculation that keeps the status fresh.
// docs/WORKLOAD.md documents every figure.
package workload

import (
	"math"
	"sort"
	"time"

	"sentry/backend/core"
)

// Planning constants (documented in docs/WORKLOAD.md).
const (
	// DefaultEstimateHours is assumed for open tasks without an estimate.
	DefaultEstimateHours = 1.0
	// UndatedSpanWorkingDays spreads tasks without a deadline.
	UndatedSpanWorkingDays = 10
	// BackToBackGap: a meeting starting within this of another's end is back-to-back.
	BackToBackGap = 5 * time.Minute
	// MinEstimateSamples finished tasks with estimate and actual before the
	// learned estimate ratio corrects planned hours.
	MinEstimateSamples = 5
	// maxSpreadDays bounds how far ahead a deadline is followed.
	maxSpreadDays = 730
)

// Input is everything a calculation looks at. Tasks may hold any of the
// user's tasks; open ones, meetings and recent history are used.
type Input struct {
	Profile     *core.Profile
	Preferences *core.Preferences
	Constraints *core.Constraints
	// Behavior corrects estimates once it has enough samples (may be nil).
	Behavior *core.BehavioralProfile
	Tasks    []*core.Task
	CheckIns []*core.CheckIn
	Now      time.Time
}

func (in *Input) normalize() {
	if in.Profile == nil {
		in.Profile = core.DefaultProfile("")
	}
	if in.Preferences == nil {
		in.Preferences = core.DefaultPreferences("")
	}
	if in.Constraints == nil {
		in.Constraints = core.DefaultConstraints("")
	}
}

type interval struct{ start, end time.Time }

func (i interval) hours() float64 { return i.end.Sub(i.start).Hours() }

func overlap(a, b interval) time.Duration {
	s, e := a.start, a.end
	if b.start.After(s) {
		s = b.start
	}
	if b.end.Before(e) {
		e = b.end
	}
	if e.After(s) {
		return e.Sub(s)
	}
	return 0
}

// calendar answers per-day questions in the user's time zone.
type calendar struct {
	in       *Input
	loc      *time.Location
	today    time.Time // local midnight
	startMin int
	endMin   int
	daysOff  map[string]bool
	perDay   float64 // max_weekly_hours spread over the working days
	ratio    float64 // estimate correction
	focusMin int
	gap      time.Duration // back-to-back: a meeting starting within this of another's end
}

func newCalendar(in *Input) *calendar {
	in.normalize()
	loc := in.Profile.Location()
	now := in.Now.In(loc)
	c := &calendar{in: in, loc: loc, today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc), daysOff: map[string]bool{}, ratio: 1}
	c.startMin, c.endMin = in.Profile.WorkMinutes()
	for _, d := range in.Constraints.DaysOff {
		c.daysOff[d] = true
	}
	if n := len(in.Profile.WorkingDays); n > 0 {
		c.perDay = in.Constraints.MaxWeeklyHours / float64(n)
	}
	if b := in.Behavior; b != nil && b.EstimateRatio != nil && b.EstimateSamples >= MinEstimateSamples {
		c.ratio = math.Min(2, math.Max(0.5, *b.EstimateRatio))
	}
	c.focusMin = in.Preferences.FocusBlockMinutes
	if c.focusMin <= 0 {
		c.focusMin = core.DefaultFocusBlockMinutes
	}
	c.gap = meetingGap(in.Preferences)
	return c
}

// meetingGap is the break a user wants between meetings: the meeting
// preference buffer_minutes when set (up to 2 h), else BackToBackGap.
func meetingGap(p *core.Preferences) time.Duration {
	if p != nil {
		if v, ok := p.MeetingPreferences["buffer_minutes"].(float64); ok && v*float64(time.Minute) > float64(BackToBackGap) && v <= 120 {
			return time.Duration(v * float64(time.Minute))
		}
	}
	return BackToBackGap
}

// day returns local midnight n days after today.
func (c *calendar) day(n int) time.Time { return c.today.AddDate(0, 0, n) }

func (c *calendar) dayOf(t time.Time) time.Time {
	l := t.In(c.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, c.loc)
}

// dueBy is when a task's deadline has passed: the deadline itself, or for
// a date without a time (local midnight, as quick add and imports store
// "due Friday") the end of that day — a task due today is not late today.
func (c *calendar) dueBy(deadline time.Time) time.Time {
	if l := deadline.In(c.loc); l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
		return l.AddDate(0, 0, 1)
	}
	return deadline
}

// index returns the day offset of t from today.
func (c *calendar) index(t time.Time) int {
	d := c.dayOf(t)
	// Calendar days, not 24 h spans: DST days are 23 or 25 hours long.
	y1, m1, d1 := c.today.Date()
	y2, m2, d2 := d.Date()
	return int(time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

func isoWeekday(t time.Time) int {
	if wd := int(t.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

func (c *calendar) isWorking(d time.Time) bool {
	return c.in.Profile.IsWorkingDay(isoWeekday(d)) && !c.daysOff[d.Format(time.DateOnly)]
}

// window returns the working window of a day.
func (c *calendar) window(d time.Time) interval {
	return interval{d.Add(time.Duration(c.startMin) * time.Minute), d.Add(time.Duration(c.endMin) * time.Minute)}
}

// commitments returns the fixed commitments of a day as intervals.
func (c *calendar) commitments(d time.Time) []interval {
	var out []interval
	wd := isoWeekday(d)
	for _, f := range c.in.Constraints.FixedCommitments {
		if f.Weekday != wd {
			continue
		}
		s, _ := core.ParseClock("start", f.Start)
		e, _ := core.ParseClock("end", f.End)
		out = append(out, interval{d.Add(time.Duration(s) * time.Minute), d.Add(time.Duration(e) * time.Minute)})
	}
	return out
}

// capacity is the hours available for work on a day: the working window,
// capped by max_weekly_hours over the working days, less fixed
// commitments inside the window; 0 on non-working days and days off.
func (c *calendar) capacity(d time.Time) float64 {
	if !c.isWorking(d) {
		return 0
	}
	w := c.window(d)
	h := math.Min(w.hours(), c.perDay)
	for _, f := range c.commitments(d) {
		h -= overlap(w, f).Hours()
	}
	return math.Max(0, h)
}

func isOpen(t *core.Task) bool {
	return t.Status == core.StatusTodo || t.Status == core.StatusInProgress
}

func isMeeting(t *core.Task) bool {
	return t.TaskType == core.TaskTypeMeeting && t.StartTime != nil && t.EndTime != nil && t.Status != core.StatusCancelled &&
		t.EndTime.After(*t.StartTime)
}

// remaining is the hours of work left on an open task.
func (c *calendar) remaining(t *core.Task) float64 {
	est := DefaultEstimateHours
	if t.EstimatedHours != nil {
		est = *t.EstimatedHours
	}
	if t.ActualHours != nil && t.Status == core.StatusInProgress {
		est = math.Max(0, est-*t.ActualHours)
	}
	return est * c.ratio
}

// spread returns how a task's remaining hours fall on days (offsets from
// today): evenly over the working days from today to its deadline; all on
// the first working day for overdue work; over the next
// UndatedSpanWorkingDays working days without a deadline; on the deadline
// day itself when no working day comes before it.
func (c *calendar) spread(t *core.Task) map[int]float64 {
	h := c.remaining(t)
	if h <= 0 || !isOpen(t) || t.TaskType == core.TaskTypeMeeting {
		return nil
	}
	var days []int
	switch {
	case t.Deadline == nil:
		for i := 0; i < maxSpreadDays && len(days) < UndatedSpanWorkingDays; i++ {
			if c.capacity(c.day(i)) > 0 {
				days = append(days, i)
			}
		}
	case t.Deadline.Before(c.in.Now):
		for i := 0; i < 14; i++ {
			if c.capacity(c.day(i)) > 0 {
				days = []int{i}
				break
			}
		}
	default:
		last := min(c.index(*t.Deadline), maxSpreadDays)
		for i := 0; i <= last; i++ {
			if c.capacity(c.day(i)) > 0 {
				days = append(days, i)
			}
		}
		if len(days) == 0 {
			days = []int{last}
		}
	}
	if len(days) == 0 {
		days = []int{0}
	}
	out := make(map[int]float64, len(days))
	for _, d := range days {
		out[d] += h / float64(len(days))
	}
	return out
}

// meetingHours returns a meeting's hours per day offset.
func (c *calendar) meetingHours(t *core.Task) map[int]float64 {
	if !isMeeting(t) {
		return nil
	}
	out := map[int]float64{}
	m := interval{*t.StartTime, *t.EndTime}
	for d := c.dayOf(m.start); d.Before(m.end); d = d.AddDate(0, 0, 1) {
		if h := overlap(m, interval{d, d.AddDate(0, 0, 1)}).Hours(); h > 0 {
			out[c.index(d)] += h
		}
	}
	return out
}

// dayPlan is the load of one day.
type dayPlan struct {
	date      time.Time
	capacity  float64
	taskHours float64
	meetHours float64
	deadlines int
}

func (d *dayPlan) planned() float64 { return d.taskHours + d.meetHours }
func (d *dayPlan) excess() float64  { return math.Max(0, d.planned()-d.capacity) }

// plan lays tasks and meetings over n days from today.
func (c *calendar) plan(tasks []*core.Task, n int) []dayPlan {
	days := make([]dayPlan, n)
	for i := range days {
		days[i] = dayPlan{date: c.day(i), capacity: c.capacity(c.day(i))}
	}
	for _, t := range tasks {
		for i, h := range c.spread(t) {
			if i >= 0 && i < n {
				days[i].taskHours += h
			}
		}
		for i, h := range c.meetingHours(t) {
			if i >= 0 && i < n {
				days[i].meetHours += h
			}
		}
		if isOpen(t) && t.TaskType != core.TaskTypeMeeting && t.Deadline != nil && !t.Deadline.Before(c.in.Now) {
			if i := c.index(*t.Deadline); i >= 0 && i < n {
				days[i].deadlines++
			}
		}
	}
	return days
}

func totalExcess(days []dayPlan) float64 {
	var e float64
	for _, d := range days {
		e += d.excess()
	}
	return e
}

// busy returns the meetings and fixed commitments of a day, merged and sorted.
func (c *calendar) busy(tasks []*core.Task, d time.Time) []interval {
	whole := interval{d, d.AddDate(0, 0, 1)}
	var out []interval
	for _, t := range tasks {
		if !isMeeting(t) {
			continue
		}
		m := interval{*t.StartTime, *t.EndTime}
		if overlap(m, whole) > 0 {
			out = append(out, m)
		}
	}
	out = append(out, c.commitments(d)...)
	sort.Slice(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	var merged []interval
	for _, b := range out {
		if n := len(merged); n > 0 && !b.start.After(merged[n-1].end) {
			if b.end.After(merged[n-1].end) {
				merged[n-1].end = b.end
			}
			continue
		}
		merged = append(merged, b)
	}
	return merged
}

// freeBlocks returns the free spans of a day's working window.
func (c *calendar) freeBlocks(tasks []*core.Task, d time.Time) []interval {
	if c.capacity(d) <= 0 {
		return nil
	}
	w := c.window(d)
	cur := w.start
	var out []interval
	for _, b := range c.busy(tasks, d) {
		if b.end.Before(cur) || !b.start.Before(w.end) {
			continue
		}
		if b.start.After(cur) {
			out = append(out, interval{cur, b.start})
		}
		if b.end.After(cur) {
			cur = b.end
		}
	}
	if w.end.After(cur) {
		out = append(out, interval{cur, w.end})
	}
	return out
}

// focus returns the hours and count of free blocks at least the focus
// block long on a day.
func (c *calendar) focus(tasks []*core.Task, d time.Time) (hours float64, blocks int) {
	for _, f := range c.freeBlocks(tasks, d) {
		if f.end.Sub(f.start) >= time.Duration(c.focusMin)*time.Minute {
			hours += f.hours()
			blocks++
		}
	}
	return hours, blocks
}

// afterHours returns the hours of an interval outside working time.
func (c *calendar) afterHours(m interval) float64 {
	var out float64
	for d := c.dayOf(m.start); d.Before(m.end); d = d.AddDate(0, 0, 1) {
		part := overlap(m, interval{d, d.AddDate(0, 0, 1)})
		if part <= 0 {
			continue
		}
		if !c.isWorking(d) {
			out += part.Hours()
			continue
		}
		out += (part - overlap(m, c.window(d))).Hours()
	}
	return out
}

// backToBack counts meetings in [from, to) that follow another meeting
// within gap (BackToBackGap, or the user's wanted break) or overlap it (adding meetings never lowers it).
func backToBack(tasks []*core.Task, from, to time.Time, gap time.Duration) int {
	var ms []*core.Task
	for _, t := range tasks {
		if isMeeting(t) {
			ms = append(ms, t)
		}
	}
	n := 0
	for _, m := range ms {
		if m.StartTime.Before(from) || !m.StartTime.Before(to) {
			continue
		}
		for _, o := range ms {
			if o == m {
				continue
			}
			before := o.StartTime.Before(*m.StartTime) || (o.StartTime.Equal(*m.StartTime) && o.ID < m.ID)
			if before && !o.EndTime.Before(m.StartTime.Add(-gap)) {
				n++
				break
			}
		}
	}
	return n
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
func round2(f float64) float64 { return math.Round(f*100) / 100 }
