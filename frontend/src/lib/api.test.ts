import { describe, expect, it } from 'vitest';
import { ApiError, createApi, memoryTokens, parseError, parseRetryAfter, type FetchFn, type Session } from './api';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

type Responder = (call: Call) => Response | Promise<Response>;

/** A fake fetch that records each call and answers with the next responder. */
function fakeFetch(...responders: Responder[]) {
  const calls: Call[] = [];
  const fetch: FetchFn = async (url, init = {}) => {
    const call: Call = {
      url,
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string>) },
      body: init.body ? JSON.parse(init.body as string) : undefined,
    };
    calls.push(call);
    const next = responders.shift();
    if (!next) throw new Error(`unexpected request ${call.method} ${url}`);
    return next(call);
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const apiError = (status: number, code: string, message: string, field?: string) =>
  json(status, { error: { code, message, ...(field ? { field } : {}) } });

const user = { id: 'u1', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' };

function session(n: number): Session {
  return { access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: 'bearer', expires_in: 900, user };
}

function signedInTokens(n = 1) {
  const tokens = memoryTokens();
  tokens.save(session(n));
  return tokens;
}

const page = { tasks: [], next_cursor: null };

describe('api client', () => {
  it('attaches the access token to API calls', async () => {
    const { fetch, calls } = fakeFetch(json(200, page));
    const api = createApi({ fetch, tokens: signedInTokens() });
    await api.listTasks('u1');
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('/api/tasks/u1');
    expect(calls[0].headers['Authorization']).toBe('Bearer access-1');
  });

  it('sends no token to sign-in and stores the session it gets', async () => {
    const tokens = memoryTokens();
    const { fetch, calls } = fakeFetch(json(200, session(7)));
    const api = createApi({ fetch, tokens });
    const s = await api.login('ada@example.com', 'secret-pass');
    expect(calls[0]).toMatchObject({
      url: '/api/auth/login',
      method: 'POST',
      body: { email: 'ada@example.com', password: 'secret-pass' },
    });
    expect(calls[0].headers['Authorization']).toBeUndefined();
    expect(calls[0].headers['Content-Type']).toBe('application/json');
    expect(s.user.id).toBe('u1');
    expect(tokens.access()).toBe('access-7');
    expect(tokens.refresh()).toBe('refresh-7');
  });

  it('refreshes once on 401 and retries with the new token', async () => {
    const tokens = signedInTokens(1);
    const seen: (Session | null)[] = [];
    const { fetch, calls } = fakeFetch(
      apiError(401, 'unauthorized', 'Token expired.'),
      json(200, session(2)),
      json(200, { ...page, tasks: [{ id: 't1' }] }),
    );
    const api = createApi({ fetch, tokens, onSession: (s) => seen.push(s) });
    const result = await api.listTasks('u1', { status: 'todo' });
    expect(result.tasks).toHaveLength(1);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/tasks/u1?status=todo',
      'POST /api/auth/refresh-token',
      'GET /api/tasks/u1?status=todo',
    ]);
    expect(calls[1].body).toEqual({ refresh_token: 'refresh-1' });
    expect(calls[1].headers['Authorization']).toBeUndefined();
    expect(calls[2].headers['Authorization']).toBe('Bearer access-2');
    expect(tokens.refresh()).toBe('refresh-2');
    expect(seen.map((s) => s?.access_token)).toEqual(['access-2']);
  });

  it('does not loop when the retry is refused too', async () => {
    const { fetch, calls } = fakeFetch(
      apiError(401, 'unauthorized', 'Token expired.'),
      json(200, session(2)),
      apiError(401, 'unauthorized', 'Still no.'),
    );
    const api = createApi({ fetch, tokens: signedInTokens() });
    await expect(api.me()).rejects.toMatchObject({ code: 'unauthorized', status: 401, message: 'Still no.' });
    expect(calls).toHaveLength(3);
  });

  it('signs out when the refresh token is refused', async () => {
    const tokens = signedInTokens();
    const seen: (Session | null)[] = [];
    const { fetch, calls } = fakeFetch(
      apiError(401, 'unauthorized', 'Token expired.'),
      apiError(401, 'unauthorized', 'Refresh token revoked.'),
    );
    const api = createApi({ fetch, tokens, onSession: (s) => seen.push(s) });
    const err = await api.me().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe('Token expired.');
    expect(calls).toHaveLength(2);
    expect(tokens.access()).toBeNull();
    expect(tokens.refresh()).toBeNull();
    expect(seen).toEqual([null]);
  });

  it('does not try to refresh without a refresh token', async () => {
    const tokens = memoryTokens();
    const { fetch, calls } = fakeFetch(apiError(401, 'unauthorized', 'Sign in to continue.'));
    const api = createApi({ fetch, tokens });
    await expect(api.me()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(calls).toHaveLength(1);
  });

  it('does not refresh when sign-in itself answers 401', async () => {
    const { fetch, calls } = fakeFetch(apiError(401, 'unauthorized', 'Wrong email or password.'));
    const api = createApi({ fetch, tokens: signedInTokens() });
    await expect(api.login('a@example.com', 'nope-nope')).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'Wrong email or password.',
    });
    expect(calls).toHaveLength(1);
  });

  it('shares one refresh between requests that fail together', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { fetch, calls } = fakeFetch(
      apiError(401, 'unauthorized', 'expired'),
      apiError(401, 'unauthorized', 'expired'),
      async () => {
        await gate;
        return json(200, session(2))();
      },
      json(200, user),
      json(200, user),
    );
    const api = createApi({ fetch, tokens: signedInTokens() });
    const both = Promise.all([api.me(), api.me()]);
    await new Promise((r) => setTimeout(r, 0));
    release();
    await both;
    const refreshes = calls.filter((c) => c.url === '/api/auth/refresh-token');
    expect(refreshes).toHaveLength(1);
    expect(calls.slice(3).map((c) => c.headers['Authorization'])).toEqual(['Bearer access-2', 'Bearer access-2']);
  });

  it('parses API errors with code, message, status and field', async () => {
    const { fetch } = fakeFetch(apiError(400, 'invalid', 'Title is required.', 'title'));
    const api = createApi({ fetch, tokens: signedInTokens() });
    const err = await api.createTask('u1', { title: '' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'invalid', message: 'Title is required.', status: 400, field: 'title' });
  });

  it('reports a conflict on sign-up', async () => {
    const { fetch, calls } = fakeFetch(apiError(409, 'conflict', 'That email is already registered.'));
    const api = createApi({ fetch, tokens: memoryTokens() });
    await expect(
      api.register({ email: 'a@example.com', password: 'longenough', first_name: 'A', last_name: 'B' }),
    ).rejects.toMatchObject({ code: 'conflict', status: 409 });
    expect(calls[0]).toMatchObject({ url: '/api/users', method: 'POST' });
  });

  it('sends updates as PUT with only the given fields and deletes with DELETE', async () => {
    const { fetch, calls } = fakeFetch(json(200, { id: 't1' }), () => new Response(null, { status: 204 }));
    const api = createApi({ fetch, tokens: signedInTokens() });
    await api.updateTask('u1', 't1', { status: 'done', deadline: null });
    expect(calls[0]).toMatchObject({ method: 'PUT', url: '/api/tasks/u1/t1', body: { status: 'done', deadline: null } });
    await expect(api.deleteTask('u1', 't1')).resolves.toBeUndefined();
    expect(calls[1]).toMatchObject({ method: 'DELETE', url: '/api/tasks/u1/t1', body: undefined });
  });

  it('leaves empty query values out and encodes the rest', async () => {
    const { fetch, calls } = fakeFetch(json(200, page));
    const api = createApi({ fetch, tokens: signedInTokens() });
    await api.listTasks('u1', { q: 'a&b c', status: '', cursor: undefined, limit: 50, due_before: '2026-01-01T00:00:00.000Z' });
    const url = new URL(calls[0].url, 'http://x');
    expect(url.pathname).toBe('/api/tasks/u1');
    expect([...url.searchParams.keys()].sort()).toEqual(['due_before', 'limit', 'q']);
    expect(url.searchParams.get('q')).toBe('a&b c');
    expect(url.searchParams.get('due_before')).toBe('2026-01-01T00:00:00.000Z');
  });

  it('turns a failed connection into a network error', async () => {
    const fetch: FetchFn = async () => {
      throw new TypeError('Failed to fetch');
    };
    const api = createApi({ fetch, tokens: signedInTokens() });
    await expect(api.me()).rejects.toMatchObject({ code: 'network', status: 0 });
  });

  it('logs out with the refresh token, clears tokens and ignores errors', async () => {
    const tokens = signedInTokens(3);
    const { fetch, calls } = fakeFetch(apiError(500, 'internal', 'Internal error.'));
    const api = createApi({ fetch, tokens });
    await expect(api.logout()).resolves.toBeUndefined();
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/auth/logout', body: { refresh_token: 'refresh-3' } });
    expect(tokens.access()).toBeNull();
    expect(tokens.refresh()).toBeNull();
  });

  it('asks for the local session with no body', async () => {
    const { fetch, calls } = fakeFetch(apiError(404, 'not_found', 'No local profile on this server; sign in instead.'));
    const api = createApi({ fetch, tokens: memoryTokens() });
    await expect(api.localSession()).rejects.toMatchObject({ code: 'not_found', status: 404 });
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/auth/local-session', body: undefined });
    expect(calls[0].headers['Content-Type']).toBeUndefined();
  });
});

