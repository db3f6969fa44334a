// The Models section of Settings: what the model server's status says,
// which installed models fit which job, the pull form, and following a pull
// until it ends.

import { ApiError, type InstalledModel, type LanguageModels, type ModelChoice, type ModelPull, type Reembedding } from './api';
import { formatBytes } from './speechModel';

/** The jobs a model is chosen for, in the order Settings shows them. */
export const JOBS: { key: keyof ModelChoice; label: string; hint: string }[] = [
  { key: 'extraction', label: 'Finding tasks', hint: 'Reads your notes, documents and recordings for tasks and meetings.' },
  { key: 'answers', label: 'Answers', hint: 'Answers questions about your notebooks and rates check-in notes.' },
  { key: 'embeddings', label: 'Embeddings', hint: 'Finds the passages that match a question.' },
];

/** Models worth pulling, offered as suggestions in the pull field. */
export const SUGGESTED_MODELS: { name: string; what: string }[] = [
  { name: 'llama3.2:3b', what: 'small and quick, for tasks and answers' },
  { name: 'llama3.1:8b', what: 'the default for tasks and answers' },
  { name: 'qwen2.5:7b', what: 'tasks and answers' },
  { name: 'nomic-embed-text', what: 'embeddings, the default' },
  { name: 'mxbai-embed-large', what: 'embeddings' },
  { name: 'llava', what: 'describes images beside OCR' },
];

/** Whether two names mean the same model ("x" is "x:latest"). */
export function sameModel(a: string, b: string): boolean {
  const bare = (s: string) => s.replace(/:latest$/, '');
  return bare(a) === bare(b);
}

/** Whether the model is installed. */
export function isInstalled(models: InstalledModel[], name: string): boolean {
  return models.some((m) => sameModel(m.name, name));
}

/** The jobs an installed model is in use for ("Finding tasks, Answers"). */
export function usedFor(status: LanguageModels, name: string): string[] {
  return JOBS.filter((j) => status.chosen[j.key] && sameModel(status.chosen[j.key], name)).map((j) => j.label);
}

/** "4.9 GB · llama · 8B": what a person reads about an installed model. */
export function modelFacts(m: InstalledModel): string {
  return [formatBytes(m.size), m.family, m.parameter_size].filter(Boolean).join(' · ');
}

/**
 * The options of a job's menu: every installed model, and the one in use
 * even when it is not installed (so the menu never hides the current
 * choice). Embedding models go to the embeddings menu only when names tell.
 */
export function choicesFor(status: LanguageModels, job: keyof ModelChoice): string[] {
  const names = status.models.map((m) => m.name);
  const looksEmbedding = (n: string) => /embed|minilm|bge|e5-/i.test(n);
  let out = job === 'embeddings' ? names.filter(looksEmbedding) : names.filter((n) => !looksEmbedding(n));
  if (out.length === 0) out = names;
  const current = status.chosen[job];
  if (current && !out.some((n) => sameModel(n, current))) out = [current, ...out];
  return out;
}

/**
 * The chosen models spelled as the menus list them: "nomic-embed-text" is
 * the installed "nomic-embed-text:latest".
 */
export function menuChoice(status: LanguageModels): ModelChoice {
  const out = { ...status.chosen };
  for (const j of JOBS) {
    const m = status.models.find((x) => out[j.key] && sameModel(x.name, out[j.key]));
    if (m) out[j.key] = m.name;
  }
  return out;
}

/** Whether the menus differ from the models in use. */
export function choiceChanged(status: LanguageModels, choice: ModelChoice): boolean {
  return JOBS.some((j) => !sameModel(choice[j.key] ?? '', status.chosen[j.key] ?? ''));
}

/**
 * What the embeddings menu adds when the chosen model is not the one
 * notebooks embed with yet, or ''. Where the server switches at once, a
 * save re-embeds the documents in the background; else the new model
 * applies at the next start.
 */
export function embeddingsNote(status: LanguageModels, choice: ModelChoice): string {
  if (!status.running || status.embeddings_in_use === undefined) return '';
  const inUse = status.embeddings_in_use;
  const want = choice.embeddings;
  if (!want || (inUse && sameModel(inUse, want))) return '';
  if (status.embeddings_apply === 'now') {
    return `When you save, notebooks embed with ${want} at once, and their documents get its vectors in the background; they stay searchable meanwhile.`;
  }
  const now = inUse ? `Notebooks embed with ${inUse}` : 'Notebooks use the built-in embedder';
  return `${now} until Sentry AI starts again; then their documents are embedded with ${want}.`;
}

