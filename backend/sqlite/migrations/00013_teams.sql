-- +goose Up
-- Teams: groups of users who share tasks. A team task keeps its creator in
-- user_id and its team in team_id, which never changes (a row's scope is
-- fixed; sharing copies a task into the team).
CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    hlc         TEXT NOT NULL DEFAULT ''
);

CREATE TABLE team_members (
    team_id     TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

ALTER TABLE tasks ADD COLUMN team_id TEXT NOT NULL DEFAULT '';
CREATE INDEX tasks_team ON tasks(team_id, created_at, id) WHERE team_id != '' AND deleted_at IS NULL;
