import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  CBI_ITEMS,
  chartIndexFor,
  loadSentence,
  cbiBand,
  checkinPrivacy,
  unestimatedNote,
  cbiItemScore,
  cbiScore,
  checkinBody,
  commitmentsProblem,
  constraintsProblem,
  parsePreferences,
  preferencesProblem,
  dayLabel,
  formatContribution,
  formatDay,
  formatDays,
  fixPlurals,
  formatSlot,
  formatHours,
  formatShare,
  gaugeAngle,
  gaugeArc,
  gaugeBands,
  gaugePoint,
  groupByWeek,
  humanize,
  isOver,
  isoWeekday,
  levelForScore,
  linePoints,
  niceMax,
  parseAnalysis,
  parseConstraints,
  parseDaysOff,
  parseForecast,
  parseHistory,
  parseMetrics,
  parsePlan,
  parseProfile,
  planText,
  parseRecommendations,
  profileProblem,
  rankFactors,
  scaleY,
  sortRecommendations,
  trendText,
  ticks,
  weekLabel,
  weekStart,
  weeklyHours,
  workloadApi,
  type Factor,
  type Profile,
  type Requester,
} from './workload';

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

/** A requester that records calls and answers from a queue (an Error is thrown). */
function fakeRequest(...answers: unknown[]) {
  const calls: Call[] = [];
  const request: Requester = async <T>(method: string, path: string, o?: { body?: unknown }) => {
    calls.push({ method, path, body: o?.body });
    if (answers.length === 0) throw new Error(`unexpected ${method} ${path}`);
    const a = answers.shift();
    if (a instanceof Error) throw a;
    return a as T;
  };
  return { request, calls };
}

const notFound = () => new ApiError('not_found', 'Not found.', 404);

const profile: Profile = {
  user_id: 'u1',
  role: '',
  department: '',
  timezone: 'Europe/Berlin',
  working_hours: { start: '09:00', end: '17:00' },
  working_days: [5, 1, 2, 3, 4],
};

describe('gauge', () => {
  it.each([
    { name: 'zero is far left', score: 0, angle: -90 },
    { name: 'half is straight up', score: 50, angle: 0 },
    { name: 'full is far right', score: 100, angle: 90 },
    { name: 'below zero clamps', score: -20, angle: -90 },
    { name: 'above 100 clamps', score: 140, angle: 90 },
    { name: 'not a number reads as zero', score: NaN, angle: -90 },
  ])('$name', ({ score, angle }) => {
    expect(gaugeAngle(score)).toBe(angle);
  });

  it('places points on the half circle', () => {
    expect(gaugePoint(100, 100, 80, 0)).toEqual({ x: 20, y: 100 });
    expect(gaugePoint(100, 100, 80, 50)).toEqual({ x: 100, y: 20 });
    expect(gaugePoint(100, 100, 80, 100)).toEqual({ x: 180, y: 100 });
  });

  it('draws arcs clockwise without the large-arc flag', () => {
    expect(gaugeArc(100, 100, 80, 0, 100)).toBe('M 20 100 A 80 80 0 0 1 180 100');
  });

  it('has one band per level, covering 0 to 100 without gaps', () => {
    const bands = gaugeBands();
    expect(bands.map((b) => b.level)).toEqual(['low', 'moderate', 'high', 'critical']);
    expect(bands[0].from).toBe(0);
    expect(bands.at(-1)?.to).toBe(100);
    for (let i = 1; i < bands.length; i++) expect(bands[i].from).toBe(bands[i - 1].to);
  });

  it.each([
    { score: 0, level: 'low' },
    { score: 19.9, level: 'low' },
    { score: 20, level: 'moderate' },
    { score: 44.9, level: 'moderate' },
    { score: 45, level: 'high' },
    { score: 70, level: 'critical' },
    { score: 100, level: 'critical' },
  ])('score $score is $level', ({ score, level }) => {
    expect(levelForScore(score)).toBe(level);
  });
});

describe('factors', () => {
  const f = (name: string, contribution: number): Factor => ({ name, label: humanize(name), value: 1, contribution, weight: 10, explanation: '' });

  it('ranks by contribution and gives each its share of the positive total', () => {
    const ranked = rankFactors([f('meetings', 10), f('overdue', 30), f('focus_time', -5), f('after_hours', 10)]);
    expect(ranked.map((r) => r.name)).toEqual(['overdue', 'after_hours', 'meetings', 'focus_time']);
    expect(ranked[0].share).toBe(0.6);
    expect(ranked[3].share).toBe(0);
  });

  it('gives no share when nothing contributes', () => {
    expect(rankFactors([f('a', 0)])[0].share).toBe(0);
  });

  it.each([
    { points: 12.345, text: '+12.3 points' },
    { points: -3, text: '−3 points' },
    { points: 1, text: '+1 point' },
    { points: 0, text: '0 points' },
  ])('writes $points as $text', ({ points, text }) => {
    expect(formatContribution(points)).toBe(text);
  });

  it('turns names into labels', () => {
    expect(humanize('after_hours_work')).toBe('After hours work');
    expect(humanize('')).toBe('');
  });
});