describe('account endpoints', () => {
  const noContent = () => new Response(null, { status: 204 });

  it.each([
    {
      name: 'verify email',
      call: (api: ReturnType<typeof createApi>) => api.verifyEmail('ada@example.com', '123456'),
      status: 200,
      want: { method: 'POST', url: '/api/auth/verify-email', body: { email: 'ada@example.com', code: '123456' } },
    },
    {
      name: 'resend the confirmation code',
      call: (api: ReturnType<typeof createApi>) => api.resendVerification('ada@example.com'),
      status: 202,
      want: { method: 'POST', url: '/api/auth/verify-email/resend', body: { email: 'ada@example.com' } },
    },
    {
      name: 'forgot password',
      call: (api: ReturnType<typeof createApi>) => api.forgotPassword('ada@example.com'),
      status: 202,
      want: { method: 'POST', url: '/api/auth/forgot-password', body: { email: 'ada@example.com' } },
    },
    {
      name: 'reset password',
      call: (api: ReturnType<typeof createApi>) => api.resetPassword('ada@example.com', '654321', 'new password 1'),
      status: 200,
      want: {
        method: 'POST',
        url: '/api/auth/reset-password',
        body: { email: 'ada@example.com', code: '654321', new_password: 'new password 1' },
      },
    },
  ])('$name is public and returns the message', async ({ call, status, want }) => {
    const { fetch, calls } = fakeFetch(json(status, { message: 'Done.' }));
    const api = createApi({ fetch, tokens: signedInTokens() });
    await expect(call(api)).resolves.toEqual({ message: 'Done.' });
    expect(calls[0]).toMatchObject(want);
    expect(calls[0].headers['Authorization']).toBeUndefined();
  });

  it('reports a wrong code with its field', async () => {
    const { fetch } = fakeFetch(apiError(400, 'invalid', 'The code is wrong or has expired.', 'code'));
    const api = createApi({ fetch, tokens: memoryTokens() });
    await expect(api.verifyEmail('ada@example.com', '000000')).rejects.toMatchObject({
      code: 'invalid',
      field: 'code',
      status: 400,
    });
  });

  it('reads Retry-After on 429', async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Too many attempts.' } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '287' },
        }),
    );
    const api = createApi({ fetch, tokens: memoryTokens() });
    const err = await api.forgotPassword('ada@example.com').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'rate_limited', status: 429, retryAfter: 287, message: 'Too many attempts.' });
  });

  it('lists providers, and none when the server has no such endpoint', async () => {
    const { fetch, calls } = fakeFetch(
      json(200, { providers: ['google', 'apple', 'facebook'] }),
      apiError(404, 'not_found', 'No such API endpoint: GET /api/auth/providers.'),
      json(200, { providers: [] }),
      json(200, { providers: ['good', 'bad/one', 3] }),
    );
    const api = createApi({ fetch, tokens: signedInTokens() });
    await expect(api.providers()).resolves.toEqual(['google', 'apple', 'facebook']);
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/api/auth/providers' });
    expect(calls[0].headers['Authorization']).toBeUndefined();
    await expect(api.providers()).resolves.toEqual([]);
    await expect(api.providers()).resolves.toEqual([]);
    await expect(api.providers()).resolves.toEqual(['good']);
  });

  it('says whether the server delivers mail, assuming it does unless told', async () => {
    const { fetch, calls } = fakeFetch(
      json(200, { providers: [], mail: false }),
      json(200, { providers: [], mail: true }),
      json(200, { providers: [] }),
      apiError(500, 'internal', 'Internal error.'),
    );
    const api = createApi({ fetch, tokens: signedInTokens() });
    await expect(api.mailDelivered()).resolves.toBe(false);
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/api/auth/providers' });
    await expect(api.mailDelivered()).resolves.toBe(true);
    await expect(api.mailDelivered()).resolves.toBe(true);
    await expect(api.mailDelivered()).resolves.toBe(true);
  });

  it('passes other provider-list failures on', async () => {
    const { fetch } = fakeFetch(apiError(500, 'internal', 'Internal error.'));
    const api = createApi({ fetch, tokens: memoryTokens() });
    await expect(api.providers()).rejects.toMatchObject({ code: 'internal' });
  });

  it('builds the provider sign-in address', () => {
    const api = createApi({ fetch: fakeFetch().fetch, tokens: memoryTokens() });
    expect(api.providerUrl('google')).toBe('/api/auth/google?return_to=%2F');
    expect(api.providerUrl('apple', '/settings')).toBe('/api/auth/apple?return_to=%2Fsettings');
    const remote = createApi({ fetch: fakeFetch().fetch, tokens: memoryTokens(), base: 'http://127.0.0.1:8080' });
    expect(remote.providerUrl('facebook')).toBe('http://127.0.0.1:8080/api/auth/facebook?return_to=%2F');
  });

  it('trades the provider code for a session and keeps it', async () => {
    const tokens = memoryTokens();
    const { fetch, calls } = fakeFetch(json(200, session(5)));
    const api = createApi({ fetch, tokens });
    const s = await api.exchangeOAuthCode('one-time');
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/auth/oauth/exchange', body: { code: 'one-time' } });
    expect(calls[0].headers['Authorization']).toBeUndefined();
    expect(s.user.id).toBe('u1');
    expect(tokens.access()).toBe('access-5');
    expect(tokens.refresh()).toBe('refresh-5');
  });

  it('updates the profile with only the given names', async () => {
    const { fetch, calls } = fakeFetch(json(200, { ...user, first_name: 'Augusta' }));
    const api = createApi({ fetch, tokens: signedInTokens() });
    const u = await api.updateUser('u1', { first_name: 'Augusta' });
    expect(u.first_name).toBe('Augusta');
    expect(calls[0]).toMatchObject({ method: 'PUT', url: '/api/users/u1', body: { first_name: 'Augusta' } });
    expect(calls[0].headers['Authorization']).toBe('Bearer access-1');
  });

  it('changes the password and keeps the new session', async () => {
    const tokens = signedInTokens(1);
    const { fetch, calls } = fakeFetch(json(200, session(9)));
    const api = createApi({ fetch, tokens });
    await api.changePassword('u1', 'old password', 'new password 2');
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: '/api/users/u1/password',
      body: { current_password: 'old password', new_password: 'new password 2' },
    });
    expect(calls[0].headers['Authorization']).toBe('Bearer access-1');
    expect(tokens.access()).toBe('access-9');
    expect(tokens.refresh()).toBe('refresh-9');
  });

  it('keeps the old tokens when the current password is wrong', async () => {
    const tokens = signedInTokens(1);
    const { fetch } = fakeFetch(apiError(400, 'invalid', 'The current password is not correct.', 'current_password'));
    const api = createApi({ fetch, tokens });
    await expect(api.changePassword('u1', 'nope', 'new password 2')).rejects.toMatchObject({
      field: 'current_password',
    });
    expect(tokens.access()).toBe('access-1');
  });

  it('lists and revokes sessions', async () => {
    const device = {
      id: 's1',
      device_name: 'desktop',
      ip: '127.0.0.1',
      created_at: '2026-01-01T00:00:00Z',
      last_used_at: '2026-01-02T00:00:00Z',
      expires_at: '2026-02-01T00:00:00Z',
      current: true,
    };
    const { fetch, calls } = fakeFetch(json(200, { sessions: [device] }), json(200, { sessions: null }), noContent);
    const api = createApi({ fetch, tokens: signedInTokens() });
    await expect(api.sessions()).resolves.toEqual([device]);
    await expect(api.sessions()).resolves.toEqual([]);
    await expect(api.revokeSession('s/2')).resolves.toBeUndefined();
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/auth/sessions',
      'GET /api/auth/sessions',
      'DELETE /api/auth/sessions/s%2F2',
    ]);
  });

  it('reads the audit log with a limit', async () => {
    const ev = { id: 'a1', event: 'login.succeeded', ip: '127.0.0.1', created_at: '2026-01-01T00:00:00Z' };
    const { fetch, calls } = fakeFetch(json(200, { events: [ev] }));
    const api = createApi({ fetch, tokens: signedInTokens() });
    await expect(api.auditLog('u1')).resolves.toEqual([ev]);
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/api/users/u1/audit?limit=20' });
  });

  it('deletes the account and forgets the tokens', async () => {
    const tokens = signedInTokens(4);
    const { fetch, calls } = fakeFetch(noContent);
    const api = createApi({ fetch, tokens });
    await api.deleteUser('u1');
    expect(calls[0]).toMatchObject({ method: 'DELETE', url: '/api/users/u1' });
    expect(calls[0].headers['Authorization']).toBe('Bearer access-4');
    expect(tokens.access()).toBeNull();
    expect(tokens.refresh()).toBeNull();
  });

  it('keeps the tokens when deleting fails', async () => {
    const tokens = signedInTokens(4);
    const { fetch } = fakeFetch(apiError(403, 'forbidden', 'Not yours.'));
    const api = createApi({ fetch, tokens });
    await expect(api.deleteUser('u2')).rejects.toMatchObject({ code: 'forbidden' });
    expect(tokens.access()).toBe('access-4');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it.each([
    { name: 'missing', value: null, want: undefined },
    { name: 'empty', value: '  ', want: undefined },
    { name: 'seconds', value: '120', want: 120 },
    { name: 'zero', value: '0', want: 0 },
    { name: 'an HTTP date', value: 'Sun, 01 Mar 2026 12:01:30 GMT', want: 90 },
    { name: 'a date in the past', value: 'Sun, 01 Mar 2026 11:00:00 GMT', want: 0 },
    { name: 'nonsense', value: 'soon', want: undefined },
    { name: 'negative', value: '-5', want: undefined },
  ])('$name', ({ value, want }) => {
    expect(parseRetryAfter(value, now)).toBe(want);
  });
});

