package notebook

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"sentry/backend/core"
)

// NotFound is the answer when the documents don't hold one.
const NotFound = "I couldn't find this in your documents."

// Answer is a reply to a question about a notebook.
type Answer struct {
	Answer    string          `json:"answer"`
	Citations []core.Citation `json:"citations"`
	// Engine is extractive, ollama:<model>, indexing or empty.
	Engine string `json:"engine"`
	// Found is false when the documents hold nothing relevant.
	Found bool `json:"found"`
	// Indexing is set while the notebook is still indexing.
	Indexing  *Progress `json:"indexing,omitempty"`
	MessageID string    `json:"message_id,omitempty"`
}

// ChatRequest is a question with optional earlier turns.
type ChatRequest struct {
	Query   string          `json:"query"`
	History []core.ChatTurn `json:"history"`
	// TopK overrides how many passages to draw on (1–20).
	TopK int `json:"top_k"`
}

func (r *ChatRequest) validate() error {
	r.Query = strings.TrimSpace(r.Query)
	switch {
	case r.Query == "":
		return core.FieldError("query", "Ask a question: the query is empty.")
	case len(r.Query) > MaxQueryBytes:
		return core.FieldError("query", "The question is too long (%d bytes; at most %d).", len(r.Query), MaxQueryBytes)
	case !utf8.ValidString(r.Query):
		return core.FieldError("query", "The question is not valid UTF-8 text.")
	case len(r.History) > MaxHistoryTurns:
		return core.FieldError("history", "Send at most %d earlier turns.", MaxHistoryTurns)
	case r.TopK < 0 || r.TopK > 20:
		return core.FieldError("top_k", "top_k must be between 1 and 20.")
	}
	for _, t := range r.History {
		if t.Role != "user" && t.Role != "assistant" {
			return core.FieldError("history", "Each turn's role must be user or assistant.")
		}
		if len(t.Content) > 4*MaxQueryBytes {
			return core.FieldError("history", "An earlier turn is too long.")
		}
	}
	return nil
}

// StreamingChat is a ChatModel that can also hand over its reply piece by
// piece as the model writes it.
type StreamingChat interface {
	core.ChatModel
	ChatStream(ctx context.Context, turns []core.ChatTurn, onToken func(string) error) (string, error)
}

// Stream receives an answer while it is made: Sources once, with the
// numbered passages the answer may cite and the engine, then Token for
// each piece of text. An error from either stops the answer (and the
// model). The final Answer returned by AskStream is authoritative: its
// text is the streamed text with markers that name no source removed, its
// citations only the sources the text cites (a model reply that cites
// nothing is replaced by an extractive answer).
type Stream struct {
	Sources func(citations []core.Citation, engine string) error
	Token   func(text string) error

	sourced, sent bool
}

// Ask answers a question from a notebook's documents, with citations, and
// keeps the exchange in the notebook's conversation.
func (s *Service) Ask(ctx context.Context, notebookID string, req ChatRequest) (*Answer, error) {
	return s.AskStream(ctx, notebookID, req, nil)
}

