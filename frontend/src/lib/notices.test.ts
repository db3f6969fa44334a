import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import {
  CHECK_EVERY_MS,
  FOCUS_GAP_MS,
  LEVEL_REPEAT_MS,
  MEMORY_PREFIX,
  checkNotices,
  checkOnFocus,
  decideNotices,
  emptyMemory,
  factorPhrase,
  isoWeekKey,
  loadMemory,
  localTime,
  parseMemory,
  saveMemory,
  summaryWeekAt,
  topFactor,
  type NoticeChoices,
  type NoticeInput,
  type NoticeMemory,
} from './notices';
import { parseAnalysis, parseFactor, parseMetrics, parsePreferences, parseProfile, type Analysis, type BurnoutLevel, type Metrics } from './workload';

const ALL: NoticeChoices = { level_rises: true, over_capacity: true, weekly_summary: true };
const NONE: NoticeChoices = { level_rises: false, over_capacity: false, weekly_summary: false };
const BERLIN = 'Europe/Berlin';

/** Wednesday 4 March 2026, 10:00 in Berlin (week 10). */
const WED = new Date('2026-03-04T09:00:00Z');

function analysis(level: BurnoutLevel, score: number, extra: Record<string, unknown> = {}): Analysis {
  return parseAnalysis({
    id: 'a1',
    score,
    level,
    factors: [
      { name: 'workload', value: 1.4, contribution: 18.3, weight: 34, explanation: '…' },
      { name: 'overdue', value: 3, contribution: 9.1, weight: 14, explanation: '…' },
      { name: 'focus_time', value: 0, contribution: 0, weight: 3, explanation: '…' },
    ],
    forecast: [
      { date: '2026-03-04', planned_hours: 9, capacity_hours: 7, deadlines_due: 2 },
      { date: '2026-03-05', planned_hours: 9, capacity_hours: 7, deadlines_due: 1 },
      { date: '2026-03-09', planned_hours: 9, capacity_hours: 7, deadlines_due: 4 },
    ],
    analyzed_at: '2026-03-04T08:00:00Z',
    ...extra,
  });
}

/** Figures for days from start: one entry of [planned, capacity] a day. */
function metrics(start: string, days: [number, number][], overdue = 0): Metrics {
  const [y, m, d] = start.split('-').map(Number);
  return parseMetrics({
    timezone: BERLIN,
    days: days.map(([planned, capacity], i) => ({
      date: new Date(Date.UTC(y, m - 1, d + i)).toISOString().slice(0, 10),
      planned_hours: planned,
      capacity_hours: capacity,
      meeting_hours: 1,
    })),
    overdue: { count: overdue, tasks: Array.from({ length: overdue }, (_, i) => ({ id: `t${i}`, title: `Late ${i}`, age_days: i + 1, hours: 2 })) },
  });
}

/** Wednesday to Sunday of week 10, then week 11: within capacity by default. */
const CALM = metrics('2026-03-04', [
  [5, 7],
  [5, 7],
  [5, 7],
  [0, 0],
  [0, 0],
  [5, 7],
  [5, 7],
]);
/** Week 10 over capacity (Wednesday 12 h for 7 h, Thursday 10 for 7). */
const OVER = metrics('2026-03-04', [
  [12, 7],
  [10, 7],
  [5, 7],
  [0, 0],
  [0, 0],
  [5, 7],
  [5, 7],
]);

function known(over: Partial<NoticeMemory> = {}): NoticeMemory {
  return { level: 'low', told: null, overWeeks: [], summaryWeek: '2026-W10', ...over };
}

function decide(over: Partial<NoticeInput>) {
  return decideNotices({ memory: known(), choices: ALL, analysis: null, metrics: null, timezone: BERLIN, now: WED, ...over });
}

