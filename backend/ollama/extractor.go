package ollama

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"sentry/backend/core"
)

// DefaultModel extracts tasks.
const DefaultModel = "llama3.1:8b"

// ChunkBytes is the size of the pieces a long input is cut into.
const ChunkBytes = 6000

// Extractor finds tasks with an Ollama model.
type Extractor struct {
	Client *Client
	Model  string
	// Choose, when set, names the model at each call (the one chosen in
	// Settings → Models); "" from it means Model.
	Choose func(ctx context.Context) string

	mu      sync.Mutex
	checked time.Time
	okModel string // the model the cached answer is about
	ok      bool
}

// Forget drops the cached answer of Available, so a model pulled or
// chosen a moment ago counts at once.
func (e *Extractor) Forget() {
	e.mu.Lock()
	e.checked = time.Time{}
	e.mu.Unlock()
}

// ModelName is the model the next extraction uses.
func (e *Extractor) ModelName(ctx context.Context) string {
	if e.Choose != nil {
		if m := e.Choose(ctx); m != "" {
			return m
		}
	}
	if e.Model != "" {
		return e.Model
	}
	return DefaultModel
}

// Name implements core.TaskExtractor.
func (e *Extractor) Name() string { return "ollama" }

// taskSchema is the JSON schema the model must answer with.
var taskSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "tasks": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "title": {"type": "string"},
          "description": {"type": "string"},
          "assignee": {"type": ["string", "null"]},
          "due": {"type": ["string", "null"]},
          "type": {"type": "string", "enum": ["task", "meeting"]},
          "priority": {"type": ["string", "null"], "enum": ["low", "medium", "high", "urgent", null]},
          "quote": {"type": "string"}
        },
        "required": ["title", "type", "quote"]
      }
    }
  },
  "required": ["tasks"]
}`)

const systemPrompt = `You extract action items from text. Answer with JSON only, matching the schema.
Rules:
- A task is something a person committed to or was asked to do. A meeting, call or appointment to attend is type "meeting".
- Skip what is already done, cancelled, declined, hypothetical or only brainstormed; skip checked items "[x]".
- title: a short imperative (at most 10 words), e.g. "Send the draft feedback to Kate". description: the rest worth keeping.
- assignee: the person who committed or was asked, as named in the text; null when nobody is named ("I" in a note without a speaker is null).
- due: YYYY-MM-DD (add THH:MM when a time is stated), resolved against the reference time given; "Friday" means the coming Friday, "tomorrow" the next day, "EOD"/"today" the same day, "end of the month" its last day, "in two weeks" 14 days on, "end of next week" the Friday of next week. null when no date.
- priority only when the text signals it (urgent, ASAP, critical, low priority); else null.
- quote: the exact words of the source sentence the task comes from, copied verbatim.`

type modelTask struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Assignee    *string `json:"assignee"`
	Due         *string `json:"due"`
	Type        string  `json:"type"`
	Priority    *string `json:"priority"`
	Quote       string  `json:"quote"`
}

// Extract implements core.TaskExtractor.
func (e *Extractor) Extract(ctx context.Context, text string, opt core.ExtractOptions) ([]core.ExtractedTask, error) {
	var out []core.ExtractedTask
	for _, ch := range Chunks(text, ChunkBytes) {
		tasks, err := e.extractChunk(ctx, text, ch, opt)
		if err != nil {
			return nil, err
		}
		out = append(out, tasks...)
	}
	return dedupe(out), nil
}

// Chunk is a piece of the input and where it starts.
type Chunk struct {
	Text   string
	Offset int
}

// Chunks cuts text at line or sentence ends into pieces of about size
// bytes, overlapping by one sentence so nothing is cut in half.
func Chunks(text string, size int) []Chunk {
	if len(text) <= size {
		return []Chunk{{Text: text}}
	}
	var out []Chunk
	start := 0
	for start < len(text) {
		end := min(len(text), start+size)
		if end < len(text) {
			cut := strings.LastIndexAny(text[start:end], "\n.!?")
			if cut > size/2 {
				end = start + cut + 1
			}
			for end < len(text) && !utf8.RuneStart(text[end]) {
				end++
			}
		}
		out = append(out, Chunk{Text: text[start:end], Offset: start})
		if end >= len(text) {
			break
		}
		// Step back to the previous sentence end for overlap.
		next := end
		if prev := strings.LastIndexAny(text[start:end-1], "\n.!?"); prev > 0 && start+prev+1 > start+(end-start)/2 {
			next = start + prev + 1
		}
		start = next
	}
	return out
}

func (e *Extractor) extractChunk(ctx context.Context, full string, ch Chunk, opt core.ExtractOptions) ([]core.ExtractedTask, error) {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	kind := opt.Kind
	if kind == "" {
		kind = "text"
	}
	user := fmt.Sprintf("Reference time: %s (%s). Kind of text: %s.\n\nText:\n%s", now.Format(time.RFC3339), now.Format("Monday"), kind, ch.Text)
	msgs := []Message{{Role: "system", Content: systemPrompt}, {Role: "user", Content: user}}
	model := e.ModelName(ctx)
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		reply, err := e.Client.Chat(ctx, ChatRequest{Model: model, Messages: msgs, Format: taskSchema, Options: map[string]any{"temperature": 0}})
		if err != nil {
			return nil, err
		}
		tasks, err := parseReply(reply, full, ch, now)
		if err == nil {
			return tasks, nil
		}
		lastErr = err
		// One repair: show the model its answer and what was wrong.
		msgs = append(msgs, Message{Role: "assistant", Content: reply},
			Message{Role: "user", Content: "That answer was not valid: " + err.Error() + ". Answer again with JSON that matches the schema exactly."})
	}
	return nil, fmt.Errorf("ollama: the model's answer was not valid twice: %w", lastErr)
}

// parseReply validates the model's JSON and locates each quote.
func parseReply(reply, full string, ch Chunk, now time.Time) ([]core.ExtractedTask, error) {
	var v struct {
		Tasks []modelTask `json:"tasks"`
	}
	dec := json.NewDecoder(strings.NewReader(reply))
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON (%v)", err)
	}
	if v.Tasks == nil {
		return nil, fmt.Errorf("missing \"tasks\"")
	}
	out := make([]core.ExtractedTask, 0, len(v.Tasks))
	for i, t := range v.Tasks {
		title := strings.TrimSpace(t.Title)
		if title == "" {
			return nil, fmt.Errorf("task %d has an empty title", i+1)
		}
		if t.Type != "task" && t.Type != "meeting" {
			return nil, fmt.Errorf("task %d: type must be task or meeting", i+1)
		}
		it := core.ExtractedTask{Title: title, Description: strings.TrimSpace(t.Description), Type: t.Type, Confidence: 0.7}
		if t.Assignee != nil {
			it.Assignee = strings.TrimSpace(*t.Assignee)
		}
		if t.Priority != nil && core.PriorityRank(*t.Priority) > 0 {
			it.Priority = *t.Priority
		}
		if t.Due != nil && *t.Due != "" {
			d, err := parseDue(*t.Due, now.Location())
			if err != nil {
				return nil, fmt.Errorf("task %d: due %q is not YYYY-MM-DD", i+1, *t.Due)
			}
			it.Due, it.DueText = &d, *t.Due
		}
		q := strings.TrimSpace(t.Quote)
		if idx := strings.Index(ch.Text, q); q != "" && idx >= 0 {
			it.Evidence = core.Evidence{Sentence: q, Start: ch.Offset + idx, End: ch.Offset + idx + len(q)}
		} else {
			// The quote was paraphrased: fall back to the line holding the
			// title's longest word, so evidence always points into the text.
			it.Evidence = locate(full, ch, title)
			it.Confidence = 0.5
		}
		out = append(out, it)
	}
	return out, nil
}

func parseDue(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	return time.Time{}, fmt.Errorf("bad date")
}

func locate(full string, ch Chunk, title string) core.Evidence {
	word := ""
	for _, w := range strings.Fields(title) {
		if len(w) > len(word) {
			word = w
		}
	}
	lower := strings.ToLower(ch.Text)
	idx := strings.Index(lower, strings.ToLower(word))
	if idx < 0 {
		idx = 0
	}
	start := strings.LastIndex(ch.Text[:idx], "\n") + 1
	end := idx + strings.IndexByte(ch.Text[idx:]+"\n", '\n')
	end = min(end, len(ch.Text))
	return core.Evidence{Sentence: ch.Text[start:end], Start: ch.Offset + start, End: ch.Offset + end}
}

// dedupe drops tasks repeated across overlapping chunks.
func dedupe(in []core.ExtractedTask) []core.ExtractedTask {
	seen := map[string]bool{}
	out := in[:0]
	for _, t := range in {
		k := strings.ToLower(t.Title) + "|" + t.Evidence.Sentence
		if seen[k] || seen[strings.ToLower(t.Title)] {
			continue
		}
		seen[k], seen[strings.ToLower(t.Title)] = true, true
		out = append(out, t)
	}
	return out
}

// Available reports (cached for 30 s) whether the server answers and has
// the model, so callers fall back to the built-in rules otherwise.
func (e *Extractor) Available(ctx context.Context) bool {
	model := e.ModelName(ctx)
	e.mu.Lock()
	defer e.mu.Unlock()
	if time.Since(e.checked) < 30*time.Second && e.okModel == model {
		return e.ok
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ok, err := e.Client.HasModel(ctx, model)
	e.ok, e.checked, e.okModel = err == nil && ok, time.Now(), model
	return e.ok
}
