//go:build vosk

package vosk

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"

	vosk "github.com/alphacep/vosk-api/go"

	"sentry/backend/core"
)

// NotBuiltMessage is the error text of Transcribe in builds without libvosk.
const NotBuiltMessage = "Speech recognition is not built in; build with -tags vosk after scripts/install-vosk."

// chunkSeconds is how much audio goes to the recognizer per call: short
// enough for prompt cancellation and smooth progress, long enough that cgo
// call overhead does not matter.
const chunkSeconds = 0.5

// Available reports whether speech recognition is compiled in: true in this
// build, which links libvosk.
func Available() bool { return true }

// quietOnce lowers Kaldi's logging, which otherwise writes every model
// detail to stderr, before the first model loads.
var quietOnce sync.Once

// SetLogLevel sets libvosk's log level: 0 is its default, negative values
// log less, positive more.
func SetLogLevel(level int) {
	quietOnce.Do(func() {}) // an explicit level wins over the default below
	vosk.SetLogLevel(level)
}

// Models are large (tens of MB to GBs) and slow to load, so each folder is
// loaded once and kept for the life of the process. Recognizers hold their
// own reference to the model inside libvosk, and one model serves many
// recognizers at once.
var (
	modelsMu sync.Mutex
	models   = map[string]*cachedModel{}
)

type cachedModel struct {
	ready chan struct{} // closed when loading ends
	model *vosk.VoskModel
	err   error
}

// loadModel returns the model in dir, loading it on first use. Callers that
// find a load in progress wait for it or for ctx.
func loadModel(ctx context.Context, dir string) (*vosk.VoskModel, error) {
	key, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("vosk: model path %s: %w", dir, err)
	}
	modelsMu.Lock()
	m, ok := models[key]
	if !ok {
		m = &cachedModel{ready: make(chan struct{})}
		models[key] = m
	}
	modelsMu.Unlock()

	if ok {
		select {
		case <-m.ready:
			return m.model, m.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}

	// This caller loads; libvosk's loader cannot be interrupted.
	quietOnce.Do(func() { vosk.SetLogLevel(-1) })
	m.model, m.err = newModel(key)
	if m.err != nil {
		// Forget failures so that a model installed later is picked up.
		modelsMu.Lock()
		delete(models, key)
		modelsMu.Unlock()
	}
	close(m.ready)
	return m.model, m.err
}

// newModel loads a model. The binding returns a non-nil wrapper and a nil
// error even when libvosk returned NULL, so the wrapped pointer is checked.
func newModel(dir string) (*vosk.VoskModel, error) {
	model, err := vosk.NewModel(dir)
	if err != nil {
		return nil, fmt.Errorf("vosk: load model %s: %w", dir, err)
	}
	if model == nil || nilHandle(model) {
		return nil, core.Errorf(core.EINVALID, "The speech model in %s could not be loaded (it may be incomplete or for another Vosk version): %s.", dir, ModelHelp)
	}
	return model, nil
}

// nilHandle reports whether a binding wrapper (*vosk.VoskModel,
// *vosk.VoskRecognizer) holds a NULL C pointer. The binding keeps that
// pointer in its only, unexported field; reflection can test it for nil
// without touching it.
func nilHandle(wrapper any) bool {
	v := reflect.ValueOf(wrapper)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return true
	}
	v = v.Elem()
	if v.Kind() != reflect.Struct || v.NumField() == 0 || v.Field(0).Kind() != reflect.Pointer {
		// A binding of another shape: its handle cannot be checked here,
		// and TestNilHandle catches this on upgrade.
		return false
	}
	return v.Field(0).IsNil()
}

// Transcribe recognizes speech in pcm (16-bit mono samples at sampleRate;
// 16000 is what the models expect) with the Vosk model in modelDir and
// returns the transcript with per-word timestamps. The model is loaded on
// first use and cached per folder. progress, if not nil, is called with the
// fraction of audio processed, from 0 to 1, from the calling goroutine.
// Transcribe stops between chunks of half a second when ctx is done and then
// returns ctx.Err().
//
// Errors: core EINVALID for a bad sample rate or a missing or broken model
// (the message names what to install); wrapped internal errors otherwise.
func Transcribe(ctx context.Context, modelDir string, pcm []int16, sampleRate int, progress func(done float64)) (*Transcript, error) {
	if err := checkInput(sampleRate); err != nil {
		return nil, err
	}
	if err := CheckModel(modelDir); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	model, err := loadModel(ctx, modelDir)
	if err != nil {
		return nil, err
	}
	rec, err := vosk.NewRecognizer(model, float64(sampleRate))
	if err != nil {
		return nil, fmt.Errorf("vosk: new recognizer: %w", err)
	}
	if rec == nil || nilHandle(rec) {
		return nil, fmt.Errorf("vosk: new recognizer at %d Hz failed", sampleRate)
	}
	defer rec.Free()
	rec.SetWords(1)

	tr := &Transcript{Duration: float64(len(pcm)) / float64(sampleRate)}
	add := func(js string) error {
		seg, ok, err := parseResult(js)
		if ok {
			tr.Segments = append(tr.Segments, seg)
		}
		return err
	}

	chunk := max(1, int(float64(sampleRate)*chunkSeconds))
	buf := make([]byte, 2*chunk)
	reported := -1.0
	report := func(done float64) {
		if progress != nil && (done-reported >= 0.01 || done == 1) {
			reported = done
			progress(done)
		}
	}
	report(0)
	for off := 0; off < len(pcm); off += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		end := min(off+chunk, len(pcm))
		b := buf[:2*(end-off)]
		for i, s := range pcm[off:end] {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
		}
		switch rec.AcceptWaveform(b) {
		case 1: // end of an utterance
			if err := add(rec.Result()); err != nil {
				return nil, err
			}
		case -1:
			return nil, fmt.Errorf("vosk: recognizer rejected audio at %.1fs", float64(off)/float64(sampleRate))
		}
		report(float64(end) / float64(len(pcm)))
	}
	if err := add(rec.FinalResult()); err != nil {
		return nil, err
	}
	report(1)
	tr.Text = joinSegments(tr.Segments)
	return tr, nil
}
