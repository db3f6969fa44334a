// Quick add: a typed line ("Call mom tomorrow at 6pm !high #family") read by
// the server into task fields, shown as chips before it is saved.

import type { QuickAdd, TaskInput, TaskPriority } from './api';
import { describeDeadline } from './dates';

export interface QuickChip {
  kind: 'due' | 'priority' | 'tag';
  /** What the chip says ("Tomorrow 18:00", "High priority", "#family"). */
  label: string;
  /** The words it came from, when they differ ("tomorrow at 6pm"). */
  from?: string;
}

const priorityNames: Record<TaskPriority, string> = {
  low: 'Low priority',
  medium: 'Medium priority',
  high: 'High priority',
  urgent: 'Urgent',
};

/** The chips for what was understood, in reading order: due, priority, tags. */
export function quickChips(q: QuickAdd, now: Date, locale?: string): QuickChip[] {
  const chips: QuickChip[] = [];
  if (q.deadline) {
    const d = describeDeadline(q.deadline, now, locale, q.date_only);
    chips.push({ kind: 'due', label: d.text, from: q.deadline_text ?? undefined });
  }
  if (q.priority) chips.push({ kind: 'priority', label: priorityNames[q.priority], from: q.priority_text ?? undefined });
  for (const t of q.tags ?? []) chips.push({ kind: 'tag', label: `#${t}` });
  return chips;
}

/**
 * The task to create from what was read. Without a reading (the server did
 * not answer) the line itself is the title. null when there is no title.
 */
export function quickAddInput(text: string, q: QuickAdd | null): TaskInput | null {
  if (!q) {
    const title = text.trim();
    return title ? { title } : null;
  }
  const title = q.title.trim();
  if (!title) return null;
  const input: TaskInput = { title };
  if (q.deadline) input.deadline = new Date(q.deadline).toISOString();
  if (q.priority) input.priority = q.priority;
  if (q.tags?.length) input.tags = [...q.tags];
  return input;
}
