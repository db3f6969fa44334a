package workload

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"sentry/backend/core"
)

// Recommendation planning constants.
const (
	// PlanHorizonDays is how far ahead recommendations look for overload.
	PlanHorizonDays = 28
	// MaxRecommendations bounds one generation.
	MaxRecommendations = 8
	// acceptedQuiet is how long an accepted suggestion is not made again.
	acceptedQuiet = 7 * 24 * time.Hour
)

// kindBias orders equally useful suggestions: the cheapest to act on first.
var kindBias = map[string]float64{core.RecSkipMeeting: 1.1, core.RecDelegate: 1.0, core.RecSplit: 0.95, core.RecReschedule: 0.9, core.RecFocusBlock: 1}

// Feedback is what a user's answers to earlier suggestions teach.
type Feedback struct {
	// Weights scale each kind's usefulness: 1 neutral, down to 0.2 after
	// dismissals, up to 2 after acceptances.
	Weights map[string]float64 `json:"weights"`
	// Blocked keys are not suggested again: dismissed ones never, accepted
	// ones for a week.
	Blocked map[string]bool `json:"-"`
}

// LearnFeedback derives weights and blocked suggestions from past ones:
// weight = 1 + 0.15·accepted + 0.1·helpful − 0.3·dismissed − 0.15·unhelpful,
// kept within [0.2, 2].
func LearnFeedback(past []*core.Recommendation, now time.Time) Feedback {
	fb := Feedback{Weights: map[string]float64{}, Blocked: map[string]bool{}}
	score := map[string]float64{}
	for _, r := range past {
		switch r.Status {
		case core.RecAccepted:
			score[r.Kind] += 0.15
			if r.FeedbackAt == nil || now.Sub(*r.FeedbackAt) < acceptedQuiet {
				fb.Blocked[r.Key] = true
			}
		case core.RecDismissed:
			score[r.Kind] -= 0.3
			fb.Blocked[r.Key] = true
		}
		if r.Helpful != nil {
			if *r.Helpful {
				score[r.Kind] += 0.1
			} else {
				score[r.Kind] -= 0.15
			}
		}
	}
	for _, k := range []string{core.RecDelegate, core.RecReschedule, core.RecSkipMeeting, core.RecFocusBlock, core.RecSplit} {
		fb.Weights[k] = round2(math.Max(0.2, math.Min(2, 1+score[k])))
	}
	return fb
}

// RecKey identifies a suggestion by kind and tasks (or a focus day).
func RecKey(kind string, ids ...string) string {
	ids = append([]string(nil), ids...)
	sort.Strings(ids)
	return kind + ":" + strings.Join(ids, ",")
}

// Plan is a generation of recommendations and what following all of them
// would do to the next PlanHorizonDays days.
type Plan struct {
	Recommendations []*core.Recommendation `json:"recommendations"`
	// ExcessHoursBefore/After are the hours planned beyond capacity, summed
	// over the days of the horizon, now and with every suggestion followed.
	ExcessHoursBefore float64            `json:"excess_hours_before"`
	ExcessHoursAfter  float64            `json:"excess_hours_after"`
	HorizonDays       int                `json:"horizon_days"`
	Weights           map[string]float64 `json:"learned_weights"`
}

// sim holds a horizon's capacity and load, so a change to one task is
// evaluated by subtracting and adding that task's hours.
type sim struct {
	c    *calendar
	n    int
	cap  []float64
	load []float64
}

func newSim(c *calendar, tasks []*core.Task, n int) *sim {
	s := &sim{c: c, n: n, cap: make([]float64, n), load: make([]float64, n)}
	for i := range s.cap {
		s.cap[i] = c.capacity(c.day(i))
	}
	for _, t := range tasks {
		s.add(t, 1)
	}
	return s
}

func (s *sim) contrib(t *core.Task) map[int]float64 {
	if isMeeting(t) {
		return s.c.meetingHours(t)
	}
	return s.c.spread(t)
}

func (s *sim) add(t *core.Task, sign float64) {
	for i, h := range s.contrib(t) {
		if i >= 0 && i < s.n {
			s.load[i] += sign * h
		}
	}
}

