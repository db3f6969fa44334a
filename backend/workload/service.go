package workload

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"sentry/backend/core"
)

// Service owns the rules of profiles, workload, burnout and
// recommendations; the store only persists.
type Service struct {
	store  core.WorkloadStore
	logger *slog.Logger
	// Tone rates check-in notes; the built-in Lexicon by default.
	Tone ToneScorer
	// Now is the clock.
	Now func() time.Time
	// Changed is told when a user's inputs change outside the task service
	// (profile, constraints, check-ins), so the status is recalculated.
	Changed func(userID string)
}

// NewService returns the workload feature over store.
func NewService(store core.WorkloadStore, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, logger: logger, Tone: Lexicon{}, Now: time.Now}
}

func (s *Service) changed(userID string) {
	if s.Changed != nil {
		s.Changed(userID)
	}
}

// ProfileInput is a profile's fields as sent; nil means not given.
type ProfileInput struct {
	Role         *string
	Department   *string
	Timezone     *string
	WorkingHours *core.WorkingHours
	WorkingDays  *[]int
}

func (in ProfileInput) apply(p *core.Profile) {
	if in.Role != nil {
		p.Role = *in.Role
	}
	if in.Department != nil {
		p.Department = *in.Department
	}
	if in.Timezone != nil {
		p.Timezone = strings.TrimSpace(*in.Timezone)
	}
	if in.WorkingHours != nil {
		p.WorkingHours = *in.WorkingHours
	}
	if in.WorkingDays != nil {
		p.WorkingDays = append([]int{}, (*in.WorkingDays)...)
	}
}

// ProfileView is a profile with the user's preferences and constraints
// (defaults where none were saved).
type ProfileView struct {
	*core.Profile
	Preferences *core.Preferences `json:"preferences"`
	Constraints *core.Constraints `json:"constraints"`
}

// CreateProfile creates the caller's profile; conflict when one exists.
// Working hours and days default to 09:00–17:00, Monday to Friday.
func (s *Service) CreateProfile(ctx context.Context, userID string, in ProfileInput) (*ProfileView, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	if in.Timezone == nil {
		return nil, core.FieldError("timezone", "Timezone is required, e.g. Europe/Berlin or UTC.")
	}
	p := core.DefaultProfile(userID)
	in.apply(p)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.CreateProfile(ctx, p); err != nil {
		return nil, err
	}
	s.changed(userID)
	return s.view(ctx, p)
}

