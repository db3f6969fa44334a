package core

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Team roles, from most to least rights.
const (
	RoleOwner  = "owner"  // everything, including the team itself
	RoleAdmin  = "admin"  // manages members, deletes any team task
	RoleMember = "member" // creates and edits team tasks
)

// TeamRoles lists the roles a member may be given.
func TeamRoles() []string { return []string{RoleOwner, RoleAdmin, RoleMember} }

// RoleRank orders roles: member 1, admin 2, owner 3 (0 for unknown).
func RoleRank(role string) int {
	switch role {
	case RoleMember:
		return 1
	case RoleAdmin:
		return 2
	case RoleOwner:
		return 3
	}
	return 0
}

// Team is a group of users who share tasks: a scope of its own.
type Team struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
	// Role is the caller's role in the team (in lists and reads).
	Role string `json:"role,omitempty"`
	// Members counts the team's members.
	Members int `json:"members"`
}

// MaxTeamName bounds a team's name.
const MaxTeamName = 100

// Validate checks a team's fields.
func (t *Team) Validate() error {
	var err error
	if t.Name, err = CleanText("name", t.Name, false); err != nil {
		return err
	}
	t.Name = strings.TrimSpace(t.Name)
	switch {
	case t.Name == "":
		return FieldError("name", "A team needs a name.")
	case utf8.RuneCountInString(t.Name) > MaxTeamName:
		return FieldError("name", "A team's name must be at most %d characters.", MaxTeamName)
	}
	return nil
}

// TeamMember is one user's place in a team.
type TeamMember struct {
	TeamID    string    `json:"team_id"`
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"joined_at"`
}

// TeamStore keeps teams and their members. Business rules (who may add or
// remove whom) live in the team feature.
type TeamStore interface {
	// CreateTeam stores a team with ownerID as its first owner, in one
	// transaction.
	CreateTeam(ctx context.Context, t *Team, ownerID string) error
	// FindTeamByID returns not_found for unknown or deleted teams.
	FindTeamByID(ctx context.Context, id string) (*Team, error)
	// FindTeamsForUser lists the teams userID belongs to, with Role set.
	FindTeamsForUser(ctx context.Context, userID string) ([]*Team, error)
	// FindTeamMember returns not_found when userID is not in the team.
	FindTeamMember(ctx context.Context, teamID, userID string) (*TeamMember, error)
	// FindTeamMembers lists a team's members, owners first.
	FindTeamMembers(ctx context.Context, teamID string) ([]*TeamMember, error)
	// AddTeamMember returns conflict when the user is already a member.
	AddTeamMember(ctx context.Context, teamID, userID, role string) error
	// RemoveTeamMember returns not_found when the user is not a member.
	// The team's tasks assigned to them become unassigned in the same
	// transaction, as logged (synced) writes.
	RemoveTeamMember(ctx context.Context, teamID, userID string) error
	// TeamIDsForUser lists the ids of userID's teams.
	TeamIDsForUser(ctx context.Context, userID string) ([]string, error)
}

// TeamMembership answers, for features that show team rows, whether and
// how a user belongs to a team.
type TeamMembership interface {
	// TeamRole is userID's role in teamID, "" when not a member.
	TeamRole(ctx context.Context, teamID, userID string) (string, error)
	// TeamIDs lists userID's teams.
	TeamIDs(ctx context.Context, userID string) ([]string, error)
}
