import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ExtractedTask, type Extraction } from './api';

// The store talks to the shared client; here a hand-written stand-in answers.
const fake = vi.hoisted(() => ({
  api: {
    extractText: vi.fn(),
    extractFile: vi.fn(),
    getExtraction: vi.fn(),
    cancelExtraction: vi.fn(),
    acceptExtracted: vi.fn(),
    rejectExtracted: vi.fn(),
  },
}));
vi.mock('./session.svelte', () => ({ api: fake.api }));

const { acceptAll, acceptItem, cancelJob, capture, captureFiles, captureText, jobsInOrder, openRun, rejectItem, resetCapture, useCaptureFor } =
  await import('./capture.svelte');

function item(id: string, status: ExtractedTask['status'] = 'draft'): ExtractedTask {
  return { id, title: `Item ${id}`, description: '', assignee: '', due: null, type: 'task', confidence: 0.9, status, evidence: { sentence: 's', start: 0, end: 1 } };
}

function run(over: Partial<Extraction> = {}): Extraction {
  return {
    extraction_id: 'r1',
    upload_id: '',
    user_id: 'u1',
    source: 'extracted_text',
    kind: '',
    status: 'done',
    stage: 'done',
    progress: 1,
    engine: 'rules',
    review: true,
    now: '',
    timezone: 'UTC',
    tasks: [],
    attempts: 1,
    created_at: '2026-11-25T10:00:00Z',
    updated_at: '2026-11-25T10:00:00Z',
    finished_at: null,
    ...over,
  };
}

/** The run with one item's status changed, as the server answers a review. */
function reviewed(r: Extraction, id: string, status: ExtractedTask['status']): Extraction {
  return { ...r, tasks: (r.tasks ?? []).map((t) => (t.id === id ? { ...t, status, task_id: status === 'accepted' ? `task-${id}` : undefined } : t)) };
}

beforeEach(() => {
  vi.useFakeTimers();
  for (const f of Object.values(fake.api)) f.mockReset();
  resetCapture();
  useCaptureFor('u1');
});

afterEach(() => {
  vi.useRealTimers();
});

