package client

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"sentry/sync/remote"
	"sentry/sync/wire"
)

// FileSecrets keeps refresh tokens in a file readable by its owner only
// (0600), in the data folder, for machines without an OS keyring (a
// headless server's command line). The desktop keeps them in the keyring.
type FileSecrets struct {
	Path string
	mu   sync.Mutex
}

func (f *FileSecrets) load() (map[string]string, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("client: read %s: %w", f.Path, err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("client: %s is damaged; connect again: %w", f.Path, err)
	}
	return m, nil
}

func (f *FileSecrets) save(m map[string]string) error {
	b, _ := json.Marshal(m)
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	tmp := f.Path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("client: write %s: %w", tmp, err)
	}
	return os.Rename(tmp, f.Path)
}

// Get returns the stored secret or remote.ErrNoSecret.
func (f *FileSecrets) Get(server string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return "", err
	}
	s, ok := m[server]
	if !ok {
		return "", remote.ErrNoSecret
	}
	return s, nil
}

// Set stores a secret.
func (f *FileSecrets) Set(server, secret string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		m = map[string]string{}
	}
	m[server] = secret
	return f.save(m)
}

// Delete forgets a secret.
func (f *FileSecrets) Delete(server string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return err
	}
	delete(m, server)
	return f.save(m)
}

func decodeCursor(s string, c *wire.Cursor) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, c)
}

func encodeCursor(c wire.Cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}
