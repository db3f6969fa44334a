package extract

import (
	"context"

	"sentry/backend/core"
	"sentry/backend/ingest"
	"sentry/backend/upload"
)

// ReadUploads is the Loader of uploaded files: the run's upload, read by
// its owner, through ingest: documents parsed, images read by OCR (as
// handwriting for handwritten captures, with a description when a
// describer is wired), recordings transcribed.
func ReadUploads(uploads *upload.Service, reader *ingest.Reader) Loader {
	return func(ctx context.Context, run *core.Extraction, progress func(string, float64)) (*core.Source, error) {
		up, err := uploads.Get(core.NewContextWithUser(ctx, &core.User{ID: run.UserID}), run.UploadID)
		if err != nil {
			return nil, err
		}
		progress("reading the file", 0.05)
		data, err := uploads.Read(ctx, up)
		if err != nil {
			return nil, err
		}
		opt := ingest.Options{Handwriting: run.Source == core.SourceExtractedHandwritten, Describe: true}
		return reader.Read(ctx, data, up.Kind, opt, progress)
	}
}
