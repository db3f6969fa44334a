package blob_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"sentry/backend/blob"
	"sentry/backend/core"
)

func TestPutReadRemove(t *testing.T) {
	s := &blob.Store{Root: t.TempDir()}
	data := bytes.Repeat([]byte("memo "), 5000)
	st, err := s.Put("user-1", bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if st.Size != int64(len(data)) || st.SHA256 != hex.EncodeToString(sum[:]) || len(st.Head) != blob.HeadSize {
		t.Fatalf("stored %+v", st)
	}
	if !strings.HasPrefix(st.Path, "user-1"+string(filepath.Separator)) {
		t.Fatalf("path %s", st.Path)
	}
	got, err := s.Read(st.Path, 1<<20)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(s.Root, st.Path)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if err := s.Remove(st.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(st.Path, 1<<20); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("after remove: %v", err)
	}
}

func TestTooLargeLeavesNothing(t *testing.T) {
	root := t.TempDir()
	s := &blob.Store{Root: root}
	_, err := s.Put("u", bytes.NewReader(make([]byte, 2048)), 1024)
	if core.ErrorCode(err) != core.ETOOLARGE {
		t.Fatalf("got %v", err)
	}
	var files []string
	filepath.Walk(root, func(p string, fi os.FileInfo, _ error) error {
		if fi != nil && !fi.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("left behind %v", files)
	}
}

func TestRefusesPathTricks(t *testing.T) {
	s := &blob.Store{Root: t.TempDir()}
	for _, id := range []string{"../x", "a/b", "", "..", strings.Repeat("a", 65)} {
		if _, err := s.Put(id, strings.NewReader("x"), 10); err == nil {
			t.Errorf("user id %q accepted", id)
		}
	}
	for _, p := range []string{"../secret.key", "/etc/passwd", "u/../../x", "u/./x"} {
		if _, err := s.Read(p, 10); err == nil {
			t.Errorf("path %q read", p)
		}
		if _, err := s.Open(p); err == nil {
			t.Errorf("path %q opened", p)
		}
	}
}

func TestOpenStreamsInRanges(t *testing.T) {
	s := &blob.Store{Root: t.TempDir()}
	data := []byte("0123456789abcdef")
	st, err := s.Put("user-1", bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Open(st.Path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(10, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(f, got); err != nil || string(got) != "abcd" {
		t.Fatalf("range: %q %v", got, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(st.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(st.Path); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("after remove: %v", err)
	}
}

// A stream that breaks off keeps its error (and its code), and nothing
// is left behind.
func TestPutKeepsTheSourceError(t *testing.T) {
	root := t.TempDir()
	s := &blob.Store{Root: root}
	cut := core.Errorf(core.EINVALID, "cut off")
	_, err := s.Put("u", io.MultiReader(strings.NewReader("some bytes"), iotest.ErrReader(cut)), 1<<20)
	if !errors.Is(err, cut) || !strings.HasPrefix(err.Error(), "blob: read:") {
		t.Fatalf("got %v", err)
	}
	var files []string
	filepath.Walk(root, func(p string, fi os.FileInfo, _ error) error {
		if fi != nil && !fi.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("left behind %v", files)
	}
}