describe('dates in the profile time zone', () => {
  it.each([
    ['2026-01-01', '2026-W01'],
    ['2024-12-30', '2025-W01'],
    ['2021-01-03', '2020-W53'],
    ['2026-03-02', '2026-W10'],
    ['2026-03-08', '2026-W10'],
    ['2026-03-09', '2026-W11'],
    ['2027-01-03', '2026-W53'],
  ])('%s is in %s', (date, week) => {
    expect(isoWeekKey(date)).toBe(week);
  });

  it('reads the local date and hour', () => {
    expect(localTime(new Date('2026-03-01T23:30:00Z'), BERLIN)).toEqual({ date: '2026-03-02', hour: 0 });
    expect(localTime(new Date('2026-03-01T23:30:00Z'), 'America/Los_Angeles')).toEqual({ date: '2026-03-01', hour: 15 });
    expect(localTime(new Date('2026-03-01T23:30:00Z'), 'Mars/Olympus')).toEqual({ date: '2026-03-01', hour: 23 });
    expect(localTime(new Date('2026-03-01T23:30:00Z'), '')).toEqual({ date: '2026-03-01', hour: 23 });
  });

  it.each([
    { name: 'Monday 05:59 in Berlin is still last week', at: '2026-03-02T04:59:00Z', zone: BERLIN, week: '2026-W09' },
    { name: 'Monday 06:00 in Berlin is the new week', at: '2026-03-02T05:00:00Z', zone: BERLIN, week: '2026-W10' },
    { name: 'Monday 07:00 UTC is still Sunday night in Los Angeles', at: '2026-03-02T07:00:00Z', zone: 'America/Los_Angeles', week: '2026-W09' },
    { name: 'Monday 06:00 in Los Angeles', at: '2026-03-02T14:00:00Z', zone: 'America/Los_Angeles', week: '2026-W10' },
    { name: 'Sunday 19:00 UTC is Monday morning in Auckland', at: '2026-03-01T19:00:00Z', zone: 'Pacific/Auckland', week: '2026-W10' },
    { name: 'a Wednesday', at: '2026-03-04T09:00:00Z', zone: BERLIN, week: '2026-W10' },
    { name: 'a Sunday night', at: '2026-03-08T22:00:00Z', zone: BERLIN, week: '2026-W10' },
    { name: 'an unknown zone counts as UTC', at: '2026-03-02T05:30:00Z', zone: 'Nowhere/Else', week: '2026-W09' },
  ])('summary week: $name', ({ at, zone, week }) => {
    expect(summaryWeekAt(new Date(at), zone)).toBe(week);
  });
});

describe('the first look', () => {
  it('tells nothing and remembers what it saw', () => {
    const out = decideNotices({ memory: null, choices: ALL, analysis: analysis('high', 62), metrics: OVER, timezone: BERLIN, now: WED });
    expect(out.notices).toEqual([]);
    expect(out.memory).toEqual({ level: 'high', told: null, overWeeks: ['2026-W10'], summaryWeek: '2026-W10' });
  });

  it('without answers remembers only the summary week', () => {
    const out = decideNotices({ memory: null, choices: ALL, analysis: null, metrics: null, timezone: BERLIN, now: WED });
    expect(out.notices).toEqual([]);
    expect(out.memory).toEqual({ ...emptyMemory(), summaryWeek: '2026-W10' });
  });

  it('decides nothing without a profile', () => {
    const before = known({ level: 'low' });
    const out = decideNotices({ memory: before, choices: null, analysis: analysis('critical', 80), metrics: OVER, timezone: BERLIN, now: WED });
    expect(out.notices).toEqual([]);
    expect(out.memory).toEqual(before);
  });
});

