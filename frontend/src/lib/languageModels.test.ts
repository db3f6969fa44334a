import { describe, expect, it } from 'vitest';
import { ApiError, createApi, memoryTokens, type FetchFn, type LanguageModels, type ModelPull } from './api';
import {
  embeddingsNote,
  modelsScope,
  reembeddingLabel,
  reembeddingPercent,
  choiceChanged,
  choicesFor,
  menuChoice,
  followPull,
  isInstalled,
  missingWarning,
  modelFacts,
  pullAmount,
  pullLabel,
  pullNameProblem,
  pullPercent,
  usedFor,
} from './languageModels';

function pull(over: Partial<ModelPull> = {}): ModelPull {
  return { model: 'llama3.2:3b', state: 'pulling', status: 'pulling manifest', completed: 0, total: 0, progress: 0, started_at: '2026-12-05T10:00:00Z', ...over };
}

function status(over: Partial<LanguageModels> = {}): LanguageModels {
  return {
    running: true,
    version: '0.17.4',
    models: [
      { name: 'llama3.1:8b', size: 4_920_753_328, family: 'llama', parameter_size: '8.0B' },
      { name: 'nomic-embed-text:latest', size: 274_302_450, family: 'nomic-bert', parameter_size: '137M' },
      { name: 'qwen2.5:7b', size: 4_683_087_332, family: 'qwen2' },
    ],
    chosen: { extraction: 'llama3.1:8b', answers: 'qwen2.5:7b', embeddings: 'nomic-embed-text' },
    defaults: { extraction: 'llama3.1:8b', answers: 'llama3.1:8b', embeddings: 'nomic-embed-text' },
    editable: true,
    ...over,
  };
}

describe('installed models', () => {
  it('treats "x" and "x:latest" as one model', () => {
    expect(isInstalled(status().models, 'nomic-embed-text')).toBe(true);
    expect(isInstalled(status().models, 'llama3.1')).toBe(false);
  });

  it('says which jobs use a model', () => {
    expect(usedFor(status(), 'nomic-embed-text:latest')).toEqual(['Embeddings']);
    expect(usedFor(status(), 'llama3.1:8b')).toEqual(['Finding tasks']);
    expect(usedFor(status({ chosen: { extraction: 'qwen2.5:7b', answers: 'qwen2.5:7b', embeddings: '' } }), 'qwen2.5:7b')).toEqual([
      'Finding tasks',
      'Answers',
    ]);
  });

  it('shows size, family and parameters', () => {
    expect(modelFacts(status().models[0])).toBe('4.9 GB · llama · 8.0B');
    expect(modelFacts(status().models[2])).toBe('4.7 GB · qwen2');
  });
});

describe('choicesFor', () => {
  it('offers chat models for tasks and answers, embedding models for embeddings', () => {
    expect(choicesFor(status(), 'extraction')).toEqual(['llama3.1:8b', 'qwen2.5:7b']);
    expect(choicesFor(status(), 'embeddings')).toEqual(['nomic-embed-text:latest']);
  });

  it('keeps the model in use even when it is not installed', () => {
    const s = status({ chosen: { extraction: 'mistral:7b', answers: '', embeddings: '' } });
    expect(choicesFor(s, 'extraction')).toEqual(['mistral:7b', 'llama3.1:8b', 'qwen2.5:7b']);
    expect(missingWarning(s, 'extraction')).toBe('mistral:7b is not installed: pull it below, or choose another model.');
    expect(missingWarning(s, 'answers')).toBe('');
  });

  it('offers every model when none looks like an embedding model', () => {
    const s = status({ models: [{ name: 'llama3.1:8b', size: 1 }] });
    expect(choicesFor(s, 'embeddings')).toEqual(['nomic-embed-text', 'llama3.1:8b']);
  });

  it('warns of nothing while the server is down', () => {
    expect(missingWarning(status({ running: false, models: [] }), 'extraction')).toBe('');
  });
});

describe('menuChoice', () => {
  it('spells each chosen model as the menu lists it, so the menu shows it', () => {
    const s = status();
    const c = menuChoice(s);
    expect(c.embeddings).toBe('nomic-embed-text:latest');
    expect(choicesFor(s, 'embeddings')).toContain(c.embeddings);
    expect(choiceChanged(s, c)).toBe(false);
    expect(choiceChanged(s, { ...c, extraction: 'qwen2.5:7b' })).toBe(true);
  });

  it('keeps a model that is not installed as it is', () => {
    const s = status({ chosen: { extraction: 'mistral:7b', answers: '', embeddings: 'nomic-embed-text' } });
    expect(menuChoice(s)).toEqual({ extraction: 'mistral:7b', answers: '', embeddings: 'nomic-embed-text:latest' });
  });
});

