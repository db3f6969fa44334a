// Turning API errors into the words a screen shows.

import { ApiError } from './api';

/** "45 seconds", "1 minute", "5 minutes", "2 hours": a wait, rounded up. */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? '1 second' : `${s} seconds`;
  const m = Math.ceil(s / 60);
  if (m < 60) return m === 1 ? '1 minute' : `${m} minutes`;
  const h = Math.ceil(m / 60);
  return h === 1 ? '1 hour' : `${h} hours`;
}

/**
 * The message to show for a failed request. A rate-limited answer says how
 * long to wait when the API told us (Retry-After).
 */
export function errorText(e: unknown, fallback = 'Something went wrong. Try again.'): string {
  if (!(e instanceof ApiError)) return fallback;
  const msg = e.message || fallback;
  if (e.code === 'rate_limited' && e.retryAfter && e.retryAfter > 0) {
    return `${msg} You can try again in ${formatWait(e.retryAfter)}.`;
  }
  return msg;
}

/** The form field the API blamed, if any. */
export function errorField(e: unknown): string {
  return e instanceof ApiError ? (e.field ?? '') : '';
}

/**
 * Moves focus to the field the API named: inputs carry the API's field name
 * in their name attribute.
 */
export function focusField(root: ParentNode | null | undefined, field: string): void {
  if (!root || !field) return;
  const el = root.querySelector<HTMLElement>(`[name="${CSS.escape(field)}"]`);
  el?.focus();
}
