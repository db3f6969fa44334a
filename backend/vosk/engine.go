package vosk

import (
	"context"

	"sentry/backend/core"
)

// Recognizer is core.Transcriber over Transcribe, with the model folder
// that Model names at each call (the model manager's current one, so a
// model installed while running is used at once). A nil Model means none.
type Recognizer struct {
	Model func(ctx context.Context) string
}

func (r Recognizer) model(ctx context.Context) string {
	if r.Model == nil {
		return ""
	}
	return r.Model(ctx)
}

// ErrNoModel is Ready's answer when no model is chosen: it names the
// Settings section that fixes it (the command line says its own way).
var ErrNoModel = core.Errorf(core.EUNSUPPORTED, "Speech recognition needs a Vosk model: choose one in Settings → Speech model.")

// Ready reports unsupported when no model is set and invalid when the
// folder is not a Vosk model (CheckModel).
func (r Recognizer) Ready(ctx context.Context) error {
	dir := r.model(ctx)
	if dir == "" {
		return ErrNoModel
	}
	return CheckModel(dir)
}

// Transcribe recognises speech with word times (see the package function
// Transcribe for the errors).
func (r Recognizer) Transcribe(ctx context.Context, pcm *core.PCM, progress func(done float64)) (*core.Transcript, error) {
	tr, err := Transcribe(ctx, r.model(ctx), pcm.Samples, pcm.SampleRate, progress)
	if err != nil {
		return nil, err
	}
	out := &core.Transcript{Segments: make([]core.TranscriptSegment, len(tr.Segments))}
	for i, seg := range tr.Segments {
		s := core.TranscriptSegment{Text: seg.Text, Start: seg.Start, End: seg.End, Words: make([]core.TranscriptWord, len(seg.Words))}
		for j, w := range seg.Words {
			s.Words[j] = core.TranscriptWord{Text: w.Text, Start: w.Start, End: w.End}
		}
		out.Segments[i] = s
	}
	return out, nil
}
