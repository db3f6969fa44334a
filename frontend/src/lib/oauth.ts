// Signing in with a provider: the server sends the browser back to
// /#oauth_code=<one-time code> or /#oauth_error=<message>.

export interface OAuthReturn {
  /** One-time code to trade for a session. */
  code?: string;
  /** Why the provider sign-in failed, ready to show. */
  error?: string;
}

/** What a provider sign-in left in the address hash; null when it left nothing. */
export function parseOAuthHash(hash: string): OAuthReturn | null {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!raw) return null;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(raw);
  } catch {
    return null;
  }
  const code = params.get('oauth_code')?.trim();
  const error = params.get('oauth_error')?.trim();
  if (code) return { code };
  if (params.has('oauth_error')) return { error: error || 'Signing in with that provider did not work. Try again.' };
  return null;
}

const providerNames: Record<string, string> = {
  google: 'Google',
  apple: 'Apple',
  facebook: 'Facebook',
  github: 'GitHub',
  microsoft: 'Microsoft',
};

/** The name to put on a provider's button. */
export function providerLabel(provider: string): string {
  const known = providerNames[provider.toLowerCase()];
  if (known) return known;
  const words = provider.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
