import { describe, expect, it } from 'vitest';
import { ApiError, createApi, memoryTokens, type FetchFn } from './api';
import {
  BAD_CHALLENGE,
  BAD_RETURN_TO,
  cancelUrl,
  connectDesktop,
  isCodeChallenge,
  isLoopbackReturnTo,
  parseConnectHash,
} from './connectDesktop';

const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // RFC 7636's example

describe('isLoopbackReturnTo', () => {
  it.each([
    { name: 'IPv4 loopback with a port and path', to: 'http://127.0.0.1:53682/callback', want: true },
    { name: 'IPv6 loopback', to: 'http://[::1]:53682/callback', want: true },
    { name: 'a query is kept', to: 'http://127.0.0.1:8000/cb?state=x', want: true },
    { name: 'the root path', to: 'http://127.0.0.1:8000/', want: true },
    { name: 'highest port', to: 'http://127.0.0.1:65535/cb', want: true },
    { name: 'no path', to: 'http://127.0.0.1:8000', want: false },
    { name: 'no port', to: 'http://127.0.0.1/callback', want: false },
    { name: 'port 0', to: 'http://127.0.0.1:0/callback', want: false },
    { name: 'port too high', to: 'http://127.0.0.1:65536/callback', want: false },
    { name: 'https', to: 'https://127.0.0.1:8000/callback', want: false },
    { name: 'localhost by name', to: 'http://localhost:8000/callback', want: false },
    { name: 'another host', to: 'http://evil.example:8000/callback', want: false },
    { name: 'a host that starts like loopback', to: 'http://127.0.0.1.evil.example:8000/cb', want: false },
    { name: 'user info', to: 'http://evil@127.0.0.1:8000/callback', want: false },
    { name: 'loopback as user info', to: 'http://127.0.0.1:8000@evil.example/callback', want: false },
    { name: 'a fragment', to: 'http://127.0.0.1:8000/callback#x', want: false },
    { name: 'a backslash', to: 'http://127.0.0.1:8000\\@evil.example/', want: false },
    { name: 'a space', to: 'http://127.0.0.1:8000/call back', want: false },
    { name: 'a path on this site', to: '/tasks', want: false },
    { name: 'a protocol-relative address', to: '//127.0.0.1:8000/callback', want: false },
    { name: 'javascript:', to: 'javascript:alert(1)', want: false },
    { name: 'empty', to: '', want: false },
    { name: 'too long', to: `http://127.0.0.1:8000/${'a'.repeat(600)}`, want: false },
  ])('$name', ({ to, want }) => {
    expect(isLoopbackReturnTo(to)).toBe(want);
  });
});

describe('isCodeChallenge', () => {
  it.each([
    { name: '43 base64url characters', s: challenge, want: true },
    { name: '42 characters', s: challenge.slice(1), want: false },
    { name: '44 characters', s: challenge + 'A', want: false },
    { name: 'padding', s: challenge.slice(1) + '=', want: false },
    { name: 'standard base64', s: challenge.slice(1) + '+', want: false },
    { name: 'empty', s: '', want: false },
  ])('$name', ({ s, want }) => {
    expect(isCodeChallenge(s)).toBe(want);
  });
});

describe('parseConnectHash', () => {
  const returnTo = 'http://127.0.0.1:53682/callback';
  // What the desktop app opens: url.Values.Encode(), so the address is escaped.
  const appHash = `#connect-desktop?code_challenge=${challenge}&return_to=${encodeURIComponent(returnTo)}`;

  it.each([
    { name: 'no hash', hash: '', want: null },
    { name: 'another route', hash: '#oauth_code=abc', want: null },
    { name: 'a route that only starts alike', hash: '#connect-desktops?return_to=x', want: null },
    {
      name: 'what the app opens',
      hash: appHash,
      want: { request: { returnTo, codeChallenge: challenge }, problem: '' },
    },
    {
      name: 'with a leading slash',
      hash: appHash.replace('#', '#/'),
      want: { request: { returnTo, codeChallenge: challenge }, problem: '' },
    },
    {
      name: 'an unescaped address',
      hash: `#connect-desktop?return_to=${returnTo}&code_challenge=${challenge}`,
      want: { request: { returnTo, codeChallenge: challenge }, problem: '' },
    },
    {
      name: 'no parameters',
      hash: '#connect-desktop',
      want: { request: { returnTo: '', codeChallenge: '' }, problem: BAD_RETURN_TO },
    },
    {
      name: 'a return_to elsewhere',
      hash: `#connect-desktop?return_to=${encodeURIComponent('https://evil.example/cb')}&code_challenge=${challenge}`,
      want: { request: { returnTo: 'https://evil.example/cb', codeChallenge: challenge }, problem: BAD_RETURN_TO },
    },
    {
      name: 'a short challenge',
      hash: `#connect-desktop?return_to=${encodeURIComponent(returnTo)}&code_challenge=abc`,
      want: { request: { returnTo, codeChallenge: 'abc' }, problem: BAD_CHALLENGE },
    },
  ])('$name', ({ hash, want }) => {
    expect(parseConnectHash(hash)).toEqual(want);
  });
});

