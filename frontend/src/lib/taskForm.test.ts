import { describe, expect, it } from 'vitest';
import type { Task } from './api';
import { toLocalInput } from './dates';
import { changesFromForm, emptyForm, formFromTask, inputFromForm, undoInput, validateForm, type TaskForm } from './taskForm';

const local = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo, d, h, mi).toISOString();

function task(over: Partial<Task> = {}): Task {
  return {
    id: 't1',
    user_id: 'u1',
    title: 'Write report',
    description: 'Quarterly numbers',
    status: 'todo',
    priority: 'medium',
    task_type: 'task',
    source: 'sentry',
    deadline: '2026-12-01T17:00:30.000Z',
    start_time: null,
    end_time: null,
    location: '',
    attendees: [],
    estimated_hours: 2,
    actual_hours: null,
    can_delegate: false,
    is_optional: false,
    is_recurring: false,
    recurrence_rule: '',
    completed_at: null,
    created_at: '2026-11-20T10:00:00Z',
    updated_at: '2026-11-20T10:00:00Z',
    version: 1,
    ...over,
  };
}

const form = (over: Partial<TaskForm> = {}): TaskForm => ({ ...emptyForm(), title: 'Call Bob', ...over });

describe('validateForm', () => {
  it.each([
    { name: 'a title is enough', f: form(), want: null },
    { name: 'blank title', f: form({ title: '   ' }), want: 'title' },
    { name: 'title too long', f: form({ title: 'x'.repeat(256) }), want: 'title' },
    { name: 'title of 255 is fine', f: form({ title: 'x'.repeat(255) }), want: null },
    { name: 'meeting without start', f: form({ task_type: 'meeting', end_time: '2026-12-01T10:00' }), want: 'start_time' },
    { name: 'meeting without end', f: form({ task_type: 'meeting', start_time: '2026-12-01T10:00' }), want: 'end_time' },
    {
      name: 'meeting ending before it starts',
      f: form({ task_type: 'meeting', start_time: '2026-12-01T10:00', end_time: '2026-12-01T09:00' }),
      want: 'end_time',
    },
    {
      name: 'meeting ending when it starts',
      f: form({ task_type: 'meeting', start_time: '2026-12-01T10:00', end_time: '2026-12-01T10:00' }),
      want: 'end_time',
    },
    {
      name: 'a good meeting',
      f: form({ task_type: 'meeting', start_time: '2026-12-01T10:00', end_time: '2026-12-01T10:30' }),
      want: null,
    },
    { name: 'negative hours', f: form({ estimated_hours: '-1' }), want: 'estimated_hours' },
    { name: 'hours that are not a number', f: form({ estimated_hours: 'two' }), want: 'estimated_hours' },
    { name: 'decimal comma hours', f: form({ estimated_hours: '1,5' }), want: null },
  ])('$name', ({ f, want }) => {
    expect(validateForm(f)?.field ?? null).toBe(want);
  });
});

describe('inputFromForm', () => {
  it('sends the basics and leaves empty optional fields out', () => {
    expect(inputFromForm(form({ title: '  Call Bob  ' }))).toEqual({
      title: 'Call Bob',
      description: '',
      status: 'todo',
      priority: 'medium',
      task_type: 'task',
      can_delegate: false,
    });
  });

  it('converts times and hours', () => {
    const input = inputFromForm(
      form({
        task_type: 'meeting',
        start_time: '2026-12-01T10:00',
        end_time: '2026-12-01T10:30',
        deadline: '2026-12-02T09:00',
        estimated_hours: '1,5',
        can_delegate: true,
      }),
    );
    expect(input).toMatchObject({
      task_type: 'meeting',
      start_time: local(2026, 11, 1, 10, 0),
      end_time: local(2026, 11, 1, 10, 30),
      deadline: local(2026, 11, 2, 9, 0),
      estimated_hours: 1.5,
      can_delegate: true,
    });
  });

  it('drops meeting times from a plain task', () => {
    const input = inputFromForm(form({ start_time: '2026-12-01T10:00', end_time: '2026-12-01T10:30' }));
    expect(input).not.toHaveProperty('start_time');
    expect(input).not.toHaveProperty('end_time');
  });
});

describe('changesFromForm', () => {
  it('sends nothing when nothing changed, keeping the seconds of the deadline', () => {
    const t = task();
    expect(changesFromForm(t, formFromTask(t))).toEqual({});
  });

  it('sends only the changed fields', () => {
    const t = task();
    const f = { ...formFromTask(t), title: 'Write the Q3 report ', priority: 'urgent' as const };
    expect(changesFromForm(t, f)).toEqual({ title: 'Write the Q3 report', priority: 'urgent' });
  });

  it('clears a deadline and hours with null', () => {
    const t = task();
    const f = { ...formFromTask(t), deadline: '', estimated_hours: '' };
    expect(changesFromForm(t, f)).toEqual({ deadline: null, estimated_hours: null });
  });

  it('sends a new deadline as RFC 3339', () => {
    const t = task({ deadline: null });
    const f = { ...formFromTask(t), deadline: '2026-12-05T08:30' };
    expect(changesFromForm(t, f)).toEqual({ deadline: local(2026, 11, 5, 8, 30) });
  });

  it('clears meeting times when a meeting becomes a task', () => {
    const t = task({ task_type: 'meeting', start_time: local(2026, 11, 1, 10), end_time: local(2026, 11, 1, 11) });
    const f = { ...formFromTask(t), task_type: 'task' as const };
    expect(changesFromForm(t, f)).toEqual({ task_type: 'task', start_time: null, end_time: null });
  });

  it('round-trips the form of a task', () => {
    const t = task({ estimated_hours: null, can_delegate: true });
    const f = formFromTask(t);
    expect(f.deadline).toBe(toLocalInput(t.deadline));
    expect(f.estimated_hours).toBe('');
    expect(f.can_delegate).toBe(true);
  });
});

describe('undoInput', () => {
  it('carries every writable field and none of the read-only ones', () => {
    const t = task({
      status: 'done',
      priority: 'urgent',
      attendees: ['ada@example.com'],
      completed_at: '2026-11-21T10:00:00Z',
      meeting_url: 'https://meet.example.com/x',
      tags: ['q3'],
    });
    const input = undoInput(t);
    expect(input).toMatchObject({
      title: 'Write report',
      description: 'Quarterly numbers',
      status: 'done',
      priority: 'urgent',
      task_type: 'task',
      source: 'sentry',
      deadline: '2026-12-01T17:00:30.000Z',
      attendees: ['ada@example.com'],
      estimated_hours: 2,
      meeting_url: 'https://meet.example.com/x',
      tags: ['q3'],
    });
    for (const readOnly of ['id', 'user_id', 'created_at', 'updated_at', 'version', 'completed_at']) {
      expect(input).not.toHaveProperty(readOnly);
    }
  });

  it('leaves out an empty source', () => {
    expect(undoInput(task({ source: '' }))).not.toHaveProperty('source');
  });
});
