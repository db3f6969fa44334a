import { describe, expect, it } from 'vitest';
import { ApiError, type Task, type TaskInput } from './api';
import type { Recommendation } from './workload';
import {
  ActionProblem,
  applyRecommendation,
  appliesChanges,
  checkUndo,
  fieldsBefore,
  planApply,
  planUndo,
  tasksToRead,
  undoRecommendation,
  type Applied,
  type TaskClient,
} from './workloadActions';

function task(id: string, o: Partial<Task> = {}): Task {
  return {
    id,
    user_id: 'u1',
    title: `Task ${id}`,
    description: '',
    status: 'todo',
    priority: 'low',
    task_type: 'task',
    source: 'manual',
    deadline: '2026-12-10T17:00:00Z',
    start_time: null,
    end_time: null,
    location: '',
    attendees: null,
    estimated_hours: 6,
    actual_hours: null,
    can_delegate: false,
    is_optional: false,
    is_recurring: false,
    recurrence_rule: '',
    completed_at: null,
    created_at: '2026-12-01T09:00:00Z',
    updated_at: '2026-12-01T09:00:00Z',
    version: 1,
    ...o,
  };
}

function rec(kind: string, o: Partial<Recommendation> = {}): Recommendation {
  return { id: 'r1', kind, title: kind, explanation: '', tasks: [], hours_freed: 2, slot: null, status: '', helpful: null, ...o };
}

const ref = (id: string, o: Partial<Recommendation['tasks'][number]> = {}) => ({ id, title: `Task ${id}`, new_deadline: '', parts: [], ...o });

const byId = (...ts: Task[]) => new Map(ts.map((t) => [t.id, t]));

function problem(fn: () => unknown): ActionProblem {
  try {
    fn();
  } catch (e) {
    if (e instanceof ActionProblem) return e;
    throw e;
  }
  throw new Error('no problem raised');
}

describe('planApply', () => {
  it('moves a rescheduled task to the proposed deadline', () => {
    const r = rec('reschedule', { tasks: [ref('t1', { new_deadline: '2026-12-14T17:00:00Z' })] });
    expect(tasksToRead(r)).toEqual(['t1']);
    const p = planApply(r, byId(task('t1')), 'UTC');
    expect(p.steps).toEqual([{ op: 'update', taskId: 't1', changes: { deadline: '2026-12-14T17:00:00Z' } }]);
    expect(p.summary).toBe('Moved “Task t1” to Mon 14 Dec.');
  });

  it('cancels a skipped meeting', () => {
    const r = rec('skip_meeting', { tasks: [ref('m1')] });
    const p = planApply(r, byId(task('m1', { task_type: 'meeting', title: 'All-hands' })));
    expect(p.steps).toEqual([{ op: 'update', taskId: 'm1', changes: { status: 'cancelled' } }]);
    expect(p.summary).toBe('Cancelled the meeting “All-hands”.');
  });

  it('creates a focus-time meeting in the slot', () => {
    const r = rec('focus_block', { slot: { start: '2026-11-27T09:00:00Z', end: '2026-11-27T11:00:00Z' } });
    expect(tasksToRead(r)).toEqual([]);
    const p = planApply(r, new Map(), 'Europe/Berlin');
    expect(p.steps).toHaveLength(1);
    expect(p.steps[0]).toMatchObject({
      op: 'create',
      input: {
        title: 'Focus time',
        task_type: 'meeting',
        start_time: '2026-11-27T09:00:00Z',
        end_time: '2026-11-27T11:00:00Z',
        deadline: '2026-11-27T11:00:00Z',
        source: 'sentry',
      },
    });
    expect(p.summary).toBe('Added “Focus time” on Fri 27 Nov, 10:00–12:00.');
  });

  it('creates the parts of a split, then cancels the original', () => {
    const parts = [
      { title: 'Report (part 1 of 2)', estimated_hours: 1.5, deadline: '2026-12-14T17:00:00Z' },
      { title: 'Report (part 2 of 2)', estimated_hours: 1.5, deadline: '2026-12-15T17:00:00Z' },
    ];
    const r = rec('split', { tasks: [ref('t1', { new_deadline: '2026-12-15T17:00:00Z', parts })] });
    const p = planApply(r, byId(task('t1', { title: 'Report', priority: 'urgent', description: 'Q4 numbers' })));
    expect(p.steps).toEqual([
      { op: 'create', input: { ...parts[0], priority: 'urgent', source: 'sentry', parent_id: 't1', description: 'Q4 numbers' } },
      { op: 'create', input: { ...parts[1], priority: 'urgent', source: 'sentry', parent_id: 't1', description: 'Q4 numbers' } },
      { op: 'update', taskId: 't1', changes: { status: 'cancelled' } },
    ]);
    expect(p.summary).toBe('Split “Report” into 2 tasks and cancelled the original.');
  });

  it('changes nothing for a delegation', () => {
    const r = rec('delegate', { tasks: [ref('t1')] });
    expect(appliesChanges('delegate')).toBe(false);
    expect(tasksToRead(r)).toEqual([]);
    expect(planApply(r, new Map()).steps).toEqual([]);
  });

  it.each([
    { name: 'a vanished task', r: rec('reschedule', { tasks: [ref('t1', { new_deadline: '2026-12-14T17:00:00Z' })] }), tasks: [], code: 'gone', text: /no longer exists/ },
    { name: 'a task done since', r: rec('reschedule', { tasks: [ref('t1', { new_deadline: '2026-12-14T17:00:00Z' })] }), tasks: [task('t1', { status: 'done' })], code: 'changed', text: /is done now/ },
    { name: 'a meeting cancelled since', r: rec('skip_meeting', { tasks: [ref('t1')] }), tasks: [task('t1', { task_type: 'meeting', status: 'cancelled' })], code: 'changed', text: /cancelled already/ },
    { name: 'a meeting that became a task', r: rec('skip_meeting', { tasks: [ref('t1')] }), tasks: [task('t1')], code: 'changed', text: /no longer a meeting/ },
    { name: 'a split of a finished task', r: rec('split', { tasks: [ref('t1', { parts: [{ title: 'p', estimated_hours: 1, deadline: '2026-12-14T17:00:00Z' }] })] }), tasks: [task('t1', { status: 'cancelled' })], code: 'changed', text: /cancelled now/ },
    { name: 'a split from an older server (no parts)', r: rec('split', { tasks: [ref('t1')] }), tasks: [task('t1')], code: 'unreadable', text: /Suggest again/ },
    { name: 'a reschedule without a deadline', r: rec('reschedule', { tasks: [ref('t1')] }), tasks: [task('t1')], code: 'unreadable', text: /Suggest again/ },
    { name: 'a focus block without a slot', r: rec('focus_block'), tasks: [], code: 'unreadable', text: /Suggest again/ },
  ])('refuses $name', ({ r, tasks, code, text }) => {
    const p = problem(() => planApply(r, byId(...tasks)));
    expect(p.code).toBe(code);
    expect(p.message).toMatch(text);
  });
});

