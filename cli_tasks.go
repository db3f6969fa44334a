package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"sentry/backend/app"
	"sentry/backend/core"
	"sentry/sync/client"
)

const tasksUsage = `Usage:
  sentry tasks add TITLE [--due RFC3339] [--priority P] [--team TEAM_ID] [--assignee USER_ID|EMAIL|me] [--json]
  sentry tasks list [--status S[,S…]] [--mine] [--json]
  sentry tasks edit ID [--title T] [--status S] [--priority P] [--due RFC3339|none] [--assignee USER_ID|EMAIL|me|none]
  sentry tasks done ID
  sentry tasks rm ID
Every command takes --data DIR (or SENTRY_DATA_DIR) and works on that folder's local
profile. An ID may be shortened to any unique beginning or end of at least 4 characters
(the list shows each task's last 8). A team task's assignee is one of the team's members
(an email is looked up on the team server); a personal task's only you.`

// runTasks is the task list from the shell: what the desktop's Tasks
// screen does, for headless devices and scripts.
func runTasks(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprintln(stderr, tasksUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub := args[0]
	fs := newFlagSet("tasks "+sub, "Your task list.", stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, tasksUsage) }
	asJSON := fs.Bool("json", false, "print JSON, with the API's fields")
	due := fs.String("due", "", "deadline, RFC 3339 (edit: 'none' clears it)")
	priority := fs.String("priority", "", "low, medium, high or urgent")
	team := fs.String("team", "", "the team the new task belongs to")
	title := fs.String("title", "", "new title")
	status := fs.String("status", "", "todo, in_progress, done or cancelled (list: comma-separated)")
	assignee := fs.String("assignee", "", "who the task is assigned to: a member's id or email, me, or none")
	mine := fs.Bool("mine", false, "list only the tasks assigned to you")
	pos, code, ok := parseInterleaved(fs, args[1:])
	if !ok {
		return code
	}
	want := map[string]int{"add": 1, "list": 0, "edit": 1, "done": 1, "rm": 1}
	n, known := want[sub]
	if !known {
		fmt.Fprintf(stderr, "sentry tasks: unknown command %q\n\n%s\n", sub, tasksUsage)
		return 2
	}
	if len(pos) != n {
		fmt.Fprintf(stderr, "sentry tasks %s: expected %d argument(s), got %d\n\n%s\n", sub, n, len(pos), tasksUsage)
		return 2
	}
	a, uctx, code, ok := localApp(ctx, fs, nil, stderr, getenv)
	if !ok {
		return code
	}
	defer a.Close()
	u := core.UserFromContext(uctx)
	fail := func(err error) int {
		msg := core.ErrorMessage(err)
		if f := core.ErrorField(err); f != "" && !strings.Contains(strings.ToLower(msg), strings.ReplaceAll(f, "_", " ")) {
			msg = f + ": " + msg
		}
		fmt.Fprintf(stderr, "sentry tasks %s: %s\n", sub, msg)
		return 1
	}
	show := func(t *core.Task, verb string) int {
		if *asJSON {
			return printJSON(stdout, t)
		}
		fmt.Fprintf(stdout, "%s %s: %s\n", verb, shortID(t.ID), t.Title)
		return 0
	}
	switch sub {
	case "add":
		t := &core.Task{Title: pos[0], Priority: *priority, TeamID: *team}
		if *assignee != "" {
			id, err := resolveAssignee(uctx, a, u.ID, *team, *assignee)
			if err != nil {
				return fail(err)
			}
			t.AssigneeID = id
		}
		if *due != "" {
			d, err := parseCLITime("due", *due)
			if err != nil {
				return fail(err)
			}
			t.Deadline = &d
		}
		created, err := a.Tasks.Create(uctx, u.ID, t)
		if err != nil {
			return fail(err)
		}
		return show(created, "Added")
	case "list":
		f := core.TaskFilter{UserID: u.ID, Limit: core.MaxTaskLimit, Sort: core.SortDeadline}
		if *mine {
			f.AssigneeID = u.ID
		}
		for _, s := range strings.Split(*status, ",") {
			if s = strings.TrimSpace(s); s != "" {
				f.Statuses = append(f.Statuses, s)
			}
		}
		all, err := allTasks(uctx, a, f)
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			return printJSON(stdout, map[string]any{"tasks": all})
		}
		printTaskTable(stdout, all, u.ID)
		return 0
	}
	t, err := findTask(uctx, a, u.ID, pos[0])
	if err != nil {
		return fail(err)
	}
	var upd core.TaskUpdate
	switch sub {
	case "rm":
		if err := a.Tasks.Delete(uctx, u.ID, t.ID); err != nil {
			return fail(err)
		}
		if *asJSON {
			return printJSON(stdout, map[string]any{"deleted": t.ID})
		}
		fmt.Fprintf(stdout, "Deleted %s: %s\n", shortID(t.ID), t.Title)
		return 0
	case "done":
		s := core.StatusDone
		upd.Status = &s
	case "edit":
		fs.Visit(func(fl *flag.Flag) {
			switch fl.Name {
			case "title":
				upd.Title = title
			case "status":
				upd.Status = status
			case "priority":
				upd.Priority = priority
			}
		})
		if *assignee != "" {
			id, err := resolveAssignee(uctx, a, u.ID, t.TeamID, *assignee)
			if err != nil {
				return fail(err)
			}
			upd.AssigneeID = &id
		}
		if *due == "none" {
			upd.Deadline = core.Patch[time.Time]{Set: true, Null: true}
		} else if *due != "" {
			d, err := parseCLITime("due", *due)
			if err != nil {
				return fail(err)
			}
			upd.Deadline = core.Patch[time.Time]{Set: true, Value: d}
		}
	}
	updated, err := a.Tasks.Update(uctx, u.ID, t.ID, upd)
	if err != nil {
		return fail(err)
	}
	return show(updated, map[string]string{"done": "Done", "edit": "Updated"}[sub])
}

