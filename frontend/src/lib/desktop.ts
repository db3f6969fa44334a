// The desktop app's own calls (window.go.main.Desktop, bound by the app):
// only what a web page cannot do itself. Every call is here, so the screens
// never touch window.go and tests can put a fake there. A call that fails
// rejects with {code, message}, like an API error; it comes out as ApiError.

import { ApiError } from './api';

/** Whether the app is connected to a team server, as Settings shows it. */
export interface TeamServerStatus {
  /** The server's address; '' when the app was never connected. */
  server: string;
  connected: boolean;
  user_id?: string;
  /** Why it is not connected any more (e.g. signed out there), ready to show. */
  message?: string;
}

/** The sign-in providers the desktop can ask a team server for; '' is its own sign-in page. */
export const TEAM_PROVIDERS = ['', 'google', 'apple', 'facebook'] as const;
export type TeamProvider = (typeof TEAM_PROVIDERS)[number];

/** The methods the desktop app binds. */
export interface DesktopBridge {
  TeamServerStatus(): Promise<TeamServerStatus>;
  /** Resolves once the sign-in in the system browser has finished (up to about 6 minutes). */
  ConnectTeamServer(server: string, provider: string): Promise<TeamServerStatus>;
  DisconnectTeamServer(): Promise<void>;
  /** The native file chooser: the chosen path, '' when cancelled. */
  OpenFileDialog(title: string, filters: string[]): Promise<string>;
  /** The native chooser for several files: their paths, none when cancelled. */
  OpenFilesDialog(title: string, filters: string[]): Promise<string[] | null>;
  /** The bytes (base64) of a file chosen in one of those dialogs. */
  ReadPickedFile(path: string): Promise<PickedFile>;
  /** Opens an http(s) address in the system browser. */
  OpenURL(url: string): Promise<void>;
  /** A desktop notification (best effort on the app's side). */
  Notify(title: string, body: string): Promise<void>;
  /** Sync with the team server (lib/sync.ts). */
  SyncStatus(): Promise<unknown>;
  SyncNow(): Promise<unknown>;
  SyncConflicts(): Promise<unknown>;
  SyncRejected(): Promise<unknown>;
  SyncKeep(conflictID: string, which: string): Promise<void>;
  /** A team's members as the team server knows them (for a task's assignee). */
  TeamMembers(teamID: string): Promise<unknown>;
}

/** A file the user chose in the native dialog. */
export interface PickedFile {
  name: string;
  size: number;
  /** The bytes, base64. */
  data: string;
}

declare global {
  interface Window {
    go?: { main?: { Desktop?: Partial<DesktopBridge> } };
  }
}

function bridge(): Partial<DesktopBridge> | null {
  const w = globalThis as unknown as Window;
  return w.go?.main?.Desktop ?? null;
}

/** Whether this page runs in the desktop app's window. */
export function inDesktopApp(): boolean {
  return bridge() !== null;
}

/** Turns whatever a rejected call gave into an ApiError with a message to show. */
export function desktopError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown };
    const code = typeof o.code === 'string' && o.code ? o.code : 'internal';
    const message = typeof o.message === 'string' && o.message ? o.message : 'Internal error.';
    return new ApiError(code, message, 0);
  }
  if (typeof e === 'string' && e) {
    // Older bridges reject with the text alone; it may be JSON.
    try {
      const parsed: unknown = JSON.parse(e);
      if (parsed && typeof parsed === 'object') return desktopError(parsed);
    } catch {
      // Plain text.
    }
    return new ApiError('internal', e, 0);
  }
  return new ApiError('internal', 'Internal error.', 0);
}

export async function call<T>(name: keyof DesktopBridge, ...args: unknown[]): Promise<T> {
  const d = bridge();
  const fn = d?.[name] as ((...a: unknown[]) => Promise<T>) | undefined;
  if (typeof fn !== 'function') {
    throw new ApiError('not_found', 'This works only in the Sentry AI desktop app.', 0);
  }
  try {
    return await fn.apply(d, args);
  } catch (e) {
    throw desktopError(e);
  }
}

