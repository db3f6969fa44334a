package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"sentry/backend/core"
)

// WorkloadTasks returns a user's live tasks that matter since since: every
// open task, meetings that end after since, and tasks finished after it.
func (db *DB) WorkloadTasks(ctx context.Context, userID string, since time.Time) ([]*core.Task, error) {
	s := formatTime(since)
	rows, err := db.read.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks
		WHERE user_id = ? AND deleted_at IS NULL AND (
			status IN ('todo','in_progress')
			OR (task_type = 'meeting' AND end_time >= ?)
			OR (completed_at IS NOT NULL AND completed_at >= ?)
			OR (deadline IS NOT NULL AND deadline >= ?))
		ORDER BY id`, userID, s, s, s)
	if err != nil {
		return nil, fmt.Errorf("sqlite: workload tasks of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []*core.Task
	sc := newTaskScanner()
	for rows.Next() {
		t, err := sc.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: scan workload task: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SaveBurnoutAnalysis inserts a; an auto analysis replaces the latest one
// when that is also auto and of the same UTC day, so background
// recalculations keep one point per day in the history.
func (db *DB) SaveBurnoutAnalysis(ctx context.Context, a *core.BurnoutAnalysis) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if a.Trigger == "" {
		a.Trigger = "manual"
	}
	factors, trend, forecast, summary := jsonText(a.Factors), jsonText(a.Trend), jsonText(a.Forecast), jsonText(a.Summary)
	fields := map[string]any{"score": a.Score, "level": a.Level, "analyzed_at": formatTime(a.AnalyzedAt), "trigger": a.Trigger}
	var lastID, lastTrigger, lastAt string
	var lastVersion int64
	err = tx.QueryRowContext(ctx, `SELECT id, run_trigger, analyzed_at, version FROM burnout_analyses WHERE user_id = ? AND deleted_at IS NULL
		ORDER BY analyzed_at DESC, id DESC LIMIT 1`, a.UserID).Scan(&lastID, &lastTrigger, &lastAt, &lastVersion)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: latest analysis of %s: %w", a.UserID, err)
	}
	if err == nil && a.Trigger == "auto" && lastTrigger == "auto" && strings.HasPrefix(lastAt, a.AnalyzedAt.UTC().Format(time.DateOnly)) {
		a.ID = lastID
		hlc, err := tx.logChange(ctx, a.UserID, "burnout_analyses", a.ID, core.OpUpdate, fields)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE burnout_analyses SET score = ?, level = ?, factors = ?, metrics = ?, forecast = ?, trend = ?,
			analyzed_at = ?, updated_at = ?, version = ?, hlc = ? WHERE id = ?`, a.Score, a.Level, factors, summary, forecast, trend,
			formatTime(a.AnalyzedAt), formatTime(tx.now), lastVersion+1, hlc, a.ID); err != nil {
			return fmt.Errorf("sqlite: update analysis: %w", err)
		}
	} else {
		if a.ID == "" {
			a.ID = NewID()
		}
		hlc, err := tx.logChange(ctx, a.UserID, "burnout_analyses", a.ID, core.OpInsert, fields)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO burnout_analyses (id, user_id, score, level, factors, metrics, forecast, trend, run_trigger,
			analyzed_at, created_at, updated_at, version, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
			a.ID, a.UserID, a.Score, a.Level, factors, summary, forecast, trend, a.Trigger, formatTime(a.AnalyzedAt),
			formatTime(tx.now), formatTime(tx.now), hlc); err != nil {
			return formatError(err, "create analysis", userMissing)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: save analysis: commit: %w", err)
	}
	return nil
}