describe('chart scaling', () => {
  it.each([
    { max: 0, top: 1 },
    { max: -3, top: 1 },
    { max: 0.7, top: 1 },
    { max: 7, top: 10 },
    { max: 8, top: 10 },
    { max: 12, top: 20 },
    { max: 22, top: 25 },
    { max: 40, top: 50 },
    { max: 50, top: 50 },
    { max: 51, top: 100 },
  ])('the axis over $max tops at $top', ({ max, top }) => {
    expect(niceMax(max)).toBe(top);
  });

  it('spaces ticks evenly from zero', () => {
    expect(ticks(9, 4)).toEqual([0, 2.5, 5, 7.5, 10]);
  });

  it.each([
    { max: 21.3, want: [0, 5, 10, 15, 20, 25] },
    { max: 18, want: [0, 5, 10, 15, 20] },
    { max: 9, want: [0, 2, 4, 6, 8, 10] },
    { max: 45, want: [0, 10, 20, 30, 40, 50] },
    { max: 0, want: [0, 0.2, 0.4, 0.6, 0.8, 1] },
    { max: 100, want: [0, 20, 40, 60, 80, 100] },
  ])('picks round steps up to $max', ({ max, want }) => {
    expect(ticks(max)).toEqual(want);
  });

  it('scales values into the box, clamped', () => {
    expect(scaleY(0, 10, 100)).toBe(100);
    expect(scaleY(10, 10, 100)).toBe(0);
    expect(scaleY(2.5, 10, 100)).toBe(75);
    expect(scaleY(20, 10, 100)).toBe(0);
    expect(scaleY(5, 0, 100)).toBe(100);
  });

  it('draws line points across the width', () => {
    expect(linePoints([0, 50, 100], 100, 200, 100)).toBe('0,100 100,50 200,0');
    expect(linePoints([40], 100, 200, 100)).toBe('100,60');
    expect(linePoints([], 100, 200, 100)).toBe('');
  });

  it('calls more than capacity over, and any work on a day without capacity', () => {
    expect(isOver(8.5, 8)).toBe(true);
    expect(isOver(8, 8)).toBe(false);
    expect(isOver(1, 0)).toBe(true);
    expect(isOver(0, 0)).toBe(false);
  });
});

describe('weeks', () => {
  it.each([
    { date: '2026-11-23', start: '2026-11-23' }, // a Monday
    { date: '2026-11-26', start: '2026-11-23' },
    { date: '2026-11-29', start: '2026-11-23' }, // Sunday ends the week
    { date: '2026-11-30', start: '2026-11-30' },
    { date: '2027-01-01', start: '2026-12-28' }, // across the year
  ])('$date is in the week of $start', ({ date, start }) => {
    expect(weekStart(date)).toBe(start);
  });

  it('sums days into weeks from Monday', () => {
    const days = [
      { date: '2026-11-27', planned: 6, capacity: 8, meetings: 1 },
      { date: '2026-11-30', planned: 9.5, capacity: 8, meetings: 2 },
      { date: '2026-11-26', planned: 10, capacity: 8, meetings: 3 },
      { date: '2026-12-01', planned: 2, capacity: 8, meetings: 0 },
    ];
    expect(groupByWeek(days)).toEqual([
      { start: '2026-11-23', end: '2026-11-27', week: 0, planned: 16, capacity: 16, meetings: 4, days: 2 },
      { start: '2026-11-30', end: '2026-12-01', week: 0, planned: 11.5, capacity: 16, meetings: 2, days: 2 },
    ]);
  });

  it('labels weeks with their number and the days the window holds', () => {
    expect(weekLabel({ start: '2026-11-26', end: '2026-11-29', week: 48 })).toBe('Week 48, 26 Nov – 29 Nov');
    expect(weekLabel({ start: '2026-11-23', end: '', week: 0 })).toBe('Week from 23 Nov');
  });

  it('names days', () => {
    expect(isoWeekday('2026-11-29')).toBe(7);
    expect(dayLabel('2026-11-26')).toBe('Thu 26 Nov');
  });
});

