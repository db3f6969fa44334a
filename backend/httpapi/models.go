package httpapi

import (
	"net/http"

	"sentry/backend/core"
	"sentry/backend/modelmgr"
)

// modelRoutes are Settings → Models: the local model server, its models, a
// pull with progress and the models chosen for each use. Everyone signed
// in may look; only the desktop's own person changes them (on a team
// server the model server is the operator's).
func (s *Server) modelRoutes() []Route {
	if s.LanguageModels == nil {
		return nil
	}
	return []Route{
		{Method: "GET", Path: "/api/settings/models", Tag: "settings", Summary: "The local model server: running or not, its version, the installed models with sizes, the models chosen for extraction, answers and embeddings, and any pull", Response: "LanguageModels", Status: 200, handler: s.handleLanguageModels},
		{Method: "PUT", Path: "/api/settings/models", Tag: "settings", Summary: "Desktop only: choose the models for extraction, answers and embeddings (\"\" for the default); each must be installed and able to do its job", Body: "ModelChoice", Response: "LanguageModels", Status: 200, handler: s.handleChooseModels},
		{Method: "POST", Path: "/api/settings/models/pull", Tag: "settings", Summary: "Desktop only: start pulling a model; follow it with GET", Body: "ModelPullRequest", Response: "ModelPull", Status: 202, handler: s.handleStartPull},
		{Method: "GET", Path: "/api/settings/models/pull", Tag: "settings", Summary: "The latest pull's progress (404 when none was started)", Response: "ModelPull", Status: 200, handler: s.handlePullProgress},
		{Method: "DELETE", Path: "/api/settings/models/pull", Tag: "settings", Summary: "Desktop only: cancel the running pull", Status: 204, handler: s.handleCancelPull},
	}
}

// languageModels is the Models section's answer: the status and whether
// this person may change it.
type languageModels struct {
	modelmgr.LanguageStatus
	Editable bool `json:"editable"`
}

func (s *Server) modelStatus(r *http.Request) languageModels {
	st := s.LanguageModels.Status(r.Context())
	if !s.Desktop && !st.Running && st.Problem == core.MsgNoModelServer {
		st.Problem = "No language model is running on this server; its operator sets one up. The built-in engines work meanwhile."
	}
	return languageModels{LanguageStatus: st, Editable: s.Desktop}
}

// modelSettings may be changed only on the desktop.
func (s *Server) modelSettings(r *http.Request) error {
	if _, err := core.RequireUser(r.Context()); err != nil {
		return err
	}
	if !s.Desktop {
		return core.Errorf(core.EFORBIDDEN, "On a team server its operator chooses and installs the models.")
	}
	return nil
}

func (s *Server) handleLanguageModels(w http.ResponseWriter, r *http.Request) error {
	if _, err := core.RequireUser(r.Context()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.modelStatus(r))
	return nil
}

// modelChoice names the models for each job; a field left out keeps its
// choice, "" goes back to the default.
type modelChoice struct {
	Extraction *string `json:"extraction"`
	Answers    *string `json:"answers"`
	Embeddings *string `json:"embeddings"`
}

// modelPullRequest names a model to pull.
type modelPullRequest struct {
	Model string `json:"model"`
}

func (s *Server) handleChooseModels(w http.ResponseWriter, r *http.Request) error {
	if err := s.modelSettings(r); err != nil {
		return err
	}
	var body modelChoice
	if err := decodeRequest(w, r, &body); err != nil {
		return err
	}
	// A field left out keeps its choice; "" goes back to the default.
	cur, def := s.LanguageModels.Chosen(r.Context()), s.LanguageModels.Defaults
	pick := func(v *string, now, dflt string) string {
		switch {
		case v != nil:
			return *v
		case now != dflt:
			return now
		}
		return ""
	}
	in := modelmgr.Choice{Extraction: pick(body.Extraction, cur.Extraction, def.Extraction),
		Answers: pick(body.Answers, cur.Answers, def.Answers), Embeddings: pick(body.Embeddings, cur.Embeddings, def.Embeddings)}
	if err := s.LanguageModels.Choose(r.Context(), in); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.modelStatus(r))
	return nil
}

func (s *Server) handleStartPull(w http.ResponseWriter, r *http.Request) error {
	if err := s.modelSettings(r); err != nil {
		return err
	}
	var in modelPullRequest
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	if in.Model == "" {
		return core.FieldError("model", "Name the model to pull, like llama3.2:3b.")
	}
	p, err := s.LanguageModels.StartPull(r.Context(), in.Model)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, p)
	return nil
}

func (s *Server) handlePullProgress(w http.ResponseWriter, r *http.Request) error {
	if _, err := core.RequireUser(r.Context()); err != nil {
		return err
	}
	p := s.LanguageModels.CurrentPull()
	if p == nil {
		return core.Errorf(core.ENOTFOUND, "No model is being pulled.")
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handleCancelPull(w http.ResponseWriter, r *http.Request) error {
	if err := s.modelSettings(r); err != nil {
		return err
	}
	if err := s.LanguageModels.CancelPull(); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
