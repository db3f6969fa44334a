package httpapi

import (
	"net/http"
	"slices"

	"sentry/backend/core"
	"sentry/backend/modelmgr"
)

// modelRoutes are Settings → Models: the local model server, its models, a
// pull with progress and the models chosen for each use. The choice is
// the install's, shared by everyone who uses it: everyone signed in may
// look; the desktop's own person changes it, and on a team server its
// administrators (config admins, email confirmed).
func (s *Server) modelRoutes() []Route {
	if s.LanguageModels == nil {
		return nil
	}
	return []Route{
		{Method: "GET", Path: "/api/settings/models", Tag: "settings", Summary: "The local model server: running or not, its version, the installed models with sizes, the models chosen for extraction, answers and embeddings, and any pull", Response: "LanguageModels", Status: 200, handler: s.handleLanguageModels},
		{Method: "PUT", Path: "/api/settings/models", Tag: "settings", Summary: "The desktop's person or a team server's administrator: choose the models for extraction, answers and embeddings (\"\" for the default) for everyone who uses this install; each must be installed and able to do its job; a new embedding model applies at once (documents are re-embedded in the background)", Body: "ModelChoice", Response: "LanguageModels", Status: 200, handler: s.handleChooseModels},
		{Method: "POST", Path: "/api/settings/models/pull", Tag: "settings", Summary: "The desktop's person or a team server's administrator: start pulling a model; follow it with GET", Body: "ModelPullRequest", Response: "ModelPull", Status: 202, handler: s.handleStartPull},
		{Method: "GET", Path: "/api/settings/models/pull", Tag: "settings", Summary: "The latest pull's progress (404 when none was started)", Response: "ModelPull", Status: 200, handler: s.handlePullProgress},
		{Method: "DELETE", Path: "/api/settings/models/pull", Tag: "settings", Summary: "The desktop's person or a team server's administrator: cancel the running pull", Status: 204, handler: s.handleCancelPull},
	}
}

// languageModels is the Models section's answer: the status, whether
// this person may change it, and whom a change applies to.
type languageModels struct {
	modelmgr.LanguageStatus
	Editable bool `json:"editable"`
	// Shared: the models are a team server's, shared by all its users
	// (false: this desktop app's).
	Shared bool `json:"shared"`
}

func (s *Server) modelStatus(r *http.Request, u *core.User) languageModels {
	st := s.LanguageModels.Status(r.Context())
	if !s.Desktop && !st.Running && st.Problem == core.MsgNoModelServer {
		st.Problem = "No language model is running on this server; its operator sets one up. The built-in engines work meanwhile."
	}
	return languageModels{LanguageStatus: st, Editable: s.managesModels(u), Shared: !s.Desktop}
}

// managesModels: the desktop's person, or a team server's administrator
// (named in its configuration) whose email is confirmed — an account
// signed up with that email but never confirmed is not one.
func (s *Server) managesModels(u *core.User) bool {
	if s.Desktop {
		return true
	}
	return u.EmailVerified && slices.ContainsFunc(s.Admins, func(a string) bool { return core.NormalizeEmail(a) == core.NormalizeEmail(u.Email) })
}

// modelSettings may be changed by the desktop's person or a server's
// administrator.
func (s *Server) modelSettings(r *http.Request) error {
	u, err := core.RequireUser(r.Context())
	if err != nil {
		return err
	}
	if !s.managesModels(u) {
		return core.Errorf(core.EFORBIDDEN, "On this server its administrators choose and install the models; they apply to everyone who uses it.")
	}
	return nil
}

func (s *Server) handleLanguageModels(w http.ResponseWriter, r *http.Request) error {
	u, err := core.RequireUser(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.modelStatus(r, u))
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
	u, _ := core.RequireUser(r.Context())
	writeJSON(w, http.StatusOK, s.modelStatus(r, u))
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
