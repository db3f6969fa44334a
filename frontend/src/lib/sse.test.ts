import { describe, expect, it } from 'vitest';
import { readSSE, SSEParser, type SSEEvent } from './sse';

function parseAll(pieces: string[]): SSEEvent[] {
  const p = new SSEParser();
  const out: SSEEvent[] = [];
  for (const piece of pieces) out.push(...p.push(piece));
  out.push(...p.end());
  return out;
}

describe('SSEParser', () => {
  it.each([
    {
      name: 'named events with JSON data',
      input: ['event: token\ndata: {"text":"Hi"}\n\nevent: done\ndata: {}\n\n'],
      want: [
        { event: 'token', data: '{"text":"Hi"}' },
        { event: 'done', data: '{}' },
      ],
    },
    { name: 'an unnamed event is a message', input: ['data: hello\n\n'], want: [{ event: 'message', data: 'hello' }] },
    { name: 'several data lines join with LF', input: ['data: a\ndata: b\n\n'], want: [{ event: 'message', data: 'a\nb' }] },
    { name: 'CRLF line ends', input: ['event: token\r\ndata: x\r\n\r\n'], want: [{ event: 'token', data: 'x' }] },
    { name: 'CR line ends', input: ['event: token\rdata: x\r\r'], want: [{ event: 'token', data: 'x' }] },
    { name: 'a CRLF split across pieces', input: ['data: x\r', '\n\r', '\n'], want: [{ event: 'message', data: 'x' }] },
    { name: 'comments and unknown fields are ignored', input: [': keep-alive\nfoo: bar\ndata: x\nretry: 10\n\n'], want: [{ event: 'message', data: 'x' }] },
    { name: 'no space after the colon', input: ['event:token\ndata:x\n\n'], want: [{ event: 'token', data: 'x' }] },
    { name: 'only the first space is dropped', input: ['data:  two\n\n'], want: [{ event: 'message', data: ' two' }] },
    { name: 'a field with no colon', input: ['data\n\n'], want: [{ event: 'message', data: '' }] },
    { name: 'an event without data is not sent', input: ['event: ping\n\n'], want: [] },
    { name: 'the id is kept', input: ['id: 7\ndata: x\n\n'], want: [{ event: 'message', data: 'x', id: '7' }] },
    { name: 'the last event without its blank line', input: ['event: done\ndata: {"answer":"a"}'], want: [{ event: 'done', data: '{"answer":"a"}' }] },
    {
      name: 'split in the middle of lines and fields',
      input: ['ev', 'ent: tok', 'en\nda', 'ta: {"text":"Hel', 'lo"}\n', '\n'],
      want: [{ event: 'token', data: '{"text":"Hello"}' }],
    },
    { name: 'the event name resets after each event', input: ['event: token\ndata: a\n\ndata: b\n\n'], want: [
      { event: 'token', data: 'a' },
      { event: 'message', data: 'b' },
    ] },
  ])('$name', ({ input, want }) => {
    expect(parseAll(input)).toEqual(want);
  });
});

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const x of chunks) c.enqueue(x);
      c.close();
    },
  });
}

describe('readSSE', () => {
  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('event: token\ndata: {"text":"café ☕"}\n\n');
    // Split inside the multi-byte characters.
    const cut = bytes.indexOf(0xc3) + 1;
    const chunks = [bytes.slice(0, cut), bytes.slice(cut, bytes.length - 5), bytes.slice(bytes.length - 5)];
    const got: SSEEvent[] = [];
    await readSSE(streamOf(chunks), (e) => got.push(e));
    expect(got).toEqual([{ event: 'token', data: '{"text":"café ☕"}' }]);
  });

  it('stops when aborted', async () => {
    const ctrl = new AbortController();
    let pull = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pull++;
        c.enqueue(new TextEncoder().encode(`data: ${pull}\n\n`));
        if (pull === 2) ctrl.abort();
      },
    });
    const got: string[] = [];
    await readSSE(body, (e) => got.push(e.data), ctrl.signal);
    expect(got.length).toBeLessThanOrEqual(3);
    expect(got[0]).toBe('1');
  });
});
