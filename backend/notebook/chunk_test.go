package notebook

import (
	"context"
	"math"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	long := strings.Repeat("The committee reviewed the annual budget in detail. ", 40)
	tests := []struct {
		name  string
		text  string
		pages []PageSpan
		opt   ChunkOptions
		check func(t *testing.T, text string, ps []Piece)
	}{
		{name: "empty", text: "  \n\n ", check: func(t *testing.T, _ string, ps []Piece) {
			if len(ps) != 0 {
				t.Fatalf("%d pieces", len(ps))
			}
		}},
		{name: "short text is one chunk", text: "Hello there. This is short.", check: func(t *testing.T, text string, ps []Piece) {
			if len(ps) != 1 || ps[0].Text != text || ps[0].Start != 0 || ps[0].End != len(text) || ps[0].Page != 1 {
				t.Fatalf("%+v", ps)
			}
		}},
		{name: "headings start chunks and name them", opt: ChunkOptions{Target: 20},
			text: "# Budget\n\n" + strings.Repeat("Money is tight this year. ", 6) + "\n\n## Hiring\n\n" + strings.Repeat("We hire two engineers. ", 6),
			check: func(t *testing.T, text string, ps []Piece) {
				var hiring *Piece
				for i := range ps {
					if strings.HasPrefix(ps[i].Text, "## Hiring") {
						hiring = &ps[i]
					}
				}
				if hiring == nil || hiring.Heading != "Hiring" || strings.Contains(hiring.Text, "Money") {
					t.Fatalf("%+v", ps)
				}
			}},
		{name: "long text overlaps between sentences", text: long, opt: ChunkOptions{Target: 100, Overlap: 20},
			check: func(t *testing.T, text string, ps []Piece) {
				if len(ps) < 3 {
					t.Fatalf("%d pieces", len(ps))
				}
				for i := 1; i < len(ps); i++ {
					if ps[i].Start >= ps[i-1].End || ps[i].Start <= ps[i-1].Start {
						t.Fatalf("piece %d [%d,%d) does not overlap/advance from [%d,%d)", i, ps[i].Start, ps[i].End, ps[i-1].Start, ps[i-1].End)
					}
					if ps[i].Tokens > 150 {
						t.Fatalf("piece %d has %d tokens", i, ps[i].Tokens)
					}
				}
				if ps[len(ps)-1].End != len(strings.TrimSpace(text)) {
					t.Fatalf("the end is not covered")
				}
			}},
		{name: "one giant sentence is cut", text: strings.Repeat("word ", 2000), opt: ChunkOptions{Target: 100},
			check: func(t *testing.T, _ string, ps []Piece) {
				for _, p := range ps {
					if p.Tokens > 150 {
						t.Fatalf("%d tokens", p.Tokens)
					}
				}
			}},
		{name: "pages are kept", text: "First page text here.\n\nSecond page text here.",
			pages: []PageSpan{{1, 0}, {2, 23}},
			check: func(t *testing.T, text string, ps []Piece) {
				if len(ps) != 2 || ps[0].Page != 1 || ps[1].Page != 2 || ps[1].Text != "Second page text here." {
					t.Fatalf("%+v", ps)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := Split(tc.text, tc.pages, tc.opt)
			for _, p := range ps {
				if tc.text[p.Start:p.End] != p.Text {
					t.Fatalf("offsets [%d,%d) do not match the text", p.Start, p.End)
				}
			}
			tc.check(t, tc.text, ps)
		})
	}
}

func TestFTSQueryIsSafe(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"words", "How long do inverters last?", `"long" OR "inverters" OR "last"`},
		{"syntax is dropped", `queen" OR NEAR(bee* -drone) col:x`, `"queen" OR "near" OR "bee" OR "drone" OR "col" OR "x"`},
		{"only stopwords", "what is the", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ftsQuery(tc.in); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestHashEmbedder(t *testing.T) {
	e := HashEmbedder{}
	vs, err := e.Embed(context.Background(), []string{"vaccination of children", "children were vaccinated", "solar panel maintenance", ""})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := e.Embed(context.Background(), []string{"vaccination of children"})
	cos := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			s += float64(a[i] * b[i])
		}
		return s
	}
	for i, v := range vs {
		if len(v) != HashDim || math.Abs(cos(v, v)-1) > 1e-5 {
			t.Fatalf("vector %d: dim %d, norm² %f", i, len(v), cos(v, v))
		}
	}
	if cos(vs[0], again[0]) < 0.99999 {
		t.Fatal("not deterministic")
	}
	if near, far := cos(vs[0], vs[1]), cos(vs[0], vs[2]); near < 0.3 || near <= far+0.2 {
		t.Fatalf("related %.3f, unrelated %.3f", near, far)
	}
}

func BenchmarkHashEmbed(b *testing.B) {
	text := strings.Repeat("Programmed cell death is the regulated death of cells within an organism. ", 25)
	for b.Loop() {
		hashVector(text)
	}
}

func BenchmarkSplit(b *testing.B) {
	text := strings.Repeat(strings.Repeat("The committee reviewed the annual budget in detail. ", 8)+"\n\n", 100)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Split(text, nil, ChunkOptions{})
	}
}
