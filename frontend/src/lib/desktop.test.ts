import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import {
  connectTeamServer,
  desktopError,
  disconnectTeamServer,
  inDesktopApp,
  notifyDesktop,
  openInBrowser,
  teamServerStatus,
  type DesktopBridge,
} from './desktop';

/** Puts a fake of the desktop app's bound methods where the app puts them. */
function fakeDesktop(methods: Partial<DesktopBridge>) {
  (globalThis as unknown as Window).go = { main: { Desktop: methods } };
  return methods;
}

afterEach(() => {
  delete (globalThis as unknown as Window).go;
});

describe('inDesktopApp', () => {
  it('is false in a browser', () => {
    expect(inDesktopApp()).toBe(false);
  });

  it('is false when window.go holds no Desktop', () => {
    (globalThis as unknown as Window).go = { main: {} };
    expect(inDesktopApp()).toBe(false);
  });

  it('is true in the desktop window', () => {
    fakeDesktop({});
    expect(inDesktopApp()).toBe(true);
  });
});

describe('teamServerStatus', () => {
  it.each([
    { name: 'never connected', answer: { server: '', connected: false }, want: { server: '', connected: false } },
    {
      name: 'connected',
      answer: { server: 'https://sentry.example.com', connected: true, user_id: 'u9' },
      want: { server: 'https://sentry.example.com', connected: true, user_id: 'u9' },
    },
    {
      name: 'signed out there',
      answer: { server: 'https://sentry.example.com', connected: false, message: 'Connect again.' },
      want: { server: 'https://sentry.example.com', connected: false, message: 'Connect again.' },
    },
    { name: 'an empty answer', answer: null, want: { server: '', connected: false } },
  ])('$name', async ({ answer, want }) => {
    fakeDesktop({ TeamServerStatus: async () => answer as never });
    expect(await teamServerStatus()).toEqual(want);
  });

  it('says it needs the desktop app in a browser', async () => {
    const err = await teamServerStatus().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('not_found');
  });
});

describe('connectTeamServer', () => {
  it('passes the trimmed address and provider and resolves when the browser sign-in ends', async () => {
    let finish: (s: { server: string; connected: boolean; user_id: string }) => void = () => {};
    const connect = vi.fn(
      (_server: string, _provider: string) =>
        new Promise<{ server: string; connected: boolean; user_id: string }>((r) => (finish = r)),
    );
    fakeDesktop({ ConnectTeamServer: connect });
    let settled = false;
    const p = connectTeamServer('  https://sentry.example.com  ', 'google').then((s) => {
      settled = true;
      return s;
    });
    await Promise.resolve();
    expect(connect).toHaveBeenCalledWith('https://sentry.example.com', 'google');
    expect(settled).toBe(false); // waiting for the browser
    finish({ server: 'https://sentry.example.com', connected: true, user_id: 'u9' });
    expect(await p).toEqual({ server: 'https://sentry.example.com', connected: true, user_id: 'u9' });
  });

  it("uses the server's own sign-in page by default", async () => {
    const connect = vi.fn(async (server: string) => ({ server, connected: true }));
    fakeDesktop({ ConnectTeamServer: connect });
    await connectTeamServer('https://sentry.example.com');
    expect(connect).toHaveBeenCalledWith('https://sentry.example.com', '');
  });

  it('asks for an address before calling the app', async () => {
    const connect = vi.fn();
    fakeDesktop({ ConnectTeamServer: connect });
    const err = await connectTeamServer('   ').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'invalid', field: 'server' });
    expect(connect).not.toHaveBeenCalled();
  });

  it('rejects with the message the app gave (e.g. which keyring to install)', async () => {
    const message = 'no OS keyring: install and unlock gnome-keyring or KWallet';
    fakeDesktop({ ConnectTeamServer: () => Promise.reject({ code: 'invalid', message }) });
    const err = await connectTeamServer('https://sentry.example.com').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'invalid', message });
  });
});

describe('disconnectTeamServer', () => {
  it('calls the app', async () => {
    const disconnect = vi.fn(async () => {});
    fakeDesktop({ DisconnectTeamServer: disconnect });
    await disconnectTeamServer();
    expect(disconnect).toHaveBeenCalledTimes(1);
  });

  it('passes on a failure', async () => {
    fakeDesktop({ DisconnectTeamServer: () => Promise.reject({ code: 'internal', message: 'Internal error.' }) });
    await expect(disconnectTeamServer()).rejects.toMatchObject({ code: 'internal', message: 'Internal error.' });
  });
});

describe('openInBrowser', () => {
  it('hands the address to the app', async () => {
    const open = vi.fn(async () => {});
    fakeDesktop({ OpenURL: open });
    await expect(openInBrowser('https://accounts.example.com/consent?x=1')).resolves.toBe(true);
    expect(open).toHaveBeenCalledWith('https://accounts.example.com/consent?x=1');
  });

  it('says it could not in a browser tab', async () => {
    await expect(openInBrowser('https://accounts.example.com/')).resolves.toBe(false);
  });

  it('passes on the app refusing the address', async () => {
    fakeDesktop({ OpenURL: () => Promise.reject({ code: 'invalid', message: 'Only web addresses can be opened.' }) });
    await expect(openInBrowser('file:///etc/passwd')).rejects.toMatchObject({ code: 'invalid' });
  });
});

describe('notifyDesktop', () => {
  it('hands title and body to the app', async () => {
    const notify = vi.fn(async () => {});
    fakeDesktop({ Notify: notify });
    await expect(notifyDesktop('Burnout risk rose to high', 'Planned work is 140 % of capacity.')).resolves.toBe(true);
    expect(notify).toHaveBeenCalledWith('Burnout risk rose to high', 'Planned work is 140 % of capacity.');
  });

  it('says no in a browser tab', async () => {
    await expect(notifyDesktop('t', 'b')).resolves.toBe(false);
  });

  it('says no in an app without the call', async () => {
    fakeDesktop({ OpenURL: async () => {} });
    await expect(notifyDesktop('t', 'b')).resolves.toBe(false);
  });

  it.each([
    { name: 'a rejection', fn: () => Promise.reject({ code: 'internal', message: 'No session bus.' }) },
    { name: 'a throw', fn: () => { throw new Error('gone'); } },
  ])('swallows $name', async ({ fn }) => {
    fakeDesktop({ Notify: fn as never });
    await expect(notifyDesktop('t', 'b')).resolves.toBe(false);
  });
});

describe('desktopError', () => {
  it.each([
    { name: '{code, message}', e: { code: 'invalid', message: 'Bad address.' }, want: { code: 'invalid', message: 'Bad address.' } },
    { name: 'a message without a code', e: { message: 'Oops.' }, want: { code: 'internal', message: 'Oops.' } },
    { name: 'JSON text', e: '{"code":"forbidden","message":"No."}', want: { code: 'forbidden', message: 'No.' } },
    { name: 'plain text', e: 'it broke', want: { code: 'internal', message: 'it broke' } },
    { name: 'nothing', e: undefined, want: { code: 'internal', message: 'Internal error.' } },
  ])('$name', ({ e, want }) => {
    const err = desktopError(e);
    expect(err).toBeInstanceOf(ApiError);
    expect({ code: err.code, message: err.message }).toEqual(want);
  });
});
