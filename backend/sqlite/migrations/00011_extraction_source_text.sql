-- +goose Up
-- The text an engine read for a run (a document's text, an image's OCR, a
-- recording's transcript, pasted text), kept so the UI can show each task's
-- evidence in place. Evidence spans are byte offsets into this text.
-- Not in extractionColumns: history and polling never read it.
ALTER TABLE extraction_runs ADD COLUMN source_text TEXT NOT NULL DEFAULT '';

-- +goose Down
-- Forward-only.
