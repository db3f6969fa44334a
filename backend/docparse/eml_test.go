package docparse

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"sentry/backend/core"
)

func TestEML(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantBody string // the text after the header block
		meta     map[string]string
	}{
		{
			name:     "plain",
			in:       "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: Lunch\r\nDate: Mon, 3 Mar 2025 09:00:00 +0000\r\n\r\nCan you book a table?\r\n",
			wantBody: "Can you book a table?",
			meta:     map[string]string{"From": "Ann <ann@example.com>", "To": "bob@example.com", "Subject": "Lunch", "Date": "Mon, 3 Mar 2025 09:00:00 +0000"},
		},
		{
			name:     "html only, base64, windows-1252",
			in:       "From: a@example.com\nSubject: =?utf-8?B?UsOpc3Vtw6k=?=\nMIME-Version: 1.0\nContent-Type: text/html; charset=windows-1252\nContent-Transfer-Encoding: base64\n\n" + b64("<html><body><p>Caf\xe9 \x93ok\x94</p><script>x()</script></body></html>"),
			wantBody: "Café “ok”",
			meta:     map[string]string{"From": "a@example.com", "Subject": "Résumé"},
		},
		{
			name: "alternative prefers plain",
			in: "From: a@example.com\nSubject: Alt\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b1\n\n" +
				"--b1\nContent-Type: text/html\n\n<p>html version</p>\n--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nplain =C3=A9 version=\n joined\n--b1--\n",
			wantBody: "plain é version joined",
		},
		{
			name: "mixed with attachments and forwarded message",
			in: "From: a@example.com\nSubject: Fwd\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"m\"\n\n" +
				"--m\nContent-Type: text/plain\n\nSee below.\n" +
				"--m\nContent-Type: image/png; name=\"chart.png\"\nContent-Disposition: inline; filename=\"chart.png\"\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n" +
				"--m\nContent-Type: text/plain; name=\"notes.txt\"\nContent-Disposition: attachment; filename=\"notes.txt\"\n\nattached text is not body\n" +
				"--m\nContent-Type: message/rfc822\n\nFrom: c@example.com\nSubject: Original\n\nOriginal body.\n" +
				"--m--\n",
			wantBody: "See below.\n\n---------- Forwarded message ----------\nSubject: Original\nFrom: c@example.com\n\nOriginal body.",
			meta:     map[string]string{"Attachments": "chart.png, notes.txt"},
		},
		{
			name:     "mbox separator line",
			in:       "From ann@example.com Mon Mar  3 09:00:00 2025\nFrom: ann@example.com\nSubject: Hi\n\nBody\n",
			wantBody: "Body",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k, _, ok := Detect([]byte(tt.in), "mail.txt"); !ok || k != KindEML {
				t.Fatalf("Detect = %q %v", k, ok)
			}
			doc := mustParse(t, []byte(tt.in), KindEML)
			_, body, _ := strings.Cut(doc.Text, "\n\n")
			if body != tt.wantBody {
				t.Errorf("body = %q, want %q\n(text %q)", body, tt.wantBody, doc.Text)
			}
			for k, v := range tt.meta {
				if doc.Meta[k] != v {
					t.Errorf("meta %s = %q, want %q", k, doc.Meta[k], v)
				}
			}
			if doc.Title != doc.Meta["Subject"] {
				t.Errorf("title %q is not the subject %q", doc.Title, doc.Meta["Subject"])
			}
		})
	}
}

// b64 encodes s in base64 lines of 76 characters, as mailers do.
func b64(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	return b.String()
}

func TestEMLHostile(t *testing.T) {
	// 2,000 nested multiparts: the walk stops at its depth bound.
	var b strings.Builder
	b.WriteString("From: a@example.com\nSubject: Deep\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0\n\n")
	const depth = 2000
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\ntoo deep to read\n--b%d--\n", depth, depth)
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	doc := mustParse(t, []byte(b.String()), KindEML)
	if strings.Contains(doc.Text, "too deep") {
		t.Errorf("text past the depth bound was read")
	}

	// Thousands of parts: only the first thousand are looked at.
	b.Reset()
	b.WriteString("From: a@example.com\nSubject: Many\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=m\n\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "--m\nContent-Type: text/plain\n\npart %d\n", i)
	}
	b.WriteString("--m--\n")
	doc = mustParse(t, []byte(b.String()), KindEML)
	if !strings.Contains(doc.Text, "part 0") || strings.Contains(doc.Text, "part 4999") {
		t.Errorf("part bound not applied")
	}

	// A body larger than the text budget.
	big := "From: a@example.com\nSubject: Big\n\n" + strings.Repeat("x", 4096)
	_, err := Parse(context.Background(), []byte(big), KindEML, Limits{MaxTextBytes: 1024})
	wantCode(t, err, core.ETOOLARGE)

	// Not a message at all.
	_, err = Parse(context.Background(), []byte("\x00\x01 no headers"), KindEML, Limits{})
	wantCode(t, err, core.EINVALID)
}
