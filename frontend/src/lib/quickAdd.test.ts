import { describe, expect, it } from 'vitest';
import type { QuickAdd } from './api';
import { quickAddInput, quickChips } from './quickAdd';

const now = new Date(2026, 11, 2, 10, 0);
const read = (over: Partial<QuickAdd>): QuickAdd => ({
  title: 'Call mom',
  deadline: null,
  date_only: false,
  deadline_text: null,
  priority: null,
  priority_text: null,
  tags: [],
  ...over,
});

describe('quickChips', () => {
  it('shows the due time, priority and tags it understood', () => {
    const q = read({
      deadline: new Date(2026, 11, 3, 18, 0).toISOString(),
      deadline_text: 'tomorrow at 6pm',
      priority: 'high',
      priority_text: '!high',
      tags: ['family'],
    });
    expect(quickChips(q, now, 'en-GB')).toEqual([
      { kind: 'due', label: 'Tomorrow 18:00', from: 'tomorrow at 6pm' },
      { kind: 'priority', label: 'High priority', from: '!high' },
      { kind: 'tag', label: '#family' },
    ]);
  });
  it('shows a day without a time as a day, never as midnight', () => {
    const q = read({ deadline: new Date(2026, 11, 11).toISOString(), date_only: true, deadline_text: 'next Fri' });
    const [due] = quickChips(q, now, 'en-GB');
    expect(due.label).not.toMatch(/00:00|12:00/);
    expect(due.label).toMatch(/11/);
  });
  it('has no chips for a plain line', () => {
    expect(quickChips(read({}), now)).toEqual([]);
  });
});

describe('quickAddInput', () => {
  it('sends what was read', () => {
    const deadline = new Date(2026, 11, 3, 18, 0).toISOString();
    expect(quickAddInput('x', read({ deadline, priority: 'urgent', tags: ['a', 'b'] }))).toEqual({
      title: 'Call mom',
      deadline,
      priority: 'urgent',
      tags: ['a', 'b'],
    });
  });
  it('leaves out what was not read', () => {
    expect(quickAddInput('x', read({}))).toEqual({ title: 'Call mom' });
  });
  it('needs a title', () => {
    expect(quickAddInput('tomorrow !high', read({ title: '  ' }))).toBeNull();
    expect(quickAddInput('   ', null)).toBeNull();
  });
  it('uses the line as the title when nothing was read', () => {
    expect(quickAddInput('  Buy milk tomorrow ', null)).toEqual({ title: 'Buy milk tomorrow' });
  });
});
