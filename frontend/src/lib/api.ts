// The one client of the Sentry AI REST API. Every request of the UI goes
// through here: it attaches the access token, trades the refresh token for a
// new pair once when a request comes back 401, and turns error bodies into
// ApiError. File uploads go through XMLHttpRequest, the one way to see their
// progress, under the same rules.

import { downloadLabel, DOWNLOADING, isFileFetch, type FileFetch } from './fileDownload';

export type { FileFetch } from './fileDownload';

export type TaskStatus = 'todo' | 'in_progress' | 'done' | 'cancelled';
export type TaskPriority = 'low' | 'medium' | 'high' | 'urgent';
export type TaskType = 'task' | 'meeting';

export interface User {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  /** False until the mailed code is entered (always false for the local profile). */
  email_verified?: boolean;
  /** The desktop's local profile: no password, signed in by the app itself. */
  is_local?: boolean;
  created_at?: string;
  [key: string]: unknown;
}

export interface Session {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  user: User;
}

/** The answer of the endpoints that only confirm something happened. */
export interface Message {
  message: string;
}

/** A signed-in device: one refresh token family. */
export interface DeviceSession {
  id: string;
  device_name: string;
  ip: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  /** The session this browser or app is using. */
  current: boolean;
}

/** One entry of the account's security log. */
export interface AuditEvent {
  id: string;
  event: string;
  ip?: string;
  user_agent?: string;
  created_at: string;
  details?: Record<string, unknown>;
}

export interface ProfileInput {
  first_name?: string;
  last_name?: string;
}

export interface Task {
  id: string;
  user_id: string;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  task_type: TaskType;
  source: string;
  deadline: string | null;
  start_time: string | null;
  end_time: string | null;
  location: string;
  attendees: string[] | null;
  estimated_hours: number | null;
  actual_hours: number | null;
  can_delegate: boolean;
  is_optional: boolean;
  is_recurring: boolean;
  recurrence_rule: string;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  [key: string]: unknown;
}

/** Fields a client may send when creating or changing a task. */
export type TaskInput = Partial<{
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  task_type: TaskType;
  source: string;
  source_id: string;
  deadline: string | null;
  start_time: string | null;
  end_time: string | null;
  location: string;
  meeting_url: string;
  attendees: string[] | null;
  estimated_hours: number | null;
  actual_hours: number | null;
  can_delegate: boolean;
  is_optional: boolean;
  is_recurring: boolean;
  recurrence_rule: string;
  tags: string[] | null;
  parent_id: string;
  /** A member of the task's team, or for a personal task its owner; '' for nobody. */
  assignee_id: string;
}>;

/** What quick add read in a typed line (nothing is saved). */
export interface QuickAdd {
  title: string;
  /** RFC 3339 in the zone it was read in, or null. */
  deadline: string | null;
  /** The deadline names a day, not a time (it is that day's midnight). */
  date_only: boolean;
  deadline_text: string | null;
  priority: TaskPriority | null;
  priority_text: string | null;
  tags: string[];
}

export interface TaskPage {
  tasks: Task[];
  next_cursor: string | null;
}

export interface TaskQuery {
  status?: string;
  due_before?: string;
  due_after?: string;
  source?: string;
  q?: string;
  limit?: number;
  cursor?: string;
  sort?: string;
}

export interface RegisterInput {
  email: string;
  password: string;
  first_name: string;
  last_name: string;
}

/** What the text is, to steer the extraction; '' lets the engine decide. */
export type ExtractionKind =
  | ''
  | 'meeting_transcript'
  | 'email'
  | 'note'
  | 'chat'
  | 'document'
  | 'handwritten_ocr';

export type ExtractionStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** What became of one found item: saved, waiting for review, or held back. */
export type ExtractedStatus = 'created' | 'draft' | 'duplicate' | 'accepted' | 'rejected';

/** The file endpoints of the extraction API. */
export type FileEndpoint = 'document' | 'image' | 'handwritten' | 'audio';

/** A box in an image, in pixels. */
export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where a found item came from. */
export interface Evidence {
  upload_id?: string;
  sentence: string;
  /** Byte span of the sentence in the extracted text. */
  start: number;
  end: number;
  /** PDF page, 1-based. */
  page?: number;
  /** Seconds into a recording. */
  audio_start?: number;
  audio_end?: number;
  region?: Region;
}

