package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"sentry/backend/core"
	"sentry/backend/extract"
	"sentry/backend/upload"
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

// extractTextRequest is text to read tasks from.
type extractTextRequest struct {
	Text     *string        `json:"text"`
	Now      emptyZonedTime `json:"now"`
	Timezone *string        `json:"timezone"`
	Kind     *string        `json:"kind"`
	Review   *bool          `json:"review"`
	Engine   *string        `json:"engine"`
}

// emptyZonedTime is a zonedTime that also reads "" as absent.
type emptyZonedTime struct{ zonedTime }

func (z *emptyZonedTime) decodeBody(name string, raw json.RawMessage) error {
	var v string
	if json.Unmarshal(raw, &v) == nil && v == "" {
		return nil
	}
	return z.zonedTime.decodeBody(name, raw)
}

func (s *Server) handleExtractText(w http.ResponseWriter, r *http.Request) error {
	u, err := core.RequireUser(r.Context())
	if err != nil {
		return err
	}
	var body extractTextRequest
	if _, err := decodeFieldsLimit(w, r, &body, extract.MaxTextBytes+4096); err != nil {
		return err
	}
	if body.Text == nil {
		return core.FieldError("text", "Text is required.")
	}
	in := extract.TextInput{Text: *body.Text, Now: body.Now.value}
	for _, f := range []struct{ src, dst *string }{{body.Timezone, &in.Timezone}, {body.Kind, &in.Kind}, {body.Engine, &in.Engine}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if body.Review != nil {
		in.Review = *body.Review
	}
	if q := r.URL.Query().Get("review"); q == "true" || q == "1" {
		in.Review = true
	}
	run, err := s.Extract.ExtractText(r.Context(), u.ID, in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if run.Status == core.RunQueued {
		status = http.StatusAccepted
	}
	writeJSON(w, status, run)
	return nil
}

func (s *Server) handleGetExtraction(w http.ResponseWriter, r *http.Request) error {
	run, err := s.Extract.Get(r.Context(), r.PathValue("extraction_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

func (s *Server) handleCancelExtraction(w http.ResponseWriter, r *http.Request) error {
	run, err := s.Extract.Cancel(r.Context(), r.PathValue("extraction_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

func (s *Server) handleExtractionHistory(w http.ResponseWriter, r *http.Request) error {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return core.FieldError("limit", "Limit must be between 1 and 200.")
		}
		limit = n
	}
	list, err := s.Extract.History(r.Context(), r.PathValue("user_id"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, extractionList{Extractions: list})
	return nil
}

func (s *Server) handleAcceptItem(w http.ResponseWriter, r *http.Request) error {
	var edit *core.TaskUpdate
	if r.ContentLength != 0 { // an empty body accepts the draft as it is
		fields, err := readJSONObject(w, r, taskAllowed)
		if err != nil {
			return err
		}
		upd, err := decodeTaskUpdate(fields)
		if err != nil {
			return err
		}
		edit = &upd
	}
	run, err := s.Extract.Review(r.Context(), r.PathValue("extraction_id"), r.PathValue("item_id"), true, edit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

func (s *Server) handleRejectItem(w http.ResponseWriter, r *http.Request) error {
	run, err := s.Extract.Review(r.Context(), r.PathValue("extraction_id"), r.PathValue("item_id"), false, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

// fileRoute is an extraction endpoint taking uploaded files.
type fileRoute struct {
	path, summary, source, kind string
	allow                       func(class string) bool
}

var fileRoutes = []fileRoute{
	{"/api/extract/document", "Find tasks in a document (PDF, DOCX, TXT, Markdown, HTML, EML)", core.SourceExtractedDocument, "document", classIs("document")},
	{"/api/extract/image", "Find tasks in a photo or screenshot (PNG, JPEG, WEBP, TIFF) by OCR", core.SourceExtractedImage, "", classIs("image")},
	{"/api/extract/handwritten", "Find tasks in handwritten notes (photo or scan) by OCR tuned for handwriting", core.SourceExtractedHandwritten, "handwritten_ocr", classIs("image")},
	{"/api/extract/audio", "Find tasks in a voice memo or meeting recording (WAV, MP3, M4A, OGG, FLAC; MP4, WEBM, MOV audio tracks)", core.SourceExtractedAudio, "meeting_transcript", classIs("audio", "video")},
	{"/api/extract/batch", "Find tasks in several files at once (field \"files\"); one extraction per file", "", "", nil},
}

func classIs(classes ...string) func(string) bool {
	return func(c string) bool {
		for _, x := range classes {
			if c == x {
				return true
			}
		}
		return false
	}
}

func (s *Server) extractFileRoutes() []Route {
	if s.Extract == nil || s.Uploads == nil {
		return nil
	}
	var out []Route
	for _, fr := range fileRoutes {
		fr := fr
		out = append(out, Route{Method: "POST", Path: fr.path, Tag: "extraction", Summary: fr.summary + "; queued as a background job (202)",
			Body: "Multipart", Query: []Param{{"review", "boolean", "keep the tasks as drafts to accept or reject"}, {"timezone", "string", "IANA zone for relative dates"}},
			Response: "ExtractionBatch", Status: 202, handler: func(w http.ResponseWriter, r *http.Request) error { return s.handleExtractFiles(w, r, fr) }})
	}
	return out
}

func (s *Server) handleExtractFiles(w http.ResponseWriter, r *http.Request, fr fileRoute) error {
	u, err := core.RequireUser(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	review := q.Get("review") == "true" || q.Get("review") == "1"
	tz := q.Get("timezone")
	max := 1
	if fr.path == "/api/extract/batch" {
		max = 20
	}
	var runs []*core.Extraction
	_, err = s.eachFile(w, r, max, func(name string, body io.Reader) error {
		up, err := s.Uploads.Store(r.Context(), upload.Put{Filename: name, Body: body, Allow: func(kind string) bool {
			return fr.allow == nil || fr.allow(s.KindClass(kind))
		}})
		if err != nil {
			return err
		}
		source, kind := fr.source, fr.kind
		if source == "" {
			source, kind = sourceForClass(s.KindClass(up.Kind))
		}
		run, err := s.Extract.EnqueueUpload(r.Context(), u.ID, up.ID, source, kind, tz, review)
		if err != nil {
			return err
		}
		runs = append(runs, run)
		return nil
	})
	if err != nil && len(runs) == 0 {
		return err
	}
	if max == 1 {
		writeJSON(w, http.StatusAccepted, runs[0])
		return nil
	}
	body := extractionFiles{Extractions: runs}
	if err != nil {
		body.Error = &errorDetail{Code: core.ErrorCode(err), Message: core.ErrorMessage(err)}
	}
	writeJSON(w, http.StatusAccepted, body)
	return nil
}

func sourceForClass(class string) (source, kind string) {
	switch class {
	case "image":
		return core.SourceExtractedImage, ""
	case "audio", "video":
		return core.SourceExtractedAudio, "meeting_transcript"
	default:
		return core.SourceExtractedDocument, "document"
	}
}

// Extraction responses.
type (
	extractionList struct {
		Extractions []*core.Extraction `json:"extractions"`
	}
	// extractionFiles are the runs queued for several files; Error says
	// why the files after the last run were not taken.
	extractionFiles struct {
		Extractions []*core.Extraction `json:"extractions"`
		Error       *errorDetail       `json:"error,omitempty"`
	}
)
