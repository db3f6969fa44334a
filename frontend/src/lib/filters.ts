// The task list's filters and how they become a list query.

import type { TaskQuery } from './api';
import { dueRange, type DueFilter } from './dates';

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
  else if (f.due === 'overdue') q.status = 'todo,in_progress';
  const words = f.q.trim();
  if (words) q.q = words;
  if (cursor) q.cursor = cursor;
  return q;
}

/** Whether any filter narrows the list (to word the empty state). */
export function isFiltered(f: TaskFilters): boolean {
  return f.status !== 'all' || f.due !== 'any' || f.q.trim() !== '';
}
