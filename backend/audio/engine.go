package audio

import (
	"context"

	"sentry/backend/core"
)

// Decoder is core.AudioDecoder over Decode.
type Decoder struct{}

// Decode decodes a recording into 16 kHz mono PCM (see the package
// function Decode for the errors).
func (Decoder) Decode(ctx context.Context, data []byte, kindHint string) (*core.PCM, error) {
	p, err := Decode(ctx, data, kindHint)
	if err != nil {
		return nil, err
	}
	return &core.PCM{Samples: p.Samples, SampleRate: p.SampleRate}, nil
}
