package notebook

import (
	"context"
	"sort"
	"strings"

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
		var m string
		if m, textErr = s.textQuery(ctx, query); m != "" && textErr == nil {
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
	}
	if e := s.embedder(); e != nil && e.Model() == model {
		return e
	}
	return s.earlier(model)
}

// DefaultTextBudget is how many matching passages BM25 ranks at most, in
// the usual case: ranking costs a few µs per matching row (FTS5 reads
// each one's positions), so ORing a word found in most of 100,000
// passages took ~300 ms, while counting matches is ~15× cheaper.
const DefaultTextBudget = 6000

// textQuery is the FTS5 expression for a question, pruned so that BM25
// ranks at most about TextBudget rows: the question's words go in from
// the rarest (by a capped count of the passages that contain them) while
// their matches fit the budget. Words left out are the commonest, the ones
// BM25 weighs least. When even the rarest word matches more passages than
// the budget, the rarest words are ANDed until the passages holding all of
// them fit (or none are left to add). Small collections never prune.
func (s *Service) textQuery(ctx context.Context, q string) (string, error) {
	ts := ftsTerms(q)
	budget := s.TextBudget
	if len(ts) == 0 || budget <= 0 {
		return strings.Join(ts, " OR "), nil
	}
	type termDF struct {
		term string
		df   int
	}
	dfs := make([]termDF, 0, len(ts))
	total := 0
	for _, t := range ts {
		n, err := s.store.CountChunkTextMatches(ctx, t, budget+1)
		if err != nil {
			return "", err
		}
		if n > 0 {
			dfs = append(dfs, termDF{t, n})
			total += n
		}
	}
	if total <= budget {
		return strings.Join(ts, " OR "), nil
	}
	sort.SliceStable(dfs, func(i, j int) bool { return dfs[i].df < dfs[j].df })
	var kept []string
	sum := 0
	for _, d := range dfs {
		if sum+d.df > budget {
			break
		}
		kept = append(kept, d.term)
		sum += d.df
	}
	if len(kept) > 0 {
		return strings.Join(kept, " OR "), nil
	}
	and := dfs[0].term
	for _, d := range dfs[1:] {
		and += " AND " + d.term
		n, err := s.store.CountChunkTextMatches(ctx, and, budget+1)
		if err != nil {
			return "", err
		}
		if n <= budget {
			break
		}
	}
	return and, nil
}

// TextQuery is textQuery for benchmarks and tools.
func (s *Service) TextQuery(ctx context.Context, q string) (string, error) {
	return s.textQuery(ctx, q)
}
