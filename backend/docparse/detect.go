package docparse

import (
	"bytes"
	"encoding/binary"
	"path"
	"strings"
	"unicode/utf8"
)

// Detect decides the type by content (magic bytes / structure), never by
// the file name, except to tell apart text flavours (markdown vs txt) once
// the bytes are known to be text. Unknown or disallowed → ok=false.
//
// head should be the whole file when the caller has it, and at least its
// first 8 KiB otherwise. DOCX is recognised from the ZIP central directory
// at the end of the file; given only a prefix, Detect falls back to the
// local entry headers in that prefix.
//
// Text is UTF-8 (a BOM is allowed) without NULs or binary control bytes
// in the first 8 KiB. UTF-16 text with a byte-order mark is accepted too and
// decoded by Parse; UTF-16 without a BOM, like any other encoding, is
// refused. Scripts starting with "#!", SVG, RTF and PostScript are refused
// although they are text.
func Detect(head []byte, filename string) (kind Kind, mime string, ok bool) {
	k := detect(head, filename)
	if k == "" {
		return "", "", false
	}
	return k, kindInfo[k].mime, true
}

func detect(b []byte, filename string) Kind {
	if len(b) == 0 {
		return ""
	}
	switch {
	case isPDF(b):
		return KindPDF
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return KindPNG
	case len(b) >= 4 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return KindJPEG
	case bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*")):
		return KindTIFF
	case len(b) >= 12 && string(b[:4]) == "RIFF":
		switch string(b[8:12]) {
		case "WEBP":
			return KindWEBP
		case "WAVE":
			return KindWAV
		}
		return ""
	case bytes.HasPrefix(b, []byte("OggS")):
		return KindOGG
	case bytes.HasPrefix(b, []byte("fLaC")):
		return KindFLAC
	case bytes.HasPrefix(b, []byte("ID3")):
		return detectID3(b)
	case bytes.HasPrefix(b, []byte("\x1a\x45\xdf\xa3")):
		return detectEBML(b)
	case bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte("PK\x05\x06")):
		if isDOCX(b) {
			return KindDOCX
		}
		return ""
	}
	if k := detectISOBMFF(b); k != "" {
		return k
	}
	if isMP3Frame(b, 0) {
		return KindMP3
	}
	return detectText(b, filename)
}

// isPDF accepts "%PDF-" at the start, after an optional UTF-8 BOM and
// blank space, as readers do.
func isPDF(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n\f\x00")
	return bytes.HasPrefix(b, []byte("%PDF-"))
}

// detectID3 skips an ID3v2 tag: FLAC files sometimes carry one, MP3 files
// usually do.
func detectID3(b []byte) Kind {
	if len(b) < 10 || b[3] == 0xFF || b[4] == 0xFF {
		return ""
	}
	var size int
	for _, c := range b[6:10] {
		if c&0x80 != 0 {
			return ""
		}
		size = size<<7 | int(c)
	}
	end := 10 + size
	if b[5]&0x10 != 0 {
		end += 10 // footer
	}
	// Some writers pad past the declared size.
	for end < len(b) && end < 10+size+4096 && b[end] == 0 {
		end++
	}
	if end+4 <= len(b) {
		switch {
		case string(b[end:end+4]) == "fLaC":
			return KindFLAC
		case b[end] == 0xFF && b[end+1]&0xF6 == 0xF0:
			return "" // raw AAC (ADTS), which we do not take
		}
	}
	return KindMP3
}

// isMP3Frame reports whether an MPEG audio Layer III frame header starts at
// b[i], and, when the head is long enough, whether the next frame follows.
func isMP3Frame(b []byte, i int) bool {
	n, ok := mp3FrameLen(b, i)
	if !ok {
		return false
	}
	if i+n+4 <= len(b) {
		_, ok = mp3FrameLen(b, i+n)
		return ok
	}
	// Without a second frame to check, a lone sync word is weak evidence.
	return len(b) < 4096
}