describe('level goes up', () => {
  it('tells the rise with the score and the top factor', () => {
    const out = decide({ memory: known({ level: 'moderate' }), analysis: analysis('high', 62.4) });
    expect(out.notices).toEqual([
      {
        kind: 'level_rises',
        key: `level_rises:high:${WED.toISOString()}`,
        title: 'Burnout risk is high',
        body: 'Burnout risk rose to high (62, was moderate): planned work is 140% of capacity in the next 7 days.',
      },
    ]);
    expect(out.memory.level).toBe('high');
    expect(out.memory.told).toEqual({ level: 'high', at: WED.toISOString() });
  });

  it('is told once', () => {
    const first = decide({ memory: known({ level: 'low' }), analysis: analysis('high', 50) });
    expect(first.notices).toHaveLength(1);
    const again = decide({ memory: first.memory, analysis: analysis('high', 58), now: new Date(WED.getTime() + CHECK_EVERY_MS) });
    expect(again.notices).toEqual([]);
  });

  it('tells a further rise', () => {
    const first = decide({ memory: known({ level: 'low' }), analysis: analysis('high', 50) });
    const next = decide({ memory: first.memory, analysis: analysis('critical', 75), now: new Date(WED.getTime() + CHECK_EVERY_MS) });
    expect(next.notices.map((n) => n.title)).toEqual(['Burnout risk is critical']);
    expect(next.notices[0].body).toContain('(75, was high)');
  });

  it('says nothing when it stays or falls, and lowers the mark on a fall', () => {
    expect(decide({ memory: known({ level: 'high' }), analysis: analysis('high', 60) }).notices).toEqual([]);
    const fell = decide({ memory: known({ level: 'high' }), analysis: analysis('moderate', 30) });
    expect(fell.notices).toEqual([]);
    expect(fell.memory.level).toBe('moderate');
  });

  it('does not tell the same level again within a day after a dip, but does after', () => {
    const told = decide({ memory: known({ level: 'moderate' }), analysis: analysis('high', 50) });
    const dip = decide({ memory: told.memory, analysis: analysis('moderate', 40), now: new Date(WED.getTime() + 3_600_000) });
    const back = decide({ memory: dip.memory, analysis: analysis('high', 47), now: new Date(WED.getTime() + 7_200_000) });
    expect(back.notices).toEqual([]);
    expect(back.memory.level).toBe('high');
    const dip2 = decide({ memory: back.memory, analysis: analysis('moderate', 40), now: new Date(WED.getTime() + LEVEL_REPEAT_MS) });
    const later = decide({ memory: dip2.memory, analysis: analysis('high', 47), now: new Date(WED.getTime() + LEVEL_REPEAT_MS + 60_000) });
    expect(later.notices.map((n) => n.kind)).toEqual(['level_rises']);
  });

  it('is off when not chosen, and turning it on later tells only new rises', () => {
    const off = decide({ choices: { ...ALL, level_rises: false }, memory: known({ level: 'low' }), analysis: analysis('high', 50) });
    expect(off.notices).toEqual([]);
    expect(off.memory.level).toBe('high');
    const on = decide({ memory: off.memory, analysis: analysis('high', 52) });
    expect(on.notices).toEqual([]);
    const up = decide({ memory: on.memory, analysis: analysis('critical', 72) });
    expect(up.notices.map((n) => n.title)).toEqual(['Burnout risk is critical']);
  });

  it('leaves the reason out when no factor adds points', () => {
    const a = analysis('moderate', 20, { factors: [{ name: 'workload', value: 0.5, contribution: 0 }] });
    const out = decide({ memory: known({ level: 'low' }), analysis: a });
    expect(out.notices[0].body).toBe('Burnout risk rose to moderate (20, was low).');
  });

  it('keeps the mark without an analysis', () => {
    const out = decide({ memory: known({ level: 'moderate' }), analysis: null, metrics: CALM });
    expect(out.notices).toEqual([]);
    expect(out.memory.level).toBe('moderate');
  });
});

