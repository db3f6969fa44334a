// Notices: the things a user asked to be told about in their preferences
// (notifications.level_rises, over_capacity, weekly_summary), decided from
// the latest burnout analysis and workload figures. decideNotices is pure:
// given what was already told (the memory), the choices, the answers and the
// time, it says what to tell now and what to remember. checkNotices wires it
// to the API and to storage; NoticeRunner.svelte schedules it and shows the
// notices.
//
// Rules, the same for all three notices:
// - What is true at the first look (no memory yet) is taken as known, not
//   told: a new install or a cleared storage does not announce old news.
// - While a notice is off, what it would have told is still remembered, so
//   turning it on later tells only what happens from then on.
// - Each thing is told once: a level only when it rises above the last one
//   told or seen (a fall lowers that mark, so a new rise is news again, but
//   the same level is not told twice within a day); an ISO week over capacity
//   once per week; the summary once per week, at the first check from Monday
//   06:00 in the profile's time zone.

import {
  FACTOR_LABELS,
  LEVELS,
  LEVEL_LABELS,
  dayLabel,
  isOver,
  round1,
  weekStart,
  type Analysis,
  type BurnoutLevel,
  type Factor,
  type Metrics,
  type Notifications,
  type WorkloadApi,
} from './workload';

export type NoticeKind = 'level_rises' | 'over_capacity' | 'weekly_summary';

export interface Notice {
  kind: NoticeKind;
  /** Unique per thing told ("level_rises:high:2026-03-04T…", "over_capacity:2026-W10"). */
  key: string;
  title: string;
  body: string;
}

/** What was already told to one user (or seen while the notice was off). */
export interface NoticeMemory {
  /** The level last told or seen; a rise above it is news. */
  level: BurnoutLevel | null;
  /** The last level actually told and when (ISO time). */
  told: { level: BurnoutLevel; at: string } | null;
  /** ISO weeks ("2026-W10") already known to be over capacity, newest last. */
  overWeeks: string[];
  /** The ISO week whose summary is done. */
  summaryWeek: string | null;
}

export type NoticeChoices = Pick<Notifications, 'level_rises' | 'over_capacity' | 'weekly_summary'>;

export interface NoticeInput {
  memory: NoticeMemory | null;
  /** The user's choices; null when there is no profile yet (nothing is decided then). */
  choices: NoticeChoices | null;
  analysis: Analysis | null;
  metrics: Metrics | null;
  /** The profile's IANA time zone; an unknown one counts as UTC. */
  timezone: string;
  now: Date;
}

/** The hour on Monday (local) from which the week's summary is due. */
export const SUMMARY_HOUR = 6;
/** A level told is not told again within this time, even after a dip. */
export const LEVEL_REPEAT_MS = 24 * 60 * 60 * 1000;
/** How many weeks over capacity to remember. */
const KEEP_WEEKS = 8;

// ---------- dates in the profile's time zone ----------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local date (YYYY-MM-DD) and hour of an instant in a time zone (UTC when the zone is unknown). */
export function localTime(now: Date, timeZone: string): { date: string; hour: number } {
  let f: Intl.DateTimeFormat;
  try {
    f = formatter(timeZone || 'UTC');
  } catch {
    f = formatter('UTC');
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(now)) parts[p.type] = p.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) % 24 };
}

function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** "2026-W10" for a YYYY-MM-DD date (ISO 8601: weeks from Monday, week 1 holds the first Thursday). */
export function isoWeekKey(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  const wd = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - wd);
  const year = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function weekNumber(key: string): number {
  return Number(key.slice(-2));
}

/** The week whose summary is due at now: the current one from Monday SUMMARY_HOUR on, else the one before. */
export function summaryWeekAt(now: Date, timeZone: string): string {
  const { date, hour } = localTime(now, timeZone);
  const monday = weekStart(date);
  return isoWeekKey(date === monday && hour < SUMMARY_HOUR ? addDays(date, -1) : date);
}

// ---------- words ----------

const rank = (l: BurnoutLevel) => LEVELS.indexOf(l);

