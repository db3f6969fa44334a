package blob_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sentry/backend/blob"
	"sentry/backend/blobtest"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blobtest.Harness {
		root := t.TempDir()
		return blobtest.Harness{Store: &blob.Store{Root: root}, Leftovers: func(t *testing.T) []string { return files(t, root) }, Big: 4 << 20}
	})
}

// files lists every file under root, temporary ones included, by key.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// Files are private to the server's user.
func TestFilesArePrivate(t *testing.T) {
	s := &blob.Store{Root: t.TempDir()}
	st, err := s.Put(context.Background(), "user-1", bytes.NewReader([]byte("memo")), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(s.Root, st.Path)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
}

// Check makes the folder and refuses one it cannot write in.
func TestCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared", "files")
	s := &blob.Store{Root: dir}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("folder: %v", err)
	}
	if left := files(t, dir); len(left) != 0 {
		t.Fatalf("left behind %v", left)
	}
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	if err := (&blob.Store{Root: filepath.Join(file, "files")}).Check(); err == nil {
		t.Fatal("a folder under a file passed")
	}
}

func BenchmarkPutOpen64MB(b *testing.B) {
	blobtest.Bench(b, &blob.Store{Root: b.TempDir()}, 64<<20)
}
