package postgres

import "testing"

// The stems of the Porter paper's examples and the words FTS5 leaves alone.
func TestPorterStem(t *testing.T) {
	for in, want := range map[string]string{
		"caresses": "caress", "ponies": "poni", "ties": "ti", "caress": "caress", "cats": "cat",
		"feed": "feed", "agreed": "agre", "plastered": "plaster", "bled": "bled", "motoring": "motor", "sing": "sing",
		"conflated": "conflat", "troubled": "troubl", "sized": "size", "hopping": "hop", "tanned": "tan", "falling": "fall",
		"hissing": "hiss", "fizzed": "fizz", "failing": "fail", "filing": "file", "happy": "happi", "sky": "sky",
		"relational": "relat", "conditional": "condit", "rational": "ration", "valenci": "valenc", "digitizer": "digit",
		"generalizations": "gener", "oscillators": "oscil", "triplicate": "triplic", "formative": "form", "hopefulness": "hope",
		"revival": "reviv", "allowance": "allow", "adoption": "adopt", "controlling": "control", "rolling": "roll",
		"probate": "probat", "rate": "rate", "cease": "ceas", "patients": "patient", "treatment": "treatment",
		"go": "go", "résumé": "résumé",
	} {
		if got := porterStem(in); got != want {
			t.Errorf("porterStem(%q) = %q, want %q", in, got, want)
		}
	}
}

// FTS5 expressions become tsqueries over the same stems the passages keep.
func TestParseMatch(t *testing.T) {
	for in, want := range map[string]string{
		`"running" OR "dogs"`:    `'run' | 'dog'`,
		`"a" AND "cats" AND "b"`: `'a' & 'cat' & 'b'`,
		`"e-mail" OR "!!"`:       `('e' <-> 'mail')`,
		`"say ""hi"""`:           `('sai' <-> 'hi')`,
		`plain words`:            `'plain' & 'word'`,
		`"Café"`:                 `'cafe'`,
		`"" OR "?"`:              ``,
	} {
		m := parseMatch(in)
		got := ""
		if m != nil {
			got = m.tsquery()
		}
		if got != want {
			t.Errorf("parseMatch(%s) = %s, want %s", in, got, want)
		}
	}
	if v, n := chunkVector("Dogs chase dogs, Café!"); v != "'dog':1,3 'chase':2 'cafe':4" || n != 4 {
		t.Errorf("chunkVector: %s %d", v, n)
	}
}
