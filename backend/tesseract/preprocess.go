package tesseract

import (
	"math"
	"slices"
)

// Preprocessing targets. Tesseract reads best when capital letters are
// about 30 pixels tall, text is black on white, lines are level and the
// page has a margin.
const (
	targetHeight = 30   // median height of letter components after scaling
	maxSide      = 4000 // longest side given to Tesseract
	maxArea      = 20_000_000
	estimateSide = 2000 // longest side when measuring text height
	maxSkew      = 15.0 // degrees searched either way
)

// transform maps points of the preprocessed image back to the upright
// original: the original was scaled by scale, rotated by angle (radians)
// about its centre into a larger canvas, and padded.
type transform struct {
	w, h     int // upright original
	scale    float64
	angle    float64
	cx, cy   float64 // centre of the scaled image
	ccx, ccy float64 // centre of the rotated canvas
	pad      int
}

// toOriginal maps a point of the preprocessed image to the original.
func (t *transform) toOriginal(x, y float64) (float64, float64) {
	dx, dy := x-float64(t.pad)-t.ccx, y-float64(t.pad)-t.ccy
	s, c := math.Sincos(t.angle)
	return (t.cx + dx*c - dy*s) / t.scale, (t.cy + dx*s + dy*c) / t.scale
}

// box maps a rectangle of the preprocessed image to the smallest rectangle
// of the original that holds it, clipped to the original.
func (t *transform) box(x0, y0, x1, y1 int) (x, y, w, h int) {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, p := range [4][2]int{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}} {
		ox, oy := t.toOriginal(float64(p[0]), float64(p[1]))
		minX, maxX = min(minX, ox), max(maxX, ox)
		minY, maxY = min(minY, oy), max(maxY, oy)
	}
	ix0 := clamp(int(math.Floor(minX)), 0, t.w)
	iy0 := clamp(int(math.Floor(minY)), 0, t.h)
	ix1 := clamp(int(math.Ceil(maxX)), 0, t.w)
	iy1 := clamp(int(math.Ceil(maxY)), 0, t.h)
	return ix0, iy0, ix1 - ix0, iy1 - iy0
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }

// prepared is what preprocess hands to Tesseract.
type prepared struct {
	img        *gray // black text (0) on white (255)
	tr         transform
	textHeight float64 // measured in the original, 0 if unknown
	skew       float64 // degrees the text was tilted
	inverted   bool
}

// preprocess turns a photo or scan into a clean, level, black-on-white
// image at a good text size. handwriting asks for stronger smoothing and
// cleaning, which costs detail on clean print.
func preprocess(g *gray, handwriting bool) *prepared {
	out := &prepared{tr: transform{w: g.w, h: g.h, scale: 1}}

	// Light text on a dark background (slides, dark-mode screenshots,
	// blackboards) is inverted first.
	if darkBackground(g) {
		out.inverted = true
		g = invert(g)
	}

	// Measure text on a copy of bounded size, then scale once.
	e := min(1, float64(estimateSide)/float64(max(g.w, g.h)))
	est := g
	if e < 1 {
		est = resize(g, e)
	}
	h := textHeight(est) / e
	s := 1.0
	if h > 0 {
		out.textHeight = h
		s = targetHeight / h
		s = max(0.2, min(4, s))
		if math.Abs(s-1) < 0.15 {
			s = 1
		}
	} else {
		h = targetHeight // unknown: assume it is fine
	}
	longest := float64(max(g.w, g.h))
	s = min(s, maxSide/longest, math.Sqrt(maxArea/(float64(g.w)*float64(g.h))))
	if s != 1 {
		g = resize(g, s)
	}
	out.tr.scale = float64(g.w) / float64(out.tr.w)
	th := h * out.tr.scale // text height now

	// Smooth noise, then flatten uneven lighting.
	g = median3(g)
	if handwriting {
		g = median3(g)
		g = blur3(g)
	}
	g = flatten(g, max(8, int(th)))

	level := otsu(histogram(g))
	bin := threshold(g, level)

	// Deskew on the binary image, rotate the grey one, threshold again.
	angle := skewAngle(bin, th)
	out.skew = angle * 180 / math.Pi
	out.tr.cx, out.tr.cy = float64(g.w)/2, float64(g.h)/2
	if angle != 0 {
		g = rotate(g, angle)
		bin = threshold(g, level)
	}
	out.tr.angle = angle
	out.tr.ccx, out.tr.ccy = float64(g.w)/2, float64(g.h)/2

	// Clean: ruled lines, table borders, specks. Handwriting sits on ruled
	// paper more often, and its pen strokes are thicker than noise.
	lineLen, gap := int(5*th), 1
	speck := int(math.Max(3, math.Pow(0.08*th, 2)))
	if handwriting {
		lineLen, gap = int(4*th), max(2, int(th/10))
		speck = int(math.Max(6, math.Pow(0.12*th, 2)))
	}
	removeLines(bin, max(lineLen, 40), gap, max(3, int(th/5)))
	removeSpecks(bin, speck)

	pad := max(10, int(th))
	out.tr.pad = pad
	out.img = padWhite(bin, pad)
	return out
}