describe('week over capacity', () => {
  it('tells it once for the week, with the figures', () => {
    const out = decide({ metrics: OVER });
    expect(out.notices).toEqual([
      {
        kind: 'over_capacity',
        key: 'over_capacity:2026-W10',
        title: 'Week 10 is over capacity',
        body: '27 h planned against 21 h of capacity (129%), Wed 4 Mar – Sun 8 Mar. 2 days are over; the most on Wed 4 Mar: 12 h for 7 h.',
      },
    ]);
    expect(out.memory.overWeeks).toEqual(['2026-W10']);
    const again = decide({ memory: out.memory, metrics: OVER, now: new Date('2026-03-06T09:00:00Z') });
    expect(again.notices).toEqual([]);
  });

  it('says nothing within capacity', () => {
    const out = decide({ metrics: CALM });
    expect(out.notices).toEqual([]);
    expect(out.memory.overWeeks).toEqual([]);
  });

  it('tells a later week again', () => {
    const week11 = metrics('2026-03-09', [
      [9, 7],
      [7, 7],
      [7, 7],
      [7, 7],
      [7, 7],
    ]);
    const out = decide({ memory: known({ overWeeks: ['2026-W10'], summaryWeek: '2026-W11' }), metrics: week11, now: new Date('2026-03-09T10:00:00Z') });
    expect(out.notices.map((n) => n.key)).toEqual(['over_capacity:2026-W11']);
    expect(out.memory.overWeeks).toEqual(['2026-W10', '2026-W11']);
  });

  it("takes the week from the profile's time zone", () => {
    // Sunday 23:30 UTC is Monday 00:30 in Berlin: week 11 there, still week 10 in UTC.
    const now = new Date('2026-03-08T23:30:00Z');
    const mondayOver = metrics('2026-03-09', [[10, 7]]);
    const berlin = decide({ memory: known({ summaryWeek: '2026-W10' }), metrics: mondayOver, now });
    expect(berlin.notices.map((n) => n.key)).toEqual(['over_capacity:2026-W11']);
    const utc = decide({ memory: known({ summaryWeek: '2026-W10' }), metrics: mondayOver, now, timezone: 'UTC' });
    expect(utc.notices).toEqual([]);
  });

  it('is off when not chosen, and not told when turned on the same week', () => {
    const off = decide({ choices: { ...ALL, over_capacity: false }, metrics: OVER });
    expect(off.notices).toEqual([]);
    expect(off.memory.overWeeks).toEqual(['2026-W10']);
    expect(decide({ memory: off.memory, metrics: OVER }).notices).toEqual([]);
  });

  it('needs the figures of this week', () => {
    expect(decide({ metrics: null }).notices).toEqual([]);
    const nextWeekOnly = metrics('2026-03-09', [[12, 7]]);
    expect(decide({ metrics: nextWeekOnly }).notices).toEqual([]);
  });

  it('remembers a bounded number of weeks', () => {
    const many = Array.from({ length: 8 }, (_, i) => `2025-W${String(i + 40).padStart(2, '0')}`);
    const out = decide({ memory: known({ overWeeks: many }), metrics: OVER });
    expect(out.memory.overWeeks).toHaveLength(8);
    expect(out.memory.overWeeks.at(-1)).toBe('2026-W10');
    expect(out.memory.overWeeks[0]).toBe('2025-W41');
  });
});

