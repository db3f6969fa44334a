import { describe, expect, it } from 'vitest';
import { createApi, dispositionFilename, memoryTokens, type FetchFn } from './api';

function api(fetch: FetchFn) {
  const tokens = memoryTokens();
  tokens.save({ access_token: 'A1', refresh_token: 'R1', token_type: 'Bearer', expires_in: 900, user: { id: 'u', email: '', first_name: '', last_name: '' } });
  return { api: createApi({ tokens, fetch }), tokens };
}

describe('dispositionFilename', () => {
  it.each([
    ['inline; filename=minutes.txt', 'minutes.txt'],
    ['inline; filename="two words.pdf"', 'two words.pdf'],
    ['inline; filename="q\\"uote.txt"', 'q"uote.txt'],
    ["inline; filename*=utf-8''caf%C3%A9.txt", 'café.txt'],
    ['inline', ''],
    [null, ''],
  ])('%s → %s', (h, want) => {
    expect(dispositionFilename(h)).toBe(want);
  });
});

describe('files with the access token', () => {
  it('fetches an upload with the bearer token and gives its type and name', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const { api: a } = api(async (url, init) => {
      seen.push({ url, headers: init?.headers as Record<string, string> });
      return new Response('RIFF', { headers: { 'Content-Type': 'audio/wav', 'Content-Disposition': 'inline; filename=memo.wav' } });
    });
    const f = await a.uploadContent('up/1');
    expect(seen[0].url).toBe('/api/uploads/up%2F1/content');
    expect(seen[0].headers.Authorization).toBe('Bearer A1');
    expect(f.type).toBe('audio/wav');
    expect(f.filename).toBe('memo.wav');
    expect(await f.blob.text()).toBe('RIFF');
  });

  it('refreshes once on 401, then turns a 404 into an ApiError', async () => {
    const answers = [
      new Response('{"error":{"code":"unauthorized","message":"x"}}', { status: 401 }),
      new Response(JSON.stringify({ access_token: 'A2', refresh_token: 'R2', token_type: 'Bearer', expires_in: 900, user: { id: 'u' } })),
      new Response('{"error":{"code":"not_found","message":"No such page."}}', { status: 404 }),
    ];
    const auths: string[] = [];
    const { api: a } = api(async (_url, init) => {
      auths.push((init?.headers as Record<string, string>).Authorization ?? '');
      return answers.shift()!;
    });
    await expect(a.notebookPageImage('nb', 'doc', 3)).rejects.toMatchObject({ code: 'not_found', message: 'No such page.' });
    expect(auths).toEqual(['Bearer A1', '', 'Bearer A2']);
  });

  it('asks for an event stream when chatting', async () => {
    let headers: Record<string, string> = {};
    let body = '';
    const { api: a } = api(async (_url, init) => {
      headers = init?.headers as Record<string, string>;
      body = init?.body as string;
      return new Response('event: done\ndata: {}\n\n', { headers: { 'Content-Type': 'text/event-stream' } });
    });
    const res = await a.notebookChatStream('nb', 'Who?');
    expect(headers.Accept).toContain('text/event-stream');
    expect(JSON.parse(body)).toEqual({ query: 'Who?' });
    expect(res.headers.get('Content-Type')).toBe('text/event-stream');
  });

  it('reads an extraction source', async () => {
    const { api: a } = api(async (url) => {
      expect(url).toBe('/api/extraction/run1/source');
      return new Response(JSON.stringify({ extraction_id: 'run1', text: 'x', text_kept: true, kind: 'text', filename: '', content_type: '', upload_id: '', file_available: false }));
    });
    expect((await a.extractionSource('run1')).kind).toBe('text');
  });
});