func histogram(g *gray) *[256]int {
	var h [256]int
	for _, v := range g.pix {
		h[v]++
	}
	return &h
}

// otsu returns the threshold that best separates the histogram into two
// classes; pixels < t are the dark class.
func otsu(h *[256]int) int {
	var total, sum float64
	for i, n := range h {
		total += float64(n)
		sum += float64(i) * float64(n)
	}
	var wB, sumB, best float64
	t := 128
	for i, n := range h {
		wB += float64(n)
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i) * float64(n)
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, t = v, i+1
		}
	}
	return t
}

// darkBackground tells whether the image shows light text on a dark
// background. Text covers the minority of pixels wherever it is, so in each
// cell that has contrast, the median lies near the background's end of the
// range. Cells vote; uneven lighting doesn't sway them as it sways one
// global threshold.
func darkBackground(g *gray) bool {
	cell := max(16, min(g.w, g.h)/20)
	var light, dark int
	var hist [256]int
	for cy := 0; cy < g.h; cy += cell {
		for cx := 0; cx < g.w; cx += cell {
			clear(hist[:])
			n := 0
			for y := cy; y < min(g.h, cy+cell); y++ {
				for _, v := range g.pix[y*g.w+cx : y*g.w+min(g.w, cx+cell)] {
					hist[v]++
					n++
				}
			}
			lo, med, hi := percentile(&hist, n, 0.02), percentile(&hist, n, 0.5), percentile(&hist, n, 0.98)
			if hi-lo < 48 {
				continue // no text here, or too faint to tell
			}
			if hi-med < med-lo {
				light++
			} else {
				dark++
			}
		}
	}
	return dark > light
}

// percentile returns the value below which fraction q of n pixels lie.
func percentile(h *[256]int, n int, q float64) int {
	want := int(q * float64(n))
	sum := 0
	for v, c := range h {
		sum += c
		if sum > want {
			return v
		}
	}
	return 255
}

func invert(g *gray) *gray {
	out := newGray(g.w, g.h)
	for i, v := range g.pix {
		out.pix[i] = 255 - v
	}
	return out
}

// resize scales by s: area averaging when shrinking, bilinear when growing.
func resize(g *gray, s float64) *gray {
	w, h := max(1, int(math.Round(float64(g.w)*s))), max(1, int(math.Round(float64(g.h)*s)))
	if s < 1 {
		return shrink(g, w, h)
	}
	out := newGray(w, h)
	sx, sy := float64(g.w)/float64(w), float64(g.h)/float64(h)
	xs := make([]int, w)
	fx := make([]float64, w)
	for x := range w {
		p := max(0, (float64(x)+0.5)*sx-0.5)
		xs[x] = min(int(p), g.w-1)
		fx[x] = p - float64(xs[x])
	}
	for y := range h {
		p := max(0, (float64(y)+0.5)*sy-0.5)
		y0 := min(int(p), g.h-1)
		y1 := min(y0+1, g.h-1)
		f := p - float64(y0)
		r0, r1 := g.pix[y0*g.w:], g.pix[y1*g.w:]
		for x := range w {
			x0 := xs[x]
			x1 := min(x0+1, g.w-1)
			top := float64(r0[x0])*(1-fx[x]) + float64(r0[x1])*fx[x]
			bot := float64(r1[x0])*(1-fx[x]) + float64(r1[x1])*fx[x]
			out.pix[y*w+x] = uint8(top*(1-f) + bot*f + 0.5)
		}
	}
	return out
}

