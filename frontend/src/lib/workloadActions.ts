// Acting on a recommendation in one step: what to change in the user's
// tasks for each kind, through the same task API the Tasks screen uses (so
// every change is validated there), and how to put it back. Planning is
// pure — it turns a recommendation and the tasks as they are now into
// requests — and the runner sends them, undoing what it did when a later
// request fails. The rule for each kind is in docs/WORKLOAD.md.

import { ApiError, type Task, type TaskInput } from './api';
import { formatDay, formatSlot, type Recommendation } from './workload';

/** One request to the task API. */
export type Step =
  | { op: 'update'; taskId: string; changes: TaskInput }
  | { op: 'create'; input: TaskInput }
  | { op: 'delete'; taskId: string };

export interface ApplyPlan {
  steps: Step[];
  /** What was done, for "Applied: …" ("Moved “Report” to Mon 14 Dec."). */
  summary: string;
}

/** Why a recommendation cannot be applied (or undone) as it stands. */
export class ActionProblem extends Error {
  readonly code: 'gone' | 'changed' | 'unreadable';
  constructor(code: ActionProblem['code'], message: string) {
    super(message);
    this.name = 'ActionProblem';
    this.code = code;
  }
}

/** The title of the meeting a focus block becomes. */
export const FOCUS_TITLE = 'Focus time';

const OPEN = new Set(['todo', 'in_progress']);

const quote = (t: string) => `“${t || 'Untitled task'}”`;

const validTime = (iso: string) => iso !== '' && !Number.isNaN(new Date(iso).getTime());

/** Kinds Accept changes tasks for; a delegation only records the answer. */
export function appliesChanges(kind: string): boolean {
  return kind === 'reschedule' || kind === 'skip_meeting' || kind === 'focus_block' || kind === 'split';
}

/** The tasks to read before acting on rec (their current values decide, and undo restores them). */
export function tasksToRead(rec: Recommendation): string[] {
  if (rec.kind === 'reschedule' || rec.kind === 'skip_meeting' || rec.kind === 'split') {
    return rec.tasks.slice(0, 1).map((t) => t.id).filter((id) => id !== '');
  }
  return [];
}

function gone(title: string): ActionProblem {
  return new ActionProblem('gone', `${quote(title)} no longer exists, so nothing was changed. Press Suggest again for fresh suggestions.`);
}

function changed(why: string): ActionProblem {
  return new ActionProblem('changed', `${why} Nothing was changed; press Suggest again for fresh suggestions.`);
}

function stale(): ActionProblem {
  return new ActionProblem('unreadable', 'This suggestion lacks what is needed to apply it. Press Suggest again, then Accept the new one.');
}

const statusWords: Record<string, string> = { done: 'done', cancelled: 'cancelled' };

/**
 * The requests that carry rec out, given the tasks as they are now (keyed by
 * id). Throws ActionProblem when a task is missing or no longer what the
 * suggestion was about. A delegation has no steps.
 */