describe('check-in (CBI work-related)', () => {
  it('has the seven items, three on degree then four on frequency, the last reversed', () => {
    expect(CBI_ITEMS).toHaveLength(7);
    expect(CBI_ITEMS.map((i) => i.scale)).toEqual(['degree', 'degree', 'degree', 'frequency', 'frequency', 'frequency', 'frequency']);
    expect(CBI_ITEMS.filter((i) => i.reversed).map((i) => i.n)).toEqual([7]);
  });

  it('scores 100 to 0 from the first answer down, the other way for the reversed item', () => {
    expect([0, 1, 2, 3, 4].map((o) => cbiItemScore(CBI_ITEMS[0], o))).toEqual([100, 75, 50, 25, 0]);
    expect([0, 1, 2, 3, 4].map((o) => cbiItemScore(CBI_ITEMS[6], o))).toEqual([0, 25, 50, 75, 100]);
  });

  it.each([
    { name: 'all most-burnt-out answers', answers: [0, 0, 0, 0, 0, 0, 4], score: 100 },
    { name: 'all least-burnt-out answers', answers: [4, 4, 4, 4, 4, 4, 0], score: 0 },
    { name: 'all middle answers', answers: [2, 2, 2, 2, 2, 2, 2], score: 50 },
    { name: 'the mean of the answered items', answers: [1, 1, 1, 1, null, null, null], score: 75 },
    { name: 'three answers are enough', answers: [0, 0, 0, null, null, null, null], score: 100 },
    { name: 'too few answers', answers: [0, 0, null, null, null, null, null], score: null },
    { name: 'rounded to one decimal', answers: [0, 1, 1, null, null, null, null], score: 83.3 },
    { name: 'nothing answered', answers: [], score: null },
  ])('$name', ({ answers, score }) => {
    expect(cbiScore(answers)).toBe(score);
  });

  it.each([
    { score: 0, label: 'Low' },
    { score: 49.9, label: 'Low' },
    { score: 50, label: 'Moderate' },
    { score: 75, label: 'High' },
    { score: 100, label: 'Severe' },
  ])('band of $score is $label', ({ score, label }) => {
    expect(cbiBand(score).label).toBe(label);
  });

  it('sends each answer as the position of its option (1–5, 0 skipped), and the text trimmed', () => {
    expect(checkinBody('u1', { cbi: [0, 1, 2, 3, 4, null, 0], text: '  tired  ' })).toEqual({
      user_id: 'u1',
      cbi_answers: [1, 2, 3, 4, 5, null, 1],
      checkin: 'tired',
    });
  });

  it('sends a text-only check-in without answers', () => {
    expect(checkinBody('u1', { cbi: [null, null], text: 'fine' })).toEqual({ user_id: 'u1', checkin: 'fine' });
    expect(checkinBody('u1', { text: '   ' })).toEqual({ user_id: 'u1' });
  });
});

