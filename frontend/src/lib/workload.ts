// The workload and burnout screens' client and rules: typed calls to the
// profile, workload, burnout and recommendation routes, tolerant readers of
// their answers, and the pure arithmetic the charts and the gauge draw with.
// The score, the level and each factor come from the API; nothing here
// decides them, it only shows them.

import { ApiError } from './api';

/** The authenticated request of the API client (api.request). */
export type Requester = <T>(
  method: string,
  path: string,
  o?: { body?: unknown; query?: Record<string, string | number | undefined | null> },
) => Promise<T>;

export type BurnoutLevel = 'low' | 'moderate' | 'high' | 'critical';

export const LEVELS: readonly BurnoutLevel[] = ['low', 'moderate', 'high', 'critical'];

export interface WorkingHours {
  start: string;
  end: string;
}

export interface Profile {
  user_id: string;
  role: string;
  department: string;
  timezone: string;
  working_hours: WorkingHours;
  /** ISO weekdays: 1 Monday … 7 Sunday. */
  working_days: number[];
}

export interface FixedCommitment {
  title: string;
  /** ISO weekday. */
  weekday: number;
  start: string;
  end: string;
}

export interface Constraints {
  max_weekly_hours: number;
  /** Dates (YYYY-MM-DD). */
  days_off: string[];
  fixed_commitments: FixedCommitment[];
}

/** Free-form on the server; these are the keys the Dashboard sets (others are kept as they are). */
export interface MeetingPreferences {
  /** Most meeting hours wanted in a day; null for no limit. */
  max_hours_per_day: number | null;
  /** ISO weekdays to keep free of meetings. */
  no_meeting_days: number[];
  /** Minutes wanted between meetings. */
  buffer_minutes: number;
  [key: string]: unknown;
}

export interface Notifications {
  /** Tell me when the burnout level goes up. */
  level_rises: boolean;
  /** Warn me when this ISO week (Monday to Sunday) goes over capacity. */
  over_capacity: boolean;
  /** A summary of the week on Monday. */
  weekly_summary: boolean;
  [key: string]: unknown;
}

export interface Preferences {
  focus_block_minutes: number;
  meeting_preferences: MeetingPreferences;
  notifications: Notifications;
}

export const DEFAULT_FOCUS_MINUTES = 120;

export interface Factor {
  name: string;
  /** A readable name for the factor, when the API gives one. */
  label: string;
  value: number;
  /** Points this factor adds to the score. */
  contribution: number;
  /** The most points it can add (0 when not said). */
  weight: number;
  explanation: string;
}

/** Names for the factors the API scores. */
export const FACTOR_LABELS: Record<string, string> = {
  workload: 'Planned work against capacity',
  overdue: 'Overdue tasks',
  deadlines: 'Deadlines in the next 7 days',
  meetings: 'Meetings',
  back_to_back: 'Back-to-back meetings',
  after_hours: 'Work outside working hours',
  focus_time: 'Too little focus time',
  cbi_work: 'Check-in: work-related burnout',
  checkin_tone: 'Check-in: tone of your notes',
};

export interface Analysis {
  id: string;
  score: number;
  level: BurnoutLevel;
  factors: Factor[];
  analyzed_at: string;
  /** The check-in's work-related burnout score (0–100), when one was answered. */
  cbi_score: number | null;
  trend: Trend;
  /** The next 14 days from what is scheduled. */
  forecast: ForecastDay[];
  /** Open tasks without an estimate: they count as nothing in the plan. */
  unestimated: number;
}

export interface Trend {
  /** rising, falling, stable, or new (no earlier analysis). */
  direction: string;
  previous: number | null;
  change: number;
  average30d: number | null;
}

export interface HistoryPoint {
  at: string;
  score: number;
  level: BurnoutLevel;
}

export interface DayLoad {
  /** YYYY-MM-DD. */
  date: string;
  planned: number;
  capacity: number;
  meetings: number;
}

export interface WeekLoad {
  /** The first day of the week inside the window (a Monday unless the window starts later), YYYY-MM-DD. */
  start: string;
  /** The last day inside the window; '' when not said. */
  end: string;
  /** ISO week number; 0 when not said. */
  week: number;
  planned: number;
  capacity: number;
  meetings: number;
  days: number;
}

export interface Figure {
  key: string;
  label: string;
  text: string;
}

export interface Metrics {
  days: DayLoad[];
  weeks: WeekLoad[];
  figures: Figure[];
  /** The next days, when the workload answer carries them. */
  forecast: ForecastDay[];
  calculated_at: string;
  /** Totals over the window. */
  planned: number;
  capacity: number;
  /** Open tasks without estimated hours. */
  unestimated: number;
  /** True while no profile exists and the default working pattern is assumed. */
  defaults: boolean;
  /** Open tasks past their deadline, oldest first. */
  overdue: { id: string; title: string; age_days: number; hours: number }[];
}

export interface ForecastDay {
  date: string;
  planned: number;
  capacity: number;
  meetings: number;
  deadlines: number;
  score: number | null;
  level: BurnoutLevel | null;
}

export type RecommendationKind = 'delegate' | 'reschedule' | 'skip_meeting' | 'focus_block' | 'split';

export interface Recommendation {
  id: string;
  kind: RecommendationKind | string;
  title: string;
  explanation: string;
  /**
   * The tasks it is about; a reschedule or split names the proposed deadline,
   * a split the parts to create in its place (empty from older servers).
   */
  tasks: { id: string; title: string; new_deadline: string; parts: TaskPart[] }[];
  hours_freed: number;
  /** A focus block's proposed time; null for other kinds. */
  slot: { start: string; end: string } | null;
  /** open (or ''), accepted or dismissed. */
  status: string;
  /** The user's answer to "helpful?", null before one. */
  helpful: boolean | null;
}

/** open takes an answer back (after undoing what accepting changed). */
export type RecommendationAction = 'accepted' | 'dismissed' | 'open';