describe('capture store', () => {
  it('shows a finished text run at once, without polling', async () => {
    fake.api.extractText.mockResolvedValue(run({ tasks: [item('t1')] }));
    await captureText({ text: 'Bob sends the report.', review: true });
    expect(fake.api.extractText.mock.calls[0][0]).toMatchObject({ text: 'Bob sends the report.', review: true });
    expect(capture.jobs).toHaveLength(1);
    expect(capture.jobs[0]).toMatchObject({ key: 'r1', phase: 'finished' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(fake.api.getExtraction).not.toHaveBeenCalled();
  });

  it('follows a queued text run to its end', async () => {
    fake.api.extractText.mockResolvedValue(run({ status: 'queued', stage: 'queued', progress: 0 }));
    fake.api.getExtraction
      .mockResolvedValueOnce(run({ status: 'running', stage: 'finding tasks', progress: 0.85 }))
      .mockResolvedValueOnce(run({ tasks: [item('t1')] }));
    await captureText({ text: 'long', review: true });
    expect(capture.jobs[0].phase).toBe('following');
    await vi.advanceTimersByTimeAsync(700);
    expect(capture.jobs[0].run?.stage).toBe('finding tasks');
    await vi.advanceTimersByTimeAsync(700);
    expect(capture.jobs[0]).toMatchObject({ phase: 'finished' });
    expect(capture.jobs[0].run?.tasks).toHaveLength(1);
  });

  it('uploads files one by one, naming each run by its file', async () => {
    let release!: () => void;
    fake.api.extractFile
      .mockImplementationOnce(async (_e, _f, _n, o) => {
        o.onProgress(5, 10);
        await new Promise<void>((r) => (release = r));
        return run({ extraction_id: 'ra', status: 'queued', source: 'extracted_document' });
      })
      .mockResolvedValueOnce(run({ extraction_id: 'rb', status: 'failed', error: 'No speech model.', source: 'extracted_audio' }));
    const done = captureFiles(
      [
        { file: new File(['a'], 'notes.txt'), handwritten: false },
        { file: new File(['b'], 'memo.m4a'), handwritten: false },
      ],
      false,
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(capture.jobs.map((j) => [j.name, j.phase])).toEqual([
      ['memo.m4a', 'uploading'],
      ['notes.txt', 'uploading'],
    ]);
    expect(capture.jobs[1]).toMatchObject({ sent: 5, total: 10, waiting: false });
    expect(capture.jobs[0]).toMatchObject({ waiting: true, sent: 0 });
    expect(fake.api.extractFile).toHaveBeenCalledTimes(1);
    release();
    await done;
    expect(fake.api.extractFile.mock.calls.map((c) => [c[0], c[2], c[3].review])).toEqual([
      ['document', 'notes.txt', false],
      ['audio', 'memo.m4a', false],
    ]);
    expect(capture.jobs.map((j) => [j.key, j.phase])).toEqual([
      ['rb', 'finished'],
      ['ra', 'following'],
    ]);
  });

  it('cancels a file still waiting for its turn', async () => {
    let release = () => {};
    fake.api.extractFile.mockImplementationOnce(async () => {
      await new Promise<void>((r) => (release = r));
      return run({ extraction_id: 'ra', status: 'queued', source: 'extracted_document' });
    });
    const done = captureFiles(
      [
        { file: new File(['a'], 'first.txt'), handwritten: false },
        { file: new File(['b'], 'second.txt'), handwritten: false },
      ],
      true,
    );
    await vi.advanceTimersByTimeAsync(0);
    const second = capture.jobs.find((j) => j.name === 'second.txt')!;
    await cancelJob(second.key);
    release();
    await done;
    expect(fake.api.extractFile).toHaveBeenCalledTimes(1);
    expect(capture.jobs.find((j) => j.name === 'second.txt')).toMatchObject({ phase: 'error', error: 'Upload cancelled.', waiting: false });
  });

  it('shows the message of a refused upload', async () => {
    fake.api.extractFile.mockRejectedValue(new ApiError('unsupported_media_type', 'This kind of file is not supported here.', 415));
    await captureFiles([{ file: new File(['MZ'], 'setup.exe'), handwritten: false }], true);
    expect(capture.jobs[0]).toMatchObject({ phase: 'error', error: 'This kind of file is not supported here.' });
  });

  it('says a large upload may have been too large when the connection drops', async () => {
    fake.api.extractFile.mockRejectedValue(new ApiError('network', 'Cannot reach Sentry AI.', 0));
    const big = new File(['x'], 'scan.pdf');
    Object.defineProperty(big, 'size', { value: 200 << 20 });
    await captureFiles([{ file: big, handwritten: false }, { file: new File(['x'], 'small.pdf'), handwritten: false }], true);
    expect(capture.jobs.map((j) => j.error)).toEqual([
      'Cannot reach Sentry AI.',
      'The upload was cut off. The file may be larger than this server accepts, or the connection dropped.',
    ]);
  });

  it('cancels an upload in flight', async () => {
    fake.api.extractFile.mockImplementation(
      (_e, _f, _n, o) =>
        new Promise((_, reject) =>
          o.signal.addEventListener('abort', () => reject(new ApiError('cancelled', 'Upload cancelled.', 0))),
        ),
    );
    const done = captureFiles([{ file: new File(['a'], 'big.pdf'), handwritten: false }], true);
    await vi.advanceTimersByTimeAsync(0);
    await cancelJob(capture.jobs[0].key);
    await done;
    expect(capture.jobs[0]).toMatchObject({ phase: 'error', error: 'Upload cancelled.' });
  });

  it('cancels a running run on the server and stops polling', async () => {
    fake.api.extractText.mockResolvedValue(run({ status: 'running', stage: 'reading', progress: 0.2 }));
    fake.api.cancelExtraction.mockResolvedValue(run({ status: 'cancelled', stage: 'cancelled' }));
    await captureText({ text: 'long', review: true });
    await cancelJob('r1');
    expect(fake.api.cancelExtraction).toHaveBeenCalledWith('r1');
    expect(capture.jobs[0]).toMatchObject({ phase: 'finished' });
    expect(capture.jobs[0].run?.status).toBe('cancelled');
    await vi.advanceTimersByTimeAsync(5000);
    expect(fake.api.getExtraction).not.toHaveBeenCalled();
  });

  it('reviews one item at a time, in the order asked', async () => {
    let current = run({ tasks: [item('t1'), item('t2'), item('t3', 'duplicate')] });
    const order: string[] = [];
    let inFlight = 0;
    const answer = (id: string, status: ExtractedTask['status']) => async () => {
      inFlight++;
      expect(inFlight).toBe(1);
      order.push(`${status}:${id}`);
      await Promise.resolve();
      current = reviewed(current, id, status);
      inFlight--;
      return current;
    };
    fake.api.acceptExtracted.mockImplementation((_r, id) => answer(id, 'accepted')());
    fake.api.rejectExtracted.mockImplementation((_r, id) => answer(id, 'rejected')());
    openRun(current);
    await Promise.all([acceptItem('r1', 't1'), rejectItem('r1', 't2'), acceptItem('r1', 't3', { title: 'Edited' })]);
    expect(order).toEqual(['accepted:t1', 'rejected:t2', 'accepted:t3']);
    expect(fake.api.acceptExtracted.mock.calls[1]).toEqual(['r1', 't3', { title: 'Edited' }]);
    expect(capture.jobs[0].run?.tasks?.map((t) => t.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(capture.jobs[0].busy).toBeNull();
  });

  it('accepts all drafts but leaves likely duplicates', async () => {
    let current = run({ tasks: [item('t1'), item('t2', 'duplicate'), item('t3')] });
    fake.api.acceptExtracted.mockImplementation(async (_r, id) => (current = reviewed(current, id, 'accepted')));
    openRun(current);
    await acceptAll('r1');
    expect(fake.api.acceptExtracted.mock.calls.map((c) => c[1])).toEqual(['t1', 't3']);
    expect(capture.jobs[0].run?.tasks?.map((t) => t.status)).toEqual(['accepted', 'duplicate', 'accepted']);
  });

  it('shows a refused review and reloads the run when it changed elsewhere', async () => {
    openRun(run({ tasks: [item('t1')] }));
    fake.api.acceptExtracted.mockRejectedValue(new ApiError('conflict', 'This item was already rejected.', 409));
    fake.api.getExtraction.mockResolvedValue(run({ tasks: [item('t1', 'rejected')] }));
    await acceptItem('r1', 't1');
    expect(capture.jobs[0].actionError).toBe('Could not accept “Item t1”: This item was already rejected.');
    expect(capture.jobs[0].run?.tasks?.[0].status).toBe('rejected');
  });

  it('hands a refused edit back to the editor', async () => {
    openRun(run({ tasks: [item('t1')] }));
    const invalid = new ApiError('invalid', 'Title is too long.', 400, 'title');
    fake.api.acceptExtracted.mockRejectedValue(invalid);
    await expect(acceptItem('r1', 't1', { title: 'x' })).rejects.toBe(invalid);
    expect(capture.jobs[0].actionError).toBe('');
  });

  it('starts afresh for another user', async () => {
    openRun(run());
    useCaptureFor('u1');
    expect(capture.jobs).toHaveLength(1);
    useCaptureFor('u2');
    expect(capture.jobs).toHaveLength(0);
  });
});

describe('jobsInOrder', () => {
  it('puts failures below the runs with results, each group in its order', () => {
    const jobs = [
      { id: 'a', phase: 'error' as const, run: null },
      { id: 'b', phase: 'finished' as const, run: run({ extraction_id: 'b' }) },
      { id: 'c', phase: 'finished' as const, run: run({ extraction_id: 'c', status: 'failed' }) },
      { id: 'd', phase: 'following' as const, run: run({ extraction_id: 'd', status: 'running' }) },
    ];
    expect(jobsInOrder(jobs).map((j) => j.id)).toEqual(['b', 'd', 'a', 'c']);
  });
});