/** One task or meeting found in an input. */
export interface ExtractedTask {
  /** Identifies the item within its extraction. */
  id: string;
  title: string;
  description: string;
  assignee: string;
  due: string | null;
  /** The words the due date was read from ("by Friday"). */
  due_text?: string;
  type: TaskType;
  priority?: TaskPriority | '';
  confidence: number;
  status: ExtractedStatus;
  /** The saved task (created or accepted). */
  task_id?: string;
  /** The open task (or "draft:<item id>" of this run) this one repeats. */
  duplicate_of?: string;
  evidence: Evidence;
}

/** One extraction run over one input. */
export interface Extraction {
  extraction_id: string;
  upload_id: string;
  user_id: string;
  source: string;
  kind: string;
  status: ExtractionStatus;
  stage: string;
  /** 0 to 1. */
  progress: number;
  error?: string;
  engine: string;
  review: boolean;
  now: string;
  timezone: string;
  tasks: ExtractedTask[] | null;
  attempts: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  /** A pasted text's first words (history list only). */
  preview?: string;
}

/** A stored file of the user. */
export interface Upload {
  id: string;
  filename: string;
  content_type: string;
  kind: string;
  size_bytes: number;
  created_at: string;
  /**
   * On a device that syncs: set while the file's bytes are still on the team
   * server (on_server) or coming (downloading); absent once they are here.
   */
  download?: FileFetch;
  [key: string]: unknown;
}

/** Where a download of a speech model stands. */
export type SpeechModelDownloadState = 'downloading' | 'verifying' | 'unpacking' | 'done' | 'failed';

/** A download of a speech model archive, running or ended. */
export interface SpeechModelDownload {
  /** The known model's name, when one of the list is downloading. */
  model?: string;
  url: string;
  state: SpeechModelDownloadState;
  bytes: number;
  /** 0 while the size is not known. */
  total: number;
  /** 0 to 1. */
  progress: number;
  error?: string;
  started_at: string;
  /** The SHA-256 of what arrived, once it has. */
  sha256?: string;
}

/** A published Vosk model that Settings offers by name. */
export interface KnownSpeechModel {
  id: string;
  language: string;
  /** The language's code ("en", "de", …). */
  lang: string;
  /** The archive's size as the model list gives it, in bytes. */
  size: number;
  /** Pinned checksum, when there is one. */
  sha256?: string;
  about: string;
}

/** The speech model that reads recordings. */
export interface SpeechModel {
  /** The folder in use; '' when none is set. */
  path: string;
  ready: boolean;
  /** Why it cannot be used, ready to show. */
  problem?: string;
  /** The folder the server was configured with. */
  default_path?: string;
  download?: SpeechModelDownload;
  /** The known models to download by name. */
  catalog?: KnownSpeechModel[];
  /** This person may download a model of the list (the desktop's person, a team server's administrator). */
  editable?: boolean;
  /** This person may also pick a folder (the desktop's person only). */
  folder?: boolean;
  /** True on a team server: the model is used for everyone's recordings. */
  shared?: boolean;
}

/** A model the local model server has installed. */
export interface InstalledModel {
  name: string;
  /** Bytes on disk. */
  size: number;
  modified_at?: string;
  family?: string;
  parameter_size?: string;
  quantization?: string;
}

/** The models in use for each job ('' in a request: back to the default). */
export interface ModelChoice {
  extraction: string;
  answers: string;
  embeddings: string;
}

export type ModelPullState = 'pulling' | 'done' | 'failed' | 'cancelled';

/** A model download through the model server, running or ended. */
export interface ModelPull {
  model: string;
  state: ModelPullState;
  /** The server's latest word ("pulling manifest", "verifying sha256 digest", …). */
  status: string;
  completed: number;
  /** 0 while no layer size is known. */
  total: number;
  /** 0 to 1. */
  progress: number;
  error?: string;
  started_at: string;
}

/** Settings → Models: the local model server and the models chosen for each job. */
export interface LanguageModels {
  running: boolean;
  version?: string;
  /** Why it cannot be used, ready to show. */
  problem?: string;
  models: InstalledModel[];
  chosen: ModelChoice;
  defaults: ModelChoice;
  pull?: ModelPull;
  /** Whether this person may change them: the desktop's person, or a team server's administrator. */
  editable: boolean;
  /** True on a team server: the models are shared by everyone who uses it. */
  shared?: boolean;
  /** The model notebooks embed with now ('' for the built-in embedder). */
  embeddings_in_use?: string;
  /** When a new embedding model takes effect: at once (documents re-embedded in the background) or at the next start. */
  embeddings_apply?: 'now' | 'next_start';
  /** The documents' re-embedding after the embedding model changed. */
  reembedding?: Reembedding;
}

