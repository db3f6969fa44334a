// Who is signed in, and the one API client the screens share.

import { ApiError, createApi, type RegisterInput, type Session, type TokenStore, type User } from './api';
import { errorText } from './errors';
import { inDesktopApp } from './desktop';
import { parseOAuthHash } from './oauth';

const REFRESH_KEY = 'sentry.refresh_token';
/** Set once someone has signed in in this browser: the sign-in then says "Welcome back". */
const SEEN_KEY = 'sentry.signed_in_before';

/** Whether someone has signed in in this browser before. */
export function signedInBefore(): boolean {
  return storage()?.getItem(SEEN_KEY) === '1';
}

/**
 * Whether the page runs in the desktop app's window, where the local
 * profile signs in by itself. The web face never asks for it, so a web
 * load makes no request that is bound to fail.
 */
export function isDesktopWindow(): boolean {
  const w = globalThis as unknown as { runtime?: unknown; wails?: unknown };
  return inDesktopApp() || (typeof w.runtime === 'object' && w.runtime !== null) || (typeof w.wails === 'object' && w.wails !== null);
}

export type SessionStatus = 'booting' | 'signed_out' | 'signed_in';

/** desktop: the local profile of the desktop app; web: signed in with a password. */
export type Face = 'desktop' | 'web';

export const session = $state({
  status: 'booting' as SessionStatus,
  user: null as User | null,
  face: 'web' as Face,
  /** Why the user was signed out, shown on the sign-in screen. */
  notice: '',
  /** A failed sign-in to show as an error on the sign-in screen (e.g. from a provider). */
  alert: '',
});

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

// The access token lives in memory only. The web face keeps the refresh
// token across reloads; the desktop signs in its local profile every start.
// Refresh tokens rotate and a spent one revokes the session, so every tab of
// the web face reads the newest one from storage rather than its own copy.
let access: string | null = null;
let refresh: string | null = null;
const tokens: TokenStore = {
  access: () => access,
  refresh: () => {
    if (refresh && session.face === 'web') return storage()?.getItem(REFRESH_KEY) ?? refresh;
    return refresh;
  },
  save(s) {
    access = s.access_token;
    refresh = s.refresh_token;
    if (session.face === 'web') storage()?.setItem(REFRESH_KEY, s.refresh_token);
  },
  clear() {
    access = null;
    refresh = null;
    storage()?.removeItem(REFRESH_KEY);
  },
};

export const api = createApi({
  tokens,
  onSession(s) {
    if (s) session.user = s.user;
    else signedOut('Your session has ended. Sign in again.');
  },
});

// Signing out in one tab signs out the others.
globalThis.addEventListener?.('storage', (e: StorageEvent) => {
  if (e.key === REFRESH_KEY && e.newValue === null && session.status === 'signed_in' && session.face === 'web') {
    signedOut();
  }
});

function signedIn(s: Session, face: Face) {
  session.user = s.user;
  session.face = face;
  session.notice = '';
  session.alert = '';
  session.status = 'signed_in';
  // The desktop keeps nothing in storage; the web face remembers a visit.
  if (face === 'web') {
    try {
      storage()?.setItem(SEEN_KEY, '1');
    } catch {
      // A full or blocked storage only costs the "Welcome back".
    }
  }
}

function signedOut(notice = '', alert = '') {
  access = null;
  refresh = null;
  session.user = null;
  session.notice = notice;
  session.alert = alert;
  session.status = 'signed_out';
}

/**
 * Reads what a provider sign-in left in the address and takes it out, so a
 * reload or a shared link does not replay it.
 */
function takeOAuthReturn() {
  const loc = globalThis.location;
  if (!loc) return null;
  const found = parseOAuthHash(loc.hash);
  if (found) globalThis.history?.replaceState(globalThis.history.state, '', loc.pathname + loc.search);
  return found;
}

/**
 * Starts the app: a provider sign-in coming back first, then a stored
 * refresh token, then (in the desktop app's window only) the local
 * profile; when none works the sign-in screen shows.
 */
export async function boot(): Promise<void> {
  let pendingAlert = '';
  const oauth = takeOAuthReturn();
  if (oauth?.code) {
    try {
      session.face = 'web';
      signedIn(await api.exchangeOAuthCode(oauth.code), 'web');
      return;
    } catch (e) {
      pendingAlert = errorText(e, 'Signing in with that provider did not work. Try again.');
    }
  } else if (oauth?.error) {
    pendingAlert = oauth.error;
  }
  if (pendingAlert) {
    // The user came to sign in; an older session in storage would hide why it failed.
    session.face = 'web';
    signedOut('', pendingAlert);
    return;
  }
  const stored = storage()?.getItem(REFRESH_KEY);
  if (stored) {
    try {
      session.face = 'web';
      signedIn(await api.refresh(stored), 'web');
      return;
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 'network') storage()?.removeItem(REFRESH_KEY);
    }
  }
  if (!isDesktopWindow()) {
    session.face = 'web';
    signedOut();
    return;
  }
  try {
    session.face = 'desktop';
    const s = await api.localSession();
    signedIn(s, 'desktop');
  } catch (e) {
    session.face = 'web';
    const reason = e instanceof ApiError && e.code !== 'not_found' ? e.message : '';
    signedOut(reason);
  }
}

export async function signIn(email: string, password: string): Promise<void> {
  session.face = 'web';
  signedIn(await api.login(email.trim(), password), 'web');
}

/** Creates the account; the caller then asks for the mailed code, or signs in. */
export async function signUp(input: RegisterInput): Promise<User> {
  return api.register({ ...input, email: input.email.trim() });
}

export async function signOut(): Promise<void> {
  await api.logout();
  signedOut();
}

/** Takes a changed user from the API (new name, confirmed email). */
export function setUser(u: User): void {
  if (session.user && u.id === session.user.id) session.user = u;
}

/** Confirms the signed-in user's email with the mailed code. */
export async function verifyEmail(code: string): Promise<void> {
  const u = session.user;
  if (!u) return;
  await api.verifyEmail(u.email, code);
  try {
    setUser(await api.me());
  } catch {
    setUser({ ...u, email_verified: true });
  }
}

/** Changes the password; this session continues with the new tokens, every other one ends. */
export async function changePassword(current: string, next: string): Promise<void> {
  const u = session.user;
  if (!u) return;
  const s = await api.changePassword(u.id, current, next);
  setUser(s.user);
}

/** Deletes the account. The web face returns to sign-in; the desktop starts afresh. */
export async function deleteAccount(): Promise<void> {
  const u = session.user;
  if (!u) return;
  await api.deleteUser(u.id);
  storage()?.removeItem(REFRESH_KEY);
  storage()?.removeItem(SEEN_KEY);
  if (session.face === 'desktop') {
    globalThis.location?.reload();
    return;
  }
  signedOut('Your account and everything in it are deleted.');
}

export function displayName(u: User | null): string {
  if (!u) return '';
  const name = `${u.first_name ?? ''} ${u.last_name ?? ''}`.trim();
  return name || u.email;
}