/** One daily part of a split, ready to be created as a task. */
export interface TaskPart {
  title: string;
  estimated_hours: number;
  deadline: string;
}

// ---------- reading answers ----------

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(v: unknown, fallback = 0): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return fallback;
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

function first(o: Obj, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** An answer the screen cannot read: said plainly instead of drawing nonsense. */
function unreadable(what: string): ApiError {
  return new ApiError('internal', `The server sent ${what} this version of the app cannot read. Update the app or try again.`, 200);
}

export function parseLevel(v: unknown): BurnoutLevel {
  const s = str(v).toLowerCase();
  return (LEVELS as readonly string[]).includes(s) ? (s as BurnoutLevel) : levelForScore(num(v, NaN));
}

/** "after_hours_work" → "After hours work". */
export function humanize(name: string): string {
  const s = name.replace(/[_-]+/g, ' ').trim();
  return s ? s[0].toUpperCase() + s.slice(1) : '';
}

export function parseFactor(raw: unknown): Factor {
  const o = isObj(raw) ? raw : {};
  const name = str(first(o, 'name', 'key'));
  return {
    name,
    label: str(first(o, 'label', 'title')) || FACTOR_LABELS[name] || humanize(name),
    value: num(o.value),
    contribution: num(first(o, 'contribution', 'points')),
    weight: Math.max(0, num(o.weight)),
    explanation: str(first(o, 'explanation', 'description')),
  };
}

export function parseAnalysis(raw: unknown): Analysis {
  const o = isObj(raw) && isObj(raw.analysis) ? raw.analysis : raw;
  if (!isObj(o) || (o.score === undefined && o.level === undefined)) throw unreadable('a burnout analysis');
  const score = clamp(num(o.score), 0, 100);
  const cbi = first(o, 'cbi_score', 'cbi');
  const cbiScore = isObj(cbi) ? num(cbi.score, NaN) : num(cbi, NaN);
  return {
    id: str(o.id),
    score,
    level: o.level === undefined ? levelForScore(score) : parseLevel(o.level),
    factors: list(o.factors).map(parseFactor),
    analyzed_at: str(first(o, 'analyzed_at', 'created_at')),
    cbi_score: Number.isFinite(cbiScore) ? cbiScore : null,
    trend: parseTrend(o.trend),
    forecast: parseForecast(o.forecast ?? []),
    unestimated: isObj(o.summary) ? num(first(o.summary, 'unestimated_open_tasks', 'unestimated_tasks')) : 0,
  };
}

function parseTrend(raw: unknown): Trend {
  const o = isObj(raw) ? raw : {};
  const prev = num(o.previous_score, NaN);
  const avg = num(o.average_30d, NaN);
  return {
    direction: str(o.direction) || 'new',
    previous: Number.isFinite(prev) ? prev : null,
    change: num(o.change),
    average30d: Number.isFinite(avg) ? avg : null,
  };
}

/** "Up 6 points since the last analysis", "Steady", "" for the first. */
export function trendText(t: Trend): string {
  if (t.direction === 'new' || t.previous === null) return '';
  const c = round1(t.change);
  if (t.direction === 'rising' || c >= 5) return `Up ${Math.abs(c)} points since the last analysis.`;
  if (t.direction === 'falling' || c <= -5) return `Down ${Math.abs(c)} points since the last analysis.`;
  return c === 0 ? 'No change since the last analysis.' : `About the same as the last analysis (${c > 0 ? '+' : '−'}${Math.abs(c)}).`;
}

export function parseHistory(raw: unknown): HistoryPoint[] {
  const items = Array.isArray(raw) ? raw : isObj(raw) ? list(first(raw, 'history', 'analyses', 'items')) : [];
  return items
    .filter(isObj)
    .map((o) => ({
      at: str(first(o, 'analyzed_at', 'at', 'created_at', 'date')),
      score: clamp(num(o.score), 0, 100),
      level: o.level === undefined ? levelForScore(num(o.score)) : parseLevel(o.level),
    }))
    .filter((p) => p.at !== '')
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

function parseDay(raw: unknown): DayLoad | null {
  if (!isObj(raw)) return null;
  const date = str(first(raw, 'date', 'day')).slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  return {
    date,
    planned: Math.max(0, num(first(raw, 'planned_hours', 'planned'))),
    capacity: Math.max(0, num(first(raw, 'capacity_hours', 'capacity'))),
    meetings: Math.max(0, num(first(raw, 'meeting_hours', 'meetings'))),
  };
}

function parseWeek(raw: unknown): WeekLoad | null {
  if (!isObj(raw)) return null;
  const start = str(first(raw, 'week_start', 'start', 'date')).slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) return null;
  const end = str(raw.end).slice(0, 10);
  const week = /W(\d{1,2})$/.exec(str(raw.week));
  return {
    start,
    end: /^\d{4}-\d{2}-\d{2}$/.test(end) ? end : '',
    week: week ? Number(week[1]) : 0,
    planned: Math.max(0, num(first(raw, 'planned_hours', 'planned'))),
    capacity: Math.max(0, num(first(raw, 'capacity_hours', 'capacity'))),
    meetings: Math.max(0, num(first(raw, 'meeting_hours', 'meetings'))),
    days: num(raw.days, 7),
  };
}

/** The summary figures the dashboard lists, in this order: where each is in the answer, and how to show it. */
const FIGURES: { paths: string[]; label: string; format: (v: number) => string; skipZero?: boolean }[] = [
  { paths: ['overdue.count', 'overdue_count'], label: 'Overdue tasks', format: (v) => String(Math.round(v)) },
  { paths: ['overdue.max_age_days', 'overdue_age_days'], label: 'Oldest overdue', format: (v) => formatDays(v), skipZero: true },
  { paths: ['deadlines.next_7_days', 'deadlines_next_7_days'], label: 'Deadlines in the next 7 days', format: (v) => String(Math.round(v)) },
  { paths: ['totals.meeting_hours', 'meeting_hours'], label: 'Meeting hours', format: (v) => formatHours(v) },
  { paths: ['totals.meeting_share', 'meeting_share'], label: 'Meetings, share of capacity', format: (v) => formatShare(v) },
  { paths: ['totals.back_to_back', 'back_to_back'], label: 'Back-to-back meetings', format: (v) => String(Math.round(v)) },
  { paths: ['totals.after_hours_hours', 'after_hours_hours'], label: 'Work outside working hours', format: (v) => formatHours(v) },
  { paths: ['totals.focus_hours', 'focus_hours'], label: 'Focus time (free blocks of 2 h or more)', format: (v) => formatHours(v) },
  { paths: ['behavior.completion_rate', 'completion_rate'], label: 'Completion rate (last 30 days)', format: (v) => formatShare(v) },
  { paths: ['behavior.estimate_ratio', 'estimate_ratio'], label: 'Actual time per estimated hour', format: (v) => `${round1(v)}×` },
];

/** The number at a dotted path ("totals.focus_hours"), if it is one. */
function at(o: Obj, path: string): number | undefined {
  let cur: unknown = o;
  for (const part of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[part];
  }
  return typeof cur === 'number' && Number.isFinite(cur) ? cur : undefined;
}

export function parseMetrics(raw: unknown): Metrics {
  const root = isObj(raw) && isObj(raw.metrics) ? raw.metrics : raw;
  if (!isObj(root)) throw unreadable('workload figures');
  const days = list(first(root, 'days', 'daily')).map(parseDay).filter((d): d is DayLoad => d !== null);
  days.sort((a, b) => a.date.localeCompare(b.date));
  let weeks = list(first(root, 'weeks', 'weekly')).map(parseWeek).filter((w): w is WeekLoad => w !== null);
  if (weeks.length === 0) weeks = groupByWeek(days);
  weeks.sort((a, b) => a.start.localeCompare(b.start));
  const figures: Figure[] = [];
  for (const f of FIGURES) {
    for (const path of f.paths) {
      const v = at(root, path);
      if (v === undefined) continue;
      if (!(f.skipZero && v === 0)) figures.push({ key: path, label: f.label, text: f.format(v) });
      break;
    }
  }
  const totals = isObj(root.totals) ? root.totals : {};
  return {
    days,
    weeks,
    figures,
    forecast: parseForecast(root.forecast ?? []),
    calculated_at: str(first(root, 'generated_at', 'calculated_at', 'updated_at')),
    planned: num(totals.planned_hours),
    capacity: num(totals.capacity_hours),
    unestimated: num(totals.unestimated_tasks),
    defaults: root.profile_defaults === true,
    overdue: list(isObj(root.overdue) ? root.overdue.tasks : [])
      .filter(isObj)
      .map((t) => ({ id: str(t.id), title: str(t.title), age_days: Math.max(0, num(t.age_days)), hours: Math.max(0, num(t.hours)) }))
      .filter((t) => t.id !== '')
      .sort((a, b) => b.age_days - a.age_days),
  };
}

export function parseForecast(raw: unknown): ForecastDay[] {
  const items = Array.isArray(raw) ? raw : isObj(raw) ? list(first(raw, 'forecast', 'days')) : [];
  return items
    .filter(isObj)
    .map((o) => {
      const date = str(first(o, 'date', 'day')).slice(0, 10);
      const score = first(o, 'score', 'projected_score');
      return {
        date,
        planned: Math.max(0, num(first(o, 'planned_hours', 'planned'))),
        capacity: Math.max(0, num(first(o, 'capacity_hours', 'capacity'))),
        meetings: Math.max(0, num(first(o, 'meeting_hours', 'meetings'))),
        deadlines: Math.max(0, num(first(o, 'deadlines_due', 'deadlines'))),
        score: score === undefined ? null : clamp(num(score), 0, 100),
        level: o.level === undefined ? null : parseLevel(o.level),
      };
    })
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d.date))
    .sort((a, b) => a.date.localeCompare(b.date));
}

