// Sync with the team server, as the desktop app runs it: the state the
// header shows, the conflicts to settle and the changes the server refused.
// Every call goes through the desktop app's bridge; in a browser tab (the
// team server's own web UI) there is no device sync and syncStatus is null.

import { call as desktopCall, inDesktopApp } from './desktop';

export type SyncState = 'off' | 'synced' | 'pending' | 'offline' | 'attention';

export interface SyncStatus {
  state: SyncState;
  /** Ready to show: "Synced", "3 pending", "Offline", "Needs attention". */
  label: string;
  server: string;
  pending: number;
  rejected: number;
  conflicts: number;
  last_push_at: string | null;
  last_pull_at: string | null;
  last_error: string;
  /** Why sync is stuck, when it is. */
  stuck: string;
  teams: string[];
  /** Large synced files left on the team server until opened, and their bytes. */
  blobs_on_server: number;
  blobs_on_server_bytes: number;
}

/** A concurrent overwrite the server kept: both values, to pick one. */
export interface SyncConflict {
  id: string;
  table: string;
  row_id: string;
  field: string;
  winner_value: unknown;
  loser_value: unknown;
  created_at: string;
}

/** A local change the team server refused, kept with its reason. */
export interface SyncRejected {
  change_id: string;
  table: string;
  row_id: string;
  op: string;
  fields: Record<string, unknown>;
  code: string;
  message: string;
  rejected_at: string;
}

export interface SyncResult {
  pushed: number;
  pulled: number;
  conflicts: number;
  rejected: number;
  pending: number;
}

const STATES: SyncState[] = ['off', 'synced', 'pending', 'offline', 'attention'];

const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** Reads whatever the bridge answered into a status the header can show. */
export function normaliseStatus(raw: unknown): SyncStatus {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const state = STATES.includes(o.state as SyncState) ? (o.state as SyncState) : 'off';
  const pending = count(o.pending);
  const fallback: Record<SyncState, string> = {
    off: 'Not syncing',
    synced: 'Synced',
    pending: `${pending} pending`,
    offline: 'Offline',
    attention: 'Needs attention',
  };
  return {
    state,
    label: text(o.label) || fallback[state],
    server: text(o.server),
    pending,
    rejected: count(o.rejected),
    conflicts: count(o.conflicts),
    last_push_at: text(o.last_push_at) || null,
    last_pull_at: text(o.last_pull_at) || null,
    last_error: text(o.last_error),
    stuck: text(o.stuck),
    teams: Array.isArray(o.teams) ? o.teams.filter((t): t is string => typeof t === 'string' && t !== '') : [],
    blobs_on_server: count(o.blobs_on_server),
    blobs_on_server_bytes: count(o.blobs_on_server_bytes),
  };
}

/** A size for people: 512 bytes, 3.4 MB, 1.2 GB. */
export function byteSize(n: number): string {
  if (n < 1000) return `${n} bytes`;
  if (n < 1e6) return `${(n / 1000).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(1)} GB`;
}

/** What the sync panel says of large files left on the team server ('' when none). */
export function filesOnServerText(st: Pick<SyncStatus, 'blobs_on_server' | 'blobs_on_server_bytes'>): string {
  const n = st.blobs_on_server;
  if (!n) return '';
  const what = n === 1 ? '1 large file' : `${n} large files`;
  return `${what} (${byteSize(st.blobs_on_server_bytes)}) ${n === 1 ? 'stays' : 'stay'} on the team server until opened.`;
}

/** The sync state, or null outside the desktop app. */
export async function syncStatus(): Promise<SyncStatus | null> {
  if (!inDesktopApp()) return null;
  return normaliseStatus(await desktopCall<unknown>('SyncStatus'));
}

export async function syncNow(): Promise<SyncResult> {
  const r = ((await desktopCall<unknown>('SyncNow')) ?? {}) as Record<string, unknown>;
  return {
    pushed: count(r.pushed),
    pulled: count(r.pulled),
    conflicts: count(r.conflicts),
    rejected: count(r.rejected),
    pending: count(r.pending),
  };
}

export async function syncConflicts(): Promise<SyncConflict[]> {
  const list = await desktopCall<unknown>('SyncConflicts');
  return Array.isArray(list) ? (list as SyncConflict[]).filter((c) => c && typeof c.id === 'string') : [];
}

export async function syncRejected(): Promise<SyncRejected[]> {
  const list = await desktopCall<unknown>('SyncRejected');
  return Array.isArray(list) ? (list as SyncRejected[]).filter((r) => r && typeof r.change_id === 'string') : [];
}

/** Settles a conflict: 'winner' keeps what the task shows, 'loser' brings the other value back. */
export async function keepConflict(id: string, which: 'winner' | 'loser'): Promise<void> {
  await desktopCall<void>('SyncKeep', id, which);
}

/** A field's name as a person reads it. */
export function fieldLabel(field: string): string {
  const names: Record<string, string> = { deleted_at: 'deleted', deadline: 'due date', estimated_hours: 'estimate' };
  return names[field] ?? field.replace(/_/g, ' ');
}

/** A synced value as a person reads it. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '(empty)';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map((x) => showValue(x)).join(', ') : '(none)';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
