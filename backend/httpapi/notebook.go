package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sentry/backend/core"
	"sentry/backend/notebook"
	"sentry/backend/upload"
)

func (s *Server) notebookRoutes() []Route {
	if s.Notebooks == nil || s.Uploads == nil {
		return nil
	}
	return []Route{
		{Method: "POST", Path: "/api/notebooks/create", Tag: "notebooks", Summary: "Create a notebook", Body: "NotebookInput", Response: "Notebook", Status: 201, handler: s.handleCreateNotebook},
		{Method: "GET", Path: "/api/notebooks", Tag: "notebooks", Summary: "Your notebooks, newest first", Response: "NotebookList", Status: 200, handler: s.handleListNotebooks},
		{Method: "GET", Path: "/api/notebooks/{notebook_id}", Tag: "notebooks", Summary: "Read a notebook", Response: "Notebook", Status: 200, handler: s.handleGetNotebook},
		{Method: "DELETE", Path: "/api/notebooks/{notebook_id}", Tag: "notebooks", Summary: "Delete a notebook with its documents, passages, vectors, conversation and files", Status: 204, handler: s.handleDeleteNotebook},
		{Method: "POST", Path: "/api/notebooks/{notebook_id}/upload", Tag: "notebooks", Summary: "Add a document (multipart field \"file\"); it is indexed in the background", Body: "Multipart", Response: "NotebookUpload", Status: 202, handler: s.handleNotebookUpload},
		{Method: "GET", Path: "/api/notebooks/{notebook_id}/documents", Tag: "notebooks", Summary: "A notebook's documents with indexing status and progress", Response: "NotebookDocumentList", Status: 200, handler: s.handleNotebookDocuments},
		{Method: "DELETE", Path: "/api/notebooks/{notebook_id}/documents/{document_id}", Tag: "notebooks", Summary: "Remove a document, its passages, vectors and file", Status: 204, handler: s.handleDeleteNotebookDocument},
		{Method: "GET", Path: "/api/notebooks/{notebook_id}/documents/{document_id}/file", Tag: "notebooks", Summary: "The document's original file, inline (active types such as HTML are sent as plain text); 202 with the download's progress (FileFetch) while a synced file comes from the team server", Status: 200, handler: s.handleNotebookDocumentFile},
		{Method: "GET", Path: "/api/notebooks/{notebook_id}/documents/{document_id}/pages/{page}", Tag: "notebooks", Summary: "One page of a PDF document as PNG (415 for other kinds, 409 before it is indexed, 404 past its last page)", Query: []Param{{"dpi", "integer", "50–200 (default 110)"}}, Status: 200, handler: s.handleNotebookDocumentPage},
		{Method: "POST", Path: "/api/notebooks/{notebook_id}/chat", Tag: "notebooks", Summary: "Ask a question; the answer cites passages as [n] (Accept: text/event-stream streams it)", Body: "NotebookChatRequest", Response: "NotebookAnswer", Status: 200, handler: s.handleNotebookChat},
		{Method: "GET", Path: "/api/notebooks/{notebook_id}/messages", Tag: "notebooks", Summary: "The notebook's conversation, oldest first", Query: []Param{{"limit", "integer", "1–1000 (default 100)"}}, Response: "NotebookMessageList", Status: 200, handler: s.handleNotebookMessages},
	}
}

// notebookInput is the body that creates a notebook.
type notebookInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (s *Server) handleCreateNotebook(w http.ResponseWriter, r *http.Request) error {
	var in notebookInput
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	n, err := s.Notebooks.Create(r.Context(), in.Name, in.Description)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, n)
	return nil
}

func (s *Server) handleListNotebooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Notebooks.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, notebookList{Notebooks: list})
	return nil
}

