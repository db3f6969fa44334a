//go:build !vosk

package vosk

import (
	"context"
	"testing"

	"sentry/backend/core"
)

func TestStubSaysHowToBuild(t *testing.T) {
	if Available() {
		t.Fatal("Available() = true without the vosk build tag")
	}
	_, err := Transcribe(context.Background(), t.TempDir(), make([]int16, 16000), 16000, nil)
	if core.ErrorCode(err) != core.EUNSUPPORTED || core.ErrorMessage(err) != NotBuiltMessage {
		t.Fatalf("Transcribe: %v", err)
	}
	t.Log("built without -tags vosk: libvosk tests are in vosk_cgo_test.go (run: eval \"$(scripts/install-vosk)\"; go test -tags vosk ./backend/vosk/)")
}
