// Package extract is the extraction use case: it runs an engine over text
// (typed, or read from an uploaded document, image or recording), keeps
// each task's evidence, flags likely duplicates of open tasks, and either
// creates the tasks through the task service or keeps them as drafts for
// review. Runs are durable: long ones are queued and worked in the
// background, survive restarts, retry transient failures and can be
// cancelled.
package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"sentry/backend/core"
	"sentry/backend/jobs"
	"sentry/backend/lease"
	"sentry/backend/task"
)

// Limits.
const (
	MaxTextBytes = 2 << 20  // text accepted by /api/extract/text
	InlineBytes  = 20 << 10 // shorter text is extracted during the request
	MaxAttempts  = 3
)

// Loader reads an upload's text for a run (documents, OCR, speech), with
// what places evidence: pages, audio times, image regions. ReadUploads is
// the one for uploaded files; tests pass their own.
type Loader func(ctx context.Context, run *core.Extraction, progress func(stage string, p float64)) (*core.Source, error)

// Service runs extractions.
type Service struct {
	store   core.ExtractionStore
	tasks   *task.Service
	engines []core.TaskExtractor
	loader  Loader
	logger  *slog.Logger
	Now     func() time.Time
	// Jobs runs extraction jobs (worker.go); Start makes a local queue
	// when it is nil.
	Jobs jobs.Queue
	// Shared says other servers work this database's runs too: a run left
	// running is then resumed only once its worker has been silent for a
	// Lease (the job queue brings its job back). Without it this process
	// owns the database and resumes every run left running at start.
	Shared bool
	Lease  time.Duration

	own     *jobs.Local
	mu      sync.Mutex
	running map[string]context.CancelFunc
}

// NewService returns an extraction service. engines are tried in order:
// the first is the preferred one (e.g. Ollama when reachable), the last
// the built-in rules that always work.
func NewService(store core.ExtractionStore, tasks *task.Service, engines []core.TaskExtractor, loader Loader, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, tasks: tasks, engines: engines, loader: loader, logger: logger, Now: time.Now,
		running: map[string]context.CancelFunc{}}
}

// Engines names the available engines, preferred first.
func (s *Service) Engines() []string {
	out := make([]string, len(s.engines))
	for i, e := range s.engines {
		out[i] = e.Name()
	}
	return out
}

func (s *Service) engine(name string) (core.TaskExtractor, error) {
	if len(s.engines) == 0 {
		return nil, errors.New("extract: no engine")
	}
	if name == "" || name == "auto" {
		// The first engine that is available now; the last (the built-in
		// rules) always is.
		for _, e := range s.engines[:len(s.engines)-1] {
			if p, ok := e.(interface{ Available(context.Context) bool }); !ok || p.Available(context.Background()) {
				return e, nil
			}
		}
		return s.engines[len(s.engines)-1], nil
	}
	for _, e := range s.engines {
		if e.Name() == name {
			return e, nil
		}
	}
	return nil, core.FieldError("engine", "Unknown engine %q; available: %s.", name, strings.Join(s.Engines(), ", "))
}

// TextInput is a request to extract from typed or pasted text.
type TextInput struct {
	Text     string
	Now      *time.Time
	Timezone string
	Kind     string
	Review   bool
	Engine   string
}

var kinds = map[string]bool{"": true, "meeting_transcript": true, "email": true, "note": true, "chat": true, "document": true, "handwritten_ocr": true}

// resolveNow returns the reference time in the user's zone.
func resolveNow(now *time.Time, tz string, fallback time.Time) (time.Time, string, error) {
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") {
			return time.Time{}, "", core.FieldError("timezone", "Unknown time zone %q; use an IANA name such as Europe/Lisbon.", tz)
		}
		loc = l
	}
	t := fallback
	if now != nil {
		if err := core.CheckTime("now", *now); err != nil {
			return time.Time{}, "", err
		}
		t = *now
		if tz == "" {
			return t, t.Location().String(), nil // keep the offset it came with
		}
	}
	return t.In(loc), loc.String(), nil
}

