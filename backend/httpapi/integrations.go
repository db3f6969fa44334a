package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"sentry/backend/core"
	"sentry/backend/integrations"
)

func (s *Server) integrationRoutes() []Route {
	if s.Integrations == nil {
		return nil
	}
	connectQuery := []Param{{"return_to", "string", "a path on this site to come back to after the provider's consent screen (default /)"}}
	return []Route{
		{Method: "GET", Path: "/api/integrations/{user_id}", Tag: "integrations", Summary: "Your integrations: configured, connected, last sync, last error, needs_reconnect", Response: "IntegrationList", Status: 200, handler: s.handleListIntegrations},
		{Method: "GET", Path: "/api/integrations/{provider}/connect", Tag: "integrations", Summary: "Start connecting google_tasks, google_calendar or zoom: returns the provider's authorization URL (state, PKCE S256, offline access) to open in a browser", Query: connectQuery, Response: "IntegrationConnect", Status: 200, handler: s.handleConnectIntegration},
		{Method: "POST", Path: "/api/integrations/{provider}/connect", Tag: "integrations", Summary: "Same as GET, with return_to in a JSON body", Body: "IntegrationConnectRequest", Response: "IntegrationConnect", Status: 200, handler: s.handleConnectIntegration},
		{Method: "GET", Path: "/api/integrations/callback", Public: true, Tag: "integrations", Status: 303, Summary: "Providers return here; stores the tokens sealed and redirects to return_to with #integration=…&status=connected, or status=error&message=…", handler: s.handleIntegrationCallback},
		{Method: "DELETE", Path: "/api/integrations/{provider}/{user_id}", Tag: "integrations", Summary: "Disconnect: revoke the grant at the provider and forget the tokens (synced tasks stay)", Status: 204, handler: s.handleDisconnectIntegration},
		{Method: "GET", Path: "/api/integrations/google/tasks/{user_id}/sync", Tag: "integrations", Summary: "Sync Google Tasks both ways now (incremental; last writer wins a conflict)", Response: "SyncResult", Status: 200, handler: s.handleSyncGoogleTasks},
		{Method: "GET", Path: "/api/integrations/google/calendar/{user_id}/sync", Tag: "integrations", Summary: "Import Google Calendar events as meetings now (incremental; cancelled events removed)", Response: "SyncResult", Status: 200, handler: s.handleSyncGoogleCalendar},
		{Method: "GET", Path: "/api/zoom/meetings/{user_id}", Tag: "integrations", Summary: "Import your upcoming Zoom meetings as meetings now (idempotent)", Response: "SyncResult", Status: 200, handler: s.handleImportZoom},
	}
}

func (s *Server) handleListIntegrations(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Integrations.List(r.Context(), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, integrationList{Integrations: list})
	return nil
}

// integrationConnectRequest may name where the browser returns after
// connecting (the query's return_to otherwise).
type integrationConnectRequest struct {
	ReturnTo string `json:"return_to"`
}

func (s *Server) handleConnectIntegration(w http.ResponseWriter, r *http.Request) error {
	provider := r.PathValue("provider")
	if integrations.Title(provider) == "" {
		return core.Errorf(core.ENOTFOUND, "Unknown integration; use one of %s.", strings.Join(integrations.Providers, ", "))
	}
	returnTo := r.URL.Query().Get("return_to")
	if r.Method == http.MethodPost && r.ContentLength != 0 {
		var in integrationConnectRequest
		if err := decodeRequest(w, r, &in); err != nil {
			return err
		}
		returnTo = in.ReturnTo
	}
	to, expires, err := s.Integrations.Connect(r.Context(), provider, returnTo)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, integrationConnect{Provider: provider, AuthorizationURL: to, ExpiresAt: expires.UTC().Truncate(time.Second)})
	return nil
}

// handleIntegrationCallback is where the provider sends the browser back.
// The outcome travels in the fragment, which never reaches server logs.
func (s *Server) handleIntegrationCallback(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	res, err := s.Integrations.Finish(r.Context(), q.Get("state"), q.Get("code"), q.Get("error"))
	if core.ErrorCode(err) == core.EINTERNAL {
		return err
	}
	to := res.ReturnTo
	if to == "" {
		to = "/"
	}
	frag := url.Values{}
	if res.Provider != "" {
		frag.Set("integration", res.Provider)
	}
	if err != nil {
		frag.Set("status", "error")
		frag.Set("message", core.ErrorMessage(err))
	} else {
		frag.Set("status", "connected")
	}
	sep := "#"
	if strings.Contains(to, "#") {
		sep = "&"
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, to+sep+frag.Encode(), http.StatusSeeOther)
	return nil
}

func (s *Server) handleDisconnectIntegration(w http.ResponseWriter, r *http.Request) error {
	if err := s.Integrations.Disconnect(r.Context(), r.PathValue("user_id"), r.PathValue("provider")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleSyncGoogleTasks(w http.ResponseWriter, r *http.Request) error {
	return writeSync(w)(s.Integrations.SyncGoogleTasks(r.Context(), r.PathValue("user_id")))
}

func (s *Server) handleSyncGoogleCalendar(w http.ResponseWriter, r *http.Request) error {
	return writeSync(w)(s.Integrations.SyncGoogleCalendar(r.Context(), r.PathValue("user_id")))
}

func (s *Server) handleImportZoom(w http.ResponseWriter, r *http.Request) error {
	return writeSync(w)(s.Integrations.ImportZoomMeetings(r.Context(), r.PathValue("user_id")))
}

func writeSync(w http.ResponseWriter) func(*integrations.SyncResult, error) error {
	return func(res *integrations.SyncResult, err error) error {
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	}
}

// Integration responses.
type (
	integrationList struct {
		Integrations []integrations.Status `json:"integrations"`
	}
	// integrationConnect is where to send the browser to grant access,
	// and until when that link works.
	integrationConnect struct {
		Provider         string    `json:"provider"`
		AuthorizationURL string    `json:"authorization_url"`
		ExpiresAt        time.Time `json:"expires_at"`
	}
)
