package modelmgr_test

import (
	"context"
	"net"
	"testing"

	"sentry/backend/core"
	"sentry/backend/modelmgr"
	"sentry/backend/ollama"
	"sentry/backend/ollama/ollamatest"
)

func languageModels(t *testing.T, models ...string) (*modelmgr.LanguageModels, *ollamatest.Server, *settings) {
	t.Helper()
	srv := ollamatest.Start(t, models...)
	c, err := ollama.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := &settings{m: map[string]string{}}
	return &modelmgr.LanguageModels{Server: c, Settings: st,
		Defaults: modelmgr.Choice{Extraction: "llama3.1:8b", Answers: "llama3.1:8b", Embeddings: "nomic-embed-text"}}, srv, st
}

func TestLanguageStatusListsInstalledModels(t *testing.T) {
	lm, srv, _ := languageModels(t, "nomic-embed-text:latest", "llama3.1:8b")
	srv.Sizes["llama3.1:8b"] = 4_920_753_328
	st := lm.Status(context.Background())
	if !st.Running || st.Version != "0.0.0-standin" || st.Problem != "" {
		t.Fatalf("status: %+v", st)
	}
	if len(st.Models) != 2 || st.Models[0].Name != "llama3.1:8b" || st.Models[0].Size != 4_920_753_328 {
		t.Fatalf("models (sorted by name, with sizes): %+v", st.Models)
	}
	if st.Chosen != lm.Defaults {
		t.Fatalf("with nothing chosen the defaults are in use: %+v", st.Chosen)
	}
}

func TestLanguageStatusWhenTheServerIsDown(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c, _ := ollama.New(addr, nil)
	lm := &modelmgr.LanguageModels{Server: c, Settings: &settings{m: map[string]string{}}}
	st := lm.Status(context.Background())
	if st.Running || st.Problem != "No language model is running. Open Settings → Models." || st.Models == nil {
		t.Fatalf("status: %+v", st)
	}
	if _, err := lm.StartPull(context.Background(), "llama3.2:1b"); core.ErrorCode(err) != core.EUNAVAILABLE || core.ErrorMessage(err) != core.MsgNoModelServer {
		t.Fatalf("pull with the server down: %v", err)
	}
	if err := lm.Choose(context.Background(), modelmgr.Choice{Extraction: "llama3.1:8b"}); core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("choose with the server down: %v", err)
	}
}

func TestChooseChecksInstalledAndCapable(t *testing.T) {
	lm, _, st := languageModels(t, "llama3.1:8b", "qwen2.5:7b", "nomic-embed-text:latest")
	changed := 0
	lm.OnChange = func() { changed++ }
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		in    modelmgr.Choice
		field string
	}{
		{"not installed", modelmgr.Choice{Answers: "mistral:7b"}, "answers"},
		{"cannot embed", modelmgr.Choice{Embeddings: "qwen2.5:7b"}, "embeddings"},
		{"cannot chat", modelmgr.Choice{Extraction: "nomic-embed-text"}, "extraction"},
		{"bad name", modelmgr.Choice{Extraction: "../etc"}, "extraction"},
	} {
		err := lm.Choose(ctx, tc.in)
		if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != tc.field {
			t.Errorf("%s: %v (field %q)", tc.name, err, core.ErrorField(err))
		}
	}
	if changed != 0 || len(st.m) != 0 {
		t.Fatalf("a refused choice was saved: %v", st.m)
	}
	if err := lm.Choose(ctx, modelmgr.Choice{Extraction: "qwen2.5:7b", Embeddings: "nomic-embed-text"}); err != nil {
		t.Fatal(err)
	}
	got := lm.Chosen(ctx)
	if got.Extraction != "qwen2.5:7b" || got.Answers != "llama3.1:8b" || got.Embeddings != "nomic-embed-text" || changed != 1 {
		t.Fatalf("chosen %+v (changed %d)", got, changed)
	}
	if err := lm.Choose(ctx, modelmgr.Choice{}); err != nil || lm.Chosen(ctx) != lm.Defaults {
		t.Fatalf("an empty choice goes back to the defaults: %v %+v", err, lm.Chosen(ctx))
	}
}

func TestPullReportsProgressThenInstalls(t *testing.T) {
	lm, srv, _ := languageModels(t)
	srv.Library["llama3.2:1b"] = 1_321_098_329
	srv.PullHold = make(chan struct{})
	changed := make(chan struct{}, 1)
	lm.OnChange = func() { changed <- struct{}{} }
	p, err := lm.StartPull(context.Background(), "llama3.2:1b")
	if err != nil || p.State != "pulling" || p.Model != "llama3.2:1b" {
		t.Fatalf("start: %+v %v", p, err)
	}
	if _, err := lm.StartPull(context.Background(), "llama3.2:3b"); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("a second pull at once: %v", err)
	}
	close(srv.PullHold)
	end := lm.WaitPull(context.Background())
	if end.State != "done" || end.Progress != 1 || end.Total != 1_321_098_329 || end.Completed != end.Total || end.Status != "success" {
		t.Fatalf("end: %+v", end)
	}
	<-changed
	if st := lm.Status(context.Background()); len(st.Models) != 1 || st.Models[0].Name != "llama3.2:1b" || st.Models[0].Size != 1_321_098_329 {
		t.Fatalf("the pulled model is not listed: %+v", st.Models)
	}
}

