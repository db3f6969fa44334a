package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	mp3 "github.com/hajimehoshi/go-mp3"

	"sentry/backend/core"
)

var errDamagedMP3 = core.Errorf(core.EINVALID, "The MP3 file is damaged or not an MP3 file.")

// reader hides bytes.Reader's Seek from the MP3 decoder, which would
// otherwise scan the whole file for frame offsets before decoding.
type reader struct{ r *bytes.Reader }

func (r reader) Read(p []byte) (int, error) { return r.r.Read(p) }

// decodeMP3 decodes MPEG-1/2 layer III in pure Go. The decoder yields 16-bit
// stereo (mono files duplicated), which is averaged and resampled.
func decodeMP3(ctx context.Context, b []byte) (pcm *PCM, err error) {
	defer func() {
		// The decoder indexes tables with values read from the stream; a
		// damaged file must not take the process down.
		if p := recover(); p != nil {
			pcm, err = nil, fmt.Errorf("audio: mp3: decoder panic: %v: %w", p, errDamagedMP3)
		}
	}()
	if err := checkMP3(b); err != nil {
		return nil, err
	}
	d, err := mp3.NewDecoder(reader{bytes.NewReader(b)})
	if err != nil {
		return nil, fmt.Errorf("audio: mp3: %v: %w", err, errDamagedMP3)
	}
	rate := d.SampleRate()
	if rate < 8000 || rate > 48000 {
		return nil, fmt.Errorf("audio: mp3: sample rate %d: %w", rate, errDamagedMP3)
	}
	r := newResampler(rate, maxSamples)
	buf := make([]byte, 4*4096)
	mono := make([]float32, 0, 4096)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, rerr := io.ReadFull(d, buf)
		mono = mono[:0]
		for i := 0; i+4 <= n; i += 4 {
			l := int16(binary.LittleEndian.Uint16(buf[i:]))
			rr := int16(binary.LittleEndian.Uint16(buf[i+2:]))
			mono = append(mono, (float32(l)+float32(rr))/(2<<15))
		}
		if err := r.push(mono); err != nil {
			return nil, resampleError(err)
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		} else if rerr != nil {
			if r.in > 0 {
				break // keep the audio before damage at the end (a stray tag, a cut download)
			}
			return nil, fmt.Errorf("audio: mp3: %v: %w", rerr, errDamagedMP3)
		}
	}
	out, err := r.flush()
	if err != nil {
		return nil, resampleError(err)
	}
	if len(out) == 0 {
		return nil, core.Errorf(core.EINVALID, "The MP3 file contains no audio.")
	}
	return newPCM(out), nil
}

// unsupportedMP3 marks MP3 streams that the pure-Go decoder would get
// wrong; ffmpeg decodes them.
type unsupportedMP3 struct{ what string }

func (e *unsupportedMP3) Error() string {
	return "audio: mp3: " + e.what + " is not supported without ffmpeg"
}

// mp3Header is the part of an MPEG audio frame header that sizes a frame.
type mp3Header struct {
	lsf      bool // MPEG-2 "low sampling frequency"
	v25      bool // MPEG-2.5
	layer3   bool
	crc      bool
	bitrate  int // bits per second; 0 for free format
	rate     int
	padding  int
	mono     bool
	emphasis int
}

var (
	mp3Bitrates    = [2][16]int{{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1}, {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1}}
	mp3SampleRates = [3][3]int{{44100, 48000, 32000}, {22050, 24000, 16000}, {11025, 12000, 8000}}
)

