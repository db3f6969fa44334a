// Package audio decodes recordings (voice memos, meeting audio, the sound of
// videos) into 16 kHz mono 16-bit PCM, the input of speech recognition.
//
// WAV is decoded in pure Go, and MP3 too when ffmpeg is missing; everything
// else (M4A/AAC, Ogg Vorbis/Opus, FLAC, MP4, MOV, WebM, …) needs the ffmpeg
// program. The format is sniffed from the bytes; the caller's hint (a file
// extension or a MIME type) only helps for formats without a signature.
package audio

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"time"

	"sentry/backend/core"
)

// SampleRate is the rate of every decoded PCM.
const SampleRate = 16000

// MaxDuration bounds a decoded recording: longer input is refused rather
// than held in memory (4 h of 16 kHz 16-bit audio is 460 MB).
const MaxDuration = 4 * time.Hour

// maxSamples is MaxDuration in output samples.
const maxSamples = int(MaxDuration/time.Second) * SampleRate

// PCM is decoded audio: signed 16-bit mono samples at SampleRate.
type PCM struct {
	Samples    []int16
	SampleRate int
	Duration   time.Duration
}

func newPCM(samples []int16) *PCM {
	return &PCM{
		Samples:    samples,
		SampleRate: SampleRate,
		Duration:   time.Duration(len(samples)) * time.Second / SampleRate,
	}
}

// FFmpegAvailable reports whether the ffmpeg program is on PATH, which
// decoding of formats other than WAV and MP3 needs.
func FFmpegAvailable() bool {
	_, err := exec.LookPath("ffmpeg")
	return err == nil
}

