// The runs of the Capture screen: files being uploaded, runs being
// followed, drafts being reviewed. They live here rather than in the screen
// so that going to the tasks and back neither stops an upload nor loses the
// drafts on screen.

import { ApiError, type ExtractTextInput, type Extraction, type FileEndpoint, type TaskInput } from './api';
import { errorText } from './errors';
import { acceptAllIds, endpointFor, isFinished, pollExtraction, userTimeZone } from './extraction';
import { api } from './session.svelte';

/** uploading: bytes going up; following: the run is queued or running; finished: it ended; error: no run to show. */
export type JobPhase = 'uploading' | 'following' | 'finished' | 'error';

export interface Job {
  /** Stable key: a local id until the server names the run. */
  key: string;
  /** The file's name; '' for pasted text. */
  name: string;
  endpoint: FileEndpoint | null;
  size: number;
  phase: JobPhase;
  /** Its upload waits for the files before it. */
  waiting: boolean;
  /** Bytes sent of total while uploading. */
  sent: number;
  total: number;
  run: Extraction | null;
  /** Why there is no run, or why following it stopped (a failed run says so in run.error). */
  error: string;
  /** The item a review action is working on ('*' for Accept all). */
  busy: string | null;
  /** The last review action's failure. */
  actionError: string;
}

/** Whether a job ended without results: refused, failed or lost. */
export function jobFailed(job: Pick<Job, 'phase' | 'run'>): boolean {
  return job.phase === 'error' || job.run?.status === 'failed';
}

/** The jobs in the order they show: those with results first, failures below them (each group in its own order). */
export function jobsInOrder<T extends Pick<Job, 'phase' | 'run'>>(jobs: readonly T[]): T[] {
  return [...jobs.filter((j) => !jobFailed(j)), ...jobs.filter(jobFailed)];
}

export interface FileChoice {
  file: File;
  handwritten: boolean;
}

export const capture = $state({
  userId: '',
  jobs: [] as Job[],
  /** Bumped whenever a run ends or changes, so the history reloads. */
  changes: 0,
});

const controllers = new Map<string, AbortController>();
// Review actions of one run go one at a time: the server saves the whole
// run on each, so two at once could undo each other.
const queues = new Map<string, Promise<unknown>>();
let localSeq = 0;

function find(key: string): Job | undefined {
  return capture.jobs.find((j) => j.key === key);
}

function newJob(over: Partial<Job>): Job {
  return {
    key: `local-${++localSeq}`,
    name: '',
    endpoint: null,
    size: 0,
    waiting: false,
    phase: 'following',
    sent: 0,
    total: 0,
    run: null,
    error: '',
    busy: null,
    actionError: '',
    ...over,
  };
}

/** Adds a job at the top and returns the live (reactive) copy. */
function add(job: Job): Job {
  capture.jobs.unshift(job);
  return capture.jobs[0];
}

/** Starts afresh for another user; in-flight uploads and polls stop. */
export function useCaptureFor(userId: string): void {
  if (capture.userId === userId) return;
  resetCapture();
  capture.userId = userId;
}

export function resetCapture(): void {
  for (const c of controllers.values()) c.abort();
  controllers.clear();
  queues.clear();
  capture.jobs = [];
  capture.userId = '';
}

function setRun(job: Job, run: Extraction) {
  job.run = run;
  if (job.key !== run.extraction_id && !find(run.extraction_id)) {
    const c = controllers.get(job.key);
    if (c) {
      controllers.delete(job.key);
      controllers.set(run.extraction_id, c);
    }
    job.key = run.extraction_id;
  }
  if (isFinished(run.status)) {
    job.phase = 'finished';
    capture.changes++;
  } else {
    job.phase = 'following';
  }
}

/** Polls a run until it ends; the job shows every step. */
async function follow(key: string): Promise<void> {
  const job = find(key);
  if (!job?.run || isFinished(job.run.status)) return;
  const controller = controllers.get(key) ?? new AbortController();
  controllers.set(key, controller);
  try {
    const end = await pollExtraction((id) => api.getExtraction(id), job.run, {
      signal: controller.signal,
      onUpdate: (run) => {
        const j = find(run.extraction_id);
        if (j) setRun(j, run);
      },
    });
    const j = find(end.extraction_id);
    if (j) setRun(j, end);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'cancelled') return;
    const j = find(key) ?? (job.run ? find(job.run.extraction_id) : undefined);
    if (j) {
      j.phase = 'error';
      j.error = `Lost track of this extraction: ${errorText(e)}`;
    }
  } finally {
    if (controllers.get(key) === controller) controllers.delete(key);
  }
}

/** Finds tasks in pasted text; the run is added at the top. Errors go to the caller. */
export async function captureText(input: Omit<ExtractTextInput, 'timezone'>): Promise<Extraction> {
  const run = await api.extractText({ ...input, timezone: userTimeZone() });
  const job = add(newJob({ key: run.extraction_id }));
  setRun(job, run);
  void follow(job.key);
  return run;
}

// A server refusing a large body may close the connection before the
// browser reads its 413, which then looks like a network failure.
const LARGE_UPLOAD = 10 << 20;

function uploadErrorText(e: unknown, size: number): string {
  if (e instanceof ApiError && e.code === 'cancelled') return 'Upload cancelled.';
  if (e instanceof ApiError && e.code === 'network' && size > LARGE_UPLOAD) {
    return 'The upload was cut off. The file may be larger than this server accepts, or the connection dropped.';
  }
  return errorText(e);
}