describe('reading answers', () => {
  it('reads an analysis as the contract gives it', () => {
    const a = parseAnalysis({
      id: 'a1',
      score: 72.5,
      level: 'high',
      factors: [{ name: 'overdue_tasks', value: 4, contribution: 18, explanation: '4 tasks are overdue' }],
      analyzed_at: '2026-11-26T09:00:00Z',
    });
    expect(a).toEqual({
      id: 'a1',
      score: 72.5,
      level: 'high',
      factors: [{ name: 'overdue_tasks', label: 'Overdue tasks', value: 4, contribution: 18, weight: 0, explanation: '4 tasks are overdue' }],
      analyzed_at: '2026-11-26T09:00:00Z',
      cbi_score: null,
      trend: { direction: 'new', previous: null, change: 0, average30d: null },
      forecast: [],
      unestimated: 0,
    });
  });

  it('reads the trend, the forecast and the factor names the API uses', () => {
    const a = parseAnalysis({
      score: 40,
      level: 'moderate',
      factors: [{ name: 'after_hours', value: 3, contribution: 4.2, weight: 11, explanation: '' }],
      trend: { direction: 'rising', previous_score: 31, change: 9, average_30d: 35.5 },
      forecast: [{ date: '2026-11-27', planned_hours: 9, capacity_hours: 8, over_capacity: true, level: 'high' }],
      summary: { unestimated_open_tasks: 2 },
    });
    expect(a.factors[0]).toMatchObject({ label: 'Work outside working hours', weight: 11 });
    expect(a.trend).toEqual({ direction: 'rising', previous: 31, change: 9, average30d: 35.5 });
    expect(trendText(a.trend)).toBe('Up 9 points since the last analysis.');
    expect(a.forecast[0]).toMatchObject({ date: '2026-11-27', planned: 9, level: 'high' });
    expect(a.unestimated).toBe(2);
  });

  it.each([
    { t: { direction: 'new', previous: null, change: 0, average30d: null }, text: '' },
    { t: { direction: 'falling', previous: 50, change: -12, average30d: null }, text: 'Down 12 points since the last analysis.' },
    { t: { direction: 'stable', previous: 50, change: 0, average30d: null }, text: 'No change since the last analysis.' },
    { t: { direction: 'stable', previous: 50, change: -2.5, average30d: null }, text: 'About the same as the last analysis (−2.5).' },
  ])('trend $t.direction $t.change reads "$text"', ({ t, text }) => {
    expect(trendText(t)).toBe(text);
  });

  it('clamps the score, derives a missing level and reads a nested CBI score', () => {
    const a = parseAnalysis({ analysis: { score: 130, factors: null, cbi: { score: 62.5 } } });
    expect(a.score).toBe(100);
    expect(a.level).toBe('critical');
    expect(a.factors).toEqual([]);
    expect(a.cbi_score).toBe(62.5);
  });

  it('refuses an answer that is not an analysis', () => {
    expect(() => parseAnalysis({ hello: 1 })).toThrow(/cannot read/);
    expect(() => parseAnalysis(null)).toThrow(ApiError);
  });

  it('reads history oldest first and skips points without a time', () => {
    expect(
      parseHistory({
        history: [
          { analyzed_at: '2026-11-25T00:00:00Z', score: 50, level: 'moderate' },
          { analyzed_at: '2026-11-20T00:00:00Z', score: 15 },
          { score: 99 },
        ],
      }),
    ).toEqual([
      { at: '2026-11-20T00:00:00Z', score: 15, level: 'low' },
      { at: '2026-11-25T00:00:00Z', score: 50, level: 'moderate' },
    ]);
    expect(parseHistory(null)).toEqual([]);
  });

  it('reads daily figures, groups weeks when the API sends none, and lists the known figures', () => {
    const m = parseMetrics({
      days: [
        { date: '2026-11-24', planned_hours: 10, capacity_hours: 8, meeting_hours: 2 },
        { date: '2026-11-23T00:00:00Z', planned_hours: 4, capacity_hours: 8 },
        { date: 'not a date', planned_hours: 4 },
      ],
      overdue: { count: 3, max_age_days: 0 },
      totals: { meeting_share: 0.25, focus_hours: 6, planned_hours: 14, capacity_hours: 16, unestimated_tasks: 2 },
      behavior: { completion_rate: null },
      profile_defaults: true,
      generated_at: '2026-11-26T09:00:00Z',
    });
    expect(m.days.map((d) => d.date)).toEqual(['2026-11-23', '2026-11-24']);
    expect(m.weeks).toEqual([{ start: '2026-11-23', end: '2026-11-24', week: 0, planned: 14, capacity: 16, meetings: 2, days: 2 }]);
    expect(m.figures).toEqual([
      { key: 'overdue.count', label: 'Overdue tasks', text: '3' },
      { key: 'totals.meeting_share', label: 'Meetings, share of capacity', text: '25%' },
      { key: 'totals.focus_hours', label: 'Focus time (free blocks of 2 h or more)', text: '6 h' },
    ]);
    expect(m.calculated_at).toBe('2026-11-26T09:00:00Z');
    expect([m.planned, m.capacity, m.unestimated, m.defaults]).toEqual([14, 16, 2, true]);
    expect(m.overdue).toEqual([]);
  });

  it('lists overdue tasks oldest first', () => {
    const m = parseMetrics({
      days: [],
      overdue: {
        count: 2,
        tasks: [
          { id: 'a', title: 'Newer', age_days: 1.2, hours: 2 },
          { id: 'b', title: 'Older', age_days: 9.6, hours: 0 },
          { title: 'no id' },
        ],
      },
    });
    expect(m.overdue.map((t) => t.title)).toEqual(['Older', 'Newer']);
    expect(formatDays(9.6)).toBe('10 days');
    expect(formatDays(1.2)).toBe('1 day');
  });

  it('keeps weeks the API sends', () => {
    const m = parseMetrics({
      days: [],
      weeks: [{ week: '2026-W49', start: '2026-11-30', end: '2026-12-06', planned_hours: 30, capacity_hours: 40 }],
    });
    expect(m.weeks).toEqual([{ start: '2026-11-30', end: '2026-12-06', week: 49, planned: 30, capacity: 40, meetings: 0, days: 7 }]);
  });

  it('reads the forecast in date order', () => {
    expect(
      parseForecast({
        forecast: [
          { date: '2026-11-28', planned_hours: 3, capacity_hours: 0, meeting_hours: 1, deadlines_due: 2, score: 55, level: 'moderate' },
          { date: '2026-11-27', planned_hours: 9, capacity_hours: 8 },
        ],
      }),
    ).toEqual([
      { date: '2026-11-27', planned: 9, capacity: 8, meetings: 0, deadlines: 0, score: null, level: null },
      { date: '2026-11-28', planned: 3, capacity: 0, meetings: 1, deadlines: 2, score: 55, level: 'moderate' },
    ]);
  });

  it('reads recommendations and drops ones without an id', () => {
    const recs = parseRecommendations({
      recommendations: [
        { id: 'r1', kind: 'delegate', title: 'Delegate 2 tasks', explanation: 'x', tasks: [{ id: 't1', title: 'A' }], hours_freed: 5 },
        { kind: 'split', title: 'no id' },
        { id: 'r2', kind: 'split', title: 'old', status: 'superseded' },
        { id: 'r3', kind: 'split', title: 'rated', status: 'accepted', helpful: true },
      ],
    });
    expect(recs).toEqual([
      { id: 'r1', kind: 'delegate', title: 'Delegate 2 tasks', explanation: 'x', tasks: [{ id: 't1', title: 'A', new_deadline: '', parts: [] }], hours_freed: 5, slot: null, status: '', helpful: null },
      { id: 'r3', kind: 'split', title: 'rated', explanation: '', tasks: [], hours_freed: 0, slot: null, status: 'accepted', helpful: true },
    ]);
  });

  it('reads a focus block and a proposed deadline', () => {
    const [r] = parseRecommendations([
      {
        id: 'r1',
        kind: 'focus_block',
        tasks: [{ id: 't', title: 'T', new_deadline: '2026-12-14T17:00:00Z' }],
        slot: { start: '2026-11-27T09:00:00Z', end: '2026-11-27T11:00:00Z' },
      },
    ]);
    expect(r.slot).toEqual({ start: '2026-11-27T09:00:00Z', end: '2026-11-27T11:00:00Z' });
    expect(formatSlot(r.slot!.start, r.slot!.end, 'Europe/Berlin')).toBe('Fri 27 Nov, 10:00–12:00');
    expect(formatDay(r.tasks[0].new_deadline, 'UTC')).toBe('Mon 14 Dec');
    expect(formatSlot('x', 'y')).toBe('');
  });

  it("reads a split's parts, dropping unreadable ones", () => {
    const [r] = parseRecommendations([
      {
        id: 'r1',
        kind: 'split',
        tasks: [
          {
            id: 't',
            title: 'T',
            new_deadline: '2026-12-15T17:00:00Z',
            parts: [
              { title: 'T (part 1 of 2)', estimated_hours: 1.5, deadline: '2026-12-14T17:00:00Z' },
              { title: 'T (part 2 of 2)', estimated_hours: '1.5', deadline: '2026-12-15T17:00:00Z' },
              { title: '', estimated_hours: 1, deadline: '2026-12-16T17:00:00Z' },
              'junk',
            ],
          },
        ],
      },
    ]);
    expect(r.tasks[0].parts).toEqual([
      { title: 'T (part 1 of 2)', estimated_hours: 1.5, deadline: '2026-12-14T17:00:00Z' },
      { title: 'T (part 2 of 2)', estimated_hours: 1.5, deadline: '2026-12-15T17:00:00Z' },
    ]);
  });

  it('sorts open recommendations first, larger savings first', () => {
    const r = (id: string, hours: number, status = '') => ({ id, kind: 'split', title: id, explanation: '', tasks: [], hours_freed: hours, slot: null, status, helpful: null });
    expect(sortRecommendations([r('a', 1), r('b', 9, 'dismissed'), r('c', 4)]).map((x) => x.id)).toEqual(['c', 'a', 'b']);
  });

  it('reads a plan and says what following it does', () => {
    const p = parsePlan({ recommendations: [{ id: 'r1', kind: 'delegate' }], excess_hours_before: 12, excess_hours_after: 0, horizon_days: 14 });
    expect(p.recommendations).toHaveLength(1);
    expect(planText(p)).toBe('Following all of them takes the next 14 days from 12 h over capacity to within capacity.');
    expect(planText({ ...p, excessAfter: 2.5 })).toBe('Following all of them takes the next 14 days from 12 h over capacity to 2.5 h over.');
    expect(planText({ ...p, excessBefore: 0 })).toBe('');
    expect(planText(parsePlan({ recommendations: [] }))).toBe('');
  });

  it('reads a profile with defaults and drops bad weekdays', () => {
    expect(parseProfile({ user_id: 'u1', timezone: 'UTC', working_days: [1, 8, 0, '2', 3] })).toEqual({
      user_id: 'u1',
      role: '',
      department: '',
      timezone: 'UTC',
      working_hours: { start: '09:00', end: '17:00' },
      working_days: [1, 2, 3],
    });
  });

  it('reads constraints', () => {
    expect(
      parseConstraints({
        constraints: { max_weekly_hours: 32, days_off: ['2026-12-24T00:00:00Z'], fixed_commitments: [{ title: 'School run', weekday: 3, start: '08:00', end: '09:00' }] },
      }),
    ).toEqual({
      max_weekly_hours: 32,
      days_off: ['2026-12-24'],
      fixed_commitments: [{ title: 'School run', weekday: 3, start: '08:00', end: '09:00' }],
    });
  });
});

