import { describe, expect, it } from 'vitest';
import { dayDiff, describeDeadline, dueRange, endOfDay, fromLocalInput, isDateOnly, isPastDue, startOfDay, toLocalInput } from './dates';

// Built from local parts so the tests hold in every time zone.
const now = new Date(2026, 10, 25, 14, 30, 0); // 25 Nov 2026, 14:30 local
const iso = (...parts: [number, number, number, number?, number?, number?, number?]) =>
  new Date(parts[0], parts[1], parts[2], parts[3] ?? 0, parts[4] ?? 0, parts[5] ?? 0, parts[6] ?? 0).toISOString();

describe('dueRange', () => {
  it.each([
    { name: 'any time has no bounds', filter: 'any' as const, want: {} },
    { name: 'overdue is before now', filter: 'overdue' as const, want: { due_before: now.toISOString() } },
    {
      name: 'today is the whole local day',
      filter: 'today' as const,
      want: { due_after: iso(2026, 10, 25), due_before: iso(2026, 10, 25, 23, 59, 59, 999) },
    },
    {
      name: 'next 7 days runs from now to the end of the seventh day',
      filter: 'week' as const,
      want: { due_after: now.toISOString(), due_before: iso(2026, 11, 2, 23, 59, 59, 999) },
    },
  ])('$name', ({ filter, want }) => {
    expect(dueRange(filter, now)).toEqual(want);
  });

  it('gives RFC 3339 timestamps', () => {
    const r = dueRange('today', now);
    for (const v of [r.due_after, r.due_before]) {
      expect(v).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    }
  });
});

describe('day boundaries', () => {
  it('startOfDay and endOfDay bracket the local day', () => {
    expect(startOfDay(now).getTime()).toBe(new Date(2026, 10, 25).getTime());
    expect(endOfDay(now).getTime()).toBe(new Date(2026, 10, 26).getTime() - 1);
  });

  it.each([
    { name: 'same day', at: iso(2026, 10, 25, 23, 59), want: 0 },
    { name: 'tomorrow morning', at: iso(2026, 10, 26, 0, 5), want: 1 },
    { name: 'yesterday night', at: iso(2026, 10, 24, 23, 0), want: -1 },
    { name: 'across a month', at: iso(2026, 11, 1, 9), want: 6 },
  ])('dayDiff: $name', ({ at, want }) => {
    expect(dayDiff(at, now)).toBe(want);
  });
});

describe('datetime-local values', () => {
  it('round-trips local minutes', () => {
    const value = '2026-12-01T09:05';
    const back = fromLocalInput(value);
    expect(back).toBe(iso(2026, 11, 1, 9, 5));
    expect(toLocalInput(back)).toBe(value);
  });

  it('shows an RFC 3339 time in local time', () => {
    expect(toLocalInput(iso(2026, 0, 2, 3, 4))).toBe('2026-01-02T03:04');
  });

  it.each([
    { name: 'empty', value: '' },
    { name: 'date only', value: '2026-12-01' },
    { name: 'garbage', value: 'tomorrow' },
  ])('fromLocalInput rejects $name', ({ value }) => {
    expect(fromLocalInput(value)).toBeNull();
  });

  it('toLocalInput of nothing is empty', () => {
    expect(toLocalInput(null)).toBe('');
    expect(toLocalInput('not a date')).toBe('');
  });
});

describe('describeDeadline', () => {
  it('names today and tomorrow and flags the past', () => {
    const later = describeDeadline(iso(2026, 10, 25, 17, 0), now, 'en-GB');
    expect(later).toEqual({ text: 'Today 17:00', overdue: false });
    const earlier = describeDeadline(iso(2026, 10, 25, 9, 0), now, 'en-GB');
    expect(earlier).toEqual({ text: 'Today 09:00', overdue: true });
    expect(describeDeadline(iso(2026, 10, 26, 8, 15), now, 'en-GB').text).toBe('Tomorrow 08:15');
    expect(describeDeadline(iso(2026, 10, 24, 8, 15), now, 'en-GB')).toEqual({ text: 'Yesterday 08:15', overdue: true });
  });

  it('shows the year only when it differs', () => {
    expect(describeDeadline(iso(2026, 11, 3, 12, 0), now, 'en-GB').text).not.toMatch(/2026/);
    expect(describeDeadline(iso(2027, 0, 3, 12, 0), now, 'en-GB').text).toMatch(/2027/);
  });
});

describe('days without a time', () => {
  const now = new Date(2026, 11, 2, 10, 0);
  it('a local midnight is a day, shown without "12:00 AM"', () => {
    const iso = new Date(2026, 11, 4).toISOString();
    expect(isDateOnly(iso)).toBe(true);
    const d = describeDeadline(iso, now, 'en-US');
    expect(d.text).not.toMatch(/AM|PM|:/);
    expect(d.overdue).toBe(false);
  });
  it('a flagged deadline is a day whatever its time', () => {
    expect(isDateOnly(new Date(2026, 11, 4, 9).toISOString(), true)).toBe(true);
    expect(isDateOnly(new Date(2026, 11, 4, 9).toISOString())).toBe(false);
  });
  it('today without a time is not overdue until the day ends', () => {
    const today = new Date(2026, 11, 2).toISOString();
    expect(isPastDue(today, now)).toBe(false);
    expect(isPastDue(new Date(2026, 11, 1).toISOString(), now)).toBe(true);
    expect(isPastDue(new Date(2026, 11, 2, 9, 0).toISOString(), now)).toBe(true);
  });
  it('upcoming starts tomorrow', () => {
    expect(dueRange('upcoming', now)).toEqual({ due_after: new Date(2026, 11, 3).toISOString() });
  });
});
