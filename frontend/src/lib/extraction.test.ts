import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ExtractedTask, type Extraction } from './api';
import { fromLocalInput } from './dates';
import {
  acceptAllIds,
  draftChanges,
  draftForm,
  duplicateTarget,
  endpointFor,
  evidencePlaces,
  fileClass,
  fileExtension,
  formatBytes,
  formatDue,
  formatSeconds,
  historyTitle,
  isFinished,
  kindLabel,
  pollExtraction,
  progressPercent,
  refusalFor,
  regionLabel,
  runCounts,
  runSummary,
  selectionAfterReview,
  sourceLabel,
  stageLabel,
  uploadPercent,
  validateDraft,
} from './extraction';

function item(over: Partial<ExtractedTask> = {}): ExtractedTask {
  return {
    id: 't1',
    title: 'Send the budget report',
    description: '',
    assignee: 'Bob',
    due: null,
    type: 'task',
    priority: '',
    confidence: 0.8,
    status: 'draft',
    evidence: { sentence: 'Bob, please send the budget report by Friday.', start: 0, end: 46 },
    ...over,
  };
}

function run(over: Partial<Extraction> = {}): Extraction {
  return {
    extraction_id: 'r1',
    upload_id: '',
    user_id: 'u1',
    source: 'extracted_text',
    kind: 'meeting_transcript',
    status: 'queued',
    stage: 'queued',
    progress: 0,
    engine: 'rules',
    review: true,
    now: '2026-11-25T10:00:00Z',
    timezone: 'Europe/Lisbon',
    tasks: null,
    attempts: 0,
    created_at: '2026-11-25T10:00:00Z',
    updated_at: '2026-11-25T10:00:00Z',
    finished_at: null,
    ...over,
  };
}

describe('endpointFor', () => {
  it.each([
    { name: 'PDF is a document', file: { name: 'minutes.pdf' }, want: 'document' },
    { name: 'DOCX is a document', file: { name: 'Plan.DOCX' }, want: 'document' },
    { name: 'plain text is a document', file: { name: 'notes.txt' }, want: 'document' },
    { name: 'Markdown is a document', file: { name: 'README.md' }, want: 'document' },
    { name: 'HTML is a document', file: { name: 'page.html' }, want: 'document' },
    { name: 'a saved email is a document', file: { name: 'thread.eml' }, want: 'document' },
    { name: 'PNG is an image', file: { name: 'board.png' }, want: 'image' },
    { name: 'JPEG is an image', file: { name: 'photo.JPEG' }, want: 'image' },
    { name: 'JPG is an image', file: { name: 'photo.jpg' }, want: 'image' },
    { name: 'WEBP is an image', file: { name: 'shot.webp' }, want: 'image' },
    { name: 'TIFF is an image', file: { name: 'scan.tif' }, want: 'image' },
    { name: 'a handwritten image goes to the handwriting reader', file: { name: 'notes.jpg' }, handwritten: true, want: 'handwritten' },
    { name: 'handwritten means nothing for a PDF', file: { name: 'notes.pdf' }, handwritten: true, want: 'document' },
    { name: 'WAV is audio', file: { name: 'memo.wav' }, want: 'audio' },
    { name: 'MP3 is audio', file: { name: 'memo.mp3' }, want: 'audio' },
    { name: 'M4A is audio', file: { name: 'memo.m4a' }, want: 'audio' },
    { name: 'OGG is audio', file: { name: 'memo.ogg' }, want: 'audio' },
    { name: 'FLAC is audio', file: { name: 'memo.flac' }, want: 'audio' },
    { name: 'an MP4 recording goes to audio', file: { name: 'call.mp4' }, want: 'audio' },
    { name: 'a WEBM recording goes to audio', file: { name: 'call.webm' }, want: 'audio' },
    { name: 'a MOV recording goes to audio', file: { name: 'call.mov' }, want: 'audio' },
    { name: 'no extension, image type', file: { name: 'pasted', type: 'image/png' }, want: 'image' },
    { name: 'no extension, video type', file: { name: 'clip', type: 'video/quicktime' }, want: 'audio' },
    { name: 'no extension, text type', file: { name: 'clip', type: 'text/plain' }, want: 'document' },
    { name: 'the extension wins over the type', file: { name: 'memo.mp3', type: 'application/octet-stream' }, want: 'audio' },
    { name: 'unknown files go to the document endpoint, which says what it reads', file: { name: 'setup.exe', type: 'application/x-msdownload' }, want: 'document' },
  ])('$name', ({ file, handwritten, want }) => {
    expect(endpointFor(file, handwritten)).toBe(want);
  });
});