export function parseRecommendation(raw: unknown): Recommendation {
  const o = isObj(raw) ? raw : {};
  return {
    id: str(o.id),
    kind: str(o.kind),
    title: str(o.title),
    explanation: str(o.explanation),
    tasks: list(o.tasks)
      .filter(isObj)
      .map((t) => ({
        id: str(t.id),
        title: str(t.title),
        new_deadline: str(t.new_deadline),
        parts: list(t.parts)
          .filter(isObj)
          .map((p) => ({ title: str(p.title), estimated_hours: Math.max(0, num(p.estimated_hours)), deadline: str(p.deadline) }))
          .filter((p) => p.title !== '' && p.deadline !== ''),
      })),
    hours_freed: Math.max(0, num(o.hours_freed)),
    slot: isObj(o.slot) && str(o.slot.start) && str(o.slot.end) ? { start: str(o.slot.start), end: str(o.slot.end) } : null,
    status: str(first(o, 'status', 'feedback')),
    helpful: typeof o.helpful === 'boolean' ? o.helpful : null,
  };
}

export function parseRecommendations(raw: unknown): Recommendation[] {
  const items = Array.isArray(raw) ? raw : isObj(raw) ? list(raw.recommendations) : [];
  return items.map(parseRecommendation).filter((r) => r.id !== '' && r.status !== 'superseded');
}

/** Fresh recommendations, with what following all of them would do to the hours over capacity. */
export interface Plan {
  recommendations: Recommendation[];
  /** Hours over capacity in the horizon now, and after following every recommendation (null when not said). */
  excessBefore: number | null;
  excessAfter: number | null;
  horizonDays: number;
}

export function parsePlan(raw: unknown): Plan {
  const o = isObj(raw) ? raw : {};
  const before = num(o.excess_hours_before, NaN);
  const after = num(o.excess_hours_after, NaN);
  return {
    recommendations: parseRecommendations(raw),
    excessBefore: Number.isFinite(before) ? before : null,
    excessAfter: Number.isFinite(after) ? after : null,
    horizonDays: num(o.horizon_days, 14),
  };
}

