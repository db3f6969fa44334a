package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
)

var _ core.WorkloadStore = (*DB)(nil)

// CreateProfile stores a user's profile; conflict when one exists.
func (db *DB) CreateProfile(ctx context.Context, p *core.Profile) error {
	if !storable(p.UserID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM user_profiles WHERE user_id = $1`, p.UserID).Scan(&n); err != nil {
		return formatError(err, "create profile", onViolation{})
	}
	if n > 0 {
		return core.Errorf(core.ECONFLICT, "You already have a profile; change it with PUT /api/profile/{user_id}.")
	}
	if p.ID == "" {
		p.ID = NewID()
	}
	p.CreatedAt, p.UpdatedAt, p.Version = tx.now, tx.now, 1
	hours, days := profileJSON(p)
	hlc, err := tx.logChange(ctx, p.UserID, "user_profiles", p.ID, core.OpInsert, profileFields(p))
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO user_profiles (id, user_id, role, department, timezone, working_hours, working_days, created_at, updated_at, version, hlc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)`, p.ID, p.UserID, p.Role, p.Department, p.Timezone, hours, days,
		p.CreatedAt, p.UpdatedAt, hlc); err != nil {
		return formatError(err, "create profile", onViolation{Missing: "User not found.", Duplicate: "You already have a profile."})
	}
	return tx.commit(ctx, "create profile")
}

func profileJSON(p *core.Profile) (hours, days string) {
	h, _ := json.Marshal(p.WorkingHours)
	if p.WorkingDays == nil {
		p.WorkingDays = []int{}
	}
	d, _ := json.Marshal(p.WorkingDays)
	return string(h), string(d)
}

func profileFields(p *core.Profile) map[string]any {
	return map[string]any{"role": p.Role, "department": p.Department, "timezone": p.Timezone,
		"working_hours": p.WorkingHours, "working_days": p.WorkingDays}
}

// FindProfile returns not_found when the user has none.
func (db *DB) FindProfile(ctx context.Context, userID string) (*core.Profile, error) {
	return findProfile(ctx, db.pool, userID, "")
}

