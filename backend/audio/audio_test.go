package audio

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
)

// wavSpec describes a WAV file for makeWAV.
type wavSpec struct {
	rate, channels int
	tag            uint16 // wavPCM, wavFloat, wavALaw, wavMuLaw
	width          int    // bytes per sample
	extensible     bool
}

// makeWAV writes a WAV file of the given duration whose every channel
// carries signal(t) (t in seconds, values in [-1, 1]).
func makeWAV(s wavSpec, dur float64, signal func(t float64) float64) []byte {
	frames := int(dur * float64(s.rate))
	blockAlign := s.channels * s.width
	var fmtBody []byte
	le16 := func(b []byte, v int) []byte { return binary.LittleEndian.AppendUint16(b, uint16(v)) }
	le32 := func(b []byte, v int) []byte { return binary.LittleEndian.AppendUint32(b, uint32(v)) }
	tag := int(s.tag)
	if s.extensible {
		tag = wavExtensible
	}
	fmtBody = le16(fmtBody, tag)
	fmtBody = le16(fmtBody, s.channels)
	fmtBody = le32(fmtBody, s.rate)
	fmtBody = le32(fmtBody, s.rate*blockAlign)
	fmtBody = le16(fmtBody, blockAlign)
	bits := 8 * s.width
	if s.extensible && s.width == 4 && s.tag == wavPCM {
		bits = 24 // 24 valid bits in 32-bit containers
	}
	fmtBody = le16(fmtBody, bits)
	if s.extensible {
		fmtBody = le16(fmtBody, 22)
		fmtBody = le16(fmtBody, bits)
		fmtBody = le32(fmtBody, 0) // channel mask
		fmtBody = le16(fmtBody, int(s.tag))
		fmtBody = append(fmtBody, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"...)
	}
	var data []byte
	for i := range frames {
		v := signal(float64(i) / float64(s.rate))
		for range s.channels {
			switch {
			case s.tag == wavFloat && s.width == 4:
				data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(v)))
			case s.tag == wavFloat:
				data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
			case s.tag == wavALaw:
				data = append(data, linearToALaw(int16(v*32767)))
			case s.tag == wavMuLaw:
				data = append(data, linearToMuLaw(int16(v*32767)))
			case s.width == 1:
				data = append(data, byte(math.Round(v*127)+128))
			case s.width == 2:
				data = le16(data, int(math.Round(v*32767)))
			case s.width == 3:
				x := int32(math.Round(v * 8388607))
				data = append(data, byte(x), byte(x>>8), byte(x>>16))
			case s.extensible: // 24 bits left-justified in 32
				data = le32(data, int(int32(math.Round(v*8388607))<<8))
			default:
				data = le32(data, int(int32(math.Round(v*2147483647))))
			}
		}
	}
	var b []byte
	b = append(b, "RIFF"...)
	b = le32(b, 4+8+len(fmtBody)+8+len(data))
	b = append(b, "WAVEfmt "...)
	b = le32(b, len(fmtBody))
	b = append(b, fmtBody...)
	b = append(b, "LIST"...) // a chunk to skip, of odd length
	b = le32(b, 3)
	b = append(b, "abc\x00"...)
	b = append(b, "data"...)
	b = le32(b, len(data))
	return append(b, data...)
}

// G.711 compressors for the test signal (the inverse of alaw/mulaw).
func linearToMuLaw(s int16) byte {
	const bias, clip = 0x84, 32635
	sign := byte(0)
	v := int(s)
	if v < 0 {
		v, sign = -v, 0x80
	}
	v = min(v, clip) + bias
	exp := 7
	for mask := 0x4000; v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := v >> (exp + 3) & 0x0f
	return ^(sign | byte(exp<<4) | byte(mant))
}

func linearToALaw(s int16) byte {
	v := int(s) >> 3
	sign := byte(0x80)
	if v < 0 {
		v, sign = -v-1, 0
	}
	var out byte
	if v < 32 {
		out = byte(v >> 1)
	} else {
		exp := 1
		for v >= 64 && exp < 7 {
			v >>= 1
			exp++
		}
		out = byte(exp<<4) | byte(v>>1&0x0f)
	}
	return (out | sign) ^ 0x55
}

