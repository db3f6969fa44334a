// The document view of an extraction as pure functions: where each task's
// evidence sits in the text the engine read, the text cut into plain and
// highlighted pieces, and small helpers for the recording and the file.
//
// The API gives evidence spans as UTF-8 byte offsets; JavaScript strings
// index UTF-16 code units, so offsets are converted before slicing.

import type { ExtractedTask } from './api';

/**
 * String indices of UTF-8 byte offsets into text. An offset inside a
 * character maps to that character's start; past the end, to the end.
 */
export function byteOffsetsToIndices(text: string, offsets: readonly number[]): number[] {
  const order = offsets.map((o, i) => ({ o: Math.max(0, Math.floor(Number.isFinite(o) ? o : 0)), i })).sort((a, b) => a.o - b.o);
  const out = new Array<number>(offsets.length);
  let byte = 0;
  let index = 0;
  let k = 0;
  while (k < order.length) {
    if (index >= text.length) {
      out[order[k].i] = text.length;
      k++;
      continue;
    }
    const cp = text.codePointAt(index)!;
    const units = cp > 0xffff ? 2 : 1;
    const bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (order[k].o < byte + bytes) {
      out[order[k].i] = index;
      k++;
      continue;
    }
    byte += bytes;
    index += units;
  }
  return out;
}

/** A task's evidence located in the text, in string indices. */
export interface EvidenceRange {
  id: string;
  start: number;
  end: number;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Where each item's evidence is in text: its byte span when that span holds
 * the sentence (or when there is no sentence to check), else the first place
 * the sentence appears. Items whose evidence cannot be found are left out.
 */
export function evidenceRanges(text: string, items: readonly Pick<ExtractedTask, 'id' | 'evidence'>[]): EvidenceRange[] {
  const withSpan = items.filter((t) => t.evidence && t.evidence.end > t.evidence.start);
  const idx = byteOffsetsToIndices(
    text,
    withSpan.flatMap((t) => [t.evidence.start, t.evidence.end]),
  );
  const bySpan = new Map<string, [number, number]>();
  withSpan.forEach((t, i) => bySpan.set(t.id, [idx[2 * i], idx[2 * i + 1]]));
  const out: EvidenceRange[] = [];
  for (const t of items) {
    const sentence = t.evidence?.sentence ?? '';
    const span = bySpan.get(t.id);
    if (span && span[1] > span[0]) {
      const got = text.slice(span[0], span[1]);
      if (!sentence || squash(got) === squash(sentence) || squash(got).includes(squash(sentence).slice(0, 40))) {
        out.push({ id: t.id, start: span[0], end: span[1] });
        continue;
      }
    }
    if (sentence) {
      const at = text.indexOf(sentence);
      if (at >= 0) out.push({ id: t.id, start: at, end: at + sentence.length });
    }
  }
  return out;
}

/** A piece of the text: plain when ids is empty, else the evidence of those items. */
export interface Segment {
  text: string;
  start: number;
  ids: string[];
}

/** Cuts text at every range boundary; overlapping evidence shares a piece. */
export function segments(text: string, ranges: readonly EvidenceRange[]): Segment[] {
  const cuts = new Set<number>([0, text.length]);
  for (const r of ranges) {
    cuts.add(Math.min(Math.max(0, r.start), text.length));
    cuts.add(Math.min(Math.max(0, r.end), text.length));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    if (b <= a) continue;
    const ids = ranges.filter((r) => r.start <= a && r.end >= b).map((r) => r.id);
    const prev = out[out.length - 1];
    if (prev && prev.ids.length === 0 && ids.length === 0) {
      prev.text += text.slice(a, b);
    } else {
      out.push({ text: text.slice(a, b), start: a, ids });
    }
  }
  return out;
}

/** "0:07", "12:30", "1:02:03". */
export function formatClock(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Whether a stored file can be played in an audio or video element. */
export function isPlayable(contentType: string): boolean {
  const t = contentType.toLowerCase();
  return t.startsWith('audio/') || t.startsWith('video/');
}

export function isImage(contentType: string): boolean {
  const t = contentType.toLowerCase().split(';')[0].trim();
  return t.startsWith('image/') && t !== 'image/svg+xml';
}

const active = ['text/html', 'application/xhtml+xml', 'image/svg+xml', 'text/xml', 'application/xml', 'text/javascript', 'application/javascript'];

/**
 * The type to give a blob before making an address for it: an address of a
 * blob this page made opens with this page's rights, so nothing a browser
 * would run as a page may keep its type.
 */
export function safeBlobType(contentType: string): string {
  const t = contentType.toLowerCase().split(';')[0].trim();
  if (!t) return 'application/octet-stream';
  if (active.includes(t) || t.endsWith('+xml')) return 'text/plain';
  return t;
}

/** What the view shows, by the kind the API names. */
export function sourceKindTitle(kind: string): string {
  switch (kind) {
    case 'audio':
      return 'Transcript';
    case 'image':
      return 'Text read from the image';
    case 'handwritten':
      return 'Text read from the handwriting';
    case 'text':
      return 'Pasted text';
    default:
      return 'Document text';
  }
}