describe('the profile form', () => {
  it.each([
    { name: 'a good profile', change: {}, field: null },
    { name: 'an unknown time zone', change: { timezone: 'Mars/Olympus' }, field: 'timezone' },
    { name: 'an empty time zone', change: { timezone: ' ' }, field: 'timezone' },
    { name: 'a start that is not a time', change: { working_hours: { start: '9', end: '17:00' } }, field: 'working_hours.start' },
    { name: 'an end before the start', change: { working_hours: { start: '17:00', end: '09:00' } }, field: 'working_hours.end' },
    { name: 'no working days', change: { working_days: [] }, field: 'working_days' },
  ])('$name', ({ change, field }) => {
    expect(profileProblem({ ...profile, ...change })?.field ?? null).toBe(field);
  });

  it.each([
    { name: 'good constraints', max: 40, off: ['2026-12-24'], field: null },
    { name: 'no hours', max: 0, off: [], field: 'max_weekly_hours' },
    { name: 'more hours than a week has', max: 169, off: [], field: 'max_weekly_hours' },
    { name: 'a day off that is not a date', max: 40, off: ['24/12'], field: 'days_off' },
  ])('$name', ({ max, off, field }) => {
    expect(constraintsProblem({ max_weekly_hours: max, days_off: off, fixed_commitments: [] })?.field ?? null).toBe(field);
  });

  const fixed = (o: Partial<{ title: string; weekday: number; start: string; end: string }> = {}) => ({ title: 'School run', weekday: 3, start: '15:00', end: '16:00', ...o });

  it.each([
    { name: 'good commitments', list: [fixed(), fixed({ weekday: 7 })], field: null },
    { name: 'an end before the start', list: [fixed(), fixed({ start: '16:00', end: '15:30' })], field: 'fixed_commitments.1.end' },
    { name: 'an end equal to the start', list: [fixed({ end: '15:00' })], field: 'fixed_commitments.0.end' },
    { name: 'a start that is not a time', list: [fixed({ start: '' })], field: 'fixed_commitments.0.start' },
    { name: 'a weekday out of range', list: [fixed({ weekday: 8 })], field: 'fixed_commitments.0.weekday' },
    { name: 'a title too long', list: [fixed({ title: 'x'.repeat(201) })], field: 'fixed_commitments.0.title' },
  ])('commitments: $name', ({ list, field }) => {
    expect(commitmentsProblem(list)?.field ?? null).toBe(field);
    expect(constraintsProblem({ max_weekly_hours: 40, days_off: [], fixed_commitments: list })?.field ?? null).toBe(field);
  });

  it('names an untitled commitment by its row', () => {
    expect(commitmentsProblem([fixed(), fixed({ title: '', end: '14:00' })])?.message).toBe('Commitment 2 must end after it starts.');
  });

  it.each([
    { name: 'the defaults', change: {}, field: null },
    { name: 'a focus block too short', change: { focus_block_minutes: 10 }, field: 'focus_block_minutes' },
    { name: 'a focus block too long', change: { focus_block_minutes: 481 }, field: 'focus_block_minutes' },
    { name: 'a focus block not typed', change: { focus_block_minutes: NaN }, field: 'focus_block_minutes' },
    { name: 'the shortest focus block', change: { focus_block_minutes: 15 }, field: null },
    { name: 'the longest focus block', change: { focus_block_minutes: 480 }, field: null },
  ])('preferences: $name', ({ change, field }) => {
    expect(preferencesProblem({ ...parsePreferences({}), ...change })?.field ?? null).toBe(field);
  });

  it.each([
    { name: 'no limit', m: { max_hours_per_day: null }, field: null },
    { name: 'a day of meetings', m: { max_hours_per_day: 25 }, field: 'meeting_preferences.max_hours_per_day' },
    { name: 'a negative buffer', m: { buffer_minutes: -5 }, field: 'meeting_preferences.buffer_minutes' },
    { name: 'a long buffer', m: { buffer_minutes: 121 }, field: 'meeting_preferences.buffer_minutes' },
  ])('meeting preferences: $name', ({ m, field }) => {
    const p = parsePreferences({});
    expect(preferencesProblem({ ...p, meeting_preferences: { ...p.meeting_preferences, ...m } })?.field ?? null).toBe(field);
  });

  it('reads typed days off as sorted unique dates', () => {
    expect(parseDaysOff('2026-12-31, 2026-12-24;2026-12-24\n')).toEqual(['2026-12-24', '2026-12-31']);
    expect(parseDaysOff('  ')).toEqual([]);
  });

  it('gives weekly hours from the working day and days', () => {
    expect(weeklyHours(profile)).toBe(40);
    expect(weeklyHours({ working_hours: { start: '09:30', end: '12:00' }, working_days: [1, 2] })).toBe(5);
    expect(weeklyHours({ working_hours: { start: '12:00', end: '09:00' }, working_days: [1] })).toBe(0);
  });
});

