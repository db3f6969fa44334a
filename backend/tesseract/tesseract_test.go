package tesseract

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/tiff"

	"sentry/backend/core"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// words splits text into lower-case words without punctuation.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// wordRecall is the share of the expected words that OCR found.
func wordRecall(got, want string) float64 {
	have := map[string]int{}
	for _, w := range words(got) {
		have[w]++
	}
	ws := words(want)
	found := 0
	for _, w := range ws {
		if have[w] > 0 {
			have[w]--
			found++
		}
	}
	return float64(found) / float64(len(ws))
}

// charAccuracy is 1 − the character error rate (edit distance over the
// expected length) of the normalised texts.
func charAccuracy(got, want string) float64 {
	a, b := []rune(strings.Join(words(got), " ")), []rune(strings.Join(words(want), " "))
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return max(0, 1-float64(prev[len(b)])/float64(len(b)))
}

// checkWords checks that every word box lies inside the image.
func checkWords(t *testing.T, r *Result) {
	t.Helper()
	for _, w := range r.Words {
		if w.W <= 0 || w.H <= 0 || w.X < 0 || w.Y < 0 || w.X+w.W > r.Width || w.Y+w.H > r.Height || w.Conf < 0 || w.Conf > 100 {
			t.Errorf("word %+v outside the %d×%d image", w, r.Width, r.Height)
		}
	}
}

func findWord(r *Result, text string) (Word, bool) {
	for _, w := range r.Words {
		if strings.EqualFold(strings.Trim(w.Text, ".,:;!?"), text) {
			return w, true
		}
	}
	return Word{}, false
}

// TestRecognizeFixtures reads the committed images with the real Tesseract
// and reports the accuracy.
func TestRecognizeFixtures(t *testing.T) {
	tests := []struct {
		file string
		opt  Options
		w, h int
		want string
	}{
		{"note.png", Options{}, 539, 169, "Call the dentist on Friday\nSend the budget report to Anna\nBook flights for the team offsite"},
		{"note.webp", Options{}, 539, 169, "Call the dentist on Friday\nSend the budget report to Anna\nBook flights for the team offsite"},
		{"small.png", Options{}, 0, 0, "Pay the electricity bill by the end of the month"},
		{"dark.png", Options{}, 0, 0, "Standup moved to 10am\nReview the pull request"},
		// A photo: 7° tilt, uneven light, noise, JPEG at quality 55.
		{"whiteboard.jpg", Options{}, 900, 520, "TODO\nEmail the client about the launch\nFix the login bug before Tuesday\nOrder new chairs for the office"},
		// Cursive on ruled paper, in perspective, tilted and noisy.
		{"handwriting.jpg", Options{Handwriting: true}, 760, 360, "Buy milk and eggs\nCall mom on Sunday\nRenew the passport"},
		{"handwriting.jpg", Options{}, 760, 360, "Buy milk and eggs\nCall mom on Sunday\nRenew the passport"},
	}
	var totalRecall, totalChars float64
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r, err := Recognize(context.Background(), readFixture(t, tc.file), tc.opt)
			if err != nil {
				t.Fatalf("Recognize: %v", err)
			}
			recall, chars := wordRecall(r.Text, tc.want), charAccuracy(r.Text, tc.want)
			totalRecall += recall
			totalChars += chars
			t.Logf("%s (handwriting=%v): words %.0f%%, characters %.1f%%, confidence %.0f: %q",
				tc.file, tc.opt.Handwriting, 100*recall, 100*chars, r.Confidence, r.Text)
			if recall < 0.9 {
				t.Errorf("only %.0f%% of the words read; text %q", 100*recall, r.Text)
			}
			if tc.w != 0 && (r.Width != tc.w || r.Height != tc.h) {
				t.Errorf("size %d×%d, want %d×%d", r.Width, r.Height, tc.w, tc.h)
			}
			if len(r.Words) == 0 || r.Confidence < 60 {
				t.Errorf("%d words, confidence %.1f", len(r.Words), r.Confidence)
			}
			if got := strings.Count(r.Text, "\n") - strings.Count(r.Text, "\n\n"); got < strings.Count(tc.want, "\n") {
				t.Errorf("lines not kept apart: %q", r.Text)
			}
			checkWords(t, r)
		})
	}
	t.Logf("mean over %d fixtures: words %.1f%%, characters %.1f%%", len(tests), 100*totalRecall/float64(len(tests)), 100*totalChars/float64(len(tests)))
}