/** The line under the re-embedding bar, or '' when there is none to show. */
export function reembeddingLabel(r: Reembedding | undefined): string {
  if (!r) return '';
  const docs = (n: number) => `${n} ${n === 1 ? 'document' : 'documents'}`;
  switch (r.state) {
    case 'running':
      return r.total > 0
        ? `Re-embedding notebook documents with ${r.model}: ${r.done} of ${r.total}.`
        : `Re-embedding notebook documents with ${r.model}…`;
    case 'done':
      return r.total > 0 ? `Notebooks embed with ${r.model}: ${docs(r.total)} re-embedded.` : `Notebooks embed with ${r.model}.`;
    case 'failed':
      return r.error || `Re-embedding with ${r.model} stopped.`;
  }
  return '';
}

/** The re-embedding's progress, 0–100. */
export function reembeddingPercent(r: Reembedding): number {
  if (r.state === 'done') return 100;
  return r.total > 0 ? Math.floor((100 * r.done) / r.total) : 0;
}

/** Who a change of the models applies to, and who may make it. */
export function modelsScope(status: LanguageModels): string {
  if (!status.shared) return 'These models are this app’s: they apply to everything you do in it.';
  if (status.editable) return 'You are an administrator of this server: the models you choose here apply to everyone who uses it.';
  return 'These models are this server’s and apply to everyone who uses it; its administrators choose and install them.';
}

/** The warning beside a job whose model is not installed, or ''. */
export function missingWarning(status: LanguageModels, job: keyof ModelChoice): string {
  const name = status.chosen[job];
  if (!status.running || !name || isInstalled(status.models, name)) return '';
  return `${name} is not installed: pull it below, or choose another model.`;
}

/** What is wrong with the name in the pull field, or ''. The API checks the same. */
export function pullNameProblem(name: string): string {
  const n = name.trim();
  if (!n) return 'Enter the name of a model, like llama3.2:3b.';
  if (n.length > 200 || !/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*(:[A-Za-z0-9][A-Za-z0-9._-]*)?$/.test(n)) {
    return 'A model name is letters, digits, dots and dashes, with an optional :tag, like llama3.2:3b.';
  }
  return '';
}

/** 0–100 for the progress bar. */
export function pullPercent(p: ModelPull): number {
  if (p.state === 'done') return 100;
  const f = Number.isFinite(p.progress) ? p.progress : 0;
  return Math.max(0, Math.min(100, Math.floor(f * 100)));
}

/** "1.2 GB of 4.7 GB", or '' before any size is known. */
export function pullAmount(p: ModelPull): string {
  if (p.total <= 0) return '';
  return `${formatBytes(p.completed)} of ${formatBytes(p.total)}`;
}

const statusWords: Record<string, string> = {
  starting: 'Starting',
  'pulling manifest': 'Asking for the model',
  'verifying sha256 digest': 'Checking the download',
  'writing manifest': 'Installing',
  success: 'Installed',
};

/** What the pull is doing, in words. */
export function pullLabel(p: ModelPull): string {
  switch (p.state) {
    case 'done':
      return `${p.model} is installed`;
    case 'failed':
      return `${p.model} was not installed`;
    case 'cancelled':
      return `The pull of ${p.model} was cancelled`;
  }
  if (statusWords[p.status]) return statusWords[p.status];
  return p.status.startsWith('pulling ') ? 'Downloading' : 'Pulling';
}

export interface FollowPullOptions {
  /** Wait between checks (default 1000 ms). */
  intervalMs?: number;
  /** Stops following; the promise rejects with code "cancelled". */
  signal?: AbortSignal;
  onUpdate?: (p: ModelPull) => void;
  /** Failed checks in a row (network, 5xx, 429) before giving up (default 5). */
  maxErrors?: number;
}

const transient = (e: unknown) =>
  e instanceof ApiError && (e.code === 'network' || e.code === 'rate_limited' || e.status >= 500);

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Asks for the pull every interval while it runs and returns it once it
 * has ended. Passing hiccups are retried with a longer wait; any other
 * error ends the following.
 */
export async function followPull(get: () => Promise<ModelPull>, start: ModelPull, o: FollowPullOptions = {}): Promise<ModelPull> {
  const interval = o.intervalMs ?? 1000;
  const maxErrors = o.maxErrors ?? 5;
  let pull = start;
  let errors = 0;
  let delay = interval;
  while (pull.state === 'pulling') {
    await wait(delay, o.signal);
    if (o.signal?.aborted) throw new ApiError('cancelled', 'Stopped following the pull.', 0);
    try {
      pull = await get();
      errors = 0;
      delay = interval;
      o.onUpdate?.(pull);
    } catch (e) {
      if (!transient(e) || ++errors >= maxErrors) throw e;
      const asked = e instanceof ApiError && e.retryAfter ? e.retryAfter * 1000 : 0;
      delay = Math.max(asked, Math.min(10_000, interval * 2 ** errors));
    }
  }
  return pull;
}