function normalise(s: Partial<TeamServerStatus> | null | undefined): TeamServerStatus {
  return {
    server: typeof s?.server === 'string' ? s.server : '',
    connected: s?.connected === true,
    ...(typeof s?.user_id === 'string' && s.user_id ? { user_id: s.user_id } : {}),
    ...(typeof s?.message === 'string' && s.message ? { message: s.message } : {}),
  };
}

export async function teamServerStatus(): Promise<TeamServerStatus> {
  return normalise(await call<TeamServerStatus>('TeamServerStatus'));
}

/**
 * Opens the sign-in to server in the system browser and waits for it to
 * finish. provider '' uses the server's own sign-in page.
 */
export async function connectTeamServer(server: string, provider: TeamProvider | string = ''): Promise<TeamServerStatus> {
  const address = server.trim();
  if (!address) throw new ApiError('invalid', 'Enter the team server address, like https://sentry.example.com.', 0, 'server');
  return normalise(await call<TeamServerStatus>('ConnectTeamServer', address, provider));
}

export async function disconnectTeamServer(): Promise<void> {
  await call<void>('DisconnectTeamServer');
}

/**
 * Opens an http(s) address in the system browser (a provider's consent
 * page, say). Returns false when that is not possible here — in a browser
 * tab, or an app without the call — so the caller can show the address.
 */
export async function openInBrowser(url: string): Promise<boolean> {
  const d = bridge();
  if (!d || typeof d.OpenURL !== 'function') return false;
  await call<void>('OpenURL', url);
  return true;
}

/**
 * Shows a notification on the desktop (the app's Notify). Resolves to
 * whether it was handed over: false in a browser tab, in an app without the
 * call, or when the call failed — a notice is never worth an error, and the
 * caller shows it in the window anyway.
 */
export async function notifyDesktop(title: string, body: string): Promise<boolean> {
  const d = bridge();
  if (!d || typeof d.Notify !== 'function') return false;
  try {
    await call<void>('Notify', title, body);
    return true;
  } catch {
    return false;
  }
}

/** Whether the app can show its native file chooser. */
export function canPickNatively(): boolean {
  const d = bridge();
  return !!d && typeof d.ReadPickedFile === 'function' && (typeof d.OpenFilesDialog === 'function' || typeof d.OpenFileDialog === 'function');
}

function fromBase64(data: string): Uint8Array<ArrayBuffer> {
  const bin = atob(data);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Shows the native file chooser and reads what was chosen into File
 * objects, to upload like picked or dropped files. [] when cancelled.
 * filters are like "Documents|*.pdf;*.docx".
 */
export async function pickFilesNatively(title: string, filters: string[]): Promise<File[]> {
  const d = bridge();
  let paths: string[];
  if (typeof d?.OpenFilesDialog === 'function') {
    paths = (await call<string[] | null>('OpenFilesDialog', title, filters)) ?? [];
  } else {
    const one = await call<string>('OpenFileDialog', title, filters);
    paths = one ? [one] : [];
  }
  const files: File[] = [];
  for (const path of paths.filter((p) => typeof p === 'string' && p)) {
    const picked = await call<PickedFile>('ReadPickedFile', path);
    const name = picked?.name || path.split(/[\\/]/).pop() || 'file';
    files.push(new File([fromBase64(picked?.data ?? '')], name));
  }
  return files;
}

/** The native chooser's filters for a list of extensions (".pdf,.docx"). */
export function dialogFilters(label: string, accept: string): string[] {
  const exts = accept
    .split(',')
    .map((e) => e.trim().replace(/^\./, ''))
    .filter((e) => /^[a-z0-9]+$/i.test(e));
  return exts.length ? [`${label}|${exts.map((e) => '*.' + e).join(';')}`, 'All files|*'] : [];
}
