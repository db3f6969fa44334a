package sqlite

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"sentry/backend/core"
)

// Task rows of a list read as one value each.
//
// The driver reads a row's columns one call at a time, each call taking the
// connection's mutex and boxing the value: 33 columns of 51 rows are about
// 5,000 such calls per list page, a third of the list's CPU under the mixed
// load. A list therefore asks SQLite for each row as one JSON array of the
// same columns (json_array keeps every type: text as strings, integers and
// 17-digit reals as numbers, NULL as null) and arrayRow hands the values to
// scanTask as if they were the columns, so the task is built the same way
// either way.

// taskArray selects a task row as one JSON array of taskColumns.
func taskArray() string { return `json_array(` + taskColumns + `)` }

// scanTaskArray reads a row selected with taskArray.
func scanTaskArray(rows *sql.Rows) (*core.Task, error) {
	return newTaskScanner().scanArray(rows)
}

// scanArray reads a row selected with taskArray; one scanner reads every
// row of a list.
func (sc *taskScanner) scanArray(rows *sql.Rows) (*core.Task, error) {
	var s string
	if err := rows.Scan(&s); err != nil {
		return nil, err
	}
	return sc.scan(&arrayRow{s: s})
}

// arrayRow scans a JSON array of SQL values into the destinations
// database/sql would fill from the same columns.
type arrayRow struct {
	s string
	i int
}

func (r *arrayRow) Scan(dest ...any) error {
	if !strings.HasPrefix(r.s, "[") {
		return fmt.Errorf("sqlite: task row: not an array")
	}
	r.i = 1
	for n, d := range dest {
		if n > 0 {
			if r.i >= len(r.s) || r.s[r.i] != ',' {
				return fmt.Errorf("sqlite: task row: %d values, want %d", n, len(dest))
			}
			r.i++
		}
		if err := r.value(d); err != nil {
			return fmt.Errorf("sqlite: task row: value %d: %w", n, err)
		}
	}
	if r.i != len(r.s)-1 || r.s[r.i] != ']' {
		return fmt.Errorf("sqlite: task row: more values than %d", len(dest))
	}
	return nil
}

// value reads the next value into d.
func (r *arrayRow) value(d any) error {
	if r.i >= len(r.s) {
		return fmt.Errorf("cut off")
	}
	switch c := r.s[r.i]; {
	case c == '"':
		s, err := r.str()
		if err != nil {
			return err
		}
		switch d := d.(type) {
		case *string:
			*d = s
		case *sql.NullString:
			*d = sql.NullString{String: s, Valid: true}
		default:
			return fmt.Errorf("text for %T", d)
		}
	case strings.HasPrefix(r.s[r.i:], "null"):
		r.i += 4
		switch d := d.(type) {
		case *sql.NullString:
			*d = sql.NullString{}
		case *sql.NullFloat64:
			*d = sql.NullFloat64{}
		default:
			return fmt.Errorf("null for %T", d)
		}
	default:
		start := r.i
		for r.i < len(r.s) && r.s[r.i] != ',' && r.s[r.i] != ']' {
			r.i++
		}
		num := r.s[start:r.i]
		switch d := d.(type) {
		case *int64:
			v, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				return err
			}
			*d = v
		case *bool:
			switch num { // as database/sql takes an integer into a bool
			case "0":
				*d = false
			case "1":
				*d = true
			default:
				return fmt.Errorf("%q for a bool", num)
			}
		case *sql.NullFloat64:
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return err
			}
			*d = sql.NullFloat64{Float64: v, Valid: true}
		case *string, *sql.NullString: // a number in a text column, as its text
			if _, err := strconv.ParseFloat(num, 64); err != nil {
				return err
			}
			if p, ok := d.(*string); ok {
				*p = num
			} else {
				*d.(*sql.NullString) = sql.NullString{String: num, Valid: true}
			}
		default:
			return fmt.Errorf("number for %T", d)
		}
	}
	return nil
}

// str reads a JSON string at r.i. One without escapes is a slice of the row.
func (r *arrayRow) str() (string, error) {
	r.i++ // the opening quote
	start := r.i
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case '"':
			s := r.s[start:r.i]
			r.i++
			return s, nil
		case '\\':
			return r.escaped(start)
		}
		r.i++
	}
	return "", fmt.Errorf("unterminated text")
}

// escaped reads the rest of a string that holds escapes, from start.
func (r *arrayRow) escaped(start int) (string, error) {
	b := make([]byte, 0, r.i-start+16)
	b = append(b, r.s[start:r.i]...)
	for r.i < len(r.s) {
		c := r.s[r.i]
		switch {
		case c == '"':
			r.i++
			return string(b), nil
		case c != '\\':
			b = append(b, c)
			r.i++
			continue
		}
		if r.i+1 >= len(r.s) {
			break
		}
		e := r.s[r.i+1]
		r.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			u, ok := r.hex4()
			if !ok {
				return "", fmt.Errorf("bad \\u escape")
			}
			rn := rune(u)
			if utf16.IsSurrogate(rn) {
				if lo, ok := r.lowSurrogate(); ok {
					rn = utf16.DecodeRune(rn, rune(lo))
				} else {
					rn = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, rn)
		default:
			return "", fmt.Errorf("bad escape \\%c", e)
		}
	}
	return "", fmt.Errorf("unterminated text")
}

func (r *arrayRow) hex4() (uint16, bool) {
	if r.i+4 > len(r.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(r.s[r.i:r.i+4], 16, 16)
	if err != nil {
		return 0, false
	}
	r.i += 4
	return uint16(v), true
}

// lowSurrogate reads a \uDC00–\uDFFF escape that completes a pair.
func (r *arrayRow) lowSurrogate() (uint16, bool) {
	if !strings.HasPrefix(r.s[r.i:], `\u`) {
		return 0, false
	}
	save := r.i
	r.i += 2
	lo, ok := r.hex4()
	if !ok || lo < 0xDC00 || lo > 0xDFFF {
		r.i = save
		return 0, false
	}
	return lo, true
}
