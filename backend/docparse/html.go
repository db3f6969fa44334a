package docparse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/transform"
)

func parseHTML(ctx context.Context, data []byte, lim Limits) (*Document, error) {
	text, title, err := htmlToText(ctx, data, "", lim)
	if err != nil {
		return nil, err
	}
	doc := &Document{Title: title}
	if err := assemble(doc, []string{text}, lim); err != nil {
		return nil, err
	}
	return doc, nil
}

// htmlDecode returns the HTML as UTF-8, using the charset from
// contentType, a BOM or a <meta> tag; bytes that are already valid UTF-8
// are taken as UTF-8 whatever a tag claims.
func htmlDecode(data []byte, contentType string) []byte {
	head := data[:min(len(data), 1024)]
	enc, name, _ := charset.DetermineEncoding(head, contentType)
	if name == "utf-8" || utf8.Valid(data) || enc == nil {
		return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), data)
	if err != nil {
		return data
	}
	return out
}

// Elements whose content is never shown, and those that only live in head.
var (
	htmlHidden = map[atom.Atom]bool{
		atom.Script: true, atom.Style: true, atom.Template: true, atom.Noscript: true,
		atom.Svg: true, atom.Iframe: true, atom.Object: true, atom.Head: true,
		atom.Select: true, atom.Noembed: true, atom.Noframes: true, atom.Canvas: true,
	}
	htmlHeadOnly = map[atom.Atom]bool{
		atom.Title: true, atom.Meta: true, atom.Link: true, atom.Style: true, atom.Script: true,
		atom.Base: true, atom.Noscript: true, atom.Template: true,
	}
	htmlBlock = map[atom.Atom]bool{
		atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Header: true,
		atom.Footer: true, atom.Nav: true, atom.Aside: true, atom.Main: true, atom.H1: true,
		atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Ul: true,
		atom.Ol: true, atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Table: true,
		atom.Tr: true, atom.Blockquote: true, atom.Pre: true, atom.Figure: true, atom.Figcaption: true,
		atom.Form: true, atom.Fieldset: true, atom.Address: true, atom.Hr: true, atom.Br: true,
		atom.Caption: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true, atom.Details: true,
		atom.Summary: true, atom.Legend: true, atom.Body: true, atom.Html: true, atom.Option: true,
		atom.Center: true, atom.Menu: true, atom.Textarea: true,
	}
)

// htmlToText returns the visible text of an HTML document: hidden elements
// dropped, block elements on their own lines, table cells separated by
// tabs, entities decoded, blank space collapsed outside <pre>. It uses the
// streaming tokenizer, so nesting depth costs nothing.
func htmlToText(ctx context.Context, data []byte, contentType string, lim Limits) (text, title string, err error) {
	data = htmlDecode(data, contentType)
	z := html.NewTokenizer(bytes.NewReader(data))
	z.SetMaxBuf(int(min(lim.MaxTextBytes+1024, 1<<30)))

	var (
		out       strings.Builder
		hidden    atom.Atom // outermost hidden element we are in
		hiddenN   int       // nesting of that same element
		inHead    bool
		pre       int
		inTitle   bool
		titleBuf  strings.Builder
		h1        int
		h1Buf     strings.Builder
		cellIndex int
		lineStart = true
		space     bool
		ops       int
	)
	newline := func() {
		if !lineStart {
			out.WriteByte('\n')
			lineStart = true
		}
		space = false
	}
	write := func(s string) {
		if s == "" {
			return
		}
		if space && !lineStart {
			out.WriteByte(' ')
		}
		space = false
		out.WriteString(s)
		lineStart = strings.HasSuffix(s, "\n")
	}
	for {
		if err := checkCtx(ctx, &ops); err != nil {
			return "", "", err
		}
		if int64(out.Len()) > lim.MaxTextBytes {
			return "", "", errTextTooLarge(lim)
		}
		tt := z.Next()
		if tt == html.ErrorToken {
			if errors.Is(z.Err(), io.EOF) {
				break
			}
			if errors.Is(z.Err(), html.ErrBufferExceeded) {
				return "", "", errTextTooLarge(lim)
			}
			return "", "", z.Err()
		}
		name, _ := z.TagName()
		a := atom.Lookup(name)
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if hidden != 0 {
				if inHead && a != 0 && !htmlHeadOnly[a] && a != atom.Head && a != atom.Html {
					// Content that cannot be in head ends it, as browsers do.
					hidden, hiddenN, inHead = 0, 0, false
				} else {
					if a == hidden && tt == html.StartTagToken {
						hiddenN++
					}
					if a == atom.Title && inHead && tt == html.StartTagToken && titleBuf.Len() == 0 {
						inTitle = true
					}
					continue
				}
			}
			if a == atom.Head && tt == html.StartTagToken {
				hidden, hiddenN, inHead = a, 1, true
				continue
			}
			if htmlHidden[a] && tt == html.StartTagToken {
				hidden, hiddenN = a, 1
				continue
			}
			if a == atom.Title && tt == html.StartTagToken && titleBuf.Len() == 0 {
				inTitle = true
				continue
			}
			if htmlBlock[a] || a == atom.Tr {
				newline()
			}
			switch a {
			case atom.Pre, atom.Textarea:
				if tt == html.StartTagToken {
					pre++
				}
			case atom.Tr:
				cellIndex = 0
			case atom.Td, atom.Th:
				if cellIndex > 0 {
					out.WriteByte('\t')
					lineStart = false
					space = false
				}
				cellIndex++
			case atom.Img:
				// Image alt text is what a reader without images sees.
				for {
					k, v, more := z.TagAttr()
					if string(k) == "alt" && len(bytes.TrimSpace(v)) > 0 {
						space = true
						write(strings.Join(strings.Fields(string(v)), " "))
						space = true
					}
					if !more {
						break
					}
				}
			}
			if a == atom.H1 && tt == html.StartTagToken {
				h1++
			}
		case html.EndTagToken:
			if hidden != 0 {
				if a == hidden {
					hiddenN--
					if hiddenN <= 0 {
						hidden, hiddenN, inHead = 0, 0, false
					}
				}
				if a == atom.Title {
					inTitle = false
				}
				continue
			}
			if a == atom.Title {
				inTitle = false
				continue
			}
			if htmlBlock[a] {
				newline()
			}
			switch a {
			case atom.Pre, atom.Textarea:
				if pre > 0 {
					pre--
				}
			case atom.H1:
				if h1 > 0 {
					h1--
				}
			}
		case html.TextToken:
			t := string(z.Text())
			if inTitle {
				if titleBuf.Len() < 4096 {
					titleBuf.WriteString(t)
				}
				continue
			}
			if hidden != 0 {
				continue
			}
			if h1 > 0 && h1Buf.Len() < 4096 {
				h1Buf.WriteString(t)
				h1Buf.WriteByte(' ')
			}
			if pre > 0 {
				if space && !lineStart {
					out.WriteByte(' ')
				}
				space = false
				out.WriteString(t)
				lineStart = strings.HasSuffix(t, "\n")
				continue
			}
			if t != "" && isHTMLSpace(t[0]) {
				space = true
			}
			words := strings.Fields(t)
			for i, w := range words {
				if i > 0 {
					space = true
				}
				write(w)
			}
			if len(words) > 0 && isHTMLSpace(t[len(t)-1]) {
				space = true
			}
		}
	}
	title = oneLine(titleBuf.String(), 500)
	if title == "" {
		title = oneLine(h1Buf.String(), 500)
	}
	if int64(out.Len()) > lim.MaxTextBytes {
		return "", "", errTextTooLarge(lim)
	}
	return out.String(), title, nil
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}
