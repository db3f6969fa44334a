import { describe, expect, it } from 'vitest';
import { parseOAuthHash, providerLabel } from './oauth';

describe('parseOAuthHash', () => {
  it.each([
    { name: 'empty hash', hash: '', want: null },
    { name: 'bare #', hash: '#', want: null },
    { name: 'unrelated hash', hash: '#section-2', want: null },
    { name: 'a code', hash: '#oauth_code=abc123', want: { code: 'abc123' } },
    { name: 'a code without #', hash: 'oauth_code=abc123', want: { code: 'abc123' } },
    { name: 'a url-encoded code', hash: '#oauth_code=a%2Bb%2Fc%3D', want: { code: 'a+b/c=' } },
    { name: 'a code among other keys', hash: '#x=1&oauth_code=zz&y=2', want: { code: 'zz' } },
    {
      name: 'an error with %20',
      hash: '#oauth_error=The%20provider%20said%20no.',
      want: { error: 'The provider said no.' },
    },
    { name: 'an error with + for spaces', hash: '#oauth_error=Access+denied', want: { error: 'Access denied' } },
    { name: 'an encoded plus stays a plus', hash: '#oauth_error=1%2B1', want: { error: '1+1' } },
    {
      name: 'an empty error still explains',
      hash: '#oauth_error=',
      want: { error: 'Signing in with that provider did not work. Try again.' },
    },
    { name: 'an empty code is nothing', hash: '#oauth_code=', want: null },
    { name: 'a code wins over an error', hash: '#oauth_error=x&oauth_code=c', want: { code: 'c' } },
  ])('$name', ({ hash, want }) => {
    expect(parseOAuthHash(hash)).toEqual(want);
  });
});

describe('providerLabel', () => {
  it.each([
    { name: 'google', provider: 'google', want: 'Google' },
    { name: 'apple', provider: 'apple', want: 'Apple' },
    { name: 'facebook', provider: 'facebook', want: 'Facebook' },
    { name: 'any case', provider: 'FACEBOOK', want: 'Facebook' },
    { name: 'unknown one is capitalised', provider: 'my_sso', want: 'My sso' },
  ])('$name', ({ provider, want }) => {
    expect(providerLabel(provider)).toBe(want);
  });
});
