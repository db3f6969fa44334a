// Date helpers for the task screens. Deadlines travel as RFC 3339 strings;
// the user sees and types local time.

export type DueFilter = 'any' | 'overdue' | 'today' | 'upcoming' | 'week';

export interface DueRange {
  due_before?: string;
  due_after?: string;
}

/** Midnight at the start of the local day of d. */
export function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** d plus n local calendar days (same wall-clock time). */
export function addDays(d: Date, n: number): Date {
  const r = new Date(d.getTime());
  r.setDate(r.getDate() + n);
  return r;
}

/** The last millisecond of the local day of d. */
export function endOfDay(d: Date): Date {
  return new Date(startOfDay(addDays(d, 1)).getTime() - 1);
}

/**
 * The due_before / due_after query for a due filter, as of now.
 * overdue: deadline before now; today: within the local calendar day;
 * upcoming: from the start of tomorrow on; week: from now to the end of
 * the seventh day from today.
 */
export function dueRange(filter: DueFilter, now: Date): DueRange {
  switch (filter) {
    case 'overdue':
      return { due_before: now.toISOString() };
    case 'today':
      return { due_after: startOfDay(now).toISOString(), due_before: endOfDay(now).toISOString() };
    case 'upcoming':
      return { due_after: startOfDay(addDays(now, 1)).toISOString() };
    case 'week':
      return { due_after: now.toISOString(), due_before: endOfDay(addDays(now, 7)).toISOString() };
    default:
      return {};
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An RFC 3339 time as the value of an <input type="datetime-local">. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (local time) as RFC 3339, or null when empty or invalid. */
export function fromLocalInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (Number.isNaN(date.getTime())) return null;
  return date.toISOString();
}

/** Whole local calendar days from now's day to iso's day (negative in the past). */
export function dayDiff(iso: string, now: Date): number {
  const a = startOfDay(now).getTime();
  const b = startOfDay(new Date(iso)).getTime();
  return Math.round((b - a) / 86_400_000);
}

export interface DeadlineLabel {
  text: string;
  overdue: boolean;
}

/** "Today", "Tomorrow", "Yesterday" or a short date such as "Mon, 1 Dec". */
export function dayLabel(iso: string, now: Date, locale?: string): string {
  const diff = dayDiff(iso, now);
  if (diff === 0) return 'Today';
  if (diff === 1) return 'Tomorrow';
  if (diff === -1) return 'Yesterday';
  const d = new Date(iso);
  return d.toLocaleDateString(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(d.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
}

/** Local wall-clock time, hours and minutes: "17:00", or "6:00 PM" where clocks have 12 hours. */
export function timeLabel(iso: string, locale?: string): string {
  const twelve = new Intl.DateTimeFormat(locale, { hour: 'numeric' }).resolvedOptions().hour12 === true;
  return new Date(iso).toLocaleTimeString(locale, { hour: twelve ? 'numeric' : '2-digit', minute: '2-digit' });
}

/**
 * Whether a deadline names a day rather than a time: it falls on local
 * midnight (how dates without a time are kept), or the caller says so.
 */
export function isDateOnly(iso: string, flagged = false): boolean {
  if (flagged) return true;
  const d = new Date(iso);
  return d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0 && d.getMilliseconds() === 0;
}

/**
 * Whether a deadline has passed: a time once it is behind now, a day only
 * once the day is over.
 */
export function isPastDue(iso: string, now: Date, dateOnly = isDateOnly(iso)): boolean {
  return dateOnly ? dayDiff(iso, now) < 0 : new Date(iso).getTime() < now.getTime();
}

/**
 * A short label for a deadline ("Today 17:00", or "Fri, 4 Dec" for a day
 * without a time) and whether it has passed.
 */
export function describeDeadline(iso: string, now: Date, locale?: string, dateOnly = isDateOnly(iso)): DeadlineLabel {
  return {
    text: dateOnly ? dayLabel(iso, now, locale) : `${dayLabel(iso, now, locale)} ${timeLabel(iso, locale)}`,
    overdue: isPastDue(iso, now, dateOnly),
  };
}

/** A meeting's time: "Today 09:00–10:30", or both ends when it spans days. */
export function describeSpan(startIso: string, endIso: string, now: Date, locale?: string): string {
  const start = `${dayLabel(startIso, now, locale)} ${timeLabel(startIso, locale)}`;
  if (dayDiff(startIso, now) === dayDiff(endIso, now)) return `${start}–${timeLabel(endIso, locale)}`;
  return `${start} – ${dayLabel(endIso, now, locale)} ${timeLabel(endIso, locale)}`;
}
