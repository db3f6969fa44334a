-- +goose Up
-- Sync, store side (see sync/schema, sync/merge, sync/wire).
--
-- Every synced table keeps a clock per field: field_clocks is a JSON object
-- of field name → "<hlc>@<device_id>", the per-field last-writer-wins
-- merge's input. Existing rows get the row clock for every synced field
-- (conservative and correct: the whole row was written at that clock here).
ALTER TABLE tasks ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE tasks SET field_clocks = (SELECT json_object('title', c, 'description', c, 'status', c, 'priority', c, 'task_type', c, 'source', c, 'source_id', c, 'deadline', c, 'start_time', c, 'end_time', c, 'location', c, 'meeting_url', c, 'attendees', c, 'estimated_hours', c, 'actual_hours', c, 'can_delegate', c, 'is_optional', c, 'is_recurring', c, 'recurrence_rule', c, 'tags', c, 'parent_id', c, 'evidence', c, 'completed_at', c, 'team_id', c, 'created_at', c, 'deleted_at', c) FROM (SELECT tasks.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE notebooks ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE notebooks SET field_clocks = (SELECT json_object('name', c, 'description', c, 'created_at', c, 'deleted_at', c) FROM (SELECT notebooks.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE notebook_documents ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE notebook_documents SET field_clocks = (SELECT json_object('notebook_id', c, 'upload_id', c, 'filename', c, 'kind', c, 'created_at', c, 'deleted_at', c) FROM (SELECT notebook_documents.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE notebook_messages ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE notebook_messages SET field_clocks = (SELECT json_object('notebook_id', c, 'role', c, 'content', c, 'citations', c, 'engine', c, 'created_at', c, 'deleted_at', c) FROM (SELECT notebook_messages.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE uploads ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE uploads SET field_clocks = (SELECT json_object('filename', c, 'content_type', c, 'kind', c, 'size_bytes', c, 'sha256', c, 'status', c, 'error', c, 'created_at', c, 'deleted_at', c) FROM (SELECT uploads.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE extraction_runs ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE extraction_runs SET field_clocks = (SELECT json_object('upload_id', c, 'source', c, 'kind', c, 'engine', c, 'review', c, 'now', c, 'timezone', c, 'tasks', c, 'finished_at', c, 'created_at', c, 'deleted_at', c) FROM (SELECT extraction_runs.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE user_profiles ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE user_profiles SET field_clocks = (SELECT json_object('role', c, 'department', c, 'timezone', c, 'working_hours', c, 'working_days', c, 'created_at', c, 'deleted_at', c) FROM (SELECT user_profiles.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE user_preferences ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE user_preferences SET field_clocks = (SELECT json_object('focus_block_minutes', c, 'meeting_preferences', c, 'notifications', c, 'settings', c, 'created_at', c, 'deleted_at', c) FROM (SELECT user_preferences.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE user_constraints ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE user_constraints SET field_clocks = (SELECT json_object('max_weekly_hours', c, 'days_off', c, 'fixed_commitments', c, 'created_at', c, 'deleted_at', c) FROM (SELECT user_constraints.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE user_behavioral_profiles ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE user_behavioral_profiles SET field_clocks = (SELECT json_object('estimate_accuracy', c, 'completion_rate', c, 'avg_daily_completed', c, 'peak_hours', c, 'samples', c, 'data', c, 'created_at', c, 'deleted_at', c) FROM (SELECT user_behavioral_profiles.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE burnout_analyses ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE burnout_analyses SET field_clocks = (SELECT json_object('score', c, 'level', c, 'factors', c, 'metrics', c, 'forecast', c, 'trend', c, 'run_trigger', c, 'analyzed_at', c, 'created_at', c, 'deleted_at', c) FROM (SELECT burnout_analyses.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE qualitative_data ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE qualitative_data SET field_clocks = (SELECT json_object('kind', c, 'content', c, 'answers', c, 'sentiment', c, 'recorded_at', c, 'created_at', c, 'deleted_at', c) FROM (SELECT qualitative_data.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';
ALTER TABLE recommendations ADD COLUMN field_clocks TEXT NOT NULL DEFAULT '{}';
UPDATE recommendations SET field_clocks = (SELECT json_object('kind', c, 'title', c, 'explanation', c, 'tasks', c, 'slot', c, 'hours_freed', c, 'rec_key', c, 'status', c, 'helpful', c, 'feedback_at', c, 'created_at', c, 'deleted_at', c) FROM (SELECT recommendations.hlc || '@' || ifnull((SELECT value FROM meta WHERE key = 'device_id'), '') AS c)) WHERE hlc <> '';

-- The change log becomes the per-scope log: scope_id is the team of a team
-- task, else the owner; base holds the clocks the writer had seen for each
-- changed field (the merge's concurrency test); origin tells a local write
-- (the outbox) from one applied by sync (never pushed back).
ALTER TABLE changes ADD COLUMN scope_id TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN base TEXT NOT NULL DEFAULT '{}';
ALTER TABLE changes ADD COLUMN origin TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'remote'));
UPDATE changes SET scope_id = user_id;
UPDATE changes SET scope_id = (SELECT team_id FROM tasks WHERE tasks.id = changes.row_id)
    WHERE table_name = 'tasks' AND EXISTS (SELECT 1 FROM tasks WHERE tasks.id = changes.row_id AND tasks.team_id <> '');
CREATE INDEX changes_scope_seq_idx ON changes(scope_id, seq);

-- The sync server's own tables (used when this store serves devices).
-- A device id is bound to one user for good.
CREATE TABLE sync_devices (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    schema_version INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    last_push_at   TEXT,
    last_pull_at   TEXT,
    last_seqs      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX sync_devices_user_idx ON sync_devices(user_id);

-- A push's stored result, so a retried batch gets the same answer.
CREATE TABLE sync_batches (
    device_id   TEXT NOT NULL,
    batch_id    TEXT NOT NULL,
    result      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, batch_id)
);

-- Change ids merged once: a change id seen again is not merged again.
CREATE TABLE sync_applied (
    change_id  TEXT PRIMARY KEY,
    scope_id   TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    applied_at TEXT NOT NULL
);

-- Concurrent overwrites: the losing value is kept so a person can bring it
-- back. One record per (row, field, losing clock).
CREATE TABLE sync_conflicts (
    id           TEXT PRIMARY KEY,
    scope_id     TEXT NOT NULL,
    table_name   TEXT NOT NULL,
    row_id       TEXT NOT NULL,
    field        TEXT NOT NULL,
    loser_value  TEXT NOT NULL,
    loser_clock  TEXT NOT NULL,
    winner_value TEXT NOT NULL,
    winner_clock TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (table_name, row_id, field, loser_clock)
);
CREATE INDEX sync_conflicts_scope_idx ON sync_conflicts(scope_id, created_at);

-- Which database this is and its epoch (raised when restored from a
-- backup): a device's cursor names both.
INSERT INTO meta(key, value) VALUES ('sync_database_id', lower(hex(randomblob(16)))) ON CONFLICT(key) DO NOTHING;
INSERT INTO meta(key, value) VALUES ('sync_epoch', '1') ON CONFLICT(key) DO NOTHING;

-- +goose Down
-- Forward-only: no down migration.
