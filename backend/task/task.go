// Package task is the task use case: create, list, read, update and delete
// a user's tasks and meetings, with validation, ownership and events.
package task

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"sentry/backend/core"
)

// Service owns the rules of tasks; stores only persist.
type Service struct {
	// Teams, when set, lets team members see and edit their teams' tasks.
	Teams core.TeamMembership
	// Mirrors, when set, names the teams this device holds as copies of a
	// team server's: their members are not all known here, so a team
	// task's assignee is checked by the server when the task syncs.
	Mirrors interface {
		MirroredTeam(ctx context.Context, teamID string) (bool, error)
	}
	store  core.TaskStore
	events core.EventPublisher
	logger *slog.Logger
	now    func() time.Time
}

// NewService returns a task service. events may be nil.
func NewService(store core.TaskStore, events core.EventPublisher, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, events: events, logger: logger, now: time.Now}
}

func (s *Service) publish(ctx context.Context, typ string, t *core.Task, fields []string) {
	if s.events != nil {
		s.events.Publish(ctx, core.Event{Type: typ, UserID: t.UserID, Payload: t, Fields: fields})
	}
}

// ApplyDefaults fills the defaults of a new task.
func ApplyDefaults(t *core.Task) {
	if t.Status == "" {
		t.Status = core.StatusTodo
	}
	if t.Priority == "" {
		t.Priority = core.PriorityMedium
	}
	if t.TaskType == "" {
		t.TaskType = core.TaskTypeTask
	}
	if t.Source == "" {
		t.Source = core.SourceSentry
	}
	if t.Attendees == nil {
		t.Attendees = []string{}
	}
	if t.Tags == nil {
		t.Tags = []string{}
	}
}

// Create adds a task for userID, who must be the caller.
func (s *Service) Create(ctx context.Context, userID string, t *core.Task) (*core.Task, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	return s.CreateFor(ctx, userID, t)
}