describe('fileClass and fileExtension', () => {
  it('reads the last extension, lower-cased', () => {
    expect(fileExtension('archive.tar.GZ')).toBe('gz');
    expect(fileExtension('C:\\Users\\ada\\notes.TXT')).toBe('txt');
  });
  it('has no extension for dotfiles or bare names', () => {
    expect(fileExtension('.bashrc')).toBe('');
    expect(fileExtension('Makefile')).toBe('');
  });
  it('calls unknown what it cannot place', () => {
    expect(fileClass({ name: 'tool.exe', type: '' })).toBe('unknown');
    expect(fileClass({ name: 'tool.exe', type: 'application/x-msdownload' })).toBe('unknown');
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1536, '1.5 KB'],
    [20 * 1024, '20 KB'],
    [3.4 * 1024 * 1024, '3.4 MB'],
    [-1, ''],
  ])('%d bytes is %s', (n, want) => {
    expect(formatBytes(n)).toBe(want);
  });
});

describe('run state', () => {
  it('knows which statuses are final', () => {
    expect(['queued', 'running', 'done', 'failed', 'cancelled'].map((s) => isFinished(s as never))).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('turns progress into a bounded percentage', () => {
    expect(progressPercent({ status: 'running', progress: 0.456 })).toBe(46);
    expect(progressPercent({ status: 'running', progress: 1.7 })).toBe(100);
    expect(progressPercent({ status: 'running', progress: -1 })).toBe(0);
    expect(progressPercent({ status: 'running', progress: Number.NaN })).toBe(0);
    expect(progressPercent({ status: 'done', progress: 0.2 })).toBe(100);
  });

  it('names the stage', () => {
    expect(stageLabel({ status: 'queued', stage: 'queued' })).toBe('Waiting to start');
    expect(stageLabel({ status: 'queued', stage: 'retrying' })).toBe('Retrying');
    expect(stageLabel({ status: 'running', stage: 'reading pages' })).toBe('Reading pages');
    expect(stageLabel({ status: 'running', stage: '' })).toBe('Working');
    expect(stageLabel({ status: 'failed', stage: 'failed' })).toBe('Failed');
  });

  it('labels sources and kinds', () => {
    expect(sourceLabel('extracted_audio')).toBe('Recording');
    expect(sourceLabel('something_new')).toBe('Capture');
    expect(kindLabel('handwritten_ocr')).toBe('Handwritten OCR');
    expect(kindLabel('')).toBe('Auto');
  });

  it('titles history rows by their content', () => {
    const text = { source: 'extracted_text', preview: 'Alice: Bob, please write the changelog…' };
    expect(historyTitle(text)).toBe('Alice: Bob, please write the changelog…');
    expect(historyTitle({ source: 'extracted_document', preview: '' }, 'notes.pdf')).toBe('notes.pdf');
    expect(historyTitle({ source: 'extracted_text' })).toBe('Pasted text');
    expect(historyTitle({ source: 'extracted_text', preview: '  ' })).toBe('Pasted text');
  });

  it('sums up what a run found', () => {
    const r = run({
      status: 'done',
      tasks: [
        item({ id: 't1', status: 'draft' }),
        item({ id: 't2', status: 'duplicate' }),
        item({ id: 't3', status: 'accepted', task_id: 'x' }),
        item({ id: 't4', status: 'rejected' }),
      ],
    });
    expect(runCounts(r)).toEqual({ found: 4, review: 2, saved: 1, rejected: 1 });
    expect(runSummary(r)).toBe('4 items found · 2 to review · 1 added · 1 rejected');
    expect(runSummary(run({ status: 'done', tasks: [] }))).toBe('No tasks found');
    expect(runSummary(run({ status: 'done', tasks: null }))).toBe('No tasks found');
    expect(runSummary(run({ status: 'done', tasks: [item({ status: 'created', task_id: 'x' })] }))).toBe(
      '1 item found · 1 added',
    );
    expect(runSummary(run({ status: 'running', stage: 'finding tasks' }))).toBe('Finding tasks');
  });

  it('percent of an upload', () => {
    expect(uploadPercent(50, 200)).toBe(25);
    expect(uploadPercent(5, 0)).toBe(0);
    expect(uploadPercent(300, 200)).toBe(100);
  });
});

describe('pollExtraction', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A fake GET /api/extraction/{id} answering from a script, recording when it was asked. */
  function fakeGet(...answers: (Extraction | Error)[]) {
    const asked: number[] = [];
    const get = vi.fn(async (id: string) => {
      expect(id).toBe('r1');
      asked.push(Date.now());
      const next = answers.shift();
      if (!next) throw new Error('asked once too often');
      if (next instanceof Error) throw next;
      return next;
    });
    return { get, asked };
  }

  it('asks every 700 ms until the run is done, reporting each step', async () => {
    const { get, asked } = fakeGet(
      run({ status: 'running', stage: 'reading', progress: 0.3 }),
      run({ status: 'running', stage: 'finding tasks', progress: 0.85 }),
      run({ status: 'done', stage: 'done', progress: 1, tasks: [] }),
    );
    const seen: string[] = [];
    const start = Date.now();
    const p = pollExtraction(get, run(), { onUpdate: (r) => seen.push(`${r.status}:${r.stage}`) });
    await vi.advanceTimersByTimeAsync(699);
    expect(get).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(get).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1400);
    const end = await p;
    expect(end.status).toBe('done');
    expect(asked.map((t) => t - start)).toEqual([700, 1400, 2100]);
    expect(seen).toEqual(['running:reading', 'running:finding tasks', 'done:done']);
  });

  it.each(['done', 'failed', 'cancelled'] as const)('stops at %s', async (status) => {
    const { get } = fakeGet(run({ status, error: status === 'failed' ? 'No speech model.' : undefined }));
    const p = pollExtraction(get, run({ status: 'running' }));
    await vi.advanceTimersByTimeAsync(700);
    expect((await p).status).toBe(status);
    expect(get).toHaveBeenCalledTimes(1);
  });

  it('does not ask about a run that already ended', async () => {
    const { get } = fakeGet();
    const done = run({ status: 'done', tasks: [] });
    expect(await pollExtraction(get, done)).toBe(done);
    expect(get).not.toHaveBeenCalled();
  });

  it('rides out passing failures, waiting longer each time', async () => {
    const { get, asked } = fakeGet(
      new ApiError('network', 'Cannot reach Sentry AI.', 0),
      new ApiError('internal', 'Internal error.', 503),
      run({ status: 'done', tasks: [] }),
    );
    const start = Date.now();
    const p = pollExtraction(get, run());
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await p).status).toBe('done');
    // 700, then 700·2 after the first failure, then 700·4 after the second.
    expect(asked.map((t) => t - start)).toEqual([700, 2100, 4900]);
  });

  it('waits as long as a 429 asks', async () => {
    const { get, asked } = fakeGet(
      new ApiError('rate_limited', 'Too many requests.', 429, undefined, 5),
      run({ status: 'done', tasks: [] }),
    );
    const start = Date.now();
    const p = pollExtraction(get, run());
    await vi.advanceTimersByTimeAsync(6000);
    await p;
    expect(asked.map((t) => t - start)).toEqual([700, 5700]);
  });

  it('gives up after too many failures in a row', async () => {
    const err = new ApiError('network', 'Cannot reach Sentry AI.', 0);
    const { get } = fakeGet(err, err, err);
    const p = pollExtraction(get, run(), { maxErrors: 3 });
    const caught = p.catch((e) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await caught).toBe(err);
    expect(get).toHaveBeenCalledTimes(3);
  });

  it('stops at once on an error that will not pass', async () => {
    const gone = new ApiError('not_found', 'Extraction not found.', 404);
    const { get } = fakeGet(gone);
    const p = pollExtraction(get, run());
    const caught = p.catch((e) => e);
    await vi.advanceTimersByTimeAsync(700);
    expect(await caught).toBe(gone);
  });

  it('stops when aborted, without asking again', async () => {
    const { get } = fakeGet(run({ status: 'running' }));
    const controller = new AbortController();
    const p = pollExtraction(get, run(), { signal: controller.signal });
    const caught = p.catch((e) => e);
    await vi.advanceTimersByTimeAsync(700);
    controller.abort();
    const err = await caught;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('cancelled');
    await vi.advanceTimersByTimeAsync(5000);
    expect(get).toHaveBeenCalledTimes(1);
  });
});

