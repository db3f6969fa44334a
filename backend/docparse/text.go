package docparse

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeText turns file bytes into a UTF-8 string: a UTF-8 BOM is
// dropped, UTF-16 with a BOM is decoded, and invalid UTF-8 becomes U+FFFD.
func decodeText(b []byte) string {
	if bytes.HasPrefix(b, []byte("\xff\xfe")) || bytes.HasPrefix(b, []byte("\xfe\xff")) {
		s, _ := decodeUTF16(b)
		return s
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// decodeUTF16 decodes text that starts with a UTF-16 byte-order mark. ok is
// false when the text holds NULs (binary data rather than text).
func decodeUTF16(b []byte) (string, bool) {
	if len(b) < 2 {
		return "", false
	}
	big := b[0] == 0xFE
	b = b[2:]
	u := make([]uint16, len(b)/2)
	for i := range u {
		if big {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	ok := true
	for _, c := range u {
		if c == 0 {
			ok = false
			break
		}
	}
	return string(utf16.Decode(u)), ok
}

func parseTXT(ctx context.Context, data []byte, lim Limits) (*Document, error) {
	s := decodeText(data)
	if int64(len(s)) > lim.MaxTextBytes {
		return nil, errTextTooLarge(lim)
	}
	// A form feed starts a new page, as printers treat it.
	pages := strings.Split(s, "\f")
	if len(pages) > lim.MaxPages {
		pages = append(pages[:lim.MaxPages-1], strings.Join(pages[lim.MaxPages-1:], "\n"))
	}
	doc := &Document{}
	if err := assemble(doc, pages, lim); err != nil {
		return nil, err
	}
	return doc, ctx.Err()
}

// mdImage matches inline Markdown images; they are replaced by their alt
// text so data URIs and image addresses do not end up in the text.
var mdImage = regexp.MustCompile(`!\[([^\]\n]*)\]\([^)\n]*\)`)

func parseMarkdown(ctx context.Context, data []byte, lim Limits) (*Document, error) {
	s := decodeText(data)
	if int64(len(s)) > lim.MaxTextBytes {
		return nil, errTextTooLarge(lim)
	}
	if strings.Contains(s, "![") {
		s = mdImage.ReplaceAllString(s, "$1")
	}
	doc := &Document{Title: markdownTitle(s)}
	if err := assemble(doc, []string{s}, lim); err != nil {
		return nil, err
	}
	return doc, ctx.Err()
}

// markdownTitle is the first ATX heading outside code fences, or the
// title field of a front-matter block.
func markdownTitle(s string) string {
	lines := strings.SplitN(s, "\n", 2000)
	inFence := false
	for i, line := range lines {
		line = strings.TrimRight(line, "\r")
		if i == 0 && line == "---" {
			for _, fm := range lines[1:] {
				fm = strings.TrimRight(fm, "\r")
				if fm == "---" || fm == "..." {
					break
				}
				if v, ok := strings.CutPrefix(fm, "title:"); ok {
					if v = strings.Trim(strings.TrimSpace(v), `"'`); v != "" {
						return v
					}
				}
			}
		}
		l := strings.TrimLeft(line, " ")
		if strings.HasPrefix(l, "```") || strings.HasPrefix(l, "~~~") {
			inFence = !inFence
			continue
		}
		if inFence || len(line)-len(l) > 3 {
			continue
		}
		if isATXHeading([]byte(l)) {
			t := strings.TrimLeft(l, "#")
			t = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(t), "#"))
			if t != "" {
				return t
			}
		}
	}
	return ""
}
