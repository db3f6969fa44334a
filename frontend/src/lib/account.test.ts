import { describe, expect, it } from 'vitest';
import { codeProblem, deleteConfirmed, deletePhrase, needsVerification, normalizeCode, passwordProblem } from './account';

describe('normalizeCode', () => {
  it.each([
    { name: 'plain', input: '123456', want: '123456' },
    { name: 'spaces around and inside', input: ' 123 456 ', want: '123456' },
    { name: 'a dash', input: '123-456', want: '123456' },
    { name: 'tabs and newlines from a paste', input: '\t123456\n', want: '123456' },
  ])('$name', ({ input, want }) => {
    expect(normalizeCode(input)).toBe(want);
  });
});

describe('codeProblem', () => {
  it.each([
    { name: 'six digits', input: '004213', want: null },
    { name: 'six digits with a space', input: '004 213', want: null },
    { name: 'empty', input: '', want: 'Enter the 6-digit code from the email.' },
    { name: 'only spaces', input: '   ', want: 'Enter the 6-digit code from the email.' },
    { name: 'too short', input: '12345', want: 'The code has 6 digits.' },
    { name: 'too long', input: '1234567', want: 'The code has 6 digits.' },
    { name: 'letters', input: '12a456', want: 'The code has only digits.' },
    { name: 'other digits scripts', input: '١٢٣٤٥٦', want: 'The code has only digits.' },
  ])('$name', ({ input, want }) => {
    expect(codeProblem(input)).toBe(want);
  });
});

describe('passwordProblem', () => {
  it.each([
    { name: 'empty', input: '', want: 'Enter a password.' },
    { name: 'seven characters', input: 'abcdefg', want: 'Use at least 8 characters for the password.' },
    { name: 'eight characters', input: 'abcdefgh', want: null },
    { name: 'counts characters, not bytes', input: 'ééééééé', want: 'Use at least 8 characters for the password.' },
  ])('$name', ({ input, want }) => {
    expect(passwordProblem(input)).toBe(want);
  });
});

describe('delete confirmation', () => {
  const web = { email: 'Ada@Example.com', is_local: false };
  const local = { email: 'local@sentry.invalid', is_local: true };

  it('asks for the email on the web and DELETE for the local profile', () => {
    expect(deletePhrase(web)).toBe('Ada@Example.com');
    expect(deletePhrase(local)).toBe('DELETE');
  });

  it.each([
    { name: 'exact email', user: web, typed: 'Ada@Example.com', want: true },
    { name: 'email in another case with spaces', user: web, typed: '  ada@example.com ', want: true },
    { name: 'another email', user: web, typed: 'ada@example.org', want: false },
    { name: 'empty', user: web, typed: '', want: false },
    { name: 'DELETE is not enough on the web', user: web, typed: 'DELETE', want: false },
    { name: 'DELETE for the local profile', user: local, typed: 'DELETE', want: true },
    { name: 'lower-case delete is not enough', user: local, typed: 'delete', want: false },
    { name: 'the local email is not it', user: local, typed: 'local@sentry.invalid', want: false },
  ])('$name', ({ user, typed, want }) => {
    expect(deleteConfirmed(typed, user)).toBe(want);
  });
});

describe('needsVerification', () => {
  it.each([
    { name: 'nobody signed in', user: null, want: false },
    { name: 'unconfirmed web account', user: { email_verified: false, is_local: false }, want: true },
    { name: 'confirmed web account', user: { email_verified: true, is_local: false }, want: false },
    { name: 'the local profile', user: { email_verified: false, is_local: true }, want: false },
    { name: 'an older server that does not say', user: {}, want: false },
  ])('$name', ({ user, want }) => {
    expect(needsVerification(user)).toBe(want);
  });
});
