// Package tesseract reads text in images (photos of whiteboards, notes,
// screenshots, scans) with the Tesseract OCR engine through
// github.com/otiai10/gosseract/v2.
//
// Images are cleaned up in Go before recognition: EXIF orientation,
// grayscale, text scaled to about 30 pixels, uneven lighting flattened,
// binarised, deskewed and despeckled. Word boxes are reported in the pixels
// of the upright original image.
//
// It needs the Tesseract library and its language data (Debian:
// libtesseract-dev libleptonica-dev tesseract-ocr-eng).
package tesseract

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/otiai10/gosseract/v2"

	"sentry/backend/core"
)

// Word is one recognised word. Conf is Tesseract's confidence, 0–100; the
// box is in pixels of the upright original image.
type Word struct {
	Text       string
	Conf       float64
	X, Y, W, H int
}

// Result is the text of an image. Confidence is the mean word confidence
// (0–100) weighted by word length. Width and Height are those of the
// upright image (after EXIF orientation), the space of the word boxes.
type Result struct {
	Text       string
	Words      []Word
	Confidence float64
	Width      int
	Height     int
}

// Options tune recognition. Languages are Tesseract language codes
// ("eng", "deu", "chi_sim"), eng when empty. Handwriting turns on stronger
// smoothing and cleaning for notes written by hand. PSM is a Tesseract page
// segmentation mode (3–13, or 1 with the osd data); 0 means automatic.
type Options struct {
	Languages   []string
	Handwriting bool
	PSM         int
}

// Version returns the version of the Tesseract library in use.
func Version() string { return gosseract.Version() }

// Languages returns the language codes whose data is installed. The list
// is read once per process: gosseract asks a shared, unsynchronised
// Tesseract instance (initialising it on every call), so the answer is taken
// once, under the pool's initialisation lock.
func Languages() ([]string, error) {
	langs, err := installedLanguages()
	return slices.Clone(langs), err
}

var installedLanguages = sync.OnceValues(func() ([]string, error) {
	pool.initMu.Lock()
	defer pool.initMu.Unlock()
	langs, err := gosseract.GetAvailableLanguages()
	if err != nil {
		return nil, fmt.Errorf("tesseract: list languages: %w", err)
	}
	slices.Sort(langs)
	return langs, nil
})

var langCode = regexp.MustCompile(`^[a-z]{3}(_[a-z]+)*$|^[A-Z][A-Za-z_]+$`)

// checkOptions validates opt and returns the language list and the page
// segmentation mode to use.
func checkOptions(opt Options) ([]string, gosseract.PageSegMode, error) {
	langs := opt.Languages
	if len(langs) == 0 {
		langs = []string{"eng"}
	}
	installed, err := Languages()
	if err != nil {
		return nil, 0, err
	}
	for _, l := range langs {
		if !langCode.MatchString(l) {
			return nil, 0, core.FieldError("languages", "%q is not a Tesseract language code (like eng or deu).", l)
		}
		if !slices.Contains(installed, l) {
			return nil, 0, core.FieldError("languages", "OCR language %q is not installed (Debian/Ubuntu: apt-get install tesseract-ocr-%s).",
				l, strings.ToLower(strings.ReplaceAll(l, "_", "-")))
		}
	}
	psm := gosseract.PSM_AUTO
	switch {
	case opt.PSM == 0:
	case opt.PSM == 1:
		if !slices.Contains(installed, "osd") {
			return nil, 0, core.FieldError("psm", "Page segmentation mode 1 needs orientation data (apt-get install tesseract-ocr-osd).")
		}
		psm = gosseract.PageSegMode(opt.PSM)
	case opt.PSM >= 3 && opt.PSM <= 13:
		psm = gosseract.PageSegMode(opt.PSM)
	default:
		return nil, 0, core.FieldError("psm", "Page segmentation mode %d is not supported (use 0 for automatic, or 3–13).", opt.PSM)
	}
	return langs, psm, nil
}