describe('formatDue', () => {
  const now = new Date('2026-11-25T10:00:00Z'); // a Wednesday

  it.each([
    { name: 'today with a time', iso: '2026-11-25T17:00:00Z', tz: 'UTC', want: 'Today 17:00' },
    { name: 'tomorrow at midnight is a date only', iso: '2026-11-26T00:00:00Z', tz: 'UTC', want: 'Tomorrow' },
    { name: 'later this year', iso: '2026-11-27T16:30:00Z', tz: 'UTC', want: 'Fri 27 Nov, 16:30' },
    { name: 'another year names it', iso: '2027-01-08T09:00:00Z', tz: 'UTC', want: 'Fri, 8 Jan 2027, 09:00' },
    { name: 'yesterday', iso: '2026-11-24T09:00:00Z', tz: 'UTC', want: 'Yesterday 09:00' },
    // 23:30 UTC on the 25th is already the 26th in Tokyo.
    { name: 'read in the user zone', iso: '2026-11-25T23:30:00Z', tz: 'Asia/Tokyo', want: 'Tomorrow 08:30' },
    { name: 'midnight in the user zone is a date', iso: '2026-11-27T15:00:00Z', tz: 'Asia/Tokyo', want: 'Sat 28 Nov' },
    { name: 'west of UTC', iso: '2026-11-26T03:00:00Z', tz: 'America/New_York', want: 'Today 22:00' },
  ])('$name', ({ iso, tz, want }) => {
    expect(formatDue(iso, tz, now, 'en-GB')).toBe(want);
  });

  it('is empty for a date it cannot read', () => {
    expect(formatDue('soon', 'UTC', now, 'en-GB')).toBe('');
  });
});

