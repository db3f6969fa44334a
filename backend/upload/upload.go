// Package upload is the upload use case: upload sessions, files stored
// with random names and recorded in the uploads table, type decided by
// content against an allow-list, size limits and per-user quotas, the
// same file recognised by its SHA-256, soft deletion, and a background
// job that removes expired temporary files.
package upload

import (
	"context"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"sentry/backend/core"
	"sentry/backend/jobs"
)

// Detector decides a file's kind from its first bytes (and, only to tell
// text flavours apart, its name).
type Detector func(head []byte, filename string) (kind, mime string, ok bool)

// Defaults.
const (
	DefaultMaxBytes   = 100 << 20
	DefaultQuotaBytes = 5 << 30
	DefaultSessionTTL = 24 * time.Hour
	DefaultTempTTL    = 24 * time.Hour
	// MaxFilenameBytes caps a cleaned display name.
	MaxFilenameBytes = 255
)

// Service manages uploads.
type Service struct {
	store  core.UploadStore
	blobs  core.BlobStore
	detect Detector
	logger *slog.Logger

	MaxBytes   int64
	QuotaBytes int64
	TempTTL    time.Duration
	// ReservationTTL is how long the quota held by an upload in flight
	// lasts in a shared database without renewal.
	ReservationTTL time.Duration
	Now            func() time.Time

	// shared keeps reservations in the database when servers share it;
	// otherwise reserved holds, per user, the quota taken by uploads being
	// written in this process.
	shared   core.UploadReservationStore
	mu       sync.Mutex
	reserved map[string]int64

	fetchMu sync.RWMutex
	fetcher core.FileFetcher
}

// NewService returns an upload service.
func NewService(store core.UploadStore, blobs core.BlobStore, detect Detector, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: store, blobs: blobs, detect: detect, logger: logger,
		MaxBytes: DefaultMaxBytes, QuotaBytes: DefaultQuotaBytes, TempTTL: DefaultTempTTL, ReservationTTL: DefaultReservationTTL, Now: time.Now}
	s.shared, _ = store.(core.UploadReservationStore)
	return s
}

// CreateSession opens an upload session for the caller.
func (s *Service) CreateSession(ctx context.Context) (*core.UploadSession, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	sess := &core.UploadSession{UserID: u.ID, ExpiresAt: s.Now().Add(DefaultSessionTTL).UTC()}
	if err := s.store.CreateUploadSession(ctx, sess); err != nil {
		return nil, err
	}
	return sess, nil
}

// Session returns one of the caller's live sessions; not_found otherwise.
func (s *Service) Session(ctx context.Context, id string) (*core.UploadSession, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	sess, err := s.store.FindUploadSession(ctx, id)
	if err != nil {
		return nil, err
	}
	if sess.UserID != u.ID {
		return nil, core.Errorf(core.ENOTFOUND, "Upload session not found or expired; create a new one.")
	}
	return sess, nil
}

// Put is one file to store.
type Put struct {
	SessionID string
	Filename  string
	Body      io.Reader
	// Allow limits the kinds accepted (e.g. only images); nil allows all
	// that the detector knows.
	Allow func(kind string) bool
	// Temporary files expire unless kept (e.g. when an extraction runs).
	Temporary bool
}

// SizeBounded is a Body that knows an upper bound of its size (e.g. from
// the request's Content-Length); Store then holds no more than that of
// the quota while the file arrives. A negative bound is unknown.
type SizeBounded interface {
	MaxSize() int64
}

