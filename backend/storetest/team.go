package storetest

import (
	"testing"

	"sentry/backend/core"
)

// Teams: the owner is the first member; members are listed owners first;
// a member twice is a conflict, a missing one not_found; a team's tasks are
// listed with their members' own and a creator outside the team no longer
// sees them.
func testTeams(t *testing.T, s Stores) {
	ana, bo := mustUser(t, s, "ana@example.com"), mustUser(t, s, "bo@example.com")
	team := &core.Team{Name: "  Design  "}
	if err := s.Teams.CreateTeam(ctx, team, ana.ID); err != nil {
		t.Fatal(err)
	}
	if team.Name != "Design" || team.Role != core.RoleOwner || team.Members != 1 || team.ID == "" {
		t.Fatalf("created %+v", team)
	}
	got, err := s.Teams.FindTeamByID(ctx, team.ID)
	if err != nil || got.Name != "Design" || got.CreatedBy != ana.ID || got.Members != 1 || !got.CreatedAt.Equal(team.CreatedAt) {
		t.Fatalf("find %+v %v", got, err)
	}
	_, err = s.Teams.FindTeamByID(ctx, ghostID)
	wantCode(t, "unknown team", err, core.ENOTFOUND)
	_, err = s.Teams.FindTeamByID(ctx, "bad\x00id")
	wantCode(t, "hostile team id", err, core.ENOTFOUND)
	if err := s.Teams.AddTeamMember(ctx, team.ID, bo.ID, core.RoleMember); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "member twice", s.Teams.AddTeamMember(ctx, team.ID, bo.ID, core.RoleAdmin), core.ECONFLICT, "That person is already in the team.")
	wantCode(t, "member of a missing team", s.Teams.AddTeamMember(ctx, ghostID, bo.ID, core.RoleMember), core.ENOTFOUND)
	members, err := s.Teams.FindTeamMembers(ctx, team.ID)
	if err != nil || len(members) != 2 || members[0].UserID != ana.ID || members[0].Role != core.RoleOwner ||
		members[1].Email != "bo@example.com" || members[1].Name != "Test User" {
		t.Fatalf("members %+v %v", members, err)
	}
	teams, err := s.Teams.FindTeamsForUser(ctx, bo.ID)
	if err != nil || len(teams) != 1 || teams[0].Role != core.RoleMember || teams[0].Members != 2 {
		t.Fatalf("bo's teams %+v %v", teams, err)
	}
	ids, err := s.Teams.TeamIDsForUser(ctx, bo.ID)
	if err != nil || len(ids) != 1 || ids[0] != team.ID {
		t.Fatalf("team ids %v %v", ids, err)
	}
	// Tasks: Bo's team task is listed for Ana through the team; Bo's
	// personal task is not.
	shared := newTask(bo.ID, "Review the mockups")
	shared.TeamID = team.ID
	mustTask(t, s, shared)
	mustTask(t, s, newTask(bo.ID, "Bo's own"))
	mustTask(t, s, newTask(ana.ID, "Ana's own"))
	titles := func(userID string, teams []string) map[string]bool {
		t.Helper()
		list, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: userID, TeamIDs: teams, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, task := range list {
			out[task.Title] = true
		}
		return out
	}
	if got := titles(ana.ID, []string{team.ID}); len(got) != 2 || !got["Review the mockups"] || !got["Ana's own"] {
		t.Fatalf("ana's list %v", got)
	}
	if got, _ := s.Tasks.FindTaskByID(ctx, shared.ID); got.TeamID != team.ID {
		t.Fatalf("team id read back %q", got.TeamID)
	}
	// Bo leaves: his own team task is the team's, not his.
	if err := s.Teams.RemoveTeamMember(ctx, team.ID, bo.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "remove twice", s.Teams.RemoveTeamMember(ctx, team.ID, bo.ID), core.ENOTFOUND)
	_, err = s.Teams.FindTeamMember(ctx, team.ID, bo.ID)
	wantCode(t, "former member", err, core.ENOTFOUND)
	if got := titles(bo.ID, nil); len(got) != 1 || !got["Bo's own"] {
		t.Fatalf("bo's list after leaving %v", got)
	}
	// A team name the stores cannot keep is refused alike.
	wantCode(t, "NUL in a team name", s.Teams.CreateTeam(ctx, &core.Team{Name: "a\x00b"}, ana.ID), core.EINVALID)
}