describe('numbers', () => {
  it('formats hours and shares', () => {
    expect(formatHours(3.46)).toBe('3.5 h');
    expect(formatHours(NaN)).toBe('0 h');
    expect(formatShare(0.333)).toBe('33%');
    expect(formatShare(45)).toBe('45%');
  });
});

describe('workload client', () => {
  it('creates a profile with the contract body, weekdays sorted, empty role left out', async () => {
    const { request, calls } = fakeRequest({ ...profile, working_days: [1, 2, 3, 4, 5] });
    const p = await workloadApi(request).createProfile(profile);
    expect(calls).toEqual([
      {
        method: 'POST',
        path: '/api/profile/create',
        body: {
          user_id: 'u1',
          timezone: 'Europe/Berlin',
          working_hours: { start: '09:00', end: '17:00' },
          working_days: [1, 2, 3, 4, 5],
        },
      },
    ]);
    expect(p.working_days).toEqual([1, 2, 3, 4, 5]);
  });

  it('updates a profile without repeating the user id in the body', async () => {
    const { request, calls } = fakeRequest(profile);
    await workloadApi(request).updateProfile({ ...profile, role: ' Engineer ' });
    expect(calls[0].method).toBe('PUT');
    expect(calls[0].path).toBe('/api/profile/u1');
    expect(calls[0].body).toEqual({
      role: 'Engineer',
      timezone: 'Europe/Berlin',
      working_hours: { start: '09:00', end: '17:00' },
      working_days: [1, 2, 3, 4, 5],
    });
  });

  it('gives null for a missing profile, status and metrics', async () => {
    const { request } = fakeRequest(notFound(), notFound(), notFound());
    const w = workloadApi(request);
    expect(await w.profile('u1')).toBeNull();
    expect(await w.status('u1')).toBeNull();
    expect(await w.metrics('u1')).toBeNull();
  });

  it('passes other errors on', async () => {
    const { request } = fakeRequest(new ApiError('invalid', 'Unknown time zone.', 400, 'timezone'));
    await expect(workloadApi(request).createProfile(profile)).rejects.toMatchObject({ code: 'invalid', field: 'timezone' });
  });

  it('escapes the user id in paths', async () => {
    const { request, calls } = fakeRequest([]);
    await workloadApi(request).history('a/b');
    expect(calls[0].path).toBe('/api/burnout/history/a%2Fb');
  });

  it('analyzes, generates and sends feedback with the contract bodies', async () => {
    const { request, calls } = fakeRequest({ score: 10, level: 'low', factors: [] }, { recommendations: [] }, { id: 'r1', status: 'dismissed' }, { id: 'r1', status: 'dismissed', helpful: false });
    const w = workloadApi(request);
    await w.analyze('u1');
    await w.generate('u1');
    await w.recommendationFeedback('u1', 'r1', { action: 'dismissed' });
    expect(await w.recommendationFeedback('u1', 'r1', { action: 'dismissed', helpful: false })).toMatchObject({ status: 'dismissed', helpful: false });
    expect(calls).toEqual([
      { method: 'POST', path: '/api/burnout/analyze', body: { user_id: 'u1' } },
      { method: 'POST', path: '/api/recommendations/generate', body: { user_id: 'u1' } },
      { method: 'POST', path: '/api/recommendations/feedback', body: { user_id: 'u1', recommendation_id: 'r1', action: 'dismissed' } },
      { method: 'POST', path: '/api/recommendations/feedback', body: { user_id: 'u1', recommendation_id: 'r1', action: 'dismissed', helpful: false } },
    ]);
  });

  it('reads the status with its forecast', async () => {
    const { request } = fakeRequest({ score: 45, level: 'moderate', factors: [], forecast: [{ date: '2026-11-27', planned_hours: 4, capacity_hours: 8 }] });
    const s = await workloadApi(request).status('u1');
    expect(s?.level).toBe('moderate');
    expect(s?.forecast).toHaveLength(1);
  });

  it('reads the profile with its constraints in one call', async () => {
    const { request, calls } = fakeRequest({ ...profile, constraints: { max_weekly_hours: 30, days_off: [] } }, { ...profile });
    const w = workloadApi(request);
    const s = await w.settings('u1');
    expect(calls[0]).toMatchObject({ method: 'GET', path: '/api/profile/u1' });
    expect(s?.profile.timezone).toBe('Europe/Berlin');
    expect(s?.constraints?.max_weekly_hours).toBe(30);
    expect((await w.settings('u1'))?.constraints).toBeNull();
  });

  it('reads preferences, defaulting what is missing and keeping unknown keys', async () => {
    const { request } = fakeRequest({
      ...profile,
      preferences: { focus_block_minutes: 90, meeting_preferences: { no_meeting_days: [5, 9, 'x'], buffer_minutes: 10, room: 'A' }, notifications: { weekly_summary: true } },
    });
    const s = await workloadApi(request).settings('u1');
    expect(s?.preferences).toEqual({
      focus_block_minutes: 90,
      meeting_preferences: { no_meeting_days: [5], buffer_minutes: 10, room: 'A', max_hours_per_day: null },
      notifications: { weekly_summary: true, level_rises: true, over_capacity: true },
    });
    expect(parsePreferences(null).focus_block_minutes).toBe(120);
  });

  it('saves preferences with all three fields', async () => {
    const { request, calls } = fakeRequest({ focus_block_minutes: 45 });
    const p = parsePreferences({ focus_block_minutes: 45 });
    const saved = await workloadApi(request).savePreferences('u1', p);
    expect(calls[0]).toEqual({
      method: 'POST',
      path: '/api/profile/u1/preferences',
      body: { focus_block_minutes: 45, meeting_preferences: p.meeting_preferences, notifications: p.notifications },
    });
    expect(saved.focus_block_minutes).toBe(45);
  });

  it('saves constraints with all three fields', async () => {
    const { request, calls } = fakeRequest({});
    await workloadApi(request).saveConstraints('u1', { max_weekly_hours: 35, days_off: ['2026-12-24'], fixed_commitments: [] });
    expect(calls[0]).toEqual({
      method: 'POST',
      path: '/api/profile/u1/constraints',
      body: { max_weekly_hours: 35, days_off: ['2026-12-24'], fixed_commitments: [] },
    });
  });
});

