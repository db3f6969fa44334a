package core

import (
	"strings"
	"unicode/utf8"
)

// CheckStorable refuses text that not every store can keep as given:
// invalid UTF-8 and NUL (SQLite would keep them, PostgreSQL refuses both),
// with the messages CleanText gives. Stores call it on the fields their
// callers' validation does not already clean, so both answer invalid.
func CheckStorable(field, s string) error {
	if !utf8.ValidString(s) {
		return FieldError(field, "%s must be valid UTF-8 text.", fieldLabel(field))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return FieldError(field, "%s contains invalid characters.", fieldLabel(field))
	}
	return nil
}

// CheckStorableJSON applies CheckStorable to every string and key of a
// decoded JSON value (maps, slices, strings; other values pass).
func CheckStorableJSON(field string, v any) error {
	switch x := v.(type) {
	case string:
		return CheckStorable(field, x)
	case map[string]any:
		for k, e := range x {
			if err := CheckStorable(field, k); err != nil {
				return err
			}
			if err := CheckStorableJSON(field, e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := CheckStorableJSON(field, e); err != nil {
				return err
			}
		}
	case []string:
		for _, e := range x {
			if err := CheckStorable(field, e); err != nil {
				return err
			}
		}
	}
	return nil
}