describe('parseError', () => {
  it.each([
    {
      name: 'API error body',
      res: new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Slow down.' } }), { status: 429 }),
      want: { code: 'rate_limited', message: 'Slow down.', status: 429, field: undefined },
    },
    {
      name: 'HTML from a proxy',
      res: new Response('<html>Bad gateway</html>', { status: 502 }),
      want: { code: 'internal', message: 'Internal error.', status: 502 },
    },
    {
      name: 'empty 404',
      res: new Response('', { status: 404 }),
      want: { code: 'not_found', message: 'Not found.', status: 404 },
    },
    {
      name: 'error without a message',
      res: new Response(JSON.stringify({ error: { code: 'forbidden' } }), { status: 403 }),
      want: { code: 'forbidden', message: 'You do not have access to this.', status: 403 },
    },
  ])('$name', async ({ res, want }) => {
    const err = await parseError(res);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject(want);
  });
});

const doneRun = (over: Record<string, unknown> = {}) => ({
  extraction_id: 'r1',
  upload_id: '',
  user_id: 'u1',
  source: 'extracted_text',
  kind: '',
  status: 'done',
  stage: 'done',
  progress: 1,
  engine: 'rules',
  review: true,
  now: '2026-11-25T10:00:00Z',
  timezone: 'Europe/Lisbon',
  tasks: [],
  attempts: 1,
  created_at: '2026-11-25T10:00:00Z',
  updated_at: '2026-11-25T10:00:00Z',
  finished_at: '2026-11-25T10:00:00Z',
  ...over,
});