// ExtractText extracts from text for the caller. Short text is done
// during the call; long text is queued and the run comes back queued.
func (s *Service) ExtractText(ctx context.Context, userID string, in TextInput) (*core.Extraction, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Text) == "" {
		return nil, core.FieldError("text", "Text is required.")
	}
	if len(in.Text) > MaxTextBytes {
		return nil, core.Errorf(core.ETOOLARGE, "Text is larger than %d MiB; upload it as a document instead.", MaxTextBytes>>20)
	}
	if !utf8.ValidString(in.Text) {
		return nil, core.FieldError("text", "Text must be UTF-8.")
	}
	in.Text = core.BlankNUL(in.Text)
	if !kinds[in.Kind] {
		return nil, core.FieldError("kind", "Kind must be one of meeting_transcript, email, note, chat, document, handwritten_ocr.")
	}
	eng, err := s.engine(in.Engine)
	if err != nil {
		return nil, err
	}
	now, tz, err := resolveNow(in.Now, in.Timezone, s.Now())
	if err != nil {
		return nil, err
	}
	run := &core.Extraction{UserID: userID, Source: core.SourceExtractedText, Kind: in.Kind, Status: core.RunQueued,
		Stage: "queued", Engine: eng.Name(), Review: in.Review, Input: in.Text, Now: now, Timezone: tz}
	inline := len(in.Text) <= InlineBytes
	if inline {
		// Saved as running, so no worker (on any server) claims it while
		// this request works on it; if this server dies, the row goes
		// silent and the next start takes it over.
		run.Status, run.Stage, run.Attempts = core.RunRunning, "starting", 1
	}
	if err := s.store.CreateExtraction(ctx, run); err != nil {
		return nil, err
	}
	if !inline {
		if err := s.enqueue(ctx, run.ID); err != nil {
			return nil, err
		}
		return run, nil
	}
	s.process(ctx, run)
	if run.Status == core.RunQueued { // to be retried, or the request went away
		if err := s.enqueue(context.WithoutCancel(ctx), run.ID); err != nil {
			return nil, err
		}
	}
	return run, nil
}

// Enqueue stores a run for an upload and enqueues its job.
func (s *Service) Enqueue(ctx context.Context, run *core.Extraction) error {
	if run.Engine == "" {
		eng, err := s.engine("")
		if err != nil {
			return err
		}
		run.Engine = eng.Name()
	}
	run.Status, run.Stage = core.RunQueued, "queued"
	if err := s.store.CreateExtraction(ctx, run); err != nil {
		return err
	}
	return s.enqueue(ctx, run.ID)
}

// Get returns one of the caller's runs; not_found for others'.
func (s *Service) Get(ctx context.Context, id string) (*core.Extraction, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	run, err := s.store.FindExtractionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if run.UserID != u.ID {
		return nil, core.Errorf(core.ENOTFOUND, "Extraction not found.")
	}
	return run, nil
}

// SourceText returns one of the caller's runs with the text its engine
// read ("" when none was kept); not_found for others' runs.
func (s *Service) SourceText(ctx context.Context, id string) (*core.Extraction, string, error) {
	run, err := s.Get(ctx, id)
	if err != nil {
		return nil, "", err
	}
	text, err := s.store.FindExtractionSource(ctx, run.ID)
	if err != nil {
		return nil, "", err
	}
	return run, text, nil
}

// History lists the caller's runs.
func (s *Service) History(ctx context.Context, userID string, limit int) ([]*core.Extraction, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	list, err := s.store.FindExtractions(ctx, userID, limit)
	if err != nil {
		return nil, err
	}
	for _, run := range list {
		if run.Source != core.SourceExtractedText {
			continue // an upload is titled by its file's name
		}
		text := run.Input
		if text == "" {
			if text, err = s.store.FindExtractionSource(ctx, run.ID); err != nil {
				return nil, fmt.Errorf("extract: history preview %s: %w", run.ID, err)
			}
		}
		run.Preview = Preview(text, 60)
	}
	return list, nil
}