describe('undo', () => {
  it('keeps the fields a change overwrites', () => {
    const t = task('t1', { deadline: null, status: 'in_progress' });
    expect(fieldsBefore(t, { deadline: '2026-12-14T17:00:00Z', status: 'cancelled' })).toEqual({ deadline: null, status: 'in_progress' });
  });

  it('deletes created tasks, newest first, and puts fields back', () => {
    const applied: Applied = {
      created: [
        { taskId: 'p1', title: 'P1', version: 1 },
        { taskId: 'p2', title: 'P2', version: 1 },
      ],
      updated: [{ taskId: 't1', title: 'T', before: { status: 'todo' }, version: 2 }],
    };
    expect(planUndo(applied)).toEqual([
      { op: 'delete', taskId: 'p2' },
      { op: 'delete', taskId: 'p1' },
      { op: 'update', taskId: 't1', changes: { status: 'todo' } },
    ]);
  });

  it('refuses when a task was changed or deleted since', () => {
    const applied: Applied = { created: [{ taskId: 'f1', title: 'Focus time', version: 1 }], updated: [{ taskId: 't1', title: 'T', before: {}, version: 2 }] };
    expect(problem(() => checkUndo(applied, byId(task('f1'), task('t1', { version: 3 })))).code).toBe('changed');
    expect(problem(() => checkUndo(applied, byId(task('f1')))).code).toBe('gone');
    expect(problem(() => checkUndo(applied, byId(task('f1', { version: 2 }), task('t1', { version: 2 })))).message).toMatch(/Focus time/);
    expect(() => checkUndo(applied, byId(task('t1', { version: 2 })))).not.toThrow();
  });
});

/** An in-memory task API that logs each request. */
function fakeClient(seed: Task[], fail: { create?: number; update?: ApiError } = {}) {
  const tasks = new Map(seed.map((t) => [t.id, { ...t }]));
  const log: string[] = [];
  let n = 0;
  let creates = 0;
  const client: TaskClient = {
    async getTask(_u, id) {
      log.push(`GET ${id}`);
      const t = tasks.get(id);
      if (!t) throw new ApiError('not_found', 'Task not found.', 404);
      return { ...t };
    },
    async createTask(_u, input: TaskInput) {
      creates++;
      if (fail.create === creates) throw new ApiError('invalid', 'Deadline is not valid.', 400, 'deadline');
      const t = task(`new${++n}`, { ...(input as Partial<Task>) });
      tasks.set(t.id, t);
      log.push(`POST ${t.id} ${input.title}`);
      return { ...t };
    },
    async updateTask(_u, id, changes) {
      log.push(`PUT ${id} ${JSON.stringify(changes)}`);
      if (fail.update) throw fail.update;
      const t = tasks.get(id);
      if (!t) throw new ApiError('not_found', 'Task not found.', 404);
      Object.assign(t, changes, { version: t.version + 1 });
      return { ...t };
    },
    async deleteTask(_u, id) {
      log.push(`DELETE ${id}`);
      if (!tasks.delete(id)) throw new ApiError('not_found', 'Task not found.', 404);
    },
  };
  return { client, tasks, log };
}