func findProfile(ctx context.Context, q queryer, userID, lock string) (*core.Profile, error) {
	none := core.Errorf(core.ENOTFOUND, "No profile yet; create one with POST /api/profile/create.")
	if !storable(userID) {
		return nil, none
	}
	var p core.Profile
	var hours, days []byte
	err := q.QueryRow(ctx, `SELECT id, user_id, role, department, timezone, working_hours, working_days, created_at, updated_at, version
		FROM user_profiles WHERE user_id = $1 AND deleted_at IS NULL`+lock, userID).
		Scan(&p.ID, &p.UserID, &p.Role, &p.Department, &p.Timezone, &hours, &days, &p.CreatedAt, &p.UpdatedAt, &p.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, none
	} else if err != nil {
		return nil, formatError(err, "find profile of "+userID, onViolation{})
	}
	if err := json.Unmarshal(hours, &p.WorkingHours); err != nil {
		return nil, fmt.Errorf("postgres: decode working hours of %s: %w", userID, err)
	}
	if err := json.Unmarshal(days, &p.WorkingDays); err != nil {
		return nil, fmt.Errorf("postgres: decode working days of %s: %w", userID, err)
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

// UpdateProfile writes p over the user's profile. not_found.
func (db *DB) UpdateProfile(ctx context.Context, p *core.Profile) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	cur, err := findProfile(ctx, tx, p.UserID, " FOR UPDATE")
	if err != nil {
		return err
	}
	p.ID, p.CreatedAt, p.UpdatedAt, p.Version = cur.ID, cur.CreatedAt, tx.now, cur.Version+1
	hours, days := profileJSON(p)
	hlc, err := tx.logChange(ctx, p.UserID, "user_profiles", p.ID, core.OpUpdate, profileFields(p))
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE user_profiles SET role = $1, department = $2, timezone = $3, working_hours = $4, working_days = $5,
		updated_at = $6, version = $7, hlc = $8 WHERE id = $9`, p.Role, p.Department, p.Timezone, hours, days,
		p.UpdatedAt, p.Version, hlc, p.ID); err != nil {
		return formatError(err, "update profile", onViolation{})
	}
	return tx.commit(ctx, "update profile")
}

// upsertOwned writes the one row a user has in table (insert or update),
// logging the change. cols and vals exclude the bookkeeping columns.
func (db *DB) upsertOwned(ctx context.Context, table, userID string, cols []string, vals []any, fields map[string]any) (time.Time, error) {
	if !storable(userID) {
		return time.Time{}, core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return time.Time{}, err
	}
	defer tx.rollback()
	var id string
	var version int64
	err = tx.QueryRow(ctx, `SELECT id, version FROM `+table+` WHERE user_id = $1 FOR UPDATE`, userID).Scan(&id, &version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		id = NewID()
		hlc, err := tx.logChange(ctx, userID, table, id, core.OpInsert, fields)
		if err != nil {
			return time.Time{}, err
		}
		ph := make([]string, len(cols))
		for i := range cols {
			ph[i] = fmt.Sprintf("$%d", i+3)
		}
		n := len(cols) + 2
		q := `INSERT INTO ` + table + ` (id, user_id, ` + strings.Join(cols, ", ") + `, created_at, updated_at, version, hlc) VALUES ($1, $2, ` +
			strings.Join(ph, ", ") + fmt.Sprintf(`, $%d, $%d, 1, $%d)`, n+1, n+1, n+2)
		args := append(append([]any{id, userID}, vals...), tx.now, hlc)
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return time.Time{}, formatError(err, "insert "+table, userMissing)
		}
	case err != nil:
		return time.Time{}, formatError(err, "find "+table+" of "+userID, onViolation{})
	default:
		hlc, err := tx.logChange(ctx, userID, table, id, core.OpUpdate, fields)
		if err != nil {
			return time.Time{}, err
		}
		sets := make([]string, len(cols))
		for i, c := range cols {
			sets[i] = fmt.Sprintf("%s = $%d", c, i+1)
		}
		n := len(cols)
		args := append(append([]any{}, vals...), tx.now, version+1, hlc, id)
		if _, err := tx.Exec(ctx, `UPDATE `+table+` SET `+strings.Join(sets, ", ")+
			fmt.Sprintf(`, updated_at = $%d, deleted_at = NULL, version = $%d, hlc = $%d WHERE id = $%d`, n+1, n+2, n+3, n+4), args...); err != nil {
			return time.Time{}, formatError(err, "update "+table, onViolation{})
		}
	}
	if err := tx.commit(ctx, "save "+table); err != nil {
		return time.Time{}, err
	}
	return tx.now, nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// FindPreferences returns not_found when the user saved none.
func (db *DB) FindPreferences(ctx context.Context, userID string) (*core.Preferences, error) {
	none := core.Errorf(core.ENOTFOUND, "No preferences saved.")
	if !storable(userID) {
		return nil, none
	}
	p := core.Preferences{UserID: userID}
	var meeting, notes []byte
	var updated time.Time
	err := db.pool.QueryRow(ctx, `SELECT focus_block_minutes, meeting_preferences, notifications, updated_at
		FROM user_preferences WHERE user_id = $1 AND deleted_at IS NULL`, userID).Scan(&p.FocusBlockMinutes, &meeting, &notes, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, none
	} else if err != nil {
		return nil, formatError(err, "find preferences of "+userID, onViolation{})
	}
	if err := json.Unmarshal(meeting, &p.MeetingPreferences); err != nil {
		return nil, fmt.Errorf("postgres: decode meeting preferences of %s: %w", userID, err)
	}
	if err := json.Unmarshal(notes, &p.Notifications); err != nil {
		return nil, fmt.Errorf("postgres: decode notifications of %s: %w", userID, err)
	}
	updated = updated.UTC()
	p.UpdatedAt = &updated
	return &p, nil
}

// SavePreferences inserts or replaces the user's preferences.
func (db *DB) SavePreferences(ctx context.Context, p *core.Preferences) error {
	fields := map[string]any{"focus_block_minutes": p.FocusBlockMinutes, "meeting_preferences": p.MeetingPreferences, "notifications": p.Notifications}
	now, err := db.upsertOwned(ctx, "user_preferences", p.UserID, []string{"focus_block_minutes", "meeting_preferences", "notifications"},
		[]any{p.FocusBlockMinutes, jsonText(p.MeetingPreferences), jsonText(p.Notifications)}, fields)
	if err != nil {
		return err
	}
	p.UpdatedAt = &now
	return nil
}

// FindConstraints returns not_found when the user saved none.
func (db *DB) FindConstraints(ctx context.Context, userID string) (*core.Constraints, error) {
	none := core.Errorf(core.ENOTFOUND, "No constraints saved.")
	if !storable(userID) {
		return nil, none
	}
	c := core.Constraints{UserID: userID}
	var daysOff, fixed []byte
	var updated time.Time
	err := db.pool.QueryRow(ctx, `SELECT max_weekly_hours, days_off, fixed_commitments, updated_at
		FROM user_constraints WHERE user_id = $1 AND deleted_at IS NULL`, userID).Scan(&c.MaxWeeklyHours, &daysOff, &fixed, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, none
	} else if err != nil {
		return nil, formatError(err, "find constraints of "+userID, onViolation{})
	}
	if err := json.Unmarshal(daysOff, &c.DaysOff); err != nil {
		return nil, fmt.Errorf("postgres: decode days off of %s: %w", userID, err)
	}
	if err := json.Unmarshal(fixed, &c.FixedCommitments); err != nil {
		return nil, fmt.Errorf("postgres: decode fixed commitments of %s: %w", userID, err)
	}
	updated = updated.UTC()
	c.UpdatedAt = &updated
	return &c, nil
}

// SaveConstraints inserts or replaces the user's constraints.
func (db *DB) SaveConstraints(ctx context.Context, c *core.Constraints) error {
	fields := map[string]any{"max_weekly_hours": c.MaxWeeklyHours, "days_off": c.DaysOff, "fixed_commitments": c.FixedCommitments}
	now, err := db.upsertOwned(ctx, "user_constraints", c.UserID, []string{"max_weekly_hours", "days_off", "fixed_commitments"},
		[]any{c.MaxWeeklyHours, jsonText(c.DaysOff), jsonText(c.FixedCommitments)}, fields)
	if err != nil {
		return err
	}
	c.UpdatedAt = &now
	return nil
}

// behaviorData is what user_behavioral_profiles.data holds beyond its columns.
type behaviorData struct {
	EstimateSamples int `json:"estimate_samples"`
}

// FindBehavioralProfile returns not_found before the first calculation.
func (db *DB) FindBehavioralProfile(ctx context.Context, userID string) (*core.BehavioralProfile, error) {
	none := core.Errorf(core.ENOTFOUND, "No behavioural profile yet.")
	if !storable(userID) {
		return nil, none
	}
	b := core.BehavioralProfile{UserID: userID}
	var daily *float64
	var peak, data []byte
	var updated time.Time
	err := db.pool.QueryRow(ctx, `SELECT estimate_accuracy, completion_rate, avg_daily_completed, peak_hours, samples, data, updated_at
		FROM user_behavioral_profiles WHERE user_id = $1 AND deleted_at IS NULL`, userID).
		Scan(&b.EstimateRatio, &b.CompletionRate, &daily, &peak, &b.Samples, &data, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, none
	} else if err != nil {
		return nil, formatError(err, "find behavioural profile of "+userID, onViolation{})
	}
	if daily != nil {
		b.AvgDailyCompleted = *daily
	}
	if err := json.Unmarshal(peak, &b.PeakHours); err != nil {
		return nil, fmt.Errorf("postgres: decode peak hours of %s: %w", userID, err)
	}
	var d behaviorData
	_ = json.Unmarshal(data, &d)
	b.EstimateSamples = d.EstimateSamples
	updated = updated.UTC()
	b.UpdatedAt = &updated
	return &b, nil
}

// SaveBehavioralProfile inserts or replaces the user's behavioural profile.
func (db *DB) SaveBehavioralProfile(ctx context.Context, b *core.BehavioralProfile) error {
	if b.PeakHours == nil {
		b.PeakHours = []int{}
	}
	data := behaviorData{EstimateSamples: b.EstimateSamples}
	fields := map[string]any{"estimate_accuracy": b.EstimateRatio, "completion_rate": b.CompletionRate,
		"avg_daily_completed": b.AvgDailyCompleted, "peak_hours": b.PeakHours, "samples": b.Samples}
	now, err := db.upsertOwned(ctx, "user_behavioral_profiles", b.UserID,
		[]string{"estimate_accuracy", "completion_rate", "avg_daily_completed", "peak_hours", "samples", "data"},
		[]any{b.EstimateRatio, b.CompletionRate, b.AvgDailyCompleted, jsonText(b.PeakHours), b.Samples, jsonText(data)}, fields)
	if err != nil {
		return err
	}
	b.UpdatedAt = &now
	return nil
}

// WorkloadTasks returns a user's live tasks that matter since since: every
// open task, meetings that end after since, and tasks finished after it.
func (db *DB) WorkloadTasks(ctx context.Context, userID string, since time.Time) ([]*core.Task, error) {
	if !storable(userID) {
		return nil, nil
	}
	s := ms(since)
	rows, err := db.pool.Query(ctx, `SELECT `+taskColumns+` FROM tasks
		WHERE user_id = $1 AND deleted_at IS NULL AND (
			status IN ('todo','in_progress')
			OR (task_type = 'meeting' AND end_time >= $2)
			OR (completed_at IS NOT NULL AND completed_at >= $2)
			OR (deadline IS NOT NULL AND deadline >= $2))
		ORDER BY id`, userID, s)
	if err != nil {
		return nil, formatError(err, "workload tasks of "+userID, onViolation{})
	}
	defer rows.Close()
	var out []*core.Task
	sc := newTaskScanner()
	for rows.Next() {
		t, err := sc.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: scan workload task: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "workload tasks of "+userID, onViolation{})
	}
	return out, nil
}

// SaveBurnoutAnalysis inserts a; an auto analysis replaces the latest one
// when that is also auto and of the same UTC day, so background
// recalculations keep one point per day in the history.
func (db *DB) SaveBurnoutAnalysis(ctx context.Context, a *core.BurnoutAnalysis) error {
	if !storable(a.UserID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if a.Trigger == "" {
		a.Trigger = "manual"
	}
	a.AnalyzedAt = ms(a.AnalyzedAt)
	factors, trend, forecast, summary := jsonText(a.Factors), jsonText(a.Trend), jsonText(a.Forecast), jsonText(a.Summary)
	fields := map[string]any{"score": a.Score, "level": a.Level, "analyzed_at": a.AnalyzedAt.Format(TimeFormat), "trigger": a.Trigger}
	// The user's row is locked so that two recalculations of one user
	// take turns, as SQLite's single writer makes them.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, a.UserID); err != nil {
		return formatError(err, "lock user "+a.UserID, onViolation{})
	}
	var lastID, lastTrigger string
	var lastAt time.Time
	var lastVersion int64
	err = tx.QueryRow(ctx, `SELECT id, run_trigger, analyzed_at, version FROM burnout_analyses WHERE user_id = $1 AND deleted_at IS NULL
		ORDER BY analyzed_at DESC, id DESC LIMIT 1`, a.UserID).Scan(&lastID, &lastTrigger, &lastAt, &lastVersion)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return formatError(err, "latest analysis of "+a.UserID, onViolation{})
	}
	if err == nil && a.Trigger == "auto" && lastTrigger == "auto" && lastAt.UTC().Format(time.DateOnly) == a.AnalyzedAt.Format(time.DateOnly) {
		a.ID = lastID
		hlc, err := tx.logChange(ctx, a.UserID, "burnout_analyses", a.ID, core.OpUpdate, fields)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE burnout_analyses SET score = $1, level = $2, factors = $3, metrics = $4, forecast = $5, trend = $6,
			analyzed_at = $7, updated_at = $8, version = $9, hlc = $10 WHERE id = $11`, a.Score, a.Level, factors, summary, forecast, trend,
			a.AnalyzedAt, tx.now, lastVersion+1, hlc, a.ID); err != nil {
			return formatError(err, "update analysis", onViolation{})
		}
	} else {
		if a.ID == "" {
			a.ID = NewID()
		}
		hlc, err := tx.logChange(ctx, a.UserID, "burnout_analyses", a.ID, core.OpInsert, fields)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO burnout_analyses (id, user_id, score, level, factors, metrics, forecast, trend, run_trigger,
			analyzed_at, created_at, updated_at, version, hlc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 1, $12)`,
			a.ID, a.UserID, a.Score, a.Level, factors, summary, forecast, trend, a.Trigger, a.AnalyzedAt, tx.now, hlc); err != nil {
			return formatError(err, "create analysis", userMissing)
		}
	}
	return tx.commit(ctx, "save analysis")
}

// FindBurnoutAnalyses returns a user's analyses, newest first.
func (db *DB) FindBurnoutAnalyses(ctx context.Context, userID string, limit int) ([]*core.BurnoutAnalysis, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out := []*core.BurnoutAnalysis{}
	if !storable(userID) {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id, user_id, score, level, factors, metrics, forecast, trend, run_trigger, analyzed_at
		FROM burnout_analyses WHERE user_id = $1 AND deleted_at IS NULL ORDER BY analyzed_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, formatError(err, "find analyses of "+userID, onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		var a core.BurnoutAnalysis
		var factors, summary, forecast, trend []byte
		if err := rows.Scan(&a.ID, &a.UserID, &a.Score, &a.Level, &factors, &summary, &forecast, &trend, &a.Trigger, &a.AnalyzedAt); err != nil {
			return nil, fmt.Errorf("postgres: scan analysis: %w", err)
		}
		for _, f := range []struct {
			raw []byte
			dst any
		}{{factors, &a.Factors}, {summary, &a.Summary}, {forecast, &a.Forecast}, {trend, &a.Trend}} {
			if err := json.Unmarshal(f.raw, f.dst); err != nil {
				return nil, fmt.Errorf("postgres: decode analysis %s: %w", a.ID, err)
			}
		}
		if a.Factors == nil {
			a.Factors = []core.Factor{}
		}
		if a.Forecast == nil {
			a.Forecast = []core.ForecastDay{}
		}
		a.AnalyzedAt = a.AnalyzedAt.UTC()
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find analyses of "+userID, onViolation{})
	}
	return out, nil
}

// checkInAnswers is what qualitative_data.answers holds.
type checkInAnswers struct {
	CBI        []int    `json:"cbi,omitempty"`
	CBIScore   *float64 `json:"cbi_score,omitempty"`
	ToneLabel  string   `json:"tone_label,omitempty"`
	ToneEngine string   `json:"tone_engine,omitempty"`
}

// CreateCheckIn stores a questionnaire answer or free-text note.
func (db *DB) CreateCheckIn(ctx context.Context, c *core.CheckIn) error {
	if !storable(c.UserID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if c.ID == "" {
		c.ID = NewID()
	}
	c.RecordedAt = ms(c.RecordedAt)
	answers := jsonText(checkInAnswers{CBI: c.CBIAnswers, CBIScore: c.CBIScore, ToneLabel: c.ToneLabel, ToneEngine: c.ToneEngine})
	// The note's text stays out of the change log's fields: it is private
	// and the row itself carries it.
	hlc, err := tx.logChange(ctx, c.UserID, "qualitative_data", c.ID, core.OpInsert, map[string]any{"kind": c.Kind, "cbi_score": c.CBIScore, "sentiment": c.Tone})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO qualitative_data (id, user_id, kind, content, answers, sentiment, recorded_at, created_at, updated_at, version, hlc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1, $9)`, c.ID, c.UserID, c.Kind, c.Content, answers, c.Tone, c.RecordedAt,
		tx.now, hlc); err != nil {
		return formatError(err, "create check-in", userMissing)
	}
	return tx.commit(ctx, "create check-in")
}

