import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  integrationErrorText,
  integrationsApi,
  parseIntegrations,
  parseProvider,
  parseReturnHash,
  parseSyncResult,
  relativeTime,
  stateText,
  syncSummary,
  type Integration,
} from './integrations';
import type { Requester } from './workload';

function fakeRequest(...answers: unknown[]) {
  const calls: { method: string; path: string; body?: unknown }[] = [];
  const request: Requester = async <T>(method: string, path: string, o?: { body?: unknown }) => {
    calls.push({ method, path, body: o?.body });
    const a = answers.shift();
    if (a instanceof Error) throw a;
    return a as T;
  };
  return { request, calls };
}

const base: Integration = { provider: 'zoom', state: 'connected', account: '', last_sync_at: '', error: '', last_sync_count: null, sync_path: '' };

describe('providers', () => {
  it.each([
    { v: 'google_tasks', p: 'google_tasks' },
    { v: 'google-tasks', p: 'google_tasks' },
    { v: 'googleTasks', p: 'google_tasks' },
    { v: 'Google Calendar', p: 'google_calendar' },
    { v: 'calendar', p: 'google_calendar' },
    { v: 'zoom', p: 'zoom' },
    { v: 'outlook', p: null },
    { v: 42, p: null },
  ])('$v is $p', ({ v, p }) => {
    expect(parseProvider(v)).toBe(p);
  });
});

describe('reading the status', () => {
  it('lists every provider once in a fixed order, missing ones not connected', () => {
    const list = parseIntegrations({
      integrations: [
        { provider: 'zoom', state: 'connected', connected: true, last_sync: '2026-11-26T08:00:00Z', sync_path: '/api/zoom/meetings/u1' },
        { provider: 'zoom', status: 'error' },
        { provider: 'unknown' },
      ],
    });
    expect(list.map((i) => [i.provider, i.state])).toEqual([
      ['google_tasks', 'disconnected'],
      ['google_calendar', 'disconnected'],
      ['zoom', 'connected'],
    ]);
    expect(list[2].last_sync_at).toBe('2026-11-26T08:00:00Z');
    expect(list[2].sync_path).toBe('/api/zoom/meetings/u1');
  });

  it.each([
    { name: 'a revoked grant asks to reconnect', raw: { state: 'needs_reconnect', connected: true, needs_reconnect: true }, state: 'reconnect' },
    { name: 'a server without the app credentials', raw: { state: 'not_configured', configured: false }, state: 'unavailable' },
    { name: 'a needs_reconnect flag asks to reconnect', raw: { connected: true, needs_reconnect: true }, state: 'reconnect' },
    { name: 'connected with a last error is an error', raw: { connected: true, last_error: 'Rate limited' }, state: 'error' },
    { name: 'connected is connected', raw: { connected: true }, state: 'connected' },
    { name: 'no credentials on the server', raw: { configured: false }, state: 'unavailable' },
    { name: 'nothing said is not connected', raw: {}, state: 'disconnected' },
  ])('$name', ({ raw, state }) => {
    expect(parseIntegrations([{ provider: 'google_tasks', ...raw }])[0].state).toBe(state);
  });

  it('reads a sync result with its counts, or counts the items sent back', () => {
    expect(parseSyncResult('google_tasks', { provider: 'google_tasks', pulled: 2, pushed: 3, deleted: 1, conflicts: 0, skipped: 0, full: false, synced_at: 'x' })).toEqual({
      provider: 'google_tasks',
      pulled: 2,
      pushed: 3,
      deleted: 1,
      conflicts: 0,
      skipped: 0,
      synced_at: 'x',
    });
    expect(parseSyncResult('zoom', { meetings: [{}, {}] }).pulled).toBe(2);
    expect(parseSyncResult('zoom', null).pulled).toBe(0);
  });

  it('ignores a sync path outside the API', () => {
    expect(parseIntegrations([{ provider: 'zoom', sync_path: 'https://elsewhere/x' }])[2].sync_path).toBe('');
  });
});

