package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
)

var _ core.ExtractionStore = (*DB)(nil)

const extractionColumns = `id, user_id, upload_id, source, kind, status, stage, progress, error, engine, review, input, now, timezone, tasks, attempts, created_at, updated_at, finished_at`

var extractionMissing = core.Errorf(core.ENOTFOUND, "Extraction not found.")

// CreateExtraction stores a new run.
func (db *DB) CreateExtraction(ctx context.Context, e *core.Extraction) error {
	if !storable(e.UserID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if e.ID == "" {
		e.ID = NewID()
	}
	e.CreatedAt, e.UpdatedAt = tx.now, tx.now
	e.Now, e.FinishedAt = ms(e.Now), msPtr(e.FinishedAt)
	tasks, err := json.Marshal(nonNilTasks(e.Tasks))
	if err != nil {
		return fmt.Errorf("postgres: encode extraction: %w", err)
	}
	hlc, err := tx.logChange(ctx, e.UserID, "extraction_runs", e.ID, core.OpInsert, map[string]any{"source": e.Source, "status": e.Status})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO extraction_runs (`+extractionColumns+`, hlc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		e.ID, e.UserID, e.UploadID, e.Source, e.Kind, e.Status, e.Stage, e.Progress, e.Error, e.Engine, e.Review, e.Input,
		e.Now, e.Timezone, string(tasks), e.Attempts, e.CreatedAt, e.UpdatedAt, e.FinishedAt, hlc); err != nil {
		return formatError(err, "create extraction", userMissing)
	}
	return tx.commit(ctx, "create extraction")
}

func nonNilTasks(t []core.ExtractedTask) []core.ExtractedTask {
	if t == nil {
		return []core.ExtractedTask{}
	}
	return t
}

func scanExtraction(row pgx.Row) (*core.Extraction, error) {
	var e core.Extraction
	var tasks []byte
	if err := row.Scan(&e.ID, &e.UserID, &e.UploadID, &e.Source, &e.Kind, &e.Status, &e.Stage, &e.Progress, &e.Error, &e.Engine,
		&e.Review, &e.Input, &e.Now, &e.Timezone, &tasks, &e.Attempts, &e.CreatedAt, &e.UpdatedAt, &e.FinishedAt); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, extractionMissing
		}
		return nil, formatError(err, "scan extraction", onViolation{})
	}
	e.Now, e.CreatedAt, e.UpdatedAt, e.FinishedAt = e.Now.UTC(), e.CreatedAt.UTC(), e.UpdatedAt.UTC(), utcPtr(e.FinishedAt)
	if err := json.Unmarshal(tasks, &e.Tasks); err != nil {
		return nil, fmt.Errorf("postgres: decode extraction %s: %w", e.ID, err)
	}
	return &e, nil
}

// FindExtractionByID returns not_found for unknown or deleted runs.
func (db *DB) FindExtractionByID(ctx context.Context, id string) (*core.Extraction, error) {
	if !storable(id) {
		return nil, extractionMissing
	}
	return scanExtraction(db.pool.QueryRow(ctx, `SELECT `+extractionColumns+` FROM extraction_runs WHERE id = $1 AND deleted_at IS NULL`, id))
}