func (s *sim) excess() float64 {
	var e float64
	for i := range s.load {
		e += math.Max(0, s.load[i]-s.cap[i]-1e-9)
	}
	return e
}

// excessIf is the excess with old replaced by repl (nil removes it).
func (s *sim) excessIf(old, repl *core.Task) float64 {
	s.add(old, -1)
	if repl != nil {
		s.add(repl, 1)
	}
	e := s.excess()
	if repl != nil {
		s.add(repl, -1)
	}
	s.add(old, 1)
	return e
}

func (s *sim) hoursIn(t *core.Task) float64 {
	var h float64
	for i, v := range s.contrib(t) {
		if i >= 0 && i < s.n {
			h += v
		}
	}
	return h
}

type action struct {
	kind     string
	task     *core.Task
	repl     *core.Task // nil: the task leaves the plan
	gain     float64
	hours    float64
	priority float64
}

// Recommend suggests, greedily, the changes that remove the most hours
// beyond capacity, weighted by what the user's feedback taught, until
// nothing is over capacity or nothing more helps; then a focus block when
// focus time is scarce.
func Recommend(in Input, fb Feedback) Plan {
	c := newCalendar(&in)
	if fb.Weights == nil {
		fb = LearnFeedback(nil, in.Now)
	}
	state := append([]*core.Task(nil), in.Tasks...)
	s := newSim(c, state, PlanHorizonDays)
	p := Plan{HorizonDays: PlanHorizonDays, Weights: fb.Weights, Recommendations: []*core.Recommendation{}}
	p.ExcessHoursBefore = round2(s.excess())
	overDays := overloadedDays(s)
	used := map[string]bool{}
	for len(p.Recommendations) < MaxRecommendations {
		cur := s.excess()
		if cur < 0.05 {
			break
		}
		var best *action
		consider := func(a action) {
			if a.gain < 0.05 || fb.Blocked[RecKey(a.kind, a.task.ID)] {
				return
			}
			a.priority = a.gain * fb.Weights[a.kind] * kindBias[a.kind]
			if best == nil || a.priority > best.priority+1e-9 {
				best = &a
			}
		}
		for _, t := range state {
			if used[t.ID] {
				continue
			}
			switch {
			case isMeeting(t):
				if t.IsOptional && !t.StartTime.Before(in.Now) && c.index(*t.StartTime) < PlanHorizonDays {
					consider(action{kind: core.RecSkipMeeting, task: t, gain: cur - s.excessIf(t, nil), hours: t.EndTime.Sub(*t.StartTime).Hours()})
				}
			case isOpen(t) && t.TaskType != core.TaskTypeMeeting:
				h := c.remaining(t)
				if h <= 0 {
					continue
				}
				if t.CanDelegate {
					consider(action{kind: core.RecDelegate, task: t, gain: cur - s.excessIf(t, nil), hours: h})
				}
				overdue := t.Deadline != nil && t.Deadline.Before(in.Now)
				if overdue && h >= 2 {
					if repl, e := bestDeadline(s, t, 1); repl != nil {
						consider(action{kind: core.RecSplit, task: t, repl: repl, gain: cur - e, hours: cur - e})
					}
				}
				if !overdue && t.Deadline != nil && c.index(*t.Deadline) < PlanHorizonDays &&
					(t.Priority == core.PriorityLow || t.Priority == core.PriorityMedium) {
					if repl, e := bestDeadline(s, t, c.index(*t.Deadline)+1); repl != nil {
						consider(action{kind: core.RecReschedule, task: t, repl: repl, gain: cur - e, hours: cur - e})
					}
				}
			}
		}
		if best == nil {
			break
		}
		used[best.task.ID] = true
		s.add(best.task, -1)
		if best.repl != nil {
			s.add(best.repl, 1)
		}
		for i, t := range state {
			if t == best.task {
				if best.repl != nil {
					state[i] = best.repl
				} else {
					state = append(state[:i], state[i+1:]...)
				}
				break
			}
		}
		p.Recommendations = append(p.Recommendations, describe(c, best, overDays, s.excess()))
	}
	p.ExcessHoursAfter = round2(s.excess())
	if len(p.Recommendations) < MaxRecommendations {
		if r := focusBlock(c, state, fb); r != nil {
			p.Recommendations = append(p.Recommendations, r)
		}
	}
	return p
}

