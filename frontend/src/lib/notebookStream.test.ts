import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { cleanCitations, interpretChatEvent, readChatResponse, type StreamingAnswer } from './notebookStream';

const cite = { n: 1, document_id: 'd1', filename: 'launch.md', chunk_id: 'c1', text: 'Priya owns the press release.', page: 2, start: 0, end: 29, score: 0.5 };

describe('interpretChatEvent', () => {
  it.each([
    { name: 'token with text', ev: { event: 'token', data: '{"text":"Hel"}' }, want: { type: 'token', text: 'Hel' } },
    { name: 'token with token', ev: { event: 'token', data: '{"token":"lo"}' }, want: { type: 'token', text: 'lo' } },
    { name: 'token with delta', ev: { event: 'delta', data: '{"delta":" world"}' }, want: { type: 'token', text: ' world' } },
    { name: 'token as a JSON string', ev: { event: 'token', data: '"Hi "' }, want: { type: 'token', text: 'Hi ' } },
    { name: 'token as plain text', ev: { event: 'token', data: 'Hi there' }, want: { type: 'token', text: 'Hi there' } },
    { name: 'a bare number is text', ev: { event: 'token', data: '42' }, want: { type: 'token', text: '42' } },
    { name: 'upper-case event name', ev: { event: 'TOKEN', data: '{"text":"x"}' }, want: { type: 'token', text: 'x' } },
    {
      name: 'citations wrapped with the engine',
      ev: { event: 'citations', data: JSON.stringify({ citations: [cite], engine: 'extractive' }) },
      want: { type: 'citations', citations: [cite], engine: 'extractive' },
    },
    { name: 'citations as a bare list', ev: { event: 'citations', data: JSON.stringify([cite]) }, want: { type: 'citations', citations: [cite] } },
    { name: 'citations that are not JSON', ev: { event: 'citations', data: 'oops' }, want: { type: 'citations', citations: [] } },
    {
      name: 'done with the whole answer',
      ev: { event: 'done', data: JSON.stringify({ answer: 'Priya [1]', citations: [cite], engine: 'extractive', found: true, message_id: 'm1' }) },
      want: { type: 'done', answer: { answer: 'Priya [1]', citations: [cite], engine: 'extractive', found: true, message_id: 'm1' } },
    },
    { name: 'done with nothing', ev: { event: 'done', data: '' }, want: { type: 'done', answer: {} } },
    { name: 'the [DONE] marker', ev: { event: 'message', data: '[DONE]' }, want: { type: 'done', answer: {} } },
    {
      name: 'error in the API error shape',
      ev: { event: 'error', data: '{"error":{"code":"rate_limited","message":"Slow down."}}' },
      want: { type: 'error', code: 'rate_limited', message: 'Slow down.' },
    },
    { name: 'error flat', ev: { event: 'error', data: '{"code":"internal","message":"Model crashed."}' }, want: { type: 'error', code: 'internal', message: 'Model crashed.' } },
    { name: 'error as text', ev: { event: 'error', data: 'The model stopped.' }, want: { type: 'error', code: 'internal', message: 'The model stopped.' } },
    { name: 'error with nothing', ev: { event: 'error', data: '' }, want: { type: 'error', code: 'internal', message: 'The answer could not be finished.' } },
    { name: 'unnamed event naming its type', ev: { event: 'message', data: '{"type":"token","text":"x"}' }, want: { type: 'token', text: 'x' } },
    { name: 'unnamed event with its data inside', ev: { event: 'message', data: '{"type":"token","data":{"text":"y"}}' }, want: { type: 'token', text: 'y' } },
    { name: 'unnamed event holding an answer', ev: { event: 'message', data: '{"answer":"A"}' }, want: { type: 'done', answer: { answer: 'A' } } },
    { name: 'unnamed plain text', ev: { event: 'message', data: 'more' }, want: { type: 'token', text: 'more' } },
    { name: 'an unknown event', ev: { event: 'ping', data: '{}' }, want: null },
  ])('$name', ({ ev, want }) => {
    expect(interpretChatEvent(ev)).toEqual(want);
  });
});

