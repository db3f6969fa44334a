// Package team is the teams use case: make a team, add and remove
// members, leave. A team is a scope of its own: its tasks are seen by every
// member, and by nobody else. Who may do what lives here, once:
//
//	owner   everything; the last owner cannot leave or be removed
//	admin   adds and removes members and admins (not owners)
//	member  sees and edits the team's tasks; may leave
//
// Someone outside a team gets not_found for it, exactly as for a team that
// does not exist, so team ids cannot be probed.
package team

import (
	"context"
	"strings"

	"sentry/backend/core"
)

// Users finds accounts by email (to add a member).
type Users interface {
	FindUserByEmail(ctx context.Context, email string) (*core.User, error)
}

// Service owns the rules of teams; the store only persists.
type Service struct {
	store core.TeamStore
	users Users
}

// NewService returns the teams service.
func NewService(store core.TeamStore, users Users) *Service {
	return &Service{store: store, users: users}
}

var errNoTeam = core.Errorf(core.ENOTFOUND, "Team not found.")

// Create makes a team with the caller as its owner.
func (s *Service) Create(ctx context.Context, name string) (*core.Team, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	t := &core.Team{Name: name}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.CreateTeam(ctx, t, u.ID); err != nil {
		return nil, err
	}
	return t, nil
}

// List returns the caller's teams with their role in each.
func (s *Service) List(ctx context.Context) ([]*core.Team, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.FindTeamsForUser(ctx, u.ID)
}

// membership returns the caller's place in a team; not_found outside it.
func (s *Service) membership(ctx context.Context, teamID string) (*core.User, *core.TeamMember, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !core.ValidID(teamID) {
		return nil, nil, errNoTeam
	}
	m, err := s.store.FindTeamMember(ctx, teamID, u.ID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, nil, errNoTeam
	}
	return u, m, err
}

// Get returns one of the caller's teams.
func (s *Service) Get(ctx context.Context, teamID string) (*core.Team, error) {
	_, m, err := s.membership(ctx, teamID)
	if err != nil {
		return nil, err
	}
	t, err := s.store.FindTeamByID(ctx, teamID)
	if err != nil {
		return nil, err
	}
	t.Role = m.Role
	return t, nil
}

// Members lists a team's members; any member may see them.
func (s *Service) Members(ctx context.Context, teamID string) ([]*core.TeamMember, error) {
	if _, _, err := s.membership(ctx, teamID); err != nil {
		return nil, err
	}
	return s.store.FindTeamMembers(ctx, teamID)
}

// AddMember adds an existing account by email with a role. Owners and
// admins may add; only an owner may make another owner.
func (s *Service) AddMember(ctx context.Context, teamID, email, role string) (*core.TeamMember, error) {
	_, me, err := s.membership(ctx, teamID)
	if err != nil {
		return nil, err
	}
	if role == "" {
		role = core.RoleMember
	}
	if core.RoleRank(role) == 0 {
		return nil, core.FieldError("role", "Role must be one of %s.", strings.Join(core.TeamRoles(), ", "))
	}
	if core.RoleRank(me.Role) < core.RoleRank(core.RoleAdmin) {
		return nil, core.Errorf(core.EFORBIDDEN, "Only the team's owners and admins can add members.")
	}
	if core.RoleRank(role) > core.RoleRank(me.Role) {
		return nil, core.Errorf(core.EFORBIDDEN, "Only an owner can make someone an owner.")
	}
	email = core.NormalizeEmail(email)
	if err := core.ValidateEmail(email); err != nil {
		return nil, err
	}
	u, err := s.users.FindUserByEmail(ctx, email)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, core.FieldError("email", "No account uses %s; ask them to sign up first, then add them.", email)
	} else if err != nil {
		return nil, err
	}
	if err := s.store.AddTeamMember(ctx, teamID, u.ID, role); err != nil {
		return nil, err
	}
	return s.store.FindTeamMember(ctx, teamID, u.ID)
}

// RemoveMember takes someone out of a team: an owner or admin removes
// others of lower or equal rank (admins cannot remove owners); anyone may
// remove themselves (leave). The last owner stays.
func (s *Service) RemoveMember(ctx context.Context, teamID, userID string) error {
	u, me, err := s.membership(ctx, teamID)
	if err != nil {
		return err
	}
	target := me
	if userID != u.ID {
		if core.RoleRank(me.Role) < core.RoleRank(core.RoleAdmin) {
			return core.Errorf(core.EFORBIDDEN, "Only the team's owners and admins can remove members.")
		}
		if target, err = s.store.FindTeamMember(ctx, teamID, userID); core.ErrorCode(err) == core.ENOTFOUND {
			return core.Errorf(core.ENOTFOUND, "That person is not in the team.")
		} else if err != nil {
			return err
		}
		if core.RoleRank(target.Role) > core.RoleRank(me.Role) {
			return core.Errorf(core.EFORBIDDEN, "An admin cannot remove an owner.")
		}
	}
	if target.Role == core.RoleOwner {
		members, err := s.store.FindTeamMembers(ctx, teamID)
		if err != nil {
			return err
		}
		owners := 0
		for _, m := range members {
			if m.Role == core.RoleOwner {
				owners++
			}
		}
		if owners <= 1 {
			return core.Errorf(core.ECONFLICT, "A team needs an owner: make someone else an owner first.")
		}
	}
	return s.store.RemoveTeamMember(ctx, teamID, target.UserID)
}

// TeamRole is userID's role in teamID, "" when not a member.
func (s *Service) TeamRole(ctx context.Context, teamID, userID string) (string, error) {
	m, err := s.store.FindTeamMember(ctx, teamID, userID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	return m.Role, nil
}

// TeamIDs lists userID's teams.
func (s *Service) TeamIDs(ctx context.Context, userID string) ([]string, error) {
	return s.store.TeamIDsForUser(ctx, userID)
}

var _ core.TeamMembership = (*Service)(nil)
