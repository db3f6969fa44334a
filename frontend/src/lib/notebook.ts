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