/** "Following all of them brings the next 14 days from 12 h over capacity to 2 h." */
export function planText(p: Plan): string {
  if (p.excessBefore === null || p.excessAfter === null || p.excessBefore <= 0) return '';
  const after = p.excessAfter <= 0 ? 'within capacity' : `${formatHours(p.excessAfter)} over`;
  return `Following all of them takes the next ${p.horizonDays} days from ${formatHours(p.excessBefore)} over capacity to ${after}.`;
}

export function parseProfile(raw: unknown): Profile {
  const o = isObj(raw) && isObj(raw.profile) ? raw.profile : raw;
  if (!isObj(o)) throw unreadable('a profile');
  const wh = isObj(o.working_hours) ? o.working_hours : {};
  return {
    user_id: str(o.user_id),
    role: str(o.role),
    department: str(o.department),
    timezone: str(o.timezone),
    working_hours: { start: str(wh.start, '09:00'), end: str(wh.end, '17:00') },
    working_days: list(o.working_days)
      .map((d) => num(d, NaN))
      .filter((d) => Number.isInteger(d) && d >= 1 && d <= 7),
  };
}

export function parseConstraints(raw: unknown): Constraints {
  const o = isObj(raw) && isObj(raw.constraints) ? raw.constraints : isObj(raw) ? raw : {};
  return {
    max_weekly_hours: num(o.max_weekly_hours, 40),
    days_off: list(o.days_off)
      .map((d) => str(d).slice(0, 10))
      .filter((d) => d !== ''),
    fixed_commitments: list(o.fixed_commitments)
      .filter(isObj)
      .map((c) => ({ title: str(c.title), weekday: num(c.weekday ?? c.day, 1), start: str(c.start), end: str(c.end) })),
  };
}

export function parsePreferences(raw: unknown): Preferences {
  const o = isObj(raw) && isObj(raw.preferences) ? raw.preferences : isObj(raw) ? raw : {};
  const m = isObj(o.meeting_preferences) ? o.meeting_preferences : {};
  const n = isObj(o.notifications) ? o.notifications : {};
  const maxHours = num(m.max_hours_per_day, NaN);
  return {
    focus_block_minutes: num(o.focus_block_minutes, DEFAULT_FOCUS_MINUTES),
    meeting_preferences: {
      ...m,
      max_hours_per_day: Number.isFinite(maxHours) && maxHours > 0 ? maxHours : null,
      no_meeting_days: list(m.no_meeting_days)
        .map((d) => num(d, NaN))
        .filter((d) => Number.isInteger(d) && d >= 1 && d <= 7),
      buffer_minutes: Math.max(0, num(m.buffer_minutes, 0)),
    },
    notifications: {
      ...n,
      level_rises: typeof n.level_rises === 'boolean' ? n.level_rises : true,
      over_capacity: typeof n.over_capacity === 'boolean' ? n.over_capacity : true,
      weekly_summary: typeof n.weekly_summary === 'boolean' ? n.weekly_summary : false,
    },
  };
}

// ---------- the calls ----------

const enc = encodeURIComponent;

/** Null for not_found: "nothing yet" is a state of the screen, not an error. */
async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.code === 'not_found') return null;
    throw e;
  }
}

export function workloadApi(request: Requester) {
  return {
    /** The user's profile, or null when none was made yet. */
    async profile(userId: string): Promise<Profile | null> {
      const raw = await orNull(request<unknown>('GET', `/api/profile/${enc(userId)}`));
      return raw === null ? null : parseProfile(raw);
    },

    async createProfile(p: Profile): Promise<Profile> {
      return parseProfile(await request<unknown>('POST', '/api/profile/create', { body: profileBody(p) }));
    },

    async updateProfile(p: Profile): Promise<Profile> {
      const { user_id: _, ...body } = profileBody(p);
      return parseProfile(await request<unknown>('PUT', `/api/profile/${enc(p.user_id)}`, { body }));
    },

    /**
     * The profile with its constraints (when the API sends them along), or
     * null when no profile was made yet.
     */
    async settings(
      userId: string,
    ): Promise<{ profile: Profile; constraints: Constraints | null; preferences: Preferences | null } | null> {
      const raw = await orNull(request<unknown>('GET', `/api/profile/${enc(userId)}`));
      if (raw === null || raw === undefined) return null;
      const part = (k: string) =>
        isObj(raw) ? (isObj(raw[k]) ? raw[k] : isObj(raw.profile) && isObj(raw.profile[k]) ? raw.profile[k] : null) : null;
      const c = part('constraints');
      const p = part('preferences');
      return { profile: parseProfile(raw), constraints: c ? parseConstraints(c) : null, preferences: p ? parsePreferences(p) : null };
    },

    async savePreferences(userId: string, p: Preferences): Promise<Preferences> {
      const raw = await request<unknown>('POST', `/api/profile/${enc(userId)}/preferences`, {
        body: {
          focus_block_minutes: p.focus_block_minutes,
          meeting_preferences: p.meeting_preferences,
          notifications: p.notifications,
        },
      });
      return parsePreferences(raw);
    },

    async saveConstraints(userId: string, c: Constraints): Promise<void> {
      await request<unknown>('POST', `/api/profile/${enc(userId)}/constraints`, {
        body: {
          max_weekly_hours: c.max_weekly_hours,
          days_off: c.days_off,
          fixed_commitments: c.fixed_commitments,
        },
      });
    },

    async calculate(userId: string): Promise<Metrics> {
      return parseMetrics(await request<unknown>('POST', '/api/workload/calculate', { body: { user_id: userId } }));
    },

    /** The workload figures, or null when the profile is missing. */
    async metrics(userId: string): Promise<Metrics | null> {
      const raw = await orNull(request<unknown>('GET', `/api/workload/metrics/${enc(userId)}`));
      return raw === null ? null : parseMetrics(raw);
    },

    async analyze(userId: string): Promise<Analysis> {
      return parseAnalysis(await request<unknown>('POST', '/api/burnout/analyze', { body: { user_id: userId } }));
    },

    /** The latest analysis (with its forecast), or null before the first one. */
    async status(userId: string): Promise<Analysis | null> {
      const raw = await orNull(request<unknown>('GET', `/api/burnout/status/${enc(userId)}`));
      if (raw === null || raw === undefined) return null;
      // An answer without a score is "no analysis yet" too.
      if (isObj(raw) && raw.score === undefined && !isObj(raw.analysis)) return null;
      return parseAnalysis(raw);
    },

    async history(userId: string): Promise<HistoryPoint[]> {
      return parseHistory(await orNull(request<unknown>('GET', `/api/burnout/history/${enc(userId)}`)));
    },

    /** The check-in: the CBI answers (when given) and free text. */
    async checkin(userId: string, c: CheckinInput): Promise<void> {
      await request<unknown>('POST', '/api/burnout/feedback', { body: checkinBody(userId, c) });
    },

    async generate(userId: string): Promise<Plan> {
      return parsePlan(await request<unknown>('POST', '/api/recommendations/generate', { body: { user_id: userId } }));
    },

    async recommendations(userId: string): Promise<Recommendation[]> {
      return parseRecommendations(await orNull(request<unknown>('GET', `/api/recommendations/${enc(userId)}`)));
    },

    /** Accepts or dismisses; "helpful?" rides along with the action (the API needs one). */
    async recommendationFeedback(
      userId: string,
      recommendationId: string,
      f: { action: RecommendationAction; helpful?: boolean },
    ): Promise<Recommendation> {
      const raw = await request<unknown>('POST', '/api/recommendations/feedback', {
        body: {
          user_id: userId,
          recommendation_id: recommendationId,
          action: f.action,
          ...(f.helpful !== undefined ? { helpful: f.helpful } : {}),
        },
      });
      return parseRecommendation(raw);
    },
  };
}

