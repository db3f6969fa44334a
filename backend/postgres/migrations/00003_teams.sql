-- +goose Up
-- Teams, as in the SQLite store: a team task keeps its creator in user_id
-- and its team in team_id, which never changes.
CREATE TABLE teams (
    id          text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    created_by  text COLLATE "C" NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz,
    version     bigint NOT NULL DEFAULT 1,
    hlc         text NOT NULL DEFAULT ''
);

CREATE TABLE team_members (
    team_id     text COLLATE "C" NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id     text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

ALTER TABLE tasks ADD COLUMN team_id text COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX tasks_team ON tasks(team_id, created_at, id) WHERE team_id <> '' AND deleted_at IS NULL;
