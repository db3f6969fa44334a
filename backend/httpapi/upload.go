package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"sentry/backend/core"
	"sentry/backend/upload"
)

func (s *Server) uploadRoutes() []Route {
	if s.Uploads == nil {
		return nil
	}
	return []Route{
		{Method: "POST", Path: "/api/uploads/create-session", Tag: "uploads", Summary: "Open an upload session (24 h)", Response: "UploadSession", Status: 201, handler: s.handleCreateUploadSession},
		{Method: "POST", Path: "/api/uploads/session/{session_id}/upload", Tag: "uploads", Summary: "Upload one file (multipart field \"file\"); the type is decided by content", Body: "Multipart", Response: "Upload", Status: 201, handler: s.handleUploadFile},
		{Method: "GET", Path: "/api/uploads/session/{session_id}/files", Tag: "uploads", Summary: "The files of an upload session", Response: "SessionFiles", Status: 200, handler: s.handleSessionFiles},
		{Method: "DELETE", Path: "/api/uploads/session/{session_id}", Tag: "uploads", Summary: "Delete an upload session and its files", Status: 204, handler: s.handleDeleteUploadSession},
		{Method: "GET", Path: "/api/uploads/history/{user_id}", Tag: "uploads", Summary: "Your uploads, newest first", Query: []Param{{"limit", "integer", "1–500 (default 100)"}}, Response: "UploadHistory", Status: 200, handler: s.handleUploadHistory},
	}
}

func (s *Server) handleCreateUploadSession(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.Uploads.CreateSession(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sess)
	return nil
}

// eachFile streams the file parts of a multipart request (field "file",
// or "files" for batches) to fn, at most max of them.
func (s *Server) eachFile(w http.ResponseWriter, r *http.Request, max int, fn func(name string, body io.Reader) error) (int, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return 0, core.Errorf(core.EUNSUPPORTED, "Send the file as multipart/form-data in a field named \"file\".")
	}
	r.Body = http.MaxBytesReader(w, r.Body, int64(max)*(s.Uploads.MaxBytes+1<<20))
	mr, err := r.MultipartReader()
	if err != nil {
		return 0, core.Errorf(core.EINVALID, "The multipart body could not be read.")
	}
	n := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return n, s.bodyError(err, "The multipart body is malformed.")
		}
		if name := part.FormName(); name != "file" && name != "files" {
			part.Close()
			continue
		}
		if n == max {
			part.Close()
			return n, core.Errorf(core.EINVALID, "Send at most %d files at once.", max)
		}
		err = fn(part.FileName(), clientBody{r: part, s: s, max: r.ContentLength})
		part.Close()
		if err != nil {
			return n, err
		}
		n++
	}
	if n == 0 {
		return 0, core.FieldError("file", "No file was sent; use a multipart field named \"file\".")
	}
	return n, nil
}

// clientBody is a file as it arrives from the client. A read that fails
// is the client's doing — the connection ended, the body broke off or
// passed the size limit — never the server's, so every route that stores
// files answers it as a client error, and nothing logs it as a fault.
type clientBody struct {
	r   io.Reader
	s   *Server
	max int64 // the request's Content-Length (-1: unknown) bounds each file
}

var _ upload.SizeBounded = clientBody{}

// MaxSize lets the upload service hold no more quota than the file can
// need while it arrives.
func (b clientBody) MaxSize() int64 { return b.max }

func (b clientBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = b.s.bodyError(err, "")
	}
	return n, err
}

// bodyError turns a failure to read a request body into the client's
// error: too_large past the limit, invalid otherwise (msg, or that the
// body was cut off).
func (s *Server) bodyError(err error, msg string) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return core.Errorf(core.ETOOLARGE, "The upload is larger than the limit of %d MB per file.", s.Uploads.MaxBytes>>20)
	case msg == "" || errors.Is(err, io.ErrUnexpectedEOF):
		return core.Errorf(core.EINVALID, "The upload was cut off before the whole file arrived; send it again.")
	}
	return core.Errorf(core.EINVALID, "%s", msg)
}

func (s *Server) handleUploadFile(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.Uploads.Session(r.Context(), r.PathValue("session_id"))
	if err != nil {
		return err
	}
	var up *core.Upload
	if _, err := s.eachFile(w, r, 1, func(name string, body io.Reader) error {
		up, err = s.Uploads.Store(r.Context(), upload.Put{SessionID: sess.ID, Filename: name, Body: body, Temporary: true})
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, up)
	return nil
}

func (s *Server) handleSessionFiles(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Uploads.Files(r.Context(), r.PathValue("session_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sessionFiles{Files: list})
	return nil
}

func (s *Server) handleDeleteUploadSession(w http.ResponseWriter, r *http.Request) error {
	if err := s.Uploads.DeleteSession(r.Context(), r.PathValue("session_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleUploadHistory(w http.ResponseWriter, r *http.Request) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return core.FieldError("limit", "Limit must be between 1 and 500.")
		}
		limit = n
	}
	list, err := s.Uploads.History(r.Context(), r.PathValue("user_id"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, uploadHistory{Uploads: list})
	return nil
}

// sessionFiles are the files of one upload session.
type sessionFiles struct {
	Files []*core.Upload `json:"files"`
}

// uploadHistory is the caller's uploads, newest first.
type uploadHistory struct {
	Uploads []*core.Upload `json:"uploads"`
}
