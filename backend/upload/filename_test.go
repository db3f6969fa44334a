package upload_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"sentry/backend/upload"
)

func TestCleanFilename(t *testing.T) {
	long := strings.Repeat("é", 200) + ".pdf" // 404 bytes
	for _, tc := range []struct {
		name, in, want string
	}{
		{name: "plain", in: "report.pdf", want: "report.pdf"},
		{name: "unix path", in: "/etc/passwd", want: "passwd"},
		{name: "windows path", in: `C:\Users\ada\minutes.docx`, want: "minutes.docx"},
		{name: "trailing separator", in: "notes/", want: "notes"},
		{name: "control characters", in: "a\x00b\x1fc\x7f.txt", want: "abc.txt"},
		{name: "spaces around", in: "  plan.md \t", want: "plan.md"},
		{name: "empty", in: "", want: "upload"},
		{name: "dot dot", in: "../..", want: "upload"},
		{name: "only separators", in: `/\/`, want: "upload"},
		{name: "invalid UTF-8 becomes a replacement character", in: "caf\xe9.txt", want: "caf\uFFFD.txt"},
		{name: "long name keeps its extension", in: long, want: strings.Repeat("é", 125) + ".pdf"},
		{name: "cut on a rune boundary", in: "a" + strings.Repeat("é", 200), want: "a" + strings.Repeat("é", 127)},
		{name: "no space left at the cut", in: "x" + strings.Repeat(" ", 300) + "y", want: "x"},
		{name: "an over-long extension is not kept whole", in: "a." + strings.Repeat("b", 300), want: "a." + strings.Repeat("b", 253)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := upload.CleanFilename(tc.in); got != tc.want {
				t.Fatalf("CleanFilename(%.40q…) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// A megabyte of name is cleaned in one pass and capped (it used to cost
// time quadratic in its length).
func TestCleanFilenameHugeName(t *testing.T) {
	in := strings.Repeat("ü", 1<<19) + ".docx" // 1 MiB of name
	got := upload.CleanFilename(in)
	if len(got) > upload.MaxFilenameBytes || !strings.HasSuffix(got, ".docx") || !utf8.ValidString(got) || !strings.HasPrefix(got, "üü") {
		t.Fatalf("cleaned to %d bytes: %.60q", len(got), got)
	}
}

func FuzzCleanFilename(f *testing.F) {
	for _, s := range []string{"report.pdf", "../../etc/passwd", `a\b\c.txt`, "\x00\x01", "caf\xe9", " . ", "x" + strings.Repeat(" ", 300) + "y",
		strings.Repeat("é", 300) + ".pdf", "a." + strings.Repeat("b", 300), "\u00a0name\u2028.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := upload.CleanFilename(in)
		if out == "" || len(out) > upload.MaxFilenameBytes || !utf8.ValidString(out) {
			t.Fatalf("CleanFilename(%q) = %q (%d bytes)", in, out, len(out))
		}
		if strings.ContainsAny(out, `/\`) || out == "." || out == ".." {
			t.Fatalf("CleanFilename(%q) = %q: a path", in, out)
		}
		if strings.IndexFunc(out, unicode.IsControl) >= 0 {
			t.Fatalf("CleanFilename(%q) = %q: a control character", in, out)
		}
		if again := upload.CleanFilename(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", in, out, again)
		}
	})
}

func BenchmarkCleanFilename(b *testing.B) {
	in := strings.Repeat("ab", 20_000) + ".txt" // the 40,000-character name of the report
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		upload.CleanFilename(in)
	}
}
