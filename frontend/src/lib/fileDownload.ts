/**
 * Synced files left on the team server. On a device that syncs with a
 * team server, a large file (over the size synced at once) stays on the
 * server until it is opened: the API then answers 202 with how far its
 * download has got, and the file once it is here.
 */

/** Where a file's bytes are: here, coming, or on the team server only. */
export type FileFetchState = 'here' | 'downloading' | 'on_server';

/** How far the download of a synced file has got (the API's FileFetch). */
export interface FileFetch {
  state: FileFetchState | string;
  /** Bytes received so far. */
  received: number;
  /** The file's size in bytes. */
  size: number;
  /** Why the last try failed, while the download is tried again. */
  retrying?: string;
}

/** The error code api.ts throws for a file that is still downloading. */
export const DOWNLOADING = 'downloading';

/** Whole percent received, 0–100 (100 only once every byte is here). */
export function percent(p: Pick<FileFetch, 'received' | 'size'>): number {
  if (!(p.size > 0)) return 0;
  const r = Math.min(Math.max(p.received, 0), p.size);
  const pc = Math.floor((r / p.size) * 100);
  return r < p.size ? Math.min(pc, 99) : 100;
}

/** What a list shows for a file whose bytes are not here ('' when they are). */
export function downloadLabel(p: FileFetch | null | undefined): string {
  if (!p || p.state === 'here') return '';
  if (p.state === 'downloading') return `Downloading… ${percent(p)}%`;
  return 'On the server — opens when downloaded';
}

/** Tells a FileFetch apart from any other JSON answer. */
export function isFileFetch(v: unknown): v is FileFetch {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o.state === 'string' && typeof o.received === 'number' && typeof o.size === 'number';
}

export interface FollowOptions {
  /** Told of every answer, the last one (state here) too. */
  onprogress?: (p: FileFetch) => void;
  signal?: AbortSignal;
  /** Pause between asks, in ms (default 750). */
  every?: number;
  /** For tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

/**
 * Starts a file's download and asks again until it is here: ask is the
 * Download action (it starts the download the first time, and says how far
 * it has got after). Resolves with the last answer (state here); rejects
 * with ask's error (e.g. the team server can't be reached) or, when the
 * signal aborts, with an AbortError.
 */
export async function followDownload(ask: () => Promise<FileFetch>, o: FollowOptions = {}): Promise<FileFetch> {
  const sleep = o.sleep ?? pause;
  for (;;) {
    if (o.signal?.aborted) throw new DOMException('Stopped.', 'AbortError');
    const p = await ask();
    o.onprogress?.(p);
    if (p.state === 'here') return p;
    await sleep(o.every ?? 750, o.signal);
  }
}
