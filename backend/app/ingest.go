package app

import (
	"context"

	"sentry/backend/audio"
	"sentry/backend/core"
	"sentry/backend/ingest"
	"sentry/backend/pdfraster"
	"sentry/backend/tesseract"
	"sentry/backend/vosk"
)

// newReader wires the engines uploads are read with: Tesseract OCR, the
// PDF rasteriser for scanned pages, audio decoding and Vosk speech
// recognition with the model speechModel names at each read, and image
// descriptions when a vision model is configured (describe may be nil).
func newReader(speechModel func(context.Context) string, describe core.ImageDescriber) *ingest.Reader {
	return ingest.New(ingest.Engines{
		OCR:       tesseract.Engine{},
		Pages:     pdfraster.Renderer{},
		Audio:     audio.Decoder{},
		Speech:    vosk.Recognizer{Model: speechModel},
		Describer: describe,
	})
}

// FileSource reads a file's text the way an uploaded file is read: by its
// detected kind, with OCR for images and speech recognition (with the
// model in the folder voskModel) for recordings.
func FileSource(ctx context.Context, data []byte, filename string, handwriting bool, voskModel string) (*core.Source, error) {
	r := newReader(func(context.Context) string { return voskModel }, nil)
	return r.ReadFile(ctx, data, filename, ingest.Options{Handwriting: handwriting}, nil)
}
