package client

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"sentry/sync/remote"
	"sentry/sync/wire"
)

func TestBackoffGrowsWithJitterAndIsCapped(t *testing.T) {
	top := func() float64 { return 0.999999 }
	prev := time.Duration(0)
	for n := 1; n <= 8; n++ {
		d := Backoff(n, top)
		if d < prev || d > MaxBackoff {
			t.Fatalf("retry %d waits %s (previous %s, cap %s)", n, d, prev, MaxBackoff)
		}
		prev = d
	}
	if Backoff(30, top) < 59*time.Second {
		t.Fatalf("late retries should reach the cap, got %s", Backoff(30, top))
	}
	if d := Backoff(5, func() float64 { return 0 }); d != 0 {
		t.Fatalf("full jitter may wait nothing, got %s", d)
	}
	if d := Backoff(1, func() float64 { return 0.5 }); d != 500*time.Millisecond {
		t.Fatalf("first retry with jitter 0.5: %s, want 500ms", d)
	}
}

func TestFileSecretsAreTheOwnersOnly(t *testing.T) {
	f := &FileSecrets{Path: filepath.Join(t.TempDir(), "sub", "sync-token.json")}
	if _, err := f.Get("https://a.example"); err != remote.ErrNoSecret {
		t.Fatalf("empty store: %v", err)
	}
	if err := f.Set("https://a.example", "refresh-1"); err != nil {
		t.Fatal(err)
	}
	if err := f.Set("https://b.example", "refresh-2"); err != nil {
		t.Fatal(err)
	}
	if s, err := f.Get("https://a.example"); err != nil || s != "refresh-1" {
		t.Fatalf("get: %q %v", s, err)
	}
	info, err := os.Stat(f.Path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v %v, want 0600", info.Mode(), err)
	}
	if err := f.Delete("https://a.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get("https://a.example"); err != remote.ErrNoSecret {
		t.Fatalf("after delete: %v", err)
	}
	if s, _ := f.Get("https://b.example"); s != "refresh-2" {
		t.Fatalf("the other server's token went too: %q", s)
	}
}

func TestRestartScopeResetsOnlyThatScope(t *testing.T) {
	c := encodeCursor(wire.Cursor{DatabaseID: "db", Epoch: 2, Seqs: map[string]int64{"a": 10, "b": 20}})
	got := restartScope(c, "b")
	var back wire.Cursor
	if err := decodeCursor(got, &back); err != nil || back.Seqs["a"] != 10 || back.Seqs["b"] != 0 || back.DatabaseID != "db" || back.Epoch != 2 {
		t.Fatalf("cursor after resync: %+v %v", back, err)
	}
	if restartScope("not a cursor", "b") != "not a cursor" {
		t.Fatal("an unreadable cursor must be left as it is")
	}
}
