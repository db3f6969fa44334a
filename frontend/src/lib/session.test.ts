import { afterEach, describe, expect, it, vi } from 'vitest';

// boot() with nothing stored: the web face asks for no desktop-only session;
// the desktop app's window (its bound calls present) signs the local profile in.
describe('boot', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  function fetchRecorder(answer: (url: string) => Response) {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: string) => {
        urls.push(String(input));
        return answer(String(input));
      }),
    );
    return urls;
  }

  it('on the web, shows the sign-in without asking for the local session', async () => {
    const urls = fetchRecorder(() => new Response('{}', { status: 500 }));
    const { boot, session } = await import('./session.svelte');
    await boot();
    expect(session.status).toBe('signed_out');
    expect(session.notice).toBe('');
    expect(urls.filter((u) => u.includes('/api/auth/local-session'))).toEqual([]);
  });

  it('in the desktop window, signs the local profile in', async () => {
    vi.stubGlobal('go', { main: { Desktop: {} } });
    const user = { id: 'u1', email: 'me@local', first_name: 'Me', last_name: '', email_verified: true, is_local: true };
    const urls = fetchRecorder(
      () =>
        new Response(JSON.stringify({ access_token: 'a', refresh_token: 'r', token_type: 'bearer', expires_in: 900, user }), {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const { boot, session } = await import('./session.svelte');
    await boot();
    expect(urls.some((u) => u.endsWith('/api/auth/local-session'))).toBe(true);
    expect(session.status).toBe('signed_in');
    expect(session.face).toBe('desktop');
  });
});
