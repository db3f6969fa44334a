package syncsvc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"sentry/backend/core"
)

// Synced files (SYNC.md §7). A file's bytes move apart from its uploads
// row, named by their SHA-256: HEAD tells how much of it the server has,
// PUT sends it in chunks from that offset, GET reads it back. A caller
// reaches a file only through a live uploads row of one of their scopes
// that names the hash, so nothing tells them whether another scope holds
// the same bytes; each scope keeps its own copy.

// Quota is the upload quota synced files' bytes are held to.
type Quota interface {
	// CheckStored refuses (too_large) when the user's uploads already
	// take more than their quota.
	CheckStored(ctx context.Context, userID string) error
	// MaxFileBytes is the largest file accepted.
	MaxFileBytes() int64
}

// Blobs serves synced files.
type Blobs struct {
	store   core.SyncBlobStore
	uploads core.UploadStore
	files   core.BlobStore
	teams   Teams
	quota   Quota
	logger  *slog.Logger
	// Now is the clock (tests move it).
	Now func() time.Time

	lastSweep atomic.Int64 // unix ms of the last look for abandoned uploads
}

// AbandonedAfter is how long a partial upload may go without a chunk
// before the server drops it: a new upload to the server looks for such
// ones, at most once an hour per instance.
var AbandonedAfter = 7 * 24 * time.Hour

const sweepEvery = time.Hour

// NewBlobs returns the synced files' service.
func NewBlobs(store core.SyncBlobStore, uploads core.UploadStore, files core.BlobStore, teams Teams, quota Quota, logger *slog.Logger) *Blobs {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Blobs{store: store, uploads: uploads, files: files, teams: teams, quota: quota, logger: logger, Now: time.Now}
}

// BlobState is how much of a file the server has.
type BlobState struct {
	SHA256 string `json:"sha256"`
	Scope  string `json:"scope"`
	// Size is the file's size (its uploads row's).
	Size int64 `json:"size_bytes"`
	// Offset is how many bytes the server has, from the start.
	Offset   int64 `json:"offset"`
	Complete bool  `json:"complete"`
}

// ValidSHA256 tells a SHA-256 in lowercase hex.
func ValidSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// access checks that the caller may use a file of a scope: the scope is
// theirs or a team's they are in, and a live uploads row there names the
// hash. It returns the scope and the row.
func (b *Blobs) access(ctx context.Context, scope, sha string) (string, *core.Upload, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return "", nil, err
	}
	if !ValidSHA256(sha) {
		return "", nil, core.FieldError("sha256", "A file is named by its SHA-256: 64 lowercase hex digits.")
	}
	if scope == "" {
		scope = u.ID
	}
	if scope != u.ID {
		teams, err := b.teams.FindTeamsForUser(ctx, u.ID)
		if err != nil {
			return "", nil, err
		}
		role := ""
		for _, t := range teams {
			if t.ID == scope {
				role = t.Role
			}
		}
		if role == "" {
			return "", nil, core.Errorf(core.EFORBIDDEN, "Scope %q is not yours or one of your teams'.", scope)
		}
	}
	up, err := b.uploads.FindUploadBySHA(ctx, scope, sha)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return "", nil, core.Errorf(core.ENOTFOUND, "No file with this SHA-256 in this scope.")
	} else if err != nil {
		return "", nil, err
	}
	return scope, up, nil
}

// state reports how much of a file the server has, and the chunks of a
// partial upload.
func (b *Blobs) state(ctx context.Context, scope string, up *core.Upload) (*BlobState, []*core.SyncBlobPart, error) {
	st := &BlobState{SHA256: up.SHA256, Scope: scope, Size: up.SizeBytes}
	if whole, err := b.store.FindSyncBlob(ctx, scope, up.SHA256); err == nil {
		st.Size, st.Offset, st.Complete = whole.Size, whole.Size, true
		return st, nil, nil
	} else if core.ErrorCode(err) != core.ENOTFOUND {
		return nil, nil, err
	}
	if up.StoragePath != "" {
		// Uploaded to this server directly: its bytes are here already.
		st.Offset, st.Complete = up.SizeBytes, true
		return st, nil, nil
	}
	parts, err := b.store.FindSyncBlobParts(ctx, scope, up.SHA256)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range parts {
		if p.Offset != st.Offset {
			break // never happens: a chunk is taken only at the end
		}
		st.Offset += p.Size
	}
	return st, parts, nil
}

// Head reports how much of a file the server has.
func (b *Blobs) Head(ctx context.Context, scope, sha string) (*BlobState, error) {
	scope, up, err := b.access(ctx, scope, sha)
	if err != nil {
		return nil, err
	}
	st, _, err := b.state(ctx, scope, up)
	return st, err
}