// Store saves a file for the caller and records it.
func (s *Service) Store(ctx context.Context, p Put) (*core.Upload, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	// The file's bytes are reserved against the quota before it is
	// written: as much as it may hold, the whole reservation released if
	// it is refused, the rest once it is recorded (then it counts as
	// stored). So parallel uploads cannot pass the quota together.
	want := s.MaxBytes
	if b, ok := p.Body.(SizeBounded); ok && b.MaxSize() >= 0 {
		want = min(want, b.MaxSize())
	}
	res, err := s.reserve(ctx, u.ID, want)
	if err != nil {
		return nil, err
	}
	defer res.release(ctx)
	if res.n == 0 && want > 0 {
		return nil, quotaError(s.QuotaBytes)
	}
	st, err := s.blobs.Put(ctx, u.ID, p.Body, res.n)
	if core.ErrorCode(err) == core.ETOOLARGE && res.n < want {
		return nil, quotaError(s.QuotaBytes)
	} else if err != nil {
		return nil, err
	}
	res.shrink(ctx, st.Size)
	keep := false
	defer func() {
		if !keep {
			if err := s.blobs.Remove(context.WithoutCancel(ctx), st.Path); err != nil {
				s.logger.Warn("remove refused upload", slog.Any("error", err))
			}
		}
	}()
	name := CleanFilename(p.Filename)
	if st.Size == 0 {
		return nil, s.refused(ctx, u.ID, p, name, st, core.FieldError("file", "The file is empty."))
	}
	head := st.Head
	if len(head) >= 2 && head[0] == 'P' && head[1] == 'K' {
		// Office files are zip archives: what they are is in the central
		// directory at the end, so look at the whole file.
		if all, err := s.blobs.Read(ctx, st.Path, s.MaxBytes); err == nil {
			head = all
		}
	}
	kind, mime, ok := s.detect(head, name)
	if !ok || (p.Allow != nil && !p.Allow(kind)) {
		return nil, s.refused(ctx, u.ID, p, name, st, core.Errorf(core.EUNSUPPORTED, "This kind of file is not supported here. Use PDF, DOCX, TXT, Markdown, HTML or EML documents; PNG, JPEG, WEBP or TIFF images; WAV, MP3, M4A, OGG or FLAC audio; MP4, WEBM or MOV video."))
	}
	up := &core.Upload{UserID: u.ID, SessionID: p.SessionID, Filename: name, ContentType: mime, Kind: kind,
		SizeBytes: st.Size, SHA256: st.SHA256, StoragePath: st.Path, Temporary: p.Temporary}
	if p.Temporary {
		exp := s.Now().Add(s.TempTTL).UTC()
		up.ExpiresAt = &exp
	}
	if prev, err := s.store.FindUploadBySHA(ctx, u.ID, st.SHA256); err == nil {
		up.DuplicateOf = prev.ID
	} else if core.ErrorCode(err) != core.ENOTFOUND {
		return nil, err
	}
	if err := res.record(ctx, up); err != nil {
		return nil, err
	}
	keep = true
	return up, nil
}

// refused records a failed upload (no file is kept) and returns err.
func (s *Service) refused(ctx context.Context, userID string, p Put, name string, st *core.StoredBlob, err error) error {
	rec := &core.Upload{UserID: userID, SessionID: p.SessionID, Filename: name, SizeBytes: st.Size, SHA256: st.SHA256,
		Status: "failed", Error: core.ErrorMessage(err)}
	if cerr := s.store.CreateUpload(ctx, rec); cerr != nil {
		s.logger.Warn("record refused upload", slog.Any("error", cerr))
	}
	return err
}

func quotaError(quota int64) error {
	return core.Errorf(core.ETOOLARGE, "Your storage is full (%d MB). Delete old uploads to make room.", quota>>20)
}

// Files lists a session's uploads.
func (s *Service) Files(ctx context.Context, sessionID string) ([]*core.Upload, error) {
	sess, err := s.Session(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	list, err := s.store.FindUploads(ctx, core.UploadFilter{UserID: sess.UserID, SessionID: sess.ID})
	s.markDownloads(list...)
	return list, err
}

// DeleteSession removes a session and its files.
func (s *Service) DeleteSession(ctx context.Context, sessionID string) error {
	sess, err := s.Session(ctx, sessionID)
	if err != nil {
		return err
	}
	return s.store.DeleteUploadSession(ctx, sess.ID)
}

// History lists the caller's uploads.
func (s *Service) History(ctx context.Context, userID string, limit int) ([]*core.Upload, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	list, err := s.store.FindUploads(ctx, core.UploadFilter{UserID: userID, Limit: limit})
	s.markDownloads(list...)
	return list, err
}

// Get returns one of the caller's uploads.
func (s *Service) Get(ctx context.Context, id string) (*core.Upload, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	up, err := s.store.FindUploadByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if up.UserID != u.ID {
		return nil, core.Errorf(core.ENOTFOUND, "Upload not found.")
	}
	s.markDownloads(up)
	return up, nil
}

// Read returns an upload's bytes (for the system, after ownership
// checks), for parsers that need the whole file. To send a file, use Open.
func (s *Service) Read(ctx context.Context, up *core.Upload) ([]byte, error) {
	return s.blobs.Read(ctx, up.StoragePath, s.MaxBytes)
}

// Open returns an upload's file to stream (for the system, after
// ownership checks): read as it is sent, in ranges, never whole in
// memory. A deleted or purged upload is not_found. The caller closes it;
// ctx bounds every read of it.
//
// On a syncing device, a synced file whose bytes are still on the team
// server is not an error: its download starts (or goes on), and the error
// returned is a *core.FileFetch saying how far it has got; unavailable
// when the server cannot be reached.
func (s *Service) Open(ctx context.Context, up *core.Upload) (io.ReadSeekCloser, error) {
	if f := s.fileFetcher(); f != nil && up.BytesElsewhere() {
		p, err := f.FetchFile(ctx, up)
		if err != nil {
			return nil, err
		}
		if p.State != core.FileHere {
			return nil, p
		}
		// The bytes arrived since up was read.
		if up, err = s.store.FindUploadByID(ctx, up.ID); err != nil {
			return nil, err
		}
	}
	if up.DeletedAt != nil || up.StoragePath == "" {
		return nil, core.Errorf(core.ENOTFOUND, "This file is no longer stored.")
	}
	f, err := s.blobs.Open(ctx, up.StoragePath)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, core.Errorf(core.ENOTFOUND, "This file is no longer stored.")
	}
	return f, err
}

