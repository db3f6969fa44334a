// Package vosk turns speech into text with word timestamps using the Vosk
// speech recognizer (libvosk through github.com/alphacep/vosk-api/go).
//
// libvosk is not a Debian package, so the binding is compiled only with the
// build tag `vosk` (see scripts/install-vosk for the library and the cgo
// flags). Without the tag the package still builds: Available reports false
// and Transcribe returns a clear error, so a plain `go build ./...` works on
// any machine. CheckModel is pure Go and works in both builds.
package vosk

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sentry/backend/core"
)

// Word is one recognized word. Start and End are seconds from the start of
// the audio; Conf is the recognizer's confidence in [0, 1].
type Word struct {
	Text       string
	Start, End float64
	Conf       float64
}

// Segment is one utterance: the words between two pauses.
type Segment struct {
	Text       string
	Start, End float64
	Words      []Word
}

// Transcript is the text of a whole recording. Duration is in seconds.
type Transcript struct {
	Text     string
	Segments []Segment
	Duration float64
}

// ModelHelp tells users where speech models come from. It ends every error
// about a missing or broken model.
const ModelHelp = "download a Vosk model (for English e.g. vosk-model-small-en-us-0.15 from https://alphacephei.com/vosk/models), unpack it and point Sentry at its folder"

// Sample rates the recognizer accepts. Vosk models are trained at 8 or 16 kHz
// and resample internally; far outside this range the input is a mistake.
const (
	minSampleRate = 8000
	maxSampleRate = 48000
)

// CheckModel reports whether dir holds a Vosk model: an acoustic model
// (am/final.mdl, or final.mdl in older models), feature configuration
// (conf/mfcc.conf or mfcc.conf) and a decoding graph (graph/HCLG.fst, or the
// lookahead pair HCLr.fst + Gr.fst). It reads only the folder listing, so it
// is cheap enough for health checks. Errors are core EINVALID with a message
// naming what is missing and what to install.
func CheckModel(dir string) error {
	if strings.TrimSpace(dir) == "" {
		return core.Errorf(core.EINVALID, "No speech model is configured: %s.", ModelHelp)
	}
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return core.Errorf(core.EINVALID, "The speech model folder %s does not exist: %s.", dir, ModelHelp)
	} else if err != nil {
		return core.Errorf(core.EINVALID, "The speech model folder %s cannot be read (%v).", dir, errors.Unwrap(err))
	} else if !st.IsDir() {
		return core.Errorf(core.EINVALID, "The speech model path %s is a file, not a folder: %s.", dir, ModelHelp)
	}
	var missing []string
	if !anyFile(dir, "am/final.mdl", "final.mdl") {
		missing = append(missing, "am/final.mdl")
	}
	if !anyFile(dir, "conf/mfcc.conf", "mfcc.conf") {
		missing = append(missing, "conf/mfcc.conf")
	}
	if !anyFile(dir, "graph/HCLG.fst", "HCLG.fst") &&
		!(anyFile(dir, "graph/HCLr.fst", "HCLr.fst") && anyFile(dir, "graph/Gr.fst", "Gr.fst")) {
		missing = append(missing, "graph/HCLG.fst")
	}
	if len(missing) > 0 {
		return core.Errorf(core.EINVALID, "The folder %s is not a Vosk speech model (missing %s): %s.",
			dir, strings.Join(missing, ", "), ModelHelp)
	}
	return nil
}

// anyFile reports whether one of the paths under dir is a regular file.
func anyFile(dir string, paths ...string) bool {
	for _, p := range paths {
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// result is the JSON that the recognizer returns for an utterance when
// words are enabled.
type result struct {
	Text   string `json:"text"`
	Result []struct {
		Word  string  `json:"word"`
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		Conf  float64 `json:"conf"`
	} `json:"result"`
}

// parseResult turns one recognizer result into a segment; ok is false for
// an utterance without words (silence or noise).
func parseResult(js string) (seg Segment, ok bool, err error) {
	var r result
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		return Segment{}, false, fmt.Errorf("vosk: parse result: %w", err)
	}
	for _, w := range r.Result {
		if w.Word == "" {
			continue
		}
		seg.Words = append(seg.Words, Word{Text: w.Word, Start: w.Start, End: w.End, Conf: w.Conf})
	}
	seg.Text = strings.Join(strings.Fields(r.Text), " ")
	if len(seg.Words) > 0 {
		seg.Start = seg.Words[0].Start
		seg.End = seg.Words[len(seg.Words)-1].End
		if seg.Text == "" {
			texts := make([]string, len(seg.Words))
			for i, w := range seg.Words {
				texts[i] = w.Text
			}
			seg.Text = strings.Join(texts, " ")
		}
	}
	return seg, seg.Text != "", nil
}

// joinSegments builds the transcript text from its segments.
func joinSegments(segs []Segment) string {
	texts := make([]string, len(segs))
	for i, s := range segs {
		texts[i] = s.Text
	}
	return strings.Join(texts, " ")
}

// checkInput validates Transcribe's arguments the same way in both builds.
func checkInput(sampleRate int) error {
	if sampleRate < minSampleRate || sampleRate > maxSampleRate {
		return core.Errorf(core.EINVALID, "Audio sample rate %d Hz is not supported for speech recognition (expected %d–%d Hz).",
			sampleRate, minSampleRate, maxSampleRate)
	}
	return nil
}