// FindBurnoutAnalyses returns a user's analyses, newest first.
func (db *DB) FindBurnoutAnalyses(ctx context.Context, userID string, limit int) ([]*core.BurnoutAnalysis, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, user_id, score, level, factors, metrics, forecast, trend, run_trigger, analyzed_at
		FROM burnout_analyses WHERE user_id = ? AND deleted_at IS NULL ORDER BY analyzed_at DESC, id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find analyses of %s: %w", userID, err)
	}
	defer rows.Close()
	out := []*core.BurnoutAnalysis{}
	for rows.Next() {
		var a core.BurnoutAnalysis
		var factors, summary, forecast, trend, at string
		if err := rows.Scan(&a.ID, &a.UserID, &a.Score, &a.Level, &factors, &summary, &forecast, &trend, &a.Trigger, &at); err != nil {
			return nil, fmt.Errorf("sqlite: scan analysis: %w", err)
		}
		for _, f := range []struct {
			raw string
			dst any
		}{{factors, &a.Factors}, {summary, &a.Summary}, {forecast, &a.Forecast}, {trend, &a.Trend}} {
			if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
				return nil, fmt.Errorf("sqlite: decode analysis %s: %w", a.ID, err)
			}
		}
		if a.Factors == nil {
			a.Factors = []core.Factor{}
		}
		if a.Forecast == nil {
			a.Forecast = []core.ForecastDay{}
		}
		if a.AnalyzedAt, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, &a)
	}
	return out, rows.Err()
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
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if c.ID == "" {
		c.ID = NewID()
	}
	answers := jsonText(checkInAnswers{CBI: c.CBIAnswers, CBIScore: c.CBIScore, ToneLabel: c.ToneLabel, ToneEngine: c.ToneEngine})
	// The note's text stays out of the change log's fields: it is private
	// and the row itself carries it.
	hlc, err := tx.logChange(ctx, c.UserID, "qualitative_data", c.ID, core.OpInsert, map[string]any{"kind": c.Kind, "cbi_score": c.CBIScore, "sentiment": c.Tone})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO qualitative_data (id, user_id, kind, content, answers, sentiment, recorded_at, created_at, updated_at, version, hlc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`, c.ID, c.UserID, c.Kind, c.Content, answers, c.Tone, formatTime(c.RecordedAt),
		formatTime(tx.now), formatTime(tx.now), hlc); err != nil {
		return formatError(err, "create check-in", userMissing)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create check-in: commit: %w", err)
	}
	return nil
}

// FindCheckIns returns check-ins recorded at or after since, newest first.
func (db *DB) FindCheckIns(ctx context.Context, userID string, since time.Time) ([]*core.CheckIn, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, user_id, kind, content, answers, sentiment, recorded_at FROM qualitative_data
		WHERE user_id = ? AND deleted_at IS NULL AND recorded_at >= ? ORDER BY recorded_at DESC, id DESC LIMIT 500`, userID, formatTime(since))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find check-ins of %s: %w", userID, err)
	}
	defer rows.Close()
	out := []*core.CheckIn{}
	for rows.Next() {
		var c core.CheckIn
		var answers, at string
		var tone sql.NullFloat64
		if err := rows.Scan(&c.ID, &c.UserID, &c.Kind, &c.Content, &answers, &tone, &at); err != nil {
			return nil, fmt.Errorf("sqlite: scan check-in: %w", err)
		}
		var a checkInAnswers
		if err := json.Unmarshal([]byte(answers), &a); err != nil {
			return nil, fmt.Errorf("sqlite: decode check-in %s: %w", c.ID, err)
		}
		c.CBIAnswers, c.CBIScore, c.ToneLabel, c.ToneEngine = a.CBI, a.CBIScore, a.ToneLabel, a.ToneEngine
		if tone.Valid {
			c.Tone = &tone.Float64
		}
		if c.RecordedAt, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

const recColumns = `id, user_id, kind, title, explanation, tasks, slot, hours_freed, rec_key, status, helpful, feedback_at, created_at`

func scanRecommendation(row interface{ Scan(...any) error }) (*core.Recommendation, error) {
	var r core.Recommendation
	var tasks, created string
	var slot, feedback sql.NullString
	var helpful sql.NullBool
	if err := row.Scan(&r.ID, &r.UserID, &r.Kind, &r.Title, &r.Explanation, &tasks, &slot, &r.HoursFreed, &r.Key, &r.Status,
		&helpful, &feedback, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, core.Errorf(core.ENOTFOUND, "Recommendation not found.")
		}
		return nil, fmt.Errorf("sqlite: scan recommendation: %w", err)
	}
	if err := json.Unmarshal([]byte(tasks), &r.Tasks); err != nil {
		return nil, fmt.Errorf("sqlite: decode recommendation %s: %w", r.ID, err)
	}
	if r.Tasks == nil {
		r.Tasks = []core.TaskRef{}
	}
	if slot.Valid && slot.String != "" {
		r.Slot = &core.Slot{}
		if err := json.Unmarshal([]byte(slot.String), r.Slot); err != nil {
			return nil, fmt.Errorf("sqlite: decode recommendation %s: %w", r.ID, err)
		}
	}
	if helpful.Valid {
		r.Helpful = &helpful.Bool
	}
	var err error
	if r.FeedbackAt, err = parseTimePtr(feedback); err != nil {
		return nil, err
	}
	if r.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReplaceRecommendations supersedes the user's open recommendations with
// recs, in one transaction.
func (db *DB) ReplaceRecommendations(ctx context.Context, userID string, recs []*core.Recommendation) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, version FROM recommendations WHERE user_id = ? AND status = 'open' AND deleted_at IS NULL`, userID)
	if err != nil {
		return fmt.Errorf("sqlite: open recommendations of %s: %w", userID, err)
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
			return fmt.Errorf("sqlite: scan recommendation: %w", err)
		}
		old = append(old, x)
	}
	rows.Close()
	now := formatTime(tx.now)
	for _, o := range old {
		hlc, err := tx.logChange(ctx, userID, "recommendations", o.id, core.OpUpdate, map[string]any{"status": core.RecSuperseded})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE recommendations SET status = 'superseded', updated_at = ?, version = ?, hlc = ? WHERE id = ?`,
			now, o.v+1, hlc, o.id); err != nil {
			return fmt.Errorf("sqlite: supersede recommendation: %w", err)
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO recommendations (`+recColumns+`, updated_at, version, hlc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, 1, ?)`, r.ID, userID, r.Kind, r.Title, r.Explanation,
			jsonText(r.Tasks), slot, r.HoursFreed, r.Key, r.Status, now, now, hlc); err != nil {
			return formatError(err, "create recommendation", userMissing)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: replace recommendations: commit: %w", err)
	}
	return nil
}

// FindRecommendations returns the user's recommendations in the given
// statuses (all when none), newest first.
func (db *DB) FindRecommendations(ctx context.Context, userID string, statuses ...string) ([]*core.Recommendation, error) {
	q := `SELECT ` + recColumns + ` FROM recommendations WHERE user_id = ? AND deleted_at IS NULL`
	args := []any{userID}
	if len(statuses) > 0 {
		q += ` AND status IN (` + placeholders(len(statuses)) + `)`
		for _, s := range statuses {
			args = append(args, s)
		}
	}
	q += ` ORDER BY created_at DESC, hours_freed DESC, id LIMIT 1000`
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find recommendations of %s: %w", userID, err)
	}
	defer rows.Close()
	out := []*core.Recommendation{}
	for rows.Next() {
		r, err := scanRecommendation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindRecommendationByID returns not_found for unknown ones.
func (db *DB) FindRecommendationByID(ctx context.Context, id string) (*core.Recommendation, error) {
	return scanRecommendation(db.read.QueryRowContext(ctx, `SELECT `+recColumns+` FROM recommendations WHERE id = ? AND deleted_at IS NULL`, id))
}

// SetRecommendationFeedback records feedback after check approves the row.
func (db *DB) SetRecommendationFeedback(ctx context.Context, id, status string, helpful *bool, check func(*core.Recommendation) error) (*core.Recommendation, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := scanRecommendation(tx.QueryRowContext(ctx, `SELECT `+recColumns+` FROM recommendations WHERE id = ? AND deleted_at IS NULL`, id))
	if err != nil {
		return nil, err
	}
	if err := check(r); err != nil {
		return nil, err
	}
	var version int64
	if err := tx.QueryRowContext(ctx, `SELECT version FROM recommendations WHERE id = ?`, id).Scan(&version); err != nil {
		return nil, fmt.Errorf("sqlite: recommendation version: %w", err)
	}
	r.Status, r.Helpful = status, helpful
	at := tx.now
	r.FeedbackAt = &at
	var feedbackAt any = formatTime(at)
	if status == core.RecOpen {
		// Taken back: as if never answered.
		r.FeedbackAt, feedbackAt = nil, nil
	}
	hlc, err := tx.logChange(ctx, r.UserID, "recommendations", id, core.OpUpdate, map[string]any{"status": status, "helpful": helpful})
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE recommendations SET status = ?, helpful = ?, feedback_at = ?, updated_at = ?, version = ?, hlc = ? WHERE id = ?`,
		status, helpful, feedbackAt, formatTime(at), version+1, hlc, id); err != nil {
		return nil, fmt.Errorf("sqlite: recommendation feedback: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: recommendation feedback: commit: %w", err)
	}
	return r, nil
}
