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
		{Method: "POST", Path: "/api/settings/speech-model/download", Tag: "settings", Summary: "The desktop's person: download one of the known models by name (catalog), or an archive (.zip) with its SHA-256; a team server's administrator: one of the known models by name; follow it with GET", Body: "SpeechModelDownload", Response: "SpeechModel", Status: 202, handler: s.handleDownloadSpeechModel},
	}
}

// The speech model is the install's, like the language models: the
// desktop's person chooses it any way; on a team server its
// administrators download one of the list (never a folder or an address
// of their choosing on the server's machine), and everyone else sees it.
var (
	errSpeechModelAdmins = core.Errorf(core.EFORBIDDEN, "On this server its administrators choose the speech model; it is used for everyone's recordings.")
	errSpeechModelList   = core.Errorf(core.EFORBIDDEN, "On a team server the speech model is downloaded from the list by name.")
)

// speechStatus is the speech model's status and what u may change.
func (s *Server) speechStatus(r *http.Request, u *core.User) modelmgr.Status {
	st := s.Models.Status(r.Context())
	if !s.Desktop && !st.Ready && st.Path == "" {
		st.Problem = "No speech model on this server yet."
	}
	st.Editable, st.Folder, st.Shared = s.managesModels(u), s.Desktop, !s.Desktop
	return st
}

func (s *Server) handleSpeechModel(w http.ResponseWriter, r *http.Request) error {
	u, err := core.RequireUser(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.speechStatus(r, u))
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
	u, err := core.RequireUser(r.Context())
	if err != nil {
		return err
	}
	switch {
	case !s.managesModels(u):
		return errSpeechModelAdmins
	case !s.Desktop:
		return errSpeechModelList
	}
	var in speechModelFolder
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	if err := s.Models.UseFolder(r.Context(), in.Path); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.speechStatus(r, u))
	return nil
}

func (s *Server) handleDownloadSpeechModel(w http.ResponseWriter, r *http.Request) error {
	u, err := core.RequireUser(r.Context())
	if err != nil {
		return err
	}
	if !s.managesModels(u) {
		return errSpeechModelAdmins
	}
	var in speechModelDownload
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	if !s.Desktop && (in.URL != "" || in.SHA256 != "") {
		return errSpeechModelList
	}
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
	writeJSON(w, http.StatusAccepted, s.speechStatus(r, u))
	return nil
}
