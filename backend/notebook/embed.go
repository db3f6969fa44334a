package notebook

import (
	"context"
	"hash/fnv"
	"math"
)

// HashDim is the width of the built-in embedder's vectors.
const HashDim = 768

// HashEmbedder is the built-in offline embedder: deterministic hashed
// lexical features — stemmed word unigrams and bigrams and character
// 4-grams of each word — signed-hashed into HashDim dimensions, with
// sublinear term frequency, L2-normalised. It needs no model and makes
// vector search useful for vocabulary overlap and morphology (the
// character n-grams match "vaccination" with "vaccinated").
type HashEmbedder struct{}

// Model implements core.Embedder.
func (HashEmbedder) Model() string { return "sentry-hash-v1" }

// Dim implements core.Embedder.
func (HashEmbedder) Dim() int { return HashDim }

// Embed implements core.Embedder.
func (e HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out[i] = hashVector(t)
	}
	return out, nil
}

func hashVector(text string) []float32 {
	tf := map[uint64]float64{}
	add := func(feature string, w float64) {
		h := fnv.New64a()
		h.Write([]byte(feature))
		tf[h.Sum64()] += w
	}
	ts := terms(text)
	for i, t := range ts {
		add("w:"+t, 1)
		if i > 0 {
			add("b:"+ts[i-1]+" "+t, 0.7)
		}
		if g := "<" + t + ">"; len(g) > 5 {
			for j := 0; j+4 <= len(g); j++ {
				add("c:"+g[j:j+4], 0.25)
			}
		}
	}
	v := make([]float64, HashDim)
	for h, n := range tf {
		w := 1 + math.Log(n) // sublinear TF (n ≥ its feature weight > 0)
		if n < 1 {
			w = n
		}
		idx := int(h % HashDim)
		if h>>63 == 1 {
			w = -w
		}
		v[idx] += w
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, HashDim)
	if norm == 0 {
		out[0] = 1 // no words: a fixed unit vector keeps cosine defined
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}
