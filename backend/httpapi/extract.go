package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"sentry/backend/core"
	"sentry/backend/extract"
)

func (s *Server) extractRoutes() []Route {
	if s.Extract == nil {
		return nil
	}
	return []Route{
		{Method: "POST", Path: "/api/extract/text", Tag: "extraction", Summary: "Find tasks and meetings in text; short text is done at once (201), long text is queued (202)",
			Body: "ExtractTextRequest", Response: "Extraction", Status: 201, handler: s.handleExtractText},
		{Method: "GET", Path: "/api/extraction/{extraction_id}", Tag: "extraction", Summary: "Status, stage, progress, errors and the tasks of one extraction", Response: "Extraction", Status: 200, handler: s.handleGetExtraction},
		{Method: "DELETE", Path: "/api/extraction/{extraction_id}", Tag: "extraction", Summary: "Cancel a queued or running extraction", Response: "Extraction", Status: 200, handler: s.handleCancelExtraction},
		{Method: "GET", Path: "/api/extraction/history/{user_id}", Tag: "extraction", Summary: "Your extractions, newest first", Query: []Param{{"limit", "integer", "1–200 (default 50)"}}, Response: "ExtractionList", Status: 200, handler: s.handleExtractionHistory},
		{Method: "POST", Path: "/api/extraction/{extraction_id}/items/{item_id}/accept", Tag: "extraction", Summary: "Accept a draft (optionally edited: any task fields) as a task", Body: "TaskInput", Response: "Extraction", Status: 200, handler: s.handleAcceptItem},
		{Method: "POST", Path: "/api/extraction/{extraction_id}/items/{item_id}/reject", Tag: "extraction", Summary: "Reject a draft", Response: "Extraction", Status: 200, handler: s.handleRejectItem},
	}
}

func (s *Server) handleExtractText(w http.ResponseWriter, r *http.Request) {
	u, err := core.RequireUser(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fields, err := readJSONObjectLimit(w, r, map[string]bool{"text": true, "now": true, "timezone": true, "kind": true, "review": true, "engine": true}, extract.MaxTextBytes+4096)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in extract.TextInput
	text, err := decodeString(fields, "text")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if text == nil {
		s.writeError(w, r, core.FieldError("text", "Text is required."))
		return
	}
	in.Text = *text
	now, err := decodeTime(fields, "now")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if now.Set && !now.Null {
		// Keep the offset the client gave: it is the user's zone.
		var raw string
		_ = json.Unmarshal(fields["now"], &raw)
		t, _ := parseTimeKeepZone(raw)
		in.Now = &t
	}
	for name, dst := range map[string]*string{"timezone": &in.Timezone, "kind": &in.Kind, "engine": &in.Engine} {
		v, err := decodeString(fields, name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if v != nil {
			*dst = *v
		}
	}
	if b, err := decodeBool(fields, "review"); err != nil {
		s.writeError(w, r, err)
		return
	} else if b != nil {
		in.Review = *b
	}
	if q := r.URL.Query().Get("review"); q == "true" || q == "1" {
		in.Review = true
	}
	run, err := s.Extract.ExtractText(r.Context(), u.ID, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if run.Status == core.RunQueued {
		status = http.StatusAccepted
	}
	writeJSON(w, status, run)
}

func (s *Server) handleGetExtraction(w http.ResponseWriter, r *http.Request) {
	run, err := s.Extract.Get(r.Context(), r.PathValue("extraction_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

func (s *Server) handleCancelExtraction(w http.ResponseWriter, r *http.Request) {
	run, err := s.Extract.Cancel(r.Context(), r.PathValue("extraction_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

func (s *Server) handleExtractionHistory(w http.ResponseWriter, r *http.Request) {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			s.writeError(w, r, core.FieldError("limit", "Limit must be between 1 and 200."))
			return
		}
		limit = n
	}
	list, err := s.Extract.History(r.Context(), r.PathValue("user_id"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"extractions": list})
}

func (s *Server) handleAcceptItem(w http.ResponseWriter, r *http.Request) {
	var edit *core.TaskUpdate
	if r.ContentLength != 0 { // an empty body accepts the draft as it is
		fields, err := readJSONObject(w, r, taskAllowed)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		upd, err := decodeTaskUpdate(fields)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		edit = &upd
	}
	run, err := s.Extract.Review(r.Context(), r.PathValue("extraction_id"), r.PathValue("item_id"), true, edit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

func (s *Server) handleRejectItem(w http.ResponseWriter, r *http.Request) {
	run, err := s.Extract.Review(r.Context(), r.PathValue("extraction_id"), r.PathValue("item_id"), false, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}
