package lexicon

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	s := Parse("# event nouns\nmeeting\n\ntown   hall  # two words\nall hands meeting\n")
	for _, tc := range []struct {
		name  string
		entry string
		want  bool
	}{
		{"a word", "meeting", true},
		{"a phrase", "town hall", true},
		{"a comment is no entry", "event", false},
		{"a phrase's first word alone", "town", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.Has(tc.entry); got != tc.want {
				t.Errorf("Has(%q) = %v, want %v", tc.entry, got, tc.want)
			}
		})
	}
	if got := Lines("b\n a  c \n#x\n"); !slices.Equal(got, []string{"b", "a c"}) {
		t.Errorf("Lines: %q", got)
	}
}

func TestPhraseAt(t *testing.T) {
	s := Parse("meeting\ntown hall\nall hands meeting\nall hands\n")
	trim := func(w string) string { return strings.Trim(w, ",.") }
	for _, tc := range []struct {
		name string
		text string
		i    int
		want int
	}{
		{"one word", "the meeting is", 1, 1},
		{"two words", "a town hall, then", 1, 2},
		{"the longest of two entries", "the all hands meeting.", 1, 3},
		{"a shorter entry when the longer does not follow", "all hands tomorrow", 0, 2},
		{"half a phrase", "a town square", 1, 0},
		{"at the end", "town", 0, 0},
		{"out of range", "town hall", 5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.PhraseAt(strings.Fields(tc.text), tc.i, trim); got != tc.want {
				t.Errorf("PhraseAt(%q, %d) = %d, want %d", tc.text, tc.i, got, tc.want)
			}
		})
	}
}

func TestPairs(t *testing.T) {
	m := Pairs("# past forms\nsent send\nwent go\nodd\n")
	if len(m) != 2 || m["sent"] != "send" || m["went"] != "go" {
		t.Errorf("Pairs: %v", m)
	}
}
