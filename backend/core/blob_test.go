package core_test

import (
	"strings"
	"testing"

	"sentry/backend/core"
)

func TestBlobKeys(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k, err := core.NewBlobKey("0193a1b2-user")
		if err != nil {
			t.Fatal(err)
		}
		if !core.ValidBlobKey(k) || !strings.HasPrefix(k, "0193a1b2-user/") || seen[k] {
			t.Fatalf("key %q (valid %v, seen %v)", k, core.ValidBlobKey(k), seen[k])
		}
		seen[k] = true
	}
	name := "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"u/01/" + name, true},
		{strings.Repeat("a", 64) + "/01/" + name, true},
		{strings.Repeat("a", 65) + "/01/" + name, false},
		{"u/02/" + name, false},                  // the shard is the name's first two digits
		{"u/01/" + strings.ToUpper(name), false}, // lowercase hex only
		{"u/01/" + name[:31], false},
		{"u/01/" + name + "0", false},
		{"/01/" + name, false},
		{"../01/" + name, false},
		{"u/../01/" + name, false},
		{"u\\01\\" + name, false},
		{"u//01/" + name, false},
		{"u/01/" + name[:30] + "/x", false},
		{"", false},
	} {
		if got := core.ValidBlobKey(tc.key); got != tc.want {
			t.Errorf("ValidBlobKey(%q) = %v", tc.key, got)
		}
	}
	for _, id := range []string{"", "a/b", "..", "a.b", strings.Repeat("a", 65), "ü"} {
		if _, err := core.NewBlobKey(id); err == nil {
			t.Errorf("NewBlobKey(%q) passed", id)
		}
	}
}