// Decode decodes a recording into 16 kHz mono PCM. kindHint is a file
// extension ("mp3", ".m4a") or a MIME type ("audio/mpeg"), or empty; the
// content decides when it has a recognisable signature. Video containers
// give their first audio track. Decode stops when ctx is done.
//
// Errors: core EINVALID for empty or damaged input and for media without
// an audio track; core EUNSUPPORTED for an unknown format, or a format that needs
// ffmpeg when it is not installed (the message says so); core ETOOLARGE for
// recordings longer than MaxDuration.
func Decode(ctx context.Context, data []byte, kindHint string) (*PCM, error) {
	if len(data) == 0 {
		return nil, core.Errorf(core.EINVALID, "The audio file is empty.")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := sniff(data)
	if f == nil {
		f = fromHint(kindHint)
	}
	if f == nil {
		return nil, core.Errorf(core.EUNSUPPORTED, "The file is not in a recognised audio or video format.")
	}
	ff := FFmpegAvailable()
	switch {
	case f.name == "wav":
		pcm, err := decodeWAV(ctx, data)
		var unsup *unsupportedWAV
		if errors.As(err, &unsup) {
			if ff {
				return decodeFFmpeg(ctx, data, f)
			}
			return nil, core.Errorf(core.EUNSUPPORTED,
				"This WAV file (%s) needs ffmpeg, which is not installed: %s.", unsup.what, installFFmpeg)
		}
		return pcm, err
	case ff:
		return decodeFFmpeg(ctx, data, f)
	case f.name == "mp3":
		pcm, err := decodeMP3(ctx, data)
		var unsup *unsupportedMP3
		if errors.As(err, &unsup) {
			return nil, core.Errorf(core.EUNSUPPORTED, "This MP3 file (%s) needs ffmpeg, which is not installed: %s.", unsup.what, installFFmpeg)
		}
		return pcm, err
	}
	return nil, needFFmpeg(f)
}

func needFFmpeg(f *format) error {
	return core.Errorf(core.EUNSUPPORTED, "Decoding %s needs ffmpeg, which is not installed: %s.", f.label, installFFmpeg)
}

const installFFmpeg = "install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) and try again"

// format is a container or stream type that we can recognise.
type format struct {
	name  string // our name, also in error messages
	label string // for users: "M4A/MP4 audio"
	demux string // ffmpeg's demuxer for it
}

var (
	fmtWAV      = &format{"wav", "WAV audio", "wav"}
	fmtMP3      = &format{"mp3", "MP3 audio", "mp3"}
	fmtAAC      = &format{"aac", "AAC audio", "aac"}
	fmtFLAC     = &format{"flac", "FLAC audio", "flac"}
	fmtOgg      = &format{"ogg", "Ogg audio", "ogg"}
	fmtMP4      = &format{"mp4", "MP4/M4A/MOV media", "mov"}
	fmtMatroska = &format{"webm", "WebM/Matroska media", "matroska"}
	fmtAIFF     = &format{"aiff", "AIFF audio", "aiff"}
	fmtASF      = &format{"asf", "WMA/ASF media", "asf"}
	fmtAMR      = &format{"amr", "AMR audio", "amr"}
	fmtCAF      = &format{"caf", "CAF audio", "caf"}
)

// sniff recognises a format from the first bytes of data, or returns nil.
func sniff(b []byte) *format {
	has := func(off int, sig string) bool {
		return len(b) >= off+len(sig) && string(b[off:off+len(sig)]) == sig
	}
	switch {
	case (has(0, "RIFF") || has(0, "RIFX")) && has(8, "WAVE"), has(0, "RF64") && has(8, "WAVE"):
		return fmtWAV
	case has(0, "fLaC"):
		return fmtFLAC
	case has(0, "OggS"):
		return fmtOgg
	case has(0, "\x1a\x45\xdf\xa3"):
		return fmtMatroska
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return fmtAIFF
	case has(0, "\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
		return fmtASF
	case has(0, "#!AMR"):
		return fmtAMR
	case has(0, "caff"):
		return fmtCAF
	case has(4, "ftyp"), has(4, "moov"), has(4, "mdat"), has(4, "wide"), has(4, "free"), has(4, "skip"):
		return fmtMP4
	case has(0, "ID3"):
		// An ID3v2 tag precedes MP3 and, rarely, ADTS AAC streams; skip it.
		if len(b) >= 10 {
			size := int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f)
			if f := sniffFrame(b[min(len(b), 10+size):]); f != nil {
				return f
			}
		}
		return fmtMP3
	}
	return sniffFrame(b)
}

// sniffFrame recognises an MPEG audio or ADTS frame header at the start of
// b: 11 sync bits, then the layer bits tell MP3 (layer 1–3) from AAC (0).
func sniffFrame(b []byte) *format {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return nil
	}
	if b[1]&0xf6 == 0xf0 { // MPEG-2/4 ADTS, layer 00
		return fmtAAC
	}
	if layer := b[1] >> 1 & 3; layer != 0 && b[1]>>3&3 != 1 && b[2]>>4 != 0xf {
		return fmtMP3
	}
	return nil
}

// fromHint maps a file extension or MIME type to a format for data whose
// bytes were not recognised. Only formats without a reliable signature are
// taken on the hint's word: raw MPEG and ADTS streams may start with junk.
func fromHint(hint string) *format {
	h := strings.ToLower(strings.TrimSpace(hint))
	if i := strings.IndexByte(h, ';'); i >= 0 { // "audio/mpeg; codecs=…"
		h = strings.TrimSpace(h[:i])
	}
	h = strings.TrimPrefix(h, ".")
	switch h {
	case "mp3", "mpga", "audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg", "audio/x-mp3":
		return fmtMP3
	case "aac", "audio/aac", "audio/aacp", "audio/x-aac":
		return fmtAAC
	}
	return nil
}

// unsupportedWAV marks WAV files whose sample encoding the pure-Go decoder
// does not handle (ADPCM, GSM, …) but ffmpeg may.
type unsupportedWAV struct{ what string }

func (e *unsupportedWAV) Error() string {
	return "audio: wav: " + e.what + " is not supported without ffmpeg"
}
