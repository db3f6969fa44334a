// Connecting the desktop app to this server (RFC 8252). The app opens
// /#connect-desktop?return_to=<its loopback address>&code_challenge=<PKCE S256>
// in the system browser; once the user is signed in here and approves, the
// server hands out a single-use code bound to that challenge and the browser
// carries it to the app's loopback address. Provider sign-ins from this page
// go straight back to the app (the server redirects there with the code).

import { ApiError } from './api';

/** The hash route the desktop app opens. */
export const CONNECT_ROUTE = 'connect-desktop';

/** What the desktop app asked for. */
export interface ConnectRequest {
  /** The app's loopback address, e.g. http://127.0.0.1:53682/callback. */
  returnTo: string;
  /** base64url(SHA-256(code_verifier)); the app answers it when it redeems the code. */
  codeChallenge: string;
}

/** The connect route as found in the address; problem is '' when the link is usable. */
export interface ConnectRoute {
  request: ConnectRequest;
  problem: string;
}

// The server refuses longer return_to values.
const MAX_RETURN_TO = 512;

const loopbackPattern = /^http:\/\/(127\.0\.0\.1|\[::1\]):(\d{1,5})\/[^\s#\\]*$/;

/**
 * Whether return_to is the desktop app's loopback address on this computer:
 * http://127.0.0.1:<port>/… or http://[::1]:<port>/…, with no fragment. The
 * server checks the same before it hands out a code.
 */
export function isLoopbackReturnTo(returnTo: string): boolean {
  if (!returnTo || returnTo.length > MAX_RETURN_TO) return false;
  const m = loopbackPattern.exec(returnTo);
  if (!m) return false;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return false;
  try {
    const u = new URL(returnTo);
    return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]') && !u.username;
  } catch {
    return false;
  }
}

/** Whether s looks like a PKCE S256 challenge: 43 base64url characters. */
export function isCodeChallenge(s: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(s);
}

export const BAD_RETURN_TO =
  'This link does not lead back to Sentry AI on this computer, so it cannot be used. Start connecting again from the app.';
export const BAD_CHALLENGE = 'This link is incomplete. Start connecting again from the app.';

/**
 * Reads the connect route from the address hash: null when the hash is some
 * other route, else the request with what is wrong with it, if anything.
 */
export function parseConnectHash(hash: string): ConnectRoute | null {
  let raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw.startsWith('/')) raw = raw.slice(1);
  const q = raw.indexOf('?');
  const name = q < 0 ? raw : raw.slice(0, q);
  if (name !== CONNECT_ROUTE) return null;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  } catch {
    params = new URLSearchParams();
  }
  const request: ConnectRequest = {
    returnTo: params.get('return_to')?.trim() ?? '',
    codeChallenge: params.get('code_challenge')?.trim() ?? '',
  };
  return { request, problem: connectProblem(request) };
}

/** What is wrong with a connect request, or ''. */
export function connectProblem(req: ConnectRequest): string {
  if (!isLoopbackReturnTo(req.returnTo)) return BAD_RETURN_TO;
  if (!isCodeChallenge(req.codeChallenge)) return BAD_CHALLENGE;
  return '';
}

function withParam(address: string, key: string, value: string): string {
  const sep = address.includes('?') ? '&' : '?';
  return `${address}${sep}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
}

/** Where Cancel sends the browser: the app's address, told the user said no. */
export function cancelUrl(returnTo: string): string {
  return withParam(returnTo, 'error', 'access_denied');
}

/** The part of the API client connecting uses (a fake in tests). */
export interface ConnectApi {
  desktopCode(returnTo: string, codeChallenge: string): Promise<{ redirect: string }>;
}

/**
 * Asks the server for a single-use code for the desktop app and returns the
 * address to send the browser to. A request this page would not send, or an
 * answer leading anywhere but the app's own address, is an ApiError
 * (code "invalid", field return_to or code_challenge).
 */
export async function connectDesktop(api: ConnectApi, req: ConnectRequest): Promise<string> {
  if (!isLoopbackReturnTo(req.returnTo)) throw new ApiError('invalid', BAD_RETURN_TO, 0, 'return_to');
  if (!isCodeChallenge(req.codeChallenge)) throw new ApiError('invalid', BAD_CHALLENGE, 0, 'code_challenge');
  const { redirect } = await api.desktopCode(req.returnTo, req.codeChallenge);
  if (!sameOrigin(redirect, req.returnTo)) {
    throw new ApiError('internal', "The server answered with an address that is not the app's. Nothing was sent.", 0);
  }
  return redirect;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return typeof a === 'string' && new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** "sentry.example.com" from the page's address: the server the app connects to. */
export function serverHost(loc: Pick<Location, 'host'> | undefined = globalThis.location): string {
  return loc?.host ?? '';
}
