package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"sentry/backend/core"
)

// decodeFFmpeg decodes the first audio track of data with the ffmpeg
// program. The input goes through a temporary file because MP4 and MOV
// files may keep their index at the end, which a pipe cannot seek to.
//
// The input is untrusted, so ffmpeg is told which demuxer to use (no
// playlist or concat formats that would open other files or URLs) and may
// open only the one file it was given.
func decodeFFmpeg(ctx context.Context, data []byte, f *format) (*PCM, error) {
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, needFFmpeg(f)
	}
	tmp, err := os.CreateTemp("", "sentry-audio-*")
	if err != nil {
		return nil, fmt.Errorf("audio: ffmpeg: temp file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("audio: ffmpeg: temp file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("audio: ffmpeg: temp file: %w", err)
	}

	limit := strconv.Itoa(int(MaxDuration/time.Second) + 1) // one second over the limit tells "too long"
	cmd := exec.CommandContext(ctx, bin,
		"-nostdin", "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", "file",
		"-f", f.demux, "-i", "file:"+tmp.Name(),
		"-map", "0:a:0", "-vn", "-sn", "-dn",
		"-t", limit,
		"-ac", "1", "-ar", strconv.Itoa(SampleRate),
		"-f", "s16le", "-acodec", "pcm_s16le", "-")
	cmd.Stdin = nil
	stderr := &limitedBuffer{max: 4096}
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("audio: ffmpeg: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("audio: ffmpeg: start: %w", err)
	}
	samples, readErr := readS16(stdout, maxSamples)
	if readErr != nil {
		_ = cmd.Process.Kill()
	}
	waitErr := cmd.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if errors.Is(readErr, errTooLong) {
		return nil, tooLong()
	} else if readErr != nil {
		return nil, fmt.Errorf("audio: ffmpeg: read output: %w", readErr)
	}
	msg := strings.TrimSpace(stderr.String())
	if waitErr != nil {
		if strings.Contains(msg, "matches no streams") {
			return nil, fmt.Errorf("audio: ffmpeg: %s: %w", msg,
				core.Errorf(core.EINVALID, "The file has no audio track."))
		}
		return nil, fmt.Errorf("audio: ffmpeg: %v: %s: %w", waitErr, msg,
			core.Errorf(core.EINVALID, "The %s file could not be decoded; it may be damaged.", f.label))
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("audio: ffmpeg: no samples: %s: %w", msg,
			core.Errorf(core.EINVALID, "The file contains no audio."))
	}
	return newPCM(samples), nil
}

// readS16 reads little-endian 16-bit samples until EOF, failing with
// errTooLong past limit samples.
func readS16(r io.Reader, limit int) ([]int16, error) {
	var out []int16
	buf := make([]byte, 64<<10)
	var odd []byte // a byte of a sample split across reads
	for {
		n, err := r.Read(buf)
		b := buf[:n]
		if len(odd) > 0 && n > 0 {
			b = append(odd, b...)
			odd = odd[:0]
		}
		if len(b)%2 == 1 {
			odd = append(odd[:0], b[len(b)-1])
			b = b[:len(b)-1]
		}
		if len(out)+len(b)/2 > limit {
			return nil, errTooLong
		}
		for i := 0; i+1 < len(b); i += 2 {
			out = append(out, int16(binary.LittleEndian.Uint16(b[i:])))
		}
		if err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
	}
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
