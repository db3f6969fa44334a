package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"sentry/backend/syncsvc"
)

// The synced files' routes (SYNC.md §7): a file's bytes by its SHA-256, in
// one of the caller's scopes (their own by default). Upload-Offset says how
// many bytes of the file the server has.
func (s *Server) syncBlobRoutes() []Route {
	if s.SyncBlobs == nil {
		return nil
	}
	scope := []Param{{"scope", "string", "the scope whose uploads row names the file: your user id (the default) or one of your teams' ids"}}
	return []Route{
		{Method: "HEAD", Path: "/api/sync/blobs/{sha256}", Tag: "sync", Query: scope, Status: 200, handler: s.handleSyncBlobHead,
			Summary: "How much of a file the server has: 200 with Content-Length when whole; 404 with Upload-Offset (bytes received so far) while it is being sent; 404 without it when no uploads row of the scope names it"},
		{Method: "PUT", Path: "/api/sync/blobs/{sha256}", Tag: "sync", Query: scope, Response: "SyncBlobState", Status: 200, handler: s.handleSyncBlobPut,
			Summary: "Send a chunk (at most 8 MiB) of a file's bytes with Content-Range: bytes first-last/total, starting at the server's Upload-Offset (409 with Upload-Offset otherwise); the last chunk is checked against the SHA-256 (400, nothing kept, on a mismatch); 413 over your storage quota"},
		{Method: "GET", Path: "/api/sync/blobs/{sha256}", Tag: "sync", Query: scope, Status: 200, handler: s.handleSyncBlobGet,
			Summary: "A file's bytes (application/octet-stream; Range requests answered with 206); 404 until they have all reached the server"},
	}
}

func setOffset(w http.ResponseWriter, st *syncsvc.BlobState) {
	if st != nil {
		w.Header().Set("Upload-Offset", strconv.FormatInt(st.Offset, 10))
		w.Header().Set("Upload-Length", strconv.FormatInt(st.Size, 10))
	}
}

func (s *Server) handleSyncBlobHead(w http.ResponseWriter, r *http.Request) error {
	st, err := s.SyncBlobs.Head(r.Context(), r.URL.Query().Get("scope"), r.PathValue("sha256"))
	if err != nil {
		return err
	}
	setOffset(w, st)
	w.Header().Set("Cache-Control", "private, no-store")
	if !st.Complete {
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
	w.Header().Set("Accept-Ranges", "bytes")
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size, 10))
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) handleSyncBlobPut(w http.ResponseWriter, r *http.Request) error {
	st, err := s.SyncBlobs.Put(r.Context(), r.URL.Query().Get("scope"), r.PathValue("sha256"),
		syncsvc.Chunk{Range: r.Header.Get("Content-Range"), ContentLength: r.ContentLength, Body: r.Body})
	setOffset(w, st)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) handleSyncBlobGet(w http.ResponseWriter, r *http.Request) error {
	f, st, err := s.SyncBlobs.Open(r.Context(), r.URL.Query().Get("scope"), r.PathValue("sha256"))
	if err != nil {
		setOffset(w, st)
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", `"`+st.SHA256+`"`)
	// Streamed in the ranges asked, so a broken download resumes.
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}
