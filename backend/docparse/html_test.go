package docparse

import (
	"context"
	"strings"
	"testing"

	"sentry/backend/core"
)

func TestHTML(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		title string
	}{
		{
			name:  "visible text only",
			in:    `<!DOCTYPE html><html><head><title>Plan &amp; Notes</title><style>p{color:red}</style><script>alert("x")</script><meta charset="utf-8"></head><body><h1>Heading</h1><p>Alice &lt;will&gt; send the   budget&nbsp;today.</p><script>var hidden = 1;</script><noscript>enable js</noscript><template><p>tpl</p></template></body></html>`,
			want:  "Heading\nAlice <will> send the budget today.",
			title: "Plan & Notes",
		},
		{
			name: "blocks, lists, tables, breaks",
			in:   `<html><body><div>one</div><div>two<br>three</div><ul><li>a</li><li>b</li></ul><table><tr><th>Owner</th><th>Task</th></tr><tr><td>Ann</td><td>Call <b>Bob</b></td></tr></table><p>in<span>line</span> <em>words</em></p></body></html>`,
			want: "one\ntwo\nthree\na\nb\nOwner\tTask\nAnn\tCall Bob\ninline words",
		},
		{
			name: "pre keeps spacing",
			in:   "<html><body><pre>  a\n    b</pre><p>x   y</p></body></html>",
			want: "  a\n    b\nx y",
		},
		{
			name:  "head without end tag",
			in:    "<html><head><title>T</title><body><p>Body text</p>",
			want:  "Body text",
			title: "T",
		},
		{
			name:  "title falls back to h1",
			in:    "<!doctype html><h1>Big <i>title</i></h1><p>text</p>",
			want:  "Big title\ntext",
			title: "Big title",
		},
		{
			name: "image alt text and entities",
			in:   `<html><body><p>See <img src="x.png" alt="the chart"> &eacute;t&eacute; &#8212; &#x1F600;</p></body></html>`,
			want: "See the chart été — 😀",
		},
		{
			name: "latin-1 declared in meta",
			in:   "<html><head><meta charset=\"iso-8859-1\"></head><body><p>Caf\xe9</p></body></html>",
			want: "Café",
		},
		{
			name: "svg and iframes hidden",
			in:   `<html><body><svg><text>drawing</text></svg><iframe>frame</iframe><p>shown</p></body></html>`,
			want: "shown",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, []byte(tt.in), KindHTML)
			if doc.Text != tt.want {
				t.Errorf("text = %q, want %q", doc.Text, tt.want)
			}
			if doc.Title != tt.title {
				t.Errorf("title = %q, want %q", doc.Title, tt.title)
			}
		})
	}
}

func TestHTMLHostile(t *testing.T) {
	// Deep nesting costs nothing: the tokenizer keeps no tree.
	deep := "<html><body>" + strings.Repeat("<div><span>", 200_000) + "deep" + strings.Repeat("</span></div>", 200_000)
	doc := mustParse(t, []byte(deep), KindHTML)
	if doc.Text != "deep" {
		t.Errorf("deep text = %q", doc.Text)
	}

	// Huge text: refused as too large, not buffered without end.
	huge := "<html><body><p>" + strings.Repeat("word ", 1<<20)
	_, err := Parse(context.Background(), []byte(huge), KindHTML, Limits{MaxTextBytes: 1 << 20})
	wantCode(t, err, core.ETOOLARGE)

	// An unclosed script hides the rest rather than leaking code.
	doc = mustParse(t, []byte("<html><body><p>shown</p><script>if (a < b) { steal() }"), KindHTML)
	if doc.Text != "shown" {
		t.Errorf("unclosed script: %q", doc.Text)
	}
}
