package ollama

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Describer asks a vision model (e.g. llava) what an image shows, for the
// text of whiteboards and diagrams that OCR alone misses. It is best
// effort: without the model it returns "".
type Describer struct {
	Client *Client
	Model  string

	mu      sync.Mutex
	checked time.Time
	ok      bool
}

func (d *Describer) available(ctx context.Context) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if time.Since(d.checked) < 30*time.Second {
		return d.ok
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ok, err := d.Client.HasModel(cctx, d.Model)
	d.ok, d.checked = err == nil && ok, time.Now()
	return d.ok
}

// Describe returns a short description listing any tasks, dates and names
// the image shows, or "".
func (d *Describer) Describe(ctx context.Context, img []byte) string {
	if d == nil || d.Model == "" || !d.available(ctx) {
		return ""
	}
	reply, err := d.Client.Chat(ctx, ChatRequest{Model: d.Model, Options: map[string]any{"temperature": 0},
		Messages: []Message{{Role: "user", Images: [][]byte{img},
			Content: "Describe this image for someone extracting to-dos. Quote any handwritten or printed action items, names and dates exactly. Be brief."}}})
	if err != nil {
		return ""
	}
	return strings.TrimSpace(reply)
}
