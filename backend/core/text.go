package core

import (
	"strings"
	"unicode/utf8"
)

// CleanText makes a user-visible text safe to store and show: it refuses
// invalid UTF-8 and NUL, and removes the other control characters and the
// bidirectional formatting characters that make text display as something
// other than what it is (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C).
// Newlines and tabs are kept only when multiline is set; otherwise they
// become spaces.
func CleanText(field, s string, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", FieldError(field, "%s must be valid UTF-8 text.", fieldLabel(field))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", FieldError(field, "%s contains invalid characters.", fieldLabel(field))
	}
	clean := true
	for _, r := range s {
		if unsafeRune(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			clean = false
			break
		}
	}
	if clean {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			if multiline {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case unsafeRune(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// unsafeRune tells the runes CleanText removes (and, on one-line fields,
// the line breaks it turns into spaces).
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// BlankNUL turns each NUL in a text to read (pasted text, a document's
// words) into a space: a NUL carries nothing to read, not every store can
// keep one in text, and a space keeps every offset into the text.
func BlankNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", " ")
}
