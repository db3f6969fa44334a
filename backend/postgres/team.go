package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
	"sentry/sync/schema"
)

const teamColumns = `t.id, t.name, t.created_by, t.created_at, t.updated_at, t.version,
	(SELECT count(*) FROM team_members c WHERE c.team_id = t.id)::int`

func scanTeam(row pgx.Row, extra ...any) (*core.Team, error) {
	var t core.Team
	dst := append([]any{&t.ID, &t.Name, &t.CreatedBy, &t.CreatedAt, &t.UpdatedAt, &t.Version, &t.Members}, extra...)
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return &t, nil
}

// CreateTeam stores a team and its first owner in one transaction.
func (db *DB) CreateTeam(ctx context.Context, t *core.Team, ownerID string) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if !storable(ownerID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if t.ID == "" {
		t.ID = NewID()
	}
	t.CreatedBy, t.CreatedAt, t.UpdatedAt, t.Version, t.Role, t.Members = ownerID, tx.now, tx.now, 1, core.RoleOwner, 1
	hlc, err := tx.logChange(ctx, ownerID, "teams", t.ID, core.OpInsert, map[string]any{"name": t.Name})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO teams (id, name, created_by, created_at, updated_at, version, hlc) VALUES ($1, $2, $3, $4, $4, 1, $5)`,
		t.ID, t.Name, ownerID, tx.now, hlc); err != nil {
		return formatError(err, "create team", onViolation{Duplicate: "A team with this id exists."})
	}
	if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		t.ID, ownerID, core.RoleOwner, tx.now); err != nil {
		return formatError(err, "add team owner", userMissing)
	}
	return tx.commit(ctx, "create team")
}

// FindTeamByID returns not_found for unknown or deleted teams.
func (db *DB) FindTeamByID(ctx context.Context, id string) (*core.Team, error) {
	if !storable(id) {
		return nil, core.Errorf(core.ENOTFOUND, "Team not found.")
	}
	t, err := scanTeam(db.pool.QueryRow(ctx, `SELECT `+teamColumns+` FROM teams t WHERE t.id = $1 AND t.deleted_at IS NULL`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Team not found.")
	} else if err != nil {
		return nil, formatError(err, "find team "+id, onViolation{})
	}
	return t, nil
}

// FindTeamsForUser lists userID's teams by name, with the user's role.
func (db *DB) FindTeamsForUser(ctx context.Context, userID string) ([]*core.Team, error) {
	out := []*core.Team{}
	if !storable(userID) {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT `+teamColumns+`, m.role FROM teams t JOIN team_members m ON m.team_id = t.id
		WHERE m.user_id = $1 AND t.deleted_at IS NULL ORDER BY t.name COLLATE "C", t.id`, userID)
	if err != nil {
		return nil, formatError(err, "find teams of "+userID, onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		var role string
		t, err := scanTeam(rows, &role)
		if err != nil {
			return nil, formatError(err, "scan team", onViolation{})
		}
		t.Role = role
		out = append(out, t)
	}
	return out, rows.Err()
}

const memberColumns = `m.team_id, m.user_id, u.email, trim(u.first_name || ' ' || u.last_name), m.role, m.created_at`

