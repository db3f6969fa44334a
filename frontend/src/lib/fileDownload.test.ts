import { describe, expect, it } from 'vitest';
import { ApiError, createApi, memoryTokens, type FetchFn } from './api';
import { DOWNLOADING, downloadLabel, followDownload, isFileFetch, percent, type FileFetch } from './fileDownload';

function api(fetch: FetchFn) {
  const tokens = memoryTokens();
  tokens.save({ access_token: 'A1', refresh_token: 'R1', token_type: 'Bearer', expires_in: 900, user: { id: 'u', email: '', first_name: '', last_name: '' } });
  return createApi({ tokens, fetch });
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('what a file left on the team server shows', () => {
  it.each([
    [{ state: 'on_server', received: 0, size: 50_000_000 }, 'On the server — opens when downloaded'],
    [{ state: 'downloading', received: 20_000_000, size: 50_000_000 }, 'Downloading… 40%'],
    [{ state: 'downloading', received: 0, size: 0 }, 'Downloading… 0%'],
    [{ state: 'here', received: 5, size: 5 }, ''],
    [undefined, ''],
  ])('%o → %s', (p, want) => {
    expect(downloadLabel(p as FileFetch | undefined)).toBe(want);
  });

  it('says 100% only once every byte is here', () => {
    expect(percent({ received: 999, size: 1000 })).toBe(99);
    expect(percent({ received: 1000, size: 1000 })).toBe(100);
    expect(percent({ received: 2000, size: 1000 })).toBe(100);
    expect(percent({ received: -1, size: 1000 })).toBe(0);
  });

  it('tells the download state from other answers', () => {
    expect(isFileFetch({ state: 'downloading', received: 1, size: 2 })).toBe(true);
    expect(isFileFetch({ error: { code: 'x' } })).toBe(false);
    expect(isFileFetch(null)).toBe(false);
  });
});

describe('opening a file that is still on the team server', () => {
  it('rejects with code downloading and the progress, not a file made of the 202 body', async () => {
    const a = api(async () => json(202, { state: 'downloading', received: 40, size: 100 }));
    const err = await a.uploadContent('up1').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(DOWNLOADING);
    expect(err.status).toBe(202);
    expect(err.message).toContain('Downloading… 40%');
    expect(err.message).toContain('team server');
  });

  it('passes the offline error through with its message', async () => {
    const msg = 'This file is on the team server and downloads when this device is connected: the team server at http://t can’t be reached.';
    const a = api(async () => json(503, { error: { code: 'unavailable', message: msg } }));
    const err = await a.uploadDownload('up1').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe(msg);
  });

  it('the Download action posts, then follows the progress until the file is here', async () => {
    const answers = [
      json(202, { state: 'downloading', received: 0, size: 100 }),
      json(202, { state: 'downloading', received: 40, size: 100 }),
      json(202, { state: 'downloading', received: 90, size: 100 }),
      json(200, { state: 'here', received: 100, size: 100 }),
    ];
    const calls: string[] = [];
    const a = api(async (url, init) => {
      calls.push(`${init?.method} ${url}`);
      return answers.shift()!;
    });
    const seen: string[] = [];
    const sleeps: number[] = [];
    const last = await followDownload(() => a.uploadDownload('up 1'), {
      onprogress: (p) => seen.push(downloadLabel(p)),
      every: 10,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(last.state).toBe('here');
    expect(calls).toEqual(Array(4).fill('POST /api/uploads/up%201/download'));
    expect(seen).toEqual(['Downloading… 0%', 'Downloading… 40%', 'Downloading… 90%', '']);
    expect(sleeps).toEqual([10, 10, 10]);
  });

  it('stops asking when the view closes', async () => {
    const controller = new AbortController();
    let asks = 0;
    const p = followDownload(
      async () => {
        asks++;
        return { state: 'downloading', received: 1, size: 10 };
      },
      { signal: controller.signal, sleep: async () => controller.abort() },
    );
    await expect(p).rejects.toThrow('Stopped.');
    expect(asks).toBe(1);
  });

  it('gives up on the first error (offline), for the view to offer Try again', async () => {
    let asks = 0;
    const p = followDownload(async () => {
      asks++;
      throw new ApiError('unavailable', 'This file is on the team server and downloads when this device is connected.', 503);
    });
    await expect(p).rejects.toThrow('when this device is connected');
    expect(asks).toBe(1);
  });
});
