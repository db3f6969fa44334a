package modelmgr

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"sentry/backend/core"
)

// Choice names the local model server's models chosen for each use; ""
// means the configured default.
type Choice struct {
	Extraction string `json:"extraction"`
	Answers    string `json:"answers"`
	Embeddings string `json:"embeddings"`
}

// Setting keys of the chosen models.
const (
	KeyExtraction = "llm_model_extraction"
	KeyAnswers    = "llm_model_answers"
	KeyEmbeddings = "llm_model_embeddings"
)

// LanguageModels is Settings → Models: whether the local model server is
// running and which models it has, a pull with progress that can be
// cancelled, and the models chosen for extraction, answers and embeddings,
// which the features read at each use.
type LanguageModels struct {
	// Server is the model server (nil: the app runs without one).
	Server   core.ModelServer
	Settings Settings
	// Defaults are the configured models, used where nothing is chosen.
	Defaults Choice
	// OnChange runs after a pull installs a model or the choice changes
	// (the extractor forgets what it knew about availability).
	OnChange func()
	Now      func() time.Time
	// EmbeddingsInUse is the model notebooks embed with since the start
	// ("" for the built-in embedder), when Embeddings is nil: then a new
	// choice applies at the next start.
	EmbeddingsInUse string
	// Embeddings switches notebooks to a newly chosen embedding model at
	// once and re-embeds their documents in the background (nil: at the
	// next start).
	Embeddings EmbeddingsSwitch

	mu     sync.Mutex
	pull   *Pull
	cancel context.CancelFunc
	done   chan struct{}
}

// EmbeddingsSwitch is the notebooks' embedder as the Models section
// changes it.
type EmbeddingsSwitch interface {
	// UseEmbeddings starts embedding with model (installed, able to embed).
	UseEmbeddings(ctx context.Context, model string) error
	// EmbeddingsProgress is the model in use ("" for the built-in
	// embedder) and the re-embedding since the last switch, if any.
	EmbeddingsProgress() (inUse string, r *Reembedding)
}