describe('chart keyboard', () => {
  it.each([
    { name: 'right starts at the first', key: 'ArrowRight', cur: -1, n: 5, want: 0 },
    { name: 'left starts at the last', key: 'ArrowLeft', cur: -1, n: 5, want: 4 },
    { name: 'right moves on', key: 'ArrowRight', cur: 1, n: 5, want: 2 },
    { name: 'right stops at the end', key: 'ArrowRight', cur: 4, n: 5, want: 4 },
    { name: 'left stops at the start', key: 'ArrowLeft', cur: 0, n: 5, want: 0 },
    { name: 'Home jumps to the first', key: 'Home', cur: 3, n: 5, want: 0 },
    { name: 'End jumps to the last', key: 'End', cur: 0, n: 5, want: 4 },
    { name: 'other keys are left alone', key: 'a', cur: 0, n: 5, want: null },
    { name: 'an empty chart takes no keys', key: 'ArrowRight', cur: -1, n: 0, want: null },
  ])('$name', ({ key, cur, n, want }) => {
    expect(chartIndexFor(key, cur, n)).toBe(want);
  });

  it.each([
    { planned: 10, capacity: 8, meetings: 2, text: 'Thu: 10 h planned of 8 h capacity, 2 h of it in meetings, over capacity by 2 h.' },
    { planned: 5, capacity: 8, meetings: 0, text: 'Thu: 5 h planned of 8 h capacity, 3 h free.' },
    { planned: 8, capacity: 8, meetings: 0, text: 'Thu: 8 h planned of 8 h capacity, exactly at capacity.' },
    { planned: 2, capacity: 0, meetings: 0, text: 'Thu: 2 h planned on a day without working hours.' },
    { planned: 0, capacity: 0, meetings: 0, text: 'Thu: nothing planned, no working hours.' },
  ])('says $planned of $capacity in words', ({ planned, capacity, meetings, text }) => {
    expect(loadSentence('Thu', planned, capacity, meetings)).toBe(text);
  });
});

