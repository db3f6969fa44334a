//go:build !vosk

package vosk

import (
	"context"

	"sentry/backend/core"
)

// NotBuiltMessage is the error text of Transcribe in builds without libvosk.
const NotBuiltMessage = "Speech recognition is not built in; build with -tags vosk after scripts/install-vosk."

// Available reports whether speech recognition is compiled in: false in
// this build, which lacks the `vosk` build tag.
func Available() bool { return false }

// Transcribe always fails in this build with core EUNSUPPORTED naming how to
// build with speech recognition.
func Transcribe(ctx context.Context, modelDir string, pcm []int16, sampleRate int, progress func(done float64)) (*Transcript, error) {
	return nil, core.Errorf(core.EUNSUPPORTED, "%s", NotBuiltMessage)
}
