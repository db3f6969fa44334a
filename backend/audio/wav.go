package audio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"sentry/backend/core"
)

// WAV format tags that the pure-Go decoder reads.
const (
	wavPCM        = 0x0001
	wavFloat      = 0x0003
	wavALaw       = 0x0006
	wavMuLaw      = 0x0007
	wavExtensible = 0xfffe
)

// wavInfo describes the sample data of a parsed WAV file.
type wavInfo struct {
	tag      uint16 // wavPCM, wavFloat, wavALaw or wavMuLaw
	channels int
	rate     int
	width    int // bytes per sample of one channel
	data     []byte
}

func (w *wavInfo) frames() int { return len(w.data) / (w.channels * w.width) }

// errDamagedWAV is the user-facing error for malformed WAV files; the
// wrapping error says what is wrong.
var errDamagedWAV = core.Errorf(core.EINVALID, "The WAV file is damaged or incomplete.")

func damaged(format string, args ...any) error {
	return fmt.Errorf("audio: wav: %s: %w", fmt.Sprintf(format, args...), errDamagedWAV)
}

// parseWAV reads the RIFF structure of a WAV file without copying samples.
// Files cut short are accepted up to their last whole frame, and so is a
// data chunk whose size was never filled in (recorders that were stopped).
func parseWAV(b []byte) (*wavInfo, error) {
	if len(b) < 12 || string(b[8:12]) != "WAVE" {
		return nil, damaged("no RIFF/WAVE header")
	}
	switch string(b[:4]) {
	case "RIFF":
	case "RF64", "RIFX":
		return nil, &unsupportedWAV{what: string(b[:4]) + " container"}
	default:
		return nil, damaged("no RIFF/WAVE header")
	}
	var (
		w       wavInfo
		haveFmt bool
		data    []byte
		found   bool
	)
	for p := 12; p+8 <= len(b); {
		id := string(b[p : p+4])
		size := int64(binary.LittleEndian.Uint32(b[p+4:]))
		body := int64(p + 8)
		end := body + size
		if end > int64(len(b)) {
			if id != "data" {
				break // a truncated trailing chunk we would not read anyway
			}
			end = int64(len(b))
		}
		switch id {
		case "fmt ":
			if haveFmt {
				return nil, damaged("two fmt chunks")
			}
			if err := w.parseFmt(b[body:end]); err != nil {
				return nil, err
			}
			haveFmt = true
		case "data":
			if !found {
				data, found = b[body:end], true
			}
		}
		p = int(end + size&1)
	}
	if !haveFmt {
		return nil, damaged("no fmt chunk")
	}
	if !found {
		return nil, damaged("no data chunk")
	}
	frame := w.channels * w.width
	w.data = data[:len(data)/frame*frame]
	return &w, nil
}

// parseFmt reads a WAVEFORMATEX (or WAVEFORMATEXTENSIBLE) chunk body.
func (w *wavInfo) parseFmt(f []byte) error {
	if len(f) < 16 {
		return damaged("fmt chunk of %d bytes", len(f))
	}
	w.tag = binary.LittleEndian.Uint16(f[0:])
	w.channels = int(binary.LittleEndian.Uint16(f[2:]))
	w.rate = int(binary.LittleEndian.Uint32(f[4:]))
	blockAlign := int(binary.LittleEndian.Uint16(f[12:]))
	bits := int(binary.LittleEndian.Uint16(f[14:]))
	if w.tag == wavExtensible {
		if len(f) < 40 {
			return damaged("extensible fmt chunk of %d bytes", len(f))
		}
		w.tag = binary.LittleEndian.Uint16(f[24:]) // first bytes of the subformat GUID
	}
	if w.channels < 1 || w.channels > 64 {
		return damaged("%d channels", w.channels)
	}
	if w.rate < 1000 || w.rate > 768000 {
		return damaged("sample rate %d Hz", w.rate)
	}
	if bits < 1 || blockAlign < 1 || blockAlign%w.channels != 0 {
		return damaged("%d bits, block align %d for %d channels", bits, blockAlign, w.channels)
	}
	// Samples sit left-justified in containers of blockAlign/channels bytes
	// (24 valid bits in 32-bit containers, say), so the container decides.
	w.width = blockAlign / w.channels
	if (bits+7)/8 > w.width {
		return damaged("%d bits in %d-byte samples", bits, w.width)
	}
	ok := false
	switch w.tag {
	case wavPCM:
		ok = w.width >= 1 && w.width <= 4
	case wavFloat:
		ok = w.width == 4 || w.width == 8
	case wavALaw, wavMuLaw:
		ok = w.width == 1
	default:
		return &unsupportedWAV{what: fmt.Sprintf("sample format 0x%04x", w.tag)}
	}
	if !ok {
		return &unsupportedWAV{what: fmt.Sprintf("%d-byte samples of format 0x%04x", w.width, w.tag)}
	}
	return nil
}