// parseMP3Header reads the 4 bytes at b, applying the validity rules of the
// decoder's own sync search (so both find the same frames).
func parseMP3Header(b []byte) (h mp3Header, ok bool) {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return h, false
	}
	version, layer := b[1]>>3&3, b[1]>>1&3
	bri, sri := b[2]>>4, b[2]>>2&3
	h.emphasis = int(b[3] & 3)
	if version == 1 || layer == 0 || bri == 15 || sri == 3 || h.emphasis == 2 {
		return h, false
	}
	h.lsf, h.v25 = version != 3, version == 0
	h.layer3 = layer == 1
	h.crc = b[1]&1 == 0
	t := 0
	if h.lsf {
		t = 1
	}
	h.bitrate = mp3Bitrates[t][bri] * 1000
	row := 0
	switch version {
	case 2:
		row = 1
	case 0:
		row = 2
	}
	h.rate = mp3SampleRates[row][sri]
	h.padding = int(b[2] >> 1 & 1)
	h.mono = b[3]>>6 == 3
	return h, true
}

// checkMP3 walks the frames of an MP3 stream the way the pure-Go decoder
// does and refuses, with an *unsupportedMP3, what it would decode wrongly
// or not at all: MPEG-2.5, layers I and II, free format, padded MPEG-2
// frames whose size it miscomputes, and bit reservoirs reaching further
// back than it keeps. It also bounds the ID3 tag it would allocate.
func checkMP3(b []byte) error {
	p := 0
	if len(b) >= 10 && string(b[:3]) == "ID3" {
		size := int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f)
		if 10+size > len(b) {
			return fmt.Errorf("audio: mp3: ID3 tag of %d bytes in a %d-byte file: %w", size, len(b), errDamagedMP3)
		}
		p = 10 + size
	} else if len(b) >= 128 && string(b[:3]) == "TAG" {
		p = 128
	}
	frames, reservoir := 0, -1 // bytes of main data the decoder keeps; -1 before the first frame
	var first mp3Header
	for p+4 <= len(b) {
		h, ok := parseMP3Header(b[p:])
		if !ok {
			p++ // the decoder resynchronises byte by byte
			continue
		}
		switch {
		case h.v25:
			return &unsupportedMP3{"MPEG-2.5 audio"}
		case !h.layer3:
			return &unsupportedMP3{"MPEG layer I/II audio"}
		case h.bitrate == 0:
			return &unsupportedMP3{"free-format MP3"}
		}
		if frames == 0 {
			first = h
		} else if h.rate != first.rate {
			return &unsupportedMP3{"an MP3 stream that changes sample rate"}
		}
		size := 144*h.bitrate/h.rate + h.padding
		decoderSize := size
		if h.lsf {
			size = 72*h.bitrate/h.rate + h.padding
			decoderSize = (144*h.bitrate/h.rate + h.padding) >> 1
		}
		if size != decoderSize {
			return &unsupportedMP3{fmt.Sprintf("padded MPEG-2 frames at %d Hz", h.rate)}
		}
		side := 4
		if h.crc {
			side += 2
		}
		if p+size > len(b) {
			break // a cut last frame ends decoding
		}
		var begin, sideSize int
		switch {
		case h.lsf && h.mono:
			begin, sideSize = int(b[p+side]), 9
		case h.lsf:
			begin, sideSize = int(b[p+side]), 17
		case h.mono:
			begin, sideSize = int(b[p+side])<<1|int(b[p+side+1]>>7), 17
		default:
			begin, sideSize = int(b[p+side])<<1|int(b[p+side+1]>>7), 32
		}
		main := size - side - sideSize
		if main < 0 {
			return fmt.Errorf("audio: mp3: frame of %d bytes: %w", size, errDamagedMP3)
		}
		// The decoder keeps the main data of the last frame and the part
		// of earlier ones that frame used; a frame reaching further back
		// is decoded from the wrong bytes.
		switch {
		case reservoir < 0:
			reservoir = main
		case begin > reservoir:
			if frames > 1 {
				return &unsupportedMP3{"an MP3 whose bit reservoir spans several frames"}
			}
			reservoir += main // a stream cut at the start: the decoder skips ahead
		default:
			reservoir = begin + main
		}
		frames++
		p += size
	}
	if frames == 0 {
		return fmt.Errorf("audio: mp3: no frames: %w", errDamagedMP3)
	}
	return nil
}
