package httpapi

import (
	"net/http"

	"sentry/backend/core"
	"sentry/backend/modelmgr"
)

func (s *Server) settingsRoutes() []Route {
	if s.Models == nil {
		return nil
	}
	return []Route{
		{Method: "GET", Path: "/api/settings/speech-model", Tag: "settings", Summary: "The speech model in use, whether it works, and any download in progress", Response: "SpeechModel", Status: 200, handler: s.handleSpeechModel},
		{Method: "PUT", Path: "/api/settings/speech-model", Tag: "settings", Summary: "Desktop only: use a model folder you picked", Body: "SpeechModelFolder", Response: "SpeechModel", Status: 200, handler: s.handleUseSpeechModel},
		{Method: "POST", Path: "/api/settings/speech-model/download", Tag: "settings", Summary: "Desktop only: download one of the known models by name (catalog), or an archive (.zip) with its SHA-256; follow it with GET", Body: "SpeechModelDownload", Response: "SpeechModel", Status: 202, handler: s.handleDownloadSpeechModel},
	}
}

// machineSettings are the desktop's own: on a team server the operator
// configures them, not a user.
func (s *Server) machineSettings(r *http.Request) error {
	if _, err := core.RequireUser(r.Context()); err != nil {
		return err
	}
	if !s.Desktop {
		return core.Errorf(core.EFORBIDDEN, "On a team server its operator sets up the speech model.")
	}
	return nil
}

func (s *Server) handleSpeechModel(w http.ResponseWriter, r *http.Request) error {
	st := s.Models.Status(r.Context())
	if !s.Desktop && !st.Ready && st.Path == "" {
		st.Problem = "No speech model on this server; its operator sets one up."
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// Bodies of the speech model settings.
type (
	speechModelFolder struct {
		Path string `json:"path"`
	}
	// speechModelDownload names a model of the list, or an address with
	// its SHA-256.
	speechModelDownload struct {
		Model  string `json:"model"`
		URL    string `json:"url"`
		SHA256 string `json:"sha256"`
	}
)

func (s *Server) handleUseSpeechModel(w http.ResponseWriter, r *http.Request) error {
	if err := s.machineSettings(r); err != nil {
		return err
	}
	var in speechModelFolder
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	if err := s.Models.UseFolder(r.Context(), in.Path); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.Models.Status(r.Context()))
	return nil
}

func (s *Server) handleDownloadSpeechModel(w http.ResponseWriter, r *http.Request) error {
	if err := s.machineSettings(r); err != nil {
		return err
	}
	var in speechModelDownload
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	var err error
	switch {
	case in.Model != "" && (in.URL != "" || in.SHA256 != ""):
		return core.FieldError("model", "Give a model of the list, or an address with its SHA-256, not both.")
	case in.Model != "" || in.URL == "":
		_, err = s.Models.StartKnown(r.Context(), in.Model)
	default:
		_, err = s.Models.Start(r.Context(), in.URL, in.SHA256)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, s.Models.Status(r.Context()))
	return nil
}

var _ = modelmgr.SettingKey
