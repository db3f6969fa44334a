package docparse

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func ftyp(major string, compat ...string) []byte {
	var b bytes.Buffer
	size := 16 + 4*len(compat)
	binary.Write(&b, binary.BigEndian, uint32(size))
	b.WriteString("ftyp" + major + "\x00\x00\x02\x00")
	for _, c := range compat {
		b.WriteString(c)
	}
	b.Write(make([]byte, 64))
	return b.Bytes()
}

// mp3Frames is two MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz).
func mp3Frames() []byte {
	frame := make([]byte, 417)
	copy(frame, []byte{0xFF, 0xFB, 0x90, 0x64})
	return append(append(append([]byte{}, frame...), frame...), 0xFF, 0xFB, 0x90, 0x64)
}

func id3(size int) []byte {
	h := []byte("ID3\x04\x00\x00")
	h = append(h, byte(size>>21&0x7f), byte(size>>14&0x7f), byte(size>>7&0x7f), byte(size&0x7f))
	return append(h, make([]byte, size)...)
}

func ebml(docType string) []byte {
	b := []byte{0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, byte(0x80 | len(docType))}
	return append(append(b, docType...), 0x42, 0x87, 0x81, 0x04)
}

func riff(form string) []byte {
	return []byte("RIFF\x24\x00\x00\x00" + form + "fmt \x10\x00\x00\x00")
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestDetect(t *testing.T) {
	docx := makeDOCX(t, p("hello"))
	tests := []struct {
		name     string
		head     []byte
		filename string
		want     Kind // "" = refused
	}{
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\n1 0 obj"), "a.pdf", KindPDF},
		{"pdf renamed txt", []byte("%PDF-1.4\n"), "notes.txt", KindPDF},
		{"pdf after BOM and blanks", []byte("\xef\xbb\xbf\r\n%PDF-1.5\n"), "x", KindPDF},
		{"png named pdf", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "report.pdf", KindPNG},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "x", KindJPEG},
		{"tiff little endian", []byte("II*\x00\x08\x00\x00\x00"), "x", KindTIFF},
		{"tiff big endian", []byte("MM\x00*\x00\x00\x00\x08"), "x", KindTIFF},
		{"webp", riff("WEBPVP8 "), "x", KindWEBP},
		{"wav", riff("WAVE"), "x", KindWAV},
		{"avi refused", riff("AVI "), "x.wav", ""},
		{"ogg", []byte("OggS\x00\x02\x00\x00\x00\x00"), "x", KindOGG},
		{"flac", []byte("fLaC\x00\x00\x00\x22"), "x", KindFLAC},
		{"flac behind id3", cat(id3(20), []byte("fLaC\x00\x00\x00\x22")), "x.mp3", KindFLAC},
		{"mp3 with id3", cat(id3(30), mp3Frames()), "x", KindMP3},
		{"mp3 frame sync", mp3Frames(), "x", KindMP3},
		{"m4a", ftyp("M4A ", "M4A ", "mp42", "isom"), "x.mp4", KindM4A},
		{"m4a compatible brand", ftyp("mp42", "isom", "M4A "), "x", KindM4A},
		{"mp4", ftyp("isom", "isom", "iso2", "avc1", "mp41"), "x.m4a", KindMP4},
		{"mov", ftyp("qt  ", "qt  "), "x", KindMOV},
		{"old quicktime", []byte("\x00\x00\x00\x20moov\x00\x00\x00\x00"), "x", KindMOV},
		{"heic refused", ftyp("heic", "mif1", "heic"), "x.mp4", ""},
		{"avif refused", ftyp("avif", "avif", "mif1"), "x", ""},
		{"webm", ebml("webm"), "x", KindWEBM},
		{"matroska refused", ebml("matroska"), "x.webm", ""},
		{"docx", docx, "x.bin", KindDOCX},
		{"docx prefix only", docx[:bytes.Index(docx, []byte("word/document.xml"))+40], "x", KindDOCX},
		{"plain zip named docx refused", makeZip(t, zipEntry{"a.txt", "hello"}), "x.docx", ""},
		{"xlsx refused", makeZip(t, zipEntry{"[Content_Types].xml", contentTypes}, zipEntry{"xl/workbook.xml", "<x/>"}), "x.docx", ""},
		{"email", []byte("Received: from mx\r\nFrom: a@example.com\r\nSubject: hi\r\n\r\nbody"), "x.txt", KindEML},
		{"email mime only", []byte("MIME-Version: 1.0\nContent-Type: text/plain\nSubject: x\n\nbody"), "x", KindEML},
		{"note with subject and date is text", []byte("Subject: offsite\nDate: Friday\n\nBring snacks."), "x", KindTXT},
		{"html doctype", []byte("  \n<!DOCTYPE html>\n<html>"), "x.txt", KindHTML},
		{"html tag", []byte("<html lang=\"en\"><head>"), "x", KindHTML},
		{"html after comment", []byte("<!-- saved --><HTML>"), "x", KindHTML},
		{"xhtml", []byte("<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\">"), "x", KindHTML},
		{"svg refused", []byte("<?xml version=\"1.0\"?><svg xmlns=\"x\"><script/></svg>"), "x.txt", ""},
		{"text", []byte("Call Bob tomorrow about the budget.\n"), "x", KindTXT},
		{"markdown by name", []byte("Call Bob tomorrow.\n"), "notes.MD", KindMarkdown},
		{"markdown by structure", []byte("# Plan\n\n- [ ] call Bob\n- [x] email Ann\n\nSee [doc](http://x).\n"), "notes", KindMarkdown},
		{"text with one hash", []byte("#1 priority is the budget\n"), "x.txt", KindTXT},
		{"utf-8 cut at the end of the head", []byte("caf\xc3"), "x", KindTXT},
		{"utf-16le with BOM", []byte("\xff\xfeh\x00i\x00\n\x00"), "x.txt", KindTXT},
		{"utf-16 without BOM refused", []byte("h\x00i\x00\n\x00"), "x.txt", ""},
		{"latin-1 refused", []byte("caf\xe9 au lait"), "x.txt", ""},
		{"elf refused", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), "x.txt", ""},
		{"windows exe refused", []byte("MZ\x90\x00\x03\x00\x00\x00"), "x.pdf", ""},
		{"gzip refused", []byte("\x1f\x8b\x08\x00\x00\x00"), "x.txt", ""},
		{"shell script refused", []byte("#!/bin/sh\nrm -rf /\n"), "x.txt", ""},
		{"rtf refused", []byte("{\\rtf1\\ansi hello}"), "x.txt", ""},
		{"empty refused", nil, "x.txt", ""},
		{"blank refused", []byte(" \n\t\n"), "x.txt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, mime, ok := Detect(tt.head, tt.filename)
			if kind != tt.want || ok != (tt.want != "") {
				t.Fatalf("Detect = %q, %v; want %q", kind, ok, tt.want)
			}
			if ok && (mime == "" || kind.Class() == "") {
				t.Fatalf("kind %q has mime %q class %q", kind, mime, kind.Class())
			}
			if !ok && mime != "" {
				t.Fatalf("refused with mime %q", mime)
			}
		})
	}
}
