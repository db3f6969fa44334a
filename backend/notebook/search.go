package notebook

import (
	"context"
	"sort"

	"sentry/backend/core"
)

// rrfK is the reciprocal rank fusion constant (Cormack et al. 2009).
const rrfK = 60

// Result is a passage found for a query.
type Result struct {
	core.ChunkHit
	// Score is the fused reciprocal-rank score (higher is better).
	Score float64
	// TextRank and VectorRank are 1-based ranks in each list (0: absent).
	TextRank, VectorRank int
	// Similarity is the cosine similarity of the best vector match.
	Similarity float64
}

// Search finds the k best passages of a notebook for a query: BM25 over
// FTS5 and exact vector KNN (per embedding model present in the notebook)
// fused by reciprocal rank. The notebook must be the caller's (checked by
// the callers that take user input).
func (s *Service) Search(ctx context.Context, notebookID, query string, k int) ([]Result, error) {
	if k <= 0 {
		k = s.TopK
	}
	depth := max(50, 4*k)
	byNum := map[int64]*Result{}
	var order []*Result
	get := func(h core.ChunkHit) *Result {
		r, ok := byNum[h.Num]
		if !ok {
			r = &Result{ChunkHit: h}
			byNum[h.Num] = r
			order = append(order, r)
		}
		return r
	}
	// The text and vector searches run side by side (the read pool has
	// several connections), then fuse.
	var textHits []core.ChunkHit
	var textErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if m := ftsQuery(query); m != "" {
			textHits, textErr = s.store.SearchChunksText(ctx, notebookID, m, depth)
		}
	}()
	vecLists, vecErr := s.vectorSearch(ctx, notebookID, query, depth)
	<-done
	if textErr != nil {
		return nil, textErr
	}
	if vecErr != nil {
		return nil, vecErr
	}
	for i, h := range textHits {
		r := get(h)
		r.TextRank = i + 1
		r.Score += 1.0 / float64(rrfK+i+1)
	}
	for _, list := range vecLists {
		for i, h := range list.hits {
			r := get(h)
			if r.VectorRank == 0 || i+1 < r.VectorRank {
				r.VectorRank = i + 1
			}
			r.Score += list.weight / float64(rrfK+i+1)
			r.Similarity = max(r.Similarity, 1-h.Score)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Score > order[j].Score })
	if len(order) > k {
		order = order[:k]
	}
	out := make([]Result, len(order))
	for i, r := range order {
		out[i] = *r
	}
	return out, nil
}

// vectorSearch runs one KNN per embedding model present in the notebook.
type vectorList struct {
	hits   []core.ChunkHit
	weight float64
}

func (s *Service) vectorSearch(ctx context.Context, notebookID, query string, depth int) ([]vectorList, error) {
	models, err := s.store.NotebookModels(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	var out []vectorList
	for _, model := range models {
		emb := s.embedderFor(model)
		if emb == nil {
			continue // its model is not available now; BM25 still covers these chunks
		}
		vs, err := emb.Embed(ctx, []string{query})
		if err != nil || len(vs) != 1 {
			s.logger.Warn("embed query", "model", model, "error", err)
			continue
		}
		hits, err := s.store.SearchChunksVector(ctx, notebookID, model, vs[0], depth)
		if err != nil {
			return nil, err
		}
		w := 1.0
		if emb == s.Offline {
			w = s.OfflineVectorWeight
		}
		out = append(out, vectorList{hits, w})
	}
	return out, nil
}

func (s *Service) embedderFor(model string) core.Embedder {
	switch {
	case s.Offline != nil && s.Offline.Model() == model:
		return s.Offline
	case s.Embedder != nil && s.Embedder.Model() == model:
		return s.Embedder
	}
	return nil
}