// Chunk is one PUT: its Content-Range ("bytes first-last/total"), the
// request's Content-Length (-1 when unknown) and its body.
type Chunk struct {
	Range         string
	ContentLength int64
	Body          io.Reader
}

// ErrOffset is the conflict of a chunk that does not start where the
// server's copy ends; the state returned beside it says where that is.
var ErrOffset = &core.Error{Code: core.ECONFLICT, Message: "The server's copy of this file does not end where this chunk starts: send from its offset."}

// Put stores a chunk of a file. The chunk must start where the server's
// copy ends; with the last one the whole file is checked against its
// SHA-256 (a mismatch keeps nothing). It returns the new state (with
// ErrOffset, the server's).
func (b *Blobs) Put(ctx context.Context, scope, sha string, c Chunk) (*BlobState, error) {
	scope, up, err := b.access(ctx, scope, sha)
	if err != nil {
		return nil, err
	}
	if c.Range == "" {
		return nil, core.FieldError("Content-Range", "Content-Range is required: bytes first-last/total.")
	}
	start, length, total, err := ParseContentRange(c.Range)
	if err != nil {
		return nil, err
	}
	if c.ContentLength >= 0 && c.ContentLength != length {
		return nil, core.FieldError("Content-Range", "The body has %d bytes; Content-Range says %d.", c.ContentLength, length)
	}
	switch {
	case total > b.quota.MaxFileBytes():
		return nil, core.Errorf(core.ETOOLARGE, "The file is larger than the limit of %d MB.", b.quota.MaxFileBytes()>>20)
	case total != up.SizeBytes:
		return nil, core.FieldError("Content-Range", "The total in Content-Range (%d) is not the file's size (%d bytes).", total, up.SizeBytes)
	case length > core.SyncBlobChunk:
		return nil, core.Errorf(core.ETOOLARGE, "A chunk is at most %d MiB.", core.SyncBlobChunk>>20)
	}
	st, parts, err := b.state(ctx, scope, up)
	if err != nil {
		return nil, err
	}
	if st.Complete {
		return st, nil // sent before: nothing more to do
	}
	if start != st.Offset {
		return st, ErrOffset
	}
	if err := b.quota.CheckStored(ctx, scope); err != nil {
		return nil, err
	}
	if start == 0 {
		b.sweep(ctx)
	}
	stored, err := b.files.Put(ctx, scope, c.Body, length)
	if core.ErrorCode(err) == core.ETOOLARGE {
		return nil, core.FieldError("Content-Range", "The body is longer than Content-Range says (%d bytes).", length)
	} else if err != nil {
		return nil, err
	}
	if stored.Size != length {
		b.remove(ctx, stored.Path)
		return nil, core.FieldError("Content-Range", "The body has %d bytes; Content-Range says %d.", stored.Size, length)
	}
	part := &core.SyncBlobPart{ScopeID: scope, SHA256: sha, Offset: start, Size: length, Total: total, StorageKey: stored.Path}
	if err := b.store.AddSyncBlobPart(ctx, part); err != nil {
		b.remove(ctx, stored.Path)
		if core.ErrorCode(err) == core.ECONFLICT {
			now, serr := b.Head(ctx, scope, sha)
			if serr == nil {
				return now, ErrOffset
			}
		}
		return nil, err
	}
	st.Offset += length
	if st.Offset < total {
		return st, nil
	}
	parts = append(parts, part)
	if err := b.finish(ctx, scope, sha, total, parts, stored.SHA256); err != nil {
		return nil, err
	}
	st.Complete = true
	return st, nil
}

// finish joins a partial upload's chunks into the whole file, checks it
// against its SHA-256 and records it; a mismatch keeps nothing.
func (b *Blobs) finish(ctx context.Context, scope, sha string, total int64, parts []*core.SyncBlobPart, lastSHA string) error {
	key, got := parts[0].StorageKey, lastSHA
	if len(parts) > 1 {
		r := &partsReader{ctx: ctx, files: b.files, parts: parts}
		whole, err := b.files.Put(ctx, scope, r, total)
		r.close()
		if err != nil {
			return err
		}
		key, got = whole.Path, whole.SHA256
		if whole.Size != total {
			got = ""
		}
	}
	drop := func() {
		for _, p := range parts {
			b.remove(ctx, p.StorageKey)
		}
		if err := b.store.DeleteSyncBlobParts(context.WithoutCancel(ctx), scope, sha); err != nil {
			b.logger.Warn("sync blobs: forget chunks", slog.Any("error", err))
		}
	}
	if got != sha {
		if len(parts) > 1 {
			b.remove(ctx, key)
		}
		drop()
		return core.FieldError("sha256", "The bytes received do not match the SHA-256 %s…; nothing was kept. Send the file again from the start.", sha[:12])
	}
	err := b.store.FinishSyncBlob(ctx, &core.SyncBlob{ScopeID: scope, SHA256: sha, Size: total, StorageKey: key})
	if err != nil {
		if len(parts) > 1 {
			b.remove(ctx, key)
		}
		if core.ErrorCode(err) != core.ECONFLICT { // a parallel request finished it
			return err
		}
	}
	if len(parts) > 1 || err != nil {
		for _, p := range parts {
			b.remove(ctx, p.StorageKey)
		}
	}
	return nil
}

