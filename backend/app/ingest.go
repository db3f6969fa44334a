package app

import (
	"context"
	"errors"

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
	src, err := r.ReadFile(ctx, data, filename, ingest.Options{Handwriting: handwriting}, nil)
	if errors.Is(err, vosk.ErrNoModel) {
		// On the command line there is no Settings screen to point to.
		return nil, core.Errorf(core.EUNSUPPORTED, "Speech recognition needs a Vosk model: download one (e.g. vosk-model-small-en-us-0.15), unpack it and set SENTRY_VOSK_MODEL to its folder.")
	}
	return src, err
}