describe('cancelUrl', () => {
  it.each([
    { name: 'a plain address', to: 'http://127.0.0.1:8000/callback', want: 'http://127.0.0.1:8000/callback?error=access_denied' },
    { name: 'an address with a query', to: 'http://127.0.0.1:8000/cb?s=1', want: 'http://127.0.0.1:8000/cb?s=1&error=access_denied' },
  ])('$name', ({ to, want }) => {
    expect(cancelUrl(to)).toBe(want);
  });
});

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fake fetch that records each call and answers with the next responder. */
function fakeFetch(...responders: ((call: Call) => Response)[]) {
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

function signedInApi(fetch: FetchFn) {
  const tokens = memoryTokens();
  tokens.save({
    access_token: 'access-1',
    refresh_token: 'refresh-1',
    token_type: 'bearer',
    expires_in: 900,
    user: { id: 'u1', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
  });
  return createApi({ fetch, tokens });
}

describe('connectDesktop', () => {
  const req = { returnTo: 'http://127.0.0.1:53682/callback', codeChallenge: challenge };

  it('asks for a code with the signed-in session and returns where to go', async () => {
    const redirect = 'http://127.0.0.1:53682/callback?code=one-time';
    const { fetch, calls } = fakeFetch(json(200, { redirect }));
    expect(await connectDesktop(signedInApi(fetch), req)).toBe(redirect);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      url: '/api/auth/desktop/code',
      method: 'POST',
      body: { return_to: req.returnTo, code_challenge: challenge },
    });
    expect(calls[0].headers['Authorization']).toBe('Bearer access-1');
  });

  it.each([
    { name: 'a return_to elsewhere', req: { ...req, returnTo: 'https://evil.example/cb' }, field: 'return_to' },
    { name: 'a bad challenge', req: { ...req, codeChallenge: 'short' }, field: 'code_challenge' },
  ])('never sends $name', async ({ req: bad, field }) => {
    const { fetch, calls } = fakeFetch();
    const err = await connectDesktop(signedInApi(fetch), bad).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'invalid', field });
    expect(calls).toHaveLength(0);
  });

  it("passes on the server's refusal with its field", async () => {
    const { fetch } = fakeFetch(
      json(400, { error: { code: 'invalid', message: "return_to must be the app's address.", field: 'return_to' } }),
    );
    const err = await connectDesktop(signedInApi(fetch), req).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, field: 'return_to', message: "return_to must be the app's address." });
  });

  it('refuses an answer that leads anywhere but the app', async () => {
    const { fetch } = fakeFetch(json(200, { redirect: 'https://evil.example/?code=one-time' }));
    const err = await connectDesktop(signedInApi(fetch), req).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toContain('not the app');
  });

  it('refuses an answer on another port of this computer', async () => {
    const { fetch } = fakeFetch(json(200, { redirect: 'http://127.0.0.1:9999/callback?code=x' }));
    await expect(connectDesktop(signedInApi(fetch), req)).rejects.toBeInstanceOf(ApiError);
  });

  it('refreshes an expired session once and still connects', async () => {
    const redirect = 'http://127.0.0.1:53682/callback?code=c';
    const { fetch, calls } = fakeFetch(
      json(401, { error: { code: 'unauthorized', message: 'Sign in to continue.' } }),
      json(200, {
        access_token: 'access-2',
        refresh_token: 'refresh-2',
        token_type: 'bearer',
        expires_in: 900,
        user: { id: 'u1', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
      }),
      json(200, { redirect }),
    );
    expect(await connectDesktop(signedInApi(fetch), req)).toBe(redirect);
    expect(calls.map((c) => c.url)).toEqual(['/api/auth/desktop/code', '/api/auth/refresh-token', '/api/auth/desktop/code']);
    expect(calls[2].headers['Authorization']).toBe('Bearer access-2');
  });
});

describe('providerUrl for the desktop app', () => {
  it('carries the loopback return_to and the challenge', () => {
    const api = createApi({ fetch: fakeFetch().fetch, tokens: memoryTokens() });
    const u = new URL(api.providerUrl('google', 'http://127.0.0.1:53682/callback', challenge), 'https://sentry.example.com');
    expect(u.pathname).toBe('/api/auth/google');
    expect(u.searchParams.get('return_to')).toBe('http://127.0.0.1:53682/callback');
    expect(u.searchParams.get('code_challenge')).toBe(challenge);
  });

  it('leaves the challenge out for the web sign-in', () => {
    const api = createApi({ fetch: fakeFetch().fetch, tokens: memoryTokens() });
    expect(api.providerUrl('google')).toBe('/api/auth/google?return_to=%2F');
  });
});