describe('extraction endpoints', () => {
  it('sends pasted text with the kind, review and time zone', async () => {
    const { fetch, calls } = fakeFetch(json(201, doneRun()));
    const api = createApi({ fetch, tokens: signedInTokens() });
    const run = await api.extractText({ text: 'Bob sends the report by Friday.', kind: 'meeting_transcript', review: true, timezone: 'Europe/Lisbon' });
    expect(run.status).toBe('done');
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: '/api/extract/text',
      body: { text: 'Bob sends the report by Friday.', kind: 'meeting_transcript', review: true, timezone: 'Europe/Lisbon' },
    });
    expect(calls[0].headers['Authorization']).toBe('Bearer access-1');
  });

  it('leaves out an automatic kind and a missing zone', async () => {
    const { fetch, calls } = fakeFetch(json(202, doneRun({ status: 'queued', stage: 'queued' })));
    const api = createApi({ fetch, tokens: signedInTokens() });
    const run = await api.extractText({ text: 'long text', kind: '', review: false });
    expect(run.status).toBe('queued');
    expect(calls[0].body).toEqual({ text: 'long text', review: false });
  });

  it('gets, cancels and lists runs', async () => {
    const { fetch, calls } = fakeFetch(
      json(200, doneRun({ status: 'running' })),
      json(200, doneRun({ status: 'cancelled' })),
      json(200, { extractions: [doneRun(), doneRun({ extraction_id: 'r0' })] }),
      json(200, { extractions: null }),
    );
    const api = createApi({ fetch, tokens: signedInTokens() });
    expect((await api.getExtraction('r/1')).status).toBe('running');
    expect((await api.cancelExtraction('r1')).status).toBe('cancelled');
    expect((await api.extractionHistory('u1')).map((r) => r.extraction_id)).toEqual(['r1', 'r0']);
    expect(await api.extractionHistory('u1', 5)).toEqual([]);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/extraction/r%2F1',
      'DELETE /api/extraction/r1',
      'GET /api/extraction/history/u1?limit=20',
      'GET /api/extraction/history/u1?limit=5',
    ]);
  });

  it('accepts a draft as it is with an empty body', async () => {
    const { fetch, calls } = fakeFetch(json(200, doneRun()), json(200, doneRun()));
    const api = createApi({ fetch, tokens: signedInTokens() });
    await api.acceptExtracted('r1', 't1');
    await api.acceptExtracted('r1', 't2', {});
    for (const c of calls) {
      expect(c.method).toBe('POST');
      expect(c.body).toBeUndefined();
      expect(c.headers['Content-Type']).toBeUndefined();
    }
    expect(calls.map((c) => c.url)).toEqual(['/api/extraction/r1/items/t1/accept', '/api/extraction/r1/items/t2/accept']);
  });

  it('accepts an edited draft with the changed task fields', async () => {
    const { fetch, calls } = fakeFetch(json(200, doneRun()));
    const api = createApi({ fetch, tokens: signedInTokens() });
    await api.acceptExtracted('r1', 't1', { title: 'Send the Q4 report', deadline: null, priority: 'high' });
    expect(calls[0]).toMatchObject({
      url: '/api/extraction/r1/items/t1/accept',
      body: { title: 'Send the Q4 report', deadline: null, priority: 'high' },
    });
    expect(calls[0].headers['Content-Type']).toBe('application/json');
  });

  it('rejects a draft, and passes on a conflict', async () => {
    const { fetch, calls } = fakeFetch(json(200, doneRun()), apiError(409, 'conflict', 'This item was already accepted.'));
    const api = createApi({ fetch, tokens: signedInTokens() });
    await api.rejectExtracted('r1', 't1');
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/extraction/r1/items/t1/reject', body: undefined });
    await expect(api.rejectExtracted('r1', 't2')).rejects.toMatchObject({
      code: 'conflict',
      status: 409,
      message: 'This item was already accepted.',
    });
  });
});

