-- +goose Up
-- Workload and burnout: the trend and trigger of each analysis, and
-- recommendations with the user's feedback on them (which shapes what is
-- suggested next).

ALTER TABLE burnout_analyses ADD COLUMN trend TEXT NOT NULL DEFAULT '{}';
ALTER TABLE burnout_analyses ADD COLUMN run_trigger TEXT NOT NULL DEFAULT 'manual';

CREATE TABLE recommendations (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('delegate','reschedule','skip_meeting','focus_block','split')),
    title        TEXT NOT NULL,
    explanation  TEXT NOT NULL DEFAULT '',
    tasks        TEXT NOT NULL DEFAULT '[]',
    slot         TEXT,
    hours_freed  REAL NOT NULL DEFAULT 0 CHECK (hours_freed >= 0),
    rec_key      TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','accepted','dismissed','superseded')),
    helpful      INTEGER,
    feedback_at  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    hlc          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX recommendations_user_idx ON recommendations(user_id, status, created_at) WHERE deleted_at IS NULL;
CREATE INDEX qualitative_data_kind_idx ON qualitative_data(user_id, kind, recorded_at);

-- +goose Down
-- Forward-only: no down migration.
