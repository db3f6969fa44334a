// Package ollama talks to a local Ollama server through its official Go
// client (github.com/ollama/ollama/api): version, installed models, model
// details, pulls with progress, chat with a JSON-schema response format
// (whole or streamed) and batched embeddings. The task extractor built on
// it validates the model's output, asks once for a repair, and splits long
// inputs into chunks.
package ollama

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/ollama/ollama/api"

	"sentry/backend/core"
)

// DefaultHost is where Ollama listens by default.
const DefaultHost = "http://127.0.0.1:11434"

// Client is the product's handle on one Ollama server. It implements
// core.ModelServer.
type Client struct {
	base *url.URL
	api  *api.Client
}

var _ core.ModelServer = (*Client)(nil)

// New returns a client for host ("127.0.0.1:11434" or a URL).
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
		// No overall timeout: a pull of several GB streams for as long as
		// it takes; each call is bounded by its context instead.
		hc = &http.Client{Transport: &http.Transport{
			Proxy:                 nil, // the model server is local; never send it through a proxy
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			ResponseHeaderTimeout: 10 * time.Minute,
			MaxIdleConnsPerHost:   4,
		}}
	}
	return &Client{base: u, api: api.NewClient(u, hc)}, nil
}

// Host returns the server's address.
func (c *Client) Host() string { return c.base.String() }

// fail turns what the client returned into an error for op: a server that
// does not answer becomes EUNAVAILABLE naming Settings → Models; a missing
// model ENOTFOUND; the cause stays in the chain for the log.
func fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("ollama: %s: %w", op, err)
	}
	var se api.StatusError
	if errors.As(err, &se) {
		if se.StatusCode == http.StatusNotFound {
			return errors.Join(fmt.Errorf("ollama: %s: %w", op, err),
				core.Errorf(core.ENOTFOUND, "The model server has no such model: %s. Pull it in Settings → Models.", clip(se.ErrorMessage)))
		}
		return fmt.Errorf("ollama: %s: %w", op, err)
	}
	if notRunning(err) {
		return errors.Join(fmt.Errorf("ollama: %s: %w", op, err), core.Errorf(core.EUNAVAILABLE, "%s", core.MsgNoModelServer))
	}
	return fmt.Errorf("ollama: %s: %w", op, err)
}

