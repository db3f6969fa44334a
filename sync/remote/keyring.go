package remote

import (
	"errors"
	"fmt"

	"github.com/zalando/go-keyring"
)

// Secrets keeps one secret per server in the OS keyring.
type Secrets interface {
	Get(server string) (string, error) // ErrNoSecret when absent
	Set(server, secret string) error
	Delete(server string) error
}

// ErrNoSecret means nothing is stored for that server.
var ErrNoSecret = errors.New("remote: no stored sign-in for this server")

// ErrNoKeyring explains what to install when the OS has no keyring.
var ErrNoKeyring = errors.New("no OS keyring is available to keep your sign-in safe. On Linux install and unlock a Secret Service " +
	"(gnome-keyring or KWallet) and sign in again; on macOS and Windows the system keychain is used")

// keyringService names our entries in the OS keyring.
const keyringService = "Sentry AI team server"

// OSKeyring stores refresh tokens with the OS keyring (Secret Service on
// Linux, Keychain on macOS, Credential Manager on Windows).
type OSKeyring struct{}

// Get returns the stored secret.
func (OSKeyring) Get(server string) (string, error) {
	s, err := keyring.Get(keyringService, server)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", ErrNoSecret
	} else if err != nil {
		return "", fmt.Errorf("%w (%v)", ErrNoKeyring, err)
	}
	return s, nil
}

// Set stores a secret, replacing any earlier one.
func (OSKeyring) Set(server, secret string) error {
	if err := keyring.Set(keyringService, server, secret); err != nil {
		return fmt.Errorf("%w (%v)", ErrNoKeyring, err)
	}
	return nil
}

// Delete forgets the secret; a missing one is not an error.
func (OSKeyring) Delete(server string) error {
	if err := keyring.Delete(keyringService, server); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%w (%v)", ErrNoKeyring, err)
	}
	return nil
}
