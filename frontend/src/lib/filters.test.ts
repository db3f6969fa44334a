import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, buildTaskQuery, defaultFilters, filtersForView, inView, isFiltered, type TaskFilters } from './filters';

const now = new Date(2026, 10, 25, 14, 30);
const f = (over: Partial<TaskFilters>): TaskFilters => ({ ...defaultFilters, ...over });

describe('buildTaskQuery', () => {
  it.each([
    {
      name: 'defaults ask for the first page, newest first',
      filters: f({}),
      want: { limit: PAGE_SIZE, sort: '-created_at' },
    },
    {
      name: 'a status is passed through',
      filters: f({ status: 'in_progress' }),
      want: { limit: PAGE_SIZE, sort: '-created_at', status: 'in_progress' },
    },
    {
      name: 'search words are trimmed',
      filters: f({ q: '  report  ' }),
      want: { limit: PAGE_SIZE, sort: '-created_at', q: 'report' },
    },
    {
      name: 'blank search is left out',
      filters: f({ q: '   ' }),
      want: { limit: PAGE_SIZE, sort: '-created_at' },
    },
    {
      name: 'overdue with all statuses asks for open tasks only',
      filters: f({ due: 'overdue' }),
      want: { limit: PAGE_SIZE, sort: '-created_at', status: 'todo,in_progress', due_before: now.toISOString() },
    },
    {
      name: 'overdue with a chosen status keeps that status',
      filters: f({ due: 'overdue', status: 'done' }),
      want: { limit: PAGE_SIZE, sort: '-created_at', status: 'done', due_before: now.toISOString() },
    },
    {
      name: 'sort is passed through',
      filters: f({ sort: 'deadline' }),
      want: { limit: PAGE_SIZE, sort: 'deadline' },
    },
  ])('$name', ({ filters, want }) => {
    expect(buildTaskQuery(filters, now)).toEqual(want);
  });

  it('today sets both bounds', () => {
    const q = buildTaskQuery(f({ due: 'today' }), now);
    expect(q.due_after).toBe(new Date(2026, 10, 25).toISOString());
    expect(q.due_before).toBe(new Date(new Date(2026, 10, 26).getTime() - 1).toISOString());
  });

  it('adds the cursor for the next page', () => {
    expect(buildTaskQuery(f({}), now, 'abc').cursor).toBe('abc');
    expect(buildTaskQuery(f({}), now, null)).not.toHaveProperty('cursor');
  });
});

describe('isFiltered', () => {
  it('is false for the defaults and a blank search, true otherwise', () => {
    expect(isFiltered(f({}))).toBe(false);
    expect(isFiltered(f({ q: '  ', sort: 'deadline' }))).toBe(false);
    expect(isFiltered(f({ q: 'x' }))).toBe(true);
    expect(isFiltered(f({ status: 'done' }))).toBe(true);
    expect(isFiltered(f({ due: 'week' }))).toBe(true);
  });
});

describe('task views', () => {
  const now = new Date(2026, 11, 2, 10, 0);
  it('open views sort by deadline and ask for open tasks', () => {
    const f = filtersForView(defaultFilters, 'today');
    expect(f.sort).toBe('deadline');
    expect(buildTaskQuery(f, now).status).toBe('todo,in_progress');
    expect(filtersForView(f, 'any')).toMatchObject({ due: 'any', sort: '-created_at' });
  });
  it('overdue leaves out today without a time, keeps an hour already past', () => {
    expect(inView({ deadline: new Date(2026, 11, 2).toISOString() }, 'overdue', now)).toBe(false);
    expect(inView({ deadline: new Date(2026, 11, 2, 9).toISOString() }, 'overdue', now)).toBe(true);
    expect(inView({ deadline: new Date(2026, 11, 1).toISOString() }, 'overdue', now)).toBe(true);
    expect(inView({ deadline: new Date(2026, 11, 2).toISOString() }, 'today', now)).toBe(true);
  });
});
