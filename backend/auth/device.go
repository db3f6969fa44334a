package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"sentry/backend/core"
)

// Known devices. A device that has signed in to an account before may
// sign in to it while others are guessing its password: the sign-in
// throttle (httpapi) lets it past the per-account ceiling that strangers
// share. The proof is a cookie the server signs at each password sign-in:
// a random device id and, for each account signed in from that device, a
// tag HMAC(secret, device id, email). It proves nothing but "this browser
// signed in to this account before"; it never authenticates anyone.

// DeviceCookie is the name of the known-device cookie.
const DeviceCookie = "sentry_device"

const (
	deviceIDLen       = 16 // random bytes
	deviceTagLen      = 12 // bytes of the HMAC kept per account
	maxDeviceAccounts = 5  // accounts one cookie remembers, newest first
	maxDeviceCookie   = 256
)

var b64 = base64.RawURLEncoding

func (s *Service) deviceTag(deviceID, email string) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "known-device\x00%s\x00%s", deviceID, core.NormalizeEmail(email))
	return b64.EncodeToString(m.Sum(nil)[:deviceTagLen])
}

// parseDevice splits a cookie into its device id and account tags; ok is
// false for anything the server did not write.
func parseDevice(cookie string) (id string, tags []string, ok bool) {
	if cookie == "" || len(cookie) > maxDeviceCookie {
		return "", nil, false
	}
	parts := strings.Split(cookie, ".")
	if raw, err := b64.DecodeString(parts[0]); err != nil || len(raw) != deviceIDLen {
		return "", nil, false
	}
	return parts[0], parts[1:], true
}

// KnownDevice returns the id of the device whose cookie proves it signed
// in to email before.
func (s *Service) KnownDevice(cookie, email string) (string, bool) {
	id, tags, ok := parseDevice(cookie)
	if !ok {
		return "", false
	}
	want := s.deviceTag(id, email)
	for _, t := range tags {
		if hmac.Equal([]byte(t), []byte(want)) {
			return id, true
		}
	}
	return "", false
}

// RememberDevice returns the cookie to set after a successful sign-in to
// email: the device id of cookie (a new one if it has none) with email's
// tag first and at most maxDeviceAccounts tags in all.
func (s *Service) RememberDevice(cookie, email string) (string, error) {
	id, tags, ok := parseDevice(cookie)
	if !ok {
		var raw [deviceIDLen]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return "", fmt.Errorf("auth: device id: %w", err)
		}
		id, tags = b64.EncodeToString(raw[:]), nil
	}
	tag := s.deviceTag(id, email)
	out := []string{id, tag}
	for _, t := range tags {
		if t != tag && len(t) == b64.EncodedLen(deviceTagLen) && len(out) <= maxDeviceAccounts {
			out = append(out, t)
		}
	}
	return strings.Join(out, "."), nil
}

// KnownAddress reports whether ip is where one of the account's live
// sessions was last used from: a known address of its owner.
func (s *Service) KnownAddress(ctx context.Context, email, ip string) (bool, error) {
	if ip == "" {
		return false, nil
	}
	u, err := s.users.FindUserByEmail(ctx, core.NormalizeEmail(email))
	if core.ErrorCode(err) == core.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	list, err := s.accounts.FindSessions(ctx, u.ID)
	if err != nil {
		return false, err
	}
	for _, x := range list {
		if x.IP == ip {
			return true, nil
		}
	}
	return false, nil
}