// TestWordBoxesOnSkewedPhoto checks that boxes found on the deskewed,
// rescaled image land on the words in the original photo.
func TestWordBoxesOnSkewedPhoto(t *testing.T) {
	r, err := Recognize(context.Background(), readFixture(t, "whiteboard.jpg"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Where the words are in whiteboard.jpg (measured on the image).
	for _, tc := range []struct {
		word string
		x, y int // a point inside the word
	}{
		{"TODO", 160, 72},
		{"launch", 640, 200},
		{"Order", 125, 290},
	} {
		w, ok := findWord(r, tc.word)
		if !ok {
			t.Errorf("%q not read", tc.word)
			continue
		}
		if tc.x < w.X || tc.x > w.X+w.W || tc.y < w.Y || tc.y > w.Y+w.H || w.H > 80 || w.W > 250 {
			t.Errorf("%q box %+v does not hold (%d,%d) snugly", tc.word, w, tc.x, tc.y)
		}
	}
}

// render draws text with the 7×13 bitmap font, scaled up by scale with
// square pixels, at the given origin; it returns the image and the boxes of
// each word (as drawn, before scaling the origin).
func render(w, h, scale int, lines []string) (*image.Gray, map[string]image.Rectangle) {
	small := image.NewGray(image.Rect(0, 0, w/scale, h/scale))
	draw.Draw(small, small.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: small, Src: image.Black, Face: basicfont.Face7x13}
	boxes := map[string]image.Rectangle{}
	for i, line := range lines {
		x0, y0 := 4, 14+16*i
		d.Dot = fixed.P(x0, y0)
		d.DrawString(line)
		col := 0
		for _, word := range strings.Fields(line) {
			j := strings.Index(line[col:], word) + col
			boxes[word] = image.Rect((x0+7*j)*scale, (y0-10)*scale, (x0+7*(j+len(word)))*scale, (y0+3)*scale)
			col = j + len(word)
		}
	}
	big := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			big.SetGray(x, y, small.GrayAt(x/scale, y/scale))
		}
	}
	return big, boxes
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRecognizeRendered draws text in the test and checks text and boxes.
func TestRecognizeRendered(t *testing.T) {
	lines := []string{"Submit the expense report", "Clean the kitchen table"}
	img, boxes := render(600, 120, 3, lines)
	r, err := Recognize(context.Background(), encodePNG(t, img), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rendered: %q (confidence %.0f)", r.Text, r.Confidence)
	if recall := wordRecall(r.Text, strings.Join(lines, "\n")); recall < 0.9 {
		t.Fatalf("read %q", r.Text)
	}
	for _, word := range []string{"expense", "kitchen", "table"} {
		w, ok := findWord(r, word)
		if !ok {
			t.Errorf("%q not read", word)
			continue
		}
		want := boxes[word]
		// Tesseract boxes hug the ink; ours are the character cells.
		if d := max(abs(w.X-want.Min.X), abs(w.X+w.W-want.Max.X)); d > 12 {
			t.Errorf("%q: box %+v, drawn at %v", word, w, want)
		}
		if w.Y < want.Min.Y-6 || w.Y+w.H > want.Max.Y+6 {
			t.Errorf("%q: box %+v, drawn at %v", word, w, want)
		}
	}
	checkWords(t, r)
}

func abs(v int) int { return max(v, -v) }

// withEXIF inserts an APP1 segment with the given orientation after SOI.
func withEXIF(jpg []byte, orientation uint16) []byte {
	tiffData := []byte("MM\x00*\x00\x00\x00\x08")
	tiffData = binary.BigEndian.AppendUint16(tiffData, 1)      // one entry
	tiffData = binary.BigEndian.AppendUint16(tiffData, 0x0112) // Orientation
	tiffData = binary.BigEndian.AppendUint16(tiffData, 3)      // SHORT
	tiffData = binary.BigEndian.AppendUint32(tiffData, 1)
	tiffData = binary.BigEndian.AppendUint16(tiffData, orientation)
	tiffData = append(tiffData, 0, 0, 0, 0, 0, 0) // padding, next IFD = 0
	seg := append([]byte("Exif\x00\x00"), tiffData...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xff, 0xe1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// TestEXIFOrientation: a phone stores the picture sideways and says so in
// EXIF; the text must read and the boxes refer to the upright picture.
func TestEXIFOrientation(t *testing.T) {
	src, err := png.Decode(bytes.NewReader(readFixture(t, "note.png")))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	// Stored turned 90° counter-clockwise: orientation 6 turns it back.
	stored := image.NewGray(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			stored.Set(y, b.Dx()-1-x, src.At(x, y))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, stored, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	jpg := withEXIF(buf.Bytes(), 6)
	if o := jpegOrientation(jpg); o != 6 {
		t.Fatalf("jpegOrientation = %d", o)
	}
	r, err := Recognize(context.Background(), jpg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Width != b.Dx() || r.Height != b.Dy() {
		t.Errorf("size %d×%d, want the upright %d×%d", r.Width, r.Height, b.Dx(), b.Dy())
	}
	if recall := wordRecall(r.Text, "Call the dentist on Friday Send the budget report to Anna Book flights for the team offsite"); recall < 0.9 {
		t.Errorf("read %q", r.Text)
	}
	if w, ok := findWord(r, "Call"); !ok || w.X > 60 || w.Y > 60 {
		t.Errorf("Call at %+v, want the top left of the upright image", w)
	}
}

func TestOrient(t *testing.T) {
	// A 3×2 image with distinct pixels, in every orientation, turned back.
	up := &gray{w: 3, h: 2, pix: []uint8{1, 2, 3, 4, 5, 6}}
	stored := map[int]*gray{
		1: up,
		2: {w: 3, h: 2, pix: []uint8{3, 2, 1, 6, 5, 4}},
		3: {w: 3, h: 2, pix: []uint8{6, 5, 4, 3, 2, 1}},
		4: {w: 3, h: 2, pix: []uint8{4, 5, 6, 1, 2, 3}},
		5: {w: 2, h: 3, pix: []uint8{1, 4, 2, 5, 3, 6}},
		6: {w: 2, h: 3, pix: []uint8{3, 6, 2, 5, 1, 4}}, // stored turned counter-clockwise
		7: {w: 2, h: 3, pix: []uint8{6, 3, 5, 2, 4, 1}},
		8: {w: 2, h: 3, pix: []uint8{4, 1, 5, 2, 6, 3}}, // stored turned clockwise
	}
	for o, g := range stored {
		got := orient(g, o)
		if got.w != 3 || got.h != 2 || !bytes.Equal(got.pix, up.pix) {
			t.Errorf("orientation %d: got %dx%d %v", o, got.w, got.h, got.pix)
		}
	}
}

func TestOtherFormats(t *testing.T) {
	img, _ := render(540, 60, 3, []string{"Renew the car insurance"})
	var tbuf bytes.Buffer
	if err := tiff.Encode(&tbuf, img, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		t.Fatal(err)
	}
	// A transparent PNG: black text on nothing is read as on white.
	rgba := image.NewNRGBA(img.Bounds())
	for i, v := range img.Pix {
		rgba.Pix[4*i+3] = 255 - v
	}
	for name, data := range map[string][]byte{"tiff": tbuf.Bytes(), "transparent png": encodePNG(t, rgba)} {
		r, err := Recognize(context.Background(), data, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if wordRecall(r.Text, "Renew the car insurance") < 0.75 {
			t.Errorf("%s: read %q", name, r.Text)
		}
	}
}

// pngHeader returns a PNG signature and IHDR chunk for a w×h image, with
// no pixel data behind it.
func pngHeader(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit gray
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
	return append(b, "\x00\x00\x00\x00IEND\xaeB`\x82"...)
}

func TestRecognizeErrors(t *testing.T) {
	note := readFixture(t, "note.png")
	tests := []struct {
		name string
		data []byte
		opt  Options
		code string
		msg  string
	}{
		{"empty", nil, Options{}, core.EINVALID, "empty"},
		{"not an image", []byte("Call the dentist on Friday"), Options{}, core.EINVALID, "not a readable image"},
		{"truncated PNG", note[:len(note)/2], Options{}, core.EINVALID, "could not be decoded"},
		{"corrupt PNG data", func() []byte {
			b := append([]byte(nil), note...)
			for i := 100; i < len(b)-20; i += 7 {
				b[i] ^= 0x5a
			}
			return b
		}(), Options{}, core.EINVALID, "could not be decoded"},
		{"decompression bomb", pngHeader(100000, 100000), Options{}, core.ETOOLARGE, "too large"},
		{"unknown language", note, Options{Languages: []string{"xyz"}}, core.EINVALID, "tesseract-ocr-xyz"},
		{"not a language code", note, Options{Languages: []string{"../../etc"}}, core.EINVALID, "not a Tesseract language"},
		{"bad page mode", note, Options{PSM: 42}, core.EINVALID, "segmentation mode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Recognize(context.Background(), tc.data, tc.opt)
			if core.ErrorCode(err) != tc.code || !strings.Contains(core.ErrorMessage(err), tc.msg) {
				t.Fatalf("Recognize: %v; want %s containing %q", err, tc.code, tc.msg)
			}
		})
	}
}

// TestBombNotAllocated checks that a tiny file claiming a huge image is
// refused from its header, before any pixel memory is allocated.
func TestBombNotAllocated(t *testing.T) {
	bomb := pngHeader(100000, 100000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := decodeImage(bomb)
	runtime.ReadMemStats(&after)
	if core.ErrorCode(err) != core.ETOOLARGE {
		t.Fatalf("decodeImage: %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("allocated %d bytes to refuse a 10-gigapixel header", n)
	}
}

func TestBlankAndTinyImages(t *testing.T) {
	for name, img := range map[string]image.Image{
		"blank": image.NewUniform(color.White), // replaced below
		"1×1":   image.NewGray(image.Rect(0, 0, 1, 1)),
		"black": image.NewGray(image.Rect(0, 0, 200, 100)),
	} {
		if name == "blank" {
			w := image.NewGray(image.Rect(0, 0, 400, 300))
			draw.Draw(w, w.Bounds(), image.White, image.Point{}, draw.Src)
			img = w
		}
		r, err := Recognize(context.Background(), encodePNG(t, img), Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.TrimSpace(r.Text) != "" && name != "black" {
			t.Errorf("%s: read %q", name, r.Text)
		}
	}
}

func TestRecognizeConcurrent(t *testing.T) {
	files := []string{"note.png", "small.png", "dark.png", "note.webp", "note.png", "small.png"}
	want := map[string]string{"note.png": "dentist", "note.webp": "dentist", "small.png": "electricity", "dark.png": "Standup"}
	var wg sync.WaitGroup
	errs := make(chan error, len(files))
	for _, f := range files {
		data := readFixture(t, f)
		wg.Go(func() {
			r, err := Recognize(context.Background(), data, Options{})
			if err != nil {
				errs <- err
			} else if !strings.Contains(r.Text, want[f]) {
				errs <- errors.New(f + ": read " + r.Text)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRecognizeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Recognize(ctx, readFixture(t, "note.png"), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Recognize: %v", err)
	}
}

func TestVersionAndLanguages(t *testing.T) {
	if v := Version(); !strings.HasPrefix(v, "5.") && !strings.HasPrefix(v, "4.") {
		t.Errorf("Version() = %q", v)
	}
	langs, err := Languages()
	if err != nil || !strings.Contains(strings.Join(langs, ","), "eng") {
		t.Errorf("Languages() = %v, %v; want eng among them", langs, err)
	}
}

func TestSkewAngle(t *testing.T) {
	img, _ := render(900, 300, 2, []string{"Prepare the slides for Monday", "Ask Maria about the budget", "Send the invoice to the client", "Plan the team dinner"})
	g := toGray(img)
	for _, deg := range []float64{-11, -7, -2.5, 0, 4, 7, 13} {
		rad := deg * 3.141592653589793 / 180
		tilted := rotate(g, -rad) // text rises at deg degrees
		got := skewAngle(threshold(tilted, 128), 26) * 180 / 3.141592653589793
		if d := got - deg; d > 0.3 || d < -0.3 {
			t.Errorf("tilt %.1f°: measured %.2f°", deg, got)
		}
	}
}

func TestTransformRoundTrip(t *testing.T) {
	tr := transform{w: 800, h: 600, scale: 1.5, angle: 0.12, cx: 600, cy: 450, ccx: 650, ccy: 520, pad: 30}
	// The centre of the original lands on the centre of the canvas.
	x, y := tr.toOriginal(tr.ccx+float64(tr.pad), tr.ccy+float64(tr.pad))
	if d := abs(int(x-400)) + abs(int(y-300)); d > 1 {
		t.Errorf("centre maps to (%.1f, %.1f)", x, y)
	}
	bx, by, bw, bh := tr.box(-100, -100, 5000, 5000)
	if bx != 0 || by != 0 || bw != 800 || bh != 600 {
		t.Errorf("box clipped to %d,%d %dx%d", bx, by, bw, bh)
	}
}

func TestDarkBackground(t *testing.T) {
	img, _ := render(400, 60, 2, []string{"Dark mode text"})
	g := toGray(img)
	if darkBackground(g) {
		t.Error("black on white taken for light on dark")
	}
	if !darkBackground(invert(g)) {
		t.Error("white on black not recognised")
	}
}

// FuzzDecodeImage feeds arbitrary bytes to the image decoding and
// preprocessing: no panics, and only user-safe errors.
func FuzzDecodeImage(f *testing.F) {
	f.Add(readFixture(f, "small.png"))
	f.Add(pngHeader(100000, 100000))
	f.Add(withEXIF([]byte("\xff\xd8\xff\xd9"), 8))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := decodeImage(b)
		if err != nil {
			if core.ErrorCode(err) == core.EINTERNAL {
				t.Fatalf("error without a user-safe code: %v", err)
			}
			return
		}
		if g.w*g.h > 1<<20 {
			return // preprocessing big images is slow for fuzzing
		}
		p := preprocess(g, len(b)%2 == 0)
		if p.img.w < g.w/4 || len(p.img.pix) != p.img.w*p.img.h {
			t.Fatalf("preprocessed %dx%d into %dx%d", g.w, g.h, p.img.w, p.img.h)
		}
	})
}