describe('words', () => {
  it('summarises a sync', () => {
    const r = { provider: 'google_tasks' as const, pulled: 3, pushed: 2, deleted: 1, conflicts: 0, skipped: 0, synced_at: '' };
    expect(syncSummary(r)).toBe('Google Tasks synced: 3 in, 2 out, 1 removed.');
    expect(syncSummary({ ...r, provider: 'zoom', pulled: 0, pushed: 0, deleted: 0 })).toBe('Zoom synced: nothing new.');
    expect(syncSummary({ ...r, conflicts: 1, skipped: 2 })).toMatch(/1 changed on both sides.*2 skipped/);
  });

  it('says what each state means and what to do', () => {
    expect(stateText({ ...base, account: 'ada@example.com' })).toBe('Connected as ada@example.com');
    expect(stateText({ ...base, state: 'reconnect' })).toMatch(/Reconnect/);
    expect(stateText({ ...base, state: 'error', error: 'Quota exceeded' })).toBe('The last sync failed: Quota exceeded');
    expect(stateText({ ...base, state: 'error' })).toMatch(/Sync now/);
    expect(stateText({ ...base, state: 'disconnected' })).toBe('Not connected');
    // A server's user is sent to its administrator; the desktop's user has none.
    expect(stateText({ ...base, state: 'unavailable' })).toMatch(/administrator/);
    const desktop = stateText({ ...base, state: 'unavailable' }, true);
    expect(desktop).toMatch(/this copy of the app/);
    expect(desktop).not.toMatch(/server|administrator|environment|SENTRY_/i);
  });

  it.each([
    { s: 10, text: 'just now' },
    { s: 60, text: '1 minute ago' },
    { s: 300, text: '5 minutes ago' },
    { s: 3600, text: '1 hour ago' },
    { s: 86400, text: 'yesterday' },
    { s: 3 * 86400, text: '3 days ago' },
  ])('$s seconds ago is "$text"', ({ s, text }) => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(relativeTime(new Date(now - s * 1000).toISOString(), now)).toBe(text);
  });

  it('has no time for nothing', () => {
    expect(relativeTime('')).toBe('');
    expect(relativeTime('garbage')).toBe('');
  });

  it('turns failures into what to do', () => {
    expect(integrationErrorText('zoom', new ApiError('unauthorized', 'x', 401))).toBe('Zoom refused access. Reconnect Zoom and try again.');
    expect(integrationErrorText('google_tasks', new ApiError('not_found', 'x', 404))).toMatch(/Connect it first/);
    expect(integrationErrorText('zoom', new ApiError('invalid', 'The grant was revoked.', 400))).toBe('The grant was revoked.');
    expect(integrationErrorText('zoom', new Error('boom'))).toMatch(/Try again/);
    expect(integrationErrorText('zoom', new ApiError('reconnect_required', 'Reconnect Zoom in Settings.', 409))).toBe('Reconnect Zoom in Settings.');
    expect(integrationErrorText('zoom', new ApiError('bad_gateway', '', 502))).toMatch(/did not answer properly/);
  });
});

describe('coming back from a provider', () => {
  it('reads success and failure', () => {
    expect(parseReturnHash('#integration=google_tasks&status=connected')).toEqual({
      provider: 'google_tasks',
      ok: true,
      message: 'Google Tasks is connected. Press Sync now to bring things in.',
    });
    expect(parseReturnHash('#integration=zoom&status=error&message=You+did+not+allow+Sentry+to+use+Zoom.')).toEqual({
      provider: 'zoom',
      ok: false,
      message: 'You did not allow Sentry to use Zoom.',
    });
    expect(parseReturnHash('#message=The+link+has+expired.&status=error')).toEqual({
      provider: null,
      ok: false,
      message: 'The link has expired.',
    });
    expect(parseReturnHash('#integration=zoom&status=error')?.message).toBe('Connecting Zoom did not finish. Try again.');
  });

  it('reads the older field names too', () => {
    expect(parseReturnHash('#integration=zoom&integration_status=connected')?.ok).toBe(true);
    expect(parseReturnHash('#integration_error=Expired')).toEqual({ provider: null, ok: false, message: 'Expired' });
  });

  it('leaves other fragments alone', () => {
    expect(parseReturnHash('#oauth_code=x')).toBeNull();
    expect(parseReturnHash('')).toBeNull();
    expect(parseReturnHash('#status=connected')).toBeNull();
    expect(parseReturnHash('#integration=outlook&status=connected')).toBeNull();
  });
});

describe('integrations client', () => {
  it('lists, treating a missing route as nothing connected', async () => {
    const { request, calls } = fakeRequest(new ApiError('not_found', 'Not found.', 404));
    const list = await integrationsApi(request).list('u1');
    expect(calls[0]).toMatchObject({ method: 'GET', path: '/api/integrations/u1' });
    expect(list.every((i) => i.state === 'disconnected')).toBe(true);
  });

  it('syncs each provider on its route', async () => {
    const { request, calls } = fakeRequest({}, {}, {});
    const api = integrationsApi(request);
    await api.sync('u1', 'google_tasks');
    await api.sync('u1', 'google_calendar');
    await api.sync('u1', 'zoom', '/api/zoom/meetings/u1?sync=1');
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/integrations/google/tasks/u1/sync',
      'GET /api/integrations/google/calendar/u1/sync',
      'GET /api/zoom/meetings/u1?sync=1',
    ]);
  });

  it('connects to the consent page the server names, and refuses anything else', async () => {
    const { request, calls } = fakeRequest(
      { provider: 'zoom', authorization_url: 'https://accounts.example/consent?x=1', expires_at: 'x' },
      { authorization_url: 'javascript:alert(1)' },
    );
    const api = integrationsApi(request);
    expect(await api.connect('zoom', '/')).toBe('https://accounts.example/consent?x=1');
    expect(calls[0]).toEqual({ method: 'POST', path: '/api/integrations/zoom/connect', body: { return_to: '/' } });
    await expect(api.connect('zoom', '/')).rejects.toThrow(/did not say where/);
  });

  it('disconnects on the provider route', async () => {
    const { request, calls } = fakeRequest(undefined);
    await integrationsApi(request).disconnect('u1', 'google_calendar');
    expect(calls[0]).toMatchObject({ method: 'DELETE', path: '/api/integrations/google_calendar/u1' });
  });
});