function pct(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

function hours(h: number): string {
  return `${round1(Number.isFinite(h) ? h : 0)} h`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What a factor means in a few words, from its value as the API scores it. */
export function factorPhrase(f: Factor): string {
  const v = f.value;
  const n = Math.round(v);
  switch (f.name) {
    case 'workload':
      return v >= 99 ? 'work is planned on days with no capacity' : `planned work is ${pct(v)} of capacity in the next 7 days`;
    case 'overdue':
      return `${plural(n, 'task is', 'tasks are')} past ${n === 1 ? 'its' : 'their'} deadline`;
    case 'deadlines':
      return `${plural(n, 'deadline falls', 'deadlines fall')} in the next 7 days`;
    case 'meetings':
      return `meetings take ${pct(v)} of your capacity in the next 7 days`;
    case 'back_to_back':
      return `${plural(n, 'meeting starts', 'meetings start')} right after another`;
    case 'after_hours':
      return v > 0 ? `${hours(v)} of meetings fall outside your working hours in the next 7 days` : 'much of your work was finished outside working hours lately';
    case 'focus_time':
      return `only ${hours(v)} of focus time in the next 7 days`;
    case 'cbi_work':
      return `your last check-in scored ${round1(v)} of 100 for work-related burnout`;
    case 'checkin_tone':
      return 'your recent check-in notes sound strained';
    default: {
      const label = f.label || FACTOR_LABELS[f.name] || f.name;
      return label ? label[0].toLowerCase() + label.slice(1) : '';
    }
  }
}

/** The factor adding the most points, if any adds some. */
export function topFactor(factors: readonly Factor[]): Factor | null {
  let best: Factor | null = null;
  for (const f of factors) if (f.contribution > 0 && (!best || f.contribution > best.contribution)) best = f;
  return best;
}

function levelNotice(a: Analysis, from: BurnoutLevel, now: Date): Notice {
  const label = LEVEL_LABELS[a.level].toLowerCase();
  const top = topFactor(a.factors);
  const score = Math.round(a.score);
  const why = top ? `: ${factorPhrase(top)}` : '';
  return {
    kind: 'level_rises',
    key: `level_rises:${a.level}:${now.toISOString()}`,
    title: `Burnout risk is ${label}`,
    body: `Burnout risk rose to ${label} (${score}, was ${LEVEL_LABELS[from].toLowerCase()})${why}.`,
  };
}

/** The metrics' entry for the week holding date, if the window has it. */
function weekOf(m: Metrics, date: string) {
  const monday = weekStart(date);
  return m.weeks.find((w) => weekStart(w.start) === monday) ?? null;
}

function span(start: string, end: string): string {
  return end && end !== start ? `${dayLabel(start)} – ${dayLabel(end)}` : dayLabel(start);
}

/** The first and last day the figures hold of a week (the window may start mid-week). */
function weekSpan(m: Metrics, week: Metrics['weeks'][number]): { start: string; end: string } {
  const monday = weekStart(week.start);
  const days = m.days.filter((d) => weekStart(d.date) === monday);
  if (days.length === 0) return { start: week.start, end: week.end };
  return { start: days[0].date, end: days[days.length - 1].date };
}

function overDays(m: Metrics, start: string, end: string) {
  return m.days.filter((d) => d.date >= start && d.date <= (end || start) && isOver(d.planned, d.capacity + 0.01));
}

function overNotice(m: Metrics, week: Metrics['weeks'][number], key: string): Notice {
  const { start, end } = weekSpan(m, week);
  const days = overDays(m, start, end);
  const busiest = [...days].sort((a, b) => b.planned - b.capacity - (a.planned - a.capacity))[0];
  const load = week.capacity > 0 ? ` (${pct(week.planned / week.capacity)})` : '';
  const parts = [
    `${hours(week.planned)} planned against ${hours(week.capacity)} of capacity${load}, ${span(start, end)}.`,
  ];
  if (busiest) {
    parts.push(
      `${plural(days.length, 'day is', 'days are')} over; the most on ${dayLabel(busiest.date)}: ${hours(busiest.planned)} for ${hours(busiest.capacity)}.`,
    );
  }
  return { kind: 'over_capacity', key: `over_capacity:${key}`, title: `Week ${weekNumber(key)} is over capacity`, body: parts.join(' ') };
}

function summaryNotice(a: Analysis | null, m: Metrics | null, key: string, today: string): Notice {
  const parts: string[] = [];
  const week = m ? weekOf(m, today) : null;
  if (m && week) {
    const load = week.capacity > 0 ? ` (${pct(week.planned / week.capacity)})` : '';
    const { start, end } = weekSpan(m, week);
    let s = `${span(start, end)}: ${hours(week.planned)} planned against ${hours(week.capacity)} of capacity${load}`;
    const over = overDays(m, start, end).length;
    s += over > 0 ? `, ${plural(over, 'day', 'days')} over capacity.` : ', no day over capacity.';
    parts.push(s);
    if (week.meetings > 0) parts.push(`${hours(week.meetings)} of it in meetings.`);
  }
  if (a) {
    const end = week?.end || addDays(weekStart(today), 6);
    const deadlines = a.forecast.filter((d) => d.date >= today && d.date <= end).reduce((n, d) => n + d.deadlines, 0);
    if (deadlines > 0) parts.push(`${plural(deadlines, 'deadline', 'deadlines')} this week.`);
  }
  if (m && m.overdue.length > 0) parts.push(`${plural(m.overdue.length, 'task is', 'tasks are')} overdue.`);
  if (a) {
    const top = topFactor(a.factors);
    parts.push(`Burnout risk ${LEVEL_LABELS[a.level].toLowerCase()} (${Math.round(a.score)})${top ? `, mostly because ${factorPhrase(top)}` : ''}.`);
  }
  return { kind: 'weekly_summary', key: `weekly_summary:${key}`, title: `Your week ${weekNumber(key)}`, body: parts.join(' ') };
}

// ---------- deciding ----------

export function emptyMemory(): NoticeMemory {
  return { level: null, told: null, overWeeks: [], summaryWeek: null };
}

/** What to tell now and what to remember afterwards. */
export function decideNotices(i: NoticeInput): { notices: Notice[]; memory: NoticeMemory } {
  const before = i.memory ?? emptyMemory();
  const mem: NoticeMemory = { ...before, overWeeks: [...before.overWeeks] };
  const notices: Notice[] = [];
  if (!i.choices) return { notices, memory: mem };
  const first = i.memory === null;
  const { date: today } = localTime(i.now, i.timezone);

  // The level.
  const a = i.analysis;
  if (a) {
    const ref = mem.level;
    if (ref === null || rank(a.level) < rank(ref)) {
      mem.level = a.level;
    } else if (rank(a.level) > rank(ref)) {
      mem.level = a.level;
      const toldLately =
        mem.told !== null && rank(a.level) <= rank(mem.told.level) && i.now.getTime() - Date.parse(mem.told.at) < LEVEL_REPEAT_MS;
      if (i.choices.level_rises && !toldLately) {
        notices.push(levelNotice(a, ref, i.now));
        mem.told = { level: a.level, at: i.now.toISOString() };
      }
    }
  }

  // This week over capacity.
  const m = i.metrics;
  const week = m ? weekOf(m, today) : null;
  if (m && week && isOver(week.planned, week.capacity + 0.01)) {
    const key = isoWeekKey(today);
    if (!mem.overWeeks.includes(key)) {
      mem.overWeeks = [...mem.overWeeks, key].slice(-KEEP_WEEKS);
      if (i.choices.over_capacity && !first) notices.push(overNotice(m, week, key));
    }
  }

  // The week's summary.
  const due = summaryWeekAt(i.now, i.timezone);
  if (mem.summaryWeek === null) {
    mem.summaryWeek = due;
  } else if (due > mem.summaryWeek && (a || m)) {
    mem.summaryWeek = due;
    if (i.choices.weekly_summary) notices.push(summaryNotice(a, m, due, today));
  }

  return { notices, memory: mem };
}

// ---------- memory in storage ----------

export const MEMORY_PREFIX = 'sentry.notices.';

const isLevel = (v: unknown): v is BurnoutLevel => typeof v === 'string' && (LEVELS as readonly string[]).includes(v);
const isWeek = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-W\d{2}$/.test(v);

/** Reads stored memory; null when there is none or it cannot be read. */
export function parseMemory(text: string | null | undefined): NoticeMemory | null {
  if (!text) return null;
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
  const r = o as Record<string, unknown>;
  const told = r.told as Record<string, unknown> | null | undefined;
  return {
    level: isLevel(r.level) ? r.level : null,
    told: told && isLevel(told.level) && typeof told.at === 'string' && !Number.isNaN(Date.parse(told.at)) ? { level: told.level, at: told.at } : null,
    overWeeks: Array.isArray(r.overWeeks) ? r.overWeeks.filter(isWeek).slice(-KEEP_WEEKS) : [],
    summaryWeek: isWeek(r.summaryWeek) ? r.summaryWeek : null,
  };
}

/** The bits of Storage the memory needs (localStorage, or a stand-in). */
export type MemoryStore = Pick<Storage, 'getItem' | 'setItem'>;

export function loadMemory(store: MemoryStore | null, userId: string): NoticeMemory | null {
  try {
    return parseMemory(store?.getItem(MEMORY_PREFIX + userId));
  } catch {
    return null;
  }
}

export function saveMemory(store: MemoryStore | null, userId: string, m: NoticeMemory): boolean {
  try {
    if (!store) return false;
    store.setItem(MEMORY_PREFIX + userId, JSON.stringify(m));
    return true;
  } catch {
    return false;
  }
}

// ---------- one check ----------

export interface CheckDeps {
  userId: string;
  wl: Pick<WorkloadApi, 'settings' | 'status' | 'metrics'>;
  store: MemoryStore | null;
  now: () => Date;
  /** Memory kept in the page when storage cannot be written (private mode, full). */
  fallback?: { memory: NoticeMemory | null };
}

/**
 * Reads the user's choices, analysis and figures, decides and remembers
 * (before anything is shown, so a reload cannot tell it twice), and returns
 * the notices to show. Nothing at all without a profile; an answer that
 * fails leaves its notices for the next check.
 */
export async function checkNotices(d: CheckDeps): Promise<Notice[]> {
  // The figures say whether a profile exists, so no check asks for one that
  // is not there (a failing request in every new user's console).
  const metrics = await d.wl.metrics(d.userId).catch(() => null);
  if (metrics?.defaults === true) return [];
  const settings = await d.wl.settings(d.userId);
  if (!settings) return [];
  const analysis = await d.wl.status(d.userId).catch(() => null);
  const stored = loadMemory(d.store, d.userId);
  const memory = stored ?? d.fallback?.memory ?? null;
  const n = settings.preferences?.notifications;
  const choices: NoticeChoices = {
    level_rises: n?.level_rises ?? true,
    over_capacity: n?.over_capacity ?? true,
    weekly_summary: n?.weekly_summary ?? false,
  };
  const out = decideNotices({ memory, choices, analysis, metrics, timezone: settings.profile.timezone, now: d.now() });
  if (d.fallback) d.fallback.memory = out.memory;
  saveMemory(d.store, d.userId, out.memory);
  return out.notices;
}

// ---------- when to check ----------

/** The first check after the app opens (let the screen load first). */
export const FIRST_CHECK_MS = 3_000;
/** Between checks while the app is open. */
export const CHECK_EVERY_MS = 15 * 60_000;
/** Coming back to the window checks again when the last check is at least this old. */
export const FOCUS_GAP_MS = 2 * 60_000;

/** Whether regaining focus should check now. */
export function checkOnFocus(lastCheck: number | null, now: number): boolean {
  return lastCheck === null || now - lastCheck >= FOCUS_GAP_MS;
}
