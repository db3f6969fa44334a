package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
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
		{Method: "POST", Path: "/api/notebooks/{notebook_id}/chat", Tag: "notebooks", Summary: "Ask a question; the answer cites passages as [n] (Accept: text/event-stream streams it)", Body: "NotebookChatRequest", Response: "NotebookAnswer", Status: 200, handler: s.handleNotebookChat},
		{Method: "GET", Path: "/api/notebooks/{notebook_id}/messages", Tag: "notebooks", Summary: "The notebook's conversation, oldest first", Query: []Param{{"limit", "integer", "1–1000 (default 100)"}}, Response: "NotebookMessageList", Status: 200, handler: s.handleNotebookMessages},
	}
}

func (s *Server) handleCreateNotebook(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := decodeInto(w, r, &in, "name", "description"); err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.Notebooks.Create(r.Context(), in.Name, in.Description)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}

func (s *Server) handleListNotebooks(w http.ResponseWriter, r *http.Request) {
	list, err := s.Notebooks.List(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notebooks": list})
}

func (s *Server) handleGetNotebook(w http.ResponseWriter, r *http.Request) {
	n, err := s.Notebooks.Get(r.Context(), r.PathValue("notebook_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

func (s *Server) handleDeleteNotebook(w http.ResponseWriter, r *http.Request) {
	if err := s.Notebooks.Delete(r.Context(), r.PathValue("notebook_id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleNotebookUpload(w http.ResponseWriter, r *http.Request) {
	// Ownership first: another user's notebook is 404 whatever the body.
	n, err := s.Notebooks.Get(r.Context(), r.PathValue("notebook_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var doc *core.NotebookDocument
	if _, err := s.eachFile(w, r, 1, func(name string, body io.Reader) error {
		doc, err = s.Notebooks.Upload(r.Context(), n.ID, upload.Put{Filename: name, Body: body})
		return err
	}); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"document_id": doc.ID, "status": doc.Status, "document": doc})
}

func (s *Server) handleNotebookDocuments(w http.ResponseWriter, r *http.Request) {
	docs, err := s.Notebooks.Documents(r.Context(), r.PathValue("notebook_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"documents": docs, "progress": notebook.ProgressOf(docs)})
}

func (s *Server) handleDeleteNotebookDocument(w http.ResponseWriter, r *http.Request) {
	if err := s.Notebooks.DeleteDocument(r.Context(), r.PathValue("notebook_id"), r.PathValue("document_id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleNotebookChat(w http.ResponseWriter, r *http.Request) {
	n, err := s.Notebooks.Get(r.Context(), r.PathValue("notebook_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req notebook.ChatRequest
	if err := decodeInto(w, r, &req, "query", "history", "top_k"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		s.streamChat(w, r, n.ID, req)
		return
	}
	ans, err := s.Notebooks.Ask(r.Context(), n.ID, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// streamChat answers as server-sent events, written as the model produces
// the answer: "citations" {citations, engine} once, "token" {text} for each
// piece, then "done" with the whole answer (authoritative: markers that
// name no source removed, only cited sources kept) — or "error" {error:
// {code, message}} if it fails after the stream has begun. Bad input
// fails before the stream with an ordinary JSON error. A client that goes
// away cancels the request's context, which stops the model call.
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, notebookID string, req notebook.ChatRequest) {
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
			s.writeError(w, r, err)
			return
		}
		if r.Context().Err() != nil {
			return // the client has gone
		}
		code, msg := core.ErrorCode(err), core.ErrorMessage(err)
		if code == core.EINTERNAL {
			s.logger.Error("notebook chat stream", slog.Any("error", err))
		}
		_ = send("error", map[string]any{"error": map[string]any{"code": code, "message": msg}})
		return
	}
	_ = send("done", ans)
}

func (s *Server) handleNotebookMessages(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.writeError(w, r, core.FieldError("limit", "Limit must be between 1 and 1000."))
			return
		}
		limit = n
	}
	list, err := s.Notebooks.Messages(r.Context(), r.PathValue("notebook_id"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": list})
}