// FindExtractions lists a user's runs, newest first.
func (db *DB) FindExtractions(ctx context.Context, userID string, limit int) ([]*core.Extraction, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	out := []*core.Extraction{}
	if !storable(userID) {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT `+extractionColumns+` FROM extraction_runs WHERE user_id = $1 AND deleted_at IS NULL
		ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, formatError(err, "find extractions", onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanExtraction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find extractions", onViolation{})
	}
	return out, nil
}

// UpdateExtraction saves a run's progress and outcome.
func (db *DB) UpdateExtraction(ctx context.Context, e *core.Extraction) error {
	if !storable(e.ID) {
		return extractionMissing
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	tasks, err := json.Marshal(nonNilTasks(e.Tasks))
	if err != nil {
		return fmt.Errorf("postgres: encode extraction: %w", err)
	}
	e.UpdatedAt = tx.now
	if (e.Status == core.RunDone || e.Status == core.RunFailed || e.Status == core.RunCancelled) && e.FinishedAt == nil {
		now := tx.now
		e.FinishedAt = &now
	}
	e.FinishedAt = msPtr(e.FinishedAt)
	// The row is locked before the change is logged, so a run that is
	// gone leaves no entry.
	var userID string
	if err := tx.QueryRow(ctx, `SELECT user_id FROM extraction_runs WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, e.ID).Scan(&userID); errors.Is(err, pgx.ErrNoRows) {
		return extractionMissing
	} else if err != nil {
		return formatError(err, "update extraction "+e.ID, onViolation{})
	}
	hlc, err := tx.logChange(ctx, userID, "extraction_runs", e.ID, core.OpUpdate, map[string]any{"status": e.Status, "stage": e.Stage})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE extraction_runs SET status = $1, stage = $2, progress = $3, error = $4, engine = $5, tasks = $6, attempts = $7,
		updated_at = $8, finished_at = $9, input = $10, version = version + 1, hlc = $11 WHERE id = $12`,
		e.Status, e.Stage, e.Progress, e.Error, e.Engine, string(tasks), e.Attempts, e.UpdatedAt, e.FinishedAt, e.Input, hlc, e.ID); err != nil {
		return formatError(err, "update extraction "+e.ID, onViolation{})
	}
	return tx.commit(ctx, "update extraction "+e.ID)
}

// ClaimExtractionByID takes a queued run, or one whose worker died.
// Two servers claiming at once serialise on the row: the second sees it
// running and fresh, and gets conflict.
func (db *DB) ClaimExtractionByID(ctx context.Context, id string, staleBefore time.Time) (*core.Extraction, error) {
	if !storable(id) {
		return nil, extractionMissing
	}
	run, err := scanExtraction(db.pool.QueryRow(ctx, `UPDATE extraction_runs SET status = 'running', attempts = attempts + 1, updated_at = $1
		WHERE id = $2 AND deleted_at IS NULL AND (status = 'queued' OR (status = 'running' AND updated_at < $3))
		RETURNING `+extractionColumns, db.now(), id, staleBefore))
	if core.ErrorCode(err) != core.ENOTFOUND {
		return run, err
	}
	var status string
	if err := db.pool.QueryRow(ctx, `SELECT status FROM extraction_runs WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&status); err == nil && status == core.RunRunning {
		return nil, core.Errorf(core.ECONFLICT, "The extraction is being worked on.")
	}
	return nil, extractionMissing
}

// FindUnfinishedExtractions lists the runs queued or running, oldest first.
func (db *DB) FindUnfinishedExtractions(ctx context.Context) ([]string, error) {
	return db.ids(ctx, "unfinished extractions", `SELECT id FROM extraction_runs WHERE status IN ('queued', 'running') AND deleted_at IS NULL ORDER BY created_at, id`)
}

// ids runs a query of one text column.
func (db *DB) ids(ctx context.Context, what, query string) ([]string, error) {
	rows, err := db.pool.Query(ctx, query)
	if err != nil {
		return nil, formatError(err, what, onViolation{})
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, formatError(err, what, onViolation{})
	}
	return out, nil
}

// RequeueRunning puts runs whose worker has shown no sign of life since
// staleBefore back in the queue; the live runs of other servers keep
// touching theirs.
func (db *DB) RequeueRunning(ctx context.Context, staleBefore time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE extraction_runs SET status = 'queued', stage = 'waiting to resume', updated_at = $1
		WHERE status = 'running' AND updated_at < $2`, db.now(), staleBefore)
	if err != nil {
		return 0, formatError(err, "requeue", onViolation{})
	}
	return int(tag.RowsAffected()), nil
}

// TouchExtraction marks a running run alive.
func (db *DB) TouchExtraction(ctx context.Context, id string) error {
	if !storable(id) {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE extraction_runs SET updated_at = $1 WHERE id = $2 AND status = 'running'`, db.now(), id); err != nil {
		return formatError(err, "touch extraction "+id, onViolation{})
	}
	return nil
}

// SaveExtractionSource keeps the text an engine read for a run. It is
// derived data (the upload or the pasted text is the record), so it is
// not written to the change log.
func (db *DB) SaveExtractionSource(ctx context.Context, extractionID, text string) error {
	if !storable(extractionID) {
		return extractionMissing
	}
	tag, err := db.pool.Exec(ctx, `UPDATE extraction_runs SET source_text = $1 WHERE id = $2 AND deleted_at IS NULL`, text, extractionID)
	if err != nil {
		return formatError(err, "save extraction source "+extractionID, onViolation{})
	}
	if tag.RowsAffected() == 0 {
		return extractionMissing
	}
	return nil
}

// FindExtractionSource returns the kept text of a run; "" when none was kept.
func (db *DB) FindExtractionSource(ctx context.Context, extractionID string) (string, error) {
	if !storable(extractionID) {
		return "", extractionMissing
	}
	var text string
	err := db.pool.QueryRow(ctx, `SELECT source_text FROM extraction_runs WHERE id = $1 AND deleted_at IS NULL`, extractionID).Scan(&text)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", extractionMissing
	} else if err != nil {
		return "", formatError(err, "find extraction source "+extractionID, onViolation{})
	}
	return text, nil
}