// AskStream is Ask, streaming the answer to st (nil: no streaming). Input
// errors come before any call to st.
func (s *Service) AskStream(ctx context.Context, notebookID string, req ChatRequest, st *Stream) (*Answer, error) {
	n, err := s.Get(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	docs, err := s.store.FindNotebookDocuments(ctx, n.ID)
	if err != nil {
		return nil, err
	}
	ans := &Answer{Citations: []core.Citation{}}
	p := ProgressOf(docs)
	switch {
	case p.Documents == 0:
		ans.Answer = "This notebook has no documents yet. Upload some, then ask again."
	case p.Pending > 0:
		ans.Answer, ans.Engine, ans.Indexing = p.message(), "indexing", &p
	case p.Ready == 0:
		ans.Answer = "None of this notebook's documents could be indexed; see each document's error."
	default:
		if ans, err = s.answer(ctx, n.ID, req, st); err != nil {
			return nil, err
		}
	}
	if err := st.finish(ans); err != nil {
		return nil, err
	}
	if err := s.store.CreateNotebookMessage(ctx, &core.NotebookMessage{UserID: n.UserID, NotebookID: n.ID, Role: "user", Content: req.Query}); err != nil {
		return nil, err
	}
	m := &core.NotebookMessage{UserID: n.UserID, NotebookID: n.ID, Role: "assistant", Content: ans.Answer, Citations: ans.Citations, Engine: ans.Engine}
	if err := s.store.CreateNotebookMessage(ctx, m); err != nil {
		return nil, err
	}
	ans.MessageID = m.ID
	return ans, nil
}

// Messages returns a notebook's conversation, oldest first.
func (s *Service) Messages(ctx context.Context, notebookID string, limit int) ([]*core.NotebookMessage, error) {
	n, err := s.Get(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	return s.store.FindNotebookMessages(ctx, n.ID, limit)
}

// finish streams an answer that was not streamed as it was made (no
// model: extractive, not found, still indexing): its sources, then its
// text in word-sized pieces.
func (st *Stream) finish(ans *Answer) error {
	if st == nil || st.sent {
		return nil
	}
	if err := st.sources(ans.Citations, ans.Engine); err != nil {
		return err
	}
	for _, w := range strings.SplitAfter(ans.Answer, " ") {
		if err := st.token(w); err != nil {
			return err
		}
	}
	return nil
}

func (st *Stream) sources(c []core.Citation, engine string) error {
	if st == nil || st.sourced || st.Sources == nil {
		return nil
	}
	st.sourced = true
	return st.Sources(c, engine)
}

func (st *Stream) token(t string) error {
	if st == nil || st.Token == nil || t == "" {
		return nil
	}
	st.sent = true
	return st.Token(t)
}

func (s *Service) answer(ctx context.Context, notebookID string, req ChatRequest, st *Stream) (*Answer, error) {
	k := req.TopK
	if k == 0 {
		k = s.TopK
	}
	results, err := s.Search(ctx, notebookID, req.Query, k)
	if err != nil {
		return nil, err
	}
	q := analyse(req.Query)
	if !relevant(results, q.terms) {
		return &Answer{Answer: NotFound, Citations: []core.Citation{}, Engine: "extractive"}, nil
	}
	cites := make([]core.Citation, len(results))
	for i, r := range results {
		cites[i] = core.Citation{N: i + 1, DocumentID: r.DocumentID, Filename: r.Filename, ChunkID: r.ID, Text: r.Text,
			Page: r.Page, Start: r.Start, End: r.End, AudioStart: r.AudioStart, AudioEnd: r.AudioEnd, Score: math.Round(r.Score*1e6) / 1e6}
	}
	if s.Chat != nil {
		if a, err := s.grounded(ctx, req, cites, st); err == nil {
			return a, nil
		} else if ctx.Err() != nil {
			return nil, ctx.Err()
		} else {
			s.logger.Warn("grounded answer failed; answering extractively", "error", err)
		}
	}
	return extractive(results, cites, q, req.Query), nil
}

func distinct(ts []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// question is what an answer looks for: the question's content words
// (folded for matching, without the words that only name the kind of
// question) and the kind of fact it asks for.
type question struct {
	terms []string
	kind  factKind
}

func analyse(q string) question {
	kind, drop := questionKind(q)
	var ts []string
	for _, w := range words(q) {
		if stopwords[w] || drop[w] || len(w) >= 64 {
			continue
		}
		ts = append(ts, matchTerm(stem(w)))
	}
	return question{distinct(ts), kind}
}

// relevant: some passage shares a good part of the question's content
// words. Without that, any answer would be invented.
func relevant(results []Result, qterms []string) bool {
	if len(results) == 0 || len(qterms) == 0 {
		return false
	}
	need := max(1, int(math.Ceil(0.34*float64(len(qterms)))))
	for _, r := range results {
		have := map[string]bool{}
		for _, t := range matchTerms(r.Heading + " " + r.Text) {
			have[t] = true
		}
		hit := 0
		for _, q := range qterms {
			if have[q] {
				hit++
			}
		}
		if hit >= need {
			return true
		}
	}
	return false
}

// How a question word found near a sentence counts, against one found in
// the sentence itself: in its section's heading, elsewhere in its passage,
// in another passage found of the same document.
const (
	headingMatch  = 0.6
	passageMatch  = 0.3
	documentMatch = 0.2
	// minCover: the best sentence, with its heading and passage, must hold
	// at least this share of the question's (rarity-weighted) words, or
	// the answer is "not found".
	minCover = 0.5
)

// candidate is a sentence that may answer.
type candidate struct {
	res        int // which result
	start, end int // in the result's text
	text       string
	heading    string
	inSentence map[string]bool // question words in the sentence itself
	fact       float64         // states the kind of fact asked for
	cover      float64
	score      float64
}

// extractive answers with the one or two sentences that best answer the
// question, in reading order, each cited; only the passages quoted are
// cited, with the quoted sentences marked.
func extractive(results []Result, cites []core.Citation, q question, query string) *Answer {
	notFound := &Answer{Answer: NotFound, Citations: []core.Citation{}, Engine: "extractive"}
	// Rarer question words (in fewer passages) count for more.
	df := map[string]int{}
	passTerms := make([]map[string]bool, len(results))
	for i, r := range results {
		passTerms[i] = map[string]bool{}
		for _, t := range matchTerms(r.Text) {
			passTerms[i][t] = true
		}
		for _, t := range q.terms {
			if passTerms[i][t] {
				df[t]++
			}
		}
	}
	docTerms := map[string]map[string]bool{}
	for i, r := range results {
		if docTerms[r.DocumentID] == nil {
			docTerms[r.DocumentID] = map[string]bool{}
		}
		for t := range passTerms[i] {
			docTerms[r.DocumentID][t] = true
		}
	}
	weight := map[string]float64{}
	total := 0.0
	for _, t := range q.terms {
		weight[t] = math.Log(1 + float64(len(results)+1)/float64(df[t]+1))
		if lightWords[t] {
			weight[t] *= 0.3
		}
		total += weight[t]
	}
	if total == 0 {
		return notFound
	}
	var cands []candidate
	seen := map[string]int{} // document and offset → candidate (passages overlap)
	for i, r := range results {
		title := documentTitle(r)
		for _, sp := range passageSentences(r.Text) {
			raw := r.Text[sp.start:sp.end]
			n := countTokens(raw)
			if n < 3 {
				continue
			}
			sent := map[string]bool{}
			for _, t := range matchTerms(raw) {
				sent[t] = true
			}
			// The document's title names what all of it is about, so it
			// says no more of a sentence than the document does.
			head := map[string]bool{}
			if sp.heading != title {
				for _, t := range matchTerms(sp.heading) {
					head[t] = true
				}
			}
			c := candidate{res: i, start: sp.start, end: sp.end, heading: sp.heading, text: strings.Join(strings.Fields(raw), " "), inSentence: map[string]bool{}}
			got, near, headed := 0.0, 0.0, false
			for _, t := range q.terms {
				switch {
				case sent[t]:
					got += weight[t]
					c.inSentence[t] = true
				case head[t]:
					near += headingMatch * weight[t]
					headed = true
				case passTerms[i][t]:
					near += passageMatch * weight[t]
				case docTerms[r.DocumentID][t]:
					near += documentMatch * weight[t]
				}
			}
			if got == 0 && !headed {
				continue // nothing of the question in the sentence or its heading
			}
			c.cover = (got + near) / total
			c.score = c.cover + 0.1/float64(i+1)
			if q.kind != anyFact {
				c.fact = states(q.kind, raw)
				if q.kind == reasonFact && reasonRE.MatchString(sp.heading) {
					c.fact = 1 // under "Root cause", "Reasons", …
				}
				c.score += 0.35*c.fact - 0.15*b2f(c.fact == 0)
			}
			if n > 50 {
				c.score *= 50 / float64(n)
			}
			key := fmt.Sprintf("%s:%d", r.DocumentID, r.Start+sp.start)
			if k, ok := seen[key]; ok {
				if c.score > cands[k].score {
					cands[k] = c
				}
				continue
			}
			seen[key] = len(cands)
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return notFound
	}
	// Do the documents speak of this at all? Then the sentence that best
	// answers, among those that hold a fair part of the question.
	top := 0.0
	for _, c := range cands {
		top = max(top, c.cover)
	}
	if top < minCover {
		return notFound
	}
	kept := cands[:0]
	for _, c := range cands {
		if c.cover >= top/2 {
			kept = append(kept, c)
		}
	}
	cands = kept
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
	best := cands[0]
	// A near miss: the documents speak of the question's other words but
	// not of the thing it asks about.
	doc := map[string]bool{}
	for t := range docTerms[results[best.res].DocumentID] {
		doc[t] = true
	}
	for _, r := range results {
		if r.DocumentID == results[best.res].DocumentID {
			for _, t := range matchTerms(r.Heading) {
				doc[t] = true
			}
		}
	}
	if speaksOfOther(query, q, best, doc) {
		return notFound
	}
	chosen := []candidate{best}
	// A second sentence only when it adds to the first: a question word
	// the first lacks, or the kind of fact the first does not state.
	for _, c := range cands[1:] {
		if c.score < 0.85*best.score {
			break
		}
		adds := c.fact > best.fact
		for t := range c.inSentence {
			if !best.inSentence[t] {
				adds = true
			}
		}
		if adds {
			chosen = append(chosen, c)
			break
		}
	}
	// A lone sentence that opens by pointing back ("He is the on-call
	// engineer …") comes with the sentence before it, which says who.
	if len(chosen) == 1 && pointsBack(best.text) {
		if prev, ok := previousSentence(results[best.res].Text, best.start); ok {
			chosen = append(chosen, candidate{res: best.res, start: prev.start, end: prev.end,
				text: strings.Join(strings.Fields(results[best.res].Text[prev.start:prev.end]), " ")})
		}
	}
	// Reading order: within a document by position, else by rank.
	sort.SliceStable(chosen, func(a, b int) bool {
		ra, rb := results[chosen[a].res], results[chosen[b].res]
		if ra.DocumentID == rb.DocumentID {
			return ra.Start+chosen[a].start < rb.Start+chosen[b].start
		}
		return chosen[a].res < chosen[b].res
	})
	var parts []string
	var used []core.Citation
	numOf := map[int]int{}
	for _, c := range chosen {
		n, ok := numOf[c.res]
		if !ok {
			cite := cites[c.res]
			cite.N = len(used) + 1
			cite.Quotes = nil
			used = append(used, cite)
			n = cite.N
			numOf[c.res] = n
		}
		off := results[c.res].Start
		used[n-1].Quotes = append(used[n-1].Quotes, core.Quote{Start: off + c.start, End: off + c.end})
		parts = append(parts, citeSentence(c.text, n))
	}
	return &Answer{Answer: strings.Join(parts, " "), Citations: used, Engine: "extractive", Found: true}
}

// documentTitle is the heading that opens the document, when r is its
// first passage ("" otherwise).
func documentTitle(r Result) string {
	if r.Start != 0 {
		return ""
	}
	ps := paragraphs(r.Text)
	if len(ps) == 0 {
		return ""
	}
	first := r.Text[ps[0][0]:ps[0][1]]
	if !isHeading(first) || fieldLine(first) {
		return ""
	}
	return cleanHeading(first)
}

// pointsBack: the sentence opens with a pronoun that refers to what came
// before.
func pointsBack(sentence string) bool {
	first, _, _ := strings.Cut(sentence, " ")
	switch strings.ToLower(strings.Trim(first, ",;:")) {
	case "he", "she", "they", "it", "this", "that", "these", "those", "his", "her", "their", "its":
		return true
	}
	return false
}

// previousSentence is the sentence just before offset start in a passage,
// in the same section.
func previousSentence(text string, start int) (span, bool) {
	sents := passageSentences(text)
	for i, sp := range sents {
		if sp.start == start && i > 0 && sents[i-1].heading == sp.heading {
			return sents[i-1], true
		}
	}
	return span{}, false
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

var marker = regexp.MustCompile(`\[(\d{1,2})\]`)

const groundedSystem = `You answer questions using only the numbered sources the user gives you.
Cite every claim with the source number in square brackets, like [1] or [2][3], right after the claim.
If the sources do not contain the answer, reply exactly: ` + NotFound + `
Be concise. Do not mention sources you did not use.`

// grounded asks the chat model to answer over numbered sources.
func (s *Service) grounded(ctx context.Context, req ChatRequest, cites []core.Citation, st *Stream) (*Answer, error) {
	var b strings.Builder
	b.WriteString("Sources:\n")
	for _, c := range cites {
		fmt.Fprintf(&b, "[%d] (%s", c.N, c.Filename)
		if c.Page > 0 {
			fmt.Fprintf(&b, ", page %d", c.Page)
		}
		fmt.Fprintf(&b, ")\n%s\n\n", c.Text)
	}
	fmt.Fprintf(&b, "Question: %s", req.Query)
	turns := []core.ChatTurn{{Role: "system", Content: groundedSystem}}
	turns = append(turns, req.History...)
	turns = append(turns, core.ChatTurn{Role: "user", Content: b.String()})
	var reply string
	var err error
	if sc, ok := s.Chat.(StreamingChat); ok && st != nil {
		if err := st.sources(cites, "ollama:"+s.Chat.Name()); err != nil {
			return nil, err
		}
		reply, err = sc.ChatStream(ctx, turns, st.token)
	} else {
		reply, err = s.Chat.Chat(ctx, turns)
	}
	if err != nil {
		return nil, err
	}
	reply = strings.TrimSpace(reply)
	if reply == "" {
		return nil, fmt.Errorf("notebook: empty reply from %s", s.Chat.Name())
	}
	engine := "ollama:" + s.Chat.Name()
	if strings.Contains(reply, NotFound) {
		return &Answer{Answer: NotFound, Citations: []core.Citation{}, Engine: engine}, nil
	}
	// Keep only markers that name a source; cite only sources used.
	usedN := map[int]bool{}
	reply = marker.ReplaceAllStringFunc(reply, func(m string) string {
		n, _ := strconv.Atoi(m[1 : len(m)-1])
		if n < 1 || n > len(cites) {
			return ""
		}
		usedN[n] = true
		return m
	})
	if len(usedN) == 0 {
		return nil, fmt.Errorf("notebook: the answer cites no source")
	}
	var used []core.Citation
	for _, c := range cites {
		if usedN[c.N] {
			used = append(used, c)
		}
	}
	markQuotes(reply, used)
	return &Answer{Answer: reply, Citations: used, Engine: engine, Found: true}, nil
}

// markQuotes finds, in each passage a model's reply cites, the sentence
// the reply draws on: the one sharing the most content words with the
// words before each of the passage's markers (back to the previous
// sentence end or marker). A sentence needs two shared words, or all of
// its own, to be marked; a passage with none stays unmarked.
func markQuotes(reply string, cites []core.Citation) {
	for i := range cites {
		c := &cites[i]
		tag := fmt.Sprintf("[%d]", c.N)
		sents := passageSentences(c.Text)
		sentTerms := make([]map[string]bool, len(sents))
		for k, sp := range sents {
			sentTerms[k] = map[string]bool{}
			for _, t := range matchTerms(c.Text[sp.start:sp.end]) {
				sentTerms[k][t] = true
			}
		}
		marked := map[int]bool{}
		for at := 0; ; {
			j := strings.Index(reply[at:], tag)
			if j < 0 {
				break
			}
			end := at + j
			claim := reply[:end]
			if k := strings.LastIndexAny(strings.TrimRight(claim, " ])"), ".!?]"); k >= 0 {
				claim = claim[k+1:]
			}
			at = end + len(tag)
			best, bestHits := -1, 0
			claimTerms := distinct(matchTerms(claim))
			for k := range sents {
				hits := 0
				for _, t := range claimTerms {
					if sentTerms[k][t] {
						hits++
					}
				}
				if hits > bestHits {
					best, bestHits = k, hits
				}
			}
			if best < 0 || marked[best] || (bestHits < 2 && bestHits < len(sentTerms[best])) {
				continue
			}
			marked[best] = true
			c.Quotes = append(c.Quotes, core.Quote{Start: c.Start + sents[best].start, End: c.Start + sents[best].end})
		}
		sort.Slice(c.Quotes, func(a, b int) bool { return c.Quotes[a].Start < c.Quotes[b].Start })
	}
}

// citeSentence puts the marker before the sentence's closing punctuation.
func citeSentence(s string, n int) string {
	s = strings.TrimSpace(s)
	if k := len(s) - 1; k > 0 && strings.ContainsRune(".!?", rune(s[k])) {
		return fmt.Sprintf("%s [%d]%s", s[:k], n, s[k:])
	}
	return fmt.Sprintf("%s [%d].", s, n)
}