describe('embeddingsNote', () => {
  it('says when notebooks still embed with another model', () => {
    const s = status({ embeddings_in_use: 'nomic-embed-text' });
    expect(embeddingsNote(s, menuChoice(s))).toBe('');
    expect(embeddingsNote(s, { ...menuChoice(s), embeddings: 'mxbai-embed-large' })).toBe(
      'Notebooks embed with nomic-embed-text until Sentry AI starts again; then their documents are embedded with mxbai-embed-large.',
    );
    expect(embeddingsNote(status({ embeddings_in_use: '' }), menuChoice(status()))).toBe(
      'Notebooks use the built-in embedder until Sentry AI starts again; then their documents are embedded with nomic-embed-text:latest.',
    );
  });

  it('says a save applies at once where the server re-embeds in the background', () => {
    const s = status({ embeddings_in_use: 'nomic-embed-text', embeddings_apply: 'now' });
    expect(embeddingsNote(s, { ...menuChoice(s), embeddings: 'mxbai-embed-large' })).toBe(
      'When you save, notebooks embed with mxbai-embed-large at once, and their documents get its vectors in the background; they stay searchable meanwhile.',
    );
    expect(embeddingsNote(s, menuChoice(s))).toBe('');
  });

  it('says nothing while the server is down or the server does not tell', () => {
    expect(embeddingsNote(status({ running: false, embeddings_in_use: '' }), menuChoice(status()))).toBe('');
    expect(embeddingsNote(status(), menuChoice(status()))).toBe('');
  });
});

describe('pullNameProblem', () => {
  it.each([
    { name: 'llama3.2:3b', want: '' },
    { name: ' nomic-embed-text ', want: '' },
    { name: 'library/qwen2.5:7b-instruct-q4_K_M', want: '' },
    { name: '', want: 'Enter the name of a model, like llama3.2:3b.' },
    { name: '../etc/passwd', want: 'letters' },
    { name: 'a b', want: 'letters' },
    { name: 'x'.repeat(201), want: 'letters' },
  ])('"$name"', ({ name, want }) => {
    const got = pullNameProblem(name);
    if (want === '') expect(got).toBe('');
    else expect(got).toContain(want);
  });
});

describe('pull progress', () => {
  it.each([
    { name: 'asking', p: pull(), pct: 0, amount: '', label: 'Asking for the model' },
    {
      name: 'downloading a layer',
      p: pull({ status: 'pulling 6a0746a1ec1a', completed: 1_000_000_000, total: 2_000_000_000, progress: 0.495 }),
      pct: 49,
      amount: '1.0 GB of 2.0 GB',
      label: 'Downloading',
    },
    { name: 'checking', p: pull({ status: 'verifying sha256 digest', progress: 0.99, completed: 5, total: 5 }), pct: 99, amount: '5 B of 5 B', label: 'Checking the download' },
    { name: 'done', p: pull({ state: 'done', status: 'success', progress: 1 }), pct: 100, amount: '', label: 'llama3.2:3b is installed' },
    { name: 'failed', p: pull({ state: 'failed', error: 'no such model' }), pct: 0, amount: '', label: 'llama3.2:3b was not installed' },
    { name: 'cancelled', p: pull({ state: 'cancelled' }), pct: 0, amount: '', label: 'The pull of llama3.2:3b was cancelled' },
    { name: 'never past 100', p: pull({ progress: 3 }), pct: 100, amount: '', label: 'Asking for the model' },
  ])('$name', ({ p, pct, amount, label }) => {
    expect(pullPercent(p)).toBe(pct);
    expect(pullAmount(p)).toBe(amount);
    expect(pullLabel(p)).toBe(label);
  });
});

