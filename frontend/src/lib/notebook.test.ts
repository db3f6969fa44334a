import { describe, expect, it } from 'vitest';
import type { Citation } from './api';
import { engineNote, hasPage, isIndexing, parseAnswer, passageParts, percent } from './notebook';

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

describe('passageParts', () => {
  const passage = 'Hotels. The limit is 180 euros. Stays need approval.';
  it('marks only the quoted sentence', () => {
    const start = 1000;
    const q = { start: start + 8, end: start + 31 };
    expect(passageParts({ text: passage, start, quotes: [q] })).toEqual([
      { text: 'Hotels. ', quoted: false },
      { text: 'The limit is 180 euros.', quoted: true },
      { text: ' Stays need approval.', quoted: false },
    ]);
  });
  it('counts offsets in UTF-8 bytes', () => {
    const text = 'Café é. Tomás Reyes owns it. Done.';
    const enc = new TextEncoder();
    const a = enc.encode('Café é. ').length;
    const b = a + enc.encode('Tomás Reyes owns it.').length;
    const parts = passageParts({ text, start: 5, quotes: [{ start: 5 + a, end: 5 + b }] });
    expect(parts.filter((p) => p.quoted).map((p) => p.text)).toEqual(['Tomás Reyes owns it.']);
    expect(parts.map((p) => p.text).join('')).toBe(text);
  });
  it('marks two quotes in order and ignores ones outside the passage', () => {
    const parts = passageParts({ text: 'A b. C d. E f.', start: 0, quotes: [{ start: 10, end: 14 }, { start: 0, end: 4 }, { start: 12, end: 99 }] });
    expect(parts).toEqual([
      { text: 'A b.', quoted: true },
      { text: ' C d. ', quoted: false },
      { text: 'E f.', quoted: true },
    ]);
  });
  it('quotes the whole passage when no sentence is named', () => {
    expect(passageParts({ text: passage, start: 0 })).toEqual([{ text: passage, quoted: true }]);
    expect(passageParts({ text: passage, start: 0, quotes: [] })).toEqual([{ text: passage, quoted: true }]);
  });
});

describe('engineNote', () => {
  it('says an answer without a model is quoted and suggests a model', () => {
    const n = engineNote('extractive', true);
    expect(n?.text).toMatch(/without a language model/);
    expect(n?.suggestModel).toBe(true);
    expect(engineNote('extractive', false)?.text).toMatch(/^Searched your documents/);
  });
  it("names the model that answered", () => {
    expect(engineNote('ollama:llama3.2:3b', true)).toEqual({ text: 'Answered by the language model llama3.2:3b, from your documents.', suggestModel: false });
  });
  it('says nothing while indexing or with no engine', () => {
    expect(engineNote('indexing', false)).toBeNull();
    expect(engineNote('', false)).toBeNull();
    expect(engineNote(undefined, undefined)).toBeNull();
  });
});

describe('hasPage', () => {
  it('names pages of PDFs only', () => {
    expect(hasPage({ filename: 'plan.PDF', page: 1 })).toBe(true);
    expect(hasPage({ filename: 'notes.md', page: 1 })).toBe(false);
    expect(hasPage({ filename: 'scan.png', page: 1 })).toBe(false);
    expect(hasPage({ filename: 'long.docx', page: 4 })).toBe(true);
    expect(hasPage({ filename: 'plan.pdf', page: 0 })).toBe(false);
  });
});