// shrink averages the source pixels that fall in each output pixel.
func shrink(g *gray, w, h int) *gray {
	// Columns first into a row buffer of sums, then rows.
	xb := make([]int, w+1)
	for x := range w + 1 {
		xb[x] = min(g.w, x*g.w/w)
	}
	out := newGray(w, h)
	sums := make([]uint32, w)
	for y := range h {
		y0, y1 := y*g.h/h, max(y*g.h/h+1, (y+1)*g.h/h)
		y1 = min(y1, g.h)
		clear(sums)
		for sy := y0; sy < y1; sy++ {
			row := g.pix[sy*g.w : (sy+1)*g.w]
			for x := range w {
				x0, x1 := xb[x], max(xb[x]+1, xb[x+1])
				for _, v := range row[x0:min(x1, g.w)] {
					sums[x] += uint32(v)
				}
			}
		}
		for x := range w {
			n := uint32((max(xb[x]+1, xb[x+1]) - xb[x]) * (y1 - y0))
			out.pix[y*w+x] = uint8((sums[x] + n/2) / n)
		}
	}
	return out
}

// median3 is a 3×3 median filter: it removes salt-and-pepper noise and
// keeps strokes two pixels wide or more.
func median3(g *gray) *gray {
	out := newGray(g.w, g.h)
	var win [9]uint8
	for y := range g.h {
		ys := [3]int{max(0, y-1), y, min(g.h-1, y+1)}
		for x := range g.w {
			xs := [3]int{max(0, x-1), x, min(g.w-1, x+1)}
			i := 0
			for _, yy := range ys {
				row := g.pix[yy*g.w:]
				for _, xx := range xs {
					win[i] = row[xx]
					i++
				}
			}
			out.pix[y*g.w+x] = median9(&win)
		}
	}
	return out
}

// median9 finds the median of nine values with a fixed exchange network.
func median9(p *[9]uint8) uint8 {
	for _, e := range median9Net {
		if p[e[0]] > p[e[1]] {
			p[e[0]], p[e[1]] = p[e[1]], p[e[0]]
		}
	}
	return p[4]
}

var median9Net = [...][2]uint8{
	{1, 2}, {4, 5}, {7, 8}, {0, 1}, {3, 4}, {6, 7}, {1, 2}, {4, 5}, {7, 8},
	{0, 3}, {5, 8}, {4, 7}, {3, 6}, {1, 4}, {2, 5}, {4, 7}, {4, 2}, {6, 4}, {4, 2},
}

// blur3 is a 3×3 box blur.
func blur3(g *gray) *gray {
	out := newGray(g.w, g.h)
	for y := range g.h {
		for x := range g.w {
			var sum, n int
			for yy := max(0, y-1); yy <= min(g.h-1, y+1); yy++ {
				for xx := max(0, x-1); xx <= min(g.w-1, x+1); xx++ {
					sum += int(g.pix[yy*g.w+xx])
					n++
				}
			}
			out.pix[y*g.w+x] = uint8((sum + n/2) / n)
		}
	}
	return out
}

