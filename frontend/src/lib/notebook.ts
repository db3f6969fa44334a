// Notebook rules as pure functions: the [n] markers of an answer, and
// whether documents are still being indexed.

import type { Citation, NotebookDocument } from './api';

/** A piece of an answer: plain text, or a [n] marker naming a citation. */
export type AnswerPart = { kind: 'text'; text: string } | { kind: 'cite'; n: number; citation?: Citation };

/**
 * Splits an answer into text and its [n] markers ("[1]", "[2, 3]", "[1][2]").
 * A marker is kept as a chip only when citations name it, or when none are
 * given; otherwise it stays plain text.
 */
export function parseAnswer(answer: string, citations?: Citation[] | null): AnswerPart[] {
  const byN = new Map<number, Citation>();
  for (const c of citations ?? []) byN.set(c.n, c);
  const parts: AnswerPart[] = [];
  let text = '';
  const re = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
  let last = 0;
  for (let m = re.exec(answer); m; m = re.exec(answer)) {
    const ns = m[1].split(',').map((x) => Number(x.trim()));
    const known = ns.every((n) => n > 0 && (byN.size === 0 || byN.has(n)));
    text += answer.slice(last, m.index);
    last = re.lastIndex;
    if (!known) {
      text += m[0];
      continue;
    }
    if (text) parts.push({ kind: 'text', text });
    text = '';
    for (const n of ns) parts.push({ kind: 'cite', n, citation: byN.get(n) });
  }
  text += answer.slice(last);
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/** True while any document waits for or is in indexing (poll then). */
export function isIndexing(documents: Pick<NotebookDocument, 'status'>[]): boolean {
  return documents.some((d) => d.status === 'queued' || d.status === 'indexing');
}

/** "42%" from 0..1. */
export function percent(progress: number | undefined): string {
  const p = Number.isFinite(progress) ? (progress as number) : 0;
  return `${Math.round(Math.min(1, Math.max(0, p)) * 100)}%`;
}

/** A piece of a cited passage: quoted by the answer, or around the quote. */
export interface PassagePart {
  text: string;
  quoted: boolean;
}

/**
 * Splits a citation's passage into the sentences the answer quotes and the
 * text around them. Quotes are byte offsets into the document (UTF-8), as
 * the passage's own start and end are; a quote that does not fall inside
 * the passage is ignored, and without quotes the whole passage is quoted.
 */
export function passageParts(c: Pick<Citation, 'text' | 'start' | 'quotes'>): PassagePart[] {
  const bytes = new TextEncoder().encode(c.text);
  const spans = (Array.isArray(c.quotes) ? c.quotes : [])
    .map((q) => [Number(q?.start) - c.start, Number(q?.end) - c.start] as const)
    .filter(([a, b]) => Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b <= bytes.length && a < b)
    .sort((x, y) => x[0] - y[0]);
  if (spans.length === 0) return c.text ? [{ text: c.text, quoted: true }] : [];
  const decode = (a: number, b: number) => new TextDecoder().decode(bytes.subarray(a, b));
  const parts: PassagePart[] = [];
  let at = 0;
  for (const [a0, b] of spans) {
    const a = Math.max(a0, at);
    if (a >= b) continue;
    if (a > at) parts.push({ text: decode(at, a), quoted: false });
    parts.push({ text: decode(a, b), quoted: true });
    at = b;
  }
  if (at < bytes.length) parts.push({ text: decode(at, bytes.length), quoted: false });
  return parts;
}

/** What the app says under an answer about the engine that wrote it. */
export interface EngineNote {
  text: string;
  /** Point to Settings → Models: a model would answer better. */
  suggestModel: boolean;
}

/**
 * Names the engine of an answer: "extractive" (no language model: the
 * sentences are quoted from the documents) or "ollama:<model>" (a model
 * wrote it); nothing while indexing or for an empty notebook.
 */
export function engineNote(engine: string | undefined, found: boolean | undefined): EngineNote | null {
  if (engine === 'extractive') {
    return found === false
      ? {
          text: 'Searched your documents without a language model; a model also finds answers worded unlike the question.',
          suggestModel: true,
        }
      : {
          text: 'Answered from your documents without a language model, quoted as written; a model would answer in its own words, drawing on several passages.',
          suggestModel: true,
        };
  }
  const model = engine?.startsWith('ollama:') ? engine.slice('ollama:'.length) : '';
  if (model) return { text: `Answered by the language model ${model}, from your documents.`, suggestModel: false };
  return null;
}

/**
 * Whether a citation's page means something to show: a PDF's page, or any
 * page past the first (text files, images and recordings are "page 1" of
 * one, with no page image to fetch).
 */
export function hasPage(c: Pick<Citation, 'page' | 'filename'>): boolean {
  return !!c.page && c.page > 0 && (/\.pdf$/i.test(c.filename) || c.page > 1);
}
