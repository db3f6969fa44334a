-- +goose Up
-- A user's live notebooks have distinct names, ignoring case (SQLite's
-- NOCASE: ASCII letters), so a name — `sentry ask --notebook NAME`, the
-- UI's list — means one notebook. A deleted notebook frees its name.
--
-- Duplicates from before are renamed, never dropped: the oldest keeps the
-- name, the next ones become "Plans (2)", "Plans (3)", … in creation order.
-- Such a name cannot clash with another rename (the suffix says which name
-- and which place it came from), only with a notebook that already has it;
-- that one notebook gets its id instead: "Plans (0195…)". Renamed rows get
-- a new version and updated_at; they are not in the change log, which a
-- migration cannot stamp with the device's clock.
CREATE TEMP TABLE notebook_renames AS
SELECT id, user_id, name AS old_name, name || ' (' || n || ')' AS new_name
FROM (SELECT id, user_id, name,
             ROW_NUMBER() OVER (PARTITION BY user_id, name COLLATE NOCASE ORDER BY created_at, id) AS n
      FROM notebooks WHERE deleted_at IS NULL)
WHERE n > 1;

UPDATE notebook_renames SET new_name = old_name || ' (' || id || ')'
WHERE EXISTS (SELECT 1 FROM notebooks k
              WHERE k.user_id = notebook_renames.user_id AND k.deleted_at IS NULL
                AND k.name = notebook_renames.new_name COLLATE NOCASE
                AND k.id NOT IN (SELECT id FROM notebook_renames));

UPDATE notebooks
SET name = (SELECT new_name FROM notebook_renames r WHERE r.id = notebooks.id),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    version = version + 1
WHERE id IN (SELECT id FROM notebook_renames);

DROP TABLE notebook_renames;

CREATE UNIQUE INDEX notebooks_user_name_idx ON notebooks(user_id, name COLLATE NOCASE) WHERE deleted_at IS NULL;

-- +goose Down
-- Forward-only.
