package secretbox_test

import (
	"bytes"
	"testing"

	"sentry/backend/secretbox"
)

var secret = bytes.Repeat([]byte("k"), 32)

func TestSealOpen(t *testing.T) {
	b, err := secretbox.New(secret, "integrations")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b.Seal([]byte("ya29.token"), []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("ya29")) {
		t.Fatal("plaintext visible")
	}
	got, err := b.Open(sealed, []byte("row-1"))
	if err != nil || string(got) != "ya29.token" {
		t.Fatalf("open: %q %v", got, err)
	}
	again, _ := b.Seal([]byte("ya29.token"), []byte("row-1"))
	if bytes.Equal(again, sealed) {
		t.Fatal("nonce reused")
	}
	if _, err := b.Open(sealed, []byte("row-2")); err == nil {
		t.Fatal("opened under another row's aad")
	}
	other, _ := secretbox.New(bytes.Repeat([]byte("x"), 32), "integrations")
	if _, err := other.Open(sealed, []byte("row-1")); err == nil {
		t.Fatal("opened with another key")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := b.Open(sealed, []byte("row-1")); err == nil {
		t.Fatal("opened a damaged value")
	}
	if _, err := secretbox.New([]byte("short"), "x"); err == nil {
		t.Fatal("short secret accepted")
	}
}

func FuzzOpen(f *testing.F) {
	b, _ := secretbox.New(secret, "fuzz")
	s, _ := b.Seal([]byte("seed"), nil)
	f.Add(s)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = b.Open(in, nil) // must never panic
	})
}
