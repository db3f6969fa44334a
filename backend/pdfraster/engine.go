package pdfraster

import (
	"context"
	"io"
)

// Renderer is core.PageRenderer over Render. It checks for pdftoppm at
// each call, so installing poppler-utils takes effect without a restart.
type Renderer struct{}

// RenderPage renders one page (1-based) at dpi as a PNG file to stream.
func (Renderer) RenderPage(ctx context.Context, pdf io.Reader, page, dpi int) (io.ReadSeekCloser, error) {
	return Render(ctx, pdf, page, dpi)
}