/** How far notebook documents are in getting a newly chosen embedding model's vectors. */
export interface Reembedding {
  model: string;
  state: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  error?: string;
}

export interface ExtractTextInput {
  text: string;
  kind?: ExtractionKind;
  /** Keep what is found as drafts to accept or reject. */
  review: boolean;
  /** IANA zone that relative dates ("Friday") are read in. */
  timezone?: string;
}

export interface UploadOptions {
  review: boolean;
  timezone?: string;
  /** Bytes sent so far of total. */
  onProgress?: (loaded: number, total: number) => void;
  /** Aborting stops the upload; the promise rejects with code "cancelled". */
  signal?: AbortSignal;
}

/** A set of the user's documents to ask questions about. */
export interface Notebook {
  id: string;
  name: string;
  description: string;
  created_at?: string;
  [key: string]: unknown;
}

export type NotebookDocumentStatus = 'queued' | 'indexing' | 'ready' | 'failed';

export interface NotebookDocument {
  id: string;
  filename: string;
  status: NotebookDocumentStatus;
  stage?: string;
  /** 0 to 1. */
  progress: number;
  error?: string;
  chunk_count?: number;
  page_count?: number;
  [key: string]: unknown;
}

export interface NotebookProgress {
  documents: number;
  ready: number;
  failed: number;
  pending: number;
  progress: number;
}

export interface NotebookDocuments {
  documents: NotebookDocument[];
  progress?: NotebookProgress;
}

/** A passage an answer cites as [n]. */
export interface Citation {
  n: number;
  document_id: string;
  filename: string;
  chunk_id: string;
  text: string;
  page?: number;
  start: number;
  end: number;
  score: number;
  /** The sentences the answer quotes from this passage: byte offsets into the document's text, like start and end. */
  quotes?: { start: number; end: number }[];
}

export interface NotebookAnswer {
  answer: string;
  citations: Citation[] | null;
  engine: string;
  found: boolean;
  /** Set while documents are still being indexed. */
  indexing?: boolean;
  message_id?: string;
}

export interface NotebookMessage {
  id?: string;
  role: 'user' | 'assistant';
  content: string;
  citations?: Citation[] | null;
  [key: string]: unknown;
}

export interface NotebookUpload {
  document_id: string;
  status: NotebookDocumentStatus;
  document: NotebookDocument;
}

/** An upload to a notebook: progress and cancelling only. */
export type NotebookUploadOptions = Pick<UploadOptions, 'onProgress' | 'signal'>;