func mp3FrameLen(b []byte, i int) (int, bool) {
	if i+4 > len(b) || b[i] != 0xFF || b[i+1]&0xE0 != 0xE0 {
		return 0, false
	}
	version := (b[i+1] >> 3) & 3 // 0: MPEG 2.5, 2: MPEG 2, 3: MPEG 1
	layer := (b[i+1] >> 1) & 3   // 1: Layer III
	bitrateIdx := b[i+2] >> 4
	rateIdx := (b[i+2] >> 2) & 3
	pad := int(b[i+2]>>1) & 1
	if version == 1 || layer != 1 || bitrateIdx == 0 || bitrateIdx == 15 || rateIdx == 3 {
		return 0, false
	}
	v1 := [...]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}
	v2 := [...]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}
	rates := [...]int{44100, 48000, 32000}
	rate := rates[rateIdx]
	var n int
	if version == 3 {
		n = 144*v1[bitrateIdx]*1000/rate + pad
	} else {
		if version == 2 {
			rate /= 2
		} else {
			rate /= 4
		}
		n = 72*v2[bitrateIdx]*1000/rate + pad
	}
	return n, n > 4
}

// detectEBML accepts Matroska files whose DocType is "webm".
func detectEBML(b []byte) Kind {
	if len(b) > 4096 {
		b = b[:4096]
	}
	i := bytes.Index(b, []byte{0x42, 0x82}) // DocType element
	if i < 0 || i+3 > len(b) {
		return ""
	}
	size := int(b[i+2])
	if size&0x80 == 0 || size == 0x80 {
		return ""
	}
	size &= 0x7F
	if i+3+size > len(b) {
		return ""
	}
	if string(bytes.TrimRight(b[i+3:i+3+size], "\x00")) == "webm" {
		return KindWEBM
	}
	return ""
}

var (
	audioBrands = map[string]bool{"M4A ": true, "M4B ": true, "F4A ": true}
	videoBrands = map[string]bool{
		"isom": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true, "iso6": true,
		"mp41": true, "mp42": true, "mp71": true, "avc1": true, "M4V ": true, "M4VH": true,
		"M4VP": true, "3gp4": true, "3gp5": true, "3gp6": true, "3g2a": true, "dash": true,
		"f4v ": true, "mmp4": true, "MSNV": true, "XAVC": true, "NDAS": true,
	}
)

// detectISOBMFF reads the ftyp box of MP4-family files. Image brands
// (HEIC, AVIF) and unknown brands are refused; the audio brands make m4a,
// QuickTime makes mov. Old QuickTime files start with a movie atom instead.
func detectISOBMFF(b []byte) Kind {
	if len(b) < 12 {
		return ""
	}
	boxType := string(b[4:8])
	size := int(binary.BigEndian.Uint32(b[:4]))
	switch boxType {
	case "ftyp":
	case "moov", "mdat", "wide", "pnot":
		if size >= 8 || size == 0 || size == 1 {
			return KindMOV
		}
		return ""
	default:
		return ""
	}
	if size < 16 || size > 4096 {
		return ""
	}
	if size > len(b) {
		size = len(b) - (len(b) % 4)
	}
	major := string(b[8:12])
	brands := []string{major}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, string(b[i:i+4]))
	}
	for _, br := range brands {
		if audioBrands[br] {
			return KindM4A
		}
	}
	if major == "qt  " {
		return KindMOV
	}
	if videoBrands[major] {
		return KindMP4
	}
	return ""
}

// isDOCX looks for word/document.xml in the ZIP central directory, or, when
// only a prefix of the file was given, in the local entry headers.
func isDOCX(b []byte) bool {
	if names, ok := centralDirectoryNames(b); ok {
		return hasDOCXParts(names)
	}
	// Writers put the parts in any order, so in a prefix any part of the
	// word/ folder is taken as the sign; Parse checks the rest.
	for i := 0; i+30 <= len(b); {
		j := bytes.Index(b[i:], []byte("PK\x03\x04"))
		if j < 0 {
			break
		}
		i += j
		if i+30 > len(b) {
			break
		}
		n := int(binary.LittleEndian.Uint16(b[i+26:]))
		if i+30+n > len(b) {
			break
		}
		if bytes.HasPrefix(b[i+30:i+30+n], []byte("word/")) {
			return true
		}
		i += 30 + n
	}
	return false
}

