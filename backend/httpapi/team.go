package httpapi

import (
	"net/http"

	"sentry/backend/core"
)

func (s *Server) teamRoutes() []Route {
	if s.Teams == nil {
		return nil
	}
	return []Route{
		{Method: "POST", Path: "/api/teams", Tag: "teams", Summary: "Make a team; you are its owner", Body: "TeamInput", Response: "Team", Status: 201, handler: s.handleCreateTeam},
		{Method: "GET", Path: "/api/teams", Tag: "teams", Summary: "Your teams, with your role in each", Response: "TeamList", Status: 200, handler: s.handleListTeams},
		{Method: "GET", Path: "/api/teams/{team_id}", Tag: "teams", Summary: "One of your teams", Response: "Team", Status: 200, handler: s.handleGetTeam},
		{Method: "GET", Path: "/api/teams/{team_id}/members", Tag: "teams", Summary: "A team's members (any member may see them)", Response: "TeamMemberList", Status: 200, handler: s.handleTeamMembers},
		{Method: "POST", Path: "/api/teams/{team_id}/members", Tag: "teams", Summary: "Add an existing account to a team by email (owners and admins)", Body: "TeamMemberInput", Response: "TeamMember", Status: 201, handler: s.handleAddTeamMember},
		{Method: "DELETE", Path: "/api/teams/{team_id}/members/{member_id}", Tag: "teams", Summary: "Remove a member (owners and admins), or yourself (leave)", Status: 204, handler: s.handleRemoveTeamMember},
		{Method: "POST", Path: "/api/teams/{team_id}/leave", Tag: "teams", Summary: "Leave a team (its last owner cannot)", Status: 204, handler: s.handleLeaveTeam},
	}
}

// Team responses.
type (
	teamList struct {
		Teams []*core.Team `json:"teams"`
	}
	teamMemberList struct {
		Members []*core.TeamMember `json:"members"`
	}
)

// Team request bodies.
type (
	teamInput struct {
		Name string `json:"name"`
	}
	teamMemberInput struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
)

func (s *Server) handleCreateTeam(w http.ResponseWriter, r *http.Request) error {
	var in teamInput
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	t, err := s.Teams.Create(r.Context(), in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) handleListTeams(w http.ResponseWriter, r *http.Request) error {
	teams, err := s.Teams.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, teamList{Teams: teams})
	return nil
}

func (s *Server) handleGetTeam(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Teams.Get(r.Context(), r.PathValue("team_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) handleTeamMembers(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.Teams.Members(r.Context(), r.PathValue("team_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, teamMemberList{Members: ms})
	return nil
}

func (s *Server) handleAddTeamMember(w http.ResponseWriter, r *http.Request) error {
	// Outside the team, the answer is not_found whatever the body holds.
	if _, err := s.Teams.Get(r.Context(), r.PathValue("team_id")); err != nil {
		return err
	}
	var in teamMemberInput
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	m, err := s.Teams.AddMember(r.Context(), r.PathValue("team_id"), in.Email, in.Role)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) handleRemoveTeamMember(w http.ResponseWriter, r *http.Request) error {
	if err := s.Teams.RemoveMember(r.Context(), r.PathValue("team_id"), r.PathValue("member_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleLeaveTeam(w http.ResponseWriter, r *http.Request) error {
	u, err := core.RequireUser(r.Context())
	if err != nil {
		return err
	}
	if err := s.Teams.RemoveMember(r.Context(), r.PathValue("team_id"), u.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