// CreateFor adds a task for userID on behalf of the system (extraction,
// integrations) after the caller has checked ownership.
func (s *Service) CreateFor(ctx context.Context, userID string, t *core.Task) (*core.Task, error) {
	t.ID, t.UserID = "", userID
	t.Title, t.Description = strings.TrimSpace(t.Title), strings.TrimSpace(t.Description)
	ApplyDefaults(t)
	if t.Status == core.StatusDone && t.CompletedAt == nil {
		now := s.now().UTC()
		t.CompletedAt = &now
	} else if t.Status != core.StatusDone {
		t.CompletedAt = nil
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if t.TeamID != "" {
		if role, err := s.teamRole(ctx, t.TeamID, userID); err != nil {
			return nil, err
		} else if role == "" {
			return nil, core.Errorf(core.ENOTFOUND, "Team not found.")
		}
	}
	if err := s.checkAssignee(ctx, t, t.AssigneeID); err != nil {
		return nil, err
	}
	if err := s.checkParent(ctx, userID, "", t.ParentID); err != nil {
		return nil, err
	}
	if err := s.store.CreateTask(ctx, t); err != nil {
		return nil, err
	}
	s.publish(ctx, core.EventTaskCreated, t, nil)
	return t, nil
}

// Get returns one of the caller's tasks; not_found for anyone else's.
func (s *Service) Get(ctx context.Context, userID, id string) (*core.Task, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	t, err := s.store.FindTaskByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.access(ctx, userID, t); err != nil {
		return nil, err
	}
	return t, nil
}

// teamRole is userID's role in teamID ("" outside it, or without teams).
func (s *Service) teamRole(ctx context.Context, teamID, userID string) (string, error) {
	if s.Teams == nil || teamID == "" {
		return "", nil
	}
	return s.Teams.TeamRole(ctx, teamID, userID)
}

// access says how userID may reach t: a personal task only by its
// creator ("creator"); a team task only through the team — its creator
// too, who keeps creator's rights only while a member. Anyone else gets
// not_found, exactly as for a task that does not exist.
func (s *Service) access(ctx context.Context, userID string, t *core.Task) (string, error) {
	notFound := core.Errorf(core.ENOTFOUND, "Task not found.")
	if t.TeamID == "" {
		if t.UserID == userID {
			return "creator", nil
		}
		return "", notFound
	}
	role, err := s.teamRole(ctx, t.TeamID, userID)
	if err != nil {
		return "", err
	}
	switch {
	case role == "":
		return "", notFound
	case role == core.RoleMember && t.UserID == userID:
		return "creator", nil
	}
	return role, nil
}

// checkAssignee says whether t (its owner and team as stored) may be
// assigned to assigneeID: anyone in its team, or for a personal task its
// owner; "" unassigns. Someone outside the team is refused like a stranger,
// whether or not the account exists.
func (s *Service) checkAssignee(ctx context.Context, t *core.Task, assigneeID string) error {
	if assigneeID == "" {
		return nil
	}
	if !core.ValidID(assigneeID) {
		return core.FieldError("assignee_id", "assignee_id must be a user's id, or empty to unassign.")
	}
	if t.TeamID == "" {
		if assigneeID != t.UserID {
			return core.FieldError("assignee_id", "A personal task can be assigned only to you; put it in a team to assign it to someone else.")
		}
		return nil
	}
	role, err := s.teamRole(ctx, t.TeamID, assigneeID)
	if err != nil || role != "" {
		return err
	}
	if s.Mirrors != nil {
		mirrored, err := s.Mirrors.MirroredTeam(ctx, t.TeamID)
		if err != nil || mirrored {
			return err
		}
	}
	return core.ErrAssigneeNotMember()
}

// List returns a page of the caller's tasks.
func (s *Service) List(ctx context.Context, f core.TaskFilter) ([]*core.Task, string, error) {
	if _, err := core.RequireSelf(ctx, f.UserID); err != nil {
		return nil, "", err
	}
	if err := f.Normalize(); err != nil {
		return nil, "", err
	}
	if s.Teams != nil {
		ids, err := s.Teams.TeamIDs(ctx, f.UserID)
		if err != nil {
			return nil, "", err
		}
		f.TeamIDs = ids
	}
	return s.store.FindTasks(ctx, f)
}

// Update changes one of the caller's tasks.
func (s *Service) Update(ctx context.Context, userID, id string, upd core.TaskUpdate) (*core.Task, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	if upd.Title != nil {
		trimmed := strings.TrimSpace(*upd.Title)
		upd.Title = &trimmed
	}
	if upd.ParentID != nil {
		if err := s.checkParent(ctx, userID, id, *upd.ParentID); err != nil {
			return nil, err
		}
	}
	var before core.Task
	t, err := s.store.UpdateTask(ctx, id, upd, func(cur *core.Task) error {
		if _, err := s.access(ctx, userID, cur); err != nil {
			return err
		}
		if upd.AssigneeID != nil && *upd.AssigneeID != cur.AssigneeID {
			if err := s.checkAssignee(ctx, cur, *upd.AssigneeID); err != nil {
				return err
			}
		}
		before = *cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t.Version != before.Version {
		s.publish(ctx, core.EventTaskUpdated, t, changedFields(&before, t))
	}
	return t, nil
}

// MaxDepth bounds how deep subtasks nest.
const MaxDepth = 32

// checkParent makes sure parentID, when set, names another live task of
// userID's whose ancestors do not include id (no loops). Someone else's
// task answers exactly as a missing one does, so ids cannot be probed.
func (s *Service) checkParent(ctx context.Context, userID, id, parentID string) error {
	if parentID == "" {
		return nil
	}
	if !core.ValidID(parentID) {
		return core.FieldError("parent_id", "parent_id must be the id of one of your tasks.")
	}
	if parentID == id {
		return core.FieldError("parent_id", "A task cannot be its own parent.")
	}
	cur := parentID
	for depth := 0; cur != ""; depth++ {
		if depth >= MaxDepth {
			return core.FieldError("parent_id", "Subtasks nest at most %d levels deep.", MaxDepth)
		}
		p, err := s.store.FindTaskByID(ctx, cur)
		if err == nil {
			if _, aerr := s.access(ctx, userID, p); core.ErrorCode(aerr) == core.ENOTFOUND {
				err = aerr
			} else if aerr != nil {
				return aerr
			}
		}
		if core.ErrorCode(err) == core.ENOTFOUND {
			if depth == 0 {
				return core.FieldError("parent_id", "parent_id does not name one of your tasks.")
			}
			return nil // an ancestor further up is gone: no loop through it
		} else if err != nil {
			return err
		}
		if id != "" && p.ParentID == id {
			return core.FieldError("parent_id", "That parent is a subtask of this task; a task cannot be nested inside itself.")
		}
		cur = p.ParentID
	}
	return nil
}

// Delete removes one of the caller's tasks.
func (s *Service) Delete(ctx context.Context, userID, id string) error {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return err
	}
	t, err := s.store.FindTaskByID(ctx, id)
	if err != nil {
		return err
	}
	how, err := s.access(ctx, userID, t)
	if err != nil {
		return err
	}
	if how == core.RoleMember {
		return core.Errorf(core.EFORBIDDEN, "Only the task's creator or one of the team's admins can delete it.")
	}
	if err := s.store.DeleteTask(ctx, id); err != nil {
		return err
	}
	s.publish(ctx, core.EventTaskDeleted, t, nil)
	return nil
}

func changedFields(a, b *core.Task) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("title", a.Title != b.Title)
	add("description", a.Description != b.Description)
	add("status", a.Status != b.Status)
	add("priority", a.Priority != b.Priority)
	add("task_type", a.TaskType != b.TaskType)
	add("deadline", !timeEq(a.Deadline, b.Deadline))
	add("start_time", !timeEq(a.StartTime, b.StartTime))
	add("end_time", !timeEq(a.EndTime, b.EndTime))
	add("estimated_hours", !floatEq(a.EstimatedHours, b.EstimatedHours))
	add("can_delegate", a.CanDelegate != b.CanDelegate)
	add("is_optional", a.IsOptional != b.IsOptional)
	add("assignee_id", a.AssigneeID != b.AssigneeID)
	return out
}