func hasDOCXParts(names []string) bool {
	var doc, types bool
	for _, n := range names {
		switch n {
		case "word/document.xml":
			doc = true
		case "[Content_Types].xml":
			types = true
		}
	}
	return doc && types
}

// centralDirectoryNames returns the entry names from the ZIP central
// directory when b holds the end of the archive. It reads no more than the
// directory and stops after 100,000 names.
func centralDirectoryNames(b []byte) ([]string, bool) {
	// The end record is 22 bytes plus a comment of up to 64 KiB.
	start := len(b) - (22 + 65535)
	if start < 0 {
		start = 0
	}
	i := bytes.LastIndex(b[start:], []byte("PK\x05\x06"))
	if i < 0 {
		return nil, false
	}
	eocd := b[start+i:]
	if len(eocd) < 22 {
		return nil, false
	}
	count := int(binary.LittleEndian.Uint16(eocd[10:]))
	dirSize := int64(binary.LittleEndian.Uint32(eocd[12:]))
	dirOff := int64(binary.LittleEndian.Uint32(eocd[16:]))
	if count == 0xFFFF || dirOff == 0xFFFFFFFF {
		// ZIP64: the directory position lives in another record; DOCX
		// files are never that large, so only a prefix scan is left.
		return nil, false
	}
	if dirOff+dirSize > int64(len(b)) {
		return nil, false
	}
	var names []string
	p := int(dirOff)
	for k := 0; k < count && k < 100_000; k++ {
		if p+46 > len(b) || string(b[p:p+4]) != "PK\x01\x02" {
			return names, len(names) > 0
		}
		n := int(binary.LittleEndian.Uint16(b[p+28:]))
		m := int(binary.LittleEndian.Uint16(b[p+30:]))
		c := int(binary.LittleEndian.Uint16(b[p+32:]))
		if p+46+n > len(b) {
			return names, len(names) > 0
		}
		names = append(names, string(b[p+46:p+46+n]))
		p += 46 + n + m + c
	}
	return names, true
}

// detectText accepts UTF-8 (or UTF-16 with a BOM) text and tells Markdown
// from plain text by the name or by its structure.
func detectText(b []byte, filename string) Kind {
	if len(b) > 8192 {
		b = b[:8192]
	}
	if bytes.HasPrefix(b, []byte("\xff\xfe")) || bytes.HasPrefix(b, []byte("\xfe\xff")) {
		s, ok := decodeUTF16(b)
		if !ok {
			return ""
		}
		b = []byte(s)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !looksLikeText(b) {
		return ""
	}
	trimmed := bytes.TrimLeft(b, " \t\r\n\f")
	if len(trimmed) == 0 {
		return ""
	}
	lower := bytes.ToLower(trimmed[:min(len(trimmed), 512)])
	switch {
	case bytes.HasPrefix(trimmed, []byte("#!")),
		bytes.HasPrefix(trimmed, []byte("{\\rtf")),
		bytes.HasPrefix(trimmed, []byte("%!PS")),
		bytes.HasPrefix(lower, []byte("<svg")),
		bytes.HasPrefix(lower, []byte("<?xml")) && bytes.Contains(lower, []byte("<svg")):
		return ""
	}
	if isHTML(lower) {
		return KindHTML
	}
	if isEML(b) {
		return KindEML
	}
	switch strings.ToLower(path.Ext(strings.ReplaceAll(filename, "\\", "/"))) {
	case ".md", ".markdown", ".mdown", ".mkd", ".mkdn":
		return KindMarkdown
	}
	if looksLikeMarkdown(b) {
		return KindMarkdown
	}
	return KindTXT
}

// looksLikeText: valid UTF-8 (a rune cut at the end of the head is fine),
// no NUL, and almost no other control bytes.
func looksLikeText(b []byte) bool {
	controls := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			switch {
			case c == 0:
				return false
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b:
				controls++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if !utf8.FullRune(b[i:]) && len(b)-i < utf8.UTFMax {
				break // cut by the head's end
			}
			return false
		}
		i += size
	}
	return controls*100 <= len(b)
}

