// Package secretbox encrypts small secrets at rest — third-party access
// and refresh tokens in the integrations table — with AES-256-GCM under a
// key derived from the server secret (or, on the desktop, a key kept in the
// OS keyring). Standard library only.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// version prefixes every sealed value so keys and formats can rotate.
const version byte = 1

// Box seals and opens values with one key.
type Box struct {
	aead cipher.AEAD
}

// New derives an AES-256 key for purpose from secret (at least 32 bytes).
func New(secret []byte, purpose string) (*Box, error) {
	if len(secret) < 32 {
		return nil, errors.New("secretbox: secret must be at least 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "sentry secretbox v1 "+purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("secretbox: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext; aad (e.g. the row id) binds it to its place, so
// a sealed value copied to another row does not open there.
func (b *Box) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("secretbox: nonce: %w", err)
	}
	return b.aead.Seal(out, out[1:], plaintext, aad), nil
}

// ErrOpen means the value was damaged, sealed with another key or for
// another place.
var ErrOpen = errors.New("secretbox: cannot decrypt (wrong key, wrong row or damaged value)")

// Open decrypts a value made by Seal with the same aad.
func (b *Box) Open(sealed, aad []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < 1+ns+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	out, err := b.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
