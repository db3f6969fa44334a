package auth_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sentry/backend/core"
)

func TestKnownDevice(t *testing.T) {
	s, _, _ := newService(t, 4)
	cookie, err := s.RememberDevice("", "Me@Example.com")
	if err != nil {
		t.Fatal(err)
	}
	id, ok := s.KnownDevice(cookie, "me@example.com")
	if !ok || id == "" || !strings.HasPrefix(cookie, id+".") {
		t.Fatalf("own cookie not known: %q %v", id, ok)
	}
	if _, ok := s.KnownDevice(cookie, "other@example.com"); ok {
		t.Fatal("cookie of one account proves another")
	}
	other, _, _ := newServiceWithSecret(t, []byte("another secret, at least 32 bytes long"))
	if _, ok := other.KnownDevice(cookie, "me@example.com"); ok {
		t.Fatal("a cookie signed with another secret was accepted")
	}
	forged := id + "." + strings.Repeat("A", 16)
	for _, c := range []string{"", "garbage", forged, "x." + cookie, cookie[:len(cookie)-1], strings.Repeat("a", 300)} {
		if _, ok := s.KnownDevice(c, "me@example.com"); ok {
			t.Fatalf("cookie %q accepted", c)
		}
	}
	// One device, several accounts: the same id, the newest accounts kept.
	for i := range 6 {
		if cookie, err = s.RememberDevice(cookie, fmt.Sprintf("a%d@example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	if again, _ := s.KnownDevice(cookie, "a5@example.com"); again != id {
		t.Fatalf("device id changed: %q, want %q", again, id)
	}
	if _, ok := s.KnownDevice(cookie, "me@example.com"); ok {
		t.Fatal("the oldest account was not forgotten")
	}
	if _, ok := s.KnownDevice(cookie, "a1@example.com"); !ok {
		t.Fatal("a recent account was forgotten")
	}
}

func TestKnownAddress(t *testing.T) {
	s, _, _ := newService(t, 4)
	register(t, s, "addr@example.com")
	ctx := core.NewContextWithClient(context.Background(), core.Client{IP: "198.51.100.7"})
	if _, err := s.Login(ctx, "addr@example.com", "a long password", "test"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, email, ip string
		want            bool
	}{
		{"a session's address", "addr@example.com", "198.51.100.7", true},
		{"another address", "addr@example.com", "203.0.113.1", false},
		{"unknown account", "ghost@example.com", "198.51.100.7", false},
		{"no address", "addr@example.com", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := s.KnownAddress(context.Background(), tc.email, tc.ip); err != nil || got != tc.want {
				t.Fatalf("KnownAddress = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
