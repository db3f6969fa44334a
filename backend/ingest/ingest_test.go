package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"sentry/backend/audio"
	"sentry/backend/core"
	"sentry/backend/ingest"
	"sentry/backend/pdfraster"
	"sentry/backend/tesseract"
	"sentry/backend/vosk"
)

func fixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// real is a reader with the engines the app wires, a speech model aside.
func realEngines() *ingest.Reader {
	return ingest.New(ingest.Engines{OCR: tesseract.Engine{}, Pages: pdfraster.Renderer{}, Audio: audio.Decoder{}, Speech: vosk.Recognizer{}})
}

// checkSpans fails unless spans are in order, inside text and, for pages,
// cover it from start to end with only the separators between them.
func checkSpans(t *testing.T, src *core.Source) {
	t.Helper()
	for _, list := range [][]core.Span{src.Pages, src.Audio, src.Regions} {
		at := 0
		for _, sp := range list {
			if sp.Start < at || sp.End < sp.Start || sp.End > len(src.Text) {
				t.Fatalf("span %+v out of order or outside the text (%d bytes)", sp, len(src.Text))
			}
			at = sp.End
		}
	}
	for i, sp := range src.Pages {
		if sp.Page != i+1 {
			t.Errorf("page span %d is page %d", i, sp.Page)
		}
		if i > 0 && src.Text[src.Pages[i-1].End:sp.Start] != "\n\n" {
			t.Errorf("pages %d and %d are not joined by a blank line", i, i+1)
		}
	}
	if n := len(src.Pages); n > 0 && (src.Pages[0].Start != 0 || src.Pages[n-1].End != len(src.Text)) {
		t.Errorf("pages do not cover the text: %+v of %d bytes", src.Pages, len(src.Text))
	}
}

