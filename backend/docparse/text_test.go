package docparse

import (
	"context"
	"strings"
	"testing"

	"sentry/backend/core"
)

func TestTXT(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		pages []string
	}{
		{"plain", "Call Bob.\nEmail Ann.\n", []string{"Call Bob.\nEmail Ann."}},
		{"form feeds are page breaks", "page one\n\fpage two\n\f\fpage four", []string{"page one", "page two", "", "page four"}},
		{"bom stripped", "\xef\xbb\xbfhello", []string{"hello"}},
		{"invalid utf-8 replaced", "caf\xe9\x00!", []string{"caf\uFFFD!"}},
		{"utf-16le", "\xff\xfeh\x00\xe9\x00\n\x00", []string{"hé"}},
		{"utf-16be", "\xfe\xff\x00h\x00i", []string{"hi"}},
		{"windows line ends", "a\r\nb\r\n", []string{"a\nb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, []byte(tt.in), KindTXT)
			var got []string
			for _, p := range doc.Pages {
				got = append(got, p.Text)
			}
			if strings.Join(got, "|") != strings.Join(tt.pages, "|") {
				t.Errorf("pages = %q, want %q", got, tt.pages)
			}
		})
	}
}

func TestTXTLimits(t *testing.T) {
	_, err := Parse(context.Background(), []byte(strings.Repeat("x", 2000)), KindTXT, Limits{MaxTextBytes: 1000})
	wantCode(t, err, core.ETOOLARGE)

	// More form feeds than pages allowed: the rest stays on the last page.
	doc, err := Parse(context.Background(), []byte(strings.Repeat("p\f", 10)), KindTXT, Limits{MaxPages: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkDoc(t, doc)
	if len(doc.Pages) != 3 {
		t.Errorf("pages = %d, want 3", len(doc.Pages))
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct {
		name, in, text, title string
	}{
		{
			name:  "heading title, text kept",
			in:    "Intro line\n\n# Launch Plan #\n\n- [ ] **Ann** books the room\n\n```\n# not a heading\n```\n",
			text:  "Intro line\n\n# Launch Plan #\n\n- [ ] **Ann** books the room\n\n```\n# not a heading\n```",
			title: "Launch Plan",
		},
		{
			name:  "front matter title",
			in:    "---\ntitle: \"Weekly Sync\"\ntags: [a]\n---\n# Other\n",
			text:  "---\ntitle: \"Weekly Sync\"\ntags: [a]\n---\n# Other",
			title: "Weekly Sync",
		},
		{
			name: "images become their alt text",
			in:   "See ![the chart](data:image/png;base64,AAAA) and [a link](http://x).",
			text: "See the chart and [a link](http://x).",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, []byte(tt.in), KindMarkdown)
			if doc.Text != tt.text {
				t.Errorf("text = %q, want %q", doc.Text, tt.text)
			}
			if doc.Title != tt.title {
				t.Errorf("title = %q, want %q", doc.Title, tt.title)
			}
		})
	}
}
