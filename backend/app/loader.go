package app

import (
	"context"
	"fmt"
	"os"
	"strings"

	"sentry/backend/audio"
	"sentry/backend/core"
	"sentry/backend/docparse"
	"sentry/backend/extract"
	"sentry/backend/modelmgr"
	"sentry/backend/pdfraster"
	"sentry/backend/tesseract"
	"sentry/backend/upload"
	"sentry/backend/vosk"
)

// loader reads an upload's text for an extraction: documents are parsed,
// images are read by OCR, recordings are transcribed. Each keeps what
// places evidence: pages, image regions, audio times.
func loader(uploads *upload.Service, models *modelmgr.Manager, describe func(context.Context, []byte) string) extract.Loader {
	return func(ctx context.Context, run *core.Extraction, progress func(string, float64)) (*extract.Source, error) {
		up, err := uploads.Get(core.NewContextWithUser(ctx, &core.User{ID: run.UserID}), run.UploadID)
		if err != nil {
			return nil, err
		}
		progress("reading the file", 0.05)
		data, err := uploads.Read(up)
		if err != nil {
			return nil, err
		}
		return readSource(ctx, data, docparse.Kind(up.Kind), run.Source == core.SourceExtractedHandwritten, models.Current(ctx), describe, progress)
	}
}

// FileSource reads a file's text the way an uploaded file is read: by its
// detected kind, with OCR for images and speech recognition for audio.
func FileSource(ctx context.Context, data []byte, filename string, handwriting bool, voskModel string) (*extract.Source, error) {
	k, _, ok := docparse.Detect(data, filename)
	if !ok {
		return nil, core.Errorf(core.EUNSUPPORTED, "This kind of file is not supported.")
	}
	return readSource(ctx, data, k, handwriting, voskModelDir(voskModel), nil, func(string, float64) {})
}

func readSource(ctx context.Context, data []byte, kind docparse.Kind, hand bool, voskModel string,
	describe func(context.Context, []byte) string, progress func(string, float64)) (*extract.Source, error) {
	switch kind.Class() {
	case "document":
		progress("extracting text", 0.2)
		return documentSource(ctx, data, kind, progress)
	case "image":
		progress("reading the image (OCR)", 0.2)
		res, err := tesseract.Recognize(ctx, data, tesseract.Options{Handwriting: hand})
		if err != nil {
			return nil, err
		}
		src := &extract.Source{Kind: "note"}
		if hand {
			src.Kind = "handwritten_ocr"
		}
		src.Text, src.Regions = placeWords(res)
		if describe != nil {
			progress("describing the image", 0.6)
			if d := describe(ctx, data); d != "" {
				src.Text += "\n\n" + d // after the OCR text, so regions stay right
			}
		}
		return src, nil
	case "audio", "video":
		if voskModel == "" {
			return nil, core.Errorf(core.EUNSUPPORTED, "Speech recognition needs a Vosk model: download one (e.g. vosk-model-small-en-us-0.15), unpack it and set SENTRY_VOSK_MODEL to its folder.")
		}
		if err := vosk.CheckModel(voskModel); err != nil {
			return nil, err
		}
		progress("decoding audio", 0.1)
		pcm, err := audio.Decode(ctx, data, string(kind))
		if err != nil {
			return nil, err
		}
		progress("transcribing", 0.15)
		tr, err := vosk.Transcribe(ctx, voskModel, pcm.Samples, pcm.SampleRate, func(p float64) { progress("transcribing", 0.15+0.65*p) })
		if err != nil {
			return nil, err
		}
		return transcriptSource(tr), nil
	}
	return nil, core.Errorf(core.EUNSUPPORTED, "Files of kind %q cannot be read for tasks.", kind)
}

// placeWords joins OCR words into text and remembers each word's box.
func placeWords(res *tesseract.Result) (string, []extract.Span) {
	if len(res.Words) == 0 {
		return res.Text, nil
	}
	// Find each word in the OCR text in order, so lines stay as read.
	var spans []extract.Span
	at := 0
	for _, w := range res.Words {
		i := strings.Index(res.Text[at:], w.Text)
		if i < 0 {
			continue
		}
		start := at + i
		spans = append(spans, extract.Span{Start: start, End: start + len(w.Text), Region: &core.Region{X: w.X, Y: w.Y, W: w.W, H: w.H}})
		at = start + len(w.Text)
	}
	return res.Text, spans
}

// transcriptSource writes one line per segment and maps words to times.
func transcriptSource(tr *vosk.Transcript) *extract.Source {
	var b strings.Builder
	src := &extract.Source{Kind: "meeting_transcript"}
	for _, seg := range tr.Segments {
		for i, w := range seg.Words {
			if i > 0 {
				b.WriteByte(' ')
			}
			start := b.Len()
			b.WriteString(w.Text)
			src.Audio = append(src.Audio, extract.Span{Start: start, End: b.Len(), AudioStart: w.Start, AudioEnd: w.End})
		}
		if len(seg.Words) == 0 && seg.Text != "" {
			start := b.Len()
			b.WriteString(seg.Text)
			src.Audio = append(src.Audio, extract.Span{Start: start, End: b.Len(), AudioStart: seg.Start, AudioEnd: seg.End})
		}
		b.WriteString(".\n")
	}
	src.Text = b.String()
	return src
}

// detect adapts docparse.Detect to the upload service.
func detect(head []byte, name string) (string, string, bool) {
	k, mime, ok := docparse.Detect(head, name)
	return string(k), mime, ok
}

// kindClass tells a kind's class (document, image, audio, video).
func kindClass(kind string) string { return docparse.Kind(kind).Class() }

// voskModelDir is the configured model folder, if any.
func voskModelDir(cfg string) string {
	if cfg != "" {
		return cfg
	}
	return os.Getenv("SENTRY_VOSK_MODEL")
}

// documentSource parses a document; scanned PDF pages (no text layer) are
// rendered and read by OCR when pdftoppm is installed.
func documentSource(ctx context.Context, data []byte, kind docparse.Kind, progress func(string, float64)) (*extract.Source, error) {
	progress("extracting text", 0.2)
	doc, err := docparse.Parse(ctx, data, kind, docparse.Limits{})
	if err != nil {
		return nil, err
	}
	src := &extract.Source{Kind: "document"}
	if kind == docparse.Kind("eml") {
		src.Kind = "email"
	}
	scanned := map[int]bool{}
	for _, n := range doc.PagesWithoutText {
		scanned[n] = true
	}
	if len(scanned) > 0 && !pdfraster.Available() {
		if strings.TrimSpace(doc.Text) == "" {
			return nil, core.Errorf(core.EUNSUPPORTED, "This PDF is scanned pages without a text layer; reading them needs pdftoppm (install poppler-utils).")
		}
		scanned = map[int]bool{} // use the pages that have text
	}
	var b strings.Builder
	for i, p := range doc.Pages {
		text := p.Text
		if scanned[p.Number] {
			progress(fmt.Sprintf("reading scanned page %d by OCR", p.Number), 0.2+0.6*float64(i)/float64(len(doc.Pages)))
			png, err := pdfraster.Page(ctx, data, p.Number, 200)
			if err != nil {
				return nil, err
			}
			res, err := tesseract.Recognize(ctx, png, tesseract.Options{})
			if err != nil {
				return nil, err
			}
			text = res.Text
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		start := b.Len()
		b.WriteString(text)
		src.Pages = append(src.Pages, extract.Span{Start: start, End: b.Len(), Page: p.Number})
	}
	src.Text = b.String()
	return src, nil
}
