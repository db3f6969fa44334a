import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { errorField, errorText, formatWait } from './errors';

describe('formatWait', () => {
  it.each([
    { name: 'under a second rounds up', seconds: 0.2, want: '1 second' },
    { name: 'one second', seconds: 1, want: '1 second' },
    { name: 'seconds', seconds: 45, want: '45 seconds' },
    { name: 'exactly a minute', seconds: 60, want: '1 minute' },
    { name: 'a minute and a bit rounds up', seconds: 61, want: '2 minutes' },
    { name: 'the auth window', seconds: 300, want: '5 minutes' },
    { name: 'just under an hour', seconds: 3599, want: '1 hour' },
    { name: 'an hour', seconds: 3600, want: '1 hour' },
    { name: 'hours', seconds: 7201, want: '3 hours' },
  ])('$name', ({ seconds, want }) => {
    expect(formatWait(seconds)).toBe(want);
  });
});

describe('errorText', () => {
  it.each([
    {
      name: 'rate limited with Retry-After',
      err: new ApiError('rate_limited', 'Too many attempts.', 429, undefined, 240),
      want: 'Too many attempts. You can try again in 4 minutes.',
    },
    {
      name: 'rate limited without Retry-After',
      err: new ApiError('rate_limited', 'Too many attempts.', 429),
      want: 'Too many attempts.',
    },
    {
      name: 'another error keeps its message',
      err: new ApiError('invalid', 'The code is wrong or expired.', 400, 'code'),
      want: 'The code is wrong or expired.',
    },
    { name: 'not an API error', err: new TypeError('boom'), want: 'Something went wrong. Try again.' },
  ])('$name', ({ err, want }) => {
    expect(errorText(err)).toBe(want);
  });

  it('uses the given fallback', () => {
    expect(errorText(null, 'Could not save.')).toBe('Could not save.');
  });
});

describe('errorField', () => {
  it('names the field the API blamed', () => {
    expect(errorField(new ApiError('invalid', 'Wrong.', 400, 'current_password'))).toBe('current_password');
    expect(errorField(new ApiError('invalid', 'Wrong.', 400))).toBe('');
    expect(errorField(new Error('x'))).toBe('');
  });
});