// flatten divides by an estimate of the background (paper, whiteboard)
// brightness so that shadows, glare and vignetting disappear: the
// background becomes white wherever it is, and text keeps its contrast to
// it. The background is the brightest value in cells about one text height
// wide, spread to neighbouring cells (so that it bridges letters) and
// smoothed.
func flatten(g *gray, cell int) *gray {
	cw, ch := (g.w+cell-1)/cell, (g.h+cell-1)/cell
	bg := make([]float64, cw*ch)
	for cy := range ch {
		for cx := range cw {
			var m uint8
			for y := cy * cell; y < min(g.h, (cy+1)*cell); y++ {
				row := g.pix[y*g.w : (y+1)*g.w]
				for _, v := range row[cx*cell : min(g.w, (cx+1)*cell)] {
					m = max(m, v)
				}
			}
			bg[cy*cw+cx] = float64(m)
		}
	}
	bg = gridFilter(bg, cw, ch, func(vals []float64) float64 { return slices.Max(vals) })
	mean := func(vals []float64) float64 {
		var s float64
		for _, v := range vals {
			s += v
		}
		return s / float64(len(vals))
	}
	bg = gridFilter(bg, cw, ch, mean)
	bg = gridFilter(bg, cw, ch, mean)

	out := newGray(g.w, g.h)
	for y := range g.h {
		// Bilinear between cell centres.
		fy := (float64(y)+0.5)/float64(cell) - 0.5
		y0 := clamp(int(math.Floor(fy)), 0, ch-1)
		y1 := min(y0+1, ch-1)
		ty := math.Max(0, math.Min(1, fy-float64(y0)))
		for x := range g.w {
			fx := (float64(x)+0.5)/float64(cell) - 0.5
			x0 := clamp(int(math.Floor(fx)), 0, cw-1)
			x1 := min(x0+1, cw-1)
			tx := math.Max(0, math.Min(1, fx-float64(x0)))
			b := (bg[y0*cw+x0]*(1-tx)+bg[y0*cw+x1]*tx)*(1-ty) + (bg[y1*cw+x0]*(1-tx)+bg[y1*cw+x1]*tx)*ty
			b = math.Max(b, 48) // very dark areas hold no readable text; don't amplify their noise
			out.pix[y*g.w+x] = uint8(math.Min(255, float64(g.pix[y*g.w+x])*255/b+0.5))
		}
	}
	return out
}

// gridFilter applies f to every 3×3 neighbourhood of a small grid.
func gridFilter(v []float64, w, h int, f func([]float64) float64) []float64 {
	out := make([]float64, len(v))
	win := make([]float64, 0, 9)
	for y := range h {
		for x := range w {
			win = win[:0]
			for yy := max(0, y-1); yy <= min(h-1, y+1); yy++ {
				for xx := max(0, x-1); xx <= min(w-1, x+1); xx++ {
					win = append(win, v[yy*w+xx])
				}
			}
			out[y*w+x] = f(win)
		}
	}
	return out
}

// threshold returns a binary image: 0 (ink) below level, 255 otherwise.
func threshold(g *gray, level int) *gray {
	out := newGray(g.w, g.h)
	for i, v := range g.pix {
		if int(v) >= level {
			out.pix[i] = 255
		}
	}
	return out
}

// rotate turns the image by -angle (radians) about its centre, into a
// canvas large enough for all of it, with white corners.
func rotate(g *gray, angle float64) *gray {
	s, c := math.Sincos(angle)
	w := int(math.Ceil(float64(g.w)*math.Abs(c) + float64(g.h)*math.Abs(s)))
	h := int(math.Ceil(float64(g.w)*math.Abs(s) + float64(g.h)*math.Abs(c)))
	out := newGray(w, h)
	cx, cy := float64(g.w)/2, float64(g.h)/2
	ccx, ccy := float64(w)/2, float64(h)/2
	for oy := range h {
		dy := float64(oy) + 0.5 - ccy
		for ox := range w {
			dx := float64(ox) + 0.5 - ccx
			sx := cx + dx*c - dy*s - 0.5
			sy := cy + dx*s + dy*c - 0.5
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			if x0 < -1 || y0 < -1 || x0 >= g.w || y0 >= g.h {
				out.pix[oy*w+ox] = 255
				continue
			}
			fx, fy := sx-float64(x0), sy-float64(y0)
			px := func(x, y int) float64 {
				if x < 0 || y < 0 || x >= g.w || y >= g.h {
					return 255
				}
				return float64(g.pix[y*g.w+x])
			}
			v := (px(x0, y0)*(1-fx)+px(x0+1, y0)*fx)*(1-fy) + (px(x0, y0+1)*(1-fx)+px(x0+1, y0+1)*fx)*fy
			out.pix[oy*w+ox] = uint8(v + 0.5)
		}
	}
	return out
}