/** The part of XMLHttpRequest that uploads use (a fake in tests). */
export interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: FormData): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  getResponseHeader(name: string): string | null;
  readonly upload: { onprogress: ((e: ProgressEvent) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

/** What an extraction read: the text its engine saw and the file it came from. */
export interface ExtractionSource {
  extraction_id: string;
  /** '' when the text was not kept (runs from before it was). */
  text: string;
  text_kept: boolean;
  kind: 'text' | 'document' | 'image' | 'handwritten' | 'audio' | string;
  filename: string;
  content_type: string;
  upload_id: string;
  /** The original file can still be fetched. */
  file_available: boolean;
}

/** A file the API served. */
export interface ApiFile {
  blob: Blob;
  /** The Content-Type the server sent. */
  type: string;
  /** From Content-Disposition; '' when none. */
  filename: string;
}

/** The filename of a Content-Disposition header; '' when it names none. */
export function dispositionFilename(header: string | null | undefined): string {
  if (!header) return '';
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // Fall through to the plain form.
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(header);
  if (quoted) return quoted[1].replace(/\\(.)/g, '$1');
  const bare = /filename\s*=\s*([^;\s]+)/.exec(header);
  return bare ? bare[1] : '';
}

/** An error the API returned, or a failure to reach it (code "network"). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly field?: string;
  /** Seconds to wait before trying again (from Retry-After), when the API said. */
  readonly retryAfter?: number;

  constructor(code: string, message: string, status: number, field?: string, retryAfter?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

/**
 * Seconds to wait from a Retry-After header: either a number of seconds or
 * an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  // An HTTP date names its weekday and month; anything else is not one.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

const codeForStatus: Record<number, string> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  422: 'invalid',
  429: 'rate_limited',
};

/**
 * Reads an error response. The API answers {"error":{code,message,field?}};
 * anything else (a proxy's HTML page, an empty body) still gives a usable
 * message.
 */
export async function parseError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const err = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)?.error;
  const fallbackCode = codeForStatus[res.status] ?? 'internal';
  const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
  if (err && typeof err === 'object') {
    const code = typeof err.code === 'string' && err.code ? err.code : fallbackCode;
    const message =
      typeof err.message === 'string' && err.message ? err.message : defaultMessage(code, res.status);
    const field = typeof err.field === 'string' && err.field ? err.field : undefined;
    return new ApiError(code, message, res.status, field, retryAfter);
  }
  return new ApiError(fallbackCode, defaultMessage(fallbackCode, res.status), res.status, undefined, retryAfter);
}

function defaultMessage(code: string, status: number): string {
  switch (code) {
    case 'unauthorized':
      return 'Sign in to continue.';
    case 'forbidden':
      return 'You do not have access to this.';
    case 'not_found':
      return 'Not found.';
    case 'rate_limited':
      return 'Too many requests. Wait a moment and try again.';
    case 'internal':
      return status >= 500 ? 'Internal error.' : `Request failed (${status}).`;
    default:
      return `Request failed (${status}).`;
  }
}

/** Where the client keeps the tokens between requests. */
export interface TokenStore {
  access(): string | null;
  refresh(): string | null;
  save(session: Session): void;
  clear(): void;
}

/** Keeps tokens in memory only. */
export function memoryTokens(): TokenStore {
  let access: string | null = null;
  let refresh: string | null = null;
  return {
    access: () => access,
    refresh: () => refresh,
    save(s) {
      access = s.access_token;
      refresh = s.refresh_token;
    },
    clear() {
      access = null;
      refresh = null;
    },
  };
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiOptions {
  tokens: TokenStore;
  /** Defaults to the browser's fetch. */
  fetch?: FetchFn;
  /** Prefix for every path; '' means same origin. */
  base?: string;
  /** Called with the new session after a refresh, or null when it failed. */
  onSession?: (session: Session | null) => void;
  /** Makes the request object for uploads with progress; defaults to XMLHttpRequest. */
  xhr?: () => XhrLike;
}

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  /** Send the access token and refresh it on 401 (default true). */
  auth?: boolean;
  /** The Accept header (default application/json). */
  accept?: string;
  signal?: AbortSignal;
}

export type Api = ReturnType<typeof createApi>;

export function createApi(opts: ApiOptions) {
  const doFetch: FetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const base = opts.base ?? '';
  const tokens = opts.tokens;
  const newXhr = opts.xhr ?? (() => new XMLHttpRequest() as unknown as XhrLike);
  // One refresh at a time: refresh tokens rotate, so two parallel refreshes
  // with the same token would look like reuse to the server.
  let refreshing: Promise<boolean> | null = null;

  function url(path: string, query?: RequestOptions['query']): string {
    let u = base + path;
    if (query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) {
        if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
      }
      const s = params.toString();
      if (s) u += '?' + s;
    }
    return u;
  }

  async function send(method: string, path: string, o: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { Accept: o.accept ?? 'application/json' };
    let body: string | undefined;
    if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    if (o.auth !== false) {
      const access = tokens.access();
      if (access) headers['Authorization'] = `Bearer ${access}`;
    }
    try {
      return await doFetch(url(path, o.query), { method, headers, body, ...(o.signal ? { signal: o.signal } : {}) });
    } catch {
      if (o.signal?.aborted) throw new ApiError('cancelled', 'Stopped.', 0);
      throw new ApiError('network', 'Cannot reach Sentry AI. Check your connection and try again.', 0);
    }
  }

  function refreshOnce(): Promise<boolean> {
    if (!refreshing) {
      refreshing = (async () => {
        const refresh = tokens.refresh();
        if (!refresh) return false;
        const res = await send('POST', '/api/auth/refresh-token', {
          body: { refresh_token: refresh },
          auth: false,
        });
        if (!res.ok) {
          tokens.clear();
          opts.onSession?.(null);
          return false;
        }
        const session = (await res.json()) as Session;
        tokens.save(session);
        opts.onSession?.(session);
        return true;
      })().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  /** Sends a request, refreshing the token once on 401; the answer when it is a success. */
  async function raw(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    const sentWith = tokens.access();
    let res = await send(method, path, o);
    if (res.status === 401 && o.auth !== false && tokens.refresh()) {
      // Another request may have refreshed while this one was in flight;
      // then its new token is used as it is.
      const current = tokens.access();
      const renewed = current !== null && current !== sentWith;
      if (renewed || (await refreshOnce())) res = await send(method, path, o);
    }
    if (!res.ok) throw await parseError(res);
    return res;
  }

  /** A file the API serves, read whole, with its type and name. */
  async function file(path: string, signal?: AbortSignal): Promise<ApiFile> {
    const res = await raw('GET', path, { accept: '*/*', signal });
    if (res.status === 202) {
      // A synced file still coming from the team server: its download has
      // started; it opens once it is here.
      const p: unknown = await res.json().catch(() => null);
      const shown = isFileFetch(p) ? downloadLabel(p) : 'Downloading…';
      throw new ApiError(DOWNLOADING, `${shown} This file is coming from the team server; it opens once it is here.`, 202);
    }
    let blob: Blob;
    try {
      blob = await res.blob();
    } catch {
      if (signal?.aborted) throw new ApiError('cancelled', 'Stopped.', 0);
      throw new ApiError('network', 'The file stopped arriving. Check your connection and try again.', 0);
    }
    const type = res.headers.get('Content-Type') ?? blob.type ?? '';
    return { blob, type, filename: dispositionFilename(res.headers.get('Content-Disposition')) };
  }

  async function request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const res = await raw(method, path, o);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** One multipart upload with progress; resolves with the raw answer. */
  function sendUpload(path: string, query: RequestOptions['query'], file: Blob, name: string, o: NotebookUploadOptions): Promise<Response> {
    return new Promise((resolve, reject) => {
      if (o.signal?.aborted) {
        reject(new ApiError('cancelled', 'Upload cancelled.', 0));
        return;
      }
      const xhr = newXhr();
      const onAbort = () => xhr.abort();
      const done = () => o.signal?.removeEventListener('abort', onAbort);
      xhr.open('POST', url(path, query));
      xhr.setRequestHeader('Accept', 'application/json');
      const access = tokens.access();
      if (access) xhr.setRequestHeader('Authorization', `Bearer ${access}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) o.onProgress?.(e.loaded, e.total);
      };
      xhr.onload = () => {
        done();
        const headers = new Headers();
        const retry = xhr.getResponseHeader('Retry-After');
        if (retry) headers.set('Retry-After', retry);
        // A Response cannot carry status 0; the browser only gives 0 for network errors.
        const status = xhr.status >= 200 && xhr.status <= 599 ? xhr.status : 502;
        const body = status === 204 ? null : xhr.responseText;
        resolve(new Response(body, { status, headers }));
      };
      xhr.onerror = () => {
        done();
        reject(new ApiError('network', 'Cannot reach Sentry AI. Check your connection and try again.', 0));
      };
      xhr.onabort = () => {
        done();
        reject(new ApiError('cancelled', 'Upload cancelled.', 0));
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const form = new FormData();
      form.append('file', file, name);
      xhr.send(form);
    });
  }

  /** Uploads a file to an extraction endpoint; the run comes back queued (202). */
  async function upload<T>(path: string, query: RequestOptions['query'], file: Blob, name: string, o: NotebookUploadOptions): Promise<T> {
    const sentWith = tokens.access();
    let res = await sendUpload(path, query, file, name, o);
    if (res.status === 401 && tokens.refresh()) {
      const current = tokens.access();
      const renewed = current !== null && current !== sentWith;
      if (renewed || (await refreshOnce())) res = await sendUpload(path, query, file, name, o);
    }
    if (!res.ok) throw await parseError(res);
    return JSON.parse(await res.text()) as T;
  }

  const enc = encodeURIComponent;

  function startSession(session: Session): Session {
    tokens.save(session);
    return session;
  }

  return {
    /** Any route, for feature modules that keep their own typed calls (workload, integrations). */
    request,

    register: (input: RegisterInput) => request<User>('POST', '/api/users', { body: input, auth: false }),

    async login(email: string, password: string): Promise<Session> {
      return startSession(
        await request<Session>('POST', '/api/auth/login', { body: { email, password }, auth: false }),
      );
    },

    async refresh(refreshToken: string): Promise<Session> {
      return startSession(
        await request<Session>('POST', '/api/auth/refresh-token', {
          body: { refresh_token: refreshToken },
          auth: false,
        }),
      );
    },

    /** Desktop only: the local profile's session; ApiError not_found elsewhere. */
    async localSession(): Promise<Session> {
      return startSession(await request<Session>('POST', '/api/auth/local-session', { auth: false }));
    },

    /** Revokes the refresh token on the server; errors are ignored. */
    async logout(): Promise<void> {
      const refresh = tokens.refresh();
      tokens.clear();
      if (!refresh) return;
      try {
        await request<void>('POST', '/api/auth/logout', { body: { refresh_token: refresh }, auth: false });
      } catch {
        // Signing out locally is what matters; the token expires anyway.
      }
    },

    me: () => request<User>('GET', '/api/auth/me'),

    verifyEmail: (email: string, code: string) =>
      request<Message>('POST', '/api/auth/verify-email', { body: { email, code }, auth: false }),

    /** Mails a new confirmation code; the answer is the same for unknown emails. */
    resendVerification: (email: string) =>
      request<Message>('POST', '/api/auth/verify-email/resend', { body: { email }, auth: false }),

    /** Mails a reset code; the answer is the same for unknown emails. */
    forgotPassword: (email: string) =>
      request<Message>('POST', '/api/auth/forgot-password', { body: { email }, auth: false }),

    resetPassword: (email: string, code: string, newPassword: string) =>
      request<Message>('POST', '/api/auth/reset-password', {
        body: { email, code, new_password: newPassword },
        auth: false,
      }),

    /** The sign-in providers this server has set up; none when it has no such endpoint. */
    async providers(): Promise<string[]> {
      try {
        const res = await request<{ providers?: unknown }>('GET', '/api/auth/providers', { auth: false });
        const list = Array.isArray(res?.providers) ? res.providers : [];
        return list.filter((p): p is string => typeof p === 'string' && /^[a-z0-9_-]+$/i.test(p));
      } catch (e) {
        if (e instanceof ApiError && e.code === 'not_found') return [];
        throw e;
      }
    },

    /**
     * Whether this server delivers mail. False only when it says so (no mail
     * server set up: codes stay on the server); any failure assumes it does.
     */
    async mailDelivered(): Promise<boolean> {
      try {
        const res = await request<{ mail?: unknown }>('GET', '/api/auth/providers', { auth: false });
        return res?.mail !== false;
      } catch {
        return true;
      }
    },

    /**
     * Where to send the whole page to sign in with a provider. The desktop
     * app's loopback return_to comes with its PKCE code_challenge.
     */
    providerUrl: (provider: string, returnTo = '/', codeChallenge?: string) =>
      url(`/api/auth/${enc(provider)}`, { return_to: returnTo, code_challenge: codeChallenge }),

    /**
     * Hands this session to the desktop app on this computer: the answer is
     * its loopback address with a single-use code, to send the browser to.
     */
    desktopCode: (returnTo: string, codeChallenge: string) =>
      request<{ redirect: string }>('POST', '/api/auth/desktop/code', {
        body: { return_to: returnTo, code_challenge: codeChallenge },
      }),

    /** Trades the one-time code a provider sign-in left in the address for a session. */
    async exchangeOAuthCode(code: string): Promise<Session> {
      return startSession(
        await request<Session>('POST', '/api/auth/oauth/exchange', { body: { code }, auth: false }),
      );
    },

    updateUser: (userId: string, changes: ProfileInput) =>
      request<User>('PUT', `/api/users/${enc(userId)}`, { body: changes }),

    /** Every other session ends; the new session returned replaces this one's tokens. */
    async changePassword(userId: string, currentPassword: string, newPassword: string): Promise<Session> {
      return startSession(
        await request<Session>('POST', `/api/users/${enc(userId)}/password`, {
          body: { current_password: currentPassword, new_password: newPassword },
        }),
      );
    },

    async sessions(): Promise<DeviceSession[]> {
      const res = await request<{ sessions: DeviceSession[] | null }>('GET', '/api/auth/sessions');
      return res?.sessions ?? [];
    },

    revokeSession: (sessionId: string) => request<void>('DELETE', `/api/auth/sessions/${enc(sessionId)}`),

    async auditLog(userId: string, limit = 20): Promise<AuditEvent[]> {
      const res = await request<{ events: AuditEvent[] | null }>('GET', `/api/users/${enc(userId)}/audit`, {
        query: { limit },
      });
      return res?.events ?? [];
    },

    /** Deletes the account and everything in it, then forgets the tokens. */
    async deleteUser(userId: string): Promise<void> {
      await request<void>('DELETE', `/api/users/${enc(userId)}`);
      tokens.clear();
    },

    listTasks: (userId: string, query: TaskQuery = {}) =>
      request<TaskPage>('GET', `/api/tasks/${enc(userId)}`, { query: { ...query } }),

    /** Reads a typed line ("Call mom tomorrow at 6pm !high") as task fields; saves nothing. */
    parseTask: (userId: string, text: string, now: Date = new Date(), timezone?: string) =>
      request<QuickAdd>('POST', `/api/tasks/${enc(userId)}/parse`, {
        body: { text, now: now.toISOString(), ...(timezone ? { timezone } : {}) },
      }),

    getTask: (userId: string, taskId: string) =>
      request<Task>('GET', `/api/tasks/${enc(userId)}/${enc(taskId)}`),

    createTask: (userId: string, input: TaskInput) =>
      request<Task>('POST', `/api/tasks/${enc(userId)}`, { body: input }),

    updateTask: (userId: string, taskId: string, changes: TaskInput) =>
      request<Task>('PUT', `/api/tasks/${enc(userId)}/${enc(taskId)}`, { body: changes }),

    deleteTask: (userId: string, taskId: string) =>
      request<void>('DELETE', `/api/tasks/${enc(userId)}/${enc(taskId)}`),
    /** Finds tasks in text: short text comes back done (201), long text queued (202). */
    extractText: (input: ExtractTextInput) =>
      request<Extraction>('POST', '/api/extract/text', {
        body: {
          text: input.text,
          review: input.review,
          ...(input.kind ? { kind: input.kind } : {}),
          ...(input.timezone ? { timezone: input.timezone } : {}),
        },
      }),

    /** Uploads one file to find tasks in; the run comes back queued, to poll. */
    extractFile: (endpoint: FileEndpoint, file: Blob, name: string, o: UploadOptions) =>
      upload<Extraction>(`/api/extract/${enc(endpoint)}`, { review: String(o.review), timezone: o.timezone }, file, name, o),

    getExtraction: (extractionId: string) => request<Extraction>('GET', `/api/extraction/${enc(extractionId)}`),

    /** Stops a queued or running extraction; conflict once it has finished. */
    cancelExtraction: (extractionId: string) =>
      request<Extraction>('DELETE', `/api/extraction/${enc(extractionId)}`),

    async extractionHistory(userId: string, limit = 20): Promise<Extraction[]> {
      const res = await request<{ extractions: Extraction[] | null }>(
        'GET',
        `/api/extraction/history/${enc(userId)}`,
        { query: { limit } },
      );
      return res?.extractions ?? [];
    },

    /** The user's stored files, newest first (to name the files of past runs). */
    async uploadHistory(userId: string, limit = 100): Promise<Upload[]> {
      const res = await request<{ uploads: Upload[] | null }>('GET', `/api/uploads/history/${enc(userId)}`, {
        query: { limit },
      });
      return res?.uploads ?? [];
    },

    /** Saves a draft (or a likely duplicate) as a task, with any fields changed first. */
    acceptExtracted: (extractionId: string, itemId: string, changes?: TaskInput) =>
      request<Extraction>('POST', `/api/extraction/${enc(extractionId)}/items/${enc(itemId)}/accept`, {
        body: changes && Object.keys(changes).length > 0 ? changes : undefined,
      }),

    rejectExtracted: (extractionId: string, itemId: string) =>
      request<Extraction>('POST', `/api/extraction/${enc(extractionId)}/items/${enc(itemId)}/reject`),

    async listNotebooks(): Promise<Notebook[]> {
      const res = await request<{ notebooks: Notebook[] | null }>('GET', '/api/notebooks');
      return res?.notebooks ?? [];
    },

    createNotebook: (name: string, description?: string) =>
      request<Notebook>('POST', '/api/notebooks/create', {
        body: description ? { name, description } : { name },
      }),

    deleteNotebook: (notebookId: string) => request<void>('DELETE', `/api/notebooks/${enc(notebookId)}`),

    async notebookDocuments(notebookId: string): Promise<NotebookDocuments> {
      const res = await request<NotebookDocuments | undefined>('GET', `/api/notebooks/${enc(notebookId)}/documents`);
      return { documents: res?.documents ?? [], progress: res?.progress };
    },

    /** Uploads one file to index; it comes back queued (202). */
    uploadToNotebook: (notebookId: string, file: Blob, name: string, o: NotebookUploadOptions = {}) =>
      upload<NotebookUpload>(`/api/notebooks/${enc(notebookId)}/upload`, undefined, file, name, o),

    deleteNotebookDocument: (notebookId: string, documentId: string) =>
      request<void>('DELETE', `/api/notebooks/${enc(notebookId)}/documents/${enc(documentId)}`),

    notebookChat: (notebookId: string, query: string) =>
      request<NotebookAnswer>('POST', `/api/notebooks/${enc(notebookId)}/chat`, { body: { query } }),

    /**
     * Asks with Accept: text/event-stream; the response is the stream (or a
     * JSON answer from a server that does not stream), for readChatResponse.
     */
    notebookChatStream: (notebookId: string, query: string, signal?: AbortSignal) =>
      raw('POST', `/api/notebooks/${enc(notebookId)}/chat`, {
        body: { query },
        accept: 'text/event-stream, application/json;q=0.5',
        signal,
      }),

    /** A page of a notebook's PDF as a PNG; not_found when the server has none. */
    notebookPageImage: (notebookId: string, documentId: string, page: number, signal?: AbortSignal, dpi?: number) =>
      file(
        `/api/notebooks/${enc(notebookId)}/documents/${enc(documentId)}/pages/${enc(String(page))}${dpi ? `?dpi=${enc(String(dpi))}` : ''}`,
        signal,
      ),

    /** The original file of a notebook document. */
    notebookDocumentFile: (notebookId: string, documentId: string, signal?: AbortSignal) =>
      file(`/api/notebooks/${enc(notebookId)}/documents/${enc(documentId)}/file`, signal),

    /** The text an extraction read (evidence spans are byte offsets into it) and its file. */
    extractionSource: (extractionId: string) =>
      request<ExtractionSource>('GET', `/api/extraction/${enc(extractionId)}/source`),

    /**
     * The original bytes of one of the user's uploads. A synced file still on
     * the team server rejects with code "downloading" (its download started).
     */
    uploadContent: (uploadId: string, signal?: AbortSignal) => file(`/api/uploads/${enc(uploadId)}/content`, signal),

    /**
     * Brings a synced file from the team server (the Download action): how far
     * its download has got, state "here" once it is; unavailable when the
     * server can't be reached.
     */
    uploadDownload: (uploadId: string) => request<FileFetch>('POST', `/api/uploads/${enc(uploadId)}/download`),

    async notebookMessages(notebookId: string): Promise<NotebookMessage[]> {
      const res = await request<{ messages: NotebookMessage[] | null }>('GET', `/api/notebooks/${enc(notebookId)}/messages`);
      return res?.messages ?? [];
    },

    /** Settings → Models: whether the model server runs, its models, the chosen ones and any pull. */
    languageModels: () => request<LanguageModels>('GET', '/api/settings/models'),

    /** Desktop only: chooses models; a field left out keeps its choice, '' goes back to the default. */
    chooseModels: (choice: Partial<ModelChoice>) =>
      request<LanguageModels>('PUT', '/api/settings/models', { body: choice }),

    /** Desktop only: starts pulling a model (202), to follow with modelPull(). */
    pullModel: (model: string) => request<ModelPull>('POST', '/api/settings/models/pull', { body: { model } }),

    /** The latest pull; not_found when none was started. */
    modelPull: () => request<ModelPull>('GET', '/api/settings/models/pull'),

    /** Desktop only: cancels the running pull. */
    cancelModelPull: () => request<void>('DELETE', '/api/settings/models/pull'),

    speechModel: () => request<SpeechModel>('GET', '/api/settings/speech-model'),

    /** Desktop only: uses a model folder on this computer; forbidden on a team server. */
    useSpeechModelFolder: (path: string) =>
      request<SpeechModel>('PUT', '/api/settings/speech-model', { body: { path } }),

    /** Desktop only: starts downloading one of the known models by name (202), to follow with speechModel(). */
    downloadSpeechModel: (model: string) =>
      request<SpeechModel>('POST', '/api/settings/speech-model/download', { body: { model } }),
  };
}