export function planApply(rec: Recommendation, current: ReadonlyMap<string, Task>, timeZone?: string): ApplyPlan {
  const ref = rec.tasks[0];
  const task = ref ? current.get(ref.id) : undefined;
  const needTask = (): Task => {
    if (!ref || !ref.id) throw stale();
    if (!task) throw gone(ref.title);
    return task;
  };
  const needOpen = (t: Task) => {
    if (!OPEN.has(t.status)) throw changed(`${quote(t.title)} is ${statusWords[t.status] ?? t.status} now.`);
  };
  switch (rec.kind) {
    case 'reschedule': {
      const t = needTask();
      needOpen(t);
      if (t.task_type === 'meeting') throw changed(`${quote(t.title)} is a meeting now.`);
      if (!validTime(ref.new_deadline)) throw stale();
      return {
        steps: [{ op: 'update', taskId: t.id, changes: { deadline: ref.new_deadline } }],
        summary: `Moved ${quote(t.title)} to ${formatDay(ref.new_deadline, timeZone)}.`,
      };
    }
    case 'skip_meeting': {
      const t = needTask();
      if (t.task_type !== 'meeting') throw changed(`${quote(t.title)} is no longer a meeting.`);
      if (t.status === 'cancelled' || t.status === 'done') throw changed(`The meeting ${quote(t.title)} is ${statusWords[t.status]} already.`);
      return {
        steps: [{ op: 'update', taskId: t.id, changes: { status: 'cancelled' } }],
        summary: `Cancelled the meeting ${quote(t.title)}.`,
      };
    }
    case 'focus_block': {
      const slot = rec.slot;
      if (!slot || !validTime(slot.start) || !validTime(slot.end)) throw stale();
      return {
        steps: [
          {
            op: 'create',
            input: {
              title: FOCUS_TITLE,
              task_type: 'meeting',
              start_time: slot.start,
              end_time: slot.end,
              deadline: slot.end,
              source: 'sentry',
              description: 'Protected for focused work, from a Dashboard suggestion.',
            },
          },
        ],
        summary: `Added ${quote(FOCUS_TITLE)} on ${formatSlot(slot.start, slot.end, timeZone)}.`,
      };
    }
    case 'split': {
      const t = needTask();
      needOpen(t);
      const parts = ref.parts.filter((p) => p.title !== '' && validTime(p.deadline));
      if (parts.length === 0) throw stale();
      const steps: Step[] = parts.map((p) => ({
        op: 'create',
        input: {
          title: p.title,
          estimated_hours: p.estimated_hours,
          deadline: p.deadline,
          priority: t.priority,
          source: 'sentry',
          parent_id: t.id,
          ...(t.description ? { description: t.description } : {}),
        },
      }));
      // Replaced by its parts, not finished: cancelled keeps it out of the completion figures.
      steps.push({ op: 'update', taskId: t.id, changes: { status: 'cancelled' } });
      return {
        steps,
        summary: `Split ${quote(t.title)} into ${parts.length} task${parts.length === 1 ? '' : 's'} and cancelled the original.`,
      };
    }
    case 'delegate':
      return { steps: [], summary: `Accepted. Hand ${quote(ref?.title ?? '')} over, then mark it in Tasks.` };
    default:
      return { steps: [], summary: 'Accepted.' };
  }
}

/** What an applied change did, enough to put it back. */
export interface Applied {
  /** Tasks changed: the fields as they were, and the version the change left. */
  updated: { taskId: string; title: string; before: TaskInput; version: number }[];
  /** Tasks created, with the version they were created at. */
  created: { taskId: string; title: string; version: number }[];
}

/** The fields of task that changes would overwrite, as they are now. */
export function fieldsBefore(task: Task, changes: TaskInput): TaskInput {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(changes)) {
    const v = (task as Record<string, unknown>)[k];
    out[k] = v === undefined ? null : v;
  }
  return out as TaskInput;
}

/** The requests that undo an applied change: created tasks go (newest first), changed fields come back. */
export function planUndo(applied: Applied): Step[] {
  const steps: Step[] = [];
  for (const c of [...applied.created].reverse()) steps.push({ op: 'delete', taskId: c.taskId });
  for (const u of applied.updated) steps.push({ op: 'update', taskId: u.taskId, changes: u.before });
  return steps;
}

/**
 * Checks the tasks an undo touches are as the change left them (keyed by
 * id; a missing one was deleted). Throws ActionProblem otherwise, so a later
 * edit is never overwritten.
 */
export function checkUndo(applied: Applied, current: ReadonlyMap<string, Task>): void {
  for (const u of applied.updated) {
    const t = current.get(u.taskId);
    if (!t) throw new ActionProblem('gone', `${quote(u.title)} was deleted since, so the change cannot be undone.`);
    if (t.version !== u.version) {
      throw new ActionProblem('changed', `${quote(u.title)} was changed since, so the change was not undone. Edit it in Tasks.`);
    }
  }
  for (const c of applied.created) {
    const t = current.get(c.taskId);
    if (t && t.version !== c.version) {
      throw new ActionProblem('changed', `${quote(c.title)} was changed since, so the change was not undone. Edit or delete it in Tasks.`);
    }
  }
}

/** The task calls the runner needs (the API client's). */
export interface TaskClient {
  getTask(userId: string, taskId: string): Promise<Task>;
  createTask(userId: string, input: TaskInput): Promise<Task>;
  updateTask(userId: string, taskId: string, changes: TaskInput): Promise<Task>;
  deleteTask(userId: string, taskId: string): Promise<void>;
}

