package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sentry/backend/core"
	"sentry/sync/schema"
)

const teamColumns = `t.id, t.name, t.created_by, t.created_at, t.updated_at, t.version,
	(SELECT count(*) FROM team_members c WHERE c.team_id = t.id)`

func scanTeam(row interface{ Scan(...any) error }, extra ...any) (*core.Team, error) {
	var t core.Team
	var created, updated string
	dst := append([]any{&t.ID, &t.Name, &t.CreatedBy, &created, &updated, &t.Version, &t.Members}, extra...)
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	var err error
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if t.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateTeam stores a team and its first owner in one transaction.
func (db *DB) CreateTeam(ctx context.Context, t *core.Team, ownerID string) error {
	if err := t.Validate(); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if t.ID == "" {
		t.ID = NewID()
	}
	t.CreatedBy, t.CreatedAt, t.UpdatedAt, t.Version, t.Role, t.Members = ownerID, tx.now, tx.now, 1, core.RoleOwner, 1
	hlc, err := tx.logChange(ctx, ownerID, "teams", t.ID, core.OpInsert, map[string]any{"name": t.Name})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO teams (id, name, created_by, created_at, updated_at, version, hlc) VALUES (?, ?, ?, ?, ?, 1, ?)`,
		t.ID, t.Name, ownerID, formatTime(tx.now), formatTime(tx.now), hlc); err != nil {
		return formatError(err, "create team", onViolation{Duplicate: "A team with this id exists."})
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
		t.ID, ownerID, core.RoleOwner, formatTime(tx.now)); err != nil {
		return formatError(err, "add team owner", userMissing)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create team: commit: %w", err)
	}
	return nil
}

// FindTeamByID returns not_found for unknown or deleted teams.
func (db *DB) FindTeamByID(ctx context.Context, id string) (*core.Team, error) {
	t, err := scanTeam(db.read.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams t WHERE t.id = ? AND t.deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Team not found.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find team %s: %w", id, err)
	}
	return t, nil
}

// FindTeamsForUser lists userID's teams by name, with the user's role.
func (db *DB) FindTeamsForUser(ctx context.Context, userID string) ([]*core.Team, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+teamColumns+`, m.role FROM teams t JOIN team_members m ON m.team_id = t.id
		WHERE m.user_id = ? AND t.deleted_at IS NULL ORDER BY t.name, t.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find teams of %s: %w", userID, err)
	}
	defer rows.Close()
	out := []*core.Team{}
	for rows.Next() {
		var role string
		t, err := scanTeam(rows, &role)
		if err != nil {
			return nil, fmt.Errorf("sqlite: scan team: %w", err)
		}
		t.Role = role
		out = append(out, t)
	}
	return out, rows.Err()
}

const memberColumns = `m.team_id, m.user_id, u.email, trim(u.first_name || ' ' || u.last_name), m.role, m.created_at`

func scanMember(row interface{ Scan(...any) error }) (*core.TeamMember, error) {
	var m core.TeamMember
	var created string
	if err := row.Scan(&m.TeamID, &m.UserID, &m.Email, &m.Name, &m.Role, &created); err != nil {
		return nil, err
	}
	var err error
	if m.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &m, nil
}

// FindTeamMember returns not_found when userID is not in the team.
func (db *DB) FindTeamMember(ctx context.Context, teamID, userID string) (*core.TeamMember, error) {
	m, err := scanMember(db.read.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM team_members m JOIN users u ON u.id = m.user_id
		JOIN teams t ON t.id = m.team_id WHERE m.team_id = ? AND m.user_id = ? AND t.deleted_at IS NULL`, teamID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Team not found.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find member %s of %s: %w", userID, teamID, err)
	}
	return m, nil
}

// FindTeamMembers lists a team's members, owners first, then by email.
func (db *DB) FindTeamMembers(ctx context.Context, teamID string) ([]*core.TeamMember, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+memberColumns+` FROM team_members m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = ? ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, u.email`, teamID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find members of %s: %w", teamID, err)
	}
	defer rows.Close()
	out := []*core.TeamMember{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: scan member: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddTeamMember returns conflict when the user is already a member.
func (db *DB) AddTeamMember(ctx context.Context, teamID, userID, role string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.logChange(ctx, userID, "team_members", teamID+":"+userID, core.OpInsert, map[string]any{"team_id": teamID, "role": role}); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
		teamID, userID, role, formatTime(tx.now)); err != nil {
		return formatError(err, "add team member", onViolation{Missing: "Team or user not found.", Duplicate: "That person is already in the team."})
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: add team member: commit: %w", err)
	}
	return nil
}

// RemoveTeamMember returns not_found when the user is not a member.
func (db *DB) RemoveTeamMember(ctx context.Context, teamID, userID string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = ? AND user_id = ?`, teamID, userID)
	if err != nil {
		return fmt.Errorf("sqlite: remove team member: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return core.Errorf(core.ENOTFOUND, "That person is not in the team.")
	}
	if _, err := tx.logChange(ctx, userID, "team_members", teamID+":"+userID, core.OpDelete, map[string]any{"team_id": teamID}); err != nil {
		return err
	}
	if err := tx.unassignTeamTasks(ctx, teamID, userID); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: remove team member: commit: %w", err)
	}
	return nil
}