func (s *Service) view(ctx context.Context, p *core.Profile) (*ProfileView, error) {
	prefs, err := s.preferences(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	cons, err := s.constraints(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	return &ProfileView{Profile: p, Preferences: prefs, Constraints: cons}, nil
}

// GetProfile returns the caller's profile; not_found before it is created.
func (s *Service) GetProfile(ctx context.Context, userID string) (*ProfileView, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	p, err := s.store.FindProfile(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, p)
}

// UpdateProfile changes the given fields of the caller's profile.
func (s *Service) UpdateProfile(ctx context.Context, userID string, in ProfileInput) (*ProfileView, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	p, err := s.store.FindProfile(ctx, userID)
	if err != nil {
		return nil, err
	}
	in.apply(p)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.UpdateProfile(ctx, p); err != nil {
		return nil, err
	}
	s.changed(userID)
	return s.view(ctx, p)
}

func (s *Service) preferences(ctx context.Context, userID string) (*core.Preferences, error) {
	p, err := s.store.FindPreferences(ctx, userID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return core.DefaultPreferences(userID), nil
	}
	return p, err
}

func (s *Service) constraints(ctx context.Context, userID string) (*core.Constraints, error) {
	c, err := s.store.FindConstraints(ctx, userID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return core.DefaultConstraints(userID), nil
	}
	return c, err
}

// PreferencesInput holds the preferences sent; nil means unchanged.
type PreferencesInput struct {
	FocusBlockMinutes  *int
	MeetingPreferences *map[string]any
	Notifications      *map[string]any
}

// SavePreferences changes the given preferences of the caller.
func (s *Service) SavePreferences(ctx context.Context, userID string, in PreferencesInput) (*core.Preferences, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	p, err := s.preferences(ctx, userID)
	if err != nil {
		return nil, err
	}
	if in.FocusBlockMinutes != nil {
		p.FocusBlockMinutes = *in.FocusBlockMinutes
	}
	if in.MeetingPreferences != nil {
		p.MeetingPreferences = *in.MeetingPreferences
	}
	if in.Notifications != nil {
		p.Notifications = *in.Notifications
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.SavePreferences(ctx, p); err != nil {
		return nil, err
	}
	s.changed(userID)
	return p, nil
}

// ConstraintsInput holds the constraints sent; max_weekly_hours is required.
type ConstraintsInput struct {
	MaxWeeklyHours   *float64
	DaysOff          *[]string
	FixedCommitments *[]core.FixedCommitment
}

// SaveConstraints sets the caller's capacity constraints.
func (s *Service) SaveConstraints(ctx context.Context, userID string, in ConstraintsInput) (*core.Constraints, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	if in.MaxWeeklyHours == nil {
		return nil, core.FieldError("max_weekly_hours", "Max weekly hours is required.")
	}
	c, err := s.constraints(ctx, userID)
	if err != nil {
		return nil, err
	}
	c.MaxWeeklyHours = *in.MaxWeeklyHours
	if in.DaysOff != nil {
		c.DaysOff = *in.DaysOff
	}
	if in.FixedCommitments != nil {
		c.FixedCommitments = *in.FixedCommitments
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.SaveConstraints(ctx, c); err != nil {
		return nil, err
	}
	s.changed(userID)
	return c, nil
}

// historyDays of finished tasks feed the behavioural profile.
const historyDays = 90

// input loads everything a calculation needs for userID.
func (s *Service) input(ctx context.Context, userID string) (Input, bool, error) {
	now := s.Now().UTC()
	in := Input{Now: now}
	defaults := false
	p, err := s.store.FindProfile(ctx, userID)
	switch core.ErrorCode(err) {
	case "":
		in.Profile = p
	case core.ENOTFOUND:
		in.Profile, defaults = core.DefaultProfile(userID), true
	default:
		return in, false, err
	}
	if in.Preferences, err = s.preferences(ctx, userID); err != nil {
		return in, false, err
	}
	if in.Constraints, err = s.constraints(ctx, userID); err != nil {
		return in, false, err
	}
	if in.Tasks, err = s.store.WorkloadTasks(ctx, userID, now.Add(-historyDays*24*time.Hour)); err != nil {
		return in, false, err
	}
	if in.CheckIns, err = s.store.FindCheckIns(ctx, userID, now.Add(-30*24*time.Hour)); err != nil {
		return in, false, err
	}
	b := Learn(in.Tasks, now, in.Profile.Location())
	b.UserID = userID
	in.Behavior = &b
	return in, defaults, nil
}

// MetricsQuery selects the window of a metrics request.
type MetricsQuery struct {
	// Start is a local date (YYYY-MM-DD); today when empty.
	Start string
	// Days is the window's length, 1–92 (14 when 0).
	Days int
}

// Metrics computes the caller's workload figures over a window.
func (s *Service) Metrics(ctx context.Context, userID string, q MetricsQuery) (*Metrics, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	return s.metrics(ctx, userID, q)
}

func (s *Service) metrics(ctx context.Context, userID string, q MetricsQuery) (*Metrics, error) {
	if q.Days == 0 {
		q.Days = DefaultWindowDays
	}
	if q.Days < 1 || q.Days > MaxWindowDays {
		return nil, core.FieldError("days", "Days must be between 1 and %d.", MaxWindowDays)
	}
	in, defaults, err := s.input(ctx, userID)
	if err != nil {
		return nil, err
	}
	loc := in.Profile.Location()
	start := in.Now.In(loc)
	if q.Start != "" {
		d, err := time.ParseInLocation(time.DateOnly, q.Start, loc)
		if err != nil {
			return nil, core.FieldError("start", "Start must be a date such as 2026-11-25.")
		}
		if d.Sub(start).Abs() > 366*24*time.Hour {
			return nil, core.FieldError("start", "Start must be within a year of today.")
		}
		start = d
	}
	m := Compute(in, start, q.Days)
	m.UserID, m.ProfileDefaults = userID, defaults
	return &m, nil
}

// Calculate computes the caller's metrics and stores the behavioural
// profile learned from their history.
func (s *Service) Calculate(ctx context.Context, userID string, q MetricsQuery) (*Metrics, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	m, err := s.metrics(ctx, userID, q)
	if err != nil {
		return nil, err
	}
	b := m.Behavior
	if err := s.store.SaveBehavioralProfile(ctx, &b); err != nil {
		return nil, err
	}
	m.Behavior = b
	return m, nil
}

// Analysis triggers.
const (
	TriggerManual = "manual"
	TriggerAuto   = "auto"
)

// Analyze scores the caller's burnout risk now and stores the analysis.
func (s *Service) Analyze(ctx context.Context, userID string) (*core.BurnoutAnalysis, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	return s.analyze(ctx, userID, TriggerManual)
}

// Recalculate re-scores a user in the background after a change. It is
// called by the system, never with a caller's request.
func (s *Service) Recalculate(ctx context.Context, userID string) (*core.BurnoutAnalysis, error) {
	return s.analyze(ctx, userID, TriggerAuto)
}

func (s *Service) analyze(ctx context.Context, userID, trigger string) (*core.BurnoutAnalysis, error) {
	in, _, err := s.input(ctx, userID)
	if err != nil {
		return nil, err
	}
	a := Analysis(in)
	a.UserID, a.Trigger = userID, trigger
	earlier, err := s.store.FindBurnoutAnalyses(ctx, userID, 100)
	if err != nil {
		return nil, err
	}
	// An automatic run replaces today's automatic point; compare with the
	// one before it.
	if trigger == TriggerAuto && len(earlier) > 0 && earlier[0].Trigger == TriggerAuto &&
		earlier[0].AnalyzedAt.UTC().Format(time.DateOnly) == a.AnalyzedAt.UTC().Format(time.DateOnly) {
		earlier = earlier[1:]
	}
	a.Trend = TrendOf(a.Score, earlier, in.Now)
	if err := s.store.SaveBurnoutAnalysis(ctx, a); err != nil {
		return nil, err
	}
	if err := s.store.SaveBehavioralProfile(ctx, in.Behavior); err != nil {
		return nil, err
	}
	return a, nil
}

// Status returns the caller's latest analysis, analysing now if there is none.
func (s *Service) Status(ctx context.Context, userID string) (*core.BurnoutAnalysis, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	list, err := s.store.FindBurnoutAnalyses(ctx, userID, 1)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		return list[0], nil
	}
	return s.analyze(ctx, userID, TriggerAuto)
}

// History returns the caller's analyses, newest first.
func (s *Service) History(ctx context.Context, userID string, limit int) ([]*core.BurnoutAnalysis, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 30
	}
	if limit < 1 || limit > 365 {
		return nil, core.FieldError("limit", "Limit must be between 1 and 365.")
	}
	return s.store.FindBurnoutAnalyses(ctx, userID, limit)
}

// CheckInInput is a burnout check-in: the CBI answers, a note, or both.
type CheckInInput struct {
	// CBIAnswers are the 7 answers (1–5; 0 skips one), or nil.
	CBIAnswers []int
	Note       string
}

// MaxNoteLen bounds a check-in note.
const MaxNoteLen = 5000

// CheckIn records the caller's questionnaire answers and/or note, with the
// subscale score and the note's tone.
func (s *Service) CheckIn(ctx context.Context, userID string, in CheckInInput) (*core.CheckIn, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	note, err := core.CleanText("checkin", in.Note, true)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if in.CBIAnswers == nil && note == "" {
		return nil, core.FieldError("cbi_answers", "Send cbi_answers, a checkin note, or both.")
	}
	if utf8.RuneCountInString(note) > MaxNoteLen || strings.ContainsRune(note, 0) {
		return nil, core.FieldError("checkin", "The note must be at most %d characters.", MaxNoteLen)
	}
	c := &core.CheckIn{UserID: userID, Kind: "checkin", Content: note, RecordedAt: s.Now().UTC().Truncate(time.Millisecond)}
	if in.CBIAnswers != nil {
		score, err := ScoreCBI(in.CBIAnswers)
		if err != nil {
			return nil, err
		}
		c.Kind, c.CBIAnswers, c.CBIScore = "cbi", in.CBIAnswers, &score
	}
	if note != "" {
		tone, engine := s.tone(ctx, note)
		c.Tone, c.ToneLabel, c.ToneEngine = &tone, ToneLabel(tone), engine
	}
	if err := s.store.CreateCheckIn(ctx, c); err != nil {
		return nil, err
	}
	s.changed(userID)
	return c, nil
}

// tone rates a note with the configured scorer, falling back to the lexicon.
func (s *Service) tone(ctx context.Context, note string) (float64, string) {
	if s.Tone != nil {
		if t, err := s.Tone.Tone(ctx, note); err == nil && t >= -1 && t <= 1 {
			return t, s.Tone.Name()
		} else if err != nil {
			s.logger.Warn("tone scorer failed; using the lexicon", slog.String("scorer", s.Tone.Name()), slog.Any("error", err))
		}
	}
	return LexiconTone(note), Lexicon{}.Name()
}

// Generate makes a fresh set of recommendations for the caller, replacing
// the open ones, shaped by the feedback on earlier ones.
func (s *Service) Generate(ctx context.Context, userID string) (*Plan, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	in, _, err := s.input(ctx, userID)
	if err != nil {
		return nil, err
	}
	past, err := s.store.FindRecommendations(ctx, userID, core.RecAccepted, core.RecDismissed)
	if err != nil {
		return nil, err
	}
	p := Recommend(in, LearnFeedback(past, in.Now))
	if err := s.store.ReplaceRecommendations(ctx, userID, p.Recommendations); err != nil {
		return nil, err
	}
	return &p, nil
}

// Recommendations returns the caller's open recommendations.
func (s *Service) Recommendations(ctx context.Context, userID string) ([]*core.Recommendation, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	return s.store.FindRecommendations(ctx, userID, core.RecOpen)
}

// Feedback records the caller's answer to one of their recommendations:
// accepted or dismissed, and whether it helped; open takes the answer back
// (the user undid what accepting changed), so it teaches nothing.
func (s *Service) Feedback(ctx context.Context, recommendationID, action string, helpful *bool) (*core.Recommendation, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if action != core.RecAccepted && action != core.RecDismissed && action != core.RecOpen {
		return nil, core.FieldError("action", "Action must be accepted, dismissed or open (to take an answer back).")
	}
	if action == core.RecOpen && helpful != nil {
		return nil, core.FieldError("helpful", "An open recommendation has no rating yet.")
	}
	if recommendationID == "" {
		return nil, core.FieldError("recommendation_id", "recommendation_id is required.")
	}
	return s.store.SetRecommendationFeedback(ctx, recommendationID, action, helpful, func(r *core.Recommendation) error {
		if r.UserID != u.ID {
			return core.Errorf(core.ENOTFOUND, "Recommendation not found.")
		}
		return nil
	})
}
