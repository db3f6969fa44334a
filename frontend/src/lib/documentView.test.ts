import { describe, expect, it } from 'vitest';
import type { ExtractedTask } from './api';
import { byteOffsetsToIndices, evidenceRanges, formatClock, isImage, isPlayable, safeBlobType, segments } from './documentView';

const bytes = (s: string) => new TextEncoder().encode(s).length;

describe('byteOffsetsToIndices', () => {
  it.each([
    { name: 'ASCII: bytes are indices', text: 'abc', offsets: [0, 1, 3], want: [0, 1, 3] },
    { name: 'two-byte characters', text: 'café x', offsets: [0, 3, 5, 6, 7], want: [0, 3, 4, 5, 6] },
    { name: 'three-byte dash', text: 'a — b', offsets: [2, 5, 6], want: [2, 3, 4] },
    { name: 'four-byte character takes two units', text: 'x😀y', offsets: [1, 5, 6], want: [1, 3, 4] },
    { name: 'an offset inside a character maps to its start', text: 'é', offsets: [1], want: [0] },
    { name: 'past the end is the end', text: 'ab', offsets: [10], want: [2] },
    { name: 'negative and NaN are 0', text: 'ab', offsets: [-3, Number.NaN], want: [0, 0] },
    { name: 'order of the offsets does not matter', text: 'café x', offsets: [7, 0, 5], want: [6, 0, 4] },
  ])('$name', ({ text, offsets, want }) => {
    expect(byteOffsetsToIndices(text, offsets)).toEqual(want);
  });
});

function item(id: string, sentence: string, start: number, end: number): Pick<ExtractedTask, 'id' | 'evidence'> {
  return { id, evidence: { sentence, start, end } };
}

describe('evidenceRanges', () => {
  const text = 'Café notes — naïve plan.\nBob will send the report by Friday.\nAnn will book the room.';
  const bob = 'Bob will send the report by Friday.';
  const ann = 'Ann will book the room.';
  const bobByte = bytes(text.slice(0, text.indexOf(bob)));
  const annByte = bytes(text.slice(0, text.indexOf(ann)));

  it('places byte spans after multi-byte text', () => {
    const r = evidenceRanges(text, [item('t1', bob, bobByte, bobByte + bob.length), item('t2', ann, annByte, annByte + ann.length)]);
    expect(r.map((x) => text.slice(x.start, x.end))).toEqual([bob, ann]);
  });

  it('finds the sentence when the span does not hold it', () => {
    const r = evidenceRanges(text, [item('t1', bob, 0, 5)]);
    expect(r).toEqual([{ id: 't1', start: text.indexOf(bob), end: text.indexOf(bob) + bob.length }]);
  });

  it('leaves out evidence that is nowhere in the text', () => {
    expect(evidenceRanges(text, [item('t1', 'Something else entirely.', 0, 0)])).toEqual([]);
  });

  it('accepts a span that differs from the sentence only in spacing', () => {
    const t = 'Bob will\n  send it.';
    expect(evidenceRanges(t, [item('t1', 'Bob will send it.', 0, bytes(t))])).toEqual([{ id: 't1', start: 0, end: t.length }]);
  });
});

describe('segments', () => {
  it('cuts the text into plain and highlighted pieces', () => {
    const text = 'aaa BBB ccc DDD';
    expect(
      segments(text, [
        { id: 't1', start: 4, end: 7 },
        { id: 't2', start: 12, end: 15 },
      ]),
    ).toEqual([
      { text: 'aaa ', start: 0, ids: [] },
      { text: 'BBB', start: 4, ids: ['t1'] },
      { text: ' ccc ', start: 7, ids: [] },
      { text: 'DDD', start: 12, ids: ['t2'] },
    ]);
  });

  it('shares overlapping evidence', () => {
    expect(
      segments('abcdef', [
        { id: 'a', start: 0, end: 4 },
        { id: 'b', start: 2, end: 6 },
      ]),
    ).toEqual([
      { text: 'ab', start: 0, ids: ['a'] },
      { text: 'cd', start: 2, ids: ['a', 'b'] },
      { text: 'ef', start: 4, ids: ['b'] },
    ]);
  });

  it('keeps the whole text when nothing is highlighted, and joins back to it', () => {
    const text = 'x\ny\nz';
    expect(segments(text, [])).toEqual([{ text, start: 0, ids: [] }]);
    expect(segments(text, [{ id: 'q', start: 1, end: 99 }]).map((s) => s.text).join('')).toBe(text);
  });
});

describe('small helpers', () => {
  it.each([
    [0, '0:00'],
    [7.9, '0:07'],
    [750, '12:30'],
    [3723, '1:02:03'],
    [undefined, ''],
    [-1, ''],
  ])('formatClock(%s) = %s', (s, want) => {
    expect(formatClock(s as number | undefined)).toBe(want);
  });

  it('tells playable, image and unsafe types', () => {
    expect(isPlayable('audio/wav')).toBe(true);
    expect(isPlayable('video/mp4')).toBe(true);
    expect(isPlayable('application/pdf')).toBe(false);
    expect(isImage('image/png')).toBe(true);
    expect(isImage('image/svg+xml')).toBe(false);
    expect(safeBlobType('text/html; charset=utf-8')).toBe('text/plain');
    expect(safeBlobType('image/svg+xml')).toBe('text/plain');
    expect(safeBlobType('application/rss+xml')).toBe('text/plain');
    expect(safeBlobType('application/pdf')).toBe('application/pdf');
    expect(safeBlobType('')).toBe('application/octet-stream');
  });
});