export type WorkloadApi = ReturnType<typeof workloadApi>;

function profileBody(p: Profile) {
  return {
    user_id: p.user_id,
    ...(p.role.trim() ? { role: p.role.trim() } : {}),
    ...(p.department.trim() ? { department: p.department.trim() } : {}),
    timezone: p.timezone.trim(),
    working_hours: { start: p.working_hours.start, end: p.working_hours.end },
    working_days: [...p.working_days].sort((a, b) => a - b),
  };
}

// ---------- the check-in (Copenhagen Burnout Inventory, work-related) ----------

export interface CbiItem {
  n: number;
  text: string;
  scale: 'frequency' | 'degree';
  /** Scored the other way round (more energy, less burnout). */
  reversed: boolean;
}

/** The seven work-related items, in the published order and wording. */
export const CBI_ITEMS: readonly CbiItem[] = [
  { n: 1, text: 'Is your work emotionally exhausting?', scale: 'degree', reversed: false },
  { n: 2, text: 'Do you feel burnt out because of your work?', scale: 'degree', reversed: false },
  { n: 3, text: 'Does your work frustrate you?', scale: 'degree', reversed: false },
  { n: 4, text: 'Do you feel worn out at the end of the working day?', scale: 'frequency', reversed: false },
  { n: 5, text: 'Are you exhausted in the morning at the thought of another day at work?', scale: 'frequency', reversed: false },
  { n: 6, text: 'Do you feel that every working hour is tiring for you?', scale: 'frequency', reversed: false },
  { n: 7, text: 'Do you have enough energy for family and friends during leisure time?', scale: 'frequency', reversed: true },
];

/** The five answers, from most to least; index 0..4. */
export const CBI_OPTIONS: Record<CbiItem['scale'], readonly string[]> = {
  frequency: ['Always', 'Often', 'Sometimes', 'Seldom', 'Never / almost never'],
  degree: ['To a very high degree', 'To a high degree', 'Somewhat', 'To a low degree', 'To a very low degree'],
};

/** An answer's points: 100, 75, 50, 25, 0 from the first option down; reversed for item 7. */
export function cbiItemScore(item: CbiItem, option: number): number {
  const points = 100 - 25 * option;
  return item.reversed ? 100 - points : points;
}

/** With fewer answered items the published scoring counts the respondent as a non-responder. */
export const MIN_CBI_ANSWERS = 3;

/** The subscale score: the mean of the answered items' points, to one decimal; null with too few answers. */
export function cbiScore(answers: readonly (number | null)[]): number | null {
  const points: number[] = [];
  CBI_ITEMS.forEach((item, i) => {
    const a = answers[i];
    if (a !== null && a !== undefined && Number.isInteger(a) && a >= 0 && a <= 4) points.push(cbiItemScore(item, a));
  });
  if (points.length < MIN_CBI_ANSWERS) return null;
  return round1(points.reduce((s, p) => s + p, 0) / points.length);
}

/** The bands commonly used with the CBI: below 50, 50–74, 75–99, 100. */
export function cbiBand(score: number): { label: string; level: BurnoutLevel } {
  if (score >= 100) return { label: 'Severe', level: 'critical' };
  if (score >= 75) return { label: 'High', level: 'high' };
  if (score >= 50) return { label: 'Moderate', level: 'moderate' };
  return { label: 'Low', level: 'low' };
}

export interface CheckinInput {
  /** Option index (0..4) per item, null when skipped; omitted for a text-only check-in. */
  cbi?: (number | null)[];
  text?: string;
}

/**
 * What the API receives: each answer as the position of the chosen option,
 * 1 (first) to 5 (last), null for one left out; and the note as checkin.
 */
export function checkinBody(userId: string, c: CheckinInput) {
  const body: Record<string, unknown> = { user_id: userId };
  if (c.cbi && c.cbi.some((a) => a !== null && a !== undefined)) {
    body.cbi_answers = CBI_ITEMS.map((_, i) => {
      const a = c.cbi?.[i];
      return a === null || a === undefined ? null : a + 1;
    });
  }
  const text = c.text?.trim();
  if (text) body.checkin = text;
  return body;
}

