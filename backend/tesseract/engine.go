package tesseract

import (
	"context"

	"sentry/backend/core"
)

// Engine is core.OCR over Recognize. Languages are Tesseract language
// codes, eng when empty.
type Engine struct {
	Languages []string
}

// Recognize reads the text of an image with each word's box (see the
// package function Recognize for the errors).
func (e Engine) Recognize(ctx context.Context, img []byte, opt core.OCROptions) (*core.OCRText, error) {
	res, err := Recognize(ctx, img, Options{Languages: e.Languages, Handwriting: opt.Handwriting})
	if err != nil {
		return nil, err
	}
	out := &core.OCRText{Text: res.Text, Words: make([]core.OCRWord, len(res.Words))}
	for i, w := range res.Words {
		out.Words[i] = core.OCRWord{Text: w.Text, Box: core.Region{X: w.X, Y: w.Y, W: w.W, H: w.H}}
	}
	return out, nil
}