// sampleFunc returns the decoder of one channel sample to [-1, 1].
func (w *wavInfo) sampleFunc() func(b []byte) float32 {
	switch {
	case w.tag == wavALaw:
		return func(b []byte) float32 { return float32(alaw(b[0])) / 32768 }
	case w.tag == wavMuLaw:
		return func(b []byte) float32 { return float32(mulaw(b[0])) / 32768 }
	case w.tag == wavFloat && w.width == 4:
		return func(b []byte) float32 {
			return clampFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
		}
	case w.tag == wavFloat:
		return func(b []byte) float32 { return clampFloat(math.Float64frombits(binary.LittleEndian.Uint64(b))) }
	case w.width == 1: // 8-bit WAV is unsigned
		return func(b []byte) float32 { return float32(int(b[0])-128) / 128 }
	case w.width == 2:
		return func(b []byte) float32 { return float32(int16(binary.LittleEndian.Uint16(b))) / (1 << 15) }
	case w.width == 3:
		return func(b []byte) float32 {
			return float32(int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24)>>8) / (1 << 23)
		}
	default:
		return func(b []byte) float32 { return float32(float64(int32(binary.LittleEndian.Uint32(b))) / (1 << 31)) }
	}
}

func clampFloat(v float64) float32 {
	switch {
	case v != v: // NaN
		return 0
	case v > 1:
		return 1
	case v < -1:
		return -1
	}
	return float32(v)
}

// decodeWAV decodes PCM, float, A-law and μ-law WAV files of any rate and
// channel count: channels are averaged, then resampled to SampleRate.
// Other encodings give an *unsupportedWAV error for the caller to hand to
// ffmpeg.
func decodeWAV(ctx context.Context, b []byte) (*PCM, error) {
	w, err := parseWAV(b)
	if err != nil {
		return nil, err
	}
	frames := w.frames()
	if frames == 0 {
		return nil, core.Errorf(core.EINVALID, "The WAV file contains no audio.")
	}
	if time.Duration(frames)*time.Second/time.Duration(w.rate) > MaxDuration {
		return nil, tooLong()
	}
	sample := w.sampleFunc()
	frame := w.channels * w.width
	r := newResampler(w.rate, maxSamples)
	const block = 8192
	mono := make([]float32, 0, block)
	scale := 1 / float32(w.channels)
	for f := 0; f < frames; f += block {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		mono = mono[:0]
		for i := f; i < min(frames, f+block); i++ {
			fb := w.data[i*frame : (i+1)*frame]
			var sum float32
			for c := 0; c < len(fb); c += w.width {
				sum += sample(fb[c : c+w.width])
			}
			mono = append(mono, sum*scale)
		}
		if err := r.push(mono); err != nil {
			return nil, resampleError(err)
		}
	}
	out, err := r.flush()
	if err != nil {
		return nil, resampleError(err)
	}
	return newPCM(out), nil
}

func tooLong() error {
	return core.Errorf(core.ETOOLARGE, "Recordings longer than %d hours are not supported.", int(MaxDuration.Hours()))
}

func resampleError(err error) error {
	if errors.Is(err, errTooLong) {
		return tooLong()
	}
	return err
}

// alaw and mulaw expand G.711 samples to 16-bit linear (ITU-T G.711).
func alaw(a byte) int16 {
	a ^= 0x55
	t := int16(a&0x0f)<<4 + 8
	seg := a >> 4 & 7
	if seg > 0 {
		t = (t + 0x100) << (seg - 1)
	}
	if a&0x80 == 0 {
		return -t
	}
	return t
}

func mulaw(u byte) int16 {
	u = ^u
	t := (int16(u&0x0f)<<3 + 0x84) << (u >> 4 & 7)
	if u&0x80 != 0 {
		return 0x84 - t
	}
	return t - 0x84
}
