// A notebook answer streamed as server-sent events: "citations" (the
// numbered sources), "token" (the next piece of text), "done" (the whole
// answer) and "error". The reader is lenient about the shape of each
// event, so a server that names or wraps them a little differently still
// gives a readable answer; an answer that arrives as plain JSON (a server
// that does not stream) works too.

import { ApiError, type Citation, type NotebookAnswer } from './api';
import { readSSE, type SSEEvent } from './sse';

export type ChatStreamEvent =
  | { type: 'citations'; citations: Citation[]; engine?: string }
  | { type: 'token'; text: string }
  | { type: 'done'; answer: Partial<NotebookAnswer> }
  | { type: 'error'; code: string; message: string };

const aliases: Record<string, ChatStreamEvent['type']> = {
  citations: 'citations',
  citation: 'citations',
  sources: 'citations',
  token: 'token',
  tokens: 'token',
  delta: 'token',
  chunk: 'token',
  text: 'token',
  done: 'done',
  end: 'done',
  complete: 'done',
  answer: 'done',
  error: 'error',
};

function parseJSON(data: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(data) };
  } catch {
    return { ok: false };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Keeps the citations that name a source number; the rest of each is taken as sent. */
export function cleanCitations(v: unknown): Citation[] {
  const list = Array.isArray(v) ? v : isObject(v) && Array.isArray(v.citations) ? v.citations : [];
  const out: Citation[] = [];
  for (const c of list) {
    if (!isObject(c)) continue;
    const n = Number(c.n);
    if (!Number.isInteger(n) || n <= 0) continue;
    out.push({
      ...(c as unknown as Citation),
      n,
      document_id: str(c.document_id) ?? '',
      filename: str(c.filename) ?? '',
      chunk_id: str(c.chunk_id) ?? '',
      text: str(c.text) ?? '',
      page: Number.isInteger(c.page) && (c.page as number) > 0 ? (c.page as number) : undefined,
      start: Number(c.start) || 0,
      end: Number(c.end) || 0,
      score: Number(c.score) || 0,
    });
  }
  return out;
}

function tokenText(data: string): string {
  const p = parseJSON(data);
  if (!p.ok) return data; // plain text
  const v = p.value;
  if (typeof v === 'string') return v;
  if (isObject(v)) {
    for (const k of ['text', 'token', 'delta', 'content', 't']) {
      const s = str(v[k]);
      if (s !== undefined) return s;
    }
    return '';
  }
  // A number or boolean sent bare is text that happened to parse.
  return v === null ? '' : data;
}

function errorOf(data: string): { code: string; message: string } {
  const p = parseJSON(data);
  const v = p.ok ? p.value : data;
  const inner = isObject(v) && isObject(v.error) ? v.error : v;
  if (isObject(inner)) {
    return {
      code: str(inner.code) || 'internal',
      message: str(inner.message) || str(isObject(v) ? v.message : undefined) || 'The answer could not be finished.',
    };
  }
  const text = typeof inner === 'string' ? inner.trim() : '';
  return { code: 'internal', message: text || 'The answer could not be finished.' };
}

/** What one event means for the answer; null for events of no known kind. */
export function interpretChatEvent(ev: SSEEvent): ChatStreamEvent | null {
  let name = ev.event.trim().toLowerCase();
  let data = ev.data;
  const parsed = parseJSON(data);
  if (name === 'message' || name === '') {
    if (data.trim() === '[DONE]') return { type: 'done', answer: {} };
    // An unnamed event may name its kind inside.
    if (parsed.ok && isObject(parsed.value)) {
      const inner = str(parsed.value.type) ?? str(parsed.value.event);
      if (inner && aliases[inner.toLowerCase()]) {
        name = inner.toLowerCase();
        if ('data' in parsed.value) data = JSON.stringify(parsed.value.data);
      } else if ('answer' in parsed.value) {
        name = 'done';
      } else if ('citations' in parsed.value) {
        name = 'citations';
      } else {
        name = 'token';
      }
    } else {
      name = 'token';
    }
  }
  switch (aliases[name]) {
    case 'citations': {
      const p = parseJSON(data);
      const v = p.ok ? p.value : null;
      return { type: 'citations', citations: cleanCitations(v), ...(isObject(v) && str(v.engine) ? { engine: str(v.engine) } : {}) };
    }
    case 'token':
      return { type: 'token', text: tokenText(data) };
    case 'done': {
      const p = parseJSON(data);
      const v = p.ok && isObject(p.value) ? p.value : {};
      const answer: Partial<NotebookAnswer> = {};
      if (typeof v.answer === 'string') answer.answer = v.answer;
      if ('citations' in v) answer.citations = cleanCitations(v.citations);
      if (typeof v.engine === 'string') answer.engine = v.engine;
      if (typeof v.found === 'boolean') answer.found = v.found;
      if (typeof v.indexing === 'boolean') answer.indexing = v.indexing;
      if (typeof v.message_id === 'string') answer.message_id = v.message_id;
      return { type: 'done', answer };
    }
    case 'error':
      return { type: 'error', ...errorOf(data) };
    default:
      return null;
  }
}

/** The answer as it stands while streaming. */
export interface StreamingAnswer {
  answer: string;
  citations: Citation[];
  engine: string;
  done: boolean;
}

/** The end of a streamed answer: done, or cut off after some text. */
export interface StreamedAnswer extends NotebookAnswer {
  /** The stream ended before "done": the text may be incomplete. */
  incomplete?: boolean;
}

/**
 * Reads a chat response — an event stream, or a plain JSON answer — calling
 * onUpdate as text arrives. An "error" event rejects with ApiError.
 */
export async function readChatResponse(
  res: Response,
  onUpdate: (a: StreamingAnswer) => void = () => {},
  signal?: AbortSignal,
): Promise<StreamedAnswer> {
  const type = res.headers.get('Content-Type') ?? '';
  if (!type.includes('text/event-stream') || !res.body) {
    const text = await res.text();
    const p = parseJSON(text);
    if (!p.ok || !isObject(p.value) || typeof p.value.answer !== 'string') {
      throw new ApiError('internal', 'The answer came back in a form this app cannot read. Try again.', res.status);
    }
    const a = p.value as unknown as NotebookAnswer;
    const out: StreamedAnswer = { ...a, citations: cleanCitations(a.citations ?? []) };
    onUpdate({ answer: out.answer, citations: out.citations ?? [], engine: out.engine ?? '', done: true });
    return out;
  }
  const state: StreamingAnswer = { answer: '', citations: [], engine: '', done: false };
  let final: Partial<NotebookAnswer> | null = null;
  let failure: ApiError | null = null;
  await readSSE(
    res.body,
    (ev) => {
      if (final || failure) return;
      const e = interpretChatEvent(ev);
      if (!e) return;
      switch (e.type) {
        case 'citations':
          state.citations = e.citations;
          if (e.engine) state.engine = e.engine;
          break;
        case 'token':
          state.answer += e.text;
          break;
        case 'done':
          final = e.answer;
          if (typeof e.answer.answer === 'string' && e.answer.answer) state.answer = e.answer.answer;
          if (e.answer.citations) state.citations = e.answer.citations;
          if (e.answer.engine) state.engine = e.answer.engine;
          state.done = true;
          break;
        case 'error':
          failure = new ApiError(e.code, e.message, res.status);
          return;
      }
      onUpdate({ ...state, citations: [...state.citations] });
    },
    signal,
  );
  if (signal?.aborted) throw new ApiError('cancelled', 'Stopped.', 0);
  if (failure) throw failure;
  const done = final as Partial<NotebookAnswer> | null;
  if (!done && !state.answer) {
    throw new ApiError('network', 'The answer stopped before any of it arrived. Check the connection and ask again.', 0);
  }
  return {
    answer: state.answer,
    citations: state.citations,
    engine: done?.engine ?? state.engine,
    found: done?.found ?? state.citations.length > 0,
    ...(done?.indexing !== undefined ? { indexing: done.indexing } : {}),
    ...(done?.message_id ? { message_id: done.message_id } : {}),
    ...(done ? {} : { incomplete: true }),
  };
}
