package sqlite

import (
	"math"
	"math/rand/v2"
)

// simhashDim is 768 padded to a power of two for the Hadamard transform.
const simhashDim = 1024

// simhashSigns are the fixed random ±1 diagonals of the rotation.
var simhashSigns = func() [2][simhashDim]float64 {
	var s [2][simhashDim]float64
	r := rand.New(rand.NewPCG(0x5e17, 0x0b175))
	for k := range s {
		for i := range s[k] {
			s[k][i] = 1
			if r.IntN(2) == 0 {
				s[k][i] = -1
			}
		}
	}
	return s
}()

// signBits is a SimHash of v: the signs of a fixed pseudo-random rotation
// (two rounds of random sign flips and a Walsh–Hadamard transform), one
// bit per dimension. The Hamming distance between two such codes tracks
// the angle between the vectors — also for sparse vectors such as the
// built-in hashed embeddings, whose raw signs (mostly zeros) say little.
func signBits(v []float32) []byte {
	var x [simhashDim]float64
	for i, f := range v {
		x[i] = float64(f)
	}
	for k := 0; k < 2; k++ {
		for i := range x {
			x[i] *= simhashSigns[k][i]
		}
		fwht(x[:])
	}
	out := make([]byte, VectorDim/8)
	for i := 0; i < VectorDim; i++ {
		if x[i] > 0 {
			out[i/8] |= 1 << (i % 8)
		}
	}
	return out
}

func fwht(a []float64) {
	for h := 1; h < len(a); h *= 2 {
		for i := 0; i < len(a); i += 2 * h {
			for j := i; j < i+h; j++ {
				x, y := a[j], a[j+h]
				a[j], a[j+h] = x+y, x-y
			}
		}
	}
	s := 1 / math.Sqrt(float64(len(a)))
	for i := range a {
		a[i] *= s
	}
}