// TeamIDsForUser lists the ids of userID's live teams.
func (db *DB) TeamIDsForUser(ctx context.Context, userID string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT m.team_id FROM team_members m JOIN teams t ON t.id = m.team_id
		WHERE m.user_id = ? AND t.deleted_at IS NULL ORDER BY m.team_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: team ids of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

var _ core.TeamStore = (*DB)(nil)

// unassignTeamTasks clears the assignee of the team's tasks assigned to
// userID, each as a logged write, so every device of the team learns it.
func (tx *Tx) unassignTeamTasks(ctx context.Context, teamID, userID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, user_id FROM tasks WHERE team_id = ? AND assignee_id = ? AND deleted_at IS NULL`, teamID, userID)
	if err != nil {
		return fmt.Errorf("sqlite: find assigned tasks: %w", err)
	}
	var ids, owners []string
	for rows.Next() {
		var id, owner string
		if err := rows.Scan(&id, &owner); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: find assigned tasks: %w", err)
		}
		ids, owners = append(ids, id), append(owners, owner)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: find assigned tasks: %w", err)
	}
	for i, id := range ids {
		hlc, err := tx.logChange(ctx, owners[i], "tasks", id, core.OpUpdate, map[string]any{"assignee_id": ""})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET assignee_id = '', updated_at = ?, version = version + 1, hlc = ? WHERE id = ?`,
			formatTime(tx.now), hlc, id); err != nil {
			return fmt.Errorf("sqlite: unassign task %s: %w", id, err)
		}
	}
	return nil
}

// MirroredTeam reports whether teamID is a team this device holds as a
// copy of a team server's (a sync scope), whose members it does not all
// know.
func (db *DB) MirroredTeam(ctx context.Context, teamID string) (bool, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM sync_scopes WHERE scope_id = ? AND kind = 'team'`, teamID).Scan(&n); err != nil {
		return false, fmt.Errorf("sqlite: find scope %s: %w", teamID, err)
	}
	return n > 0, nil
}

// checkAssignee refuses, inside the write transaction, a team task's
// assignee who is not in the team. It reads through the transaction, so
// it sees a removal made earlier in the same group commit, and none can
// commit between the check and the write (one writer): a removal either
// comes first and is seen here, or comes after and unassigns the task. A
// team this device holds as a copy of a team server's is not checked (its
// members are not all known here; the server checks when the task syncs).
func (tx *Tx) checkAssignee(ctx context.Context, teamID, assigneeID string) (bool, error) {
	if teamID == "" || assigneeID == "" {
		return true, nil
	}
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM team_members WHERE team_id = ? AND user_id = ?)
		OR EXISTS (SELECT 1 FROM sync_scopes WHERE scope_id = ? AND kind = 'team')`, teamID, assigneeID, teamID).Scan(&ok); err != nil {
		return false, fmt.Errorf("sqlite: find team member: %w", err)
	}
	return ok, nil
}

// checkPushedAssignee is checkAssignee for a pushed write to a task.
func (tx *Tx) checkPushedAssignee(ctx context.Context, tb *schema.Table, cur *core.ServerRow, w *core.SyncWrite) error {
	if tb.Name != "tasks" {
		return nil
	}
	assignee, _ := w.Fields["assignee_id"].(string)
	team, ok := w.Fields["team_id"].(string)
	if !ok {
		team, _ = cur.Fields["team_id"].(string)
	}
	if ok, err := tx.checkAssignee(ctx, team, assignee); err != nil {
		return err
	} else if !ok {
		return core.ErrPushedAssigneeNotMember(assignee)
	}
	return nil
}