describe('cleanCitations', () => {
  it('drops entries without a source number and fills missing fields', () => {
    expect(cleanCitations([{ n: 'x' }, null, { n: 2, text: 'T' }, { n: 0 }])).toEqual([
      { n: 2, document_id: '', filename: '', chunk_id: '', text: 'T', page: undefined, start: 0, end: 0, score: 0 },
    ]);
  });
});

function sse(body: string, chunkSize = 7): Response {
  const bytes = new TextEncoder().encode(body);
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += chunkSize) c.enqueue(bytes.slice(i, i + chunkSize));
      c.close();
    },
  });
  return new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } });
}

const ev = (event: string, data: unknown) => `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

describe('readChatResponse', () => {
  it('builds the answer token by token, then takes the done answer', async () => {
    const updates: StreamingAnswer[] = [];
    const res = sse(
      ev('citations', { citations: [cite], engine: 'extractive' }) +
        ev('token', { text: 'Priya owns ' }) +
        ev('token', { text: 'the press release [1]' }) +
        ev('done', { answer: 'Priya owns the press release [1].', citations: [cite], engine: 'extractive', found: true, message_id: 'm1' }),
    );
    const a = await readChatResponse(res, (u) => updates.push(u));
    expect(a).toEqual({ answer: 'Priya owns the press release [1].', citations: [cite], engine: 'extractive', found: true, message_id: 'm1' });
    expect(updates.map((u) => u.answer)).toEqual(['', 'Priya owns ', 'Priya owns the press release [1]', 'Priya owns the press release [1].']);
    expect(updates[0].citations).toEqual([cite]);
    expect(updates.at(-1)!.done).toBe(true);
  });

  it('keeps the streamed text when done carries no answer', async () => {
    const a = await readChatResponse(sse(ev('token', 'Hello ') + ev('token', 'world') + 'event: done\ndata: {}\n\n'));
    expect(a.answer).toBe('Hello world');
    expect(a.incomplete).toBeUndefined();
  });

  it('marks an answer cut off before done', async () => {
    const a = await readChatResponse(sse(ev('citations', [cite]) + ev('token', { text: 'Priya' })));
    expect(a).toMatchObject({ answer: 'Priya', incomplete: true, found: true, citations: [cite] });
  });

  it('rejects with the error event', async () => {
    const p = readChatResponse(sse(ev('token', { text: 'Par' }) + ev('error', { error: { code: 'internal', message: 'The model stopped answering.' } })));
    await expect(p).rejects.toMatchObject({ code: 'internal', message: 'The model stopped answering.' });
    await expect(p).rejects.toBeInstanceOf(ApiError);
  });

  it('ignores what comes after done', async () => {
    const a = await readChatResponse(sse(ev('done', { answer: 'A' }) + ev('token', { text: 'junk' }) + ev('error', 'late')));
    expect(a.answer).toBe('A');
  });

  it('says so when nothing arrived', async () => {
    await expect(readChatResponse(sse(': just a comment\n\n'))).rejects.toMatchObject({ code: 'network' });
  });

  it('reads a plain JSON answer from a server that does not stream', async () => {
    const res = new Response(JSON.stringify({ answer: 'Priya [1]', citations: [cite], engine: 'extractive', found: true }), {
      headers: { 'Content-Type': 'application/json' },
    });
    const updates: StreamingAnswer[] = [];
    const a = await readChatResponse(res, (u) => updates.push(u));
    expect(a.answer).toBe('Priya [1]');
    expect(updates).toHaveLength(1);
  });

  it('refuses JSON that is not an answer', async () => {
    await expect(readChatResponse(new Response('{"x":1}', { headers: { 'Content-Type': 'application/json' } }))).rejects.toMatchObject({ code: 'internal' });
  });

  it('reads events in CRLF and one byte at a time', async () => {
    const body = (ev('token', { text: 'é' }) + ev('done', {})).replace(/\n/g, '\r\n');
    const a = await readChatResponse(sse(body, 1));
    expect(a.answer).toBe('é');
  });
});
