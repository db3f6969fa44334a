// Package pdfraster renders PDF pages to PNG images with the system's
// pdftoppm (poppler-utils), so scanned pages without a text layer can go
// to OCR. Without pdftoppm, Available reports false and callers say what
// to install.
package pdfraster

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
	f, err := Render(ctx, bytes.NewReader(pdf), page, dpi)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("pdfraster: read page: %w", err)
	}
	return out, nil
}

// Render renders one page (1-based) of the PDF read from pdf at dpi, and
// returns the PNG as a temporary file, removed when it is closed. Neither
// the PDF nor the image is held in memory, so pages of large files can be
// streamed.
func Render(ctx context.Context, pdf io.Reader, page, dpi int) (io.ReadSeekCloser, error) {
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
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	in := filepath.Join(dir, "in.pdf")
	if err := writeFile(in, pdf); err != nil {
		return nil, err
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
	if err := os.Remove(in); err != nil {
		return nil, fmt.Errorf("pdfraster: %w", err)
	}
	f, err := os.Open(filepath.Join(dir, "out.png"))
	if err != nil {
		return nil, fmt.Errorf("pdfraster: read page: %w", err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() > MaxPNG {
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("pdfraster: read page: %w", err)
		}
		return nil, core.Errorf(core.ETOOLARGE, "Page %d renders too large for OCR.", page)
	}
	keep = true
	return &tempFile{File: f, dir: dir}, nil
}

func writeFile(name string, r io.Reader) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("pdfraster: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("pdfraster: write pdf: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pdfraster: write pdf: %w", err)
	}
	return nil
}

// tempFile is a rendered page whose folder goes when it is closed.
type tempFile struct {
	*os.File
	dir string
}

func (t *tempFile) Close() error {
	err := t.File.Close()
	os.RemoveAll(t.dir)
	return err
}
