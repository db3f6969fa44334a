// Rules of the account forms, as pure functions. The API checks the same
// things; these only save a round trip and say it kindly.

import type { User } from './api';

export const MIN_PASSWORD = 8;
export const CODE_LENGTH = 6;

/** The digits of a pasted or typed code: spaces and dashes are dropped. */
export function normalizeCode(input: string): string {
  return input.replace(/[\s-]+/g, '');
}

/** What is wrong with a confirmation or reset code, or null when it looks right. */
export function codeProblem(input: string): string | null {
  const code = normalizeCode(input);
  if (!code) return 'Enter the 6-digit code from the email.';
  if (!/^\d+$/.test(code)) return 'The code has only digits.';
  if (code.length !== CODE_LENGTH) return `The code has ${CODE_LENGTH} digits.`;
  return null;
}

/** What is wrong with a new password, or null. The API also refuses common ones. */
export function passwordProblem(password: string): string | null {
  if (!password) return 'Enter a password.';
  if ([...password].length < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters for the password.`;
  return null;
}

/** What the user types to confirm deleting the account: the email, or DELETE for the local profile. */
export function deletePhrase(user: Pick<User, 'email' | 'is_local'>): string {
  return user.is_local ? 'DELETE' : user.email;
}

export function deleteConfirmed(typed: string, user: Pick<User, 'email' | 'is_local'>): boolean {
  const t = typed.trim();
  if (user.is_local) return t === 'DELETE';
  return t !== '' && t.toLowerCase() === user.email.trim().toLowerCase();
}

/** Whether to nudge the user to confirm their email. */
export function needsVerification(user: Pick<User, 'email_verified' | 'is_local'> | null): boolean {
  return !!user && !user.is_local && user.email_verified === false;
}