// isHTML: a doctype or <html> after blank space, comments and an XML
// declaration.
func isHTML(lower []byte) bool {
	s := lower
	for {
		s = bytes.TrimLeft(s, " \t\r\n\f")
		switch {
		case bytes.HasPrefix(s, []byte("<!--")):
			end := bytes.Index(s, []byte("-->"))
			if end < 0 {
				return false
			}
			s = s[end+3:]
		case bytes.HasPrefix(s, []byte("<?xml")):
			end := bytes.Index(s, []byte("?>"))
			if end < 0 {
				return false
			}
			s = s[end+2:]
		default:
			return bytes.HasPrefix(s, []byte("<!doctype html")) ||
				bytes.HasPrefix(s, []byte("<html")) && (len(s) == 5 || strings.ContainsRune(" \t\r\n>", rune(s[5])))
		}
	}
}

var (
	strongHeaders = map[string]bool{
		"from": true, "received": true, "return-path": true, "mime-version": true,
		"message-id": true, "delivered-to": true, "x-mailer": true, "dkim-signature": true,
		"in-reply-to": true, "references": true,
	}
	mailHeaders = map[string]bool{
		"to": true, "cc": true, "bcc": true, "subject": true, "date": true, "reply-to": true,
		"sender": true, "content-type": true, "content-transfer-encoding": true, "user-agent": true,
		"thread-topic": true, "thread-index": true, "importance": true, "authentication-results": true,
		"arc-seal": true, "arc-message-signature": true, "arc-authentication-results": true,
		"list-id": true, "list-unsubscribe": true, "precedence": true, "organization": true,
	}
)

// isEML: the text starts with an RFC 5322 header block (an mbox "From "
// line may come first) with at least two known fields, one of which only
// mail has (From, Received, Message-ID, MIME-Version…). Subject and Date
// alone are not enough: notes start like that too.
func isEML(b []byte) bool {
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > 0 && bytes.HasPrefix(lines[0], []byte("From ")) {
		lines = lines[1:]
	}
	known, strong := 0, false
	complete := false
	for i, line := range lines {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			complete = i > 0
			break
		}
		if i == len(lines)-1 && len(lines) > 1 {
			complete = true // cut by the head's end
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if i == 0 {
				return false
			}
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return false
		}
		for _, c := range line[:colon] {
			if c <= ' ' || c > '~' {
				return false
			}
		}
		name := strings.ToLower(string(line[:colon]))
		switch {
		case strongHeaders[name]:
			known++
			strong = true
		case mailHeaders[name] || strings.HasPrefix(name, "x-") || strings.HasPrefix(name, "list-"):
			known++
		}
	}
	return complete && strong && known >= 2
}

// looksLikeMarkdown scores Markdown structure: headings, fences, tables,
// links, task lists and emphasis.
func looksLikeMarkdown(b []byte) bool {
	score := 0
	inFence := false
	for _, line := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimRight(line, " \t\r")
		l := bytes.TrimLeft(t, " \t")
		switch {
		case bytes.HasPrefix(l, []byte("```")) || bytes.HasPrefix(l, []byte("~~~")):
			if !inFence {
				score += 2
			}
			inFence = !inFence
			continue
		case inFence:
			continue
		case isATXHeading(l) && len(l) == len(t):
			score += 2
		case bytes.HasPrefix(l, []byte("- [ ] ")) || bytes.HasPrefix(l, []byte("- [x] ")):
			score += 2
		case bytes.HasPrefix(l, []byte("|")) && bytes.Contains(l, []byte("---")):
			score += 2
		case bytes.HasPrefix(l, []byte("> ")):
			score++
		}
		if bytes.Contains(l, []byte("](")) && bytes.Contains(l, []byte("[")) {
			score++
		}
		if bytes.Count(l, []byte("**"))%2 == 0 && bytes.Count(l, []byte("**")) >= 2 {
			score++
		}
		if score >= 4 {
			return true
		}
	}
	return false
}

func isATXHeading(l []byte) bool {
	n := 0
	for n < len(l) && l[n] == '#' {
		n++
	}
	return n >= 1 && n <= 6 && n < len(l) && (l[n] == ' ' || l[n] == '\t') && len(bytes.TrimSpace(l[n:])) > 0
}
