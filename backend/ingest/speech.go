package ingest

import (
	"context"
	"strings"

	"sentry/backend/core"
)

// recording decodes a recording (or a video's sound) and transcribes it,
// keeping each word's time.
func (r *Reader) recording(ctx context.Context, data []byte, kind string, progress Progress) (*core.Source, error) {
	if r.engines.Speech == nil || r.engines.Audio == nil {
		return nil, core.Errorf(core.EUNSUPPORTED, "Speech recognition is not available on this installation.")
	}
	if err := r.engines.Speech.Ready(ctx); err != nil {
		return nil, err
	}
	progress("decoding audio", 0.1)
	pcm, err := r.engines.Audio.Decode(ctx, data, kind)
	if err != nil {
		return nil, err
	}
	progress("transcribing", 0.15)
	tr, err := r.engines.Speech.Transcribe(ctx, pcm, func(p float64) { progress("transcribing", 0.15+0.65*p) })
	if err != nil {
		return nil, err
	}
	return transcriptSource(tr), nil
}

// transcriptSource writes one line per utterance and maps its words (or
// the whole utterance, without word times) to when they were said.
func transcriptSource(tr *core.Transcript) *core.Source {
	var b strings.Builder
	src := &core.Source{Kind: "meeting_transcript"}
	for _, seg := range tr.Segments {
		for i, w := range seg.Words {
			if i > 0 {
				b.WriteByte(' ')
			}
			start := b.Len()
			b.WriteString(w.Text)
			src.Audio = append(src.Audio, core.Span{Start: start, End: b.Len(), AudioStart: w.Start, AudioEnd: w.End})
		}
		if len(seg.Words) == 0 && seg.Text != "" {
			start := b.Len()
			b.WriteString(seg.Text)
			src.Audio = append(src.Audio, core.Span{Start: start, End: b.Len(), AudioStart: seg.Start, AudioEnd: seg.End})
		}
		b.WriteString(".\n")
	}
	src.Text = b.String()
	return src
}
