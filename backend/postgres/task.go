package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
)

// The tasks table's columns are core.Task's stored fields (core.TaskFields),
// in its order; each kind is kept one way here, whichever field has it.
var (
	taskColumns = core.TaskColumnList()
	// insertTask writes a row with its priority rank, row clock, search
	// lexemes and field clocks.
	insertTask = func() string {
		n := len(core.TaskFields)
		ps := make([]string, 0, n+4)
		for i := 1; i <= n+2; i++ {
			ps = append(ps, fmt.Sprintf("$%d", i))
		}
		ps = append(ps, fmt.Sprintf("array_to_tsvector($%d::text[])", n+3), fmt.Sprintf("$%d", n+4))
		return `INSERT INTO tasks (` + taskColumns + `, priority_rank, hlc, search, field_clocks)
		VALUES (` + strings.Join(ps, ", ") + `)`
	}()
	// updateTask sets every column but the id (the first), then the
	// priority rank, row clock and search lexemes, of the row whose id is
	// last.
	updateTask = func() string {
		n := len(core.TaskFields)
		sets := make([]string, 0, n)
		for i, f := range core.TaskFields[1:] {
			sets = append(sets, fmt.Sprintf("%s = $%d", f.Name, i+1))
		}
		return `UPDATE tasks SET ` + strings.Join(sets, ", ") +
			fmt.Sprintf(`, priority_rank = $%d, hlc = $%d, search = array_to_tsvector($%d::text[]) WHERE id = $%d`, n, n+1, n+2, n+3)
	}()
)

func init() {
	if core.TaskFields[0].Name != "id" {
		panic("postgres: core.Task's first stored field must be its id")
	}
}

// noDeadline sorts undated tasks after every dated one, as in SQLite.
var noDeadline = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)

