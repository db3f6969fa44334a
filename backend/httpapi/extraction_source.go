package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"sentry/backend/core"
)

// The document view of an extraction: the text its engine read (each
// task's evidence is a byte span of it) and the original file, so the UI
// can highlight evidence in place and play a recording from a task's
// moment.
func (s *Server) extractionSourceRoutes() []Route {
	var out []Route
	if s.Extract != nil {
		out = append(out, s.literalTail(Route{Method: "GET", Path: "/api/extraction/{extraction_id}/source", Tag: "extraction",
			Summary:  "The text the engine read for an extraction (evidence spans are byte offsets into it), its kind and its file",
			Response: "object", Status: 200, handler: s.handleExtractionSource}))
	}
	if s.Uploads != nil {
		out = append(out, s.literalTail(Route{Method: "GET", Path: "/api/uploads/{upload_id}/content", Tag: "uploads",
			Summary: "The bytes of one of your uploads, inline, with its detected type; supports Range requests. On a syncing device, a synced file still on the team server starts downloading and answers 202 with its progress (FileFetch) until it is here; 503 when the server can't be reached",
			Status:  200, handler: s.handleUploadContent}))
		out = append(out, s.literalTail(Route{Method: "POST", Path: "/api/uploads/{upload_id}/download", Tag: "uploads",
			Summary:  "On a syncing device: bring a synced file from the team server (state here, 200, when its bytes are here; downloading, 202, with the bytes received so far); 503 with the reason when the server can't be reached",
			Response: "FileFetch", Status: 200, handler: s.handleUploadDownload}))
	}
	return out
}

// literalTail registers a route ending in /{id}/word on the mux as
// /{id}/{tail}, checking the word itself. Its own pattern would overlap the
// seed's /history/{user_id} routes beside it (e.g. /api/uploads/history/
// content), which the mux refuses; with a wildcard tail the history route
// is the more specific one and keeps its paths.
func (s *Server) literalTail(rt Route) Route {
	i := strings.LastIndex(rt.Path, "/")
	word := rt.Path[i+1:]
	rt.muxPath = rt.Path[:i] + "/{tail}"
	h := rt.handler
	rt.handler = func(w http.ResponseWriter, r *http.Request) error {
		if r.PathValue("tail") != word {
			return core.Errorf(core.ENOTFOUND, "No such API endpoint: %s %s.", r.Method, r.URL.Path)
		}
		return h(w, r)
	}
	return rt
}

// sourceKinds names what an extraction read, by its task source.
var sourceKinds = map[string]string{
	core.SourceExtractedText:        "text",
	core.SourceExtractedDocument:    "document",
	core.SourceExtractedImage:       "image",
	core.SourceExtractedHandwritten: "handwritten",
	core.SourceExtractedAudio:       "audio",
}

func (s *Server) handleExtractionSource(w http.ResponseWriter, r *http.Request) error {
	run, text, err := s.Extract.SourceText(r.Context(), r.PathValue("extraction_id"))
	if err != nil {
		return err
	}
	kind := sourceKinds[run.Source]
	if kind == "" {
		kind = "document"
	}
	body := map[string]any{
		"extraction_id":  run.ID,
		"text":           text,
		"text_kept":      text != "",
		"kind":           kind,
		"filename":       "",
		"content_type":   "",
		"upload_id":      "",
		"file_available": false,
	}
	if kind == "text" {
		body["content_type"] = "text/plain; charset=utf-8"
	}
	if run.UploadID != "" && s.Uploads != nil {
		body["upload_id"] = run.UploadID
		// A deleted upload leaves the text readable; only the file is gone.
		if up, err := s.Uploads.Get(r.Context(), run.UploadID); err == nil {
			body["filename"] = up.Filename
			body["content_type"] = up.ContentType
			body["file_available"] = up.DeletedAt == nil && up.Status != "failed"
		} else if core.ErrorCode(err) != core.ENOTFOUND {
			return err
		}
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// Types a browser would run as a page (scripts): served as plain text.
var activeTypes = map[string]bool{
	"text/html": true, "application/xhtml+xml": true, "image/svg+xml": true, "text/xml": true,
	"application/xml": true, "text/javascript": true, "application/javascript": true,
}

// inlineType is the Content-Type to serve an upload with: its detected
// type, except that anything a browser could execute becomes plain text.
func inlineType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" {
		return "application/octet-stream"
	}
	if activeTypes[mt] {
		return "text/plain; charset=utf-8"
	}
	if strings.HasPrefix(mt, "text/") {
		return mt + "; charset=utf-8"
	}
	return mt
}

// fileComing answers an open of a file whose bytes are still coming from
// the team server: 202 with how far the download has got (the client asks
// again). False for any other error.
func fileComing(w http.ResponseWriter, err error) bool {
	var p *core.FileFetch
	if !errors.As(err, &p) {
		return false
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusAccepted, p)
	return true
}

func (s *Server) handleUploadDownload(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Uploads.Fetch(r.Context(), r.PathValue("upload_id"))
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if p.State == core.FileHere {
		status = http.StatusOK
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, p)
	return nil
}

func (s *Server) handleUploadContent(w http.ResponseWriter, r *http.Request) error {
	up, err := s.Uploads.Get(r.Context(), r.PathValue("upload_id"))
	if err != nil {
		return err
	}
	f, err := s.Uploads.Open(r.Context(), up)
	if fileComing(w, err) {
		return nil
	} else if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", inlineType(up.ContentType))
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": up.Filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	// Opened on its own, the file may show but never run anything.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	// ServeContent streams the file, answers Range requests (seeking in a
	// recording) and conditional requests from the upload's time.
	http.ServeContent(w, r, "", up.UpdatedAt, f)
	return nil
}
