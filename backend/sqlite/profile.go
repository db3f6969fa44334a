package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"sentry/backend/core"
)

var _ core.WorkloadStore = (*DB)(nil)

// CreateProfile stores a user's profile; conflict when one exists.
func (db *DB) CreateProfile(ctx context.Context, p *core.Profile) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM user_profiles WHERE user_id = ?`, p.UserID).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: create profile: %w", err)
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO user_profiles (id, user_id, role, department, timezone, working_hours, working_days, created_at, updated_at, version, hlc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`, p.ID, p.UserID, p.Role, p.Department, p.Timezone, hours, days,
		formatTime(p.CreatedAt), formatTime(p.UpdatedAt), hlc); err != nil {
		return formatError(err, "create profile", onViolation{Missing: "User not found.", Duplicate: "You already have a profile."})
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create profile: commit: %w", err)
	}
	return nil
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
	return findProfile(ctx, db.read, userID)
}

func findProfile(ctx context.Context, q sqlQueryer, userID string) (*core.Profile, error) {
	var p core.Profile
	var hours, days, created, updated string
	err := q.QueryRowContext(ctx, `SELECT id, user_id, role, department, timezone, working_hours, working_days, created_at, updated_at, version
		FROM user_profiles WHERE user_id = ? AND deleted_at IS NULL`, userID).
		Scan(&p.ID, &p.UserID, &p.Role, &p.Department, &p.Timezone, &hours, &days, &created, &updated, &p.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "No profile yet; create one with POST /api/profile/create.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find profile of %s: %w", userID, err)
	}
	if err := json.Unmarshal([]byte(hours), &p.WorkingHours); err != nil {
		return nil, fmt.Errorf("sqlite: decode working hours of %s: %w", userID, err)
	}
	if err := json.Unmarshal([]byte(days), &p.WorkingDays); err != nil {
		return nil, fmt.Errorf("sqlite: decode working days of %s: %w", userID, err)
	}
	if p.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if p.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateProfile writes p over the user's profile. not_found.
