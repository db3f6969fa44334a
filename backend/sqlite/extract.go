package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sentry/backend/core"
)

const extractionColumns = `id, user_id, upload_id, source, kind, status, stage, progress, error, engine, review, input, now, timezone, tasks, attempts, created_at, updated_at, finished_at`

// CreateExtraction stores a new run.
func (db *DB) CreateExtraction(ctx context.Context, e *core.Extraction) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if e.ID == "" {
		e.ID = NewID()
	}
	e.CreatedAt, e.UpdatedAt = tx.now, tx.now
	tasks, err := json.Marshal(nonNilTasks(e.Tasks))
	if err != nil {
		return fmt.Errorf("sqlite: encode extraction: %w", err)
	}
	hlc, err := tx.logChange(ctx, e.UserID, "extraction_runs", e.ID, core.OpInsert, map[string]any{"source": e.Source, "status": e.Status})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO extraction_runs (`+extractionColumns+`, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.UserID, e.UploadID, e.Source, e.Kind, e.Status, e.Stage, e.Progress, e.Error, e.Engine, e.Review, e.Input,
		formatTime(e.Now), e.Timezone, string(tasks), e.Attempts, formatTime(e.CreatedAt), formatTime(e.UpdatedAt), formatTimePtr(e.FinishedAt), hlc); err != nil {
		return formatError(err, "create extraction", userMissing)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create extraction: commit: %w", err)
	}
	return nil
}

func nonNilTasks(t []core.ExtractedTask) []core.ExtractedTask {
	if t == nil {
		return []core.ExtractedTask{}
	}
	return t
}

func scanExtraction(row interface{ Scan(...any) error }) (*core.Extraction, error) {
	var e core.Extraction
	var now, tasks, created, updated string
	var finished sql.NullString
	if err := row.Scan(&e.ID, &e.UserID, &e.UploadID, &e.Source, &e.Kind, &e.Status, &e.Stage, &e.Progress, &e.Error, &e.Engine,
		&e.Review, &e.Input, &now, &e.Timezone, &tasks, &e.Attempts, &created, &updated, &finished); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, core.Errorf(core.ENOTFOUND, "Extraction not found.")
		}
		return nil, fmt.Errorf("sqlite: scan extraction: %w", err)
	}
	var err error
	if e.Now, err = parseTime(now); err != nil {
		return nil, err
	}
	if e.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if e.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	if e.FinishedAt, err = parseTimePtr(finished); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tasks), &e.Tasks); err != nil {
		return nil, fmt.Errorf("sqlite: decode extraction %s: %w", e.ID, err)
	}
	return &e, nil
}

// FindExtractionByID returns not_found for unknown or deleted runs.
func (db *DB) FindExtractionByID(ctx context.Context, id string) (*core.Extraction, error) {
	return scanExtraction(db.read.QueryRowContext(ctx, `SELECT `+extractionColumns+` FROM extraction_runs WHERE id = ? AND deleted_at IS NULL`, id))
}

// FindExtractions lists a user's runs, newest first.
func (db *DB) FindExtractions(ctx context.Context, userID string, limit int) ([]*core.Extraction, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+extractionColumns+` FROM extraction_runs WHERE user_id = ? AND deleted_at IS NULL
		ORDER BY created_at DESC, id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find extractions: %w", err)
	}
	defer rows.Close()
	out := []*core.Extraction{}
	for rows.Next() {
		e, err := scanExtraction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// UpdateExtraction saves a run's progress and outcome.
func (db *DB) UpdateExtraction(ctx context.Context, e *core.Extraction) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tasks, err := json.Marshal(nonNilTasks(e.Tasks))
	if err != nil {
		return fmt.Errorf("sqlite: encode extraction: %w", err)
	}
	e.UpdatedAt = tx.now
	if (e.Status == core.RunDone || e.Status == core.RunFailed || e.Status == core.RunCancelled) && e.FinishedAt == nil {
		now := tx.now
		e.FinishedAt = &now
	}
	hlc, err := tx.logChange(ctx, e.UserID, "extraction_runs", e.ID, core.OpUpdate, map[string]any{"status": e.Status, "stage": e.Stage})
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE extraction_runs SET status = ?, stage = ?, progress = ?, error = ?, engine = ?, tasks = ?, attempts = ?,
		updated_at = ?, finished_at = ?, input = ?, version = version + 1, hlc = ? WHERE id = ? AND deleted_at IS NULL`,
		e.Status, e.Stage, e.Progress, e.Error, e.Engine, string(tasks), e.Attempts, formatTime(e.UpdatedAt), formatTimePtr(e.FinishedAt), e.Input, hlc, e.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update extraction %s: %w", e.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return core.Errorf(core.ENOTFOUND, "Extraction not found.")
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: update extraction: commit: %w", err)
	}
	return nil
}

// ClaimExtractionByID takes a queued run, or one whose worker died.
func (db *DB) ClaimExtractionByID(ctx context.Context, id string, staleBefore time.Time) (*core.Extraction, error) {
	run, err := scanExtraction(db.write.QueryRowContext(ctx, `UPDATE extraction_runs SET status = 'running', attempts = attempts + 1, updated_at = ?
		WHERE id = ? AND deleted_at IS NULL AND (status = 'queued' OR (status = 'running' AND updated_at < ?))
		RETURNING `+extractionColumns, formatTime(db.Now()), id, formatTime(clampTime(staleBefore))))
	if core.ErrorCode(err) != core.ENOTFOUND {
		return run, err
	}
	var status string
	if err := db.write.QueryRowContext(ctx, `SELECT status FROM extraction_runs WHERE id = ? AND deleted_at IS NULL`, id).Scan(&status); err == nil && status == core.RunRunning {
		return nil, core.Errorf(core.ECONFLICT, "The extraction is being worked on.")
	}
	return nil, core.Errorf(core.ENOTFOUND, "Extraction not found.")
}

// FindUnfinishedExtractions lists the runs queued or running, oldest first.
func (db *DB) FindUnfinishedExtractions(ctx context.Context) ([]string, error) {
	return db.ids(ctx, "unfinished extractions", `SELECT id FROM extraction_runs WHERE status IN ('queued', 'running') AND deleted_at IS NULL ORDER BY created_at, id`)
}

// ids runs a query of one text column.
func (db *DB) ids(ctx context.Context, what, query string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}

// RequeueRunning puts runs whose worker has shown no sign of life since
// staleBefore back in the queue.
func (db *DB) RequeueRunning(ctx context.Context, staleBefore time.Time) (int, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE extraction_runs SET status = 'queued', stage = 'waiting to resume', updated_at = ?
		WHERE status = 'running' AND updated_at < ?`, formatTime(db.Now()), formatTime(clampTime(staleBefore)))
	if err != nil {
		return 0, fmt.Errorf("sqlite: requeue: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// TouchExtraction marks a running run alive.
func (db *DB) TouchExtraction(ctx context.Context, id string) error {
	if _, err := db.write.ExecContext(ctx, `UPDATE extraction_runs SET updated_at = ? WHERE id = ? AND status = 'running'`, formatTime(db.Now()), id); err != nil {
		return fmt.Errorf("sqlite: touch extraction %s: %w", id, err)
	}
	return nil
}