func scanMember(row pgx.Row) (*core.TeamMember, error) {
	var m core.TeamMember
	if err := row.Scan(&m.TeamID, &m.UserID, &m.Email, &m.Name, &m.Role, &m.CreatedAt); err != nil {
		return nil, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, nil
}

// FindTeamMember returns not_found when userID is not in the team.
func (db *DB) FindTeamMember(ctx context.Context, teamID, userID string) (*core.TeamMember, error) {
	if !storable(teamID, userID) {
		return nil, core.Errorf(core.ENOTFOUND, "Team not found.")
	}
	m, err := scanMember(db.pool.QueryRow(ctx, `SELECT `+memberColumns+` FROM team_members m JOIN users u ON u.id = m.user_id
		JOIN teams t ON t.id = m.team_id WHERE m.team_id = $1 AND m.user_id = $2 AND t.deleted_at IS NULL`, teamID, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Team not found.")
	} else if err != nil {
		return nil, formatError(err, "find team member", onViolation{})
	}
	return m, nil
}

// FindTeamMembers lists a team's members, owners first, then by email.
func (db *DB) FindTeamMembers(ctx context.Context, teamID string) ([]*core.TeamMember, error) {
	out := []*core.TeamMember{}
	if !storable(teamID) {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT `+memberColumns+` FROM team_members m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = $1 ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, u.email COLLATE "C"`, teamID)
	if err != nil {
		return nil, formatError(err, "find team members", onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, formatError(err, "scan team member", onViolation{})
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddTeamMember returns conflict when the user is already a member.
func (db *DB) AddTeamMember(ctx context.Context, teamID, userID, role string) error {
	if !storable(teamID, userID) {
		return core.Errorf(core.ENOTFOUND, "Team or user not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := tx.logChange(ctx, userID, "team_members", teamID+":"+userID, core.OpInsert, map[string]any{"team_id": teamID, "role": role}); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		teamID, userID, role, tx.now); err != nil {
		return formatError(err, "add team member", onViolation{Missing: "Team or user not found.", Duplicate: "That person is already in the team."})
	}
	return tx.commit(ctx, "add team member")
}

// RemoveTeamMember returns not_found when the user is not a member.
func (db *DB) RemoveTeamMember(ctx context.Context, teamID, userID string) error {
	if !storable(teamID, userID) {
		return core.Errorf(core.ENOTFOUND, "That person is not in the team.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	tag, err := tx.Exec(ctx, `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, userID)
	if err != nil {
		return formatError(err, "remove team member", onViolation{})
	}
	if tag.RowsAffected() == 0 {
		return core.Errorf(core.ENOTFOUND, "That person is not in the team.")
	}
	if _, err := tx.logChange(ctx, userID, "team_members", teamID+":"+userID, core.OpDelete, map[string]any{"team_id": teamID}); err != nil {
		return err
	}
	if err := tx.unassignTeamTasks(ctx, teamID, userID); err != nil {
		return err
	}
	return tx.commit(ctx, "remove team member")
}

// TeamIDsForUser lists the ids of userID's live teams.
func (db *DB) TeamIDsForUser(ctx context.Context, userID string) ([]string, error) {
	if !storable(userID) {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT m.team_id FROM team_members m JOIN teams t ON t.id = m.team_id
		WHERE m.user_id = $1 AND t.deleted_at IS NULL ORDER BY m.team_id`, userID)
	if err != nil {
		return nil, formatError(err, "team ids of "+userID, onViolation{})
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
	rows, err := tx.Query(ctx, `SELECT id, user_id FROM tasks WHERE team_id = $1 AND assignee_id = $2 AND deleted_at IS NULL ORDER BY id FOR UPDATE`, teamID, userID)
	if err != nil {
		return formatError(err, "find assigned tasks", onViolation{})
	}
	var ids, owners []string
	for rows.Next() {
		var id, owner string
		if err := rows.Scan(&id, &owner); err != nil {
			rows.Close()
			return formatError(err, "find assigned tasks", onViolation{})
		}
		ids, owners = append(ids, id), append(owners, owner)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return formatError(err, "find assigned tasks", onViolation{})
	}
	for i, id := range ids {
		hlc, err := tx.logChange(ctx, owners[i], "tasks", id, core.OpUpdate, map[string]any{"assignee_id": ""})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET assignee_id = '', updated_at = $1, version = version + 1, hlc = $2 WHERE id = $3`,
			tx.now, hlc, id); err != nil {
			return formatError(err, "unassign task "+id, onViolation{})
		}
	}
	return nil
}

// checkAssignee refuses, inside the write transaction, a team task's
// assignee who is not in the team. It holds their membership row (FOR KEY
// SHARE) until the transaction ends, which RemoveTeamMember's DELETE waits
// for: a removal either commits first (the row is gone, the assignment
// refused) or after (its unassigning, a later statement, sees the task).
func (tx *Tx) checkAssignee(ctx context.Context, teamID, assigneeID string) (bool, error) {
	if teamID == "" || assigneeID == "" {
		return true, nil
	}
	if !storable(teamID, assigneeID) {
		return false, nil
	}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM team_members WHERE team_id = $1 AND user_id = $2 FOR KEY SHARE`, teamID, assigneeID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, formatError(err, "find team member", onViolation{})
	}
	return true, nil
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
