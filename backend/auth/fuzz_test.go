package auth_test

import (
	"context"
	"strings"
	"testing"
)

// FuzzAuthenticate feeds arbitrary strings as access tokens: none may
// panic, and none but the genuine token may authenticate.
func FuzzAuthenticate(f *testing.F) {
	s, _, _ := newServiceF(f)
	u := registerF(f, s, "fuzz@example.com")
	good, _ := s.IssueAccessToken(u)
	parts := strings.Split(good, ".")
	f.Add(good)
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add("eyJhbGciOiJub25lIn0." + parts[1] + ".")
	f.Add("a.b.c")
	f.Add(strings.Repeat("A", 5000))
	f.Fuzz(func(t *testing.T, tok string) {
		got, err := s.Authenticate(context.Background(), tok)
		if err == nil && tok != good {
			t.Fatalf("forged token %q authenticated as %s", tok, got.ID)
		}
	})
}