// CreateTask inserts t with a new id and logs the insert. Concurrent task
// writes share a transaction (groupcommit.go).
func (db *DB) CreateTask(ctx context.Context, t *core.Task) error {
	return db.grouped(ctx, func(tx *Tx) error {
		if err := tx.createTask(ctx, t); err != nil {
			return err
		}
		return tx.commit(ctx, "create task")
	})
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
	if !storable(t.UserID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	if ok, err := tx.checkAssignee(ctx, t.TeamID, t.AssigneeID); err != nil {
		return err
	} else if !ok {
		return core.ErrAssigneeNotMember()
	}
	normalizeTaskTimes(t)
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
	args := append(vals, core.PriorityRank(t.Priority), hlc, searchLexemes(t.Title, t.Description), clocks)
	if _, err := tx.Exec(ctx, insertTask, args...); err != nil {
		return formatError(err, "create task", userMissing)
	}
	return nil
}

// normalizeTaskTimes keeps a task's times as they will read back: UTC, to
// the millisecond.
func normalizeTaskTimes(t *core.Task) {
	for i := range core.TaskFields {
		if f := &core.TaskFields[i]; f.Kind == core.KindTimePtr {
			p := f.TimePtr(t)
			*p = msPtr(*p)
		}
	}
}

// taskValues returns t's values in taskColumns order: lists never null,
// objects as JSON text.
func taskValues(t *core.Task) ([]any, error) {
	vals := make([]any, len(core.TaskFields), len(core.TaskFields)+4)
	for i := range core.TaskFields {
		f := &core.TaskFields[i]
		switch f.Kind {
		case core.KindStrings:
			vals[i] = nonNil(*f.Strings(t))
		case core.KindMap:
			obj, err := f.ObjectJSON(t)
			if err != nil {
				return nil, fmt.Errorf("postgres: %w", err)
			}
			vals[i] = obj
		default:
			vals[i] = f.Value(t)
		}
	}
	return vals, nil
}

// taskFields returns the change log's field map: every field for an
// insert, only the named ones for an update. Times are text, as SQLite's
// log has them.
func taskFields(t *core.Task, only []string) map[string]any {
	return core.TaskLogFields(t, only, formatTimePtr)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// taskScanner reads task rows: every column straight into the task but
// objects, which are JSON text first. One scanner reads every row of a
// query.
type taskScanner struct {
	dest    []any
	objects [][]byte // JSON objects, at their column's taskObject
}

// taskObject is each object column's place in the scanner's objects;
// taskObjects counts them.
var taskObject, taskObjects = func() ([]int, int) {
	n := 0
	at := make([]int, len(core.TaskFields))
	for i, f := range core.TaskFields {
		if f.Kind == core.KindMap {
			at[i] = n
			n++
		}
	}
	return at, n
}()

func newTaskScanner() *taskScanner {
	return &taskScanner{dest: make([]any, len(core.TaskFields)), objects: make([][]byte, taskObjects)}
}

func scanTask(row pgx.Row) (*core.Task, error) {
	return newTaskScanner().scan(row)
}

func (s *taskScanner) scan(row pgx.Row) (*core.Task, error) {
	var t core.Task
	for i := range core.TaskFields {
		f := &core.TaskFields[i]
		if f.Kind == core.KindMap {
			s.dest[i] = &s.objects[taskObject[i]]
		} else {
			s.dest[i] = f.Addr(&t)
		}
	}
	if err := row.Scan(s.dest...); err != nil {
		return nil, err
	}
	for i := range core.TaskFields {
		f := &core.TaskFields[i]
		switch f.Kind {
		case core.KindTime:
			p := f.Time(&t)
			*p = p.UTC()
		case core.KindTimePtr:
			p := f.TimePtr(&t)
			*p = utcPtr(*p)
		case core.KindStrings:
			p := f.Strings(&t)
			*p = nonNil(*p)
		case core.KindMap:
			if v := s.objects[taskObject[i]]; string(v) != "{}" && len(v) > 0 {
				if err := json.Unmarshal(v, f.Map(&t)); err != nil {
					return nil, fmt.Errorf("postgres: decode %s of task %s: %w", f.Name, t.ID, err)
				}
			}
		}
	}
	return &t, nil
}

// FindTaskByID returns not_found for unknown or deleted tasks.
func (db *DB) FindTaskByID(ctx context.Context, id string) (*core.Task, error) {
	return findTask(ctx, db.pool, id, "")
}

// findTask reads a live task; lock is "" or " FOR UPDATE".
func findTask(ctx context.Context, q queryer, id, lock string) (*core.Task, error) {
	if !storable(id) {
		return nil, core.Errorf(core.ENOTFOUND, "Task not found.")
	}
	t, err := scanTask(q.QueryRow(ctx, `SELECT `+taskColumns+` FROM tasks WHERE id = $1 AND deleted_at IS NULL`+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Task not found.")
	} else if err != nil {
		return nil, formatError(err, "find task "+id, onViolation{})
	}
	return t, nil
}

// sortExpr returns the SQL expression each sort key orders by; each has an
// index (user_id, expr, id).
func sortExpr(key string) string {
	switch key {
	case core.SortDeadline:
		return `coalesce(deadline, timestamptz '9999-12-31 23:59:59.999+00')`
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
			return noDeadline.Format(TimeFormat)
		}
		return t.Deadline.UTC().Format(TimeFormat)
	case core.SortPriority:
		return core.PriorityRank(t.Priority)
	case core.SortUpdatedAt:
		return t.UpdatedAt.UTC().Format(TimeFormat)
	default:
		return t.CreatedAt.UTC().Format(TimeFormat)
	}
}

// cursor is the position after a page: the sort, the last row's sort
// value and id. Same layout as the SQLite store's.
type cursor struct {
	Sort  string `json:"s"`
	Value any    `json:"v"`
	ID    string `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor checks a cursor and returns its value typed for key's
// column: a time for the time keys, an integer for priority.
func decodeCursor(s, sort, key string) (*cursor, error) {
	bad := core.FieldError("cursor", "The cursor is not valid; start again from the first page.")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Sort != sort || c.ID == "" || core.CheckStorable("cursor", c.ID) != nil {
		return nil, bad
	}
	switch v := c.Value.(type) {
	case float64:
		if key != core.SortPriority || v != float64(int64(v)) {
			return nil, bad
		}
		c.Value = int64(v)
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if key == core.SortPriority || err != nil || !(core.TimeInRange(t) || t.Equal(noDeadline)) {
			return nil, bad
		}
		c.Value = t.UTC()
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
	if !storable(f.UserID) {
		return []*core.Task{}, "", nil
	}

	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	// The caller's personal tasks and their teams' tasks: a team task
	// belongs to the team, so its creator sees it only while a member.
	mine := `(user_id = ` + arg(f.UserID) + ` AND team_id = '')`
	if len(f.TeamIDs) > 0 {
		mine = `(` + mine + ` OR team_id = ANY(` + arg(f.TeamIDs) + `::text[]))`
	}
	where = append(where, mine, `deleted_at IS NULL`)
	if f.AssigneeID != "" {
		where = append(where, `assignee_id = `+arg(f.AssigneeID))
	}
	if len(f.Statuses) > 0 {
		where = append(where, `status = ANY(`+arg(f.Statuses)+`::text[])`)
	}
	if f.Source != "" {
		where = append(where, `source = `+arg(f.Source))
	}
	if f.TaskType != "" {
		where = append(where, `task_type = `+arg(f.TaskType))
	}
	if f.DueBefore != nil {
		where = append(where, `deadline <= `+arg(ms(*f.DueBefore)))
	}
	if f.DueAfter != nil {
		where = append(where, `deadline >= `+arg(ms(*f.DueAfter)))
	}
	if f.UpdatedAfter != nil {
		where = append(where, `updated_at > `+arg(ms(*f.UpdatedAfter)))
	}
	if q := prefixQuery(f.Query); q != "" {
		where = append(where, `search @@ `+arg(q)+`::tsquery`)
	} else if strings.TrimSpace(f.Query) != "" {
		return []*core.Task{}, "", nil // only punctuation: nothing can match
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, f.Sort, key)
		if err != nil {
			return nil, "", err
		}
		op := ">"
		if desc {
			op = "<"
		}
		where = append(where, `(`+expr+`, id) `+op+` (`+arg(c.Value)+`, `+arg(c.ID)+`)`)
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	q := `SELECT ` + taskColumns + ` FROM tasks WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY ` + expr + ` ` + dir + `, id ` + dir + ` LIMIT ` + arg(f.Limit+1)

	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", formatError(err, "find tasks", onViolation{})
	}
	defer rows.Close()
	tasks := make([]*core.Task, 0, f.Limit)
	sc := newTaskScanner()
	for rows.Next() {
		t, err := sc.scan(rows)
		if err != nil {
			return nil, "", fmt.Errorf("postgres: find tasks: scan: %w", err)
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", formatError(err, "find tasks", onViolation{})
	}
	next := ""
	if len(tasks) > f.Limit {
		tasks = tasks[:f.Limit]
		last := tasks[len(tasks)-1]
		next = encodeCursor(cursor{Sort: f.Sort, Value: sortValue(last, key), ID: last.ID})
	}
	return tasks, next, nil
}

// UpdateTask applies upd after check approves the current row, which stays
// locked until the transaction ends.
func (db *DB) UpdateTask(ctx context.Context, id string, upd core.TaskUpdate, check func(*core.Task) error) (*core.Task, error) {
	var t *core.Task
	err := db.grouped(ctx, func(tx *Tx) (err error) {
		t, err = tx.updateTask(ctx, id, upd, check)
		return err
	})
	return t, err
}

func (tx *Tx) updateTask(ctx context.Context, id string, upd core.TaskUpdate, check func(*core.Task) error) (*core.Task, error) {
	t, err := findTask(ctx, tx, id, " FOR UPDATE")
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
	normalizeTaskTimes(t)
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
	args := append(vals[1:], core.PriorityRank(t.Priority), hlc, searchLexemes(t.Title, t.Description), t.ID)
	if _, err := tx.Exec(ctx, updateTask, args...); err != nil {
		return nil, formatError(err, "update task "+id, onViolation{})
	}
	if err := tx.commit(ctx, "update task "+id); err != nil {
		return nil, err
	}
	return t, nil
}

// DeleteTask tombstones a task so the deletion can sync.
func (db *DB) DeleteTask(ctx context.Context, id string) error {
	return db.grouped(ctx, func(tx *Tx) error { return tx.deleteTask(ctx, id) })
}

func (tx *Tx) deleteTask(ctx context.Context, id string) error {
	t, err := findTask(ctx, tx, id, " FOR UPDATE")
	if err != nil {
		return err
	}
	hlc, err := tx.logChange(ctx, t.UserID, "tasks", t.ID, core.OpDelete, nil)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE tasks SET deleted_at = $1, updated_at = $1, version = version + 1, hlc = $2 WHERE id = $3`,
		tx.now, hlc, id); err != nil {
		return formatError(err, "delete task "+id, onViolation{})
	}
	return tx.commit(ctx, "delete task "+id)
}
