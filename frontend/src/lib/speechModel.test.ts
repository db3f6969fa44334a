import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, memoryTokens, type FetchFn, type KnownSpeechModel, type SpeechModel, type SpeechModelDownload } from './api';
import {
  byLanguage,
  downloadAmount,
  downloadPercent,
  downloadRunning,
  followDownload,
  formatBytes,
  installedModel,
  knownModelLabel,
  suggestedModel,
} from './speechModel';

function job(over: Partial<SpeechModelDownload> = {}): SpeechModelDownload {
  return {
    url: 'https://models.example.com/vosk-model-small-en-us-0.15.zip',
    state: 'downloading',
    bytes: 0,
    total: 40_000_000,
    progress: 0,
    started_at: '2026-11-25T10:00:00Z',
    ...over,
  };
}

function status(download?: Partial<SpeechModelDownload> | null, over: Partial<SpeechModel> = {}): SpeechModel {
  return {
    path: '',
    ready: false,
    problem: 'No speech model yet: download one or choose a folder.',
    ...(download ? { download: job(download) } : {}),
    ...over,
  };
}

describe('downloadRunning', () => {
  it.each([
    { state: 'downloading', want: true },
    { state: 'verifying', want: true },
    { state: 'unpacking', want: true },
    { state: 'done', want: false },
    { state: 'failed', want: false },
  ] as const)('$state', ({ state, want }) => {
    expect(downloadRunning(job({ state }))).toBe(want);
  });

  it('is false with no download', () => {
    expect(downloadRunning(undefined)).toBe(false);
  });
});

describe('download progress', () => {
  it.each([
    { name: 'from bytes of total', d: job({ bytes: 10_000_000 }), pct: 25, amount: '10.0 MB of 40.0 MB' },
    { name: 'unknown size uses progress', d: job({ total: 0, bytes: 1500, progress: 0.5 }), pct: 50, amount: '1.5 kB' },
    { name: 'nothing yet', d: job({ total: 0 }), pct: 0, amount: '' },
    { name: 'done is full', d: job({ state: 'done', bytes: 10, total: 40 }), pct: 100, amount: '10 B of 40 B' },
    { name: 'never past 100', d: job({ bytes: 50, total: 40 }), pct: 100, amount: '50 B of 40 B' },
  ])('$name', ({ d, pct, amount }) => {
    expect(downloadPercent(d)).toBe(pct);
    expect(downloadAmount(d)).toBe(amount);
  });

  it.each([
    { n: 0, want: '0 B' },
    { n: 999, want: '999 B' },
    { n: 1000, want: '1.0 kB' },
    { n: 41_205_000, want: '41.2 MB' },
    { n: 123_456_789, want: '123 MB' },
    { n: 1_800_000_000, want: '1.8 GB' },
  ])('formatBytes($n)', ({ n, want }) => {
    expect(formatBytes(n)).toBe(want);
  });
});

const MB = 1_000_000;
const catalog: KnownSpeechModel[] = [
  { id: 'vosk-model-small-en-us-0.15', language: 'English (US)', lang: 'en', size: 40 * MB, about: 'small, the usual choice' },
  { id: 'vosk-model-en-us-0.22', language: 'English (US)', lang: 'en', size: 1800 * MB, about: 'large, most accurate' },
  { id: 'vosk-model-small-de-0.15', language: 'German', lang: 'de', size: 45 * MB, about: 'small' },
];

describe('the list of known models', () => {
  it('groups by language in the list order', () => {
    expect(byLanguage(catalog).map((g) => [g.language, g.models.length])).toEqual([
      ['English (US)', 2],
      ['German', 1],
    ]);
  });

  it('labels a model with what it is for and its size', () => {
    expect(knownModelLabel(catalog[0])).toBe('small, the usual choice — 40.0 MB');
    expect(knownModelLabel(catalog[1])).toBe('large, most accurate — 1.8 GB');
  });

  it.each([
    { name: 'the person’s language', path: '', locale: 'de-AT', want: 'vosk-model-small-de-0.15' },
    { name: 'the first of the list otherwise', path: '', locale: 'fi-FI', want: 'vosk-model-small-en-us-0.15' },
    { name: 'the one in use first', path: '/data/models/vosk-model-en-us-0.22-1a2b3c4d', locale: 'de', want: 'vosk-model-en-us-0.22' },
  ])('suggests $name', ({ path, locale, want }) => {
    expect(suggestedModel(catalog, status(null, { path }), locale)).toBe(want);
  });

  it('knows a downloaded folder by its name, and nothing else', () => {
    expect(installedModel(catalog, status(null, { path: '/m/vosk-model-small-de-0.15-0123abcd' }))?.id).toBe('vosk-model-small-de-0.15');
    expect(installedModel(catalog, status(null, { path: 'C:\\models\\vosk-model-small-de-0.15' }))?.id).toBe('vosk-model-small-de-0.15');
    expect(installedModel(catalog, status(null, { path: '/m/vosk-model-small-de-0.15-extra' }))).toBeNull();
    expect(installedModel(catalog, status(null, { path: '/m/my-own-model' }))).toBeNull();
    expect(installedModel(catalog, null)).toBeNull();
  });
});