// Preview is the start of text for a title: its words on one line, cut at
// a word boundary to at most max characters, with an ellipsis when cut.
func Preview(text string, max int) string {
	words := strings.Fields(text)
	var b strings.Builder
	for _, w := range words {
		n := utf8.RuneCountInString(b.String())
		add := utf8.RuneCountInString(w)
		if n > 0 {
			add++
		}
		if n+add > max {
			if n == 0 { // one long word: cut it
				r := []rune(w)
				b.WriteString(string(r[:max]))
			}
			return strings.TrimRight(b.String(), ".,;:!?-") + "…"
		}
		if n > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// Cancel stops a queued or running run of the caller.
func (s *Service) Cancel(ctx context.Context, id string) (*core.Extraction, error) {
	run, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	switch run.Status {
	case core.RunDone, core.RunFailed, core.RunCancelled:
		return nil, core.Errorf(core.ECONFLICT, "This extraction already finished (%s).", run.Status)
	}
	s.mu.Lock()
	if cancel, ok := s.running[id]; ok {
		cancel()
	}
	s.mu.Unlock()
	run.Status, run.Stage = core.RunCancelled, "cancelled"
	if err := s.store.UpdateExtraction(ctx, run); err != nil {
		return nil, err
	}
	return run, nil
}

// Review accepts (optionally edited) or rejects a draft.
func (s *Service) Review(ctx context.Context, runID, itemID string, accept bool, edit *core.TaskUpdate) (*core.Extraction, error) {
	run, err := s.Get(ctx, runID)
	if err != nil {
		return nil, err
	}
	for i := range run.Tasks {
		it := &run.Tasks[i]
		if it.ID != itemID {
			continue
		}
		if it.Status != core.ExtractedDraft && it.Status != core.ExtractedDuplicate {
			return nil, core.Errorf(core.ECONFLICT, "This item was already %s.", it.Status)
		}
		if !accept {
			it.Status = core.ExtractedRejected
		} else {
			t := s.toTask(run, it)
			if edit != nil {
				edit.Apply(t)
			}
			created, err := s.tasks.CreateFor(ctx, run.UserID, t)
			if err != nil {
				return nil, err
			}
			it.Status, it.TaskID = core.ExtractedAccepted, created.ID
			// The item shows what was saved, edits included.
			it.Title, it.Description, it.Priority = created.Title, created.Description, created.Priority
			if edit != nil && edit.Tags != nil { // the assignee is kept as an "assignee:" tag
				it.Assignee = ""
				for _, tag := range created.Tags {
					if name, ok := strings.CutPrefix(tag, "assignee:"); ok {
						it.Assignee = name
					}
				}
			}
			if created.TaskType == core.TaskTypeMeeting && created.StartTime != nil {
				it.Type, it.Due = core.TaskTypeMeeting, created.StartTime
			} else {
				it.Type, it.Due = created.TaskType, created.Deadline
			}
		}
		if err := s.store.UpdateExtraction(ctx, run); err != nil {
			return nil, err
		}
		return run, nil
	}
	return nil, core.Errorf(core.ENOTFOUND, "No such item in this extraction.")
}

// toTask turns an extracted item into a new task with its provenance.
func (s *Service) toTask(run *core.Extraction, it *core.ExtractedTask) *core.Task {
	t := &core.Task{Title: it.Title, Description: it.Description, Priority: it.Priority, Source: run.Source, SourceID: run.ID,
		Evidence: evidenceMap(run, it)}
	if it.Type == core.TaskTypeMeeting && it.Due != nil {
		start := *it.Due
		if start.Hour() == 0 && start.Minute() == 0 {
			start = start.Add(9 * time.Hour) // a dated meeting without a time: assume the morning
		}
		end := start.Add(time.Hour)
		t.TaskType, t.StartTime, t.EndTime, t.Deadline = core.TaskTypeMeeting, &start, &end, &start
	} else {
		t.Deadline = it.Due
	}
	if it.Assignee != "" {
		t.Attendees = nil
		t.Tags = []string{"assignee:" + truncate(it.Assignee, 50)}
	}
	return t
}

func evidenceMap(run *core.Extraction, it *core.ExtractedTask) map[string]any {
	m := map[string]any{"extraction_id": run.ID, "sentence": it.Evidence.Sentence, "start": it.Evidence.Start, "end": it.Evidence.End}
	if run.UploadID != "" {
		m["upload_id"] = run.UploadID
	}
	if it.Assignee != "" {
		m["assignee"] = it.Assignee
	}
	if it.Evidence.Page > 0 {
		m["page"] = it.Evidence.Page
	}
	if it.Evidence.AudioStart != nil {
		m["audio_start"], m["audio_end"] = *it.Evidence.AudioStart, *it.Evidence.AudioEnd
	}
	if r := it.Evidence.Region; r != nil {
		m["region"] = map[string]any{"x": r.X, "y": r.Y, "w": r.W, "h": r.H}
	}
	return m
}

// process runs one claimed run to its end and saves the outcome.
func (s *Service) process(parent context.Context, run *core.Extraction) {
	ctx, cancel := context.WithCancel(parent)
	s.mu.Lock()
	s.running[run.ID] = cancel
	s.mu.Unlock()
	defer func() {
		cancel()
		s.mu.Lock()
		delete(s.running, run.ID)
		s.mu.Unlock()
	}()
	userCtx := core.NewContextWithUser(ctx, &core.User{ID: run.UserID})
	stopBeat := lease.Heartbeat(ctx, s.lease(), func(c context.Context) error { return s.store.TouchExtraction(c, run.ID) })
	err := s.run(userCtx, run)
	stopBeat()
	switch {
	case err == nil:
		run.Status, run.Stage, run.Progress, run.Error = core.RunDone, "done", 1, ""
	case errors.Is(err, context.Canceled) && parent.Err() != nil:
		// Shutting down (or the request went away): resume later.
		run.Status, run.Stage, run.Attempts = core.RunQueued, "waiting to resume", max(0, run.Attempts-1)
	case errors.Is(err, context.Canceled):
		run.Status, run.Stage = core.RunCancelled, "cancelled"
	case core.ErrorCode(err) == core.EINTERNAL && run.Attempts < MaxAttempts:
		s.logger.Warn("extraction failed; will retry", slog.String("extraction_id", run.ID), slog.Int("attempt", run.Attempts), slog.Any("error", err))
		run.Status, run.Stage, run.Error = core.RunQueued, "retrying", "A temporary problem; retrying."
	default:
		if core.ErrorCode(err) == core.EINTERNAL {
			s.logger.Error("extraction failed", slog.String("extraction_id", run.ID), slog.Any("error", err))
		}
		run.Status, run.Stage, run.Error = core.RunFailed, "failed", core.ErrorMessage(err)
	}
	if run.Status != core.RunQueued {
		run.Input = "" // the text has served; keep only the tasks and evidence
	}
	// Save even when the request that started it was cancelled.
	if err := s.store.UpdateExtraction(context.WithoutCancel(ctx), run); err != nil {
		s.logger.Error("save extraction", slog.String("extraction_id", run.ID), slog.Any("error", err))
		// Never leave the run "running": record that it failed, without
		// the outcome that could not be stored.
		run.Status, run.Stage, run.Tasks, run.Input = core.RunFailed, "failed", []core.ExtractedTask{}, ""
		run.Error = "The result could not be saved; try again."
		if err := s.store.UpdateExtraction(context.WithoutCancel(ctx), run); err != nil {
			s.logger.Error("save failed extraction", slog.String("extraction_id", run.ID), slog.Any("error", err))
		}
	}
}

func (s *Service) progress(ctx context.Context, run *core.Extraction, stage string, p float64) {
	run.Stage, run.Progress = stage, p
	if err := s.store.UpdateExtraction(context.WithoutCancel(ctx), run); err != nil {
		s.logger.Warn("save progress", slog.Any("error", err))
	}
}

func (s *Service) run(ctx context.Context, run *core.Extraction) error {
	src := &core.Source{Text: run.Input, Kind: run.Kind}
	if run.UploadID != "" && run.Input == "" {
		if s.loader == nil {
			return core.Errorf(core.EUNSUPPORTED, "This kind of file cannot be read here.")
		}
		var err error
		if src, err = s.loader(ctx, run, func(stage string, p float64) { s.progress(ctx, run, stage, p*0.8) }); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if strings.TrimSpace(src.Text) == "" {
		run.Tasks = []core.ExtractedTask{}
		return nil
	}
	// Kept so the UI can show each task's evidence in the text it came from.
	if err := s.store.SaveExtractionSource(context.WithoutCancel(ctx), run.ID, src.Text); err != nil {
		s.logger.Warn("save extraction source", slog.String("extraction_id", run.ID), slog.Any("error", err))
	}
	s.progress(ctx, run, "finding tasks", 0.85)
	eng, err := s.engine(run.Engine)
	if err != nil {
		return err
	}
	kind := run.Kind
	if kind == "" {
		kind = src.Kind
	}
	found, err := eng.Extract(ctx, src.Text, core.ExtractOptions{Now: run.Now, Kind: kind})
	if err != nil {
		return err
	}
	open, err := s.openTasks(ctx, run.UserID)
	if err != nil {
		return err
	}
	out := make([]core.ExtractedTask, 0, len(found))
	for i, it := range found {
		it.ID = fmt.Sprintf("t%d", i+1)
		it.Title = truncate(strings.TrimSpace(it.Title), core.MaxTitleLen)
		if it.Title == "" {
			continue
		}
		if it.Type != core.TaskTypeMeeting {
			it.Type = core.TaskTypeTask
		}
		if core.PriorityRank(it.Priority) == 0 {
			it.Priority = ""
		}
		if it.Due != nil && !core.TimeInRange(*it.Due) {
			it.Due = nil // a date read from text that no calendar can hold
		}
		it.Evidence.UploadID = run.UploadID
		place(&it.Evidence, src)
		if dup := duplicateOf(it.Title, open); dup != "" {
			it.Status, it.DuplicateOf = core.ExtractedDuplicate, dup
		} else if run.Review {
			it.Status = core.ExtractedDraft
		} else {
			t := s.toTask(run, &it)
			if t.Priority == "" {
				t.Priority = core.PriorityMedium
			}
			created, err := s.tasks.CreateFor(ctx, run.UserID, t)
			if err != nil {
				if core.ErrorCode(err) == core.EINVALID {
					it.Status = core.ExtractedDraft // keep it for the user to fix
				} else {
					return err
				}
			} else {
				it.Status, it.TaskID = core.ExtractedCreated, created.ID
				open = append(open, openTask{id: created.ID, words: words(created.Title)})
			}
		}
		if it.Status == core.ExtractedDraft {
			open = append(open, openTask{id: "draft:" + it.ID, words: words(it.Title)})
		}
		out = append(out, it)
	}
	run.Tasks = out
	return nil
}

// place fills page, audio times and image region from the source spans.
func place(ev *core.Evidence, src *core.Source) {
	mid := (ev.Start + ev.End) / 2
	for _, sp := range src.Pages {
		if mid >= sp.Start && mid < sp.End {
			ev.Page = sp.Page
		}
	}
	var a0, a1 *float64
	for _, sp := range src.Audio {
		if sp.End > ev.Start && sp.Start < ev.End {
			if a0 == nil || sp.AudioStart < *a0 {
				v := sp.AudioStart
				a0 = &v
			}
			if a1 == nil || sp.AudioEnd > *a1 {
				v := sp.AudioEnd
				a1 = &v
			}
		}
	}
	ev.AudioStart, ev.AudioEnd = a0, a1
	var box *core.Region
	for _, sp := range src.Regions {
		if sp.Region != nil && sp.End > ev.Start && sp.Start < ev.End {
			box = union(box, sp.Region)
		}
	}
	ev.Region = box
}

func union(a, b *core.Region) *core.Region {
	if a == nil {
		c := *b
		return &c
	}
	x0, y0 := min(a.X, b.X), min(a.Y, b.Y)
	x1, y1 := max(a.X+a.W, b.X+b.W), max(a.Y+a.H, b.Y+b.H)
	return &core.Region{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

type openTask struct {
	id    string
	words map[string]bool
}

func (s *Service) openTasks(ctx context.Context, userID string) ([]openTask, error) {
	list, _, err := s.tasks.List(ctx, core.TaskFilter{UserID: userID, Statuses: []string{core.StatusTodo, core.StatusInProgress}, Sort: "-updated_at", Limit: core.MaxTaskLimit})
	if err != nil {
		return nil, err
	}
	out := make([]openTask, 0, len(list))
	for _, t := range list {
		out = append(out, openTask{id: t.ID, words: words(t.Title)})
	}
	return out, nil
}

var stop = map[string]bool{"the": true, "a": true, "an": true, "to": true, "of": true, "for": true, "and": true, "on": true,
	"in": true, "with": true, "by": true, "our": true, "my": true, "your": true, "about": true, "at": true}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		if !stop[w] {
			m[w] = true
		}
	}
	return m
}

// duplicateOf returns the open task whose title shares most words with
// title (Jaccard ≥ 0.6 over content words, at least two in common).
func duplicateOf(title string, open []openTask) string {
	w := words(title)
	best, bestScore := "", 0.0
	for _, o := range open {
		inter := 0
		for k := range w {
			if o.words[k] {
				inter++
			}
		}
		union := len(w) + len(o.words) - inter
		if inter < 2 || union == 0 {
			if !(inter == 1 && len(w) == 1 && len(o.words) == 1) {
				continue
			}
		}
		if j := float64(inter) / float64(union); j >= 0.6 && j > bestScore {
			best, bestScore = o.id, j
		}
	}
	if strings.HasPrefix(best, "draft:") {
		return strings.TrimPrefix(best, "draft:")
	}
	return best
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// EnqueueUpload queues an extraction of one of the caller's uploads.
func (s *Service) EnqueueUpload(ctx context.Context, userID, uploadID, source, kind, tz string, review bool) (*core.Extraction, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	now, zone, err := resolveNow(nil, tz, s.Now())
	if err != nil {
		return nil, err
	}
	run := &core.Extraction{UserID: userID, UploadID: uploadID, Source: source, Kind: kind, Review: review, Now: now, Timezone: zone}
	if err := s.Enqueue(ctx, run); err != nil {
		return nil, err
	}
	return run, nil
}
