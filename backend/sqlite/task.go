package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"sentry/backend/core"
)

// The tasks table's columns are core.Task's stored fields (core.TaskFields),
// in its order; each kind is kept one way here, whichever field has it.
var (
	taskColumns = core.TaskColumnList()
	// insertTask writes a row with its priority rank, row clock and field
	// clocks.
	insertTask = `INSERT INTO tasks (` + taskColumns + `, priority_rank, hlc, field_clocks)
		VALUES (` + placeholders(len(core.TaskFields)+3) + `)`
	// updateTask sets every column but the id (the first), then the
	// priority rank and row clock, of the row whose id is last.
	updateTask = func() string {
		sets := make([]string, 0, len(core.TaskFields))
		for _, f := range core.TaskFields[1:] {
			sets = append(sets, f.Name+" = ?")
		}
		return `UPDATE tasks SET ` + strings.Join(sets, ", ") + `, priority_rank = ?, hlc = ? WHERE id = ?`
	}()
)

func init() {
	if core.TaskFields[0].Name != "id" {
		panic("sqlite: core.Task's first stored field must be its id")
	}
}

// noDeadline sorts undated tasks after every dated one.
const noDeadline = "9999-12-31T23:59:59.999Z"

// CreateTask inserts t with a new id and logs the insert.
func (db *DB) CreateTask(ctx context.Context, t *core.Task) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.createTask(ctx, t); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create task: commit: %w", err)
	}
	return nil
}

func (tx *Tx) createTask(ctx context.Context, t *core.Task) error {
	if t.ID == "" {
		t.ID = NewID()
	}
	// The store refuses what it could not read back (a time outside the
	// calendar, text that is not UTF-8), whoever the caller is.
	if err := t.Validate(); err != nil {
		return err
	}
	if ok, err := tx.checkAssignee(ctx, t.TeamID, t.AssigneeID); err != nil {
		return err
	} else if !ok {
		return core.ErrAssigneeNotMember()
	}
	t.CreatedAt, t.UpdatedAt, t.Version = tx.now, tx.now, 1
	vals, err := taskValues(t)
	if err != nil {
		return err
	}
	// The row is written with its field clocks (one statement, not two).
	hlc, clocks, err := tx.logInsert(ctx, t.UserID, "tasks", t.ID, taskFields(t, nil))
	if err != nil {
		return err
	}
	args := append(vals, core.PriorityRank(t.Priority), hlc, clocks)
	if _, err := tx.ExecContext(ctx, insertTask, args...); err != nil {
		return formatError(err, "create task", userMissing)
	}
	return nil
}

// taskValues returns t's values in taskColumns order: times as text, lists
// and objects as JSON text.
func taskValues(t *core.Task) ([]any, error) {
	vals := make([]any, len(core.TaskFields), len(core.TaskFields)+3)
	for i := range core.TaskFields {
		f := &core.TaskFields[i]
		switch f.Kind {
		case core.KindTime:
			vals[i] = formatTime(*f.Time(t))
		case core.KindTimePtr:
			vals[i] = formatTimePtr(*f.TimePtr(t))
		case core.KindStrings:
			b, err := json.Marshal(nonNil(*f.Strings(t)))
			if err != nil {
				return nil, fmt.Errorf("sqlite: encode %s: %w", f.Name, err)
			}
			vals[i] = string(b)
		case core.KindMap:
			obj, err := f.ObjectJSON(t)
			if err != nil {
				return nil, fmt.Errorf("sqlite: %w", err)
			}
			vals[i] = obj
		default:
			vals[i] = f.Value(t)
		}
	}
	return vals, nil
}