/** The hours the API plans for an open task with no estimate (backend/workload DefaultEstimateHours). */
export const DEFAULT_ESTIMATE_HOURS = 1;

/** The note beside the figures when open tasks have no estimated hours. */
export function unestimatedNote(n: number): string {
  const h = `${DEFAULT_ESTIMATE_HOURS} hour${DEFAULT_ESTIMATE_HOURS === 1 ? '' : 's'}`;
  const which = n === 1 ? '1 open task has no estimated hours, so it counts' : `${n} open tasks have no estimated hours, so each counts`;
  return `${which} as ${h} of work. Add estimated hours to your tasks for a true picture.`;
}

/**
 * Where the check-in's own words go, true on either face: the desktop reads
 * them on this computer (and syncs them, as personal data, to a team server
 * it is connected to); on the web the server reads and keeps them.
 */
export function checkinPrivacy(desktop: boolean): string {
  return desktop
    ? 'Read on this computer to gauge the tone and kept with your own data (on your team server too, if you sync with one), where only you see it.'
    : 'Read by this server to gauge the tone and kept with your account, where only you see it.';
}

// ---------- levels, the gauge ----------

/**
 * Where each level starts on the 0–100 scale, as the API assigns them
 * (docs/WORKLOAD.md: low < 20 ≤ moderate < 45 ≤ high < 70 ≤ critical). Only
 * the gauge's bands use these; the level shown is always the API's.
 */
export const LEVEL_STARTS: Record<BurnoutLevel, number> = { low: 0, moderate: 20, high: 45, critical: 70 };

export function levelForScore(score: number): BurnoutLevel {
  if (!Number.isFinite(score)) return 'low';
  if (score >= LEVEL_STARTS.critical) return 'critical';
  if (score >= LEVEL_STARTS.high) return 'high';
  if (score >= LEVEL_STARTS.moderate) return 'moderate';
  return 'low';
}

export const LEVEL_COLOURS: Record<BurnoutLevel, string> = {
  low: '#2b8a3e',
  moderate: '#b08900',
  high: '#d9480f',
  critical: '#c92a2a',
};

export const LEVEL_LABELS: Record<BurnoutLevel, string> = {
  low: 'Low',
  moderate: 'Moderate',
  high: 'High',
  critical: 'Critical',
};

export function clamp(v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v)) return lo;
  return Math.min(hi, Math.max(lo, v));
}

/** The needle's angle in degrees: -90 (score 0, left) to 90 (score 100, right). */
export function gaugeAngle(score: number): number {
  return -90 + (clamp(score, 0, 100) / 100) * 180;
}

/** The point on a half circle of radius r around (cx, cy) for a score. */
export function gaugePoint(cx: number, cy: number, r: number, score: number): { x: number; y: number } {
  const rad = (gaugeAngle(score) * Math.PI) / 180;
  return { x: round2(cx + r * Math.sin(rad)), y: round2(cy - r * Math.cos(rad)) };
}

/** An SVG arc path along the gauge from one score to another. */
export function gaugeArc(cx: number, cy: number, r: number, from: number, to: number): string {
  const a = gaugePoint(cx, cy, r, from);
  const b = gaugePoint(cx, cy, r, to);
  // A half circle at most, so the large-arc flag is always 0.
  return `M ${a.x} ${a.y} A ${r} ${r} 0 0 1 ${b.x} ${b.y}`;
}

/** The gauge's coloured bands, one per level. */
export function gaugeBands(): { level: BurnoutLevel; from: number; to: number }[] {
  return LEVELS.map((level, i) => ({
    level,
    from: LEVEL_STARTS[level],
    to: i + 1 < LEVELS.length ? LEVEL_STARTS[LEVELS[i + 1]] : 100,
  }));
}

/** Factors with the largest contribution first; each with its share of the score. */
export function rankFactors(factors: readonly Factor[]): (Factor & { share: number })[] {
  const total = factors.reduce((s, f) => s + Math.max(0, f.contribution), 0);
  return [...factors]
    .sort((a, b) => b.contribution - a.contribution || a.label.localeCompare(b.label))
    .map((f) => ({ ...f, share: total > 0 ? Math.max(0, f.contribution) / total : 0 }));
}

/** "+12.5 points", "−3 points", "0 points". */
export function formatContribution(points: number): string {
  const v = round1(points);
  const sign = v > 0 ? '+' : v < 0 ? '−' : '';
  return `${sign}${Math.abs(v)} ${Math.abs(v) === 1 ? 'point' : 'points'}`;
}

// ---------- numbers people read ----------

export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** "3.5 h", "0 h". */
export function formatHours(h: number): string {
  return `${round1(Number.isFinite(h) ? h : 0)} h`;
}

/** 0.25 → "25%" (a value already over 1 is taken as a percentage). */
export function formatShare(v: number): string {
  const p = v > 1 ? v : v * 100;
  return `${Math.round(p)}%`;
}

export function formatDays(d: number): string {
  const v = Math.round(d);
  if (v === 0 && d > 0) return 'under a day';
  return v === 1 ? '1 day' : `${v} days`;
}

// Verbs the explanations use after a counted noun, singular for one.
const SINGULAR_VERBS: Record<string, string> = { are: 'is', have: 'has', start: 'starts', fall: 'falls', go: 'goes' };

/**
 * Puts a counted "word(s)" right: "1 open task(s) are" → "1 open task is",
 * "3 deadline(s)" → "3 deadlines". Up to two words may stand between the
 * number and the noun.
 */
