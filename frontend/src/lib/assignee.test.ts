import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from './api';
import type { DesktopBridge } from './desktop';
import { changesFromForm, emptyForm, formFromTask, inputFromForm } from './taskForm';
import { assigneeLabel, loadMembers, normaliseMembers } from './teams.svelte';

function fakeDesktop(methods: Partial<DesktopBridge>) {
  (globalThis as unknown as Window).go = { main: { Desktop: methods } };
  return methods;
}

afterEach(() => {
  delete (globalThis as unknown as Window).go;
});

const task = (over: Partial<Task>): Task =>
  ({
    id: 't1', user_id: 'u1', title: 'Review', description: '', status: 'todo', priority: 'medium', task_type: 'task',
    source: 'sentry', deadline: null, start_time: null, end_time: null, estimated_hours: null, can_delegate: false,
    team_id: 'team1', assignee_id: '', ...over,
  }) as Task;

describe('the assignee in the task form', () => {
  it('is sent only when chosen, and cleared as empty', () => {
    expect(inputFromForm({ ...emptyForm(), title: 'x' })).not.toHaveProperty('assignee_id');
    expect(inputFromForm({ ...emptyForm(), title: 'x', assignee_id: 'u2' }).assignee_id).toBe('u2');
    const t = task({ assignee_id: 'u2' });
    expect(formFromTask(t).assignee_id).toBe('u2');
    expect(changesFromForm(t, formFromTask(t))).toEqual({});
    expect(changesFromForm(t, { ...formFromTask(t), assignee_id: '' })).toEqual({ assignee_id: '' });
    expect(changesFromForm(t, { ...formFromTask(t), assignee_id: 'u3' })).toEqual({ assignee_id: 'u3' });
  });
});

describe('team members', () => {
  it('reads the API list and the desktop bridge alike, dropping what has no id', () => {
    const want = [{ user_id: 'u2', email: 'bo@example.com', name: 'Bo' }];
    expect(normaliseMembers({ members: [{ user_id: 'u2', email: 'bo@example.com', name: 'Bo', role: 'member' }, { email: 'x' }] })).toEqual(want);
    expect(normaliseMembers([{ user_id: 'u2', email: 'bo@example.com', name: 'Bo' }])).toEqual(want);
    expect(normaliseMembers(null)).toEqual([]);
  });

  it('come from the team server through the desktop app, and name the assignee', async () => {
    fakeDesktop({ TeamMembers: async (id: string) => (id === 'team9' ? [{ user_id: 'u2', email: 'bo@example.com', name: '' }, { user_id: 'me', email: 'me@example.com', name: 'Me' }] : []) });
    expect((await loadMembers('team9')).map((m) => m.user_id)).toEqual(['u2', 'me']);
    expect(assigneeLabel('team9', 'u2', 'me')).toBe('bo@example.com');
    expect(assigneeLabel('team9', 'me', 'me')).toBe('you');
    expect(assigneeLabel('team9', 'u7', 'me')).toBe('a member');
    expect(assigneeLabel('team9', '', 'me')).toBe('');
  });
});