describe('evidence', () => {
  it.each([
    [0, '0:00'],
    [5.9, '0:05'],
    [65, '1:05'],
    [3723, '1:02:03'],
    [-3, '0:00'],
  ])('%d seconds read %s', (s, want) => {
    expect(formatSeconds(s)).toBe(want);
  });

  it('names page, stretch of recording and image area', () => {
    expect(
      evidencePlaces({
        sentence: 'x',
        start: 0,
        end: 1,
        page: 3,
        audio_start: 12.4,
        audio_end: 18.9,
        region: { x: 10, y: 20, w: 300, h: 40 },
      }),
    ).toEqual(['Page 3', '0:12–0:18', 'A region of the image']);
  });

  it('names a moment when the end is missing', () => {
    expect(evidencePlaces({ sentence: 'x', start: 0, end: 1, audio_start: 61 })).toEqual(['At 1:01']);
  });

  it('has nothing to add for typed text', () => {
    expect(evidencePlaces({ sentence: 'x', start: 0, end: 1 })).toEqual([]);
    expect(evidencePlaces(undefined)).toEqual([]);
    expect(evidencePlaces({ sentence: 'x', start: 0, end: 1, page: 0, region: { x: 0, y: 0, w: 0, h: 0 } })).toEqual([]);
  });
});

describe('review', () => {
  it('finds what a duplicate repeats', () => {
    const r = run({ tasks: [item({ id: 't1', title: 'Send the report' }), item({ id: 't2', status: 'duplicate', duplicate_of: 'draft:t1' })] });
    expect(duplicateTarget(r.tasks![1], r)).toEqual({ itemTitle: 'Send the report' });
    expect(duplicateTarget(item({ status: 'duplicate', duplicate_of: 'task-9' }), r)).toEqual({ taskId: 'task-9' });
    expect(duplicateTarget(item({ status: 'duplicate', duplicate_of: 'draft:t9' }), r)).toBeNull();
    expect(duplicateTarget(item({ status: 'duplicate' }), r)).toBeNull();
  });

  it('accepts all drafts, but not likely duplicates', () => {
    const r = run({
      tasks: [
        item({ id: 't1', status: 'draft' }),
        item({ id: 't2', status: 'duplicate' }),
        item({ id: 't3', status: 'rejected' }),
        item({ id: 't4', status: 'draft' }),
      ],
    });
    expect(acceptAllIds(r)).toEqual(['t1', 't4']);
    expect(acceptAllIds(run({ tasks: null }))).toEqual([]);
  });

  it.each([
    { name: 'moves to the next one waiting', current: 'b', want: 'd' },
    { name: 'goes back when none wait below', current: 'e', want: 'd' },
    { name: 'stays when none wait at all', current: 'a', items: 'none', want: 'a' },
    { name: 'stays on an unknown key', current: 'zz', want: 'zz' },
  ])('selection after review: $name', ({ current, items, want }) => {
    const list = [
      { key: 'a', reviewable: items !== 'none' && false },
      { key: 'b', reviewable: items !== 'none' },
      { key: 'c', reviewable: false },
      { key: 'd', reviewable: items !== 'none' },
      { key: 'e', reviewable: false },
    ];
    expect(selectionAfterReview(list, current)).toBe(want);
  });
});