// FindCheckIns returns check-ins recorded at or after since, newest first.
func (db *DB) FindCheckIns(ctx context.Context, userID string, since time.Time) ([]*core.CheckIn, error) {
	out := []*core.CheckIn{}
	if !storable(userID) {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id, user_id, kind, content, answers, sentiment, recorded_at FROM qualitative_data
		WHERE user_id = $1 AND deleted_at IS NULL AND recorded_at >= $2 ORDER BY recorded_at DESC, id DESC LIMIT 500`, userID, ms(since))
	if err != nil {
		return nil, formatError(err, "find check-ins of "+userID, onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		var c core.CheckIn
		var answers []byte
		if err := rows.Scan(&c.ID, &c.UserID, &c.Kind, &c.Content, &answers, &c.Tone, &c.RecordedAt); err != nil {
			return nil, fmt.Errorf("postgres: scan check-in: %w", err)
		}
		var a checkInAnswers
		if err := json.Unmarshal(answers, &a); err != nil {
			return nil, fmt.Errorf("postgres: decode check-in %s: %w", c.ID, err)
		}
		c.CBIAnswers, c.CBIScore, c.ToneLabel, c.ToneEngine = a.CBI, a.CBIScore, a.ToneLabel, a.ToneEngine
		c.RecordedAt = c.RecordedAt.UTC()
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find check-ins of "+userID, onViolation{})
	}
	return out, nil
}

const recColumns = `id, user_id, kind, title, explanation, tasks, slot, hours_freed, rec_key, status, helpful, feedback_at, created_at`

func scanRecommendation(row pgx.Row) (*core.Recommendation, error) {
	var r core.Recommendation
	var tasks, slot []byte
	if err := row.Scan(&r.ID, &r.UserID, &r.Kind, &r.Title, &r.Explanation, &tasks, &slot, &r.HoursFreed, &r.Key, &r.Status,
		&r.Helpful, &r.FeedbackAt, &r.CreatedAt); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, core.Errorf(core.ENOTFOUND, "Recommendation not found.")
		}
		return nil, formatError(err, "scan recommendation", onViolation{})
	}
	if err := json.Unmarshal(tasks, &r.Tasks); err != nil {
		return nil, fmt.Errorf("postgres: decode recommendation %s: %w", r.ID, err)
	}
	if r.Tasks == nil {
		r.Tasks = []core.TaskRef{}
	}
	if len(slot) > 0 && string(slot) != "null" {
		r.Slot = &core.Slot{}
		if err := json.Unmarshal(slot, r.Slot); err != nil {
			return nil, fmt.Errorf("postgres: decode recommendation %s: %w", r.ID, err)
		}
	}
	r.FeedbackAt, r.CreatedAt = utcPtr(r.FeedbackAt), r.CreatedAt.UTC()
	return &r, nil
}

// ReplaceRecommendations supersedes the user's open recommendations with
// recs, in one transaction.
func (db *DB) ReplaceRecommendations(ctx context.Context, userID string, recs []*core.Recommendation) error {
	if !storable(userID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	rows, err := tx.Query(ctx, `SELECT id, version FROM recommendations WHERE user_id = $1 AND status = 'open' AND deleted_at IS NULL ORDER BY id FOR UPDATE`, userID)
	if err != nil {
		return formatError(err, "open recommendations of "+userID, onViolation{})
	}
	type idv struct {
		id string
		v  int64
	}
	var old []idv
	for rows.Next() {
		var x idv
		if err := rows.Scan(&x.id, &x.v); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: scan recommendation: %w", err)
		}
		old = append(old, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return formatError(err, "open recommendations of "+userID, onViolation{})
	}
	for _, o := range old {
		hlc, err := tx.logChange(ctx, userID, "recommendations", o.id, core.OpUpdate, map[string]any{"status": core.RecSuperseded})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE recommendations SET status = 'superseded', updated_at = $1, version = $2, hlc = $3 WHERE id = $4`,
			tx.now, o.v+1, hlc, o.id); err != nil {
			return formatError(err, "supersede recommendation", onViolation{})
		}
	}
	for _, r := range recs {
		if r.ID == "" {
			r.ID = NewID()
		}
		r.UserID, r.Status, r.CreatedAt = userID, core.RecOpen, tx.now
		if r.Tasks == nil {
			r.Tasks = []core.TaskRef{}
		}
		var slot any
		if r.Slot != nil {
			slot = jsonText(r.Slot)
		}
		hlc, err := tx.logChange(ctx, userID, "recommendations", r.ID, core.OpInsert, map[string]any{"kind": r.Kind, "title": r.Title,
			"hours_freed": r.HoursFreed, "tasks": r.Tasks, "status": r.Status})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO recommendations (`+recColumns+`, updated_at, version, hlc)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, $11, $11, 1, $12)`, r.ID, userID, r.Kind, r.Title, r.Explanation,
			jsonText(r.Tasks), slot, r.HoursFreed, r.Key, r.Status, tx.now, hlc); err != nil {
			return formatError(err, "create recommendation", userMissing)
		}
	}
	return tx.commit(ctx, "replace recommendations")
}

// FindRecommendations returns the user's recommendations in the given
// statuses (all when none), newest first.
func (db *DB) FindRecommendations(ctx context.Context, userID string, statuses ...string) ([]*core.Recommendation, error) {
	out := []*core.Recommendation{}
	if !storable(append([]string{userID}, statuses...)...) {
		return out, nil
	}
	q := `SELECT ` + recColumns + ` FROM recommendations WHERE user_id = $1 AND deleted_at IS NULL`
	args := []any{userID}
	if len(statuses) > 0 {
		q += ` AND status = ANY($2::text[])`
		args = append(args, statuses)
	}
	q += ` ORDER BY created_at DESC, hours_freed DESC, id LIMIT 1000`
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, formatError(err, "find recommendations of "+userID, onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecommendation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find recommendations of "+userID, onViolation{})
	}
	return out, nil
}

// FindRecommendationByID returns not_found for unknown ones.
func (db *DB) FindRecommendationByID(ctx context.Context, id string) (*core.Recommendation, error) {
	if !storable(id) {
		return nil, core.Errorf(core.ENOTFOUND, "Recommendation not found.")
	}
	return scanRecommendation(db.pool.QueryRow(ctx, `SELECT `+recColumns+` FROM recommendations WHERE id = $1 AND deleted_at IS NULL`, id))
}

// SetRecommendationFeedback records feedback after check approves the
// row, which stays locked until the transaction ends.
func (db *DB) SetRecommendationFeedback(ctx context.Context, id, status string, helpful *bool, check func(*core.Recommendation) error) (*core.Recommendation, error) {
	if !storable(id) {
		return nil, core.Errorf(core.ENOTFOUND, "Recommendation not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	r, err := scanRecommendation(tx.QueryRow(ctx, `SELECT `+recColumns+` FROM recommendations WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, id))
	if err != nil {
		return nil, err
	}
	if err := check(r); err != nil {
		return nil, err
	}
	var version int64
	if err := tx.QueryRow(ctx, `SELECT version FROM recommendations WHERE id = $1`, id).Scan(&version); err != nil {
		return nil, formatError(err, "recommendation version", onViolation{})
	}
	r.Status, r.Helpful = status, helpful
	at := tx.now
	r.FeedbackAt = &at
	if status == core.RecOpen {
		// Taken back: as if never answered.
		r.FeedbackAt = nil
	}
	hlc, err := tx.logChange(ctx, r.UserID, "recommendations", id, core.OpUpdate, map[string]any{"status": status, "helpful": helpful})
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE recommendations SET status = $1, helpful = $2, feedback_at = $3, updated_at = $4, version = $5, hlc = $6 WHERE id = $7`,
		status, helpful, r.FeedbackAt, at, version+1, hlc, id); err != nil {
		return nil, formatError(err, "recommendation feedback", onViolation{})
	}
	if err := tx.commit(ctx, "recommendation feedback"); err != nil {
		return nil, err
	}
	return r, nil
}