/** A 404 or 409 from the task API in the words of this screen; anything else as it came. */
export function asProblem(e: unknown, title: string): unknown {
  if (e instanceof ApiError && e.code === 'not_found') return gone(title);
  if (e instanceof ApiError && e.code === 'conflict') return changed(`${quote(title)} was changed elsewhere.`);
  return e;
}

/** Reads the tasks by id; a 404 becomes "gone" for the named task. */
async function readTasks(client: TaskClient, userId: string, ids: { id: string; title: string }[], missingOk: boolean) {
  const out = new Map<string, Task>();
  for (const { id, title } of ids) {
    try {
      out.set(id, await client.getTask(userId, id));
    } catch (e) {
      if (missingOk && e instanceof ApiError && e.code === 'not_found') continue;
      throw asProblem(e, title);
    }
  }
  return out;
}

async function run(client: TaskClient, userId: string, steps: Step[], titles: (s: Step) => string, applied: Applied, current: Map<string, Task>) {
  for (const s of steps) {
    try {
      if (s.op === 'create') {
        const t = await client.createTask(userId, s.input);
        applied.created.push({ taskId: t.id, title: t.title, version: t.version });
      } else if (s.op === 'update') {
        const before = current.get(s.taskId);
        const t = await client.updateTask(userId, s.taskId, s.changes);
        applied.updated.push({
          taskId: s.taskId,
          title: t.title,
          before: before ? fieldsBefore(before, s.changes) : {},
          version: t.version,
        });
      } else {
        await client.deleteTask(userId, s.taskId);
      }
    } catch (e) {
      throw asProblem(e, titles(s));
    }
  }
}

/** Puts back what applied did, as far as it goes (used after a later step failed). */
async function rollBack(client: TaskClient, userId: string, applied: Applied): Promise<void> {
  for (const s of planUndo(applied)) {
    try {
      if (s.op === 'delete') await client.deleteTask(userId, s.taskId);
      else if (s.op === 'update') await client.updateTask(userId, s.taskId, s.changes);
    } catch {
      // Best effort: the error that stopped the change is the one to show.
    }
  }
}

/**
 * Applies rec: reads its tasks, plans, sends the changes, then record()s the
 * feedback. When anything fails the changes made so far are put back and
 * the error is thrown (an ActionProblem for a task that vanished or
 * changed); feedback is recorded only after every change went through.
 */
export async function applyRecommendation(
  client: TaskClient,
  userId: string,
  rec: Recommendation,
  record: () => Promise<unknown>,
  timeZone?: string,
): Promise<{ plan: ApplyPlan; applied: Applied }> {
  const refs = tasksToRead(rec).map((id) => ({ id, title: rec.tasks.find((t) => t.id === id)?.title ?? '' }));
  const current = await readTasks(client, userId, refs, false);
  const plan = planApply(rec, current, timeZone);
  const applied: Applied = { updated: [], created: [] };
  const title = (s: Step) => (s.op === 'create' ? (s.input.title ?? '') : (current.get(s.taskId)?.title ?? rec.tasks[0]?.title ?? ''));
  try {
    await run(client, userId, plan.steps, title, applied, current);
    await record();
  } catch (e) {
    await rollBack(client, userId, applied);
    throw e;
  }
  return { plan, applied };
}

/** Undoes an applied change after checking nothing was edited since. */
export async function undoRecommendation(client: TaskClient, userId: string, applied: Applied): Promise<void> {
  const ids = [
    ...applied.updated.map((u) => ({ id: u.taskId, title: u.title })),
    ...applied.created.map((c) => ({ id: c.taskId, title: c.title })),
  ];
  const current = await readTasks(client, userId, ids, true);
  checkUndo(applied, current);
  for (const s of planUndo(applied)) {
    try {
      if (s.op === 'delete') {
        // Already deleted by the user: nothing left to undo for it.
        if (current.has(s.taskId)) await client.deleteTask(userId, s.taskId);
      } else if (s.op === 'update') {
        await client.updateTask(userId, s.taskId, s.changes);
      }
    } catch (e) {
      const t = applied.updated.find((u) => u.taskId === (s as { taskId: string }).taskId) ?? applied.created.find((c) => c.taskId === (s as { taskId: string }).taskId);
      throw asProblem(e, t?.title ?? '');
    }
  }
}
