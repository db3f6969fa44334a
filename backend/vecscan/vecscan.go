// Package vecscan is the exact nearest-neighbour scan both stores use for
// notebook vectors held in memory: a slab of unit float32 vectors scanned
// with a dot product, split over the CPUs, and a cache of slabs keyed by a
// notebook's index version. The stores keep the vectors (SQLite in its
// vector tables, PostgreSQL as bytea) and load slabs from them; the same
// scan then ranks them, so both stores answer the same neighbours.
// Standard library only.
package vecscan

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
)

// Slab is n vectors of Dim floats; row i belongs to IDs[i].
type Slab struct {
	Dim  int
	IDs  []int64
	Vecs []float32
}

// NewSlab returns an empty slab with room for n vectors of dim floats.
func NewSlab(dim, n int) *Slab {
	return &Slab{Dim: dim, IDs: make([]int64, 0, n), Vecs: make([]float32, 0, n*dim)}
}

// Len is the number of vectors.
func (s *Slab) Len() int { return len(s.IDs) }

// Bytes is the memory the slab holds, for cache budgets.
func (s *Slab) Bytes() int64 { return int64(len(s.IDs)) * (int64(s.Dim)*4 + 8) }

// Append adds v (already unit length) under id.
func (s *Slab) Append(id int64, v []float32) {
	s.IDs = append(s.IDs, id)
	s.Vecs = append(s.Vecs, v...)
}

// AppendBlob adds a vector encoded by Blob; false (and nothing added)
// when the blob is not Dim floats long.
func (s *Slab) AppendBlob(id int64, b []byte) bool {
	if len(b) != 4*s.Dim {
		return false
	}
	s.IDs = append(s.IDs, id)
	for i := 0; i < s.Dim; i++ {
		s.Vecs = append(s.Vecs, math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return true
}

// Hit is a vector's id with its cosine distance to the query.
type Hit struct {
	ID   int64
	Dist float32
}

// worst-first heap of the best k so far.
type topK []Hit

func (h topK) Len() int           { return len(h) }
func (h topK) Less(i, j int) bool { return h[i].Dist > h[j].Dist }
func (h topK) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topK) Push(x any)        { *h = append(*h, x.(Hit)) }
func (h *topK) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Search is an exact scan: the k vectors with the largest dot product with
// the unit vector q (cosine, as stored vectors are unit length), best
// first; equal distances go to the smaller id.
func (s *Slab) Search(q []float32, k int) []Hit {
	n := len(s.IDs)
	if k <= 0 || n == 0 || len(q) != s.Dim {
		return nil
	}
	dim := s.Dim
	parts := min(runtime.GOMAXPROCS(0), max(1, n/20_000))
	tops := make([]topK, parts)
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			h := make(topK, 0, k+1)
			for i := p * n / parts; i < (p+1)*n/parts; i++ {
				d := 1 - Dot(q, s.Vecs[i*dim:(i+1)*dim])
				if len(h) < k {
					heap.Push(&h, Hit{s.IDs[i], d})
				} else if d < h[0].Dist {
					h[0] = Hit{s.IDs[i], d}
					heap.Fix(&h, 0)
				}
			}
			tops[p] = h
		}(p)
	}
	wg.Wait()
	var all []Hit
	for _, h := range tops {
		all = append(all, h...)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Dist != all[j].Dist {
			return all[i].Dist < all[j].Dist
		}
		return all[i].ID < all[j].ID
	})
	return all[:min(k, len(all))]
}

// Dot is unrolled by four with separate sums: the compiler does not
// vectorise, and independent sums keep the FPU pipelines full.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+3 < len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// Unit returns v scaled to length 1 (a copy), so L2 ranks as cosine does;
// the zero vector stays zero.
func Unit(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	s := 1 / math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(float64(x) * s)
	}
	return out
}

// Blob encodes a vector as little-endian float32s (sqlite-vec's float
// blob; the same bytes in PostgreSQL's bytea).
func Blob(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// Check refuses vectors that do not fit chunks (one each) or an index of
// dim dimensions.
func Check(chunks int, vectors [][]float32, dim int) error {
	if len(vectors) != chunks {
		return fmt.Errorf("%d vectors for %d chunks", len(vectors), chunks)
	}
	for _, v := range vectors {
		if len(v) != dim {
			return fmt.Errorf("vector of %d dimensions, the index holds %d", len(v), dim)
		}
	}
	return nil
}