export function fixPlurals(text: string): string {
  return text.replace(
    /\b(\d+(?:\.\d+)?)(\s+(?:[\p{L}-]+\s+){0,2}?)([\p{L}-]+)\(s\)(\s+([a-z]+)\b)?/gu,
    (_m, n: string, between: string, noun: string, tail: string | undefined, verb: string | undefined) => {
      const one = Number(n) === 1;
      const word = one ? noun : `${noun}s`;
      if (!tail) return `${n}${between}${word}`;
      const v = verb ?? '';
      return `${n}${between}${word}${tail.slice(0, tail.length - v.length)}${one && SINGULAR_VERBS[v] ? SINGULAR_VERBS[v] : v}`;
    },
  );
}

// ---------- charts ----------

/** A round top for an axis at or above max: 1, 2, 2.5, 5 or 10 times a power of ten. */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= max - 1e-9) return m * pow;
  return 10 * pow;
}

/**
 * Evenly spaced ticks from 0 to a nice top. Without a count, one is picked
 * so the steps are round too (25 → steps of 5, 20 → 5, 10 → 2).
 */
export function ticks(max: number, count?: number): number[] {
  const top = niceMax(max);
  if (count === undefined) {
    const m = top / 10 ** Math.floor(Math.log10(top) + 1e-9);
    count = Math.abs(m - 2) < 1e-9 ? 4 : 5;
  }
  const out: number[] = [];
  for (let i = 0; i <= count; i++) out.push(round2((top * i) / count));
  return out;
}

/** The y of value v on an axis of height h (0 at the bottom). */
export function scaleY(v: number, top: number, h: number): number {
  if (!(top > 0)) return h;
  return round2(h - (clamp(v, 0, top) / top) * h);
}

/** Whether planned hours exceed capacity (a day off with any work is over). */
export function isOver(planned: number, capacity: number): boolean {
  return planned > capacity + 1e-9;
}

/** The Monday on or before a YYYY-MM-DD date. */
export function weekStart(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  const iso = t.getUTCDay() === 0 ? 7 : t.getUTCDay();
  t.setUTCDate(t.getUTCDate() - (iso - 1));
  return t.toISOString().slice(0, 10);
}

/** Days summed into weeks from Monday. */
export function groupByWeek(days: readonly DayLoad[]): WeekLoad[] {
  const weeks = new Map<string, WeekLoad>();
  for (const d of days) {
    const start = weekStart(d.date);
    const w = weeks.get(start) ?? { start, end: d.date, week: 0, planned: 0, capacity: 0, meetings: 0, days: 0 };
    if (d.date > w.end) w.end = d.date;
    w.planned = round2(w.planned + d.planned);
    w.capacity = round2(w.capacity + d.capacity);
    w.meetings = round2(w.meetings + d.meetings);
    w.days += 1;
    weeks.set(start, w);
  }
  return [...weeks.values()].sort((a, b) => a.start.localeCompare(b.start));
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ISO weekday (1 Monday … 7 Sunday) of a YYYY-MM-DD date. */
export function isoWeekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

export function weekdayName(isoDay: number): string {
  return WEEKDAYS[(isoDay - 1 + 7) % 7] ?? '';
}

/** "Mon 24 Nov" for a YYYY-MM-DD date. */
export function dayLabel(date: string): string {
  const [, m, d] = date.split('-').map(Number);
  return `${weekdayName(isoWeekday(date))} ${d} ${MONTHS[m - 1] ?? ''}`;
}

/** "Week 48, 26 Nov – 29 Nov" (what the window holds of the week). */
export function weekLabel(w: Pick<WeekLoad, 'start' | 'end' | 'week'>): string {
  const span = w.end && w.end !== w.start ? `${shortDate(w.start)} – ${shortDate(w.end)}` : `from ${shortDate(w.start)}`;
  return w.week > 0 ? `Week ${w.week}, ${span}` : `Week ${span}`;
}

/** "24 Nov" for a YYYY-MM-DD date. */
export function shortDate(date: string): string {
  const [, m, d] = date.split('-').map(Number);
  return `${d} ${MONTHS[m - 1] ?? ''}`;
}

/** Points of a line chart over n values in a w×h box, as an SVG points string. */
export function linePoints(values: readonly number[], top: number, w: number, h: number): string {
  if (values.length === 0) return '';
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  return values.map((v, i) => `${round2(values.length > 1 ? i * step : w / 2)},${scaleY(v, top, h)}`).join(' ');
}

// ---------- the profile form ----------

export const DEFAULT_DAYS = [1, 2, 3, 4, 5];

/** The time zone this computer is in, or UTC. */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function isTimeZone(tz: string): boolean {
  if (!tz.trim()) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz.trim() });
    return true;
  } catch {
    return false;
  }
}

function minutes(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m) return NaN;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h <= 23 && min <= 59 ? h * 60 + min : NaN;
}

export interface FormProblem {
  field: string;
  message: string;
}

/** What is wrong with the working-hours form before it is sent, or null. */
export function profileProblem(p: Profile): FormProblem | null {
  if (!isTimeZone(p.timezone)) {
    return { field: 'timezone', message: 'Enter a time zone such as Europe/Berlin or America/New_York.' };
  }
  const start = minutes(p.working_hours.start);
  const end = minutes(p.working_hours.end);
  if (Number.isNaN(start)) return { field: 'working_hours.start', message: 'Enter the start of the working day as HH:MM.' };
  if (Number.isNaN(end)) return { field: 'working_hours.end', message: 'Enter the end of the working day as HH:MM.' };
  if (end <= start) return { field: 'working_hours.end', message: 'The working day must end after it starts.' };
  if (p.working_days.length === 0) return { field: 'working_days', message: 'Choose at least one working day.' };
  return null;
}

/** What is wrong with the constraints form, or null. */
export function constraintsProblem(c: Constraints): FormProblem | null {
  if (!Number.isFinite(c.max_weekly_hours) || c.max_weekly_hours <= 0 || c.max_weekly_hours > 168) {
    return { field: 'max_weekly_hours', message: 'Enter the most hours you want to work in a week, between 1 and 168.' };
  }
  for (const d of c.days_off) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(d))) {
      return { field: 'days_off', message: `“${d}” is not a date. Write days off as YYYY-MM-DD.` };
    }
  }
  return commitmentsProblem(c.fixed_commitments);
}