// Reembedding is how far the documents are in getting the vectors of a
// newly chosen embedding model.
type Reembedding struct {
	Model string `json:"model"`
	// State is running, done or failed.
	State string `json:"state"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
	Error string `json:"error,omitempty"`
}

// Pull is a model download in progress or finished.
type Pull struct {
	Model string `json:"model"`
	// State is pulling, done, failed or cancelled.
	State string `json:"state"`
	// Status is the server's latest word ("pulling manifest", "verifying
	// sha256 digest", …).
	Status    string    `json:"status"`
	Completed int64     `json:"completed"`
	Total     int64     `json:"total"`
	Progress  float64   `json:"progress"`
	Error     string    `json:"error,omitempty"`
	Started   time.Time `json:"started_at"`

	layers map[string][2]int64
}

// LanguageStatus is what the Models section shows.
type LanguageStatus struct {
	Running bool   `json:"running"`
	Version string `json:"version,omitempty"`
	// Problem says what is wrong and what to do, when not running.
	Problem string                `json:"problem,omitempty"`
	Models  []core.InstalledModel `json:"models"`
	// Chosen are the models in use for each purpose (a choice, else the default).
	Chosen   Choice `json:"chosen"`
	Defaults Choice `json:"defaults"`
	Pull     *Pull  `json:"pull,omitempty"`
	// EmbeddingsInUse is the model notebooks embed with now ("" for the
	// built-in embedder).
	EmbeddingsInUse string `json:"embeddings_in_use"`
	// EmbeddingsApply says when a new embedding model takes effect: "now"
	// (documents are re-embedded in the background) or "next_start".
	EmbeddingsApply string `json:"embeddings_apply"`
	// Reembedding follows the documents' re-embedding after a change.
	Reembedding *Reembedding `json:"reembedding,omitempty"`
}

// Chosen returns the models in use: each chosen one, else its default.
func (l *LanguageModels) Chosen(ctx context.Context) Choice {
	if l == nil {
		return Choice{}
	}
	c := l.Defaults
	if l.Settings == nil {
		return c
	}
	for _, f := range []struct {
		key string
		to  *string
	}{{KeyExtraction, &c.Extraction}, {KeyAnswers, &c.Answers}, {KeyEmbeddings, &c.Embeddings}} {
		if v, err := l.Settings.GetSetting(ctx, f.key); err == nil && v != "" {
			*f.to = v
		}
	}
	return c
}

// Status asks the server for its version and models.
func (l *LanguageModels) Status(ctx context.Context) LanguageStatus {
	st := LanguageStatus{Models: []core.InstalledModel{}, Chosen: l.Chosen(ctx), Defaults: l.Defaults, Pull: l.CurrentPull(),
		EmbeddingsInUse: l.EmbeddingsInUse, EmbeddingsApply: "next_start"}
	if l.Embeddings != nil {
		st.EmbeddingsInUse, st.Reembedding = l.Embeddings.EmbeddingsProgress()
		st.EmbeddingsApply = "now"
	}
	if l.Server == nil {
		st.Problem = "This app runs without a model server; the built-in engines do the work."
		return st
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := l.Server.Version(cctx)
	if err != nil {
		st.Problem = problem(err)
		return st
	}
	st.Running, st.Version = true, v
	ms, err := l.Server.ListModels(cctx)
	if err != nil {
		st.Problem = problem(err)
		return st
	}
	slices.SortFunc(ms, func(a, b core.InstalledModel) int {
		if a.Name < b.Name {
			return -1
		} else if a.Name > b.Name {
			return 1
		}
		return 0
	})
	st.Models = ms
	return st
}

func problem(err error) string {
	if core.ErrorCode(err) == core.EINTERNAL {
		return "The model server did not answer as expected. Check that it is running, then try again."
	}
	return core.ErrorMessage(err)
}

// modelName is what a model server accepts as a name: library/name:tag.
var modelName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)*(:[A-Za-z0-9][A-Za-z0-9._\-]*)?$`)

func checkName(field, name string) error {
	if len(name) > 200 || !modelName.MatchString(name) {
		return core.FieldError(field, "A model name is letters, digits, dots and dashes, with an optional :tag, like llama3.2:3b.")
	}
	return nil
}

// Choose saves the models for each use. An empty name goes back to the
// default. Each named model must be installed and able to do its job
// (chat for extraction and answers, vectors for embeddings).
func (l *LanguageModels) Choose(ctx context.Context, c Choice) error {
	if l.Server == nil {
		return core.Errorf(core.EUNAVAILABLE, "%s", core.MsgNoModelServer)
	}
	fields := []struct {
		field, key, name, needs, job string
	}{
		{"extraction", KeyExtraction, c.Extraction, "completion", "find tasks"},
		{"answers", KeyAnswers, c.Answers, "completion", "answer questions"},
		{"embeddings", KeyEmbeddings, c.Embeddings, "embedding", "make embeddings"},
	}
	for _, f := range fields {
		if f.name == "" {
			continue
		}
		if err := checkName(f.field, f.name); err != nil {
			return err
		}
		d, err := l.Server.ShowModel(ctx, f.name)
		if core.ErrorCode(err) == core.ENOTFOUND {
			return core.FieldError(f.field, "%s is not installed: pull it first.", f.name)
		} else if err != nil {
			return err
		}
		// An older server tells no capabilities: then trust the choice.
		if len(d.Capabilities) > 0 && !slices.Contains(d.Capabilities, f.needs) {
			return core.FieldError(f.field, "%s cannot %s; choose another model.", f.name, f.job)
		}
	}
	for _, f := range fields {
		if err := l.Settings.SetSetting(ctx, f.key, f.name); err != nil {
			return err
		}
	}
	if l.OnChange != nil {
		l.OnChange()
	}
	// A new embedding model applies at once where the app can switch.
	if l.Embeddings != nil {
		want := l.Chosen(ctx).Embeddings
		if inUse, _ := l.Embeddings.EmbeddingsProgress(); want != "" && !sameModel(inUse, want) {
			if err := l.Embeddings.UseEmbeddings(ctx, want); err != nil {
				return err
			}
		}
	}
	return nil
}