describe('fixPlurals', () => {
  it.each([
    ['2 open task(s) are past their deadline, 0.4 days on average.', '2 open tasks are past their deadline, 0.4 days on average.'],
    ['1 open task(s) are past their deadline.', '1 open task is past their deadline.'],
    ['3 deadline(s) in the next 7 days', '3 deadlines in the next 7 days'],
    ['0 meeting(s) start within 5 minutes', '0 meetings start within 5 minutes'],
    ['1 meeting(s) start within 5 minutes', '1 meeting starts within 5 minutes'],
    ['1 day(s) are over capacity by 1.0 h in all.', '1 day is over capacity by 1.0 h in all.'],
    ['0 working day(s) have none.', '0 working days have none.'],
    ['1 working day(s) have none.', '1 working day has none.'],
    ['No brackets here (see notes).', 'No brackets here (see notes).'],
  ])('%s', (input, want) => {
    expect(fixPlurals(input)).toBe(want);
  });
  it('says a fraction of a day as under a day', () => {
    expect(formatDays(0.4)).toBe('under a day');
    expect(formatDays(0)).toBe('0 days');
  });
});

describe('check-in privacy', () => {
  it('says where the words go on each face', () => {
    expect(checkinPrivacy(false)).toContain('this server');
    expect(checkinPrivacy(false)).not.toContain('this computer');
    expect(checkinPrivacy(true)).toContain('this computer');
    expect(checkinPrivacy(true)).toContain('team server');
    for (const d of [false, true]) expect(checkinPrivacy(d)).not.toMatch(/nothing is sent/);
  });
});

describe('tasks without estimates', () => {
  it('say how much they count for, as the API plans them', () => {
    expect(unestimatedNote(1)).toBe('1 open task has no estimated hours, so it counts as 1 hour of work. Add estimated hours to your tasks for a true picture.');
    expect(unestimatedNote(5)).toMatch(/^5 open tasks have no estimated hours, so each counts as 1 hour of work\./);
  });
});