func sine(freq, amp float64) func(t float64) float64 {
	return func(t float64) float64 { return amp * math.Sin(2*math.Pi*freq*t) }
}

// frequency estimates the dominant frequency of s by counting zero
// crossings, ignoring the first and last 10 ms where filters ramp.
func frequency(s []int16) float64 {
	edge := SampleRate / 100
	s = s[edge : len(s)-edge]
	crossings := 0
	for i := 1; i < len(s); i++ {
		if (s[i-1] < 0) != (s[i] < 0) {
			crossings++
		}
	}
	return float64(crossings) / 2 / (float64(len(s)) / SampleRate)
}

// rms is the root mean square of s in [0, 1], edges excluded as above.
func rms(s []int16) float64 {
	edge := min(len(s)/4, SampleRate/100)
	s = s[edge : len(s)-edge]
	var sum float64
	for _, v := range s {
		f := float64(v) / 32768
		sum += f * f
	}
	return math.Sqrt(sum / float64(len(s)))
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestDecodeWAVEncodings(t *testing.T) {
	tests := []struct {
		name string
		spec wavSpec
	}{
		{"8-bit 8 kHz mono", wavSpec{rate: 8000, channels: 1, tag: wavPCM, width: 1}},
		{"16-bit 16 kHz mono", wavSpec{rate: 16000, channels: 1, tag: wavPCM, width: 2}},
		{"16-bit 44.1 kHz stereo", wavSpec{rate: 44100, channels: 2, tag: wavPCM, width: 2}},
		{"24-bit 48 kHz stereo", wavSpec{rate: 48000, channels: 2, tag: wavPCM, width: 3}},
		{"32-bit 22.05 kHz mono", wavSpec{rate: 22050, channels: 1, tag: wavPCM, width: 4}},
		{"24-in-32 extensible 96 kHz 6 channels", wavSpec{rate: 96000, channels: 6, tag: wavPCM, width: 4, extensible: true}},
		{"float32 44.1 kHz stereo", wavSpec{rate: 44100, channels: 2, tag: wavFloat, width: 4}},
		{"float64 11.025 kHz mono", wavSpec{rate: 11025, channels: 1, tag: wavFloat, width: 8}},
		{"float32 extensible 32 kHz", wavSpec{rate: 32000, channels: 1, tag: wavFloat, width: 4, extensible: true}},
		{"A-law 8 kHz", wavSpec{rate: 8000, channels: 1, tag: wavALaw, width: 1}},
		{"μ-law 8 kHz", wavSpec{rate: 8000, channels: 1, tag: wavMuLaw, width: 1}},
		{"16-bit 7 kHz (odd ratio)", wavSpec{rate: 7001, channels: 1, tag: wavPCM, width: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := makeWAV(tc.spec, 0.3, sine(1000, 0.5))
			pcm, err := Decode(context.Background(), b, "wav")
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if pcm.SampleRate != SampleRate || len(pcm.Samples) != int(math.Ceil(0.3*SampleRate*float64(int(0.3*float64(tc.spec.rate)))/(0.3*float64(tc.spec.rate)))) && !near(float64(len(pcm.Samples)), 0.3*SampleRate, 3) {
				t.Errorf("rate %d, %d samples; want %d Hz, ~%d", pcm.SampleRate, len(pcm.Samples), SampleRate, int(0.3*SampleRate))
			}
			if !near(pcm.Duration.Seconds(), 0.3, 0.001) {
				t.Errorf("Duration = %v, want 300ms", pcm.Duration)
			}
			if f := frequency(pcm.Samples); !near(f, 1000, 5) {
				t.Errorf("frequency %.1f Hz, want 1000", f)
			}
			// A sine of amplitude 0.5 has an RMS of 0.354; G.711 and 8-bit lose a little.
			if r := rms(pcm.Samples); !near(r, 0.5/math.Sqrt2, 0.01) {
				t.Errorf("RMS %.4f, want %.4f", r, 0.5/math.Sqrt2)
			}
		})
	}
}

// TestResampleLowPass checks the anti-alias filter: a tone below the new
// Nyquist frequency (8 kHz) passes, one above it is removed rather than
// folded back into the speech band.
func TestResampleLowPass(t *testing.T) {
	spec := wavSpec{rate: 44100, channels: 1, tag: wavFloat, width: 4}
	pass, err := decodeWAV(context.Background(), makeWAV(spec, 0.2, sine(7000, 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	if r := rms(pass.Samples); !near(r, 0.354, 0.04) { // the transition band starts near 6.5 kHz
		t.Errorf("7 kHz tone: RMS %.4f after resampling, want ~0.354 (passed)", r)
	}
	flat, err := decodeWAV(context.Background(), makeWAV(spec, 0.2, sine(6000, 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	if r := rms(flat.Samples); !near(r, 0.354, 0.001) {
		t.Errorf("6 kHz tone: RMS %.4f after resampling, want 0.354 (flat pass band)", r)
	}
	stop, err := decodeWAV(context.Background(), makeWAV(spec, 0.2, sine(12000, 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	if r := rms(stop.Samples); r > 0.354*0.001 { // at least 60 dB down
		t.Errorf("12 kHz tone: RMS %.6f after resampling, want < %.6f (filtered, not aliased to 4 kHz)", r, 0.354*0.001)
	}
}

func TestResamplerStreaming(t *testing.T) {
	// Pushing in odd pieces gives the same output as one push.
	in := make([]float32, 44100)
	for i := range in {
		in[i] = float32(0.3 * math.Sin(float64(i)*0.05))
	}
	whole := newResampler(44100, maxSamples)
	if err := whole.push(in); err != nil {
		t.Fatal(err)
	}
	want, _ := whole.flush()
	pieces := newResampler(44100, maxSamples)
	for i, n := 0, 1; i < len(in); i, n = i+n, n*3%1001+1 {
		if err := pieces.push(in[i:min(len(in), i+n)]); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := pieces.flush()
	if len(got) != len(want) || len(got) != 16000 {
		t.Fatalf("%d samples in pieces, %d whole, want 16000", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("sample %d: %d in pieces, %d whole", i, got[i], want[i])
		}
	}

	short := newResampler(44100, 1000)
	if err := short.push(in); !errors.Is(err, errTooLong) {
		t.Errorf("push past the limit: %v", err)
	}
}

func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		file   string
		dur    float64 // seconds
		tone   bool    // a 1 kHz sine of amplitude 0.5
		ffmpeg bool
	}{
		{"tone-1k-44k1-stereo-s24.wav", 0.1, true, false},
		{"tone-1k-48k-f32.wav", 0.1, true, false},
		{"tone-1k-8k-ulaw.wav", 0.25, true, false},
		{"tone-1k-8k-adpcm.wav", 0.25, true, true},
		{"speech.wav", 2.03, false, false},
		{"speech.mp3", 2.03, false, false},
		{"speech-22k.mp3", 2.03, false, true},
		{"speech.m4a", 2.03, false, true},
		{"speech.ogg", 2.03, false, true},
		{"speech.flac", 2.03, false, true},
		{"video.mp4", 2.03, false, true},
		{"video.webm", 2.03, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			if tc.ffmpeg && !FFmpegAvailable() {
				t.Skip("SKIPPED: ffmpeg is not installed (apt-get install ffmpeg)")
			}
			pcm, err := Decode(context.Background(), readFixture(t, tc.file), filepath.Ext(tc.file))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			// Lossy codecs add encoder delay and padding.
			if !near(pcm.Duration.Seconds(), tc.dur, 0.08) {
				t.Errorf("Duration = %v, want ~%.2fs", pcm.Duration, tc.dur)
			}
			if tc.tone {
				if f := frequency(pcm.Samples); !near(f, 1000, 10) {
					t.Errorf("frequency %.1f Hz, want 1000", f)
				}
				if r := rms(pcm.Samples); !near(r, 0.354, 0.02) {
					t.Errorf("RMS %.4f, want ~0.354", r)
				}
			} else if r := rms(pcm.Samples); r < 0.02 {
				t.Errorf("RMS %.4f: speech decoded as near silence", r)
			}
		})
	}
}

// TestDecodersAgree compares the pure-Go decoders with ffmpeg on the same
// speech: the waveforms must match closely.
func TestDecodersAgree(t *testing.T) {
	if !FFmpegAvailable() {
		t.Skip("SKIPPED: ffmpeg is not installed (apt-get install ffmpeg)")
	}
	for _, tc := range []struct {
		file   string
		decode func(context.Context, []byte) (*PCM, error)
		f      *format
		min    float64
	}{
		{"speech.wav", decodeWAV, fmtWAV, 0.995},
		{"speech.mp3", decodeMP3, fmtMP3, 0.95},
	} {
		b := readFixture(t, tc.file)
		ours, err := tc.decode(context.Background(), b)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		theirs, err := decodeFFmpeg(context.Background(), b, tc.f)
		if err != nil {
			t.Fatalf("%s: ffmpeg: %v", tc.file, err)
		}
		// MP3 decoders may differ in how much of the encoder delay they trim:
		// take the best correlation over small shifts.
		best := 0.0
		for shift := -1200; shift <= 1200; shift++ {
			best = max(best, correlation(ours.Samples, theirs.Samples, shift))
		}
		if best < tc.min {
			t.Errorf("%s: correlation with ffmpeg %.4f, want ≥ %.3f", tc.file, best, tc.min)
		}
		if d := ours.Duration - theirs.Duration; d.Abs() > 80*time.Millisecond {
			t.Errorf("%s: duration %v here, %v by ffmpeg", tc.file, ours.Duration, theirs.Duration)
		}
	}
}

func correlation(a, b []int16, shift int) float64 {
	var ab, aa, bb float64
	for i := range a {
		j := i + shift
		if j < 0 || j >= len(b) {
			continue
		}
		x, y := float64(a[i]), float64(b[j])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

func TestDecodeMP3WithoutFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if FFmpegAvailable() {
		t.Fatal("ffmpeg still found with an empty PATH")
	}
	pcm, err := Decode(context.Background(), readFixture(t, "speech.mp3"), "")
	if err != nil {
		t.Fatalf("Decode(mp3) without ffmpeg: %v", err)
	}
	if !near(pcm.Duration.Seconds(), 2.03, 0.08) || rms(pcm.Samples) < 0.02 {
		t.Errorf("Duration %v, RMS %.4f", pcm.Duration, rms(pcm.Samples))
	}
}

func TestDecodeErrors(t *testing.T) {
	wav := makeWAV(wavSpec{rate: 16000, channels: 1, tag: wavPCM, width: 2}, 0.1, sine(440, 0.5))
	tests := []struct {
		name     string
		data     []byte
		hint     string
		noFFmpeg bool
		code     string
		msg      string
	}{
		{"empty", nil, "wav", false, core.EINVALID, "empty"},
		{"unknown bytes", []byte("hello, this is plain text"), "wav", false, core.EUNSUPPORTED, "not in a recognised"},
		{"playlist is not opened", []byte("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n"), "m3u8", false, core.EUNSUPPORTED, "not in a recognised"},
		{"WAV without data", wav[:44], "", false, core.EINVALID, "damaged"},
		{"WAV header only", wav[:12], "", false, core.EINVALID, "damaged"},
		{"WAV cut in the fmt chunk", wav[:30], "", false, core.EINVALID, "damaged"},
		{"WAV with a fmt chunk of 0 channels", func() []byte { b := append([]byte(nil), wav...); b[22] = 0; return b }(), "", false, core.EINVALID, "damaged"},
		{"m4a without ffmpeg", readFixture(t, "speech.m4a"), "m4a", true, core.EUNSUPPORTED, "needs ffmpeg"},
		{"webm without ffmpeg", readFixture(t, "video.webm"), "", true, core.EUNSUPPORTED, "apt-get install ffmpeg"},
		{"ADPCM WAV without ffmpeg", readFixture(t, "tone-1k-8k-adpcm.wav"), "", true, core.EUNSUPPORTED, "needs ffmpeg"},
		{"22 kHz MP3 without ffmpeg", readFixture(t, "speech-22k.mp3"), "", true, core.EUNSUPPORTED, "needs ffmpeg"},
		{"damaged MP3 without ffmpeg", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), make([]byte, 500)...), "mp3", true, core.EINVALID, "MP3"},
		{"video without sound", readFixture(t, "noaudio.mp4"), "mp4", false, core.EINVALID, "no audio track"},
		{"truncated MP4", readFixture(t, "speech.m4a")[:200], "m4a", false, core.EINVALID, "could not be decoded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.noFFmpeg {
				t.Setenv("PATH", t.TempDir())
			} else if tc.code != core.EUNSUPPORTED && !FFmpegAvailable() && sniff(tc.data) != nil && sniff(tc.data) != fmtWAV {
				t.Skip("SKIPPED: ffmpeg is not installed (apt-get install ffmpeg)")
			}
			_, err := Decode(context.Background(), tc.data, tc.hint)
			if core.ErrorCode(err) != tc.code || !strings.Contains(core.ErrorMessage(err), tc.msg) {
				t.Fatalf("Decode: %v; want %s error containing %q", err, tc.code, tc.msg)
			}
		})
	}
}

func TestDecodeTruncatedWAV(t *testing.T) {
	// A recorder that was killed leaves sizes unset or too large: the
	// frames that are there are decoded.
	wav := makeWAV(wavSpec{rate: 16000, channels: 2, tag: wavPCM, width: 2}, 0.5, sine(440, 0.5))
	cut := wav[:len(wav)-1001]
	pcm, err := Decode(context.Background(), cut, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := (len(cut) - (len(wav) - 0.5*16000*4)) / 4; len(pcm.Samples) != want {
		t.Errorf("%d samples, want %d whole frames", len(pcm.Samples), want)
	}
}

func TestDecodeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, f := range []string{"speech.wav", "speech.mp3", "speech.m4a"} {
		if _, err := Decode(ctx, readFixture(t, f), ""); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want context.Canceled", f, err)
		}
	}
}

func TestReadS16Limit(t *testing.T) {
	r := strings.NewReader(strings.Repeat("\x01\x00", 1000) + "\x02")
	got, err := readS16(r, 1000)
	if err != nil || len(got) != 1000 || got[999] != 1 {
		t.Fatalf("readS16: %d samples, %v", len(got), err)
	}
	if _, err := readS16(strings.NewReader(strings.Repeat("\x00", 2002)), 1000); !errors.Is(err, errTooLong) {
		t.Errorf("past the limit: %v", err)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		data string
		want *format
	}{
		{"wav", "RIFF\x00\x00\x00\x00WAVEfmt ", fmtWAV},
		{"rf64", "RF64\xff\xff\xff\xffWAVEds64", fmtWAV},
		{"flac", "fLaC\x00\x00\x00\x22", fmtFLAC},
		{"ogg", "OggS\x00\x02", fmtOgg},
		{"webm", "\x1a\x45\xdf\xa3\x9f\x42\x86", fmtMatroska},
		{"m4a", "\x00\x00\x00\x20ftypM4A ", fmtMP4},
		{"mov", "\x00\x00\x00\x14ftypqt  ", fmtMP4},
		{"mp3 with tag", "ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x44", fmtMP3},
		{"bare mp3 frame", "\xff\xfb\x90\x44\x00", fmtMP3},
		{"mpeg-2 layer 3", "\xff\xf3\x48\xc4\x00", fmtMP3},
		{"adts aac", "\xff\xf1\x50\x80\x02\x1f\xfc", fmtAAC},
		{"aiff", "FORM\x00\x00\x00\x00AIFFCOMM", fmtAIFF},
		{"text", "hello world", nil},
		{"png", "\x89PNG\r\n\x1a\n", nil},
		{"short", "RI", nil},
	}
	for _, tc := range tests {
		if got := sniff([]byte(tc.data)); got != tc.want {
			t.Errorf("%s: sniff = %v, want %v", tc.name, got, tc.want)
		}
	}
	for hint, want := range map[string]*format{"mp3": fmtMP3, ".MP3": fmtMP3, "audio/mpeg; charset=x": fmtMP3, "audio/aac": fmtAAC, "wav": nil, "": nil} {
		if got := fromHint(hint); got != want {
			t.Errorf("fromHint(%q) = %v, want %v", hint, got, want)
		}
	}
}

func TestG711(t *testing.T) {
	// Round trips through the test's compressors stay within G.711's step.
	for v := -32000; v <= 32000; v += 97 {
		for name, got := range map[string]int16{"A-law": alaw(linearToALaw(int16(v))), "μ-law": mulaw(linearToMuLaw(int16(v)))} {
			if tol := max(40, math.Abs(float64(v))/16); math.Abs(float64(got)-float64(v)) > tol {
				t.Fatalf("%s: %d → %d", name, v, got)
			}
		}
	}
}

// FuzzDecodeWAV feeds arbitrary bytes to the WAV decoder: it must not
// panic, and what it accepts must be consistent.
func FuzzDecodeWAV(f *testing.F) {
	for _, name := range []string{"tone-1k-8k-ulaw.wav", "tone-1k-8k-adpcm.wav"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(makeWAV(wavSpec{rate: 44100, channels: 2, tag: wavPCM, width: 3}, 0.01, sine(1000, 0.5)))
	f.Add(makeWAV(wavSpec{rate: 8000, channels: 3, tag: wavFloat, width: 8, extensible: true}, 0.01, sine(1000, 0.5)))
	f.Add(makeWAV(wavSpec{rate: 16000, channels: 1, tag: wavALaw, width: 1}, 0.01, sine(1000, 0.5)))
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\xff\xff\xff\xff\x01\x02"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pcm, err := decodeWAV(context.Background(), b)
		if err != nil {
			var unsup *unsupportedWAV
			if code := core.ErrorCode(err); code == core.EINTERNAL && !errors.As(err, &unsup) {
				t.Fatalf("error without a user-safe code: %v", err)
			}
			return
		}
		if pcm.SampleRate != SampleRate || len(pcm.Samples) == 0 ||
			pcm.Duration != time.Duration(len(pcm.Samples))*time.Second/SampleRate {
			t.Fatalf("inconsistent PCM: rate %d, %d samples, %v", pcm.SampleRate, len(pcm.Samples), pcm.Duration)
		}
		// Output can't outgrow input by more than the worst ratio (1 kHz 8-bit mono).
		if len(pcm.Samples) > 16*len(b)+1 {
			t.Fatalf("%d samples from %d bytes", len(pcm.Samples), len(b))
		}
	})
}

// FuzzDecodeMP3 feeds arbitrary bytes to the pure-Go MP3 path.
func FuzzDecodeMP3(f *testing.F) {
	for _, name := range []string{"speech.mp3", "speech-22k.mp3"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 2000)])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pcm, err := decodeMP3(context.Background(), b)
		if err != nil {
			var unsup *unsupportedMP3
			if core.ErrorCode(err) == core.EINTERNAL && !errors.As(err, &unsup) {
				t.Fatalf("error without a user-safe code: %v", err)
			}
			return
		}
		if pcm.SampleRate != SampleRate || len(pcm.Samples) == 0 {
			t.Fatalf("inconsistent PCM: rate %d, %d samples", pcm.SampleRate, len(pcm.Samples))
		}
	})
}
