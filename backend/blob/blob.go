// Package blob stores users' files on disk, in a folder of the data
// directory or a volume several servers share, under random keys — never
// a name or path a user supplied — hashing them while they are written,
// and bounding their size.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"sentry/backend/core"
)

// Store keeps files under Root (the data directory's files/ folder, or
// the folder of a file:// blobs URL).
type Store struct {
	Root string
}

// Stored describes a written file: Path is its key
// (<user id>/<xx>/<random>), Head the first bytes for type detection.
type Stored = core.StoredBlob

var _ core.BlobStore = (*Store)(nil)

// HeadSize is how much of the start of a file Put keeps for detection.
const HeadSize = core.BlobHeadSize

// Check makes sure Root exists and takes files: a server refuses to start
// on a folder it cannot write (a shared volume not mounted, say).
func (s *Store) Check() error {
	if err := os.MkdirAll(s.Root, 0o700); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	f, err := os.CreateTemp(s.Root, ".check-*")
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Put writes r for userID, refusing more than maxBytes (too_large). The
// file appears only once complete (written to a temporary name, synced,
// renamed), so a failed upload leaves nothing behind.
func (s *Store) Put(ctx context.Context, userID string, r io.Reader, maxBytes int64) (*Stored, error) {
	key, err := core.NewBlobKey(userID)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(filepath.Join(s.Root, filepath.FromSlash(key)))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, classify("put", err)
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return nil, classify("put", err)
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	head := &headBuffer{max: HeadSize}
	src := &sourceReader{ctx: ctx, r: io.LimitReader(r, maxBytes+1)}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), src)
	if src.err != nil {
		// The caller's stream failed (e.g. a client's body broke off);
		// its error keeps its code.
		return nil, fmt.Errorf("blob: read: %w", src.err)
	} else if err != nil {
		return nil, classify("write", err)
	}
	if n > maxBytes {
		return nil, core.Errorf(core.ETOOLARGE, "The file is larger than the limit of %d MB.", maxBytes>>20)
	}
	if err := tmp.Sync(); err != nil {
		return nil, classify("sync", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, classify("close", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.Root, filepath.FromSlash(key))); err != nil {
		return nil, classify("rename", err)
	}
	tmp = nil
	return &Stored{Path: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Head: head.b}, nil
}

// Read returns a stored file's bytes (bounded by max).
func (s *Store) Read(ctx context.Context, key string, max int64) ([]byte, error) {
	f, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, classify("read", err)
	}
	if int64(len(b)) > max {
		return nil, core.Errorf(core.ETOOLARGE, "The stored file is larger than %d MB.", max>>20)
	}
	return b, nil
}

// Open returns a stored file for streaming: it is read as it is sent,
// in whatever ranges are asked, never held in memory.
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	p, err := s.resolve(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, core.Errorf(core.ENOTFOUND, "The stored file is missing.")
	} else if err != nil {
		return nil, classify("open", err)
	}
	return f, nil
}

// Remove deletes a stored file; a missing file is not an error.
func (s *Store) Remove(ctx context.Context, key string) error {
	p, err := s.resolve(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return classify("remove", err)
	}
	return nil
}

// RemoveUser deletes the folder of a user's files.
func (s *Store) RemoveUser(ctx context.Context, userID string) error {
	if !core.ValidBlobOwner(userID) {
		return fmt.Errorf("blob: refusing to remove the files of user id %q", userID)
	}
	if err := os.RemoveAll(filepath.Join(s.Root, userID)); err != nil {
		return classify("remove files of "+userID, err)
	}
	return nil
}

// resolve maps a key to its file, refusing anything NewBlobKey does not
// make (so nothing outside Root is ever reached).
func (s *Store) resolve(key string) (string, error) {
	if filepath.Separator == '\\' {
		// Keys written on Windows before keys were fixed to slashes.
		key = strings.ReplaceAll(key, `\`, "/")
	}
	if !core.ValidBlobKey(key) {
		return "", fmt.Errorf("blob: bad key %q", key)
	}
	return filepath.Join(s.Root, filepath.FromSlash(key)), nil
}

// classify turns the errors of a shared volume that has gone away (a
// network file system's server down, a stale handle, failed I/O) into
// unavailable: the same request may pass once it is back. Others stay
// internal.
func classify(op string, err error) error {
	for _, gone := range []error{syscall.ESTALE, syscall.ENOTCONN, syscall.ETIMEDOUT, syscall.EHOSTDOWN, syscall.EIO, syscall.ENODEV} {
		if errors.Is(err, gone) {
			return fmt.Errorf("blob: %s: %w", op, errors.Join(&core.Error{Code: core.EUNAVAILABLE, RetryAfter: 5 * time.Second,
				Message: "The file store cannot be reached right now. Try again shortly."}, err))
		}
	}
	return fmt.Errorf("blob: %s: %w", op, err)
}

type headBuffer struct {
	b   []byte
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// sourceReader remembers a failure of the stream being stored, to tell
// it from a failure to write the file, and stops when ctx ends.
type sourceReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return 0, err
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}