// skewAngle finds the tilt of text lines in a binary image by projection
// profiles: for each candidate angle, ink is summed along lines of that
// slope, and the angle whose profile changes most sharply from line to gap
// wins. It searches ±maxSkew degrees, first by whole degrees, then by
// tenths, and returns radians (0 when no angle stands out).
func skewAngle(bin *gray, textH float64) float64 {
	// Reduce so that text is about 8 pixels tall: lines stay apart and
	// there are fewer points to project.
	f := max(1, int(textH/8))
	var xs, ys []float64
	cx, cy := float64(bin.w)/2, float64(bin.h)/2
	for by := 0; by < bin.h; by += f {
		for bx := 0; bx < bin.w; bx += f {
			ink := false
			for y := by; y < min(bin.h, by+f) && !ink; y++ {
				for x := bx; x < min(bin.w, bx+f); x++ {
					if bin.pix[y*bin.w+x] == 0 {
						ink = true
						break
					}
				}
			}
			if ink {
				xs = append(xs, (float64(bx)-cx)/float64(f))
				ys = append(ys, (float64(by)-cy)/float64(f))
			}
		}
	}
	if len(xs) < 50 {
		return 0
	}
	diag := math.Hypot(float64(bin.w), float64(bin.h))/float64(f) + 2
	bins := make([]float64, int(diag)+1)
	score := func(deg float64) float64 {
		s, c := math.Sincos(deg * math.Pi / 180)
		clear(bins)
		off := diag / 2
		for i := range xs {
			v := ys[i]*c - xs[i]*s + off
			if j := int(v); j >= 0 && j < len(bins) {
				bins[j]++
			}
		}
		var sum float64
		for j := 1; j < len(bins); j++ {
			d := bins[j] - bins[j-1]
			sum += d * d
		}
		return sum
	}
	best, bestScore := 0.0, score(0)
	level := bestScore
	for d := -maxSkew; d <= maxSkew; d++ {
		if sc := score(d); sc > bestScore {
			best, bestScore = d, sc
		}
	}
	coarse := best
	for d := coarse - 0.9; d <= coarse+0.9; d += 0.1 {
		if sc := score(d); sc > bestScore {
			best, bestScore = d, sc
		}
	}
	if math.Abs(best) < 0.3 || bestScore < level*1.05 {
		return 0
	}
	return best * math.Pi / 180
}

// components labels 8-connected ink regions of a binary image and returns
// the label of each pixel (0 for background) and each label's statistics.
type component struct {
	minX, minY, maxX, maxY int
	area                   int
}

func components(bin *gray) ([]int32, []component) {
	labels := make([]int32, len(bin.pix))
	parent := []int32{0}
	find := func(a int32) int32 {
		for parent[a] != a {
			parent[a] = parent[parent[a]]
			a = parent[a]
		}
		return a
	}
	union := func(a, b int32) {
		ra, rb := find(a), find(b)
		if ra < rb {
			parent[rb] = ra
		} else if rb < ra {
			parent[ra] = rb
		}
	}
	w := bin.w
	for y := range bin.h {
		for x := range w {
			i := y*w + x
			if bin.pix[i] != 0 {
				continue
			}
			var l int32
			// Neighbours already visited: W, NW, N, NE.
			check := func(j int) {
				if lj := labels[j]; lj != 0 {
					if l == 0 {
						l = lj
					} else if lj != l {
						union(l, lj)
					}
				}
			}
			if x > 0 {
				check(i - 1)
			}
			if y > 0 {
				if x > 0 {
					check(i - w - 1)
				}
				check(i - w)
				if x < w-1 {
					check(i - w + 1)
				}
			}
			if l == 0 {
				l = int32(len(parent))
				parent = append(parent, l)
			}
			labels[i] = l
		}
	}
	// Resolve to dense final labels.
	final := make([]int32, len(parent))
	var comps []component
	for i := 1; i < len(parent); i++ {
		r := find(int32(i))
		if final[r] == 0 {
			comps = append(comps, component{minX: math.MaxInt, minY: math.MaxInt, maxX: -1, maxY: -1})
			final[r] = int32(len(comps))
		}
		final[i] = final[r]
	}
	for i, l := range labels {
		if l == 0 {
			continue
		}
		l = final[l]
		labels[i] = l
		c := &comps[l-1]
		x, y := i%w, i/w
		c.minX, c.maxX = min(c.minX, x), max(c.maxX, x)
		c.minY, c.maxY = min(c.minY, y), max(c.maxY, y)
		c.area++
	}
	return labels, comps
}