describe('weekly summary', () => {
  const MONDAY_7 = new Date('2026-03-02T06:00:00Z'); // 07:00 in Berlin
  const WEEK = metrics(
    '2026-03-02',
    [
      [8, 7],
      [6, 7],
      [6, 7],
      [6, 7],
      [5, 7],
      [0, 0],
      [0, 0],
    ],
    2,
  );

  it('comes with the first check from Monday morning', () => {
    const out = decide({ memory: known({ level: 'moderate', summaryWeek: '2026-W09' }), analysis: analysis('moderate', 38), metrics: WEEK, now: MONDAY_7 });
    expect(out.notices).toEqual([
      {
        kind: 'weekly_summary',
        key: 'weekly_summary:2026-W10',
        title: 'Your week 10',
        body:
          'Mon 2 Mar – Sun 8 Mar: 31 h planned against 35 h of capacity (89%), 1 day over capacity. 7 h of it in meetings. ' +
          '3 deadlines this week. 2 tasks are overdue. Burnout risk moderate (38), mostly because planned work is 140% of capacity in the next 7 days.',
      },
    ]);
    expect(out.memory.summaryWeek).toBe('2026-W10');
    expect(decide({ memory: out.memory, analysis: analysis('moderate', 38), metrics: WEEK, now: new Date(MONDAY_7.getTime() + CHECK_EVERY_MS) }).notices).toEqual([]);
  });

  it('waits for Monday 06:00 local', () => {
    const early = decide({ memory: known({ summaryWeek: '2026-W09' }), analysis: analysis('low', 5), metrics: WEEK, now: new Date('2026-03-02T04:30:00Z') });
    expect(early.notices).toEqual([]);
    expect(early.memory.summaryWeek).toBe('2026-W09');
  });

  it('comes later in the week when the app was closed on Monday', () => {
    const out = decide({ memory: known({ summaryWeek: '2026-W09' }), analysis: analysis('low', 5), metrics: CALM, now: WED });
    expect(out.notices.map((n) => n.kind)).toEqual(['weekly_summary']);
    expect(out.notices[0].body).toMatch(/^Wed 4 Mar – Sun 8 Mar: 15 h planned against 21 h of capacity \(71%\), no day over capacity\./);
  });

  it('is off when not chosen, and waits for the next week when turned on', () => {
    const off = decide({ choices: NONE, memory: known({ summaryWeek: '2026-W09' }), analysis: analysis('low', 5), metrics: WEEK, now: MONDAY_7 });
    expect(off.notices).toEqual([]);
    expect(off.memory.summaryWeek).toBe('2026-W10');
    expect(decide({ memory: off.memory, analysis: analysis('low', 5), metrics: WEEK, now: WED }).notices).toEqual([]);
  });

  it('waits for an answer when both are missing', () => {
    const out = decide({ memory: known({ summaryWeek: '2026-W09' }), now: MONDAY_7 });
    expect(out.notices).toEqual([]);
    expect(out.memory.summaryWeek).toBe('2026-W09');
  });

  it('makes do with one of the two', () => {
    const onlyAnalysis = decide({ memory: known({ level: 'high', summaryWeek: '2026-W09' }), analysis: analysis('high', 50), now: MONDAY_7 });
    expect(onlyAnalysis.notices[0].body).toBe(
      '3 deadlines this week. Burnout risk high (50), mostly because planned work is 140% of capacity in the next 7 days.',
    );
    const onlyFigures = decide({ memory: known({ summaryWeek: '2026-W09' }), metrics: WEEK, now: MONDAY_7 });
    expect(onlyFigures.notices[0].body).toContain('31 h planned against 35 h');
    expect(onlyFigures.notices[0].body).not.toContain('Burnout');
  });

  it('all three at once, in order', () => {
    const out = decide({ memory: known({ level: 'low', summaryWeek: '2026-W09' }), analysis: analysis('high', 55), metrics: OVER, now: WED });
    expect(out.notices.map((n) => n.kind)).toEqual(['level_rises', 'over_capacity', 'weekly_summary']);
  });
});

