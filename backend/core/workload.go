package core

import (
	"context"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // time zones resolve on every desktop, with or without a system database
	"unicode/utf8"
)

// Burnout levels, from the score: low < 20 ≤ moderate < 45 ≤ high < 70 ≤ critical.
const (
	LevelLow      = "low"
	LevelModerate = "moderate"
	LevelHigh     = "high"
	LevelCritical = "critical"
)

// Recommendation kinds.
const (
	RecDelegate    = "delegate"
	RecReschedule  = "reschedule"
	RecSkipMeeting = "skip_meeting"
	RecFocusBlock  = "focus_block"
	RecSplit       = "split"
)

// Recommendation states; feedback moves an open one to accepted or dismissed.
const (
	RecOpen       = "open"
	RecAccepted   = "accepted"
	RecDismissed  = "dismissed"
	RecSuperseded = "superseded"
)

// Event types of the workload feature.
const (
	// EventWorkloadChanged asks for a recalculation of a user's workload
	// (integrations publish it after a sync that bypassed the task service).
	EventWorkloadChanged = "workload.changed"
)

// WorkingHours is the daily working window in the profile's time zone.
type WorkingHours struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Profile is a user's working pattern: one per user.
type Profile struct {
	ID           string       `json:"id"`
	UserID       string       `json:"user_id"`
	Role         string       `json:"role"`
	Department   string       `json:"department"`
	Timezone     string       `json:"timezone"`
	WorkingHours WorkingHours `json:"working_hours"`
	// WorkingDays are ISO weekdays: 1 Monday … 7 Sunday.
	WorkingDays []int     `json:"working_days"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

// DefaultProfile is what calculations assume before a user creates one.
func DefaultProfile(userID string) *Profile {
	return &Profile{UserID: userID, Timezone: "UTC", WorkingHours: WorkingHours{Start: "09:00", End: "17:00"},
		WorkingDays: []int{1, 2, 3, 4, 5}}
}

// ParseClock parses "HH:MM" (00:00–24:00) into minutes after midnight.
func ParseClock(field, s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, FieldError(field, "%s must be a time of day such as 09:00.", fieldLabel(field))
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, FieldError(field, "%s must be a time of day such as 09:00.", fieldLabel(field))
	}
	return h*60 + m, nil
}

// Location returns the profile's time zone (validated on write).
func (p *Profile) Location() *time.Location {
	if loc, err := time.LoadLocation(p.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// WorkMinutes returns the working window as minutes after midnight.
func (p *Profile) WorkMinutes() (start, end int) {
	start, _ = ParseClock("working_hours.start", p.WorkingHours.Start)
	end, _ = ParseClock("working_hours.end", p.WorkingHours.End)
	return start, end
}

// IsWorkingDay reports whether an ISO weekday is one of the working days.
func (p *Profile) IsWorkingDay(isoWeekday int) bool {
	for _, d := range p.WorkingDays {
		if d == isoWeekday {
			return true
		}
	}
	return false
}

// ValidateTimezone checks an IANA time zone name.
func ValidateTimezone(tz string) error {
	if tz == "" {
		return FieldError("timezone", "Timezone is required, e.g. Europe/Berlin or UTC.")
	}
	if tz == "Local" || len(tz) > 64 || strings.ContainsAny(tz, "\x00\\") || strings.Contains(tz, "..") {
		return FieldError("timezone", "Unknown time zone %q.", truncate(tz, 64))
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return FieldError("timezone", "Unknown time zone %q; use an IANA name such as Europe/Berlin.", truncate(tz, 64))
	}
	return nil
}

// ValidateWeekdays checks a list of ISO weekdays (1–7, no repeats).
func ValidateWeekdays(field string, days []int) error {
	seen := map[int]bool{}
	for _, d := range days {
		if d < 1 || d > 7 {
			return FieldError(field, "%s must be ISO weekdays from 1 (Monday) to 7 (Sunday).", fieldLabel(field))
		}
		if seen[d] {
			return FieldError(field, "%s lists weekday %d twice.", fieldLabel(field), d)
		}
		seen[d] = true
	}
	return nil
}

// Validate checks a profile before it is stored.
func (p *Profile) Validate() error {
	var err error
	if p.Role, err = CleanText("role", p.Role, false); err != nil {
		return err
	}
	if p.Department, err = CleanText("department", p.Department, false); err != nil {
		return err
	}
	p.Role, p.Department = strings.TrimSpace(p.Role), strings.TrimSpace(p.Department)
	if utf8.RuneCountInString(p.Role) > 200 || strings.ContainsRune(p.Role, 0) {
		return FieldError("role", "Role must be at most 200 characters.")
	}
	if utf8.RuneCountInString(p.Department) > 200 || strings.ContainsRune(p.Department, 0) {
		return FieldError("department", "Department must be at most 200 characters.")
	}
	if err := ValidateTimezone(p.Timezone); err != nil {
		return err
	}
	start, err := ParseClock("working_hours.start", p.WorkingHours.Start)
	if err != nil {
		return err
	}
	end, err := ParseClock("working_hours.end", p.WorkingHours.End)
	if err != nil {
		return err
	}
	if end <= start {
		return FieldError("working_hours.end", "Working hours must end after they start.")
	}
	if len(p.WorkingDays) == 0 {
		return FieldError("working_days", "Give at least one working day (ISO weekdays 1–7).")
	}
	return ValidateWeekdays("working_days", p.WorkingDays)
}

// Preferences are a user's choices for focus time, meetings and notices.
type Preferences struct {
	UserID string `json:"user_id"`
	// FocusBlockMinutes is the shortest free block that counts as focus time.
	FocusBlockMinutes  int            `json:"focus_block_minutes"`
	MeetingPreferences map[string]any `json:"meeting_preferences"`
	Notifications      map[string]any `json:"notifications"`
	UpdatedAt          *time.Time     `json:"updated_at"`
}

// DefaultFocusBlockMinutes is the focus block before a user picks one.
const DefaultFocusBlockMinutes = 120

// DefaultPreferences are assumed until a user saves theirs.
func DefaultPreferences(userID string) *Preferences {
	return &Preferences{UserID: userID, FocusBlockMinutes: DefaultFocusBlockMinutes,
		MeetingPreferences: map[string]any{}, Notifications: map[string]any{}}
}

// Validate checks preferences before they are stored.
func (p *Preferences) Validate() error {
	if p.FocusBlockMinutes < 15 || p.FocusBlockMinutes > 480 {
		return FieldError("focus_block_minutes", "Focus block must be between 15 and 480 minutes.")
	}
	if p.MeetingPreferences == nil {
		p.MeetingPreferences = map[string]any{}
	}
	if p.Notifications == nil {
		p.Notifications = map[string]any{}
	}
	return nil
}

// FixedCommitment is a weekly block of time that is not available for work
// inside working hours (a school run, a standing class).
type FixedCommitment struct {
	Title   string `json:"title"`
	Weekday int    `json:"weekday"`
	Start   string `json:"start"`
	End     string `json:"end"`
}

// Constraints bound a user's capacity.
type Constraints struct {
	UserID         string  `json:"user_id"`
	MaxWeeklyHours float64 `json:"max_weekly_hours"`
	// DaysOff are local dates (YYYY-MM-DD) with no capacity.
	DaysOff          []string          `json:"days_off"`
	FixedCommitments []FixedCommitment `json:"fixed_commitments"`
	UpdatedAt        *time.Time        `json:"updated_at"`
}

// DefaultConstraints are assumed until a user saves theirs.
func DefaultConstraints(userID string) *Constraints {
	return &Constraints{UserID: userID, MaxWeeklyHours: 40, DaysOff: []string{}, FixedCommitments: []FixedCommitment{}}
}

// Validate checks constraints before they are stored.
func (c *Constraints) Validate() error {
	if c.MaxWeeklyHours != c.MaxWeeklyHours || c.MaxWeeklyHours < 0 || c.MaxWeeklyHours > 168 {
		return FieldError("max_weekly_hours", "Max weekly hours must be between 0 and 168.")
	}
	if c.DaysOff == nil {
		c.DaysOff = []string{}
	}
	if len(c.DaysOff) > 366 {
		return FieldError("days_off", "At most 366 days off.")
	}
	for _, d := range c.DaysOff {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return FieldError("days_off", "Days off must be dates such as 2026-12-24.")
		}
	}
	if c.FixedCommitments == nil {
		c.FixedCommitments = []FixedCommitment{}
	}
	if len(c.FixedCommitments) > 100 {
		return FieldError("fixed_commitments", "At most 100 fixed commitments.")
	}
	for i := range c.FixedCommitments {
		f := &c.FixedCommitments[i]
		var err error
		if f.Title, err = CleanText("fixed_commitments", f.Title, false); err != nil {
			return err
		}
		f.Title = strings.TrimSpace(f.Title)
		if utf8.RuneCountInString(f.Title) > 200 {
			return FieldError("fixed_commitments", "A commitment's title must be at most 200 characters.")
		}
		if f.Weekday < 1 || f.Weekday > 7 {
			return FieldError("fixed_commitments", "A commitment's weekday must be an ISO weekday from 1 (Monday) to 7 (Sunday).")
		}
		s, err := ParseClock("fixed_commitments", f.Start)
		if err != nil {
			return err
		}
		e, err := ParseClock("fixed_commitments", f.End)
		if err != nil {
			return err
		}
		if e <= s {
			return FieldError("fixed_commitments", "A commitment must end after it starts.")
		}
	}
	return nil
}

// BehavioralProfile is what a user's history says about how they work.
type BehavioralProfile struct {
	UserID string `json:"user_id"`
	// EstimateRatio is actual ÷ estimated hours over finished tasks with
	// both (nil until there are any).
	EstimateRatio *float64 `json:"estimate_ratio"`
	// EstimateSamples counts the tasks behind EstimateRatio.
	EstimateSamples int `json:"estimate_samples"`
	// CompletionRate is the share of tasks due in the last 30 days that
	// are done (nil when none were due).
	CompletionRate *float64 `json:"completion_rate"`
	// AvgDailyCompleted is tasks finished per day over the last 30 days.
	AvgDailyCompleted float64 `json:"avg_daily_completed"`
	// PeakHours are the local hours of day in which most tasks get done.
	PeakHours []int      `json:"peak_hours"`
	Samples   int        `json:"samples"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// Factor is one term of the burnout model: its contributions sum to the score.
type Factor struct {
	Name         string  `json:"name"`
	Value        float64 `json:"value"`
	Contribution float64 `json:"contribution"`
	// Weight is the most this factor can contribute.
	Weight      float64 `json:"weight"`
	Explanation string  `json:"explanation"`
}

// Trend compares an analysis with the one before it.
type Trend struct {
	// Direction is rising, falling, stable, or new (no earlier analysis).
	Direction     string   `json:"direction"`
	PreviousScore *float64 `json:"previous_score"`
	Change        float64  `json:"change"`
	// Average30d is the mean score of the last 30 days' analyses.
	Average30d *float64 `json:"average_30d"`
}

// ForecastDay is one day of the 14-day outlook from what is scheduled.
type ForecastDay struct {
	Date          string  `json:"date"`
	PlannedHours  float64 `json:"planned_hours"`
	MeetingHours  float64 `json:"meeting_hours"`
	CapacityHours float64 `json:"capacity_hours"`
	// Load is planned ÷ capacity over the 7 days starting this day.
	Load         float64 `json:"load"`
	OverCapacity bool    `json:"over_capacity"`
	DeadlinesDue int     `json:"deadlines_due"`
	Level        string  `json:"level"`
}

// BurnoutAnalysis is one scored look at a user's workload.
type BurnoutAnalysis struct {
	ID       string        `json:"id"`
	UserID   string        `json:"user_id"`
	Score    float64       `json:"score"`
	Level    string        `json:"level"`
	Factors  []Factor      `json:"factors"`
	Trend    Trend         `json:"trend"`
	Forecast []ForecastDay `json:"forecast"`
	// Summary holds the headline workload figures behind the factors.
	Summary map[string]any `json:"summary"`
	// Trigger is manual (asked for) or auto (a change recalculated it).
	Trigger    string    `json:"trigger"`
	AnalyzedAt time.Time `json:"analyzed_at"`
}

// LevelFor maps a score to its level.
func LevelFor(score float64) string {
	switch {
	case score >= 70:
		return LevelCritical
	case score >= 45:
		return LevelHigh
	case score >= 20:
		return LevelModerate
	}
	return LevelLow
}

// CheckIn is a questionnaire answer or free-text note (qualitative_data).
type CheckIn struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	// Kind is cbi (questionnaire, maybe with a note) or checkin (note only).
	Kind    string `json:"kind"`
	Content string `json:"content"`
	// CBIAnswers are the 7 answers (1–5, 0 for unanswered); CBIScore the
	// subscale score 0–100.
	CBIAnswers []int    `json:"cbi_answers,omitempty"`
	CBIScore   *float64 `json:"cbi_score"`
	// Tone is the note's tone from −1 (distressed) to +1 (positive).
	Tone       *float64  `json:"tone"`
	ToneLabel  string    `json:"tone_label,omitempty"`
	ToneEngine string    `json:"tone_engine,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
}

// TaskRef names a task a recommendation is about.
type TaskRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// NewDeadline is the proposed deadline of a reschedule or split.
	NewDeadline *time.Time `json:"new_deadline,omitempty"`
	// Parts are the tasks a split proposes in place of this one, one per
	// working day up to NewDeadline (only on a split).
	Parts []TaskPart `json:"parts,omitempty"`
}

// TaskPart is one daily part of a split task, ready to be created as a task.
type TaskPart struct {
	Title          string    `json:"title"`
	EstimatedHours float64   `json:"estimated_hours"`
	Deadline       time.Time `json:"deadline"`
}

// Slot is a proposed span of time (a focus block).
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Recommendation is one concrete, quantified suggestion.
type Recommendation struct {
	ID          string    `json:"id"`
	UserID      string    `json:"user_id"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Explanation string    `json:"explanation"`
	Tasks       []TaskRef `json:"tasks"`
	HoursFreed  float64   `json:"hours_freed"`
	Slot        *Slot     `json:"slot,omitempty"`
	// Key identifies the suggestion (kind and tasks) across generations,
	// so a dismissed one is never made again.
	Key        string     `json:"-"`
	Status     string     `json:"status"`
	Helpful    *bool      `json:"helpful"`
	CreatedAt  time.Time  `json:"created_at"`
	FeedbackAt *time.Time `json:"feedback_at"`
}