func TestPullProgressIsSeenBeforeTheEndAndCanBeCancelled(t *testing.T) {
	lm, srv, _ := languageModels(t)
	srv.Library["llama3.2:1b"] = 1000
	srv.PullHold = make(chan struct{}) // never closed: the pull waits after its first layer report
	seen := make(chan modelmgr.Pull, 1)
	srvProgress := lm.Server
	lm.Server = progressSpy{srvProgress, func(p core.PullProgress) {
		if p.Total > 0 {
			select {
			case seen <- modelmgr.Pull{}:
			default:
			}
		}
	}}
	if _, err := lm.StartPull(context.Background(), "llama3.2:1b"); err != nil {
		t.Fatal(err)
	}
	<-seen
	if p := lm.CurrentPull(); p.State != "pulling" || p.Total != 1000 || p.Status == "starting" {
		t.Fatalf("progress while pulling: %+v", p)
	}
	if err := lm.CancelPull(); err != nil {
		t.Fatal(err)
	}
	if p := lm.CurrentPull(); p.State != "cancelled" {
		t.Fatalf("after cancel: %+v", p)
	}
	if len(srv.Installed()) != 0 {
		t.Fatal("a cancelled pull installed the model")
	}
	if err := lm.CancelPull(); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("cancel with nothing running: %v", err)
	}
}

func TestPullOfAnUnknownModelFailsWithTheReason(t *testing.T) {
	lm, _, _ := languageModels(t)
	if _, err := lm.StartPull(context.Background(), "no-such-model"); err != nil {
		t.Fatal(err)
	}
	end := lm.WaitPull(context.Background())
	if end.State != "failed" || end.Error != "The model server could not pull no-such-model: pull model manifest: file does not exist" {
		t.Fatalf("end: %+v", end)
	}
}

// progressSpy passes the server's reports on to a test as well.
type progressSpy struct {
	core.ModelServer
	spy func(core.PullProgress)
}

func (p progressSpy) PullModel(ctx context.Context, name string, progress func(core.PullProgress)) error {
	return p.ModelServer.PullModel(ctx, name, func(pr core.PullProgress) {
		progress(pr)
		p.spy(pr)
	})
}

// switchRecorder is the notebooks' embedder as the Models section sees it.
type switchRecorder struct {
	inUse string
	used  []string
}

func (s *switchRecorder) UseEmbeddings(_ context.Context, model string) error {
	s.inUse = model
	s.used = append(s.used, model)
	return nil
}

func (s *switchRecorder) EmbeddingsProgress() (string, *modelmgr.Reembedding) {
	return s.inUse, &modelmgr.Reembedding{Model: s.inUse, State: "running", Total: 3}
}

// A new embedding model applies at once where the app can switch
// notebooks to it; choosing the one in use (under another of its names)
// or changing only the other jobs switches nothing.
func TestChooseEmbeddingsAppliesAtOnce(t *testing.T) {
	lm, _, _ := languageModels(t, "llama3.1:8b", "nomic-embed-text:latest", "mxbai-embed-large:latest")
	ctx := context.Background()
	if st := lm.Status(ctx); st.EmbeddingsApply != "next_start" {
		t.Fatalf("without a switch a new model applies at the next start: %+v", st)
	}
	sw := &switchRecorder{inUse: "nomic-embed-text"}
	lm.Embeddings = sw
	if err := lm.Choose(ctx, modelmgr.Choice{Embeddings: "nomic-embed-text:latest", Extraction: "llama3.1:8b"}); err != nil || len(sw.used) != 0 {
		t.Fatalf("the model in use was switched to again: %v %v", err, sw.used)
	}
	if err := lm.Choose(ctx, modelmgr.Choice{Embeddings: "mxbai-embed-large"}); err != nil || len(sw.used) != 1 || sw.used[0] != "mxbai-embed-large" {
		t.Fatalf("a new model was not applied: %v %v", err, sw.used)
	}
	st := lm.Status(ctx)
	if st.EmbeddingsApply != "now" || st.EmbeddingsInUse != "mxbai-embed-large" || st.Reembedding == nil || st.Reembedding.Total != 3 {
		t.Fatalf("status after the switch: %+v", st)
	}
	// Back to the default: applied too.
	if err := lm.Choose(ctx, modelmgr.Choice{Embeddings: ""}); err != nil || len(sw.used) != 2 || sw.used[1] != "nomic-embed-text" {
		t.Fatalf("back to the default: %v %v", err, sw.used)
	}
}