/** Uploads files one after another; each becomes a run that is followed in the background. */
export async function captureFiles(choices: FileChoice[], review: boolean): Promise<void> {
  const jobs = choices.map((c) => {
    const endpoint = endpointFor(c.file, c.handwritten);
    const job = add(newJob({ name: c.file.name, endpoint, size: c.file.size, total: c.file.size, phase: 'uploading', waiting: true }));
    controllers.set(job.key, new AbortController());
    return { key: job.key, file: c.file, endpoint };
  });
  for (const { key, file, endpoint } of jobs) {
    const controller = controllers.get(key);
    if (!controller || controller.signal.aborted) {
      // Cancelled while waiting for its turn.
      const j = find(key);
      if (j && j.phase === 'uploading') {
        controllers.delete(key);
        j.waiting = false;
        j.phase = 'error';
        j.error = 'Upload cancelled.';
      }
      continue;
    }
    const started = find(key);
    if (started) started.waiting = false;
    try {
      const run = await api.extractFile(endpoint, file, file.name, {
        review,
        timezone: userTimeZone(),
        signal: controller.signal,
        onProgress: (sent, total) => {
          const j = find(key);
          if (j) {
            j.sent = sent;
            j.total = total;
          }
        },
      });
      const j = find(key);
      if (!j) continue;
      j.sent = j.total;
      setRun(j, run);
      void follow(j.key);
    } catch (e) {
      const j = find(key);
      if (!j) continue;
      controllers.delete(key);
      j.phase = 'error';
      j.error = uploadErrorText(e, file.size);
    }
  }
}

/** Stops an upload, or asks the server to stop a run. */
export async function cancelJob(key: string): Promise<void> {
  const job = find(key);
  if (!job) return;
  if (job.phase === 'uploading') {
    controllers.get(key)?.abort();
    return;
  }
  if (!job.run || isFinished(job.run.status)) return;
  job.actionError = '';
  try {
    const run = await api.cancelExtraction(job.run.extraction_id);
    controllers.get(job.key)?.abort();
    const j = find(run.extraction_id);
    if (j) setRun(j, run);
  } catch (e) {
    const j = find(key);
    if (!j) return;
    if (e instanceof ApiError && e.code === 'conflict' && j.run) {
      // It finished first; show how it ended.
      await refreshJob(j.key);
      return;
    }
    j.actionError = errorText(e);
  }
}

/** Takes a run off the screen (it stays in the history). */
export function dismissJob(key: string): void {
  controllers.get(key)?.abort();
  controllers.delete(key);
  capture.jobs = capture.jobs.filter((j) => j.key !== key);
}

async function refreshJob(key: string): Promise<void> {
  const job = find(key);
  if (!job?.run) return;
  try {
    const run = await api.getExtraction(job.run.extraction_id);
    const j = find(key);
    if (j) setRun(j, run);
  } catch {
    // The run on screen stays as it was; the action's error says enough.
  }
}

/** Shows a run from the history at the top, following it if it is still going. */
export function openRun(run: Extraction, name = ''): string {
  const existing = find(run.extraction_id);
  if (existing) {
    if (!existing.run || existing.run.updated_at < run.updated_at) setRun(existing, run);
    return existing.key;
  }
  const job = add(newJob({ key: run.extraction_id, name }));
  setRun(job, run);
  void follow(job.key);
  return job.key;
}

function enqueue(key: string, action: () => Promise<void>): Promise<void> {
  const prev = queues.get(key) ?? Promise.resolve();
  const next = prev.then(action, action);
  queues.set(key, next);
  const cleanup = () => {
    if (queues.get(key) === next) queues.delete(key);
  };
  next.then(cleanup, cleanup);
  return next;
}

async function reviewOne(key: string, itemId: string, accept: boolean, changes?: TaskInput): Promise<boolean> {
  const job = find(key);
  if (!job?.run) return false;
  const item = job.run.tasks?.find((t) => t.id === itemId);
  if (!item || (item.status !== 'draft' && item.status !== 'duplicate')) return false;
  job.busy = itemId;
  job.actionError = '';
  try {
    const run = accept
      ? await api.acceptExtracted(job.run.extraction_id, itemId, changes)
      : await api.rejectExtracted(job.run.extraction_id, itemId);
    const j = find(key);
    if (j) setRun(j, run);
    return true;
  } catch (e) {
    // A refused edit goes back to the editor, which marks the field.
    if (changes && e instanceof ApiError && e.code === 'invalid') throw e;
    const j = find(key);
    if (j) {
      j.actionError = `Could not ${accept ? 'accept' : 'reject'} “${item.title}”: ${errorText(e)}`;
      if (e instanceof ApiError && (e.code === 'conflict' || e.code === 'not_found')) await refreshJob(key);
    }
    return false;
  } finally {
    const j = find(key);
    if (j && j.busy === itemId) j.busy = null;
  }
}

/** Accepts a draft as it is, or with the fields the user changed. Edit errors go to the caller. */
export function acceptItem(key: string, itemId: string, changes?: TaskInput): Promise<void> {
  return enqueue(key, async () => {
    await reviewOne(key, itemId, true, changes);
  });
}

export function rejectItem(key: string, itemId: string): Promise<void> {
  return enqueue(key, async () => {
    await reviewOne(key, itemId, false);
  });
}

/** Accepts every draft of a run, one after another; stops at the first failure. */
export function acceptAll(key: string): Promise<void> {
  return enqueue(key, async () => {
    const job = find(key);
    if (!job?.run) return;
    for (const id of acceptAllIds(job.run)) {
      if (!(await reviewOne(key, id, true))) break;
    }
  });
}