describe('followPull', () => {
  it('asks until the pull ends and reports each answer', async () => {
    const answers = [pull({ completed: 5, total: 10, progress: 0.5 }), pull({ state: 'done', progress: 1 })];
    const seen: number[] = [];
    const end = await followPull(async () => answers.shift()!, pull(), { intervalMs: 0, onUpdate: (p) => seen.push(p.progress) });
    expect(end.state).toBe('done');
    expect(seen).toEqual([0.5, 1]);
  });

  it('does not ask about a pull that has ended', async () => {
    const end = await followPull(async () => {
      throw new Error('asked');
    }, pull({ state: 'failed' }));
    expect(end.state).toBe('failed');
  });

  it('rides out a passing network error but not a refusal', async () => {
    const answers: (ModelPull | ApiError)[] = [new ApiError('network', 'offline', 0), pull({ state: 'done' })];
    const get = async () => {
      const a = answers.shift()!;
      if (a instanceof ApiError) throw a;
      return a;
    };
    expect((await followPull(get, pull(), { intervalMs: 0 })).state).toBe('done');
    await expect(
      followPull(async () => Promise.reject(new ApiError('forbidden', 'No.', 403)), pull(), { intervalMs: 0 }),
    ).rejects.toThrow('No.');
  });

  it('stops when told', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(followPull(async () => pull(), pull(), { intervalMs: 0, signal: ctl.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('models API calls', () => {
  it('reads the status, chooses, pulls, follows and cancels on the documented routes', async () => {
    const calls: { url: string; method: string; body: unknown }[] = [];
    const answers = [
      new Response(JSON.stringify(status()), { status: 200 }),
      new Response(JSON.stringify(status({ chosen: { extraction: 'qwen2.5:7b', answers: 'qwen2.5:7b', embeddings: 'nomic-embed-text' } })), { status: 200 }),
      new Response(JSON.stringify(pull()), { status: 202 }),
      new Response(JSON.stringify(pull({ progress: 0.5 })), { status: 200 }),
      new Response(null, { status: 204 }),
      new Response(JSON.stringify({ error: { code: 'unavailable', message: 'No language model is running. Open Settings → Models.' } }), { status: 503 }),
    ];
    const fetch: FetchFn = async (url, init = {}) => {
      calls.push({ url, method: init.method ?? 'GET', body: init.body ? JSON.parse(init.body as string) : undefined });
      return answers.shift()!;
    };
    const api = createApi({ fetch, tokens: memoryTokens() });
    expect((await api.languageModels()).version).toBe('0.17.4');
    expect((await api.chooseModels({ extraction: 'qwen2.5:7b' })).chosen.extraction).toBe('qwen2.5:7b');
    expect((await api.pullModel('llama3.2:3b')).state).toBe('pulling');
    expect((await api.modelPull()).progress).toBe(0.5);
    await api.cancelModelPull();
    await expect(api.pullModel('llama3.2:3b')).rejects.toMatchObject({ code: 'unavailable', message: 'No language model is running. Open Settings → Models.' });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/settings/models',
      'PUT /api/settings/models',
      'POST /api/settings/models/pull',
      'GET /api/settings/models/pull',
      'DELETE /api/settings/models/pull',
      'POST /api/settings/models/pull',
    ]);
    expect(calls[1].body).toEqual({ extraction: 'qwen2.5:7b' });
    expect(calls[2].body).toEqual({ model: 'llama3.2:3b' });
  });
});

describe('reembedding', () => {
  it('reads the progress of the re-embedding in words and percent', () => {
    const r = { model: 'mxbai-embed-large', state: 'running' as const, done: 3, total: 12 };
    expect(reembeddingLabel(r)).toBe('Re-embedding notebook documents with mxbai-embed-large: 3 of 12.');
    expect(reembeddingPercent(r)).toBe(25);
    expect(reembeddingLabel({ ...r, total: 0, done: 0 })).toBe('Re-embedding notebook documents with mxbai-embed-large…');
    expect(reembeddingLabel({ ...r, state: 'done', done: 1, total: 1 })).toBe('Notebooks embed with mxbai-embed-large: 1 document re-embedded.');
    expect(reembeddingPercent({ ...r, state: 'done' })).toBe(100);
    expect(reembeddingLabel({ ...r, state: 'failed', error: 'The model could not embed the documents.' })).toBe('The model could not embed the documents.');
    expect(reembeddingLabel(undefined)).toBe('');
  });
});

describe('modelsScope', () => {
  it('says whom the models apply to and who chooses them', () => {
    expect(modelsScope(status({ shared: false }))).toContain('this app');
    expect(modelsScope(status({ shared: true, editable: true }))).toContain('You are an administrator');
    expect(modelsScope(status({ shared: true, editable: false }))).toContain('its administrators choose');
  });
});