// taskFields returns the change log's field map: every field for an
// insert, only the named ones for an update.
func taskFields(t *core.Task, only []string) map[string]any {
	return core.TaskLogFields(t, only, formatTimePtr)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// taskScanner reads task rows: the text and number columns straight into
// the task, the others into text or a nullable number first. One scanner
// reads every row of a query.
type taskScanner struct {
	dest   []any
	text   []string          // times, lists and objects
	null   []sql.NullString  // times that may be null
	number []sql.NullFloat64 // numbers that may be null
}

// taskSlot is each column's place in the scanner's text, null or number
// values (by its kind); taskSlots counts each.
var taskSlot, taskSlots = func() ([]int, [3]int) {
	var n [3]int
	slot := make([]int, len(core.TaskFields))
	for i, f := range core.TaskFields {
		h := -1
		switch f.Kind {
		case core.KindTime, core.KindStrings, core.KindMap:
			h = 0
		case core.KindTimePtr:
			h = 1
		case core.KindFloatPtr:
			h = 2
		}
		if h >= 0 {
			slot[i] = n[h]
			n[h]++
		}
	}
	return slot, n
}()

func newTaskScanner() *taskScanner {
	return &taskScanner{dest: make([]any, len(core.TaskFields)), text: make([]string, taskSlots[0]),
		null: make([]sql.NullString, taskSlots[1]), number: make([]sql.NullFloat64, taskSlots[2])}
}

func scanTask(row interface{ Scan(...any) error }) (*core.Task, error) {
	return newTaskScanner().scan(row)
}

func (s *taskScanner) scan(row interface{ Scan(...any) error }) (*core.Task, error) {
	var t core.Task
	for i := range core.TaskFields {
		f := &core.TaskFields[i]
		switch f.Kind {
		case core.KindString, core.KindBool, core.KindInt64:
			s.dest[i] = f.Addr(&t)
		case core.KindFloatPtr:
			s.dest[i] = &s.number[taskSlot[i]]
		case core.KindTimePtr:
			s.dest[i] = &s.null[taskSlot[i]]
		default:
			s.dest[i] = &s.text[taskSlot[i]]
		}
	}
	if err := row.Scan(s.dest...); err != nil {
		return nil, err
	}
	var err error
	for i := range core.TaskFields {
		f := &core.TaskFields[i]
		switch f.Kind {
		case core.KindFloatPtr:
			if s.number[taskSlot[i]].Valid {
				v := s.number[taskSlot[i]].Float64
				*f.FloatPtr(&t) = &v
			}
		case core.KindTime:
			if *f.Time(&t), err = parseTime(s.text[taskSlot[i]]); err != nil {
				return nil, err
			}
		case core.KindTimePtr:
			if *f.TimePtr(&t), err = parseTimePtr(s.null[taskSlot[i]]); err != nil {
				return nil, err
			}
		case core.KindStrings:
			if *f.Strings(&t), err = decodeStrings(s.text[taskSlot[i]]); err != nil {
				return nil, fmt.Errorf("sqlite: decode %s of task %s: %w", f.Name, t.ID, err)
			}
		case core.KindMap:
			if v := s.text[taskSlot[i]]; v != "{}" && v != "" {
				if err := json.Unmarshal([]byte(v), f.Map(&t)); err != nil {
					return nil, fmt.Errorf("sqlite: decode %s of task %s: %w", f.Name, t.ID, err)
				}
			}
		}
	}
	return &t, nil
}

// decodeStrings reads a stored JSON list of strings; the empty list, which
// most tasks hold, without the decoder.
func decodeStrings(s string) ([]string, error) {
	if s == "[]" {
		return []string{}, nil
	}
	var out []string
	err := json.Unmarshal([]byte(s), &out)
	return out, err
}

// FindTaskByID returns not_found for unknown or deleted tasks.
func (db *DB) FindTaskByID(ctx context.Context, id string) (*core.Task, error) {
	return findTask(ctx, db.read, id)
}

func findTask(ctx context.Context, q sqlQueryer, id string) (*core.Task, error) {
	t, err := scanTask(q.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE id = ? AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Task not found.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find task %s: %w", id, err)
	}
	return t, nil
}

// sortExpr returns the SQL expression each sort key orders by; each has an
// index (user_id, expr, id).
func sortExpr(key string) string {
	switch key {
	case core.SortDeadline:
		return `ifnull(deadline, '` + noDeadline + `')`
	case core.SortPriority:
		return `priority_rank`
	case core.SortUpdatedAt:
		return `updated_at`
	default:
		return `created_at`
	}
}

func sortValue(t *core.Task, key string) any {
	switch key {
	case core.SortDeadline:
		if t.Deadline == nil {
			return noDeadline
		}
		return formatTime(*t.Deadline)
	case core.SortPriority:
		return core.PriorityRank(t.Priority)
	case core.SortUpdatedAt:
		return formatTime(t.UpdatedAt)
	default:
		return formatTime(t.CreatedAt)
	}
}

type cursor struct {
	Sort  string `json:"s"`
	Value any    `json:"v"`
	ID    string `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sort string) (*cursor, error) {
	bad := core.FieldError("cursor", "The cursor is not valid; start again from the first page.")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Sort != sort || c.ID == "" {
		return nil, bad
	}
	// The value must fit the sort: a whole number for priority, a stored
	// time for the others (the Postgres store compares typed values).
	switch v := c.Value.(type) {
	case float64:
		if strings.TrimPrefix(sort, "-") != core.SortPriority || v != float64(int64(v)) {
			return nil, bad
		}
		c.Value = int64(v)
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if strings.TrimPrefix(sort, "-") == core.SortPriority || err != nil || !(core.TimeInRange(t) || v == noDeadline) {
			return nil, bad
		}
		c.Value = formatTime(t)
	default:
		return nil, bad
	}
	return &c, nil
}

// FindTasks returns one page of a user's live tasks and the next cursor.
func (db *DB) FindTasks(ctx context.Context, f core.TaskFilter) ([]*core.Task, string, error) {
	if err := f.Normalize(); err != nil {
		return nil, "", err
	}
	key := strings.TrimPrefix(f.Sort, "-")
	desc := strings.HasPrefix(f.Sort, "-")
	expr := sortExpr(key)

	// The caller's personal tasks and their teams' tasks: a team task
	// belongs to the team, so its creator sees it only while a member.
	where := []string{`user_id = ? AND team_id = ''`, `deleted_at IS NULL`}
	args := []any{f.UserID}
	if len(f.TeamIDs) > 0 {
		where[0] = `((user_id = ? AND team_id = '') OR team_id IN (` + placeholders(len(f.TeamIDs)) + `))`
		for _, id := range f.TeamIDs {
			args = append(args, id)
		}
	}
	if f.AssigneeID != "" {
		where = append(where, `assignee_id = ?`)
		args = append(args, f.AssigneeID)
	}
	if len(f.Statuses) > 0 {
		where = append(where, `status IN (`+placeholders(len(f.Statuses))+`)`)
		for _, s := range f.Statuses {
			args = append(args, s)
		}
	}
	if f.Source != "" {
		where = append(where, `source = ?`)
		args = append(args, f.Source)
	}
	if f.TaskType != "" {
		where = append(where, `task_type = ?`)
		args = append(args, f.TaskType)
	}
	if f.DueBefore != nil {
		where = append(where, `deadline <= ?`)
		args = append(args, formatTime(*f.DueBefore))
	}
	if f.DueAfter != nil {
		where = append(where, `deadline >= ?`)
		args = append(args, formatTime(*f.DueAfter))
	}
	if f.UpdatedAfter != nil {
		where = append(where, `updated_at > ?`)
		args = append(args, formatTime(*f.UpdatedAfter))
	}
	if m := ftsQuery(f.Query); m != "" {
		where = append(where, `rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ?)`)
		args = append(args, m)
	} else if strings.TrimSpace(f.Query) != "" {
		return []*core.Task{}, "", nil // only punctuation: nothing can match
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, f.Sort)
		if err != nil {
			return nil, "", err
		}
		op := ">"
		if desc {
			op = "<"
		}
		where = append(where, `(`+expr+`, id) `+op+` (?, ?)`)
		args = append(args, c.Value, c.ID)
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	q := `SELECT ` + taskArray() + ` FROM tasks WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY ` + expr + ` ` + dir + `, id ` + dir + ` LIMIT ?`
	args = append(args, f.Limit+1)

	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: find tasks: %w", err)
	}
	defer rows.Close()
	tasks := make([]*core.Task, 0, f.Limit)
	sc := newTaskScanner()
	for rows.Next() {
		t, err := sc.scanArray(rows)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: find tasks: scan: %w", err)
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: find tasks: %w", err)
	}
	next := ""
	if len(tasks) > f.Limit {
		tasks = tasks[:f.Limit]
		last := tasks[len(tasks)-1]
		next = encodeCursor(cursor{Sort: f.Sort, Value: sortValue(last, key), ID: last.ID})
	}
	return tasks, next, nil
}

// ftsQuery turns free text into an FTS5 query that matches every word as a
// prefix; user input never reaches FTS5's query syntax.
func ftsQuery(q string) string {
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	if len(words) > 16 {
		words = words[:16]
	}
	for i, w := range words {
		words[i] = `"` + w + `"*`
	}
	return strings.Join(words, " ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// UpdateTask applies upd after check approves the current row.
func (db *DB) UpdateTask(ctx context.Context, id string, upd core.TaskUpdate, check func(*core.Task) error) (*core.Task, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := findTask(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(t); err != nil {
			return nil, err
		}
	}
	changed := upd.Apply(t)
	if len(changed) == 0 {
		return t, nil
	}
	// Completion time follows the status.
	if t.Status == core.StatusDone && t.CompletedAt == nil {
		now := tx.now
		t.CompletedAt = &now
		changed = append(changed, "completed_at")
	} else if t.Status != core.StatusDone && t.CompletedAt != nil {
		t.CompletedAt = nil
		changed = append(changed, "completed_at")
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if slices.Contains(changed, "assignee_id") {
		if ok, err := tx.checkAssignee(ctx, t.TeamID, t.AssigneeID); err != nil {
			return nil, err
		} else if !ok {
			return nil, core.ErrAssigneeNotMember()
		}
	}
	t.UpdatedAt = tx.now
	t.Version++
	hlc, err := tx.logChange(ctx, t.UserID, "tasks", t.ID, core.OpUpdate, taskFields(t, changed))
	if err != nil {
		return nil, err
	}
	vals, err := taskValues(t)
	if err != nil {
		return nil, err
	}
	// vals[0] is the id; updateTask sets the columns after it.
	args := append(vals[1:], core.PriorityRank(t.Priority), hlc, t.ID)
	if _, err := tx.ExecContext(ctx, updateTask, args...); err != nil {
		return nil, fmt.Errorf("sqlite: update task %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: update task %s: commit: %w", id, err)
	}
	return t, nil
}

// DeleteTask tombstones a task so the deletion can sync.
func (db *DB) DeleteTask(ctx context.Context, id string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t, err := findTask(ctx, tx, id)
	if err != nil {
		return err
	}
	hlc, err := tx.logChange(ctx, t.UserID, "tasks", t.ID, core.OpDelete, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tasks SET deleted_at = ?, updated_at = ?, version = version + 1, hlc = ? WHERE id = ?`,
		formatTime(tx.now), formatTime(tx.now), hlc, id); err != nil {
		return fmt.Errorf("sqlite: delete task %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete task %s: commit: %w", id, err)
	}
	return nil
}
