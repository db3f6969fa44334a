// The task editor's form: what the user types, checked lightly for a quick
// answer (the API checks everything again), and turned into API input.

import type { Task, TaskInput, TaskPriority, TaskStatus, TaskType } from './api';
import { fromLocalInput, toLocalInput } from './dates';

export interface TaskForm {
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  task_type: TaskType;
  /** datetime-local values, local time; '' when unset. */
  deadline: string;
  start_time: string;
  end_time: string;
  /** As typed; '' when unset. */
  estimated_hours: string;
  can_delegate: boolean;
  /** The assignee's user id; '' for nobody. */
  assignee_id: string;
}

export interface FieldProblem {
  field: keyof TaskForm;
  message: string;
}

export const MAX_TITLE = 255;

export const priorityOptions: { value: TaskPriority; label: string }[] = [
  { value: 'low', label: 'Low' },
  { value: 'medium', label: 'Medium' },
  { value: 'high', label: 'High' },
  { value: 'urgent', label: 'Urgent' },
];

export const statusLabels: Record<TaskStatus, string> = {
  todo: 'To do',
  in_progress: 'In progress',
  done: 'Done',
  cancelled: 'Cancelled',
};

export function emptyForm(): TaskForm {
  return {
    title: '',
    description: '',
    status: 'todo',
    priority: 'medium',
    task_type: 'task',
    deadline: '',
    start_time: '',
    end_time: '',
    estimated_hours: '',
    can_delegate: false,
    assignee_id: '',
  };
}

export function formFromTask(t: Task): TaskForm {
  return {
    title: t.title,
    description: t.description ?? '',
    status: t.status,
    priority: t.priority,
    task_type: t.task_type,
    deadline: toLocalInput(t.deadline),
    start_time: toLocalInput(t.start_time),
    end_time: toLocalInput(t.end_time),
    estimated_hours: t.estimated_hours == null ? '' : String(t.estimated_hours),
    can_delegate: t.can_delegate,
    assignee_id: typeof t.assignee_id === 'string' ? t.assignee_id : '',
  };
}

/** null when empty, NaN when not a number. */
function parseHours(s: string): number | null {
  const v = s.trim();
  if (v === '') return null;
  const n = Number(v.replace(',', '.'));
  return Number.isFinite(n) ? n : NaN;
}

/** The first problem a user can fix before sending, or null. */
export function validateForm(f: TaskForm): FieldProblem | null {
  const title = f.title.trim();
  if (!title) return { field: 'title', message: 'Give the task a title.' };
  if ([...title].length > MAX_TITLE) {
    return { field: 'title', message: `Keep the title to ${MAX_TITLE} characters or fewer.` };
  }
  if (f.deadline && fromLocalInput(f.deadline) === null) {
    return { field: 'deadline', message: 'Enter a valid date and time.' };
  }
  if (f.task_type === 'meeting') {
    if (!f.start_time || fromLocalInput(f.start_time) === null) {
      return { field: 'start_time', message: 'A meeting needs a start time.' };
    }
    if (!f.end_time || fromLocalInput(f.end_time) === null) {
      return { field: 'end_time', message: 'A meeting needs an end time.' };
    }
    if (new Date(fromLocalInput(f.start_time)!) >= new Date(fromLocalInput(f.end_time)!)) {
      return { field: 'end_time', message: 'The meeting must end after it starts.' };
    }
  }
  const hours = parseHours(f.estimated_hours);
  if (hours !== null && (Number.isNaN(hours) || hours < 0)) {
    return { field: 'estimated_hours', message: 'Estimated hours must be a number, 0 or more.' };
  }
  return null;
}

/** Start and end only count for meetings; a plain task sends neither. */
function times(f: TaskForm): { start: string | null; end: string | null } {
  if (f.task_type !== 'meeting') return { start: null, end: null };
  return { start: fromLocalInput(f.start_time), end: fromLocalInput(f.end_time) };
}

/** The body for creating a task from the form (call validateForm first). */
export function inputFromForm(f: TaskForm): TaskInput {
  const input: TaskInput = {
    title: f.title.trim(),
    description: f.description,
    status: f.status,
    priority: f.priority,
    task_type: f.task_type,
    can_delegate: f.can_delegate,
  };
  const deadline = fromLocalInput(f.deadline);
  if (deadline) input.deadline = deadline;
  const { start, end } = times(f);
  if (start) input.start_time = start;
  if (end) input.end_time = end;
  const hours = parseHours(f.estimated_hours);
  if (hours !== null && !Number.isNaN(hours)) input.estimated_hours = hours;
  if (f.assignee_id) input.assignee_id = f.assignee_id;
  return input;
}

/**
 * A partial update with only what the form changed; a cleared date or
 * number is sent as null. Times compare at the editor's precision (minutes),
 * so an untouched deadline keeps its seconds.
 */
export function changesFromForm(t: Task, f: TaskForm): TaskInput {
  const before = formFromTask(t);
  const out: TaskInput = {};
  const title = f.title.trim();
  if (title !== t.title) out.title = title;
  if (f.description !== before.description) out.description = f.description;
  if (f.status !== t.status) out.status = f.status;
  if (f.priority !== t.priority) out.priority = f.priority;
  if (f.task_type !== t.task_type) out.task_type = f.task_type;
  if (f.can_delegate !== t.can_delegate) out.can_delegate = f.can_delegate;
  if (f.deadline !== before.deadline) out.deadline = fromLocalInput(f.deadline);
  const { start, end } = times(f);
  if (toLocalInput(start) !== before.start_time) out.start_time = start;
  if (toLocalInput(end) !== before.end_time) out.end_time = end;
  const hours = parseHours(f.estimated_hours);
  const newHours = hours === null || Number.isNaN(hours) ? null : hours;
  if (newHours !== t.estimated_hours) out.estimated_hours = newHours;
  if (f.assignee_id !== before.assignee_id) out.assignee_id = f.assignee_id;
  return out;
}

/** Everything needed to create the same task again (to undo a delete). */
export function undoInput(t: Task): TaskInput {
  const input: TaskInput = {
    title: t.title,
    description: t.description,
    status: t.status,
    priority: t.priority,
    task_type: t.task_type,
    deadline: t.deadline,
    start_time: t.start_time,
    end_time: t.end_time,
    location: t.location,
    attendees: t.attendees ?? [],
    estimated_hours: t.estimated_hours,
    actual_hours: t.actual_hours,
    can_delegate: t.can_delegate,
    is_optional: t.is_optional,
    is_recurring: t.is_recurring,
    recurrence_rule: t.recurrence_rule,
  };
  if (t.source) input.source = t.source;
  if (typeof t.meeting_url === 'string' && t.meeting_url) input.meeting_url = t.meeting_url;
  if (Array.isArray(t.tags)) input.tags = t.tags as string[];
  if (typeof t.source_id === 'string' && t.source_id) input.source_id = t.source_id;
  return input;
}