func (s *Server) handleGetNotebook(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Notebooks.Get(r.Context(), r.PathValue("notebook_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) handleDeleteNotebook(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notebooks.Delete(r.Context(), r.PathValue("notebook_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleNotebookUpload(w http.ResponseWriter, r *http.Request) error {
	// Ownership first: another user's notebook is 404 whatever the body.
	n, err := s.Notebooks.Get(r.Context(), r.PathValue("notebook_id"))
	if err != nil {
		return err
	}
	var doc *core.NotebookDocument
	if _, err := s.eachFile(w, r, 1, func(name string, body io.Reader) error {
		doc, err = s.Notebooks.Upload(r.Context(), n.ID, upload.Put{Filename: name, Body: body})
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, notebookUpload{DocumentID: doc.ID, Status: doc.Status, Document: doc})
	return nil
}

func (s *Server) handleNotebookDocuments(w http.ResponseWriter, r *http.Request) error {
	docs, err := s.Notebooks.Documents(r.Context(), r.PathValue("notebook_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, notebookDocumentList{Documents: docs, Progress: notebook.ProgressOf(docs)})
	return nil
}

func (s *Server) handleDeleteNotebookDocument(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notebooks.DeleteDocument(r.Context(), r.PathValue("notebook_id"), r.PathValue("document_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleNotebookChat(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Notebooks.Get(r.Context(), r.PathValue("notebook_id"))
	if err != nil {
		return err
	}
	var req notebook.ChatRequest
	if err := decodeRequest(w, r, &req); err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		return s.streamChat(w, r, n.ID, req)
	}
	ans, err := s.Notebooks.Ask(r.Context(), n.ID, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// streamChat answers as server-sent events, written as the model produces
// the answer: "citations" {citations, engine} once, "token" {text} for each
// piece, then "done" with the whole answer (authoritative: markers that
// name no source removed, only cited sources kept) — or "error" {error:
// {code, message}} if it fails after the stream has begun. Bad input
// fails before the stream with an ordinary JSON error. A client that goes
// away cancels the request's context, which stops the model call.
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, notebookID string, req notebook.ChatRequest) error {
	rc := http.NewResponseController(w)
	started := false
	send := func(event string, v any) error {
		if !started {
			started = true
			_ = rc.SetWriteDeadline(time.Time{}) // a long answer may outlast the server's write timeout
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("X-Accel-Buffering", "no")
			w.WriteHeader(http.StatusOK)
		}
		buf, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, buf); err != nil {
			return err
		}
		return rc.Flush()
	}
	ans, err := s.Notebooks.AskStream(r.Context(), notebookID, req, &notebook.Stream{
		Sources: func(c []core.Citation, engine string) error {
			return send("citations", map[string]any{"citations": c, "engine": engine})
		},
		Token: func(t string) error { return send("token", map[string]any{"text": t}) },
	})
	if err != nil {
		if !started {
			return err
		}
		if r.Context().Err() != nil {
			return nil // the client has gone
		}
		code, msg := core.ErrorCode(err), core.ErrorMessage(err)
		if code == core.EINTERNAL {
			s.logger.Error("notebook chat stream", slog.Any("error", err))
		}
		_ = send("error", map[string]any{"error": map[string]any{"code": code, "message": msg}})
		return nil
	}
	_ = send("done", ans)
	return nil
}

// inlineTypes are served with their own type; anything else that a
// browser would run or render as a page (HTML, Markdown, email) is sent as
// plain text, so a document can never script the app's origin.
var inlineTypes = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true, "image/webp": true, "image/tiff": true,
	"text/plain": true, "audio/wav": true, "audio/x-wav": true, "audio/mpeg": true, "audio/ogg": true, "audio/flac": true, "audio/mp4": true,
	"audio/webm": true, "video/mp4": true, "video/webm": true}

func (s *Server) handleNotebookDocumentFile(w http.ResponseWriter, r *http.Request) error {
	d, up, f, err := s.Notebooks.DocumentFile(r.Context(), r.PathValue("notebook_id"), r.PathValue("document_id"))
	if fileComing(w, err) {
		return nil
	} else if err != nil {
		return err
	}
	defer f.Close()
	ct, _, _ := mime.ParseMediaType(up.ContentType)
	switch {
	case inlineTypes[ct] && ct == "text/plain":
		ct = "text/plain; charset=utf-8"
	case inlineTypes[ct]:
	case strings.HasPrefix(ct, "text/") || ct == "message/rfc822" || strings.Contains(ct, "html") || strings.Contains(ct, "xml") || ct == "":
		ct = "text/plain; charset=utf-8"
	}
	name := d.Filename
	if name == "" {
		name = "document"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if ct != "application/pdf" { // a sandboxed PDF is not shown by the browser's viewer
		w.Header().Set("Content-Security-Policy", "sandbox")
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	// Streamed from disk, in the ranges asked (a PDF viewer or a player
	// seeking), never whole in memory.
	http.ServeContent(w, r, "", up.UpdatedAt, f)
	return nil
}

func (s *Server) handleNotebookDocumentPage(w http.ResponseWriter, r *http.Request) error {
	page, err := strconv.Atoi(r.PathValue("page"))
	if err != nil || page < 1 {
		// Ownership first, so another user's document is 404 whatever the page.
		if _, derr := s.Notebooks.Document(r.Context(), r.PathValue("notebook_id"), r.PathValue("document_id")); derr != nil {
			return derr
		}
		return core.FieldError("page", "The page must be a number from 1.")
	}
	dpi := 0
	if v := r.URL.Query().Get("dpi"); v != "" {
		if dpi, err = strconv.Atoi(v); err != nil || dpi == 0 {
			return core.FieldError("dpi", "dpi must be between %d and %d.", notebook.MinPageDPI, notebook.MaxPageDPI)
		}
	}
	png, err := s.Notebooks.DocumentPage(r.Context(), r.PathValue("notebook_id"), r.PathValue("document_id"), page, dpi)
	if err != nil {
		return err
	}
	defer png.Close()
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": fmt.Sprintf("page-%d.png", page)}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=300")
	http.ServeContent(w, r, "", time.Time{}, png)
	return nil
}

func (s *Server) handleNotebookMessages(w http.ResponseWriter, r *http.Request) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return core.FieldError("limit", "Limit must be between 1 and 1000.")
		}
		limit = n
	}
	list, err := s.Notebooks.Messages(r.Context(), r.PathValue("notebook_id"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, notebookMessageList{Messages: list})
	return nil
}

// Notebook responses.
type (
	notebookList struct {
		Notebooks []*core.Notebook `json:"notebooks"`
	}
	// notebookUpload is a document taken in for indexing.
	notebookUpload struct {
		DocumentID string                 `json:"document_id"`
		Status     string                 `json:"status"`
		Document   *core.NotebookDocument `json:"document"`
	}
	notebookDocumentList struct {
		Documents []*core.NotebookDocument `json:"documents"`
		Progress  notebook.Progress        `json:"progress"`
	}
	notebookMessageList struct {
		Messages []*core.NotebookMessage `json:"messages"`
	}
)