// WorkloadStore persists profiles, analyses, check-ins and recommendations.
type WorkloadStore interface {
	// CreateProfile stores a user's profile; conflict when one exists.
	CreateProfile(ctx context.Context, p *Profile) error
	// FindProfile returns not_found when the user has none.
	FindProfile(ctx context.Context, userID string) (*Profile, error)
	// UpdateProfile writes p over the user's profile. not_found.
	UpdateProfile(ctx context.Context, p *Profile) error
	// FindPreferences and FindConstraints return not_found when unset.
	FindPreferences(ctx context.Context, userID string) (*Preferences, error)
	SavePreferences(ctx context.Context, p *Preferences) error
	FindConstraints(ctx context.Context, userID string) (*Constraints, error)
	SaveConstraints(ctx context.Context, c *Constraints) error
	FindBehavioralProfile(ctx context.Context, userID string) (*BehavioralProfile, error)
	SaveBehavioralProfile(ctx context.Context, b *BehavioralProfile) error
	// WorkloadTasks returns a user's live tasks that matter since since:
	// open tasks, meetings ending after since, and tasks finished after it.
	WorkloadTasks(ctx context.Context, userID string, since time.Time) ([]*Task, error)
	// SaveBurnoutAnalysis inserts a; an auto analysis replaces the latest
	// one when that is also auto and of the same UTC day.
	SaveBurnoutAnalysis(ctx context.Context, a *BurnoutAnalysis) error
	// FindBurnoutAnalyses returns the newest first; not an error when none.
	FindBurnoutAnalyses(ctx context.Context, userID string, limit int) ([]*BurnoutAnalysis, error)
	CreateCheckIn(ctx context.Context, c *CheckIn) error
	// FindCheckIns returns check-ins recorded at or after since, newest first.
	FindCheckIns(ctx context.Context, userID string, since time.Time) ([]*CheckIn, error)
	// ReplaceRecommendations supersedes the user's open recommendations
	// with recs, in one transaction.
	ReplaceRecommendations(ctx context.Context, userID string, recs []*Recommendation) error
	// FindRecommendations returns the user's recommendations in the given
	// statuses (all when none), newest first.
	FindRecommendations(ctx context.Context, userID string, statuses ...string) ([]*Recommendation, error)
	// FindRecommendationByID returns not_found for unknown ones.
	FindRecommendationByID(ctx context.Context, id string) (*Recommendation, error)
	// SetRecommendationFeedback records feedback after check approves the
	// current row. not_found; check's error as is.
	SetRecommendationFeedback(ctx context.Context, id, status string, helpful *bool, check func(*Recommendation) error) (*Recommendation, error)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
