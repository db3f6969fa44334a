// Package ollama talks to a local Ollama server over its HTTP API: model
// discovery, chat with a JSON-schema response format, and batched
// embeddings. The task extractor built on it validates the model's
// output, asks once for a repair, and splits long inputs into chunks.
package ollama

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultHost is where Ollama listens by default.
const DefaultHost = "http://127.0.0.1:11434"

// Client is an Ollama API client.
type Client struct {
	base *url.URL
	http *http.Client
}

// New returns a client for host (OLLAMA_HOST style: "127.0.0.1:11434" or a URL).
func New(host string, hc *http.Client) (*Client, error) {
	if host == "" {
		host = DefaultHost
	}
	if !strings.Contains(host, "://") {
		host = "http://" + host
	}
	u, err := url.Parse(host)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("ollama: bad host %q", host)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Minute}
	}
	return &Client{base: u, http: hc}, nil
}

// Host returns the server's address.
func (c *Client) Host() string { return c.base.String() }

// MaxResponse bounds what is read from the server.
const MaxResponse = 32 << 20

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("ollama: encode %s: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.JoinPath(path).String(), body)
	if err != nil {
		return fmt.Errorf("ollama: %s: %w", path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("ollama: %s: %w", path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, MaxResponse+1))
	if err != nil {
		return fmt.Errorf("ollama: %s: read: %w", path, err)
	}
	if len(data) > MaxResponse {
		return fmt.Errorf("ollama: %s: response larger than %d bytes", path, MaxResponse)
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return &StatusError{Status: res.StatusCode, Message: e.Error}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("ollama: %s: decode: %w", path, err)
	}
	return nil
}

// StatusError is a non-200 answer.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("ollama: status %d: %s", e.Status, e.Message)
}

// Version returns the server's version.
func (c *Client) Version(ctx context.Context) (string, error) {
	var v struct {
		Version string `json:"version"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/version", nil, &v); err != nil {
		return "", err
	}
	return v.Version, nil
}

// Models lists installed model names.
func (c *Client) Models(ctx context.Context) ([]string, error) {
	var v struct {
		Models []struct {
			Name  string `json:"name"`
			Model string `json:"model"`
		} `json:"models"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/tags", nil, &v); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(v.Models))
	for _, m := range v.Models {
		out = append(out, m.Name)
	}
	return out, nil
}

// HasModel reports whether name (with or without ":latest") is installed.
func (c *Client) HasModel(ctx context.Context, name string) (bool, error) {
	models, err := c.Models(ctx)
	if err != nil {
		return false, err
	}
	for _, m := range models {
		if m == name || m == name+":latest" || strings.TrimSuffix(m, ":latest") == name {
			return true, nil
		}
	}
	return false, nil
}

// Message is one chat turn.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatRequest is a non-streaming chat call.
type ChatRequest struct {
	Model    string          `json:"model"`
	Messages []Message       `json:"messages"`
	Stream   bool            `json:"stream"`
	Format   json.RawMessage `json:"format,omitempty"`
	Options  map[string]any  `json:"options,omitempty"`
}

// Chat sends messages and returns the assistant's reply.
func (c *Client) Chat(ctx context.Context, req ChatRequest) (string, error) {
	req.Stream = false
	var res struct {
		Message Message `json:"message"`
		Done    bool    `json:"done"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/chat", req, &res); err != nil {
		return "", err
	}
	if !res.Done {
		return "", errors.New("ollama: chat: the answer was cut off")
	}
	return res.Message.Content, nil
}

// Embed returns one vector per input, in order.
func (c *Client) Embed(ctx context.Context, model string, inputs []string) ([][]float32, error) {
	var res struct {
		Embeddings [][]float32 `json:"embeddings"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/embed", map[string]any{"model": model, "input": inputs}, &res); err != nil {
		return nil, err
	}
	if len(res.Embeddings) != len(inputs) {
		return nil, fmt.Errorf("ollama: embed: %d vectors for %d inputs", len(res.Embeddings), len(inputs))
	}
	return res.Embeddings, nil
}

// ChatStream sends messages and passes the reply to onToken piece by piece
// as the server produces it (Ollama's streaming /api/chat: one JSON object
// a line, the last with done). It returns the whole reply. An error from
// onToken, or ctx ending (a client gone), stops the call and the model.
func (c *Client) ChatStream(ctx context.Context, req ChatRequest, onToken func(string) error) (string, error) {
	req.Stream = true
	b, err := json.Marshal(req)
	if err != nil {
		return "", fmt.Errorf("ollama: encode /api/chat: %w", err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.JoinPath("/api/chat").String(), bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("ollama: /api/chat: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(hr)
	if err != nil {
		return "", fmt.Errorf("ollama: /api/chat: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return "", &StatusError{Status: res.StatusCode, Message: e.Error}
	}
	dec := json.NewDecoder(io.LimitReader(res.Body, MaxResponse))
	var out strings.Builder
	for {
		var line struct {
			Message Message `json:"message"`
			Done    bool    `json:"done"`
			Error   string  `json:"error"`
		}
		if err := dec.Decode(&line); err == io.EOF {
			return "", errors.New("ollama: chat: the answer was cut off")
		} else if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", fmt.Errorf("ollama: /api/chat: decode: %w", err)
		}
		if line.Error != "" {
			return "", fmt.Errorf("ollama: chat: %s", line.Error)
		}
		if line.Message.Content != "" {
			out.WriteString(line.Message.Content)
			if err := onToken(line.Message.Content); err != nil {
				return "", err
			}
		}
		if line.Done {
			return out.String(), nil
		}
	}
}