describe('factor words', () => {
  const f = (name: string, value: number) => factorPhrase(parseFactor({ name, value, contribution: 1 }));
  it.each([
    ['workload', 1.4, 'planned work is 140% of capacity in the next 7 days'],
    ['workload', 99, 'work is planned on days with no capacity'],
    ['overdue', 1, '1 task is past its deadline'],
    ['overdue', 4, '4 tasks are past their deadline'],
    ['deadlines', 6, '6 deadlines fall in the next 7 days'],
    ['meetings', 0.45, 'meetings take 45% of your capacity in the next 7 days'],
    ['back_to_back', 5, '5 meetings start right after another'],
    ['after_hours', 3.5, '3.5 h of meetings fall outside your working hours in the next 7 days'],
    ['after_hours', 0, 'much of your work was finished outside working hours lately'],
    ['focus_time', 1.5, 'only 1.5 h of focus time in the next 7 days'],
    ['cbi_work', 75, 'your last check-in scored 75 of 100 for work-related burnout'],
    ['checkin_tone', -0.4, 'your recent check-in notes sound strained'],
    ['sleep_debt', 2, 'sleep debt'],
  ])('%s %s', (name, value, want) => {
    expect(f(name, value)).toBe(want);
  });

  it('picks the factor adding the most', () => {
    const factors = [
      parseFactor({ name: 'overdue', contribution: 5 }),
      parseFactor({ name: 'workload', contribution: 12 }),
      parseFactor({ name: 'meetings', contribution: 0 }),
    ];
    expect(topFactor(factors)?.name).toBe('workload');
    expect(topFactor([parseFactor({ name: 'workload', contribution: 0 })])).toBeNull();
    expect(topFactor([])).toBeNull();
  });
});

describe('memory', () => {
  it('round-trips', () => {
    const m: NoticeMemory = { level: 'high', told: { level: 'high', at: WED.toISOString() }, overWeeks: ['2026-W10'], summaryWeek: '2026-W10' };
    expect(parseMemory(JSON.stringify(m))).toEqual(m);
  });

  it.each([null, '', 'not json', '[]', '42', 'null'])('reads %j as none', (text) => {
    expect(parseMemory(text)).toBeNull();
  });

  it('drops what it cannot read', () => {
    expect(parseMemory(JSON.stringify({ level: 'panic', told: { level: 'high', at: 'yesterday' }, overWeeks: ['W10', 3, '2026-W11'], summaryWeek: 7 }))).toEqual({
      level: null,
      told: null,
      overWeeks: ['2026-W11'],
      summaryWeek: null,
    });
  });

  it('is kept per user and survives a storage that throws', () => {
    const store = new Map<string, string>();
    const s = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(saveMemory(s, 'u1', known())).toBe(true);
    expect(store.has(MEMORY_PREFIX + 'u1')).toBe(true);
    expect(loadMemory(s, 'u1')).toEqual(known());
    expect(loadMemory(s, 'u2')).toBeNull();
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
    };
    expect(loadMemory(broken, 'u1')).toBeNull();
    expect(saveMemory(broken, 'u1', known())).toBe(false);
    expect(saveMemory(null, 'u1', known())).toBe(false);
  });
});