// sweep runs Sweep at most once per sweepEvery in this instance;
// failures are only logged.
func (b *Blobs) sweep(ctx context.Context) {
	now := b.Now()
	last := b.lastSweep.Load()
	if now.UnixMilli()-last < sweepEvery.Milliseconds() || !b.lastSweep.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	if n, err := b.Sweep(ctx, now); err != nil {
		b.logger.Warn("sync blobs: drop abandoned uploads", slog.Any("error", err))
	} else if n > 0 {
		b.logger.Info("dropped abandoned file uploads", slog.Int("count", n))
	}
}

// Sweep drops partial uploads that got no chunk for AbandonedAfter before
// now: their chunks' files and rows. It returns how many it dropped.
func (b *Blobs) Sweep(ctx context.Context, now time.Time) (int, error) {
	parts, err := b.store.FindStaleSyncBlobParts(ctx, now.Add(-AbandonedAfter), 100)
	if err != nil {
		return 0, err
	}
	gone := map[[2]string]bool{}
	for _, p := range parts {
		b.remove(ctx, p.StorageKey)
		gone[[2]string{p.ScopeID, p.SHA256}] = true
	}
	for k := range gone {
		if err := b.store.DeleteSyncBlobParts(ctx, k[0], k[1]); err != nil {
			return 0, err
		}
	}
	return len(gone), nil
}

func (b *Blobs) remove(ctx context.Context, key string) {
	if err := b.files.Remove(context.WithoutCancel(ctx), key); err != nil {
		b.logger.Warn("sync blobs: remove", slog.Any("error", err))
	}
}

// Open returns a file to read, in any ranges, and its state.
func (b *Blobs) Open(ctx context.Context, scope, sha string) (io.ReadSeekCloser, *BlobState, error) {
	scope, up, err := b.access(ctx, scope, sha)
	if err != nil {
		return nil, nil, err
	}
	st, _, err := b.state(ctx, scope, up)
	if err != nil {
		return nil, nil, err
	}
	if !st.Complete {
		return nil, st, core.Errorf(core.ENOTFOUND, "This file's bytes have not reached the server yet: the device that added it sends them when it next syncs.")
	}
	key := up.StoragePath
	if whole, err := b.store.FindSyncBlob(ctx, scope, sha); err == nil {
		key = whole.StorageKey
	}
	f, err := b.files.Open(ctx, key)
	if err != nil {
		return nil, nil, err
	}
	return f, st, nil
}

// partsReader reads a partial upload's chunks one after another.
type partsReader struct {
	ctx   context.Context
	files core.BlobStore
	parts []*core.SyncBlobPart
	cur   io.ReadSeekCloser
}

func (r *partsReader) Read(p []byte) (int, error) {
	for {
		if r.cur == nil {
			if len(r.parts) == 0 {
				return 0, io.EOF
			}
			f, err := r.files.Open(r.ctx, r.parts[0].StorageKey)
			if err != nil {
				return 0, err
			}
			r.cur, r.parts = f, r.parts[1:]
		}
		n, err := r.cur.Read(p)
		if errors.Is(err, io.EOF) {
			r.cur.Close()
			r.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (r *partsReader) close() {
	if r.cur != nil {
		r.cur.Close()
	}
}

// ParseContentRange reads "bytes first-last/total" (total at least 1).
func ParseContentRange(h string) (start, length, total int64, err error) {
	bad := core.FieldError("Content-Range", "Content-Range must be \"bytes first-last/total\" with first ≤ last < total.")
	rest, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes ")
	if !ok {
		return 0, 0, 0, bad
	}
	rng, tot, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, 0, bad
	}
	a, z, ok := strings.Cut(rng, "-")
	if !ok {
		return 0, 0, 0, bad
	}
	first, e1 := parseDigits(a)
	last, e2 := parseDigits(z)
	total, e3 := parseDigits(tot)
	if !e1 || !e2 || !e3 || first > last || last >= total {
		return 0, 0, 0, bad
	}
	return first, last - first + 1, total, nil
}

func parseDigits(s string) (int64, bool) {
	if s == "" || len(s) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