// notRunning tells a server that is not there (refused, unreachable, no
// such host) from one that answered badly.
func notRunning(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func clip(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// Version returns the server's version.
func (c *Client) Version(ctx context.Context) (string, error) {
	v, err := c.api.Version(ctx)
	return v, fail("version", err)
}

// ListModels returns the installed models with their sizes
// (core.ModelServer).
func (c *Client) ListModels(ctx context.Context) ([]core.InstalledModel, error) {
	res, err := c.api.List(ctx)
	if err != nil {
		return nil, fail("list", err)
	}
	out := make([]core.InstalledModel, 0, len(res.Models))
	for _, m := range res.Models {
		name := m.Name
		if name == "" {
			name = m.Model
		}
		out = append(out, core.InstalledModel{Name: name, Size: m.Size, ModifiedAt: m.ModifiedAt.UTC(),
			Family: m.Details.Family, ParameterSize: m.Details.ParameterSize, Quantization: m.Details.QuantizationLevel})
	}
	return out, nil
}

// Models lists installed model names.
func (c *Client) Models(ctx context.Context) ([]string, error) {
	ms, err := c.ListModels(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out, nil
}

// SameModel reports whether two names mean the same model ("x" is "x:latest").
func SameModel(a, b string) bool {
	return a == b || strings.TrimSuffix(a, ":latest") == strings.TrimSuffix(b, ":latest")
}

// HasModel reports whether name (with or without ":latest") is installed.
func (c *Client) HasModel(ctx context.Context, name string) (bool, error) {
	models, err := c.Models(ctx)
	if err != nil {
		return false, err
	}
	for _, m := range models {
		if SameModel(m, name) {
			return true, nil
		}
	}
	return false, nil
}

// ShowModel describes an installed model (core.ModelServer).
func (c *Client) ShowModel(ctx context.Context, name string) (core.ModelDetails, error) {
	res, err := c.api.Show(ctx, &api.ShowRequest{Model: name})
	if err != nil {
		return core.ModelDetails{}, fail("show", err)
	}
	d := core.ModelDetails{Name: name, Family: res.Details.Family}
	for _, cp := range res.Capabilities {
		d.Capabilities = append(d.Capabilities, string(cp))
	}
	return d, nil
}

// PullModel downloads a model from the server's library, passing each
// progress report on (core.ModelServer).
func (c *Client) PullModel(ctx context.Context, name string, progress func(core.PullProgress)) error {
	success := false
	err := c.api.Pull(ctx, &api.PullRequest{Model: name}, func(p api.ProgressResponse) error {
		success = success || p.Status == "success"
		if progress != nil {
			progress(core.PullProgress{Status: p.Status, Digest: p.Digest, Total: p.Total, Completed: p.Completed})
		}
		return nil
	})
	// The client ends a stream cut short (ctx, a dropped connection)
	// without an error: only the server's "success" line means installed.
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil && !success {
		err = errors.New("the server stopped before the model was installed")
	}
	if err == nil {
		return nil
	}
	var se api.StatusError
	if errors.As(err, &se) || (!notRunning(err) && !errors.Is(err, context.Canceled)) {
		// The server answered with a reason (an unknown name, no network
		// to its library): that reason is for the person who asked.
		msg := err.Error()
		if errors.As(err, &se) && se.ErrorMessage != "" {
			msg = se.ErrorMessage
		}
		return errors.Join(fmt.Errorf("ollama: pull %s: %w", name, err),
			core.Errorf(core.EINVALID, "The model server could not pull %s: %s", name, clip(msg)))
	}
	return fail("pull", err)
}

// Message is one chat turn; Images are raw image bytes (vision models).
type Message struct {
	Role    string
	Content string
	Images  [][]byte
}

// ChatRequest is one chat call.
type ChatRequest struct {
	Model    string
	Messages []Message
	// Format is a JSON schema the answer must match (or "json").
	Format  []byte
	Options map[string]any
}

func (r ChatRequest) apiRequest(stream bool) *api.ChatRequest {
	msgs := make([]api.Message, len(r.Messages))
	for i, m := range r.Messages {
		msgs[i] = api.Message{Role: m.Role, Content: m.Content}
		for _, img := range m.Images {
			msgs[i].Images = append(msgs[i].Images, api.ImageData(img))
		}
	}
	opts := r.Options
	if opts == nil {
		opts = map[string]any{}
	}
	return &api.ChatRequest{Model: r.Model, Messages: msgs, Stream: &stream, Format: r.Format, Options: opts}
}

// Chat sends messages and returns the assistant's whole reply.
func (c *Client) Chat(ctx context.Context, req ChatRequest) (string, error) {
	var out strings.Builder
	done := false
	err := c.api.Chat(ctx, req.apiRequest(false), func(res api.ChatResponse) error {
		out.WriteString(res.Message.Content)
		done = done || res.Done
		return nil
	})
	if err != nil {
		return "", fail("chat", err)
	}
	if !done {
		return "", errors.New("ollama: chat: the answer was cut off")
	}
	return out.String(), nil
}

// ChatStream sends messages and passes the reply to onToken piece by piece
// as the server produces it. It returns the whole reply. An error from
// onToken, or ctx ending (a client gone), stops the call and the model.
func (c *Client) ChatStream(ctx context.Context, req ChatRequest, onToken func(string) error) (string, error) {
	var out strings.Builder
	done := false
	var tokenErr error
	err := c.api.Chat(ctx, req.apiRequest(true), func(res api.ChatResponse) error {
		if res.Message.Content != "" {
			out.WriteString(res.Message.Content)
			if err := onToken(res.Message.Content); err != nil {
				tokenErr = err
				return err
			}
		}
		done = done || res.Done
		return nil
	})
	if tokenErr != nil {
		return "", tokenErr
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fail("chat", err)
	}
	if !done {
		return "", errors.New("ollama: chat: the answer was cut off")
	}
	return out.String(), nil
}

// Embed returns one vector per input, in order.
func (c *Client) Embed(ctx context.Context, model string, inputs []string) ([][]float32, error) {
	res, err := c.api.Embed(ctx, &api.EmbedRequest{Model: model, Input: inputs})
	if err != nil {
		return nil, fail("embed", err)
	}
	if len(res.Embeddings) != len(inputs) {
		return nil, fmt.Errorf("ollama: embed: %d vectors for %d inputs", len(res.Embeddings), len(inputs))
	}
	return res.Embeddings, nil
}