// textHeight estimates the typical height of letters in pixels: the median
// height of ink components shaped like characters. It returns 0 when there
// are too few to tell.
func textHeight(g *gray) float64 {
	f := flatten(median3(g), max(8, min(g.w, g.h)/40))
	bin := threshold(f, otsu(histogram(f)))
	_, comps := components(bin)
	var hs []int
	for _, c := range comps {
		w, h := c.maxX-c.minX+1, c.maxY-c.minY+1
		fill := float64(c.area) / float64(w*h)
		if h < 4 || c.area < 6 || h > g.h/3 || w > 4*h || h > 6*w || fill < 0.08 || fill > 0.95 {
			continue
		}
		hs = append(hs, h)
	}
	if len(hs) < 5 {
		return 0
	}
	slices.Sort(hs)
	return float64(hs[len(hs)/2])
}

// removeLines whitens thin horizontal and vertical lines at least n pixels
// long: ruled paper, table borders, underlines, board edges. A line may
// have gaps of up to gap pixels (faint or broken lines come out dashed), and
// only ink no thicker than thick across the line is removed, so letters
// that touch a line keep their strokes.
func removeLines(bin *gray, n, gap, thick int) {
	w, h := bin.w, bin.h
	ink := func(x, y int) bool { return bin.pix[y*w+x] == 0 }
	// Length of the ink run through each pixel, across each direction.
	vrun := make([]int32, len(bin.pix))
	hrun := make([]int32, len(bin.pix))
	for x := range w {
		for y := 0; y < h; {
			if !ink(x, y) {
				y++
				continue
			}
			e := y
			for e < h && ink(x, e) {
				e++
			}
			for k := y; k < e; k++ {
				vrun[k*w+x] = int32(e - y)
			}
			y = e
		}
	}
	for y := range h {
		for x := 0; x < w; {
			if !ink(x, y) {
				x++
				continue
			}
			e := x
			for e < w && ink(e, y) {
				e++
			}
			for k := x; k < e; k++ {
				hrun[y*w+k] = int32(e - x)
			}
			x = e
		}
	}
	mark := make([]bool, len(bin.pix))
	// scan walks one row (or column) of length m and marks the thin ink of
	// every stretch of at least n pixels whose gaps are at most gap.
	scan := func(m int, at func(i int) int, across []int32) {
		start, last := -1, -1
		flush := func() {
			if start >= 0 && last-start+1 >= n {
				for i := start; i <= last; i++ {
					if p := at(i); bin.pix[p] == 0 && int(across[p]) <= thick {
						mark[p] = true
					}
				}
			}
		}
		for i := range m {
			if bin.pix[at(i)] != 0 {
				continue
			}
			if start < 0 || i-last-1 > gap {
				flush()
				start = i
			}
			last = i
		}
		flush()
	}
	for y := range h {
		scan(w, func(i int) int { return y*w + i }, vrun)
	}
	for x := range w {
		scan(h, func(i int) int { return i*w + x }, hrun)
	}
	for i, m := range mark {
		if m {
			bin.pix[i] = 255
		}
	}
}

// removeSpecks whitens ink components smaller than area pixels.
func removeSpecks(bin *gray, area int) {
	labels, comps := components(bin)
	for i, l := range labels {
		if l != 0 && comps[l-1].area < area {
			bin.pix[i] = 255
		}
	}
}

// padWhite adds a white margin of p pixels.
func padWhite(g *gray, p int) *gray {
	out := newGray(g.w+2*p, g.h+2*p)
	for i := range out.pix {
		out.pix[i] = 255
	}
	for y := range g.h {
		copy(out.pix[(y+p)*out.w+p:], g.pix[y*g.w:(y+1)*g.w])
	}
	return out
}

// pgm encodes a grayscale image as binary PGM, which Leptonica reads
// without a compression step.
func (g *gray) pgm() []byte {
	head := []byte("P5\n")
	head = appendInt(head, g.w)
	head = append(head, ' ')
	head = appendInt(head, g.h)
	head = append(head, "\n255\n"...)
	return append(head, g.pix...)
}

func appendInt(b []byte, v int) []byte {
	if v >= 10 {
		b = appendInt(b, v/10)
	}
	return append(b, byte('0'+v%10))
}
