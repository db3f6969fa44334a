// Words for the account's security log and signed-in devices.

import type { DeviceSession } from './api';

export type AuditTone = 'ok' | 'warn';

const labels: Record<string, string> = {
  'user.registered': 'Account created',
  'login.succeeded': 'Signed in',
  'login.failed': 'Failed sign-in attempt',
  'logout': 'Signed out',
  'oauth.succeeded': 'Signed in with a provider',
  'oauth.failed': 'Failed provider sign-in',
  'oauth.linked': 'Provider sign-in added to this account',
  'oauth.link_refused': 'Provider sign-in not linked: the email was not confirmed on both sides',
  'email.verified': 'Email confirmed',
  'email.verify_failed': 'Wrong email confirmation code',
  'password.changed': 'Password changed',
  'password.change_failed': 'Wrong current password entered',
  'password.reset_requested': 'Password reset requested',
  'password.reset': 'Password reset with an emailed code',
  'session.revoked': 'A device was signed out',
  'refresh.reuse_detected': 'A reused sign-in token was refused; that device was signed out',
  'user.deleted': 'Account deleted',
  'desktop.connect_code_issued': 'Desktop app sign-in approved',
};

/** A friendly label for an audit event; unknown events still read well. */
export function auditLabel(event: string): string {
  const known = labels[event];
  if (known) return known;
  const words = event.replace(/[._]+/g, ' ').trim();
  if (!words) return 'Account activity';
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Failures and detected misuse stand out. */
export function auditTone(event: string): AuditTone {
  return /(failed|reuse|refused)/.test(event) ? 'warn' : 'ok';
}

/** Extra words from an event's details worth showing, such as a failure reason. */
export function auditDetail(details: Record<string, unknown> | undefined | null): string {
  const reason = details?.['reason'];
  if (typeof reason === 'string' && reason) return reason.charAt(0).toUpperCase() + reason.slice(1);
  const provider = details?.['provider'];
  if (typeof provider === 'string' && provider) return `With ${provider.charAt(0).toUpperCase() + provider.slice(1)}`;
  return '';
}

const browsers: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrom(e|ium)\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];

const systems: [RegExp, string][] = [
  [/Windows/, 'Windows'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

/**
 * A short name for a device from its User-Agent, e.g. "Firefox on Linux";
 * "Sentry AI desktop" for the desktop app; the raw text when nothing matches.
 */
export function deviceLabel(userAgent: string | undefined | null): string {
  const ua = (userAgent ?? '').trim();
  if (!ua) return 'Unknown device';
  if (ua === 'desktop') return 'Sentry AI desktop';
  const browser = browsers.find(([re]) => re.test(ua))?.[1];
  const system = systems.find(([re]) => re.test(ua))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  // A cut-off browser string still names its system.
  if (system && /^Mozilla\//.test(ua)) return `Browser on ${system}`;
  if (browser || system) return (browser ?? system)!;
  return ua.length > 60 ? ua.slice(0, 57) + '…' : ua;
}

/** "5 Mar 2026, 14:05" in the user's locale. */
export function whenLabel(iso: string, locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** This device first, then the most recently used. */
export function orderSessions(list: readonly DeviceSession[]): DeviceSession[] {
  const t = (iso: string) => {
    const v = Date.parse(iso);
    return Number.isNaN(v) ? 0 : v;
  };
  return [...list].sort((a, b) => Number(b.current) - Number(a.current) || t(b.last_used_at) - t(a.last_used_at));
}
