//go:build vosk

package vosk

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	vosk "github.com/alphacep/vosk-api/go"

	"sentry/backend/core"
)

// TestLibraryLoads checks that libvosk links and answers without a model:
// the test binary starts only if the dynamic loader found the library.
func TestLibraryLoads(t *testing.T) {
	if !Available() {
		t.Fatal("Available() = false with the vosk build tag")
	}
	SetLogLevel(-1)
	err := CheckModel(t.TempDir())
	if core.ErrorCode(err) != core.EINVALID || !strings.Contains(core.ErrorMessage(err), "vosk-model") {
		t.Fatalf("CheckModel(empty dir): %v", err)
	}
}

// TestNilModel checks the guard against the binding's habit of wrapping a
// NULL model without an error: libvosk refuses an empty folder.
func TestNilModel(t *testing.T) {
	SetLogLevel(-1)
	_, err := newModel(t.TempDir())
	if core.ErrorCode(err) != core.EINVALID || !strings.Contains(core.ErrorMessage(err), "could not be loaded") {
		t.Fatalf("newModel(empty dir): %v", err)
	}
}

// TestNilHandle pins the binding's shape that nilHandle relies on.
func TestNilHandle(t *testing.T) {
	if !nilHandle(&vosk.VoskModel{}) || !nilHandle(&vosk.VoskRecognizer{}) {
		t.Fatal("nilHandle does not see the NULL handle in the binding's wrappers; the binding changed shape")
	}
	if !nilHandle((*vosk.VoskModel)(nil)) {
		t.Fatal("nilHandle((*VoskModel)(nil)) = false")
	}
}

// TestTranscribeBrokenModel feeds a folder that looks like a model but whose
// files are empty: the error is the clear one, and a later call retries.
func TestTranscribeBrokenModel(t *testing.T) {
	SetLogLevel(-1)
	dir := fakeModel(t, "am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/HCLG.fst")
	for range 2 {
		_, err := Transcribe(context.Background(), dir, make([]int16, 16000), 16000, nil)
		if core.ErrorCode(err) != core.EINVALID || !strings.Contains(core.ErrorMessage(err), "could not be loaded") {
			t.Fatalf("Transcribe(broken model): %v", err)
		}
	}
}

// modelDir returns the model named by SENTRY_VOSK_MODEL or skips the test.
func modelDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SENTRY_VOSK_MODEL")
	if dir == "" {
		t.Skip("SKIPPED: set SENTRY_VOSK_MODEL to a Vosk model folder (e.g. vosk-model-small-en-us-0.15) to run real speech recognition; no model can be downloaded here")
	}
	if err := CheckModel(dir); err != nil {
		t.Fatalf("SENTRY_VOSK_MODEL: %v", err)
	}
	return dir
}

// readWAV reads the 16-bit mono fixture: the samples of its data chunk.
func readWAV(t testing.TB, name string) ([]int16, int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s: not a WAV file", name)
	}
	rate := 0
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8 : min(len(b), p+8+size)]
		switch id {
		case "fmt ":
			if binary.LittleEndian.Uint16(body[0:]) != 1 || binary.LittleEndian.Uint16(body[2:]) != 1 || binary.LittleEndian.Uint16(body[14:]) != 16 {
				t.Fatalf("%s: want 16-bit mono PCM", name)
			}
			rate = int(binary.LittleEndian.Uint32(body[4:]))
		case "data":
			pcm := make([]int16, len(body)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, rate
		}
		p += 8 + size + size&1
	}
	t.Fatalf("%s: no data chunk", name)
	return nil, 0
}

func TestTranscribe(t *testing.T) {
	dir := modelDir(t)
	pcm, rate := readWAV(t, "speech-16k.wav") // "Call the dentist on Friday. Send the report to Anna by Monday."
	var calls []float64
	tr, err := Transcribe(context.Background(), dir, pcm, rate, func(done float64) { calls = append(calls, done) })
	if err != nil {
		t.Fatalf("Transcribe: %v", err)
	}
	t.Logf("transcript: %q", tr.Text)
	for _, w := range []string{"dentist", "friday", "report", "monday"} {
		if !strings.Contains(strings.ToLower(tr.Text), w) {
			t.Errorf("transcript lacks %q", w)
		}
	}
	if d := tr.Duration; d < 4 || d > 5 {
		t.Errorf("Duration = %.2fs, want ~4.6s", d)
	}
	last := 0.0
	for _, s := range tr.Segments {
		for _, w := range s.Words {
			if w.Start < last || w.End < w.Start || w.End > tr.Duration+0.1 || w.Conf <= 0 || w.Conf > 1 {
				t.Errorf("word %+v out of order or range (previous end %.2f)", w, last)
			}
			last = w.End
		}
	}
	if len(calls) < 2 || calls[0] != 0 || calls[len(calls)-1] != 1 {
		t.Errorf("progress calls %v: want 0 … 1", calls)
	}

	// A second call reuses the cached model; a cancelled one stops at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Transcribe(ctx, dir, pcm, rate, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Transcribe: %v", err)
	}
}
