import { describe, expect, it } from 'vitest';
import type { DeviceSession } from './api';
import { auditDetail, auditLabel, auditTone, deviceLabel, orderSessions } from './security';

describe('auditLabel', () => {
  it.each([
    { event: 'login.succeeded', want: 'Signed in' },
    { event: 'login.failed', want: 'Failed sign-in attempt' },
    { event: 'password.changed', want: 'Password changed' },
    { event: 'password.change_failed', want: 'Wrong current password entered' },
    { event: 'password.reset_requested', want: 'Password reset requested' },
    { event: 'password.reset', want: 'Password reset with an emailed code' },
    { event: 'session.revoked', want: 'A device was signed out' },
    { event: 'desktop.connect_code_issued', want: 'Desktop app sign-in approved' },
    { event: 'email.verified', want: 'Email confirmed' },
    { event: 'email.verify_failed', want: 'Wrong email confirmation code' },
    { event: 'user.registered', want: 'Account created' },
    { event: 'refresh.reuse_detected', want: 'A reused sign-in token was refused; that device was signed out' },
    { event: 'logout', want: 'Signed out' },
    { event: 'oauth.succeeded', want: 'Signed in with a provider' },
    { event: 'oauth.failed', want: 'Failed provider sign-in' },
    { event: 'oauth.linked', want: 'Provider sign-in added to this account' },
    { event: 'something.new_here', want: 'Something new here' },
    { event: '', want: 'Account activity' },
  ])('$event', ({ event, want }) => {
    expect(auditLabel(event)).toBe(want);
  });
});

describe('auditTone', () => {
  it.each([
    { event: 'login.failed', want: 'warn' },
    { event: 'email.verify_failed', want: 'warn' },
    { event: 'refresh.reuse_detected', want: 'warn' },
    { event: 'oauth.link_refused', want: 'warn' },
    { event: 'login.succeeded', want: 'ok' },
    { event: 'session.revoked', want: 'ok' },
  ])('$event', ({ event, want }) => {
    expect(auditTone(event)).toBe(want);
  });
});

describe('auditDetail', () => {
  it.each([
    { name: 'no details', details: undefined, want: '' },
    { name: 'a reason', details: { reason: 'wrong password' }, want: 'Wrong password' },
    { name: 'a provider', details: { provider: 'google' }, want: 'With Google' },
    { name: 'ids are not shown', details: { session_id: 'abc' }, want: '' },
    { name: 'a non-string reason', details: { reason: 3 }, want: '' },
  ])('$name', ({ details, want }) => {
    expect(auditDetail(details)).toBe(want);
  });
});

describe('deviceLabel', () => {
  it.each([
    { name: 'empty', ua: '', want: 'Unknown device' },
    { name: 'missing', ua: undefined, want: 'Unknown device' },
    { name: 'the desktop app', ua: 'desktop', want: 'Sentry AI desktop' },
    {
      name: 'Chrome on Linux',
      ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      want: 'Chrome on Linux',
    },
    {
      name: 'headless Chrome',
      ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
      want: 'Chrome on Linux',
    },
    {
      name: 'Firefox on Windows',
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
      want: 'Firefox on Windows',
    },
    {
      name: 'Safari on macOS',
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      want: 'Safari on macOS',
    },
    {
      name: 'Safari on iPhone',
      ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      want: 'Safari on iOS',
    },
    {
      name: 'Edge on Windows',
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      want: 'Edge on Windows',
    },
    {
      name: 'Chrome on Android',
      ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      want: 'Chrome on Android',
    },
    {
      name: 'cut off before the browser',
      ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like…',
      want: 'Browser on Linux',
    },
    { name: 'a script', ua: 'curl/8.5.0', want: 'curl/8.5.0' },
  ])('$name', ({ ua, want }) => {
    expect(deviceLabel(ua)).toBe(want);
  });
});

describe('orderSessions', () => {
  const s = (id: string, last: string, current = false): DeviceSession => ({
    id,
    device_name: 'x',
    ip: '127.0.0.1',
    created_at: '2026-01-01T00:00:00Z',
    last_used_at: last,
    expires_at: '2026-03-01T00:00:00Z',
    current,
  });

  it('puts this device first, then the most recently used', () => {
    const list = [
      s('old', '2026-01-02T00:00:00Z'),
      s('new', '2026-01-05T00:00:00Z'),
      s('me', '2026-01-01T00:00:00Z', true),
      s('mid', '2026-01-03T00:00:00Z'),
    ];
    expect(orderSessions(list).map((x) => x.id)).toEqual(['me', 'new', 'mid', 'old']);
    expect(list[0].id).toBe('old');
  });
});
