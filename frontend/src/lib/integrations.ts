// Connected services (Google Tasks, Google Calendar, Zoom): their status as
// the API reports it, the calls to connect, sync and disconnect, and the
// words the settings screen shows for each state.

import { ApiError } from './api';
import type { Requester } from './workload';

export type Provider = 'google_tasks' | 'google_calendar' | 'zoom';

export const PROVIDERS: readonly Provider[] = ['google_tasks', 'google_calendar', 'zoom'];

export const PROVIDER_NAMES: Record<Provider, string> = {
  google_tasks: 'Google Tasks',
  google_calendar: 'Google Calendar',
  zoom: 'Zoom',
};

export const PROVIDER_BLURBS: Record<Provider, string> = {
  google_tasks: 'Two-way sync: tasks you add or finish here appear there, and the other way round.',
  google_calendar: 'Imports calendar events as meetings, with their times and attendees.',
  zoom: 'Imports scheduled Zoom meetings, with their times and attendees.',
};

/**
 * disconnected: never connected (or disconnected by the user);
 * connected: working; reconnect: the grant was revoked or expired for good;
 * error: the last sync failed for another reason; unavailable: the server (or
 * the desktop app) has no credentials for this provider.
 */
export type IntegrationState = 'disconnected' | 'connected' | 'reconnect' | 'error' | 'unavailable';

export interface Integration {
  provider: Provider;
  state: IntegrationState;
  /** The account it is connected as, when known. */
  account: string;
  last_sync_at: string;
  /** Why the last sync failed, ready to show. */
  error: string;
  /** Items the last sync brought in or changed, when the API says. */
  last_sync_count: number | null;
  /** The API path that syncs this provider now, when the API names it. */
  sync_path: string;
}