describe('followDownload', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A fake GET /api/settings/speech-model answering from a script, recording when it was asked. */
  function fakeGet(...answers: (SpeechModel | Error)[]) {
    const asked: number[] = [];
    const get = vi.fn(async () => {
      asked.push(Date.now());
      const next = answers.shift();
      if (!next) throw new Error('asked once too often');
      if (next instanceof Error) throw next;
      return next;
    });
    return { get, asked };
  }

  it('asks every second while the download runs, reporting each step', async () => {
    const { get, asked } = fakeGet(
      status({ bytes: 20_000_000 }),
      status({ state: 'verifying', bytes: 40_000_000 }),
      status({ state: 'unpacking', bytes: 40_000_000 }),
      status({ state: 'done', bytes: 40_000_000, progress: 1 }, { ready: true, path: '/data/models/small', problem: undefined }),
    );
    const seen: string[] = [];
    const start = Date.now();
    const p = followDownload(get, status({}), { onUpdate: (s) => seen.push(`${s.download?.state}:${downloadPercent(s.download!)}`) });
    await vi.advanceTimersByTimeAsync(999);
    expect(get).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(get).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3000);
    const end = await p;
    expect(end.ready).toBe(true);
    expect(asked.map((t) => t - start)).toEqual([1000, 2000, 3000, 4000]);
    expect(seen).toEqual(['downloading:50', 'verifying:100', 'unpacking:100', 'done:100']);
  });

  it('stops when the download fails', async () => {
    const { get } = fakeGet(status({ state: 'failed', error: 'The downloaded archive does not match its checksum.' }));
    const p = followDownload(get, status({ state: 'verifying' }));
    await vi.advanceTimersByTimeAsync(1000);
    expect((await p).download?.error).toContain('checksum');
    expect(get).toHaveBeenCalledTimes(1);
  });

  it.each([
    { name: 'no download', s: status() },
    { name: 'a finished download', s: status({ state: 'done' }) },
    { name: 'a failed download', s: status({ state: 'failed' }) },
  ])('does not ask with $name', async ({ s }) => {
    const { get } = fakeGet();
    expect(await followDownload(get, s)).toBe(s);
    expect(get).not.toHaveBeenCalled();
  });

  it('rides out passing failures, waiting longer each time', async () => {
    const { get, asked } = fakeGet(
      new ApiError('network', 'Cannot reach Sentry AI.', 0),
      status({ state: 'done' }),
    );
    const start = Date.now();
    const p = followDownload(get, status({}));
    await vi.advanceTimersByTimeAsync(5000);
    expect((await p).download?.state).toBe('done');
    expect(asked.map((t) => t - start)).toEqual([1000, 3000]);
  });

  it('stops at once on an error that will not pass', async () => {
    const gone = new ApiError('unauthorized', 'Sign in to continue.', 401);
    const { get } = fakeGet(gone);
    const caught = followDownload(get, status({})).catch((e) => e);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await caught).toBe(gone);
  });

  it('stops when aborted, without asking again', async () => {
    const { get } = fakeGet(status({ bytes: 1 }));
    const controller = new AbortController();
    const caught = followDownload(get, status({}), { signal: controller.signal }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort();
    const err = await caught;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('cancelled');
    await vi.advanceTimersByTimeAsync(5000);
    expect(get).toHaveBeenCalledTimes(1);
  });
});

describe('speech model API calls', () => {
  interface Call {
    url: string;
    method: string;
    body: unknown;
  }
  function fakeFetch(...answers: Response[]) {
    const calls: Call[] = [];
    const fetch: FetchFn = async (url, init = {}) => {
      calls.push({ url, method: init.method ?? 'GET', body: init.body ? JSON.parse(init.body as string) : undefined });
      const next = answers.shift();
      if (!next) throw new Error(`unexpected request ${url}`);
      return next;
    };
    return { fetch, calls };
  }
  const json = (s: number, body: unknown) => new Response(JSON.stringify(body), { status: s });

  it('reads the status, starts a download and uses a folder', async () => {
    const { fetch, calls } = fakeFetch(
      json(200, status()),
      json(202, status({})),
      json(200, status(null, { path: '/models/small', ready: true, problem: undefined })),
    );
    const api = createApi({ fetch, tokens: memoryTokens() });
    expect((await api.speechModel()).problem).toContain('No speech model');
    expect((await api.downloadSpeechModel('vosk-model-small-en-us-0.15')).download?.state).toBe('downloading');
    expect((await api.useSpeechModelFolder('/models/small')).ready).toBe(true);
    expect(calls).toEqual([
      { url: '/api/settings/speech-model', method: 'GET', body: undefined },
      {
        url: '/api/settings/speech-model/download',
        method: 'POST',
        body: { model: 'vosk-model-small-en-us-0.15' },
      },
      { url: '/api/settings/speech-model', method: 'PUT', body: { path: '/models/small' } },
    ]);
  });

  it("gives a team server's refusal with its message", async () => {
    const message = 'On a team server its operator sets up the speech model.';
    const { fetch } = fakeFetch(json(403, { error: { code: 'forbidden', message } }));
    const api = createApi({ fetch, tokens: memoryTokens() });
    await expect(api.downloadSpeechModel('vosk-model-small-en-us-0.15')).rejects.toMatchObject({
      code: 'forbidden',
      status: 403,
      message,
    });
  });
});
