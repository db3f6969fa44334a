package vecscan_test

import (
	"math/rand/v2"
	"sort"
	"testing"

	"sentry/backend/vecscan"
)

// The scan finds what a brute-force sort finds, over one part and several.
func TestSearchIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 7, 50_000} {
		s := vecscan.NewSlab(16, n)
		for i := 0; i < n; i++ {
			v := make([]float32, 16)
			for j := range v {
				v[j] = float32(r.NormFloat64())
			}
			if !s.AppendBlob(int64(i+100), vecscan.Blob(vecscan.Unit(v))) {
				t.Fatal("blob refused")
			}
		}
		q := vecscan.Unit([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
		type pair struct {
			id int64
			d  float32
		}
		all := make([]pair, n)
		for i := 0; i < n; i++ {
			all[i] = pair{s.IDs[i], 1 - vecscan.Dot(q, s.Vecs[i*16:(i+1)*16])}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].d < all[j].d || all[i].d == all[j].d && all[i].id < all[j].id })
		got := s.Search(q, 10)
		if len(got) != min(10, n) {
			t.Fatalf("n=%d: %d hits", n, len(got))
		}
		for i, h := range got {
			if h.ID != all[i].id || h.Dist != all[i].d {
				t.Fatalf("n=%d: hit %d is %v, want %v", n, i, h, all[i])
			}
		}
	}
	if s := vecscan.NewSlab(4, 0); s.AppendBlob(1, []byte{1, 2}) || s.Search([]float32{1, 0, 0, 0}, 3) != nil {
		t.Fatal("short blob or empty slab")
	}
}

// A cache entry is loaded once per version and reloaded when it moves.
func TestCacheReloadsOnNewVersion(t *testing.T) {
	var c vecscan.Cache
	loads := 0
	load := func(e *vecscan.Entry) error {
		loads++
		e.Counts["m"] = loads
		return nil
	}
	for _, v := range []int64{1, 1, 2, 2, 1} {
		e, err := c.Get("nb", v, 1<<20, load)
		if err != nil || e.Counts["m"] != loads {
			t.Fatal(err, e.Counts)
		}
	}
	if loads != 3 {
		t.Fatalf("%d loads, want 3", loads)
	}
}
