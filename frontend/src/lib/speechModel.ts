// The speech model section of Settings: what the status says, the list of
// known models to download, and following a download until it ends.

import { ApiError, type KnownSpeechModel, type SpeechModel, type SpeechModelDownload } from './api';

/** Whether a download is still going (so the status is worth asking again). */
export function downloadRunning(d: SpeechModelDownload | null | undefined): boolean {
  return d?.state === 'downloading' || d?.state === 'verifying' || d?.state === 'unpacking';
}

const stateLabels: Record<string, string> = {
  downloading: 'Downloading',
  verifying: 'Checking the archive',
  unpacking: 'Unpacking',
  done: 'Installed',
  failed: 'Failed',
};

export function downloadStateLabel(state: string): string {
  return stateLabels[state] ?? state;
}

/** "12.3 MB": sizes as people read them. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** 0–100 from bytes and total, or from progress when the size is unknown. */
export function downloadPercent(d: SpeechModelDownload): number {
  if (d.state === 'done') return 100;
  const p = d.total > 0 ? d.bytes / d.total : d.progress;
  if (!Number.isFinite(p)) return 0;
  return Math.max(0, Math.min(100, Math.round(p * 100)));
}

/** "3.1 MB of 40.0 MB", or just what came so far when the size is unknown. */
export function downloadAmount(d: SpeechModelDownload): string {
  if (d.total > 0) return `${formatBytes(d.bytes)} of ${formatBytes(d.total)}`;
  return d.bytes > 0 ? formatBytes(d.bytes) : '';
}

/** "small, the usual choice — 40 MB": one model in the list. */
export function knownModelLabel(k: KnownSpeechModel): string {
  return `${k.about} — ${formatBytes(k.size)}`;
}

/** The list grouped by language, in the list's order. */
export function byLanguage(catalog: KnownSpeechModel[]): { language: string; models: KnownSpeechModel[] }[] {
  const out: { language: string; models: KnownSpeechModel[] }[] = [];
  for (const k of catalog) {
    const g = out.find((x) => x.language === k.language);
    if (g) g.models.push(k);
    else out.push({ language: k.language, models: [k] });
  }
  return out;
}

/**
 * The model to offer first: the one installed, else the first in the
 * person's language ("de-AT" → German), else the first of the list.
 */
export function suggestedModel(catalog: KnownSpeechModel[], status: SpeechModel | null, locale = ''): string {
  if (catalog.length === 0) return '';
  const installed = installedModel(catalog, status);
  if (installed) return installed.id;
  const lang = locale.toLowerCase().split(/[-_]/)[0];
  return (catalog.find((k) => k.lang === lang) ?? catalog[0]).id;
}

/** The known model whose folder is in use, if any (folders are named "<id>-<checksum>"). */
export function installedModel(catalog: KnownSpeechModel[], status: SpeechModel | null): KnownSpeechModel | null {
  if (!status?.path) return null;
  const folder = status.path.split(/[\\/]/).filter(Boolean).pop() ?? '';
  const named = (k: KnownSpeechModel) =>
    folder === k.id || (folder.startsWith(`${k.id}-`) && /^[0-9a-f]{8}$/.test(folder.slice(k.id.length + 1)));
  return catalog.find(named) ?? null;
}

export interface FollowOptions {
  /** Wait between checks (default 1000 ms). */
  intervalMs?: number;
  /** Stops following; the promise rejects with code "cancelled". */
  signal?: AbortSignal;
  /** Called with every answer. */
  onUpdate?: (status: SpeechModel) => void;
  /** Failed checks in a row (network, 5xx, 429) before giving up (default 5). */
  maxErrors?: number;
}

const transient = (e: unknown) =>
  e instanceof ApiError && (e.code === 'network' || e.code === 'rate_limited' || e.status >= 500);

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Asks for the status every interval while a download is running and
 * returns the status once it has ended (done or failed). A status with no
 * running download is returned without asking. Passing hiccups are retried
 * with a longer wait; any other error ends the following.
 */
export async function followDownload(
  get: () => Promise<SpeechModel>,
  start: SpeechModel,
  o: FollowOptions = {},
): Promise<SpeechModel> {
  const interval = o.intervalMs ?? 1000;
  const maxErrors = o.maxErrors ?? 5;
  let status = start;
  let errors = 0;
  let delay = interval;
  while (downloadRunning(status.download)) {
    await wait(delay, o.signal);
    if (o.signal?.aborted) throw new ApiError('cancelled', 'Stopped following the download.', 0);
    try {
      status = await get();
      errors = 0;
      delay = interval;
      o.onUpdate?.(status);
    } catch (e) {
      if (!transient(e) || ++errors >= maxErrors) throw e;
      const asked = e instanceof ApiError && e.retryAfter ? e.retryAfter * 1000 : 0;
      delay = Math.max(asked, Math.min(10_000, interval * 2 ** errors));
    }
  }
  return status;
}