// Recognize reads the text in an image (PNG, JPEG, WEBP, TIFF; GIF and BMP
// too). It waits for a free recognizer while all are busy and returns
// ctx.Err() if ctx ends first; a recognition that has started runs to its
// end in the background (Tesseract cannot be interrupted) but its result is
// dropped.
//
// Errors: core EINVALID for empty, unreadable or damaged images and for bad
// options; core ETOOLARGE for images over MaxPixels; wrapped internal
// errors when Tesseract fails.
func Recognize(ctx context.Context, img []byte, opt Options) (*Result, error) {
	langs, psm, err := checkOptions(opt)
	if err != nil {
		return nil, err
	}
	g, err := decodeImage(img)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := preprocess(g, opt.Handwriting)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	type answer struct {
		boxes []gosseract.BoundingBox
		err   error
	}
	if err := pool.acquire(ctx); err != nil {
		return nil, err
	}
	done := make(chan answer, 1)
	go func() {
		defer pool.release()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		oneThread()
		boxes, err := pool.recognize(langs, psm, p.img.pgm())
		done <- answer{boxes, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if a.err != nil {
		return nil, a.err
	}
	return buildResult(a.boxes, p), nil
}

// buildResult maps Tesseract's words back to the original image and joins
// them into text: words by spaces, lines by newlines, paragraphs and blocks
// by blank lines.
func buildResult(boxes []gosseract.BoundingBox, p *prepared) *Result {
	r := &Result{Width: p.tr.w, Height: p.tr.h, Words: []Word{}}
	var sb strings.Builder
	var weight float64
	prev := gosseract.BoundingBox{BlockNum: -1}
	for _, b := range boxes {
		text := strings.TrimSpace(b.Word)
		if text == "" || b.Confidence < 0 {
			continue
		}
		// Stray marks read as punctuation with low confidence are noise.
		if b.Confidence < 50 && !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		switch {
		case prev.BlockNum < 0:
		case b.BlockNum != prev.BlockNum || b.ParNum != prev.ParNum:
			sb.WriteString("\n\n")
		case b.LineNum != prev.LineNum:
			sb.WriteString("\n")
		default:
			sb.WriteString(" ")
		}
		prev = b
		sb.WriteString(text)
		x, y, w, h := p.tr.box(b.Box.Min.X, b.Box.Min.Y, b.Box.Max.X, b.Box.Max.Y)
		r.Words = append(r.Words, Word{Text: text, Conf: b.Confidence, X: x, Y: y, W: w, H: h})
		n := float64(len([]rune(text)))
		r.Confidence += b.Confidence * n
		weight += n
	}
	if weight > 0 {
		r.Confidence /= weight
	}
	r.Text = sb.String()
	return r
}

// pool holds idle Tesseract clients per language set and bounds how many
// recognitions run at once. A client is not safe for concurrent use, and
// creating one loads the language data (tens of milliseconds), so clients
// are reused.
var pool = newClientPool(max(1, min(runtime.NumCPU(), 4)))

type clientPool struct {
	slots chan struct{}
	mu    sync.Mutex
	idle  map[string][]*gosseract.Client
	// Tesseract's initialisation redirects the process's stderr while it
	// runs (gosseract captures its messages), so two must not overlap.
	initMu sync.Mutex
}

func newClientPool(n int) *clientPool {
	return &clientPool{slots: make(chan struct{}, n), idle: map[string][]*gosseract.Client{}}
}

func (p *clientPool) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *clientPool) release() { <-p.slots }

// recognize runs Tesseract on a PGM image with a pooled client.
func (p *clientPool) recognize(langs []string, psm gosseract.PageSegMode, pgm []byte) ([]gosseract.BoundingBox, error) {
	key := strings.Join(langs, "+")
	c, err := p.get(key, langs)
	if err != nil {
		return nil, err
	}
	if err := c.SetPageSegMode(psm); err != nil {
		c.Close()
		return nil, fmt.Errorf("tesseract: page segmentation mode: %w", err)
	}
	if err := c.SetImageFromBytes(pgm); err != nil {
		c.Close()
		return nil, fmt.Errorf("tesseract: set image: %w", err)
	}
	boxes, err := c.GetBoundingBoxesVerbose()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("tesseract: recognize: %w", err)
	}
	p.put(key, c)
	return boxes, nil
}

// blankPage initialises new clients: a small white image that Tesseract
// reads in a few milliseconds.
var blankPage = padWhite(newGray(0, 0), 32).pgm()

// get returns an idle client for the languages or a new, initialised one.
func (p *clientPool) get(key string, langs []string) (*gosseract.Client, error) {
	p.mu.Lock()
	if cs := p.idle[key]; len(cs) > 0 {
		c := cs[len(cs)-1]
		p.idle[key] = cs[:len(cs)-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()

	c := gosseract.NewClient()
	if err := c.SetLanguage(langs...); err != nil {
		c.Close()
		return nil, fmt.Errorf("tesseract: languages %s: %w", key, err)
	}
	for k, v := range map[gosseract.SettableVariable]string{
		// Preprocessing scales text as if scanned at 300 dpi.
		"user_defined_dpi": "300",
		// Polarity is settled before; retrying lines inverted only costs time.
		"tessedit_do_invert": "0",
		// Tesseract's messages ("Empty page!!") are not ours to print.
		gosseract.DEBUG_FILE: os.DevNull,
	} {
		if err := c.SetVariable(k, v); err != nil {
			c.Close()
			return nil, fmt.Errorf("tesseract: set %s: %w", k, err)
		}
	}
	p.initMu.Lock()
	defer p.initMu.Unlock()
	if err := c.SetImageFromBytes(blankPage); err != nil {
		c.Close()
		return nil, fmt.Errorf("tesseract: init: %w", err)
	}
	if _, err := c.GetBoundingBoxesVerbose(); err != nil {
		c.Close()
		return nil, fmt.Errorf("tesseract: init %s: %w", key, err)
	}
	return c, nil
}

// put returns a client to the pool; clients beyond the concurrency bound
// are closed.
func (p *clientPool) put(key string, c *gosseract.Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle[key]) >= cap(p.slots) {
		c.Close()
		return
	}
	p.idle[key] = append(p.idle[key], c)
}
