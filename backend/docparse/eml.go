package docparse

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"
)

// Bounds for the MIME tree of one message.
const (
	maxMIMEDepth = 16
	maxMIMEParts = 1000
)

// The header fields kept in Meta and written at the top of the text, in
// this order.
var emlFields = []string{"Subject", "From", "To", "Cc", "Date"}

func parseEML(ctx context.Context, data []byte, lim Limits) (*Document, error) {
	// A single-message mbox starts with a "From " separator line.
	if bytes.HasPrefix(data, []byte("From ")) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	msg, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, fmt.Errorf("eml: headers: %w", err)
	}
	doc := &Document{Meta: map[string]string{}}
	var head strings.Builder
	for _, k := range emlFields {
		v := decodeHeader(msg.Header.Get(k))
		if v == "" {
			continue
		}
		v = oneLine(v, 2000)
		doc.Meta[k] = v
		head.WriteString(k + ": " + v + "\n")
	}
	doc.Title = doc.Meta["Subject"]

	w := &emlWalker{ctx: ctx, lim: lim, budget: lim.MaxTextBytes}
	body, _, err := w.entity(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	if err != nil {
		return nil, err
	}
	if len(w.attachments) > 0 {
		doc.Meta["Attachments"] = strings.Join(w.attachments, ", ")
	}
	text := head.String()
	if body != "" {
		text += "\n" + body
	}
	if err := assemble(doc, []string{text}, lim); err != nil {
		return nil, err
	}
	return doc, nil
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// decodeHeader decodes RFC 2047 encoded words; undecodable input stays as
// it is, made valid UTF-8.
func decodeHeader(v string) string {
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		v = d
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}

// charsetReader decodes the charsets the web platform knows (every
// ISO-8859 and Windows code page, KOI8, Shift_JIS, GBK, Big5, EUC-KR…).
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, fmt.Errorf("eml: charset %q: %w", label, err)
	}
	return transform.NewReader(r, enc.NewDecoder()), nil
}

// decodeCharset turns body bytes in charset into valid UTF-8. Unknown
// charsets keep valid UTF-8 and read anything else as Windows-1252, the
// usual mislabel.
func decodeCharset(b []byte, label string) string {
	label = strings.ToLower(strings.TrimSpace(label))
	switch label {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		if utf8.Valid(b) {
			return string(b)
		}
		enc, _ = htmlindex.Get("windows-1252")
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

type emlWalker struct {
	ctx         context.Context
	lim         Limits
	budget      int64
	parts       int
	attachments []string
}

// Text flavours found in a MIME entity, best last.
const (
	emlNone = iota
	emlHTML
	emlPlain
)

// entity returns the text of one MIME entity and its flavour. For
// multipart/alternative it takes the plain text version if there is one,
// else the HTML one; other multiparts join the text of their inline parts.
// Attachments are not read, only named.
func (w *emlWalker) entity(h textproto.MIMEHeader, body io.Reader, depth int) (string, int, error) {
	if err := w.ctx.Err(); err != nil {
		return "", emlNone, err
	}
	w.parts++
	if depth > maxMIMEDepth || w.parts > maxMIMEParts {
		return "", emlNone, nil
	}
	ct := h.Get("Content-Type")
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil || ct == "" {
		mediaType, params = "text/plain", map[string]string{"charset": "us-ascii"}
	}
	mediaType = strings.ToLower(mediaType)
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if strings.EqualFold(disp, "attachment") || (name != "" && !strings.HasPrefix(mediaType, "multipart/")) {
		w.attach(name, mediaType)
		return "", emlNone, nil
	}

	if strings.HasPrefix(mediaType, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" {
			return "", emlNone, nil
		}
		mr := multipart.NewReader(body, boundary)
		var texts []string
		var best string
		bestKind, kind := emlNone, emlNone
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				// A broken tail keeps what was read before it.
				break
			}
			t, k, err := w.entity(p.Header, p, depth+1)
			if err != nil {
				return "", emlNone, err
			}
			if strings.TrimSpace(t) == "" {
				continue
			}
			if mediaType == "multipart/alternative" {
				if k >= bestKind {
					best, bestKind = t, k
				}
				continue
			}
			texts = append(texts, t)
			kind = max(kind, k)
		}
		if mediaType == "multipart/alternative" {
			return best, bestKind, nil
		}
		return strings.Join(texts, "\n\n"), kind, nil
	}

	switch mediaType {
	case "text/plain", "text/html", "text/markdown", "text/enriched", "text/x-markdown":
	case "message/rfc822", "message/global":
		// A forwarded message keeps its own headers and text.
		return w.forwarded(body, depth)
	default:
		w.attach(name, mediaType)
		return "", emlNone, nil
	}
	raw, err := w.readBody(h, body)
	if err != nil {
		return "", emlNone, err
	}
	if mediaType == "text/html" {
		text, _, err := htmlToText(w.ctx, []byte(decodeCharset(raw, params["charset"])), "text/html; charset=utf-8", w.lim)
		if err != nil {
			return "", emlNone, err
		}
		return w.take(text, emlHTML)
	}
	return w.take(decodeCharset(raw, params["charset"]), emlPlain)
}

func (w *emlWalker) take(s string, kind int) (string, int, error) {
	w.budget -= int64(len(s))
	if w.budget < 0 {
		return "", emlNone, errTextTooLarge(w.lim)
	}
	return s, kind, nil
}

func (w *emlWalker) forwarded(body io.Reader, depth int) (string, int, error) {
	msg, err := mail.ReadMessage(bufio.NewReader(body))
	if err != nil {
		return "", emlNone, nil
	}
	var head strings.Builder
	for _, k := range emlFields {
		if v := decodeHeader(msg.Header.Get(k)); v != "" {
			head.WriteString(k + ": " + oneLine(v, 2000) + "\n")
		}
	}
	text, kind, err := w.entity(textproto.MIMEHeader(msg.Header), msg.Body, depth+1)
	if err != nil {
		return "", emlNone, err
	}
	return strings.TrimSpace("---------- Forwarded message ----------\n" + head.String() + "\n" + text), max(kind, emlPlain), nil
}

func (w *emlWalker) attach(name, mediaType string) {
	name = oneLine(decodeHeader(name), 200)
	if name == "" {
		name = "unnamed " + oneLine(mediaType, 100)
	}
	if len(w.attachments) < 100 {
		w.attachments = append(w.attachments, name)
	}
}

// readBody undoes the transfer encoding, reading at most the text budget
// (plus slack for HTML markup, which shrinks to text).
func (w *emlWalker) readBody(h textproto.MIMEHeader, body io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &base64Cleaner{r: body})
	}
	max := w.budget*4 + 1<<20
	b, err := io.ReadAll(io.LimitReader(body, max+1))
	if int64(len(b)) > max {
		return nil, errTextTooLarge(w.lim)
	}
	if err != nil && len(b) == 0 {
		// Broken encoding: keep nothing from this part rather than fail
		// the whole message.
		return nil, nil
	}
	return b, nil
}

// base64Cleaner drops bytes outside the base64 alphabet (line breaks,
// blanks, stray characters) so a sloppy encoder's output still decodes.
type base64Cleaner struct{ r io.Reader }

func (c *base64Cleaner) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		j := 0
		for _, b := range p[:n] {
			if b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+' || b == '/' || b == '=' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