// SetFetcher lets uploads whose bytes are on the team server be fetched
// when opened (the device's sync engine; nil when it stops).
func (s *Service) SetFetcher(f core.FileFetcher) {
	s.fetchMu.Lock()
	s.fetcher = f
	s.fetchMu.Unlock()
}

func (s *Service) fileFetcher() core.FileFetcher {
	s.fetchMu.RLock()
	defer s.fetchMu.RUnlock()
	return s.fetcher
}

// markDownloads says, on a syncing device, which uploads' bytes are not
// here yet and how far their download has got.
func (s *Service) markDownloads(list ...*core.Upload) {
	f := s.fileFetcher()
	if f == nil {
		return
	}
	for _, up := range list {
		if !up.BytesElsewhere() {
			continue
		}
		if p, ok := f.FileProgress(up); ok {
			up.Download = p
		} else {
			up.Download = &core.FileFetch{State: core.FileOnServer, Size: up.SizeBytes}
		}
	}
}

// Fetch brings one of the caller's uploads to this device (the Download
// action): a *core.FileFetch of state here when its bytes are here
// already, else of the download it started or goes on with; unavailable
// when the team server cannot be reached.
func (s *Service) Fetch(ctx context.Context, id string) (*core.FileFetch, error) {
	up, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	f := s.fileFetcher()
	if f == nil || !up.BytesElsewhere() {
		if up.DeletedAt != nil || up.StoragePath == "" {
			return nil, core.Errorf(core.ENOTFOUND, "This file is no longer stored.")
		}
		return &core.FileFetch{State: core.FileHere, Received: up.SizeBytes, Size: up.SizeBytes}, nil
	}
	return f.FetchFile(ctx, up)
}

// Keep makes an upload permanent.
func (s *Service) Keep(ctx context.Context, id string) error { return s.store.KeepUpload(ctx, id) }

// Cleanup removes the files of deleted and expired temporary uploads.
func (s *Service) Cleanup(ctx context.Context) (int, error) {
	n := 0
	for {
		list, err := s.store.FindExpiredUploads(ctx, s.Now(), 200)
		if err != nil {
			return n, err
		}
		if len(list) == 0 {
			return n, nil
		}
		for _, up := range list {
			if err := s.blobs.Remove(ctx, up.StoragePath); err != nil {
				return n, err
			}
			if err := s.store.MarkUploadPurged(ctx, up.ID); err != nil {
				return n, err
			}
			n++
		}
	}
}

// RemoveUserFiles deletes every stored file of a user, wherever the files
// live (for account deletion, before the user's rows go).
func (s *Service) RemoveUserFiles(ctx context.Context, userID string) error {
	return s.blobs.RemoveUser(ctx, userID)
}

// CleanupKind is the job that runs Cleanup.
const CleanupKind = "upload_cleanup"

// RegisterCleanup has q run Cleanup every interval: on a queue shared by
// several servers, one of them at each tick.
func (s *Service) RegisterCleanup(q jobs.Queue, every time.Duration) {
	q.Handle(CleanupKind, 1, func(ctx context.Context, _ jobs.Job) error {
		n, err := s.Cleanup(ctx)
		if n > 0 {
			s.logger.Info("removed expired upload files", slog.Int("count", n))
		}
		return err
	})
	q.Every(CleanupKind, every)
}

// CleanFilename keeps a display name only: the base name, valid UTF-8
// (invalid bytes become U+FFFD), no control characters, no surrounding
// space, at most MaxFilenameBytes cut on a rune boundary with the
// extension kept. It never becomes a path. It reads its input once, so a
// hostile name costs time linear in its length.
func CleanFilename(name string) string {
	// The base name: what follows the last separator that has something
	// after it (Windows names use backslashes).
	name = strings.TrimRight(name, `/\`)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r // strings.Map writes invalid bytes as U+FFFD
	}, name))
	if len(name) > MaxFilenameBytes {
		ext := path.Ext(name)
		if len(ext) > maxExtBytes || len(ext) == len(name) {
			ext = ""
		}
		name = strings.TrimRightFunc(cutUTF8(name[:len(name)-len(ext)], MaxFilenameBytes-len(ext)), unicode.IsSpace) + ext
	}
	if name == "" || name == "." || name == ".." {
		return "upload"
	}
	return name
}

// maxExtBytes is the longest extension CleanFilename keeps whole when it
// shortens a name; a longer "extension" is just part of the name.
const maxExtBytes = 32

// cutUTF8 returns the longest prefix of valid UTF-8 s of at most n bytes
// that ends on a rune boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
