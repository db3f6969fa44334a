package ollama_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"sentry/backend/core"
	"sentry/backend/ollama"
	"sentry/backend/ollama/ollamatest"
)

func TestClientVersionListAndShow(t *testing.T) {
	srv := ollamatest.Start(t, "llama3.1:8b", "nomic-embed-text:latest")
	srv.Sizes["llama3.1:8b"] = 4_920_753_328
	c, err := ollama.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if v, err := c.Version(ctx); err != nil || v != "0.0.0-standin" {
		t.Fatalf("version %q, %v", v, err)
	}
	ms, err := c.ListModels(ctx)
	if err != nil || len(ms) != 2 {
		t.Fatalf("list: %+v, %v", ms, err)
	}
	if ms[0].Name != "llama3.1:8b" || ms[0].Size != 4_920_753_328 || ms[0].Family != "llama" || ms[0].ParameterSize != "8B" || ms[0].ModifiedAt.IsZero() {
		t.Fatalf("first model: %+v", ms[0])
	}
	d, err := c.ShowModel(ctx, "nomic-embed-text")
	if err != nil || len(d.Capabilities) != 1 || d.Capabilities[0] != "embedding" {
		t.Fatalf("show: %+v, %v", d, err)
	}
	if _, err := c.ShowModel(ctx, "missing"); core.ErrorCode(err) != core.ENOTFOUND || !strings.Contains(core.ErrorMessage(err), "Settings → Models") {
		t.Fatalf("show of a missing model: %v (%s)", err, core.ErrorCode(err))
	}
}

func TestClientPullStreamsProgressThenInstalls(t *testing.T) {
	srv := ollamatest.Start(t)
	srv.Library["llama3.2:1b"] = 1_321_098_329
	c, _ := ollama.New(srv.URL, nil)
	var steps []core.PullProgress
	if err := c.PullModel(context.Background(), "llama3.2:1b", func(p core.PullProgress) { steps = append(steps, p) }); err != nil {
		t.Fatal(err)
	}
	if len(steps) < 5 || steps[0].Status != "pulling manifest" || steps[len(steps)-1].Status != "success" {
		t.Fatalf("progress: %+v", steps)
	}
	var last int64 = -1
	sawTotal := false
	for _, p := range steps {
		if p.Total > 0 {
			sawTotal = true
			if p.Total != 1_321_098_329 || p.Completed < last {
				t.Fatalf("progress goes back or has the wrong total: %+v", steps)
			}
			last = p.Completed
		}
	}
	if !sawTotal || last != 1_321_098_329 {
		t.Fatalf("no byte counts up to the total: %+v", steps)
	}
	if ok, err := c.HasModel(context.Background(), "llama3.2:1b"); err != nil || !ok {
		t.Fatalf("the pulled model is not listed: %v %v", ok, err)
	}
}

func TestClientPullOfAnUnknownModelSaysWhy(t *testing.T) {
	srv := ollamatest.Start(t)
	c, _ := ollama.New(srv.URL, nil)
	err := c.PullModel(context.Background(), "no-such-model", nil)
	if core.ErrorCode(err) != core.EINVALID || !strings.Contains(core.ErrorMessage(err), "file does not exist") {
		t.Fatalf("got %v (%s: %s)", err, core.ErrorCode(err), core.ErrorMessage(err))
	}
}

func TestClientPullStopsWithItsContext(t *testing.T) {
	srv := ollamatest.Start(t)
	srv.Library["llama3.2:1b"] = 1000
	srv.PullHold = make(chan struct{})
	c, _ := ollama.New(srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	err := c.PullModel(ctx, "llama3.2:1b", func(p core.PullProgress) {
		if p.Total > 0 {
			cancel() // the first byte count arrived: stop here
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if len(srv.Installed()) != 0 {
		t.Fatal("a cancelled pull installed the model")
	}
}

func TestClientServerDownNamesSettings(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, _ := ollama.New(addr, nil)
	ctx := context.Background()
	_, verr := c.Version(ctx)
	_, lerr := c.ListModels(ctx)
	_, cerr := c.Chat(ctx, ollama.ChatRequest{Model: "llama3.1:8b"})
	perr := c.PullModel(ctx, "llama3.1:8b", nil)
	for i, err := range []error{verr, lerr, cerr, perr} {
		if core.ErrorCode(err) != core.EUNAVAILABLE || core.ErrorMessage(err) != core.MsgNoModelServer {
			t.Fatalf("call %d: %v (%s: %q)", i, err, core.ErrorCode(err), core.ErrorMessage(err))
		}
	}
}

func TestExtractorUsesTheChosenModel(t *testing.T) {
	srv := ollamatest.Start(t, "llama3.1:8b", "qwen2.5:7b")
	c, _ := ollama.New(srv.URL, nil)
	chosen := "qwen2.5:7b"
	e := &ollama.Extractor{Client: c, Model: "llama3.1:8b", Choose: func(context.Context) string { return chosen }}
	if !e.Available(context.Background()) {
		t.Fatal("the chosen model is installed but not available")
	}
	if _, err := e.Extract(context.Background(), text, core.ExtractOptions{Now: now}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests()[0]["model"]; got != "qwen2.5:7b" {
		t.Fatalf("extraction asked %v, not the chosen model", got)
	}
	chosen = "mistral:7b" // chosen, but not installed
	if e.Available(context.Background()) {
		t.Fatal("a model that is not installed counts as available")
	}
}

func TestDescriberSendsTheImage(t *testing.T) {
	srv := ollamatest.Start(t, "llava:latest")
	srv.Chat = func(req map[string]any) string { return " A whiteboard: call Kate. " }
	c, _ := ollama.New(srv.URL, nil)
	d := &ollama.Describer{Client: c, Model: "llava"}
	if got := d.Describe(context.Background(), []byte{0x89, 'P', 'N', 'G'}); got != "A whiteboard: call Kate." {
		t.Fatalf("description %q", got)
	}
	msgs := srv.Requests()[0]["messages"].([]any)
	imgs, _ := msgs[0].(map[string]any)["images"].([]any)
	if len(imgs) != 1 || imgs[0] != "iVBORw==" {
		t.Fatalf("the image was not sent base64-encoded: %v", imgs)
	}
}
