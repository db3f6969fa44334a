package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// MmapSize maps the file for notebook search's read connections only; the
// read connections of everything else (task lists above all) never map it.
func TestMmapOnlyForSearchReads(t *testing.T) {
	ctx := context.Background()
	mmap := func(p *readPool) int64 {
		t.Helper()
		var n int64
		if err := p.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	db, err := Open(ctx, filepath.Join(t.TempDir(), "mapped.db"), Options{MmapSize: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := mmap(db.read); got != 0 {
		t.Fatalf("the read pool maps %d bytes, want none", got)
	}
	if got := mmap(db.search); got != 1<<30 {
		t.Fatalf("the search pool maps %d bytes, want 1 GiB", got)
	}

	plain, err := Open(ctx, filepath.Join(t.TempDir(), "plain.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if plain.search != plain.read {
		t.Fatal("without MmapSize search reads got a pool of their own")
	}
}
