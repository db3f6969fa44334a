package core

import (
	"context"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// Task statuses.
const (
	StatusTodo       = "todo"
	StatusInProgress = "in_progress"
	StatusDone       = "done"
	StatusCancelled  = "cancelled"
)

// Task priorities.
const (
	PriorityLow    = "low"
	PriorityMedium = "medium"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Task types.
const (
	TaskTypeTask    = "task"
	TaskTypeMeeting = "meeting"
)

// Task sources: where a task came from.
const (
	SourceSentry               = "sentry"
	SourceManual               = "manual"
	SourceGoogleTasks          = "google_tasks"
	SourceZoom                 = "zoom"
	SourceCalendar             = "calendar"
	SourceExtractedText        = "extracted_text"
	SourceExtractedAudio       = "extracted_audio"
	SourceExtractedDocument    = "extracted_document"
	SourceExtractedImage       = "extracted_image"
	SourceExtractedHandwritten = "extracted_handwritten"
	SourceSync                 = "sync"
)

var (
	taskStatuses   = []string{StatusTodo, StatusInProgress, StatusDone, StatusCancelled}
	taskPriorities = []string{PriorityLow, PriorityMedium, PriorityHigh, PriorityUrgent}
	taskTypes      = []string{TaskTypeTask, TaskTypeMeeting}
	taskSources    = []string{SourceSentry, SourceManual, SourceGoogleTasks, SourceZoom, SourceCalendar,
		SourceExtractedText, SourceExtractedAudio, SourceExtractedDocument, SourceExtractedImage,
		SourceExtractedHandwritten, SourceSync}
)

// TaskStatuses, TaskPriorities, TaskTypes and TaskSources list the allowed values.
func TaskStatuses() []string   { return append([]string(nil), taskStatuses...) }
func TaskPriorities() []string { return append([]string(nil), taskPriorities...) }
func TaskTypes() []string      { return append([]string(nil), taskTypes...) }
func TaskSources() []string    { return append([]string(nil), taskSources...) }

// PriorityRank orders priorities: low 1 … urgent 4 (0 for unknown).
func PriorityRank(p string) int {
	for i, v := range taskPriorities {
		if v == p {
			return i + 1
		}
	}
	return 0
}

// Task is a to-do or a meeting, with every column of the merged schema.
type Task struct {
	ID          string `json:"id"`
	UserID      string `json:"user_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Priority    string `json:"priority"`
	TaskType    string `json:"task_type"`
	Source      string `json:"source"`
	// SourceID points at what the task came from (an upload, an extraction).
	SourceID string `json:"source_id"`

	Deadline   *time.Time `json:"deadline"`
	StartTime  *time.Time `json:"start_time"`
	EndTime    *time.Time `json:"end_time"`
	Location   string     `json:"location"`
	MeetingURL string     `json:"meeting_url"`
	Attendees  []string   `json:"attendees"`

	EstimatedHours *float64 `json:"estimated_hours"`
	ActualHours    *float64 `json:"actual_hours"`
	CanDelegate    bool     `json:"can_delegate"`
	IsOptional     bool     `json:"is_optional"`
	IsRecurring    bool     `json:"is_recurring"`
	RecurrenceRule string   `json:"recurrence_rule"`
	Tags           []string `json:"tags"`
	ParentID       string   `json:"parent_id"`
	// TeamID names the team the task belongs to ("" for a personal
	// task); it is set when the task is made and never changes.
	TeamID string `json:"team_id"`
	// AssigneeID is the user the task is assigned to ("" for nobody): a
	// current member of its team, or for a personal task its owner.
	AssigneeID string `json:"assignee_id"`

	GoogleTaskID     string `json:"google_task_id"`
	GoogleTaskListID string `json:"google_tasklist_id"`
	ZoomMeetingID    string `json:"zoom_meeting_id"`
	// Evidence is provenance for extracted tasks, as JSON.
	Evidence map[string]any `json:"evidence,omitempty"`

	CompletedAt *time.Time `json:"completed_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"-"`
	Version     int64      `json:"version"`
}

// ValidID reports whether s has the shape of an id the stores make (a
// UUID in its 36-character text form).
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// Limits on task fields.
const (
	MaxTitleLen       = 255
	MaxDescriptionLen = 20000
	MaxShortField     = 2000
	MaxAttendees      = 200
	MaxTags           = 50
	MaxHours          = 10000
)

// Validate checks a task's fields and cross-field rules. It returns an
// invalid error naming the first field at fault.
func (t *Task) Validate() error {
	if err := t.cleanText(); err != nil {
		return err
	}
	// Provider ids and evidence are kept as given, but only if every
	// store can keep them.
	for _, f := range [][2]string{{"google_task_id", t.GoogleTaskID}, {"google_tasklist_id", t.GoogleTaskListID}, {"zoom_meeting_id", t.ZoomMeetingID}} {
		if err := CheckStorable(f[0], f[1]); err != nil {
			return err
		}
	}
	if err := CheckStorableJSON("evidence", t.Evidence); err != nil {
		return err
	}
	t.Title = strings.TrimSpace(t.Title)
	if t.Title == "" {
		return FieldError("title", "Title is required.")
	}
	if utf8.RuneCountInString(t.Title) > MaxTitleLen {
		return FieldError("title", "Title must be at most %d characters.", MaxTitleLen)
	}
	if utf8.RuneCountInString(t.Description) > MaxDescriptionLen {
		return FieldError("description", "Description must be at most %d characters.", MaxDescriptionLen)
	}
	if !oneOf(t.Status, taskStatuses) {
		return FieldError("status", "Status must be one of %s.", strings.Join(taskStatuses, ", "))
	}
	if !oneOf(t.Priority, taskPriorities) {
		return FieldError("priority", "Priority must be one of %s.", strings.Join(taskPriorities, ", "))
	}
	if !oneOf(t.TaskType, taskTypes) {
		return FieldError("task_type", "Task type must be one of %s.", strings.Join(taskTypes, ", "))
	}
	if !oneOf(t.Source, taskSources) {
		return FieldError("source", "Source must be one of %s.", strings.Join(taskSources, ", "))
	}
	for name, v := range map[string]string{"location": t.Location, "meeting_url": t.MeetingURL,
		"recurrence_rule": t.RecurrenceRule, "source_id": t.SourceID, "parent_id": t.ParentID,
		"google_task_id": t.GoogleTaskID, "google_tasklist_id": t.GoogleTaskListID, "zoom_meeting_id": t.ZoomMeetingID} {
		if utf8.RuneCountInString(v) > MaxShortField {
			return FieldError(name, "%s must be at most %d characters.", fieldLabel(name), MaxShortField)
		}
	}
	if len(t.Attendees) > MaxAttendees {
		return FieldError("attendees", "At most %d attendees.", MaxAttendees)
	}
	for _, a := range t.Attendees {
		if strings.TrimSpace(a) == "" || utf8.RuneCountInString(a) > 255 {
			return FieldError("attendees", "Each attendee must be 1–255 characters.")
		}
	}
	if len(t.Tags) > MaxTags {
		return FieldError("tags", "At most %d tags.", MaxTags)
	}
	for _, a := range t.Tags {
		if strings.TrimSpace(a) == "" || utf8.RuneCountInString(a) > 64 {
			return FieldError("tags", "Each tag must be 1–64 characters.")
		}
	}
	if err := validHours("estimated_hours", t.EstimatedHours); err != nil {
		return err
	}
	if err := validHours("actual_hours", t.ActualHours); err != nil {
		return err
	}
	if err := CheckTimes(map[string]*time.Time{"deadline": t.Deadline, "start_time": t.StartTime,
		"end_time": t.EndTime, "completed_at": t.CompletedAt}); err != nil {
		return err
	}
	if t.TaskType == TaskTypeMeeting {
		if t.StartTime == nil || t.EndTime == nil {
			return FieldError("start_time", "A meeting needs a start_time and an end_time.")
		}
	}
	if t.StartTime != nil && t.EndTime != nil && !t.StartTime.Before(*t.EndTime) {
		return FieldError("end_time", "end_time must be after start_time.")
	}
	if t.AssigneeID != "" && !ValidID(t.AssigneeID) {
		return FieldError("assignee_id", "assignee_id must be the id of a member of the task's team, or empty.")
	}
	if t.RecurrenceRule != "" && !t.IsRecurring {
		return FieldError("recurrence_rule", "recurrence_rule needs is_recurring.")
	}
	return nil
}

// cleanText strips control and bidirectional-override characters from
// every user-visible text field (newlines survive in the description only)
// and refuses invalid UTF-8 or NUL.
func (t *Task) cleanText() error {
	var err error
	for _, f := range []struct {
		name      string
		v         *string
		multiline bool
	}{{"title", &t.Title, false}, {"description", &t.Description, true}, {"location", &t.Location, false},
		{"meeting_url", &t.MeetingURL, false}, {"recurrence_rule", &t.RecurrenceRule, false},
		{"source_id", &t.SourceID, false}, {"parent_id", &t.ParentID, false}} {
		if *f.v, err = CleanText(f.name, *f.v, f.multiline); err != nil {
			return err
		}
	}
	for _, list := range []struct {
		name string
		v    []string
	}{{"attendees", t.Attendees}, {"tags", t.Tags}} {
		for i := range list.v {
			if list.v[i], err = CleanText(list.name, list.v[i], false); err != nil {
				return err
			}
		}
	}
	return nil
}

func validHours(field string, h *float64) error {
	if h == nil {
		return nil
	}
	if *h != *h || *h < 0 || *h > MaxHours {
		return FieldError(field, "%s must be between 0 and %d.", fieldLabel(field), MaxHours)
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// Patch is a field of a partial update that may also be cleared: Set says
// the field was given; Null says it was given as null.
type Patch[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// Apply sets *dst from p when p is set.
func (p Patch[T]) Apply(dst **T) {
	if !p.Set {
		return
	} else if p.Null {
		*dst = nil
		return
	}
	v := p.Value
	*dst = &v
}

// ErrAssigneeNotMember refuses a team task's assignee who is not (or no
// longer) in the task's team.
func ErrAssigneeNotMember() *Error {
	return FieldError("assignee_id", "The assignee must be a member of the task's team.")
}

// ErrPushedAssigneeNotMember is the same refusal for a synced change.
func ErrPushedAssigneeNotMember(userID string) *Error {
	return Errorf(EINVALID, "tasks.assignee_id: %s is not a member of the task's team.", userID)
}

// TaskUpdate is a partial update; unset fields are unchanged.
type TaskUpdate struct {
	Title            *string          `json:"title"`
	Description      *string          `json:"description"`
	Status           *string          `json:"status"`
	Priority         *string          `json:"priority"`
	TaskType         *string          `json:"task_type"`
	Source           *string          `json:"source"`
	SourceID         *string          `json:"source_id"`
	Deadline         Patch[time.Time] `json:"deadline"`
	StartTime        Patch[time.Time] `json:"start_time"`
	EndTime          Patch[time.Time] `json:"end_time"`
	Location         *string          `json:"location"`
	MeetingURL       *string          `json:"meeting_url"`
	Attendees        *[]string        `json:"attendees"`
	EstimatedHours   Patch[float64]   `json:"estimated_hours"`
	ActualHours      Patch[float64]   `json:"actual_hours"`
	CanDelegate      *bool            `json:"can_delegate"`
	IsOptional       *bool            `json:"is_optional"`
	IsRecurring      *bool            `json:"is_recurring"`
	RecurrenceRule   *string          `json:"recurrence_rule"`
	Tags             *[]string        `json:"tags"`
	ParentID         *string          `json:"parent_id"`
	AssigneeID       *string          `json:"assignee_id"`
	GoogleTaskID     *string          `json:"google_task_id"`
	GoogleTaskListID *string          `json:"google_tasklist_id"`
	ZoomMeetingID    *string          `json:"zoom_meeting_id"`
	// Evidence is set by the system only (extraction), never by a client.
	Evidence *map[string]any `json:"evidence" api:"internal"`
}

// Apply changes t in place and returns the names of the changed columns.
// Each field of the update sets the Task field of the same JSON name, so a
// new task field is a field of Task and of TaskUpdate, nothing more here.
func (u *TaskUpdate) Apply(t *Task) []string {
	var changed []string
	uv, tv := reflect.ValueOf(u).Elem(), reflect.ValueOf(t).Elem()
	for i, f := range taskUpdateFields {
		if f.target < 0 {
			continue
		}
		if applyField(uv.Field(i), tv.Field(f.target)) {
			changed = append(changed, f.name)
		}
	}
	return changed
}

// taskUpdateField ties a TaskUpdate field to the Task field it sets.
type taskUpdateField struct {
	name   string
	target int // index in Task, -1 when none
}

var taskUpdateFields = func() []taskUpdateField {
	tt, ut := reflect.TypeFor[Task](), reflect.TypeFor[TaskUpdate]()
	byName := map[string]int{}
	for i := range tt.NumField() {
		byName[JSONName(tt.Field(i))] = i
	}
	out := make([]taskUpdateField, ut.NumField())
	for i := range ut.NumField() {
		name := JSONName(ut.Field(i))
		j, ok := byName[name]
		if !ok {
			panic("core: TaskUpdate." + ut.Field(i).Name + " sets no Task field named " + name)
		}
		out[i] = taskUpdateField{name: name, target: j}
	}
	return out
}()

// JSONName is a struct field's JSON name ("" for fields JSON skips).
func JSONName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

// applyField sets dst from an update field (a pointer or a Patch) and
// reports whether dst changed.
func applyField(src, dst reflect.Value) bool {
	if src.Kind() == reflect.Pointer {
		if src.IsNil() {
			return false
		}
		v := src.Elem()
		switch v.Kind() {
		case reflect.Slice:
			if v.Type() == reflect.TypeFor[[]string]() && equalStrings(dst.Interface().([]string), v.Interface().([]string)) {
				return false
			}
			cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(cp, v)
			dst.Set(cp)
			return true
		case reflect.Map:
			dst.Set(v)
			return true
		}
		if dst.Interface() == v.Interface() {
			return false
		}
		dst.Set(v)
		return true
	}
	// A Patch[T]: Set, Null, Value into a *T.
	if !src.FieldByName("Set").Bool() {
		return false
	}
	before := dst.Interface()
	if src.FieldByName("Null").Bool() {
		dst.Set(reflect.Zero(dst.Type()))
	} else {
		p := reflect.New(dst.Type().Elem())
		p.Elem().Set(src.FieldByName("Value"))
		dst.Set(p)
	}
	return !samePtr(before, dst.Interface())
}

// samePtr compares two *time.Time or *float64 by what they point at.
func samePtr(a, b any) bool {
	switch x := a.(type) {
	case *time.Time:
		y := b.(*time.Time)
		return (x == nil) == (y == nil) && (x == nil || x.Equal(*y))
	case *float64:
		y := b.(*float64)
		return (x == nil) == (y == nil) && (x == nil || *x == *y)
	}
	return false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Sort keys for task lists.
const (
	SortDeadline  = "deadline"
	SortPriority  = "priority"
	SortCreatedAt = "created_at"
	SortUpdatedAt = "updated_at"
)

// TaskFilter selects one user's tasks. Results are ordered by Sort (a "-"
// prefix for descending; default "created_at") and paged with Cursor.
type TaskFilter struct {
	UserID string
	// TeamIDs adds the tasks of these teams (the caller's) to UserID's.
	TeamIDs []string
	// AssigneeID keeps only the tasks assigned to this user.
	AssigneeID   string
	Statuses     []string
	Source       string
	TaskType     string
	DueBefore    *time.Time
	DueAfter     *time.Time
	Query        string
	Sort         string
	Cursor       string
	Limit        int
	UpdatedAfter *time.Time
}

// Limits on task list pages.
const (
	DefaultTaskLimit = 50
	MaxTaskLimit     = 500
)

// Normalize validates the filter and fills defaults.
func (f *TaskFilter) Normalize() error {
	for _, s := range f.Statuses {
		if !oneOf(s, taskStatuses) {
			return FieldError("status", "Status must be one of %s.", strings.Join(taskStatuses, ", "))
		}
	}
	if f.Source != "" && !oneOf(f.Source, taskSources) {
		return FieldError("source", "Source must be one of %s.", strings.Join(taskSources, ", "))
	}
	if f.TaskType != "" && !oneOf(f.TaskType, taskTypes) {
		return FieldError("task_type", "Task type must be one of %s.", strings.Join(taskTypes, ", "))
	}
	if f.AssigneeID != "" && !ValidID(f.AssigneeID) {
		return FieldError("assignee", "assignee must be \"me\" or a user's id.")
	}
	if f.Sort == "" {
		f.Sort = "-" + SortCreatedAt
	}
	// "created" and "updated" are accepted for clients used to those names.
	switch strings.TrimPrefix(f.Sort, "-") {
	case "created", "updated":
		f.Sort += "_at"
	}
	if !oneOf(strings.TrimPrefix(f.Sort, "-"), []string{SortDeadline, SortPriority, SortCreatedAt, SortUpdatedAt}) {
		return FieldError("sort", "Sort must be one of deadline, priority, created_at, updated_at, with - for descending.")
	}
	if f.Limit == 0 {
		f.Limit = DefaultTaskLimit
	}
	if f.Limit < 1 || f.Limit > MaxTaskLimit {
		return FieldError("limit", "Limit must be between 1 and %d.", MaxTaskLimit)
	}
	if len(f.Query) > 500 {
		return FieldError("q", "Search must be at most 500 characters.")
	}
	if f.DueBefore != nil && f.DueAfter != nil && f.DueAfter.After(*f.DueBefore) {
		return FieldError("due_after", "due_after must not be later than due_before.")
	}
	return nil
}

// TaskStore persists tasks. Every write also records change log entries in
// the same transaction.
type TaskStore interface {
	// CreateTask inserts t, filling ID, timestamps and version.
	CreateTask(ctx context.Context, t *Task) error
	// FindTaskByID returns not_found for unknown or deleted tasks.
	FindTaskByID(ctx context.Context, id string) (*Task, error)
	// FindTasks returns one page and the cursor of the next ("" at the end).
	// invalid for a malformed cursor.
	FindTasks(ctx context.Context, f TaskFilter) ([]*Task, string, error)
	// UpdateTask applies upd to the task after check approves the current
	// row, inside one transaction. not_found; check's error is returned as is.
	UpdateTask(ctx context.Context, id string, upd TaskUpdate, check func(*Task) error) (*Task, error)
	// DeleteTask tombstones the task. not_found.
	DeleteTask(ctx context.Context, id string) error
}
