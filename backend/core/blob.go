package core

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// Blob keys are <user id>/<xx>/<32 hex digits>: random, never a name or a
// path a user supplied, the same on every BlobStore (a key is a relative
// path on disk and an object name in a bucket), and the user's files
// share one prefix so they can all be removed with the account.

// BlobHeadSize is how much of the start of a file BlobStore.Put returns
// in StoredBlob.Head, for type detection.
const BlobHeadSize = 8 << 10

// NewBlobKey returns a fresh random key for a file of userID.
func NewBlobKey(userID string) (string, error) {
	if !ValidBlobOwner(userID) {
		return "", fmt.Errorf("blob: bad user id %q", userID)
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("blob: name: %w", err)
	}
	name := hex.EncodeToString(rnd[:])
	return userID + "/" + name[:2] + "/" + name, nil
}

// ValidBlobOwner reports whether a user id may start a key: 1 to 64
// letters, digits and hyphens.
func ValidBlobOwner(id string) bool {
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

// ValidBlobKey reports whether key is one NewBlobKey makes. Anything else
// (a path that climbs out, an absolute path, another shape) is refused
// before it reaches a disk or a bucket.
func ValidBlobKey(key string) bool {
	const nameLen = 32
	if len(key) < nameLen+4 {
		return false
	}
	name := key[len(key)-nameLen:]
	rest := key[:len(key)-nameLen]
	// rest is "<owner>/<xx>/"
	if len(rest) < 5 || rest[len(rest)-1] != '/' || rest[len(rest)-4] != '/' {
		return false
	}
	owner, shard := rest[:len(rest)-4], rest[len(rest)-3:len(rest)-1]
	return ValidBlobOwner(owner) && isLowerHex(name) && shard == name[:2]
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
