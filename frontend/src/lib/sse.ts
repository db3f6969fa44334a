// Server-sent events, read from a fetch body (EventSource cannot send a
// POST or an Authorization header). The parser follows the event stream
// format: lines end in LF, CR or CRLF; "event:", "data:" (several are joined
// with LF), "id:" and "retry:" fields; lines starting with ":" are
// comments; a blank line ends an event. Unknown fields are ignored.

export interface SSEEvent {
  /** "message" when the event named none. */
  event: string;
  data: string;
  id?: string;
}

/** Feed it text as it arrives; it returns the events each piece completes. */
export class SSEParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private hasData = false;
  private id: string | undefined;
  /** A CR ended the last piece: an LF at the start of the next belongs to it. */
  private skipLF = false;

  push(chunk: string): SSEEvent[] {
    const out: SSEEvent[] = [];
    let text = chunk;
    if (this.skipLF && text.startsWith('\n')) text = text.slice(1);
    this.skipLF = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      const line = this.buffer.slice(start, i);
      if (c === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') i++;
        } else {
          this.skipLF = true;
        }
      }
      start = i + 1;
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** The stream ended: an event without its closing blank line still counts. */
  end(): SSEEvent[] {
    const out: SSEEvent[] = [];
    if (this.buffer) {
      const ev = this.line(this.buffer);
      if (ev) out.push(ev);
      this.buffer = '';
    }
    const last = this.dispatch();
    if (last) out.push(last);
    return out;
  }

  private line(line: string): SSEEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
    }
    return null;
  }

  private dispatch(): SSEEvent | null {
    const ev: SSEEvent | null = this.hasData
      ? { event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) }
      : null;
    this.event = '';
    this.data = [];
    this.hasData = false;
    return ev;
  }
}

/** Reads a streamed body as text, handing each complete event to onEvent. */
export async function readSSE(body: ReadableStream<Uint8Array>, onEvent: (ev: SSEEvent) => void, signal?: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SSEParser();
  const onAbort = () => void reader.cancel().catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) return;
      const { done, value } = await reader.read();
      if (done) break;
      for (const ev of parser.push(decoder.decode(value, { stream: true }))) onEvent(ev);
    }
    if (signal?.aborted) return;
    for (const ev of parser.push(decoder.decode())) onEvent(ev);
    for (const ev of parser.end()) onEvent(ev);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    try {
      reader.releaseLock();
    } catch {
      // Already released or still reading after a cancel: nothing to do.
    }
  }
}
