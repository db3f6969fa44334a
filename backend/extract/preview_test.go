package extract

import "testing"

func TestPreview(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
		max              int
	}{
		{"short", "  Call Ana\n about the\tdemo  ", "Call Ana about the demo", 60},
		{"cut at a word", "Alice: Bob, please write the changelog by Wednesday.", "Alice: Bob, please…", 20},
		{"punctuation before the cut", "Book the room, then call", "Book the room…", 15},
		{"one long word", "abcdefghijkl", "abcde…", 5},
		{"empty", "  \n ", "", 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Preview(tc.text, tc.max); got != tc.want {
				t.Fatalf("Preview(%q, %d) = %q, want %q", tc.text, tc.max, got, tc.want)
			}
		})
	}
}