// sameModel: two names of one model ("nomic-embed-text" is
// "nomic-embed-text:latest").
func sameModel(a, b string) bool {
	return strings.TrimSuffix(a, ":latest") == strings.TrimSuffix(b, ":latest")
}

// CurrentPull returns the latest pull, if any.
func (l *LanguageModels) CurrentPull() *Pull {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pull == nil {
		return nil
	}
	p := *l.pull
	p.layers = nil
	return &p
}

// StartPull begins downloading a model; CurrentPull follows it. One pull
// runs at a time.
func (l *LanguageModels) StartPull(ctx context.Context, name string) (*Pull, error) {
	if l.Server == nil {
		return nil, core.Errorf(core.EUNAVAILABLE, "%s", core.MsgNoModelServer)
	}
	if err := checkName("model", name); err != nil {
		return nil, err
	}
	// A server that is not running is said now, not as a failed pull later.
	vctx, vcancel := context.WithTimeout(ctx, 5*time.Second)
	_, err := l.Server.Version(vctx)
	vcancel()
	if err != nil {
		return nil, err
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	l.mu.Lock()
	if l.pull != nil && l.pull.State == "pulling" {
		l.mu.Unlock()
		return nil, core.Errorf(core.ECONFLICT, "%s is being pulled; wait for it or cancel it first.", l.pull.Model)
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &Pull{Model: name, State: "pulling", Status: "starting", Started: now().UTC(), layers: map[string][2]int64{}}
	done := make(chan struct{})
	l.pull, l.cancel, l.done = p, cancel, done
	l.mu.Unlock()
	go func() {
		defer close(done)
		defer cancel()
		err := l.Server.PullModel(pctx, name, func(pr core.PullProgress) { l.progress(p, pr) })
		l.mu.Lock()
		switch {
		case err == nil:
			p.State, p.Status, p.Progress = "done", "success", 1
		case errors.Is(err, context.Canceled):
			p.State, p.Error = "cancelled", "The pull was cancelled."
		default:
			p.State, p.Error = "failed", problem(err)
		}
		l.mu.Unlock()
		if err == nil && l.OnChange != nil {
			l.OnChange()
		}
	}()
	return l.CurrentPull(), nil
}

// progress folds one report into the pull: the bytes of every layer the
// server has announced, never going backwards.
func (l *LanguageModels) progress(p *Pull, pr core.PullProgress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if pr.Status != "" {
		p.Status = pr.Status
	}
	if pr.Digest == "" || pr.Total <= 0 {
		return
	}
	p.layers[pr.Digest] = [2]int64{min(pr.Completed, pr.Total), pr.Total}
	var done, total int64
	for _, v := range p.layers {
		done, total = done+v[0], total+v[1]
	}
	p.Completed, p.Total = done, total
	// Stop short of 1 until the server says the model is installed.
	if f := 0.99 * float64(done) / float64(total); f > p.Progress {
		p.Progress = f
	}
}

// CancelPull stops the running pull (ENOTFOUND when none runs).
func (l *LanguageModels) CancelPull() error {
	l.mu.Lock()
	if l.pull == nil || l.pull.State != "pulling" {
		l.mu.Unlock()
		return core.Errorf(core.ENOTFOUND, "No model is being pulled.")
	}
	cancel, done := l.cancel, l.done
	l.mu.Unlock()
	cancel()
	<-done
	return nil
}

// WaitPull blocks until the running pull ends or ctx does, and returns it.
func (l *LanguageModels) WaitPull(ctx context.Context) *Pull {
	l.mu.Lock()
	done := l.done
	l.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	return l.CurrentPull()
}
