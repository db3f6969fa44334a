package audio

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The speech pipeline's share of the real-time factor: decoding and
// resampling to 16 kHz mono, reported as seconds of work per second of audio
// ("rtf"; lower is better). Recognition's share is BenchmarkTranscribe in
// backend/vosk, which needs a speech model.
func BenchmarkDecodeRTF(b *testing.B) {
	const seconds = 60.0
	cases := []struct {
		name string
		data func(b *testing.B) []byte
		hint string
	}{
		{"wav-44k1-stereo-s24", func(b *testing.B) []byte {
			return makeWAV(wavSpec{tag: wavPCM, channels: 2, rate: 44100, width: 3}, seconds, sine(440, 0.5))
		}, "wav"},
		{"wav-16k-mono", func(b *testing.B) []byte {
			return makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 16000, width: 2}, seconds, sine(440, 0.5))
		}, "wav"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			data := c.data(b)
			var dur float64
			start := time.Now()
			for b.Loop() {
				pcm, err := Decode(context.Background(), data, c.hint)
				if err != nil {
					b.Fatal(err)
				}
				dur = float64(len(pcm.Samples)) / float64(SampleRate)
			}
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N)/dur, "rtf")
			b.SetBytes(int64(len(data)))
		})
	}
	b.Run("mp3-fixture", func(b *testing.B) {
		data, err := os.ReadFile(filepath.Join("testdata", "speech.mp3"))
		if err != nil {
			b.Fatal(err)
		}
		var dur float64
		start := time.Now()
		for b.Loop() {
			pcm, err := decodeMP3(context.Background(), data)
			if err != nil {
				b.Fatal(err)
			}
			dur = float64(len(pcm.Samples)) / float64(SampleRate)
		}
		b.ReportMetric(time.Since(start).Seconds()/float64(b.N)/dur, "rtf")
	})
}
