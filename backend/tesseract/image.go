package tesseract

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	_ "image/gif" // decoders register themselves with image.Decode
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"sentry/backend/core"
)

// MaxPixels bounds the images Recognize accepts. The header is checked
// before decoding, so a small file claiming a huge image costs nothing.
const MaxPixels = 50_000_000

// gray is an 8-bit grayscale image, row by row, 0 black and 255 white.
type gray struct {
	w, h int
	pix  []uint8
}

func newGray(w, h int) *gray { return &gray{w: w, h: h, pix: make([]uint8, w*h)} }

func (g *gray) at(x, y int) uint8 { return g.pix[y*g.w+x] }

// decodeImage decodes a PNG, JPEG, WEBP, TIFF, GIF or BMP image into an
// upright grayscale image: JPEG EXIF orientation is applied, transparent
// pixels are laid on white.
func decodeImage(data []byte) (g *gray, err error) {
	if len(data) == 0 {
		return nil, core.Errorf(core.EINVALID, "The image is empty.")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("tesseract: decode config: %v: %w", err,
			core.Errorf(core.EINVALID, "The file is not a readable image (PNG, JPEG, WEBP or TIFF)."))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, core.Errorf(core.EINVALID, "The image has no pixels.")
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, core.Errorf(core.ETOOLARGE, "The image is too large (%d×%d pixels); the limit is %d megapixels.",
			cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	defer func() {
		// The decoders trust some values from the file; a damaged image
		// must not take the process down.
		if p := recover(); p != nil {
			g, err = nil, fmt.Errorf("tesseract: %s decoder panic: %v: %w", format, p,
				core.Errorf(core.EINVALID, "The image could not be decoded; it may be damaged."))
		}
	}()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("tesseract: decode %s: %v: %w", format, err,
			core.Errorf(core.EINVALID, "The image could not be decoded; it may be damaged."))
	}
	g = toGray(img)
	if format == "jpeg" {
		g = orient(g, jpegOrientation(data))
	}
	return g, nil
}

// toGray converts to luma (BT.601), compositing transparent pixels on white.
func toGray(img image.Image) *gray {
	b := img.Bounds()
	g := newGray(b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.Gray:
		for y := range g.h {
			copy(g.pix[y*g.w:(y+1)*g.w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := range g.h {
			for x := range g.w {
				g.pix[y*g.w+x] = m.Y[m.YOffset(b.Min.X+x, b.Min.Y+y)]
			}
		}
	case *image.NRGBA:
		for y := range g.h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range g.w {
				p := row[4*x : 4*x+4]
				l := luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))
				a := uint32(p[3])
				g.pix[y*g.w+x] = uint8((l*a + 255*(255-a) + 127) / 255)
			}
		}
	case *image.RGBA: // premultiplied
		for y := range g.h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range g.w {
				p := row[4*x : 4*x+4]
				g.pix[y*g.w+x] = uint8(min(255, luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))+255-uint32(p[3])))
			}
		}
	default:
		for y := range g.h {
			for x := range g.w {
				r, gg, bb, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA() // premultiplied, 16 bits
				l := luma(r, gg, bb) + 0xffff - a
				g.pix[y*g.w+x] = uint8(min(0xffff, l) >> 8)
			}
		}
	}
	return g
}

func luma(r, g, b uint32) uint32 { return (299*r + 587*g + 114*b + 500) / 1000 }

// orient turns an image stored with EXIF orientation o (1–8) upright.
func orient(g *gray, o int) *gray {
	if o < 2 || o > 8 {
		return g
	}
	w, h := g.w, g.h
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := newGray(ow, oh)
	for oy := range oh {
		for ox := range ow {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-ox, oy
			case 3:
				sx, sy = w-1-ox, h-1-oy
			case 4:
				sx, sy = ox, h-1-oy
			case 5:
				sx, sy = oy, ox
			case 6:
				sx, sy = oy, h-1-ox
			case 7:
				sx, sy = w-1-oy, h-1-ox
			case 8:
				sx, sy = w-1-oy, ox
			}
			out.pix[oy*ow+ox] = g.pix[sy*w+sx]
		}
	}
	return out
}

// jpegOrientation returns the EXIF orientation (1–8) of a JPEG file, or 1
// when there is none or it cannot be read.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return 1
	}
	for p := 2; p+4 <= len(b); {
		if b[p] != 0xff {
			return 1
		}
		marker := b[p+1]
		switch {
		case marker == 0xff: // fill byte
			p++
			continue
		case marker == 0xd8, marker == 0x01, marker >= 0xd0 && marker <= 0xd7: // no length
			p += 2
			continue
		}
		if marker == 0xda || marker == 0xd9 { // image data starts: no EXIF after it
			return 1
		}
		size := int(binary.BigEndian.Uint16(b[p+2:]))
		if size < 2 || p+2+size > len(b) {
			return 1
		}
		seg := b[p+4 : p+2+size]
		if marker == 0xe1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
		p += 2 + size
	}
	return 1
}

// exifOrientation reads tag 0x0112 from IFD0 of a TIFF-structured EXIF block.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[ifd:]))
	for i := range n {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}
