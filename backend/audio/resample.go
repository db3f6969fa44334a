package audio

import (
	"errors"
	"math"
)

// errTooLong stops decoding of recordings longer than MaxDuration.
var errTooLong = errors.New("audio: recording longer than the maximum duration")

// Resampler quality: each output sample is a windowed-sinc (Blackman) sum
// over the input reaching halfZeros zero crossings of the low-pass kernel on
// each side; the pass band ends at rolloff of the lower Nyquist frequency.
// For 44.1 kHz input that is 94 taps, stop-band attenuation around 70 dB.
const (
	halfZeros  = 16
	rolloff    = 0.95
	maxPhases  = 1024
	trimAmount = 1 << 16
)

// resampler converts a stream of mono float samples in [-1, 1] at one rate
// to 16-bit samples at SampleRate. Push input in pieces of any size, then
// Flush. The kernel is polyphase: one precomputed filter per fractional
// input position, exact when the rates' ratio has a denominator up to
// maxPhases, within 1/(2·maxPhases) of a sample otherwise.
type resampler struct {
	num, den int64 // input samples per output sample: num/den
	taps     int   // kernel half-width, input samples
	phases   int64
	table    []float32 // phases × 2·taps

	buf   []float32 // input, buf[0] being input sample number start
	start int64
	next  int64 // number of the next output sample
	in    int64 // input samples pushed

	out   []int16
	limit int
	end   int64 // once flushed: the number of output samples
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// newResampler returns a resampler from inRate to SampleRate whose output
// may hold at most limit samples.
func newResampler(inRate, limit int) *resampler {
	g := gcd(int64(inRate), SampleRate)
	r := &resampler{num: int64(inRate) / g, den: SampleRate / g, limit: limit}
	if r.num == r.den {
		return r // same rate: no filter
	}
	fc := 0.5 * rolloff * min(1, float64(SampleRate)/float64(inRate)) // cycles per input sample
	r.taps = int(math.Ceil(halfZeros / (2 * fc)))
	r.phases = min(r.den, maxPhases)
	r.table = make([]float32, int(r.phases)*2*r.taps)
	for p := range r.phases {
		frac := float64(p) / float64(r.phases)
		row := r.table[int(p)*2*r.taps : int(p+1)*2*r.taps]
		var sum float64
		k := make([]float64, len(row))
		for i := range row {
			d := float64(i-r.taps+1) - frac // distance of the tap from the output position
			k[i] = 2 * fc * sinc(2*fc*d) * blackman(d/float64(r.taps))
			sum += k[i]
		}
		for i := range row {
			row[i] = float32(k[i] / sum) // unit gain at DC in every phase
		}
	}
	// Input before the first sample is silence.
	r.buf = make([]float32, r.taps)
	r.start = -int64(r.taps)
	return r
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

func blackman(x float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	return 0.42 + 0.5*math.Cos(math.Pi*x) + 0.08*math.Cos(2*math.Pi*x)
}

// push adds input samples and computes every output sample they complete.
func (r *resampler) push(x []float32) error {
	r.in += int64(len(x))
	if r.table == nil {
		if len(r.out)+len(x) > r.limit {
			return errTooLong
		}
		for _, v := range x {
			r.out = append(r.out, toInt16(v))
		}
		return nil
	}
	r.buf = append(r.buf, x...)
	return r.run(r.start + int64(len(r.buf)))
}

// run computes output samples whose kernel lies entirely before input
// sample number avail.
func (r *resampler) run(avail int64) error {
	taps := int64(r.taps)
	for {
		pos := r.next * r.num // output position times den
		i0, p := pos/r.den, (pos%r.den*r.phases+r.den/2)/r.den
		if p == r.phases {
			i0, p = i0+1, 0
		}
		if i0+taps > avail-1 || r.end > 0 && r.next >= r.end {
			break
		}
		if len(r.out) >= r.limit {
			return errTooLong
		}
		first := int(i0 - taps + 1 - r.start)
		in := r.buf[first : first+2*r.taps]
		k := r.table[int(p)*2*r.taps : int(p+1)*2*r.taps]
		var acc float32
		for i, v := range in {
			acc += v * k[i]
		}
		r.out = append(r.out, toInt16(acc))
		r.next++
	}
	// Drop input that no later output needs, in large steps.
	if keep := r.next*r.num/r.den - taps - r.start; keep > trimAmount {
		n := copy(r.buf, r.buf[keep:])
		r.buf = r.buf[:n]
		r.start += keep
	}
	return nil
}

// flush ends the input and returns all output: one sample for every
// output instant before the end of the input.
func (r *resampler) flush() ([]int16, error) {
	if r.table == nil {
		return r.out, nil
	}
	want := (r.in*r.den + r.num - 1) / r.num
	if want > int64(r.limit) {
		return nil, errTooLong
	}
	// Silence after the end completes the last kernels; the samples it
	// would add past the end are not computed.
	r.end = want
	r.buf = append(r.buf, make([]float32, r.taps+1)...)
	if err := r.run(r.start + int64(len(r.buf))); err != nil {
		return nil, err
	}
	return r.out, nil
}

func toInt16(v float32) int16 {
	s := math.Round(float64(v) * 32768)
	switch {
	case s > math.MaxInt16:
		return math.MaxInt16
	case s < math.MinInt16:
		return math.MinInt16
	}
	return int16(s)
}