/**
 * What is wrong with the fixed commitments, naming the row's field
 * ("fixed_commitments.2.end"), or null. The API checks the same and names
 * only "fixed_commitments".
 */
export function commitmentsProblem(list: readonly FixedCommitment[]): FormProblem | null {
  if (list.length > 100) return { field: 'fixed_commitments', message: 'At most 100 fixed commitments.' };
  for (const [i, f] of list.entries()) {
    const at = (k: string) => `fixed_commitments.${i}.${k}`;
    const name = f.title.trim() ? `“${f.title.trim()}”` : `Commitment ${i + 1}`;
    if (f.title.trim().length > 200) return { field: at('title'), message: `${name}: the title must be at most 200 characters.` };
    if (!Number.isInteger(f.weekday) || f.weekday < 1 || f.weekday > 7) return { field: at('weekday'), message: `${name}: choose a day.` };
    const s = minutes(f.start);
    const e = minutes(f.end);
    if (Number.isNaN(s)) return { field: at('start'), message: `${name}: enter when it starts as HH:MM.` };
    if (Number.isNaN(e)) return { field: at('end'), message: `${name}: enter when it ends as HH:MM.` };
    if (e <= s) return { field: at('end'), message: `${name} must end after it starts.` };
  }
  return null;
}

export const MIN_FOCUS_MINUTES = 15;
export const MAX_FOCUS_MINUTES = 480;

/** What is wrong with the preferences form, or null; fields as the inputs are named. */
export function preferencesProblem(p: Preferences): FormProblem | null {
  const f = p.focus_block_minutes;
  if (!Number.isInteger(f) || f < MIN_FOCUS_MINUTES || f > MAX_FOCUS_MINUTES) {
    return { field: 'focus_block_minutes', message: `Focus block must be a whole number of minutes from ${MIN_FOCUS_MINUTES} to ${MAX_FOCUS_MINUTES}.` };
  }
  const m = p.meeting_preferences;
  if (m.max_hours_per_day !== null && (!Number.isFinite(m.max_hours_per_day) || m.max_hours_per_day <= 0 || m.max_hours_per_day > 24)) {
    return { field: 'meeting_preferences.max_hours_per_day', message: 'Most meeting hours a day must be between 0.5 and 24, or empty for no limit.' };
  }
  if (!Number.isInteger(m.buffer_minutes) || m.buffer_minutes < 0 || m.buffer_minutes > 120) {
    return { field: 'meeting_preferences.buffer_minutes', message: 'Minutes between meetings must be a whole number from 0 to 120.' };
  }
  return null;
}

/** Days off typed as a list ("2026-12-24, 2026-12-31") into sorted unique dates. */
export function parseDaysOff(text: string): string[] {
  const parts = text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return [...new Set(parts)].sort();
}

/** Hours a week the working hours and days give (what capacity is made of). */
export function weeklyHours(p: Pick<Profile, 'working_hours' | 'working_days'>): number {
  const span = minutes(p.working_hours.end) - minutes(p.working_hours.start);
  if (!(span > 0)) return 0;
  return round1((span / 60) * p.working_days.length);
}

// ---------- recommendations ----------

export const KIND_LABELS: Record<string, string> = {
  delegate: 'Delegate',
  reschedule: 'Reschedule',
  skip_meeting: 'Skip a meeting',
  focus_block: 'Protect focus time',
  split: 'Split a task',
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? humanize(kind);
}

/**
 * "Thu 27 Nov, 10:00–12:00" for a span in one day, in the given time zone
 * (the profile's; the browser's when not given).
 */
export function formatSlot(start: string, end: string, timeZone?: string): string {
  const a = new Date(start);
  const b = new Date(end);
  if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime())) return '';
  const tz = timeZone && isTimeZone(timeZone) ? timeZone : undefined;
  const day = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: tz }).format(a);
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: tz });
  return `${day.replace(',', '')}, ${time.format(a)}–${time.format(b)}`;
}

/** "Mon 14 Dec" for a time, in the given time zone. */
export function formatDay(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const tz = timeZone && isTimeZone(timeZone) ? timeZone : undefined;
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: tz }).format(d).replace(',', '');
}

/** Open recommendations first, then the ones acted on; larger savings first. */
export function sortRecommendations(recs: readonly Recommendation[]): Recommendation[] {
  const open = (r: Recommendation) => (r.status === '' || r.status === 'open' || r.status === 'pending' ? 0 : 1);
  return [...recs].sort((a, b) => open(a) - open(b) || b.hours_freed - a.hours_freed);
}

// ---------- keyboard ----------

/**
 * The point a chart shows after a key press: arrows move by one, Home and
 * End jump to the ends, -1 (nothing shown yet) starts at the first or last.
 * Null for keys the chart leaves alone.
 */
export function chartIndexFor(key: string, current: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return current < 0 ? 0 : Math.min(count - 1, current + 1);
    case 'ArrowLeft':
    case 'ArrowUp':
      return current < 0 ? count - 1 : Math.max(0, current - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** What one day or week of the chart says in words. */
export function loadSentence(label: string, planned: number, capacity: number, meetings = 0): string {
  const meet = meetings > 0 ? `, ${formatHours(meetings)} of it in meetings` : '';
  if (capacity <= 0) {
    return planned > 0 ? `${label}: ${formatHours(planned)} planned${meet} on a day without working hours.` : `${label}: nothing planned, no working hours.`;
  }
  const diff = round1(planned - capacity);
  const state = diff > 0 ? `over capacity by ${formatHours(diff)}` : diff < 0 ? `${formatHours(-diff)} free` : 'exactly at capacity';
  return `${label}: ${formatHours(planned)} planned of ${formatHours(capacity)} capacity${meet}, ${state}.`;
}