// parseInterleaved parses flags wherever they stand among the arguments
// and returns the others in order.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0, false
			}
			return nil, 2, false
		}
		if fs.NArg() == 0 {
			return pos, 0, true
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseCLITime reads an RFC 3339 time (or a date, as midnight UTC) in the
// range every store keeps.
func parseCLITime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, s); err != nil {
			return time.Time{}, core.FieldError(field, "--%s must be an RFC 3339 time such as 2026-12-04T17:00:00Z, or a date such as 2026-12-04.", field)
		}
	}
	if err := core.CheckTime(field, t); err != nil {
		return time.Time{}, err
	}
	return t.UTC().Truncate(time.Millisecond), nil
}

// allTasks reads every page of a filter.
func allTasks(ctx context.Context, a *app.App, f core.TaskFilter) ([]*core.Task, error) {
	out := []*core.Task{}
	for {
		page, next, err := a.Tasks.List(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// findTask finds one of the caller's tasks by id or a unique beginning or
// end of it (at least 4 characters).
func findTask(ctx context.Context, a *app.App, userID, id string) (*core.Task, error) {
	if core.ValidID(id) {
		return a.Tasks.Get(ctx, userID, id)
	}
	if len(id) < 4 {
		return nil, core.Errorf(core.EINVALID, "Give at least 4 characters of the task's id (see 'sentry tasks list').")
	}
	all, err := allTasks(ctx, a, core.TaskFilter{UserID: userID, Limit: core.MaxTaskLimit})
	if err != nil {
		return nil, err
	}
	var found []*core.Task
	for _, t := range all {
		if s := strings.ToLower(id); strings.HasPrefix(t.ID, s) || strings.HasSuffix(t.ID, s) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, core.Errorf(core.ENOTFOUND, "No task's id begins or ends with %q (see 'sentry tasks list').", id)
	case 1:
		return found[0], nil
	}
	return nil, core.Errorf(core.ECONFLICT, "%d tasks' ids begin or end with %q; give more of the id.", len(found), id)
}

// shortID is the part of an id a person types: UUIDv7s made close in
// time share their beginning, so the random tail is shown.
func shortID(id string) string {
	if len(id) == 36 {
		return id[len(id)-8:]
	}
	return id
}

// resolveAssignee turns --assignee into a user id: "me" and "none", an id
// (the server's id of this device's own account is its local one here), or
// an email looked up among the team's members on the team server.
func resolveAssignee(ctx context.Context, a *app.App, me, teamID, v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "none":
		return "", nil
	case v == "me":
		return me, nil
	case core.ValidID(v):
		if a.DB != nil {
			if b, err := a.DB.SyncBinding(ctx); err == nil && strings.EqualFold(b.RemoteUserID, v) {
				return me, nil
			}
		}
		return strings.ToLower(v), nil
	case !strings.Contains(v, "@"):
		return "", core.FieldError("assignee", "--assignee takes a member's id or email, me, or none.")
	case teamID == "":
		return "", core.FieldError("assignee", "A personal task can be assigned only to you (--assignee me); put it in a team to assign it to someone else.")
	}
	eng, err := a.NewSyncEngine(ctx, nil)
	if err != nil {
		return "", err
	}
	members, err := eng.TeamMembers(ctx, teamID)
	if err != nil {
		var se *client.Error
		if errors.As(err, &se) {
			return "", core.FieldError("assignee", "Looking up %s among the team's members needs the team server: %s; give the member's id instead.", v, se.Message)
		}
		return "", err
	}
	for _, m := range members {
		if strings.EqualFold(m.Email, v) {
			return m.UserID, nil
		}
	}
	return "", core.FieldError("assignee", "%s is not a member of the task's team.", v)
}

func printTaskTable(w io.Writer, tasks []*core.Task, me string) {
	if len(tasks) == 0 {
		fmt.Fprintln(w, "No tasks. Add one with: sentry tasks add \"Call the landlord\" --due 2026-12-04")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tPRIORITY\tDUE\tASSIGNEE\tTITLE")
	for _, t := range tasks {
		due := "-"
		if t.Deadline != nil {
			due = t.Deadline.Local().Format("2006-01-02 15:04")
			if t.Deadline.Local().Format("15:04") == "00:00" {
				due = t.Deadline.Local().Format("2006-01-02")
			}
		}
		who := "-"
		switch t.AssigneeID {
		case "":
		case me:
			who = "me"
		default:
			who = shortID(t.AssigneeID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", shortID(t.ID), t.Status, t.Priority, due, who, t.Title)
	}
	tw.Flush()
}

func printJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 1
	}
	return 0
}
