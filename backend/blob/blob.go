// Package blob stores users' files on disk under the data directory with
// random names — never a name or path a user supplied — hashing them while
// they are written, and bounding their size.
package blob

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sentry/backend/core"
)

// Store keeps files under Root (the data directory's files/ folder).
type Store struct {
	Root string
}

// Stored describes a written file: Path is relative to Root
// (<user id>/<xx>/<random>), Head the first bytes for type detection.
type Stored = core.StoredBlob

var _ core.BlobStore = (*Store)(nil)

// HeadSize is how much of the start of a file Put keeps for detection.
const HeadSize = 8 << 10

// Put writes r for userID, refusing more than maxBytes (too_large). The
// file appears only once complete (written to a temporary name, synced,
// renamed), so a failed upload leaves nothing behind.
func (s *Store) Put(userID string, r io.Reader, maxBytes int64) (*Stored, error) {
	if !safeID(userID) {
		return nil, fmt.Errorf("blob: bad user id %q", userID)
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("blob: name: %w", err)
	}
	name := hex.EncodeToString(rnd[:])
	rel := filepath.Join(userID, name[:2], name)
	dir := filepath.Join(s.Root, userID, name[:2])
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	head := &headBuffer{max: HeadSize}
	src := &sourceReader{r: io.LimitReader(r, maxBytes+1)}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), src)
	if src.err != nil {
		// The caller's stream failed (e.g. a client's body broke off);
		// its error keeps its code.
		return nil, fmt.Errorf("blob: read: %w", src.err)
	} else if err != nil {
		return nil, fmt.Errorf("blob: write: %w", err)
	}
	if n > maxBytes {
		return nil, core.Errorf(core.ETOOLARGE, "The file is larger than the limit of %d MB.", maxBytes>>20)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("blob: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("blob: close: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.Root, rel)); err != nil {
		return nil, fmt.Errorf("blob: rename: %w", err)
	}
	tmp = nil
	return &Stored{Path: rel, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Head: head.b}, nil
}

// Read returns a stored file's bytes (bounded by max).
func (s *Store) Read(rel string, max int64) ([]byte, error) {
	p, err := s.resolve(rel)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, core.Errorf(core.ENOTFOUND, "The stored file is missing.")
	} else if err != nil {
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("blob: read: %w", err)
	}
	if int64(len(b)) > max {
		return nil, core.Errorf(core.ETOOLARGE, "The stored file is larger than %d MB.", max>>20)
	}
	return b, nil
}

// Open returns a stored file for streaming: it is read as it is sent,
// in whatever ranges are asked, never held in memory.
func (s *Store) Open(rel string) (io.ReadSeekCloser, error) {
	p, err := s.resolve(rel)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, core.Errorf(core.ENOTFOUND, "The stored file is missing.")
	} else if err != nil {
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	return f, nil
}

// Remove deletes a stored file; a missing file is not an error.
func (s *Store) Remove(rel string) error {
	p, err := s.resolve(rel)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob: remove: %w", err)
	}
	return nil
}

// resolve maps a stored relative path to the file, refusing anything that
// would leave Root.
func (s *Store) resolve(rel string) (string, error) {
	clean := filepath.Clean(rel)
	if rel == "" || filepath.IsAbs(rel) || clean != rel || strings.HasPrefix(clean, "..") || strings.Contains(clean, string(filepath.Separator)+"..") {
		return "", fmt.Errorf("blob: bad stored path %q", rel)
	}
	return filepath.Join(s.Root, clean), nil
}

func safeID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
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
// it from a failure to write the file.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}
