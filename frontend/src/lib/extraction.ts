// Rules of the Capture screen as pure functions: which endpoint takes a
// file, following a run until it ends, and how found items read.

import {
  ApiError,
  type Evidence,
  type ExtractedStatus,
  type ExtractedTask,
  type Extraction,
  type ExtractionKind,
  type ExtractionStatus,
  type FileEndpoint,
  type Region,
  type TaskInput,
  type TaskPriority,
  type TaskType,
} from './api';
import { fromLocalInput, toLocalInput } from './dates';
import { MAX_TITLE } from './taskForm';

export const kindOptions: { value: ExtractionKind; label: string }[] = [
  { value: '', label: 'Auto' },
  { value: 'meeting_transcript', label: 'Meeting transcript' },
  { value: 'email', label: 'Email' },
  { value: 'note', label: 'Note' },
  { value: 'chat', label: 'Chat' },
  { value: 'document', label: 'Document' },
  { value: 'handwritten_ocr', label: 'Handwritten OCR' },
];

export function kindLabel(kind: string): string {
  return kindOptions.find((o) => o.value === kind)?.label ?? kind;
}

/** What a file holds, as far as its name and type tell. */
export type FileClass = 'document' | 'image' | 'audio' | 'unknown';

const extensionClass: Record<string, FileClass> = {
  pdf: 'document',
  docx: 'document',
  txt: 'document',
  md: 'document',
  markdown: 'document',
  html: 'document',
  htm: 'document',
  eml: 'document',
  csv: 'document',
  log: 'document',
  text: 'document',
  rst: 'document',
  mdown: 'document',
  mkd: 'document',
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  webp: 'image',
  tif: 'image',
  tiff: 'image',
  wav: 'audio',
  mp3: 'audio',
  m4a: 'audio',
  ogg: 'audio',
  flac: 'audio',
  mp4: 'audio',
  webm: 'audio',
  mov: 'audio',
};

/** The file picker's filter: every extension the API reads. */
export const acceptedExtensions = Object.keys(extensionClass)
  .map((e) => '.' + e)
  .join(',');

// Kinds people often try that are not read, with what to do instead.
const refusedAdvice: Record<string, string> = {
  doc: 'save it as .docx or PDF',
  xls: 'save it as PDF or CSV',
  xlsx: 'save it as PDF or CSV',
  ppt: 'save it as PDF',
  pptx: 'save it as PDF',
  odt: 'save it as .docx or PDF',
  rtf: 'save it as .docx, PDF or plain text',
  pages: 'export it as PDF',
  key: 'export it as PDF',
  numbers: 'export it as PDF',
  zip: 'unpack it and drop the folder',
  rar: 'unpack it and drop the folder',
  '7z': 'unpack it and drop the folder',
  gz: 'unpack it and drop the folder',
  tar: 'unpack it and drop the folder',
};

/** What the API reads, said once for every refusal. */
export const READS =
  'documents (PDF, DOCX, TXT, Markdown, HTML, EML), images (PNG, JPEG, WebP, TIFF) and recordings (WAV, MP3, M4A, OGG, FLAC, MP4, WebM, MOV)';

/**
 * Why a file is refused before it is sent, or null when it may go: a file
 * whose extension and media type the API reads by neither. A file the
 * browser gives no clue about (no extension, no type) goes, and the server
 * decides by its content.
 */
export function refusalFor(file: FileLike): string | null {
  if (fileClass(file) !== 'unknown') return null;
  const ext = fileExtension(file.name);
  const type = (file.type ?? '').toLowerCase();
  if (!ext && (!type || type === 'application/octet-stream')) return null;
  const advice = refusedAdvice[ext];
  const what = ext ? `.${ext} files` : type ? `${type} files` : 'this kind of file';
  return advice ? `Sentry AI does not read ${what}: ${advice}.` : `Sentry AI does not read ${what}. It reads ${READS}.`;
}

