import { describe, expect, it } from 'vitest';
import type { Citation } from './api';
import { isIndexing, parseAnswer, percent } from './notebook';

const cite = (n: number): Citation => ({
  n, document_id: 'd', filename: 'a.md', chunk_id: 'c' + n, text: 'passage ' + n, page: 1, start: 0, end: 5, score: 1,
});

describe('parseAnswer', () => {
  it('splits text and markers', () => {
    const parts = parseAnswer('Priya owns it [1]. The launch is 14 March [2].', [cite(1), cite(2)]);
    expect(parts.map((p) => p.kind)).toEqual(['text', 'cite', 'text', 'cite', 'text']);
    expect(parts[1]).toMatchObject({ kind: 'cite', n: 1, citation: { chunk_id: 'c1' } });
    expect(parts[4]).toEqual({ kind: 'text', text: '.' });
  });
  it('reads grouped and adjacent markers', () => {
    const ns = parseAnswer('A [1, 2][3]', [cite(1), cite(2), cite(3)]).filter((p) => p.kind === 'cite').map((p) => (p as { n: number }).n);
    expect(ns).toEqual([1, 2, 3]);
  });
  it('leaves markers of no citation as text', () => {
    expect(parseAnswer('see [7] and [x]', [cite(1)])).toEqual([{ kind: 'text', text: 'see [7] and [x]' }]);
  });
  it('keeps every marker when no citations are given', () => {
    expect(parseAnswer('one [1]', null)).toEqual([{ kind: 'text', text: 'one ' }, { kind: 'cite', n: 1, citation: undefined }]);
  });
  it('handles an answer without markers and an empty one', () => {
    expect(parseAnswer("I couldn't find this.", [])).toEqual([{ kind: 'text', text: "I couldn't find this." }]);
    expect(parseAnswer('', [])).toEqual([]);
  });
});

describe('isIndexing and percent', () => {
  it('polls while queued or indexing', () => {
    expect(isIndexing([{ status: 'ready' }, { status: 'queued' }])).toBe(true);
    expect(isIndexing([{ status: 'indexing' }])).toBe(true);
    expect(isIndexing([{ status: 'ready' }, { status: 'failed' }])).toBe(false);
    expect(isIndexing([])).toBe(false);
  });
  it('formats progress', () => {
    expect(percent(0.624)).toBe('62%');
    expect(percent(2)).toBe('100%');
    expect(percent(undefined)).toBe('0%');
  });
});
