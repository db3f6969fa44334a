// The task list's filters and how they become a list query.

import type { Task, TaskQuery } from './api';
import { dayDiff, dueRange, isDateOnly, type DueFilter } from './dates';

export type StatusFilter = 'all' | 'todo' | 'in_progress' | 'done' | 'cancelled';

export type SortOrder = '-created_at' | 'deadline' | '-priority' | '-updated_at';

export interface TaskFilters {
  status: StatusFilter;
  due: DueFilter;
  q: string;
  sort: SortOrder;
}

export const defaultFilters: TaskFilters = { status: 'all', due: 'any', q: '', sort: '-created_at' };

export const statusOptions: { value: StatusFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'todo', label: 'To do' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'done', label: 'Done' },
  { value: 'cancelled', label: 'Cancelled' },
];

export const dueOptions: { value: DueFilter; label: string }[] = [
  { value: 'any', label: 'Any time' },
  { value: 'overdue', label: 'Overdue' },
  { value: 'today', label: 'Due today' },
  { value: 'week', label: 'Next 7 days' },
];

/** The task views: every task, or the open ones due today, later, or late. */
export type TaskView = 'any' | 'today' | 'upcoming' | 'overdue';

export const viewOptions: { value: TaskView; label: string }[] = [
  { value: 'any', label: 'All' },
  { value: 'today', label: 'Today' },
  { value: 'upcoming', label: 'Upcoming' },
  { value: 'overdue', label: 'Overdue' },
];

/** The filters a view opens with: open tasks by deadline (All keeps the rest). */
export function filtersForView(f: TaskFilters, view: TaskView): TaskFilters {
  if (view === 'any') return { ...f, due: 'any', sort: f.sort === 'deadline' ? '-created_at' : f.sort };
  return { ...f, due: view, sort: 'deadline' };
}

/**
 * Whether a listed task belongs in the view at time now. The server's
 * range is by instant; a day without a time is due until that day ends, so
 * "Overdue" leaves out today's.
 */
export function inView(t: Pick<Task, 'deadline'>, due: DueFilter, now: Date): boolean {
  if (due !== 'overdue' || !t.deadline) return true;
  return !(isDateOnly(t.deadline) && dayDiff(t.deadline, now) >= 0);
}

export const sortOptions: { value: SortOrder; label: string }[] = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'deadline', label: 'Deadline' },
  { value: '-priority', label: 'Priority' },
  { value: '-updated_at', label: 'Recently changed' },
];

export const PAGE_SIZE = 50;

/**
 * The list query for the filters at time now. "Overdue" with every status
 * asks only for open tasks: a finished task past its deadline is not late.
 */
export function buildTaskQuery(f: TaskFilters, now: Date, cursor?: string | null): TaskQuery {
  const q: TaskQuery = { limit: PAGE_SIZE, sort: f.sort, ...dueRange(f.due, now) };
  if (f.status !== 'all') q.status = f.status;
  else if (f.due === 'overdue' || f.due === 'today' || f.due === 'upcoming') q.status = 'todo,in_progress';
  const words = f.q.trim();
  if (words) q.q = words;
  if (cursor) q.cursor = cursor;
  return q;
}

/** Whether any filter narrows the list (to word the empty state). */
export function isFiltered(f: TaskFilters): boolean {
  return f.status !== 'all' || f.due !== 'any' || f.q.trim() !== '';
}