// Documents, images and scans, read by the real engines from the
// repository's test files.
func TestReadRealFiles(t *testing.T) {
	scanned := scannedPDF(t, fixture(t, "tesseract/testdata/whiteboard.jpg"))
	for _, tc := range []struct {
		name, file string
		data       []byte // instead of file
		kind       string
		opt        ingest.Options
		needsPages bool // the PDF rasteriser
		wantKind   string
		wantPages  int
		wantRegion bool
		want       []string       // in the text
		onPage     map[string]int // a word and the page it must be on
		wantCode   string         // error code instead
	}{
		{name: "plain text with a form feed", file: "docparse/testdata/minutes.txt", kind: "txt", wantKind: "document", wantPages: 2,
			want: []string{"Carol will send the report."}, onPage: map[string]int{"Carol": 1, "nothing decided": 2}},
		{name: "PDF with a blank page read by OCR", file: "docparse/testdata/libreoffice-3pages.pdf", kind: "pdf", needsPages: true,
			wantKind: "document", wantPages: 3, want: []string{"Alice will send the budget"}, onPage: map[string]int{"Alice": 1, "contract": 3}},
		{name: "Word", file: "docparse/testdata/libreoffice.docx", kind: "docx", wantKind: "document", wantPages: 1,
			want: []string{"Bob to book the venue."}},
		{name: "HTML", file: "docparse/testdata/page.html", kind: "html", wantKind: "document", wantPages: 1,
			want: []string{"Carol\tReview contract"}},
		{name: "email", file: "docparse/testdata/multipart.eml", kind: "eml", wantKind: "email", wantPages: 1,
			want: []string{"Peux-tu envoyer le budget"}},
		{name: "photo of a note", file: "tesseract/testdata/note.png", kind: "png", wantKind: "note", wantRegion: true,
			want: []string{"dentist", "budget"}},
		{name: "whiteboard", file: "tesseract/testdata/whiteboard.jpg", kind: "jpeg", wantKind: "note", wantRegion: true,
			want: []string{"client", "chairs"}},
		{name: "handwriting", file: "tesseract/testdata/handwriting.jpg", kind: "jpeg", opt: ingest.Options{Handwriting: true},
			wantKind: "handwritten_ocr", wantRegion: true, want: []string{"milk"}},
		{name: "scanned PDF", data: scanned, kind: "pdf", needsPages: true, wantKind: "document", wantPages: 1,
			want: []string{"client", "chairs"}, onPage: map[string]int{"chairs": 1}},
		{name: "damaged PDF", data: []byte("%PDF-1.4\nnot really"), kind: "pdf", wantCode: core.EINVALID},
		{name: "recording without a speech model", file: "audio/testdata/speech.wav", kind: "wav", wantCode: core.EUNSUPPORTED},
		{name: "unknown kind", data: []byte("x"), kind: "exe", wantCode: core.EUNSUPPORTED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needsPages && !pdfraster.Available() {
				t.Skip("skipped: pdftoppm (poppler-utils) is not installed")
			}
			data := tc.data
			if data == nil {
				data = fixture(t, tc.file)
			}
			var stages []string
			src, err := realEngines().Read(context.Background(), data, tc.kind, tc.opt, func(stage string, p float64) {
				if p < 0 || p > 1 {
					t.Errorf("progress %v for %q", p, stage)
				}
				stages = append(stages, stage)
			})
			if tc.wantCode != "" {
				if core.ErrorCode(err) != tc.wantCode {
					t.Fatalf("got %v (%s), want %s", err, core.ErrorCode(err), tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src.Kind != tc.wantKind || len(src.Pages) != tc.wantPages || (len(src.Regions) > 0) != tc.wantRegion || len(src.Audio) != 0 {
				t.Fatalf("kind %q, %d pages, %d regions, %d times", src.Kind, len(src.Pages), len(src.Regions), len(src.Audio))
			}
			if len(stages) == 0 {
				t.Error("no progress reported")
			}
			checkSpans(t, src)
			for _, w := range tc.want {
				if !strings.Contains(src.Text, w) {
					t.Errorf("%q not in %q", w, src.Text)
				}
			}
			for w, page := range tc.onPage {
				i := strings.Index(src.Text, w)
				if sp := src.Pages[page-1]; i < sp.Start || i >= sp.End {
					t.Errorf("%q at %d, not on page %d %+v", w, i, page, sp)
				}
			}
			for _, sp := range src.Regions {
				if r := sp.Region; r == nil || r.W <= 0 || r.H <= 0 {
					t.Errorf("region %+v", sp)
				}
			}
		})
	}
}

// Each OCR word's box is kept on the bytes of that word, so evidence in
// an image points at where it is written.
func TestImageRegionsAreOnTheirWords(t *testing.T) {
	src, err := realEngines().Read(context.Background(), fixture(t, "tesseract/testdata/whiteboard.jpg"), "jpeg", ingest.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, sp := range src.Regions {
		if src.Text[sp.Start:sp.End] == "chairs" {
			found = true
			// "chairs" is on the last line, below "client" on the second.
			i := strings.Index(src.Text, "client")
			for _, other := range src.Regions {
				if other.Start == i && other.Region.Y >= sp.Region.Y {
					t.Errorf("client at %+v is not above chairs at %+v", other.Region, sp.Region)
				}
			}
		}
	}
	if !found {
		t.Fatalf("no region on the word chairs: %q", src.Text)
	}
}

// fakeOCR stands in for OCR: it "reads" the same words in every image and
// counts what it was asked.
type fakeOCR struct {
	words []string
	calls atomic.Int32
	hand  atomic.Bool
}

func (f *fakeOCR) Recognize(ctx context.Context, img []byte, opt core.OCROptions) (*core.OCRText, error) {
	f.calls.Add(1)
	f.hand.Store(opt.Handwriting)
	out := &core.OCRText{Text: strings.Join(f.words, " ") + "\n"}
	for i, w := range f.words {
		out.Words = append(out.Words, core.OCRWord{Text: w, Box: core.Region{X: 10 * i, Y: 5, W: 8, H: 4}})
	}
	return out, nil
}

// fakePages renders every page as the same bytes, or says it can't.
type fakePages struct {
	missing bool
	pages   atomic.Int32
}

func (f *fakePages) RenderPage(ctx context.Context, pdf io.Reader, page, dpi int) (io.ReadSeekCloser, error) {
	if f.missing {
		return nil, core.Errorf(core.EUNSUPPORTED, "Rendering is not installed.")
	}
	f.pages.Add(1)
	return nopCloser{bytes.NewReader([]byte("png"))}, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

type describer string

func (d describer) Describe(context.Context, []byte) string { return string(d) }

// The engines are interfaces: stand-ins show what ingest does with what
// they return, without Tesseract or the rasteriser.
func TestSwappedOCRAndRenderer(t *testing.T) {
	pdf := fixture(t, "docparse/testdata/libreoffice-3pages.pdf") // page 2 has no text layer
	ctx := context.Background()
	t.Run("scanned page read by the OCR given", func(t *testing.T) {
		ocr, pages := &fakeOCR{words: []string{"Scanned", "words"}}, &fakePages{}
		src, err := ingest.New(ingest.Engines{OCR: ocr, Pages: pages}).Read(ctx, pdf, "pdf", ingest.Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkSpans(t, src)
		if p2 := src.Pages[1]; src.Text[p2.Start:p2.End] != "Scanned words\n" || pages.pages.Load() != 1 || ocr.calls.Load() != 1 {
			t.Fatalf("page 2 %q; %d rendered, %d read", src.Text[p2.Start:p2.End], pages.pages.Load(), ocr.calls.Load())
		}
		if len(src.Regions) != 0 {
			t.Errorf("a scanned page's words have boxes in the page image, not kept: %+v", src.Regions)
		}
	})
	for _, tc := range []struct {
		name    string
		engines ingest.Engines
		data    []byte
		code    string
	}{
		{"no renderer: the pages with text", ingest.Engines{OCR: &fakeOCR{words: []string{"x"}}}, pdf, ""},
		{"renderer not installed: the pages with text", ingest.Engines{OCR: &fakeOCR{words: []string{"x"}}, Pages: &fakePages{missing: true}}, pdf, ""},
		{"no OCR: the pages with text", ingest.Engines{Pages: &fakePages{}}, pdf, ""},
		{"scan only, renderer not installed", ingest.Engines{OCR: &fakeOCR{words: []string{"x"}}, Pages: &fakePages{missing: true}}, scannedPDF(t, fixture(t, "tesseract/testdata/whiteboard.jpg")), core.EUNSUPPORTED},
		{"scan only, no engines", ingest.Engines{}, scannedPDF(t, fixture(t, "tesseract/testdata/whiteboard.jpg")), core.EUNSUPPORTED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := ingest.New(tc.engines).Read(ctx, tc.data, "pdf", ingest.Options{}, nil)
			if tc.code != "" {
				if core.ErrorCode(err) != tc.code || !strings.Contains(core.ErrorMessage(err), "pdftoppm") {
					t.Fatalf("got %v, want %s naming what to install", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSpans(t, src)
			if p2 := src.Pages[1]; p2.End != p2.Start || !strings.Contains(src.Text, "Carol must review") {
				t.Fatalf("pages %+v of %q", src.Pages, src.Text)
			}
		})
	}
	t.Run("image words placed and described after", func(t *testing.T) {
		ocr := &fakeOCR{words: []string{"Send", "the", "report"}}
		r := ingest.New(ingest.Engines{OCR: ocr, Describer: describer("A whiteboard.")})
		src, err := r.Read(ctx, []byte("img"), "png", ingest.Options{Handwriting: true, Describe: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if src.Text != "Send the report\n\n\nA whiteboard." || src.Kind != "handwritten_ocr" || !ocr.hand.Load() {
			t.Fatalf("%q %s", src.Text, src.Kind)
		}
		checkSpans(t, src)
		if len(src.Regions) != 3 || src.Text[src.Regions[2].Start:src.Regions[2].End] != "report" || src.Regions[2].Region.X != 20 {
			t.Fatalf("regions %+v", src.Regions)
		}
		if src, _ := r.Read(ctx, []byte("img"), "png", ingest.Options{}, nil); strings.Contains(src.Text, "whiteboard") || ocr.hand.Load() {
			t.Fatalf("described without being asked, or read as handwriting: %q", src.Text)
		}
	})
	t.Run("no OCR", func(t *testing.T) {
		if _, err := ingest.New(ingest.Engines{}).Read(ctx, []byte("img"), "png", ingest.Options{}, nil); core.ErrorCode(err) != core.EUNSUPPORTED {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("page images", func(t *testing.T) {
		if _, err := ingest.New(ingest.Engines{}).RenderPage(ctx, bytes.NewReader(pdf), 1, 100); core.ErrorCode(err) != core.EUNSUPPORTED {
			t.Fatalf("without a renderer: %v", err)
		}
		pages := &fakePages{}
		f, err := ingest.New(ingest.Engines{Pages: pages}).RenderPage(ctx, bytes.NewReader(pdf), 1, 100)
		if err != nil || pages.pages.Load() != 1 {
			t.Fatalf("%v %d", err, pages.pages.Load())
		}
		f.Close()
	})
}

// fakeSpeech stands in for speech recognition: it "hears" two utterances,
// the second without word times.
type fakeSpeech struct {
	notReady error
	samples  int
}

func (f *fakeSpeech) Ready(context.Context) error { return f.notReady }

func (f *fakeSpeech) Transcribe(ctx context.Context, pcm *core.PCM, progress func(float64)) (*core.Transcript, error) {
	f.samples = len(pcm.Samples)
	progress(0.5)
	progress(1)
	return &core.Transcript{Segments: []core.TranscriptSegment{
		{Text: "send the minutes", Start: 0.5, End: 2, Words: []core.TranscriptWord{{Text: "send", Start: 0.5, End: 0.9}, {Text: "the", Start: 0.9, End: 1.1}, {Text: "minutes", Start: 1.1, End: 2}}},
		{Text: "thanks everyone", Start: 3, End: 4.25},
	}}, nil
}

// countingDecoder is the real decoder, counted.
type countingDecoder struct {
	audio.Decoder
	calls int
}

func (d *countingDecoder) Decode(ctx context.Context, data []byte, kind string) (*core.PCM, error) {
	d.calls++
	return d.Decoder.Decode(ctx, data, kind)
}

// A recording is decoded by the real decoder and transcribed by a stand-in;
// each word keeps its time.
func TestSwappedTranscriber(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, file, kind string
	}{
		{"WAV", "audio/testdata/speech.wav", "wav"},
		{"MP3", "audio/testdata/speech.mp3", "mp3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			speech := &fakeSpeech{}
			var last float64
			src, err := ingest.New(ingest.Engines{Audio: audio.Decoder{}, Speech: speech}).Read(ctx, fixture(t, tc.file), tc.kind, ingest.Options{}, func(stage string, p float64) {
				if p < last {
					t.Errorf("progress went back: %v after %v (%s)", p, last, stage)
				}
				last = p
			})
			if err != nil {
				t.Fatal(err)
			}
			if src.Text != "send the minutes.\nthanks everyone.\n" || src.Kind != "meeting_transcript" || speech.samples == 0 || math.Abs(last-0.8) > 1e-9 {
				t.Fatalf("%q %s, %d samples, progress %v", src.Text, src.Kind, speech.samples, last)
			}
			checkSpans(t, src)
			want := []core.Span{{Start: 0, End: 4, AudioStart: 0.5, AudioEnd: 0.9}, {Start: 5, End: 8, AudioStart: 0.9, AudioEnd: 1.1},
				{Start: 9, End: 16, AudioStart: 1.1, AudioEnd: 2}, {Start: 18, End: 33, AudioStart: 3, AudioEnd: 4.25}}
			if fmt.Sprint(src.Audio) != fmt.Sprint(want) {
				t.Fatalf("times %+v, want %+v", src.Audio, want)
			}
		})
	}
	t.Run("not ready: nothing decoded", func(t *testing.T) {
		dec := &countingDecoder{}
		_, err := ingest.New(ingest.Engines{Audio: dec, Speech: &fakeSpeech{notReady: core.Errorf(core.EUNSUPPORTED, "No model.")}}).
			Read(ctx, fixture(t, "audio/testdata/speech.wav"), "wav", ingest.Options{}, nil)
		if core.ErrorCode(err) != core.EUNSUPPORTED || dec.calls != 0 {
			t.Fatalf("%v, %d decodes", err, dec.calls)
		}
	})
	t.Run("no speech engine", func(t *testing.T) {
		_, err := ingest.New(ingest.Engines{Audio: audio.Decoder{}}).Read(ctx, fixture(t, "audio/testdata/speech.wav"), "wav", ingest.Options{}, nil)
		if core.ErrorCode(err) != core.EUNSUPPORTED {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the real recogniser names the missing model", func(t *testing.T) {
		_, err := realEngines().Read(ctx, fixture(t, "audio/testdata/speech.wav"), "wav", ingest.Options{}, nil)
		if core.ErrorCode(err) != core.EUNSUPPORTED || !strings.Contains(core.ErrorMessage(err), "Vosk model") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("damaged recording", func(t *testing.T) {
		_, err := ingest.New(ingest.Engines{Audio: audio.Decoder{}, Speech: &fakeSpeech{}}).Read(ctx, []byte("RIFF....WAVEjunk"), "wav", ingest.Options{}, nil)
		if code := core.ErrorCode(err); code != core.EINVALID && code != core.EUNSUPPORTED {
			t.Fatalf("got %v", err)
		}
	})
}

func TestReadFileDetectsTheKind(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, filename string
		data           []byte
		wantKind       string
		wantCode       string
	}{
		{name: "text by content", filename: "notes", data: []byte("Alice will send the budget.\n"), wantKind: "document"},
		{name: "PDF whatever its name", filename: "x.txt", data: fixture(t, "docparse/testdata/libreoffice-3pages.pdf"), wantKind: "document"},
		{name: "email", filename: "m.eml", data: fixture(t, "docparse/testdata/multipart.eml"), wantKind: "email"},
		{name: "not accepted", filename: "a.bin", data: []byte{0x7f, 'E', 'L', 'F', 0, 0, 0, 1, 2, 0}, wantCode: core.EUNSUPPORTED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := ingest.New(ingest.Engines{}).ReadFile(ctx, tc.data, tc.filename, ingest.Options{}, nil)
			if tc.wantCode != "" {
				if core.ErrorCode(err) != tc.wantCode {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err != nil || src.Kind != tc.wantKind {
				t.Fatalf("%+v %v", src, err)
			}
		})
	}
	if k, mime, ok := ingest.Detect(fixture(t, "tesseract/testdata/note.png"), "note.png"); !ok || k != "png" || mime != "image/png" || ingest.Class(k) != "image" {
		t.Fatalf("detect: %s %s %v", k, mime, ok)
	}
	if ingest.Class("wav") != "audio" || ingest.Class(ingest.KindPDF) != "document" || ingest.Class("exe") != "" {
		t.Fatal("classes")
	}
}

// A read stops when its context ends.
func TestReadStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct{ name, file, kind string }{
		{"document", "docparse/testdata/libreoffice-3pages.pdf", "pdf"},
		{"image", "tesseract/testdata/note.png", "png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := realEngines().Read(ctx, fixture(t, tc.file), tc.kind, ingest.Options{}, nil); !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// scannedPDF makes a one-page PDF whose only content is the JPEG jpg, as a
// scanner does: no text layer.
func scannedPDF(t *testing.T, jpg []byte) []byte {
	t.Helper()
	c, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	draw := fmt.Sprintf("q %d 0 0 %d 0 0 cm /Scan Do Q", c.Width, c.Height)
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Scan 4 0 R >> >> /Contents 5 0 R >>", c.Width, c.Height),
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream", c.Width, c.Height, len(jpg), jpg),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(draw), draw),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	at := make([]int, len(objects))
	for i, o := range objects {
		at[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range at {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// A document's NULs are read as spaces: offsets into the text stay right,
// and every store can keep the text.
func TestReadBlanksNUL(t *testing.T) {
	data := []byte("Send the budget\x00 by Friday.\x00\nCall Dana.")
	src, err := ingest.New(ingest.Engines{}).Read(context.Background(), data, "txt", ingest.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.IndexByte(src.Text, 0) >= 0 || !strings.Contains(src.Text, "by Friday.") {
		t.Fatalf("text %q", src.Text)
	}
}