func (db *DB) UpdateProfile(ctx context.Context, p *core.Profile) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	cur, err := findProfile(ctx, tx, p.UserID)
	if err != nil {
		return err
	}
	p.ID, p.CreatedAt, p.UpdatedAt, p.Version = cur.ID, cur.CreatedAt, tx.now, cur.Version+1
	hours, days := profileJSON(p)
	hlc, err := tx.logChange(ctx, p.UserID, "user_profiles", p.ID, core.OpUpdate, profileFields(p))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE user_profiles SET role = ?, department = ?, timezone = ?, working_hours = ?, working_days = ?,
		updated_at = ?, version = ?, hlc = ? WHERE id = ?`, p.Role, p.Department, p.Timezone, hours, days,
		formatTime(p.UpdatedAt), p.Version, hlc, p.ID); err != nil {
		return fmt.Errorf("sqlite: update profile: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: update profile: commit: %w", err)
	}
	return nil
}

// upsertOwned writes the one row a user has in table (insert or update),
// logging the change. cols and vals exclude the bookkeeping columns.
func (db *DB) upsertOwned(ctx context.Context, table, userID string, cols []string, vals []any, fields map[string]any) (string, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var id string
	var version int64
	err = tx.QueryRowContext(ctx, `SELECT id, version FROM `+table+` WHERE user_id = ?`, userID).Scan(&id, &version)
	now := formatTime(tx.now)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id = NewID()
		hlc, err := tx.logChange(ctx, userID, table, id, core.OpInsert, fields)
		if err != nil {
			return "", err
		}
		q := `INSERT INTO ` + table + ` (id, user_id, ` + strings.Join(cols, ", ") + `, created_at, updated_at, version, hlc) VALUES (?, ?` +
			strings.Repeat(", ?", len(cols)) + `, ?, ?, 1, ?)`
		args := append(append([]any{id, userID}, vals...), now, now, hlc)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return "", formatError(err, "insert "+table, userMissing)
		}
	case err != nil:
		return "", fmt.Errorf("sqlite: find %s of %s: %w", table, userID, err)
	default:
		hlc, err := tx.logChange(ctx, userID, table, id, core.OpUpdate, fields)
		if err != nil {
			return "", err
		}
		set := strings.Join(cols, " = ?, ") + " = ?"
		args := append(append([]any{}, vals...), now, version+1, hlc, id)
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+set+`, updated_at = ?, deleted_at = NULL, version = ?, hlc = ? WHERE id = ?`, args...); err != nil {
			return "", formatError(err, "update "+table, onViolation{})
		}
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("sqlite: save %s: commit: %w", table, err)
	}
	return now, nil
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
	p := core.Preferences{UserID: userID}
	var meeting, notes, updated string
	err := db.read.QueryRowContext(ctx, `SELECT focus_block_minutes, meeting_preferences, notifications, updated_at
		FROM user_preferences WHERE user_id = ? AND deleted_at IS NULL`, userID).Scan(&p.FocusBlockMinutes, &meeting, &notes, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "No preferences saved.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find preferences of %s: %w", userID, err)
	}
	if err := json.Unmarshal([]byte(meeting), &p.MeetingPreferences); err != nil {
		return nil, fmt.Errorf("sqlite: decode meeting preferences of %s: %w", userID, err)
	}
	if err := json.Unmarshal([]byte(notes), &p.Notifications); err != nil {
		return nil, fmt.Errorf("sqlite: decode notifications of %s: %w", userID, err)
	}
	t, err := parseTime(updated)
	if err != nil {
		return nil, err
	}
	p.UpdatedAt = &t
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
	t, _ := parseTime(now)
	p.UpdatedAt = &t
	return nil
}

// FindConstraints returns not_found when the user saved none.
func (db *DB) FindConstraints(ctx context.Context, userID string) (*core.Constraints, error) {
	c := core.Constraints{UserID: userID}
	var daysOff, fixed, updated string
	err := db.read.QueryRowContext(ctx, `SELECT max_weekly_hours, days_off, fixed_commitments, updated_at
		FROM user_constraints WHERE user_id = ? AND deleted_at IS NULL`, userID).Scan(&c.MaxWeeklyHours, &daysOff, &fixed, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "No constraints saved.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find constraints of %s: %w", userID, err)
	}
	if err := json.Unmarshal([]byte(daysOff), &c.DaysOff); err != nil {
		return nil, fmt.Errorf("sqlite: decode days off of %s: %w", userID, err)
	}
	if err := json.Unmarshal([]byte(fixed), &c.FixedCommitments); err != nil {
		return nil, fmt.Errorf("sqlite: decode fixed commitments of %s: %w", userID, err)
	}
	t, err := parseTime(updated)
	if err != nil {
		return nil, err
	}
	c.UpdatedAt = &t
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
	t, _ := parseTime(now)
	c.UpdatedAt = &t
	return nil
}

// behaviorData is what user_behavioral_profiles.data holds beyond its columns.
type behaviorData struct {
	EstimateSamples int `json:"estimate_samples"`
}

// FindBehavioralProfile returns not_found before the first calculation.
func (db *DB) FindBehavioralProfile(ctx context.Context, userID string) (*core.BehavioralProfile, error) {
	b := core.BehavioralProfile{UserID: userID}
	var est, rate, daily sql.NullFloat64
	var peak, data, updated string
	err := db.read.QueryRowContext(ctx, `SELECT estimate_accuracy, completion_rate, avg_daily_completed, peak_hours, samples, data, updated_at
		FROM user_behavioral_profiles WHERE user_id = ? AND deleted_at IS NULL`, userID).Scan(&est, &rate, &daily, &peak, &b.Samples, &data, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "No behavioural profile yet.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find behavioural profile of %s: %w", userID, err)
	}
	if est.Valid {
		b.EstimateRatio = &est.Float64
	}
	if rate.Valid {
		b.CompletionRate = &rate.Float64
	}
	b.AvgDailyCompleted = daily.Float64
	if err := json.Unmarshal([]byte(peak), &b.PeakHours); err != nil {
		return nil, fmt.Errorf("sqlite: decode peak hours of %s: %w", userID, err)
	}
	var d behaviorData
	_ = json.Unmarshal([]byte(data), &d)
	b.EstimateSamples = d.EstimateSamples
	t, err := parseTime(updated)
	if err != nil {
		return nil, err
	}
	b.UpdatedAt = &t
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
	t, _ := parseTime(now)
	b.UpdatedAt = &t
	return nil
}