describe('applyRecommendation', () => {
  const reschedule = rec('reschedule', { tasks: [ref('t1', { new_deadline: '2026-12-14T17:00:00Z' })] });

  it('reads, changes, records, and undoes a reschedule', async () => {
    const { client, tasks, log } = fakeClient([task('t1')]);
    let recorded = 0;
    const { applied } = await applyRecommendation(client, 'u1', reschedule, async () => recorded++);
    expect(recorded).toBe(1);
    expect(tasks.get('t1')?.deadline).toBe('2026-12-14T17:00:00Z');
    expect(log).toEqual(['GET t1', 'PUT t1 {"deadline":"2026-12-14T17:00:00Z"}']);
    await undoRecommendation(client, 'u1', applied);
    expect(tasks.get('t1')?.deadline).toBe('2026-12-10T17:00:00Z');
  });

  it('records nothing when the task vanished', async () => {
    const { client } = fakeClient([]);
    let recorded = 0;
    await expect(applyRecommendation(client, 'u1', reschedule, async () => recorded++)).rejects.toMatchObject({ code: 'gone' });
    expect(recorded).toBe(0);
  });

  it('says a 409 means the task changed, and records nothing', async () => {
    const { client } = fakeClient([task('t1')], { update: new ApiError('conflict', 'Version mismatch.', 409) });
    let recorded = 0;
    const err = await applyRecommendation(client, 'u1', reschedule, async () => recorded++).catch((e) => e);
    expect(err).toBeInstanceOf(ActionProblem);
    expect(err.code).toBe('changed');
    expect(recorded).toBe(0);
  });

  it('deletes the parts already made when a later one fails', async () => {
    const parts = [1, 2, 3].map((i) => ({ title: `R (part ${i} of 3)`, estimated_hours: 1, deadline: `2026-12-1${i}T17:00:00Z` }));
    const split = rec('split', { tasks: [ref('t1', { parts })] });
    const { client, tasks, log } = fakeClient([task('t1')], { create: 3 });
    let recorded = 0;
    await expect(applyRecommendation(client, 'u1', split, async () => recorded++)).rejects.toMatchObject({ code: 'invalid' });
    expect(recorded).toBe(0);
    expect([...tasks.keys()]).toEqual(['t1']);
    expect(tasks.get('t1')?.status).toBe('todo');
    expect(log.filter((l) => l.startsWith('DELETE'))).toEqual(['DELETE new2', 'DELETE new1']);
  });

  it('puts the change back when recording the feedback fails', async () => {
    const { client, tasks } = fakeClient([task('m1', { task_type: 'meeting' })]);
    const skip = rec('skip_meeting', { tasks: [ref('m1')] });
    await expect(
      applyRecommendation(client, 'u1', skip, async () => {
        throw new ApiError('network', 'Could not reach the server.', 0);
      }),
    ).rejects.toMatchObject({ code: 'network' });
    expect(tasks.get('m1')?.status).toBe('todo');
  });

  it('undoes a split: parts deleted, original reopened', async () => {
    const parts = [1, 2].map((i) => ({ title: `R (part ${i} of 2)`, estimated_hours: 1, deadline: `2026-12-1${i}T17:00:00Z` }));
    const split = rec('split', { tasks: [ref('t1', { parts })] });
    const { client, tasks } = fakeClient([task('t1')]);
    const { applied } = await applyRecommendation(client, 'u1', split, async () => undefined);
    expect(tasks.size).toBe(3);
    expect(tasks.get('t1')?.status).toBe('cancelled');
    await undoRecommendation(client, 'u1', applied);
    expect([...tasks.keys()]).toEqual(['t1']);
    expect(tasks.get('t1')?.status).toBe('todo');
  });

  it('will not undo over a later edit', async () => {
    const { client, tasks } = fakeClient([task('t1')]);
    const { applied } = await applyRecommendation(client, 'u1', reschedule, async () => undefined);
    await client.updateTask('u1', 't1', { title: 'Renamed' });
    await expect(undoRecommendation(client, 'u1', applied)).rejects.toMatchObject({ code: 'changed' });
    expect(tasks.get('t1')?.deadline).toBe('2026-12-14T17:00:00Z');
  });

  it('undoes a focus block even when the user already deleted it', async () => {
    const { client, tasks } = fakeClient([]);
    const focus = rec('focus_block', { slot: { start: '2026-11-27T09:00:00Z', end: '2026-11-27T11:00:00Z' } });
    const { applied } = await applyRecommendation(client, 'u1', focus, async () => undefined);
    expect(tasks.get('new1')).toMatchObject({ title: 'Focus time', task_type: 'meeting' });
    await client.deleteTask('u1', 'new1');
    await expect(undoRecommendation(client, 'u1', applied)).resolves.toBeUndefined();
  });
});
