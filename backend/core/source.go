package core

import (
	"context"
	"io"
)

// Source is the text read from an upload with where each part of it came
// from: the page of a document, the time in a recording, the box in an
// image. Extraction places evidence with it; notebooks cite with it.
type Source struct {
	Text string
	// Kind hints what the text is to task extractors: document, email,
	// note, handwritten_ocr, meeting_transcript.
	Kind    string
	Pages   []Span // Page set
	Audio   []Span // AudioStart and AudioEnd set
	Regions []Span // Region set
}

// Span maps the bytes Text[Start:End] of a Source to where they came from.
type Span struct {
	Start, End int
	// Page is 1-based.
	Page int
	// AudioStart and AudioEnd are seconds into the recording.
	AudioStart float64
	AudioEnd   float64
	// Region is in pixels of the upright image.
	Region *Region
}

// OCROptions tune text recognition in an image.
type OCROptions struct {
	// Handwriting asks for the stronger cleaning notes written by hand need.
	Handwriting bool
}

// OCRText is the text read from an image, with each word's box.
type OCRText struct {
	Text  string
	Words []OCRWord
}

// OCRWord is one word read from an image; its text appears in OCRText.Text
// in reading order.
type OCRWord struct {
	Text string
	Box  Region
}

// OCR reads text in images.
type OCR interface {
	// Recognize reads the text of an image (PNG, JPEG, WEBP, TIFF).
	// Errors: invalid for an image it cannot decode, too_large for one
	// beyond its limits; a cancelled ctx returns its error.
	Recognize(ctx context.Context, img []byte, opt OCROptions) (*OCRText, error)
}

// PageRenderer draws pages of PDFs, for OCR of scanned pages and for
// showing a cited page.
type PageRenderer interface {
	// RenderPage draws one page (1-based) of the PDF read from pdf as PNG
	// at dpi and returns it as a file to stream, closed by the caller.
	// Errors: unsupported when rendering is not available on this
	// installation (the message says what to install).
	RenderPage(ctx context.Context, pdf io.Reader, page, dpi int) (io.ReadSeekCloser, error)
}

// PCM is decoded audio: signed 16-bit mono samples at SampleRate Hz.
type PCM struct {
	Samples    []int16
	SampleRate int
}

// AudioDecoder turns recordings (and the sound of videos) into PCM.
type AudioDecoder interface {
	// Decode decodes a recording; kindHint is a file kind or extension
	// ("mp3", "m4a") for formats without a signature. Errors: invalid for
	// damaged input or media without sound, unsupported for a format that
	// needs a program that is not installed (the message names it),
	// too_large for recordings beyond the limit.
	Decode(ctx context.Context, data []byte, kindHint string) (*PCM, error)
}

// Transcript is the speech recognised in a recording, one segment per
// utterance. Times are seconds from the start.
type Transcript struct {
	Segments []TranscriptSegment
}

// TranscriptSegment is one utterance: the words between two pauses. Words
// may be empty when the recogniser gave no word times.
type TranscriptSegment struct {
	Text       string
	Start, End float64
	Words      []TranscriptWord
}

// TranscriptWord is one recognised word and when it was said.
type TranscriptWord struct {
	Text       string
	Start, End float64
}

// Transcriber turns speech into text with word times.
type Transcriber interface {
	// Ready reports whether speech can be recognised now, so nothing is
	// decoded in vain. Errors: unsupported when no speech model is
	// installed, invalid when the installed one is broken (the message
	// says what to do).
	Ready(ctx context.Context) error
	// Transcribe recognises speech in pcm; progress gets the fraction done.
	// Errors: unsupported when speech recognition is not built in.
	Transcribe(ctx context.Context, pcm *PCM, progress func(done float64)) (*Transcript, error)
}

// ImageDescriber writes a short description of what an image shows, or ""
// when it cannot (no model installed, the model failed).
type ImageDescriber interface {
	Describe(ctx context.Context, img []byte) string
}
