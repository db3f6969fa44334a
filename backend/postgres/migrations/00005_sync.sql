-- +goose Up
-- Sync, store side, as in the SQLite store's migration 00014. The synced
-- tables already have field_clocks; existing rows get the row clock for
-- every synced field.
UPDATE tasks SET field_clocks = (SELECT jsonb_build_object('title', c, 'description', c, 'status', c, 'priority', c, 'task_type', c, 'source', c, 'source_id', c, 'deadline', c, 'start_time', c, 'end_time', c, 'location', c, 'meeting_url', c, 'attendees', c, 'estimated_hours', c, 'actual_hours', c, 'can_delegate', c, 'is_optional', c, 'is_recurring', c, 'recurrence_rule', c, 'tags', c, 'parent_id', c, 'evidence', c, 'completed_at', c, 'team_id', c, 'created_at', c, 'deleted_at', c) FROM (SELECT tasks.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE notebooks SET field_clocks = (SELECT jsonb_build_object('name', c, 'description', c, 'created_at', c, 'deleted_at', c) FROM (SELECT notebooks.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE notebook_documents SET field_clocks = (SELECT jsonb_build_object('notebook_id', c, 'upload_id', c, 'filename', c, 'kind', c, 'created_at', c, 'deleted_at', c) FROM (SELECT notebook_documents.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE notebook_messages SET field_clocks = (SELECT jsonb_build_object('notebook_id', c, 'role', c, 'content', c, 'citations', c, 'engine', c, 'created_at', c, 'deleted_at', c) FROM (SELECT notebook_messages.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE uploads SET field_clocks = (SELECT jsonb_build_object('filename', c, 'content_type', c, 'kind', c, 'size_bytes', c, 'sha256', c, 'status', c, 'error', c, 'created_at', c, 'deleted_at', c) FROM (SELECT uploads.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE extraction_runs SET field_clocks = (SELECT jsonb_build_object('upload_id', c, 'source', c, 'kind', c, 'engine', c, 'review', c, 'now', c, 'timezone', c, 'tasks', c, 'finished_at', c, 'created_at', c, 'deleted_at', c) FROM (SELECT extraction_runs.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE user_profiles SET field_clocks = (SELECT jsonb_build_object('role', c, 'department', c, 'timezone', c, 'working_hours', c, 'working_days', c, 'created_at', c, 'deleted_at', c) FROM (SELECT user_profiles.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE user_preferences SET field_clocks = (SELECT jsonb_build_object('focus_block_minutes', c, 'meeting_preferences', c, 'notifications', c, 'settings', c, 'created_at', c, 'deleted_at', c) FROM (SELECT user_preferences.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE user_constraints SET field_clocks = (SELECT jsonb_build_object('max_weekly_hours', c, 'days_off', c, 'fixed_commitments', c, 'created_at', c, 'deleted_at', c) FROM (SELECT user_constraints.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE user_behavioral_profiles SET field_clocks = (SELECT jsonb_build_object('estimate_accuracy', c, 'completion_rate', c, 'avg_daily_completed', c, 'peak_hours', c, 'samples', c, 'data', c, 'created_at', c, 'deleted_at', c) FROM (SELECT user_behavioral_profiles.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE burnout_analyses SET field_clocks = (SELECT jsonb_build_object('score', c, 'level', c, 'factors', c, 'metrics', c, 'forecast', c, 'trend', c, 'run_trigger', c, 'analyzed_at', c, 'created_at', c, 'deleted_at', c) FROM (SELECT burnout_analyses.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE qualitative_data SET field_clocks = (SELECT jsonb_build_object('kind', c, 'content', c, 'answers', c, 'sentiment', c, 'recorded_at', c, 'created_at', c, 'deleted_at', c) FROM (SELECT qualitative_data.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';
UPDATE recommendations SET field_clocks = (SELECT jsonb_build_object('kind', c, 'title', c, 'explanation', c, 'tasks', c, 'slot', c, 'hours_freed', c, 'rec_key', c, 'status', c, 'helpful', c, 'feedback_at', c, 'created_at', c, 'deleted_at', c) FROM (SELECT recommendations.hlc || '@' || coalesce((SELECT value FROM meta WHERE key = 'device_id'), '') AS c) AS d) WHERE hlc <> '' AND field_clocks = '{}';

-- The change log is already per scope (scope_id, seq); base holds the
-- clocks the writer had seen for each changed field, origin tells a local
-- write from one applied by sync.
ALTER TABLE changes ADD COLUMN base jsonb NOT NULL DEFAULT '{}';
ALTER TABLE changes ADD COLUMN origin text NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'remote'));
-- Team tasks logged before teams had their own scope enter their team's
-- log once, so members' devices receive them.
INSERT INTO changes (scope_id, seq, id, user_id, table_name, row_id, op, fields, hlc, device_id, created_at)
SELECT team_id, row_number() OVER (PARTITION BY team_id ORDER BY updated_at, id), gen_random_uuid()::text,
       user_id, 'tasks', id, 'update', '{}', hlc, coalesce((SELECT value FROM meta WHERE key = 'device_id'), ''), updated_at
FROM tasks WHERE team_id <> '';
INSERT INTO sync_scopes (id, kind, last_seq, created_at)
SELECT team_id, 'team', count(*), now() FROM tasks WHERE team_id <> '' GROUP BY team_id;

CREATE TABLE sync_devices (
    id             text COLLATE "C" PRIMARY KEY,
    user_id        text COLLATE "C" NOT NULL,
    name           text NOT NULL DEFAULT '',
    schema_version integer NOT NULL,
    created_at     timestamptz NOT NULL,
    last_push_at   timestamptz,
    last_pull_at   timestamptz,
    last_seqs      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX sync_devices_user_idx ON sync_devices (user_id);

CREATE TABLE sync_batches (
    device_id   text COLLATE "C" NOT NULL,
    batch_id    text COLLATE "C" NOT NULL,
    result      jsonb NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (device_id, batch_id)
);

CREATE TABLE sync_applied (
    change_id  text COLLATE "C" PRIMARY KEY,
    scope_id   text COLLATE "C" NOT NULL,
    outcome    text NOT NULL,
    applied_at timestamptz NOT NULL
);

CREATE TABLE sync_conflicts (
    id           text COLLATE "C" PRIMARY KEY,
    scope_id     text COLLATE "C" NOT NULL,
    table_name   text NOT NULL,
    row_id       text COLLATE "C" NOT NULL,
    field        text NOT NULL,
    loser_value  jsonb NOT NULL,
    loser_clock  text COLLATE "C" NOT NULL,
    winner_value jsonb NOT NULL,
    winner_clock text COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    UNIQUE (table_name, row_id, field, loser_clock)
);
CREATE INDEX sync_conflicts_scope_idx ON sync_conflicts (scope_id, created_at);

INSERT INTO meta (key, value) VALUES ('sync_database_id', gen_random_uuid()::text) ON CONFLICT (key) DO NOTHING;
INSERT INTO meta (key, value) VALUES ('sync_epoch', '1') ON CONFLICT (key) DO NOTHING;

-- +goose Down
-- Forward-only: no down migration.
