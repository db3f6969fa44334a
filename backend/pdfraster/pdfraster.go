// Package pdfraster renders PDF pages to PNG images with the system's
// pdftoppm (poppler-utils), so scanned pages without a text layer can go
// to OCR. Without pdftoppm, Available reports false and callers say what
// to install.
package pdfraster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"sentry/backend/core"
)

// Available reports whether pdftoppm is installed.
func Available() bool {
	_, err := exec.LookPath("pdftoppm")
	return err == nil
}

// MaxPNG bounds one rendered page.
const MaxPNG = 64 << 20

// Page renders one page (1-based) at dpi as PNG.
func Page(ctx context.Context, pdf []byte, page, dpi int) ([]byte, error) {
	if !Available() {
		return nil, core.Errorf(core.EUNSUPPORTED, "Reading scanned PDF pages needs pdftoppm: install poppler-utils.")
	}
	if page < 1 || dpi < 50 || dpi > 600 {
		return nil, fmt.Errorf("pdfraster: bad page %d or dpi %d", page, dpi)
	}
	dir, err := os.MkdirTemp("", "sentry-pdf-*")
	if err != nil {
		return nil, fmt.Errorf("pdfraster: %w", err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		return nil, fmt.Errorf("pdfraster: %w", err)
	}
	p := strconv.Itoa(page)
	cmd := exec.CommandContext(ctx, "pdftoppm", "-f", p, "-l", p, "-r", strconv.Itoa(dpi), "-png", "-singlefile", in, filepath.Join(dir, "out"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, core.Errorf(core.EINVALID, "Page %d of this PDF could not be rendered for OCR.", page)
	}
	out, err := os.ReadFile(filepath.Join(dir, "out.png"))
	if err != nil {
		return nil, fmt.Errorf("pdfraster: read page: %w", err)
	}
	if len(out) > MaxPNG {
		return nil, core.Errorf(core.ETOOLARGE, "Page %d renders too large for OCR.", page)
	}
	return out, nil
}
