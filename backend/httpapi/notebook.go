package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

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
	ans, err := s.Notebooks.Ask(r.Context(), n.ID, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		streamAnswer(w, ans)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// streamAnswer sends an answer as server-sent events: the citations, the
// text in small pieces, then the whole answer.
func streamAnswer(w http.ResponseWriter, ans *notebook.Answer) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	send := func(event string, v any) {
		buf, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, buf)
		if flusher != nil {
			flusher.Flush()
		}
	}
	send("citations", map[string]any{"citations": ans.Citations, "engine": ans.Engine})
	words := strings.SplitAfter(ans.Answer, " ")
	for i := 0; i < len(words); i += 8 {
		send("token", map[string]any{"text": strings.Join(words[i:min(len(words), i+8)], "")})
	}
	send("done", ans)
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
