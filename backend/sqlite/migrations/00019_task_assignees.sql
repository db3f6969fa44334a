-- +goose Up
-- A task's assignee: a member of its team, or for a personal task its owner;
-- '' when nobody is. It syncs like the task's other fields (its clock starts
-- at zero, so any device's first assignment wins over the default).
ALTER TABLE tasks ADD COLUMN assignee_id TEXT NOT NULL DEFAULT '';
CREATE INDEX tasks_assignee ON tasks(assignee_id, team_id) WHERE assignee_id != '' AND deleted_at IS NULL;
