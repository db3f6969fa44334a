package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sentry/backend/core"
)

// SaveExtractionSource keeps the text an engine read for a run. It is
// derived data (the upload or the pasted text is the record), so it is
// not written to the change log.
func (db *DB) SaveExtractionSource(ctx context.Context, extractionID, text string) error {
	res, err := db.write.ExecContext(ctx, `UPDATE extraction_runs SET source_text = ? WHERE id = ? AND deleted_at IS NULL`, text, extractionID)
	if err != nil {
		return fmt.Errorf("sqlite: save extraction source %s: %w", extractionID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return core.Errorf(core.ENOTFOUND, "Extraction not found.")
	}
	return nil
}

// FindExtractionSource returns the kept text of a run; "" when none was
// kept (runs from before it was kept, or runs that read nothing).
func (db *DB) FindExtractionSource(ctx context.Context, extractionID string) (string, error) {
	var text string
	err := db.read.QueryRowContext(ctx, `SELECT source_text FROM extraction_runs WHERE id = ? AND deleted_at IS NULL`, extractionID).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", core.Errorf(core.ENOTFOUND, "Extraction not found.")
	} else if err != nil {
		return "", fmt.Errorf("sqlite: find extraction source %s: %w", extractionID, err)
	}
	return text, nil
}