describe('checkNotices', () => {
  const profile = parseProfile({ user_id: 'u1', timezone: BERLIN, working_hours: { start: '09:00', end: '17:00' }, working_days: [1, 2, 3, 4, 5] });

  function setup(o: { level?: BurnoutLevel; notifications?: Record<string, unknown> | null; settings?: 'none' | 'fail' } = {}) {
    const store = new Map<string, string>();
    const s = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    let level: BurnoutLevel = o.level ?? 'low';
    const wl = {
      settings: vi.fn(async () => {
        if (o.settings === 'fail') throw new ApiError('network', 'offline', 0);
        if (o.settings === 'none') return null;
        return {
          profile,
          constraints: null,
          preferences: o.notifications === null ? null : parsePreferences({ notifications: o.notifications ?? { level_rises: true } }),
        };
      }),
      status: vi.fn(async () => analysis(level, level === 'low' ? 5 : 62)),
      metrics: vi.fn(async () => CALM),
    };
    return { store, s, wl, setLevel: (l: BurnoutLevel) => (level = l) };
  }

  it('tells nothing and stores nothing without a profile', async () => {
    const t = setup({ settings: 'none' });
    expect(await checkNotices({ userId: 'u1', wl: t.wl, store: t.s, now: () => WED })).toEqual([]);
    expect(t.wl.status).not.toHaveBeenCalled();
    expect(t.store.size).toBe(0);
  });

  it('asks for no profile when the figures say there is none', async () => {
    const t = setup();
    t.wl.metrics.mockResolvedValue({ ...CALM, defaults: true });
    expect(await checkNotices({ userId: 'u1', wl: t.wl, store: t.s, now: () => WED })).toEqual([]);
    expect(t.wl.settings).not.toHaveBeenCalled();
    expect(t.store.size).toBe(0);
  });

  it('lets a failing profile read fail the check', async () => {
    const t = setup({ settings: 'fail' });
    await expect(checkNotices({ userId: 'u1', wl: t.wl, store: t.s, now: () => WED })).rejects.toMatchObject({ code: 'network' });
    expect(t.store.size).toBe(0);
  });

  it('remembers the first look, then tells a rise once, across reloads', async () => {
    const t = setup();
    const deps = { userId: 'u1', wl: t.wl, store: t.s, now: () => WED };
    expect(await checkNotices(deps)).toEqual([]);
    expect(JSON.parse(t.store.get(MEMORY_PREFIX + 'u1')!)).toMatchObject({ level: 'low', summaryWeek: '2026-W10' });
    t.setLevel('high');
    const told = await checkNotices(deps);
    expect(told.map((n) => n.title)).toEqual(['Burnout risk is high']);
    // A reload: the memory comes from storage only.
    expect(await checkNotices({ ...deps, now: () => new Date(WED.getTime() + 5_000) })).toEqual([]);
  });

  it('uses the form defaults for choices never saved', async () => {
    const t = setup({ notifications: null });
    const deps = { userId: 'u1', wl: t.wl, store: t.s, now: () => WED };
    await checkNotices(deps);
    t.setLevel('high');
    expect((await checkNotices(deps)).map((n) => n.kind)).toEqual(['level_rises']);
  });

  it('tells nothing chosen off', async () => {
    const t = setup({ notifications: { level_rises: false, over_capacity: false, weekly_summary: false } });
    const deps = { userId: 'u1', wl: t.wl, store: t.s, now: () => WED };
    await checkNotices(deps);
    t.setLevel('critical');
    expect(await checkNotices(deps)).toEqual([]);
  });

  it('goes on when the analysis or the figures fail', async () => {
    const t = setup();
    t.wl.metrics.mockRejectedValue(new ApiError('internal', 'boom', 500));
    const deps = { userId: 'u1', wl: t.wl, store: t.s, now: () => WED };
    await checkNotices(deps);
    t.setLevel('high');
    expect((await checkNotices(deps)).map((n) => n.kind)).toEqual(['level_rises']);
    t.wl.status.mockRejectedValue(new ApiError('internal', 'boom', 500));
    t.wl.metrics.mockResolvedValue(OVER);
    expect((await checkNotices(deps)).map((n) => n.kind)).toEqual(['over_capacity']);
  });

  it('keeps the memory in the page when storage fails', async () => {
    const t = setup();
    const broken = {
      getItem: () => null,
      setItem: () => {
        throw new Error('full');
      },
    };
    const fallback = { memory: null as NoticeMemory | null };
    const deps = { userId: 'u1', wl: t.wl, store: broken, now: () => WED, fallback };
    await checkNotices(deps);
    expect(fallback.memory?.level).toBe('low');
    t.setLevel('high');
    expect(await checkNotices(deps)).toHaveLength(1);
    expect(await checkNotices(deps)).toEqual([]);
  });
});

describe('when to check', () => {
  it('checks on focus only after a while', () => {
    expect(checkOnFocus(null, 1_000)).toBe(true);
    expect(checkOnFocus(1_000, 1_000 + FOCUS_GAP_MS - 1)).toBe(false);
    expect(checkOnFocus(1_000, 1_000 + FOCUS_GAP_MS)).toBe(true);
  });

  it('checks every 10 to 15 minutes', () => {
    expect(CHECK_EVERY_MS).toBeGreaterThanOrEqual(10 * 60_000);
    expect(CHECK_EVERY_MS).toBeLessThanOrEqual(15 * 60_000);
  });
});