// bestDeadline finds the earliest deadline on a working day from offset
// `from` to the end of the horizon that leaves the least excess; nil when
// none lowers it.
func bestDeadline(s *sim, t *core.Task, from int) (*core.Task, float64) {
	cur := s.excess()
	type option struct {
		t *core.Task
		e float64
	}
	var opts []option
	minE := cur
	for k := max(from, 1); k < s.n; k++ {
		d := s.c.day(k)
		if s.c.capacity(d) <= 0 {
			continue
		}
		repl := *t
		dl := s.c.window(d).end.UTC()
		repl.Deadline = &dl
		e := s.excessIf(t, &repl)
		opts = append(opts, option{&repl, e})
		minE = math.Min(minE, e)
	}
	if cur-minE < 0.05 {
		return nil, cur
	}
	// The earliest deadline that gets 90% of the best possible relief: a
	// later one would spread the work thinner for little gain.
	for _, o := range opts {
		if o.e <= minE+0.1*(cur-minE)+1e-9 {
			return o.t, o.e
		}
	}
	return nil, cur
}

func overloadedDays(s *sim) map[int]bool {
	out := map[int]bool{}
	for i := range s.load {
		if s.load[i] > s.cap[i]+0.01 {
			out[i] = true
		}
	}
	return out
}

func dayName(c *calendar, t time.Time) string { return t.In(c.loc).Format("Mon 2 Jan") }

func (s *sim) daysOf(t *core.Task, over map[int]bool) []string {
	var idx []int
	for i := range s.contrib(t) {
		if over[i] {
			idx = append(idx, i)
		}
	}
	sort.Ints(idx)
	var out []string
	for _, i := range idx {
		out = append(out, dayName(s.c, s.c.day(i)))
	}
	return out
}

func listDays(days []string) string {
	if len(days) > 4 {
		return strings.Join(days[:4], ", ") + fmt.Sprintf(" and %d more", len(days)-4)
	}
	return strings.Join(days, ", ")
}

func describe(c *calendar, a *action, over map[int]bool, after float64) *core.Recommendation {
	t := a.task
	r := &core.Recommendation{Kind: a.kind, Tasks: []core.TaskRef{{ID: t.ID, Title: t.Title}}, HoursFreed: round1(a.hours),
		Key: RecKey(a.kind, t.ID)}
	s := &sim{c: c, n: PlanHorizonDays}
	days := listDays(s.daysOf(t, over))
	gain := round1(a.gain)
	switch a.kind {
	case core.RecDelegate:
		r.Title = fmt.Sprintf("Delegate “%s” (%.1f h)", t.Title, a.hours)
		r.Explanation = fmt.Sprintf("It is marked as delegable and holds %.1f h of your remaining work", a.hours)
	case core.RecSkipMeeting:
		r.Title = fmt.Sprintf("Skip the optional meeting “%s” on %s", t.Title, dayName(c, *t.StartTime))
		r.Explanation = fmt.Sprintf("It is optional and takes %.1f h", a.hours)
	case core.RecReschedule:
		r.Title = fmt.Sprintf("Move “%s” to %s", t.Title, dayName(c, *a.repl.Deadline))
		r.Explanation = fmt.Sprintf("It is %s priority and due %s; with the deadline on %s its %.1f h spread over more days",
			t.Priority, dayName(c, *t.Deadline), dayName(c, *a.repl.Deadline), c.remaining(t))
		r.Tasks[0].NewDeadline = a.repl.Deadline
	case core.RecSplit:
		parts := splitParts(c, t, *a.repl.Deadline)
		n := len(parts)
		r.Title = fmt.Sprintf("Split the overdue “%s” into %d parts of %.1f h, done by %s", t.Title, n, c.remaining(t)/float64(n), dayName(c, *a.repl.Deadline))
		r.Explanation = fmt.Sprintf("It is %.0f day(s) overdue, so its %.1f h all land on your next working day; in %d parts on working days up to %s they fit beside your other work",
			math.Max(1, math.Floor(c.in.Now.Sub(*t.Deadline).Hours()/24)), c.remaining(t), n, dayName(c, *a.repl.Deadline))
		r.Tasks[0].NewDeadline = a.repl.Deadline
		r.Tasks[0].Parts = parts
	}
	if days != "" {
		r.Explanation += fmt.Sprintf(", on days already over capacity (%s)", days)
	}
	r.Explanation += fmt.Sprintf(". It takes %.1f h off over-capacity days; with this and the suggestions above, %.1f h over capacity remain in the next %d days.",
		gain, round1(after), PlanHorizonDays)
	return r
}