type XhrScript = (x: FakeXhr) => void;

/** A stand-in for XMLHttpRequest: records what is sent and plays a script when send is called. */
class FakeXhr {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  status = 0;
  responseText = '';
  responseHeaders: Record<string, string> = {};
  aborted = false;
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor(private script: XhrScript) {}
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return this.responseHeaders[name] ?? null;
  }
  send(body: FormData) {
    this.body = body;
    queueMicrotask(() => this.script(this));
  }
  abort() {
    if (this.aborted) return;
    this.aborted = true;
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true } as ProgressEvent);
  }
  answer(status: number, body: unknown, headers: Record<string, string> = {}) {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.responseHeaders = headers;
    this.onload?.();
  }
}

function fakeXhrs(...scripts: XhrScript[]) {
  const made: FakeXhr[] = [];
  const xhr = () => {
    const script = scripts.shift();
    if (!script) throw new Error('unexpected upload');
    const x = new FakeXhr(script);
    made.push(x);
    return x;
  };
  return { xhr, made };
}

describe('file uploads', () => {
  const file = new Blob(['Bob will send the report by Friday.'], { type: 'text/plain' });

  it('posts the file as multipart field "file" and reports progress', async () => {
    const { xhr, made } = fakeXhrs((x) => {
      x.progress(10, 35);
      x.progress(35, 35);
      x.answer(202, doneRun({ status: 'queued', stage: 'queued', upload_id: 'up1', source: 'extracted_document' }));
    });
    const api = createApi({ fetch: fakeFetch().fetch, tokens: signedInTokens(), xhr });
    const seen: string[] = [];
    const run = await api.extractFile('document', file, 'notes.txt', {
      review: false,
      timezone: 'Europe/Lisbon',
      onProgress: (sent, total) => seen.push(`${sent}/${total}`),
    });
    expect(run).toMatchObject({ status: 'queued', upload_id: 'up1' });
    expect(seen).toEqual(['10/35', '35/35']);
    const x = made[0];
    expect(x.method).toBe('POST');
    expect(x.url).toBe('/api/extract/document?review=false&timezone=Europe%2FLisbon');
    expect(x.headers['Authorization']).toBe('Bearer access-1');
    const sent = x.body!.get('file') as File;
    expect(sent.name).toBe('notes.txt');
    expect(await sent.text()).toBe('Bob will send the report by Friday.');
  });

  it.each([
    { name: 'too large', status: 413, code: 'too_large', message: 'The upload is larger than the limit of 50 MB per file.' },
    { name: 'unsupported', status: 415, code: 'unsupported_media_type', message: 'This kind of file is not supported here. Use PDF, DOCX, TXT…' },
    { name: 'rate limited', status: 429, code: 'rate_limited', message: 'Too many uploads.' },
  ])('turns a $name answer into its ApiError', async ({ status, code, message }) => {
    const { xhr } = fakeXhrs((x) => x.answer(status, { error: { code, message } }, status === 429 ? { 'Retry-After': '30' } : {}));
    const api = createApi({ fetch: fakeFetch().fetch, tokens: signedInTokens(), xhr });
    const err = await api.extractFile('image', file, 'scan.png', { review: true }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code, message, status });
    if (status === 429) expect(err.retryAfter).toBe(30);
  });

  it('refreshes once on 401 and sends the file again', async () => {
    const { xhr, made } = fakeXhrs(
      (x) => x.answer(401, { error: { code: 'unauthorized', message: 'Token expired.' } }),
      (x) => x.answer(202, doneRun({ status: 'queued' })),
    );
    const { fetch, calls } = fakeFetch(json(200, session(2)));
    const api = createApi({ fetch, tokens: signedInTokens(1), xhr });
    const run = await api.extractFile('audio', file, 'memo.m4a', { review: true });
    expect(run.status).toBe('queued');
    expect(calls.map((c) => c.url)).toEqual(['/api/auth/refresh-token']);
    expect(made.map((x) => x.headers['Authorization'])).toEqual(['Bearer access-1', 'Bearer access-2']);
    expect(made[1].url).toBe('/api/extract/audio?review=true');
  });

  it('says so when the server cannot be reached', async () => {
    const { xhr } = fakeXhrs((x) => x.onerror?.());
    const api = createApi({ fetch: fakeFetch().fetch, tokens: signedInTokens(), xhr });
    await expect(api.extractFile('document', file, 'a.txt', { review: true })).rejects.toMatchObject({ code: 'network', status: 0 });
  });

  it('stops the upload when aborted', async () => {
    const controller = new AbortController();
    const { xhr, made } = fakeXhrs((x) => {
      x.progress(5, 35);
      controller.abort();
    });
    const api = createApi({ fetch: fakeFetch().fetch, tokens: signedInTokens(), xhr });
    const err = await api.extractFile('document', file, 'a.txt', { review: true, signal: controller.signal }).catch((e) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
    expect(made[0].aborted).toBe(true);
  });

  it('does not start when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { xhr, made } = fakeXhrs();
    const api = createApi({ fetch: fakeFetch().fetch, tokens: signedInTokens(), xhr });
    await expect(
      api.extractFile('document', file, 'a.txt', { review: true, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(made).toHaveLength(0);
  });
});

describe('upload history', () => {
  it('lists the stored files, none when empty', async () => {
    const { fetch, calls } = fakeFetch(
      json(200, { uploads: [{ id: 'up1', filename: 'notes.txt', content_type: 'text/plain', kind: 'txt', size_bytes: 3, created_at: '' }] }),
      json(200, { uploads: null }),
    );
    const api = createApi({ fetch, tokens: signedInTokens() });
    expect((await api.uploadHistory('u1')).map((u) => u.filename)).toEqual(['notes.txt']);
    expect(await api.uploadHistory('u1', 5)).toEqual([]);
    expect(calls.map((c) => c.url)).toEqual(['/api/uploads/history/u1?limit=100', '/api/uploads/history/u1?limit=5']);
  });
});

describe('notebooks', () => {
  const nb = { id: 'nb1', name: 'Launch', description: '' };
  const citation = { n: 1, document_id: 'd1', filename: 'launch.md', chunk_id: 'c1', text: 'Priya owns the press release.', page: 1, start: 0, end: 29, score: 0.9 };

  it('lists, creates and deletes notebooks', async () => {
    const { fetch, calls } = fakeFetch(json(200, { notebooks: [nb] }), json(201, nb), () => new Response(null, { status: 204 }), json(200, { notebooks: null }));
    const api = createApi({ fetch, tokens: signedInTokens() });
    expect(await api.listNotebooks()).toEqual([nb]);
    expect(await api.createNotebook('Launch')).toEqual(nb);
    await api.deleteNotebook('nb/1');
    expect(await api.listNotebooks()).toEqual([]);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/notebooks', 'POST /api/notebooks/create', 'DELETE /api/notebooks/nb%2F1', 'GET /api/notebooks',
    ]);
    expect(calls[1].body).toEqual({ name: 'Launch' });
    expect(calls[1].headers['Authorization']).toBe('Bearer access-1');
  });

  it('sends the description only when given', async () => {
    const { fetch, calls } = fakeFetch(json(201, nb));
    await createApi({ fetch, tokens: signedInTokens() }).createNotebook('Launch', 'Q1 plans');
    expect(calls[0].body).toEqual({ name: 'Launch', description: 'Q1 plans' });
  });

  it('reads documents and their overall progress, and deletes one', async () => {
    const docs = { documents: [{ id: 'd1', filename: 'launch.md', status: 'indexing', progress: 0.5 }], progress: { documents: 1, ready: 0, failed: 0, pending: 1, progress: 0.5 } };
    const { fetch, calls } = fakeFetch(json(200, docs), () => new Response(null, { status: 204 }));
    const api = createApi({ fetch, tokens: signedInTokens() });
    const got = await api.notebookDocuments('nb1');
    expect(got.documents[0].status).toBe('indexing');
    expect(got.progress?.pending).toBe(1);
    await api.deleteNotebookDocument('nb1', 'd1');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/notebooks/nb1/documents', 'DELETE /api/notebooks/nb1/documents/d1']);
  });

  it('asks a question and loads the conversation', async () => {
    const answer = { answer: 'Priya owns it [1].', citations: [citation], engine: 'extractive', found: true };
    const { fetch, calls } = fakeFetch(json(200, answer), json(200, { messages: [{ role: 'user', content: 'Who?' }, { role: 'assistant', content: answer.answer, citations: [citation] }] }));
    const api = createApi({ fetch, tokens: signedInTokens() });
    expect(await api.notebookChat('nb1', 'Who owns the press release?')).toEqual(answer);
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/notebooks/nb1/chat', body: { query: 'Who owns the press release?' } });
    const msgs = await api.notebookMessages('nb1');
    expect(msgs).toHaveLength(2);
    expect(msgs[1].citations?.[0].filename).toBe('launch.md');
    expect(calls[1].url).toBe('/api/notebooks/nb1/messages');
  });

  it('turns an empty query into an error naming the field', async () => {
    const { fetch } = fakeFetch(apiError(400, 'invalid', 'Ask a question.', 'query'));
    const err = await createApi({ fetch, tokens: signedInTokens() }).notebookChat('nb1', '').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, field: 'query', message: 'Ask a question.' });
  });

  it('uploads a file to a notebook with progress', async () => {
    const { xhr, made } = fakeXhrs((x) => {
      x.progress(5, 5);
      x.answer(202, { document_id: 'd1', status: 'queued', document: { id: 'd1', filename: 'launch.md', status: 'queued', progress: 0 } });
    });
    const api = createApi({ fetch: fakeFetch().fetch, tokens: signedInTokens(), xhr });
    const seen: number[] = [];
    const res = await api.uploadToNotebook('nb1', new Blob(['# Launch']), 'launch.md', { onProgress: (l) => seen.push(l) });
    expect(res.document_id).toBe('d1');
    expect(seen).toEqual([5]);
    expect(made[0].url).toBe('/api/notebooks/nb1/upload');
    expect((made[0].body!.get('file') as File).name).toBe('launch.md');
  });

  it('shows a 415 of a notebook upload', async () => {
    const { xhr } = fakeXhrs((x) => x.answer(415, { error: { code: 'unsupported_media_type', message: 'Images are not indexed yet.' } }));
    const api = createApi({ fetch: fakeFetch().fetch, tokens: signedInTokens(), xhr });
    const err = await api.uploadToNotebook('nb1', new Blob(['x']), 'a.png').catch((e) => e);
    expect(err).toMatchObject({ status: 415, message: 'Images are not indexed yet.' });
  });
});
