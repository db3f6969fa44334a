package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestNoLongLines keeps the rules readable: a pattern that outgrows a line
// is split at its alternatives (string concatenation: the compiled pattern
// is the same), so a reviewer reads one phrasing per line.
func TestNoLongLines(t *testing.T) {
	const max = 200
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if n := utf8.RuneCountInString(strings.ReplaceAll(line, "\t", "    ")); n > max {
				t.Errorf("%s:%d is %d characters long (at most %d): split the pattern at an alternative", f, i+1, n, max)
			}
		}
	}
}