// minPartHours is the smallest part a split proposes: a sitting worth
// starting.
const minPartHours = 1.0

// splitParts divides a task's remaining hours evenly over the working days
// from today to the deadline's day, one part a day (fewer days, evenly
// spread, when parts would be under minPartHours), each due at the end of
// its day's working window. The last part takes the rounding remainder, so
// the parts add up to the remaining hours.
func splitParts(c *calendar, t *core.Task, deadline time.Time) []core.TaskPart {
	var days []time.Time
	for i := 0; i <= c.index(deadline); i++ {
		if d := c.day(i); c.capacity(d) > 0 {
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		days = []time.Time{c.dayOf(deadline)}
	}
	total := c.remaining(t)
	// No part under minPartHours: fewer, larger parts spread evenly over the
	// same days (the last still on the deadline).
	if m := int(total / minPartHours); len(days) > 1 && m < len(days) {
		m = max(1, m)
		picked := make([]time.Time, m)
		for j := 1; j <= m; j++ {
			picked[j-1] = days[(j*len(days)+m-1)/m-1]
		}
		days = picked
	}
	n := len(days)
	each := round2(total / float64(n))
	parts := make([]core.TaskPart, n)
	for i, d := range days {
		h := each
		if i == n-1 {
			h = round2(total - each*float64(n-1))
		}
		dl := c.window(d).end.UTC()
		if i == n-1 {
			dl = deadline.UTC()
		}
		parts[i] = core.TaskPart{Title: fmt.Sprintf("%s (part %d of %d)", t.Title, i+1, n), EstimatedHours: h, Deadline: dl}
	}
	return parts
}

// focusBlock suggests protecting the longest free block of the next five
// working days when some of them have no focus block.
func focusBlock(c *calendar, tasks []*core.Task, fb Feedback) *core.Recommendation {
	var best *interval
	without, seen := 0, 0
	for i := 0; i < 14 && seen < 5; i++ {
		d := c.day(i)
		if c.capacity(d) <= 0 {
			continue
		}
		seen++
		if _, n := c.focus(tasks, d); n == 0 {
			without++
		}
		for _, f := range c.freeBlocks(tasks, d) {
			if f.end.Before(c.in.Now) {
				continue
			}
			if f.start.Before(c.in.Now) {
				f.start = c.in.Now.Truncate(15 * time.Minute).Add(15 * time.Minute)
			}
			if key := RecKey(core.RecFocusBlock, d.Format(time.DateOnly)); fb.Blocked[key] {
				continue
			}
			if f.end.Sub(f.start) >= time.Hour && (best == nil || f.end.Sub(f.start) > best.end.Sub(best.start)) {
				g := f
				best = &g
			}
		}
	}
	if without == 0 || best == nil || fb.Weights[core.RecFocusBlock] < 0.3 {
		return nil
	}
	if limit := time.Duration(c.focusMin) * time.Minute; best.end.Sub(best.start) > limit {
		best.end = best.start.Add(limit)
	}
	day := c.dayOf(best.start)
	r := &core.Recommendation{Kind: core.RecFocusBlock, Tasks: []core.TaskRef{},
		Key:   RecKey(core.RecFocusBlock, day.Format(time.DateOnly)),
		Slot:  &core.Slot{Start: best.start.UTC(), End: best.end.UTC()},
		Title: fmt.Sprintf("Protect %s–%s on %s for focused work", best.start.In(c.loc).Format("15:04"), best.end.In(c.loc).Format("15:04"), dayName(c, day))}
	r.Explanation = fmt.Sprintf("%d of your next %d working days have no free block of %d minutes. This is the longest free span; block it in your calendar before meetings fill it.",
		without, seen, c.focusMin)
	return r
}