/** The lower-case extension of a file name, without the dot; '' when none. */
export function fileExtension(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

export interface FileLike {
  name: string;
  type?: string;
  size?: number;
}

/** The class of a file from its extension, else from its media type. */
export function fileClass(file: FileLike): FileClass {
  const byName = extensionClass[fileExtension(file.name)];
  if (byName) return byName;
  const type = (file.type ?? '').toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/') || type.startsWith('video/')) return 'audio';
  if (
    type === 'application/pdf' ||
    type === 'message/rfc822' ||
    type === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' ||
    type.startsWith('text/')
  ) {
    return 'document';
  }
  return 'unknown';
}

/**
 * The endpoint a file goes to. Images go to the handwriting reader when the
 * user says they are handwritten. Files of no known kind go to the document
 * endpoint: the server decides by content and answers 415 for what it
 * cannot read, with the list of what it can.
 */
export function endpointFor(file: FileLike, handwritten = false): FileEndpoint {
  switch (fileClass(file)) {
    case 'image':
      return handwritten ? 'handwritten' : 'image';
    case 'audio':
      return 'audio';
    default:
      return 'document';
  }
}

export const endpointLabels: Record<FileEndpoint, string> = {
  document: 'Document',
  image: 'Image',
  handwritten: 'Handwritten notes',
  audio: 'Recording',
};

/** "512 B", "12 KB", "3.4 MB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} B`;
  const kb = n / 1024;
  if (kb < 1024) return `${kb < 10 ? kb.toFixed(1) : Math.round(kb)} KB`;
  const mb = kb / 1024;
  if (mb < 1024) return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
  return `${(mb / 1024).toFixed(1)} GB`;
}

export function isFinished(status: ExtractionStatus): boolean {
  return status === 'done' || status === 'failed' || status === 'cancelled';
}

/** The run's progress as a whole percentage, 0–100. */
export function progressPercent(run: Pick<Extraction, 'status' | 'progress'>): number {
  if (run.status === 'done') return 100;
  const p = Number.isFinite(run.progress) ? run.progress : 0;
  return Math.round(Math.min(1, Math.max(0, p)) * 100);
}

/** What the run is doing, in a few words: "Reading the document", "Waiting to start". */
export function stageLabel(run: Pick<Extraction, 'status' | 'stage'>): string {
  switch (run.status) {
    case 'queued':
      return run.stage && run.stage !== 'queued' ? capitalize(run.stage) : 'Waiting to start';
    case 'done':
      return 'Finished';
    case 'failed':
      return 'Failed';
    case 'cancelled':
      return 'Cancelled';
    default:
      return run.stage ? capitalize(run.stage) : 'Working';
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const sourceLabels: Record<string, string> = {
  extracted_text: 'Pasted text',
  extracted_document: 'Document',
  extracted_image: 'Image',
  extracted_handwritten: 'Handwritten notes',
  extracted_audio: 'Recording',
};

export function sourceLabel(source: string): string {
  return sourceLabels[source] ?? 'Capture';
}

/**
 * The title of a run in the history: an upload's file name, a pasted
 * text's first words, else the label of its source.
 */
export function historyTitle(run: Pick<Extraction, 'source' | 'preview'>, filename?: string): string {
  return filename || run.preview?.trim() || sourceLabel(run.source);
}

export interface PollOptions {
  /** Wait between checks (default 700 ms). */
  intervalMs?: number;
  /** Stops the polling; the promise rejects with code "cancelled". */
  signal?: AbortSignal;
  /** Called with every answer, finished or not. */
  onUpdate?: (run: Extraction) => void;
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
 * Checks a run every interval until it is done, failed or cancelled, and
 * returns it as it ended. A run that has already ended is returned without
 * asking. Passing hiccups (network, 5xx, 429) are retried with a longer
 * wait; any other error ends the polling.
 */
export async function pollExtraction(
  get: (id: string) => Promise<Extraction>,
  start: Extraction,
  o: PollOptions = {},
): Promise<Extraction> {
  const interval = o.intervalMs ?? 700;
  const maxErrors = o.maxErrors ?? 5;
  let run = start;
  let errors = 0;
  let delay = interval;
  while (!isFinished(run.status)) {
    await wait(delay, o.signal);
    if (o.signal?.aborted) throw new ApiError('cancelled', 'Stopped following this extraction.', 0);
    try {
      run = await get(start.extraction_id);
      errors = 0;
      delay = interval;
      o.onUpdate?.(run);
    } catch (e) {
      if (!transient(e) || ++errors >= maxErrors) throw e;
      const asked = e instanceof ApiError && e.retryAfter ? e.retryAfter * 1000 : 0;
      delay = Math.max(asked, Math.min(10_000, interval * 2 ** errors));
    }
  }
  return run;
}

/** The browser's IANA time zone, e.g. "Europe/Lisbon"; undefined when unknown. */
export function userTimeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

interface ZonedParts {
  day: number; // days since the epoch of the calendar date in the zone
  year: number;
  midnight: boolean;
}

function zoned(d: Date, timeZone?: string): ZonedParts {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const year = get('year');
  return {
    year,
    day: Math.round(Date.UTC(year, get('month') - 1, get('day')) / 86_400_000),
    midnight: get('hour') === 0 && get('minute') === 0,
  };
}

/**
 * A found due date in the user's zone: "Today 17:00", "Tomorrow",
 * "Fri 28 Nov, 09:30". A due at midnight is a date without a time.
 */
export function formatDue(iso: string, timeZone?: string, now: Date = new Date(), locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const at = zoned(d, timeZone);
  const today = zoned(now, timeZone);
  const time = at.midnight
    ? ''
    : new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit' }).format(d);
  const diff = at.day - today.day;
  let day: string;
  if (diff === 0) day = 'Today';
  else if (diff === 1) day = 'Tomorrow';
  else if (diff === -1) day = 'Yesterday';
  else {
    day = new Intl.DateTimeFormat(locale, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      ...(at.year === today.year ? {} : { year: 'numeric' }),
    }).format(d);
    return time ? `${day}, ${time}` : day;
  }
  return time ? `${day} ${time}` : day;
}

/** Seconds as "0:05", "1:05" or "1:02:03". */
export function formatSeconds(s: number): string {
  const total = Math.max(0, Math.floor(Number.isFinite(s) ? s : 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Where in the input the evidence is: page, stretch of a recording, area of an image. */
export function evidencePlaces(ev: Evidence | null | undefined): string[] {
  if (!ev) return [];
  const out: string[] = [];
  if (ev.page && ev.page > 0) out.push(`Page ${ev.page}`);
  if (typeof ev.audio_start === 'number') {
    const end = typeof ev.audio_end === 'number' && ev.audio_end > ev.audio_start ? ev.audio_end : null;
    out.push(end === null ? `At ${formatSeconds(ev.audio_start)}` : `${formatSeconds(ev.audio_start)}–${formatSeconds(end)}`);
  }
  if (ev.region && ev.region.w > 0 && ev.region.h > 0) out.push(regionLabel(ev.region));
  return out;
}

/**
 * Where in an image a region is, in words ("top left of the image"): the
 * pixel numbers mean nothing to a reader. Regions are in the image's
 * pixels; without its size, the place is judged against the region's own
 * far corner, which is only a guess, so it is then just "a region of the image".
 */
export function regionLabel(r: Region, size?: { width: number; height: number } | null): string {
  if (!size || !(size.width > 0) || !(size.height > 0)) return 'A region of the image';
  const cx = (r.x + r.w / 2) / size.width;
  const cy = (r.y + r.h / 2) / size.height;
  const v = cy < 1 / 3 ? 'top' : cy > 2 / 3 ? 'bottom' : 'middle';
  const h = cx < 1 / 3 ? 'left' : cx > 2 / 3 ? 'right' : 'centre';
  const where = v === 'middle' && h === 'centre' ? 'middle' : v === 'middle' ? `${h} side` : h === 'centre' ? v : `${v} ${h}`;
  return `A region of the image (${where})`;
}

export const itemStatusLabels: Record<ExtractedStatus, string> = {
  created: 'Added',
  draft: 'Draft',
  duplicate: 'Possible duplicate',
  accepted: 'Accepted',
  rejected: 'Rejected',
};

/** Waiting for the user: a draft, or a likely duplicate that can still be added. */
export function isReviewable(item: Pick<ExtractedTask, 'status'>): boolean {
  return item.status === 'draft' || item.status === 'duplicate';
}

/** The saved task an item became, when it became one. */
export function savedTaskId(item: Pick<ExtractedTask, 'status' | 'task_id'>): string | null {
  return (item.status === 'created' || item.status === 'accepted') && item.task_id ? item.task_id : null;
}

/**
 * What a likely duplicate repeats: an open task (its id, to show it), or
 * another item of the same run (its title).
 */
export function duplicateTarget(
  item: Pick<ExtractedTask, 'duplicate_of'>,
  run: Pick<Extraction, 'tasks'>,
): { taskId: string } | { itemTitle: string } | null {
  const of = item.duplicate_of;
  if (!of) return null;
  if (of.startsWith('draft:')) {
    const other = (run.tasks ?? []).find((t) => t.id === of.slice('draft:'.length));
    return other ? { itemTitle: other.title } : null;
  }
  return { taskId: of };
}

export interface RunCounts {
  found: number;
  review: number;
  saved: number;
  rejected: number;
}

export function runCounts(run: Pick<Extraction, 'tasks'>): RunCounts {
  const items = run.tasks ?? [];
  return {
    found: items.length,
    review: items.filter(isReviewable).length,
    saved: items.filter((t) => t.status === 'created' || t.status === 'accepted').length,
    rejected: items.filter((t) => t.status === 'rejected').length,
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One line about a run: "3 found · 2 to review · 1 added", or its stage. */
export function runSummary(run: Extraction): string {
  if (run.status !== 'done') return stageLabel(run);
  const c = runCounts(run);
  if (c.found === 0) return 'No tasks found';
  const parts = [plural(c.found, 'item found', 'items found')];
  if (c.review) parts.push(`${c.review} to review`);
  if (c.saved) parts.push(`${c.saved} added`);
  if (c.rejected) parts.push(`${c.rejected} rejected`);
  return parts.join(' · ');
}

/** The drafts "Accept all" takes: likely duplicates wait for an explicit "Add anyway". */
export function acceptAllIds(run: Pick<Extraction, 'tasks'>): string[] {
  return (run.tasks ?? []).filter((t) => t.status === 'draft').map((t) => t.id);
}

/**
 * The item to select after one is reviewed: the next one still waiting,
 * else an earlier one still waiting, else the same one.
 */
export function selectionAfterReview(
  items: readonly { key: string; reviewable: boolean }[],
  current: string,
): string {
  const i = items.findIndex((x) => x.key === current);
  if (i === -1) return current;
  const after = items.slice(i + 1).find((x) => x.reviewable);
  if (after) return after.key;
  const before = items.slice(0, i).reverse().find((x) => x.reviewable);
  return before ? before.key : current;
}

/** The fields of "Edit then accept". */
export interface DraftForm {
  title: string;
  description: string;
  /** A datetime-local value, '' for none. */
  deadline: string;
  priority: TaskPriority | '';
  /** Who the task is for, '' for no one named. */
  assignee: string;
  type: TaskType;
}

/** How long a meeting made from a draft lasts (as the API assumes). */
const MEETING_MS = 60 * 60 * 1000;

export function draftForm(item: ExtractedTask): DraftForm {
  return {
    title: item.title,
    description: item.description ?? '',
    deadline: toLocalInput(item.due),
    priority: item.priority || '',
    assignee: item.assignee ?? '',
    type: item.type === 'meeting' ? 'meeting' : 'task',
  };
}

/** The longest assignee a draft keeps (the API cuts longer names). */
export const MAX_ASSIGNEE = 50;

/** The task types a draft can become. */
export const draftTypeOptions: { value: TaskType; label: string }[] = [
  { value: 'task', label: 'Task' },
  { value: 'meeting', label: 'Meeting' },
];

/** The problem with an edited draft, if any; the API checks the same. */
export function validateDraft(form: DraftForm): { field: string; message: string } | null {
  const title = form.title.trim();
  if (!title) return { field: 'title', message: 'A title is required.' };
  if ([...title].length > MAX_TITLE) {
    return { field: 'title', message: `Keep the title to ${MAX_TITLE} characters or fewer.` };
  }
  if (form.deadline && fromLocalInput(form.deadline) === null) {
    return { field: 'deadline', message: 'Enter a valid date and time.' };
  }
  if (form.type === 'meeting' && !form.deadline) {
    return { field: 'deadline', message: 'A meeting needs a date and time.' };
  }
  if ([...form.assignee.trim()].length > MAX_ASSIGNEE) {
    return { field: 'assignee', message: `Keep the assignee to ${MAX_ASSIGNEE} characters or fewer.` };
  }
  return null;
}

/** The task fields the user changed, to send with the accept; empty when none. */
export function draftChanges(item: ExtractedTask, form: DraftForm): TaskInput {
  const before = draftForm(item);
  const out: TaskInput = {};
  const title = form.title.trim();
  if (title !== before.title.trim()) out.title = title;
  if (form.description.trim() !== before.description.trim()) out.description = form.description.trim();
  if (form.deadline !== before.deadline) out.deadline = fromLocalInput(form.deadline);
  if (form.priority !== before.priority && form.priority !== '') out.priority = form.priority;
  // The assignee is kept as the task's "assignee:" tag.
  const assignee = form.assignee.trim();
  if (assignee !== before.assignee.trim()) out.tags = assignee ? [`assignee:${assignee}`] : [];
  // A meeting is held at its date, for an hour; a task has none.
  if (form.type !== before.type || (form.type === 'meeting' && form.deadline !== before.deadline)) {
    out.task_type = form.type;
    const start = form.type === 'meeting' ? fromLocalInput(form.deadline) : null;
    out.start_time = start;
    out.end_time = start ? new Date(Date.parse(start) + MEETING_MS).toISOString() : null;
  }
  return out;
}

/** A short name for a file run before the server has answered. */
export function uploadLabel(name: string, endpoint: FileEndpoint): string {
  return `${name} · ${endpointLabels[endpoint]}`;
}

/** Percent of bytes sent, 0–100. */
export function uploadPercent(sent: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.round(Math.min(1, Math.max(0, sent / total)) * 100);
}
