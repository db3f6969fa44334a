package core

import (
	"context"
	"time"
)

// Evidence is where an extracted task came from.
type Evidence struct {
	UploadID string `json:"upload_id,omitempty"`
	// Sentence is the source text; Start and End its byte span in the
	// extracted text of the input.
	Sentence string `json:"sentence"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
	// Page is the PDF page (1-based) when known.
	Page int `json:"page,omitempty"`
	// AudioStart and AudioEnd are seconds into a recording.
	AudioStart *float64 `json:"audio_start,omitempty"`
	AudioEnd   *float64 `json:"audio_end,omitempty"`
	// Region is the image area (pixels) the text was read from.
	Region *Region `json:"region,omitempty"`
}

// Region is a box in an image.
type Region struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Outcomes of an extracted task.
const (
	ExtractedCreated   = "created"   // saved as a task
	ExtractedDraft     = "draft"     // waiting for the user's review
	ExtractedDuplicate = "duplicate" // looks like an open task; not inserted
	ExtractedRejected  = "rejected"
	ExtractedAccepted  = "accepted"
)

// ExtractedTask is one task or meeting found in an input.
type ExtractedTask struct {
	// ID identifies the item within its extraction (for review actions).
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Assignee    string     `json:"assignee"`
	Due         *time.Time `json:"due"`
	DueText     string     `json:"due_text,omitempty"`
	Type        string     `json:"type"`
	Priority    string     `json:"priority,omitempty"`
	Confidence  float64    `json:"confidence"`
	Evidence    Evidence   `json:"evidence"`
	Status      string     `json:"status"`
	// TaskID is the saved task (created or accepted).
	TaskID string `json:"task_id,omitempty"`
	// DuplicateOf is the open task this one repeats.
	DuplicateOf string `json:"duplicate_of,omitempty"`
}

// ExtractOptions steer an extractor.
type ExtractOptions struct {
	Now  time.Time // in the user's time zone
	Kind string    // meeting_transcript, email, note, chat, document, handwritten_ocr
}

// TaskExtractor finds tasks in text. Engines: the built-in rules, Ollama.
type TaskExtractor interface {
	Name() string
	Extract(ctx context.Context, text string, opt ExtractOptions) ([]ExtractedTask, error)
}

// Extraction statuses.
const (
	RunQueued    = "queued"
	RunRunning   = "running"
	RunDone      = "done"
	RunFailed    = "failed"
	RunCancelled = "cancelled"
)

// Extraction is one run over one input, durable across restarts.
type Extraction struct {
	ID       string  `json:"extraction_id"`
	UserID   string  `json:"user_id"`
	UploadID string  `json:"upload_id"`
	Source   string  `json:"source"` // task source, e.g. extracted_audio
	Kind     string  `json:"kind"`
	Status   string  `json:"status"`
	Stage    string  `json:"stage"`
	Progress float64 `json:"progress"`
	Error    string  `json:"error,omitempty"`
	Engine   string  `json:"engine"`
	Review   bool    `json:"review"`
	// Input is the text to extract from (text inputs) — kept so a queued
	// run survives a restart.
	Input     string          `json:"-"`
	Now       time.Time       `json:"now"`
	Timezone  string          `json:"timezone"`
	Tasks     []ExtractedTask `json:"tasks"`
	Attempts  int             `json:"attempts"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	// FinishedAt is set when the run reaches done, failed or cancelled.
	FinishedAt *time.Time `json:"finished_at"`
	// Preview is the start of a pasted text, for titling the run in the
	// history; set by the history list only, never stored.
	Preview string `json:"preview,omitempty"`
}

// ExtractionStore keeps extraction runs.
type ExtractionStore interface {
	CreateExtraction(ctx context.Context, e *Extraction) error
	// FindExtractionByID returns not_found for unknown runs.
	FindExtractionByID(ctx context.Context, id string) (*Extraction, error)
	// FindExtractions lists a user's runs, newest first.
	FindExtractions(ctx context.Context, userID string, limit int) ([]*Extraction, error)
	// UpdateExtraction saves status, stage, progress, error, tasks, attempts.
	UpdateExtraction(ctx context.Context, e *Extraction) error
	// ClaimExtractionByID moves a run to running, counting an attempt,
	// when it is queued or when its worker has shown no sign of life since
	// staleBefore (its server died). not_found when the run is gone or no
	// longer queued or running; conflict while a live worker holds it.
	ClaimExtractionByID(ctx context.Context, id string, staleBefore time.Time) (*Extraction, error)
	// FindUnfinishedExtractions lists the ids of runs queued or running,
	// oldest first (at start, to enqueue their jobs again).
	FindUnfinishedExtractions(ctx context.Context) ([]string, error)
	// RequeueRunning puts runs left running whose last sign of life
	// (updated_at) is before staleBefore back in the queue: a crashed
	// worker's, never a live one's on another server.
	RequeueRunning(ctx context.Context, staleBefore time.Time) (int, error)
	// TouchExtraction marks a running run alive (its worker's heartbeat).
	TouchExtraction(ctx context.Context, id string) error
	// SaveExtractionSource keeps the text the engine read for a run (the
	// evidence spans are byte offsets into it); not_found for unknown runs.
	SaveExtractionSource(ctx context.Context, extractionID, text string) error
	// FindExtractionSource returns that text, "" when none was kept;
	// not_found for unknown runs.
	FindExtractionSource(ctx context.Context, extractionID string) (string, error)
}