describe('edit then accept', () => {
  const due = '2026-11-27T17:00:00.000Z';

  it('starts from the draft', () => {
    const f = draftForm(item({ due, priority: 'high', description: 'Q4 numbers' }));
    expect(f.title).toBe('Send the budget report');
    expect(f.description).toBe('Q4 numbers');
    expect(fromLocalInput(f.deadline)).toBe(due);
    expect(f.priority).toBe('high');
  });

  it('sends nothing when nothing changed', () => {
    const it = item({ due, priority: 'high' });
    expect(draftChanges(it, draftForm(it))).toEqual({});
  });

  it('sends only the changed fields', () => {
    const it = item({ due });
    const f = { ...draftForm(it), title: '  Send the Q4 budget report ', priority: 'urgent' as const };
    expect(draftChanges(it, f)).toEqual({ title: 'Send the Q4 budget report', priority: 'urgent' });
  });

  it('clears or moves the deadline', () => {
    const it = item({ due });
    expect(draftChanges(it, { ...draftForm(it), deadline: '' })).toEqual({ deadline: null });
    const moved = draftChanges(item(), { ...draftForm(item()), deadline: '2026-12-01T09:30' });
    expect(moved.deadline).toBe(fromLocalInput('2026-12-01T09:30'));
  });

  it.each([
    { name: 'an empty title', form: { title: '   ' }, field: 'title' },
    { name: 'a title too long', form: { title: 'x'.repeat(256) }, field: 'title' },
    { name: 'a deadline that is not one', form: { deadline: '2026-13-45' }, field: 'deadline' },
  ])('refuses $name', ({ form, field }) => {
    expect(validateDraft({ ...draftForm(item()), ...form })?.field).toBe(field);
  });

  it('starts from the draft\'s assignee and type', () => {
    const f = draftForm(item({ assignee: 'Bob', type: 'meeting', due }));
    expect(f.assignee).toBe('Bob');
    expect(f.type).toBe('meeting');
  });

  it('sends a new assignee as its tag', () => {
    const it = item({ assignee: 'Bob' });
    expect(draftChanges(it, { ...draftForm(it), assignee: ' Ana ' })).toEqual({ tags: ['assignee:Ana'] });
    expect(draftChanges(it, { ...draftForm(it), assignee: '' })).toEqual({ tags: [] });
  });

  it('turns a task into a meeting of an hour at its date, and back', () => {
    const it = item({ type: 'task', due });
    const start = fromLocalInput(draftForm(it).deadline);
    expect(draftChanges(it, { ...draftForm(it), type: 'meeting' })).toEqual({
      task_type: 'meeting',
      start_time: start,
      end_time: new Date(Date.parse(start!) + 3600_000).toISOString(),
    });
    const meeting = item({ type: 'meeting', due });
    expect(draftChanges(meeting, { ...draftForm(meeting), type: 'task' })).toEqual({
      task_type: 'task',
      start_time: null,
      end_time: null,
    });
  });

  it('refuses a meeting without a date', () => {
    expect(validateDraft({ ...draftForm(item()), deadline: '', type: 'meeting' })?.field).toBe('deadline');
  });

  it('takes a good edit', () => {
    expect(validateDraft({ ...draftForm(item()), deadline: '2026-12-01T09:30' })).toBeNull();
  });
});

describe('refusalFor', () => {
  it.each([
    ['notes.pdf', '', null],
    ['memo.m4a', '', null],
    ['scan', '', null],
    ['data.csv', 'text/csv', null],
    ['clip.gif', 'image/gif', null],
  ])('lets %s through', (name, type, want) => {
    expect(refusalFor({ name, type })).toBe(want);
  });
  it('refuses a program with what it reads', () => {
    expect(refusalFor({ name: 'setup.exe', type: 'application/x-msdownload' })).toMatch(/does not read \.exe files\. It reads documents \(PDF/);
  });
  it('says what to do with an old Office file or an archive', () => {
    expect(refusalFor({ name: 'Budget.XLS', type: '' })).toBe('Sentry AI does not read .xls files: save it as PDF or CSV.');
    expect(refusalFor({ name: 'notes.zip', type: 'application/zip' })).toMatch(/unpack it/);
  });
});

describe('regionLabel', () => {
  it('says where in the image, not pixels', () => {
    expect(regionLabel({ x: 10, y: 20, w: 300, h: 40 })).toBe('A region of the image');
    expect(regionLabel({ x: 10, y: 20, w: 300, h: 40 }, { width: 1200, height: 900 })).toBe('A region of the image (top left)');
    expect(regionLabel({ x: 500, y: 400, w: 100, h: 100 }, { width: 1200, height: 900 })).toBe('A region of the image (middle)');
    expect(regionLabel({ x: 1000, y: 800, w: 100, h: 50 }, { width: 1200, height: 900 })).not.toMatch(/\d/);
  });
});