export interface SyncResult {
  provider: Provider;
  /** Local tasks created or changed from the provider. */
  pulled: number;
  /** Provider objects created or changed from local tasks (two-way sync). */
  pushed: number;
  /** Deletions carried over, either way. */
  deleted: number;
  /** Changed on both sides since the last sync (settled by the conflict rule). */
  conflicts: number;
  /** Provider objects not imported (blank, all-day, invalid). */
  skipped: number;
  synced_at: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** "google-tasks", "googleTasks", "google tasks" → google_tasks; unknown → null. */
export function parseProvider(v: unknown): Provider | null {
  const s = str(v)
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (s === 'google_tasks' || s === 'tasks') return 'google_tasks';
  if (s === 'google_calendar' || s === 'calendar' || s === 'gcal') return 'google_calendar';
  if (s === 'zoom') return 'zoom';
  return null;
}

function parseState(o: Obj): IntegrationState {
  const s = str(o.state || o.status).toLowerCase();
  if (s === 'reconnect' || s === 'revoked' || s === 'expired' || s === 'needs_reconnect' || o.needs_reconnect === true) {
    return 'reconnect';
  }
  if (s === 'unavailable' || s === 'not_configured' || o.configured === false) return 'unavailable';
  if (s === 'error' || s === 'failed') return 'error';
  if (s === 'connected' || s === 'active' || s === 'ok' || o.connected === true) {
    return str(o.error || o.last_error) ? 'error' : 'connected';
  }
  return 'disconnected';
}

export function parseIntegration(raw: unknown): Integration | null {
  if (!isObj(raw)) return null;
  const provider = parseProvider(raw.provider ?? raw.name ?? raw.kind);
  if (!provider) return null;
  const count = raw.last_sync_count ?? raw.items_synced;
  return {
    provider,
    state: parseState(raw),
    account: str(raw.account || raw.email || raw.account_email),
    last_sync_at: str(raw.last_sync || raw.last_sync_at || raw.last_synced_at),
    error: str(raw.error || raw.last_error),
    last_sync_count: typeof count === 'number' && Number.isFinite(count) ? count : null,
    sync_path: /^\/api\//.test(str(raw.sync_path)) ? str(raw.sync_path) : '',
  };
}

/**
 * Every provider once, in a fixed order: the ones the API did not mention
 * show as not connected.
 */
export function parseIntegrations(raw: unknown): Integration[] {
  const items = Array.isArray(raw) ? raw : isObj(raw) ? (Array.isArray(raw.integrations) ? raw.integrations : []) : [];
  const byProvider = new Map<Provider, Integration>();
  for (const item of items) {
    const i = parseIntegration(item);
    if (i && !byProvider.has(i.provider)) byProvider.set(i.provider, i);
  }
  return PROVIDERS.map(
    (p) =>
      byProvider.get(p) ?? {
        provider: p,
        state: 'disconnected',
        account: '',
        last_sync_at: '',
        error: '',
        last_sync_count: null,
        sync_path: '',
      },
  );
}

export function parseSyncResult(provider: Provider, raw: unknown): SyncResult {
  const o = isObj(raw) ? raw : {};
  // A list of what came in counts as pulled when no counts are given.
  const items = Array.isArray(o.meetings) ? o.meetings.length : Array.isArray(o.tasks) ? o.tasks.length : 0;
  return {
    provider,
    pulled: o.pulled === undefined && o.imported === undefined ? items : num(o.pulled) || num(o.imported),
    pushed: num(o.pushed),
    deleted: num(o.deleted),
    conflicts: num(o.conflicts),
    skipped: num(o.skipped),
    synced_at: str(o.synced_at || o.last_sync),
  };
}

/** "Google Tasks synced: 3 in, 2 out, 1 removed." or "… nothing new." */
export function syncSummary(r: SyncResult): string {
  const parts: string[] = [];
  if (r.pulled) parts.push(`${r.pulled} in`);
  if (r.pushed) parts.push(`${r.pushed} out`);
  if (r.deleted) parts.push(`${r.deleted} removed`);
  let text = `${PROVIDER_NAMES[r.provider]} synced: ${parts.length ? parts.join(', ') : 'nothing new'}.`;
  if (r.conflicts) text += ` ${r.conflicts} changed on both sides; the newer change was kept.`;
  if (r.skipped) text += ` ${r.skipped} skipped (blank, all-day or unreadable).`;
  return text;
}

/**
 * What the status line of a provider says. desktop: the desktop app, whose
 * user has no server or administrator to turn to.
 */
export function stateText(i: Integration, desktop = false): string {
  switch (i.state) {
    case 'connected':
      return i.account ? `Connected as ${i.account}` : 'Connected';
    case 'reconnect':
      return 'Access was revoked or has expired. Reconnect to sync again.';
    case 'error':
      return i.error ? `The last sync failed: ${i.error}` : 'The last sync failed. Try Sync now.';
    case 'unavailable':
      return desktop
        ? 'Not available in this copy of the app: it came without the sign-in keys this service needs.'
        : 'Not set up on this server. Its administrator must add the app credentials for this provider.';
    default:
      return 'Not connected';
  }
}

/** "5 minutes ago", "just now", "2 days ago"; '' for no time. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (!iso || Number.isNaN(t)) return '';
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? '1 minute ago' : `${m} minutes ago`;
  const h = Math.round(m / 60);
  if (h < 24) return h === 1 ? '1 hour ago' : `${h} hours ago`;
  const d = Math.round(h / 24);
  return d === 1 ? 'yesterday' : `${d} days ago`;
}

/** The message for a failed connect or sync, with what to do. */
export function integrationErrorText(provider: Provider, e: unknown): string {
  const name = PROVIDER_NAMES[provider];
  if (e instanceof ApiError) {
    if (e.code === 'reconnect_required') return e.message || `Reconnect ${name} to sync again.`;
    if (e.code === 'bad_gateway') return e.message || `${name} did not answer properly. Try again in a moment.`;
    if (e.code === 'unauthorized' || e.code === 'forbidden') {
      return `${name} refused access. Reconnect ${name} and try again.`;
    }
    if (e.code === 'not_found') return `${name} is not connected. Connect it first.`;
    if (e.code === 'network') return e.message;
    if (e.message) return e.message;
  }
  return `Could not reach ${name}. Try again in a moment.`;
}

const enc = encodeURIComponent;

/** The path segment of each provider's documented sync route. */
const SEGMENT: Record<Provider, string> = {
  google_tasks: 'google/tasks',
  google_calendar: 'google/calendar',
  zoom: 'zoom',
};

export function integrationsApi(request: Requester) {
  return {
    async list(userId: string): Promise<Integration[]> {
      try {
        return parseIntegrations(await request<unknown>('GET', `/api/integrations/${enc(userId)}`));
      } catch (e) {
        // A server without integrations shows every provider as not connected.
        if (e instanceof ApiError && e.code === 'not_found') return parseIntegrations([]);
        throw e;
      }
    },

    /**
     * Starts connecting: the answer names the provider's consent page, which
     * the whole window (or the system browser, on the desktop) goes to. The
     * provider sends the browser back to returnTo, a path on this site.
     */
    async connect(provider: Provider, returnTo: string): Promise<string> {
      const res = await request<unknown>('POST', `/api/integrations/${enc(provider)}/connect`, {
        body: { return_to: returnTo },
      });
      const url = isObj(res) ? str(res.authorization_url || res.auth_url || res.url) : '';
      if (!/^https?:\/\//i.test(url)) {
        throw new ApiError('internal', `The server did not say where to sign in to ${PROVIDER_NAMES[provider]}. Try again.`, 200);
      }
      return url;
    },

    /** Syncs now, on the path the status named (syncPath) or the documented one. */
    async sync(userId: string, provider: Provider, syncPath = ''): Promise<SyncResult> {
      const path =
        syncPath ||
        (provider === 'zoom' ? `/api/zoom/meetings/${enc(userId)}` : `/api/integrations/${SEGMENT[provider]}/${enc(userId)}/sync`);
      return parseSyncResult(provider, await request<unknown>('GET', path));
    },

    /** Revokes the grant and forgets the tokens; what was synced stays. */
    async disconnect(userId: string, provider: Provider): Promise<void> {
      await request<unknown>('DELETE', `/api/integrations/${enc(provider)}/${enc(userId)}`);
    },
  };
}

export type IntegrationsApi = ReturnType<typeof integrationsApi>;

/**
 * Reads what a provider's consent flow left in the address when it came
 * back: #integration=google_tasks&status=connected, or
 * #integration=zoom&status=error&message=<why> (without integration when
 * the flow was not found).
 */
export function parseReturnHash(hash: string): { provider: Provider | null; ok: boolean; message: string } | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const status = params.get('status') ?? params.get('integration_status');
  const error = params.get('integration_error') ?? (status === 'error' ? (params.get('message') ?? '') : null);
  if (!params.has('integration') && error === null) return null;
  const provider = parseProvider(params.get('integration'));
  const name = provider ? PROVIDER_NAMES[provider] : 'the service';
  if (error !== null) {
    return { provider, ok: false, message: error || `Connecting ${name} did not finish. Try again.` };
  }
  if (!provider) return null;
  const ok = status === 'connected' || status === 'ok';
  return {
    provider,
    ok,
    message: ok ? `${PROVIDER_NAMES[provider]} is connected. Press Sync now to bring things in.` : `Connecting ${name} did not finish. Try again.`,
  };
}
