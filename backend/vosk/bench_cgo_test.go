//go:build vosk

package vosk

import (
	"context"
	"os"
	"testing"
	"time"
)

// BenchmarkTranscribe reports recognition's real-time factor ("rtf":
// seconds of work per second of audio) on the speech fixture, repeated to a
// minute, with the model named by SENTRY_VOSK_MODEL (loaded once, outside the
// timing, as the app keeps it loaded).
func BenchmarkTranscribe(b *testing.B) {
	dir := benchModel(b)
	one, rate := readWAV(b, "speech-16k.wav")
	var pcm []int16
	for len(pcm) < 60*rate {
		pcm = append(pcm, one...)
	}
	SetLogLevel(-1)
	if _, err := Transcribe(context.Background(), dir, pcm[:rate], rate, nil); err != nil {
		b.Fatal(err)
	}
	audio := float64(len(pcm)) / float64(rate)
	start := time.Now()
	for b.Loop() {
		if _, err := Transcribe(context.Background(), dir, pcm, rate, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N)/audio, "rtf")
}

func benchModel(b *testing.B) string {
	b.Helper()
	dir := os.Getenv("SENTRY_VOSK_MODEL")
	if dir == "" {
		b.Skip("SKIPPED: set SENTRY_VOSK_MODEL to a Vosk model folder to measure recognition's real-time factor")
	}
	if err := CheckModel(dir); err != nil {
		b.Fatalf("SENTRY_VOSK_MODEL: %v", err)
	}
	return dir
}
