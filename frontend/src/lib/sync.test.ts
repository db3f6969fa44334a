import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import type { DesktopBridge } from './desktop';
import { fieldLabel, filesOnServerText, keepConflict, normaliseStatus, showValue, syncConflicts, syncNow, syncStatus } from './sync';

function fakeDesktop(methods: Partial<DesktopBridge>) {
  (globalThis as unknown as Window).go = { main: { Desktop: methods } };
  return methods;
}

afterEach(() => {
  delete (globalThis as unknown as Window).go;
});

describe('normaliseStatus', () => {
  it.each([
    {
      name: 'synced',
      raw: { state: 'synced', label: 'Synced', server: 'https://s.example', pending: 0, teams: ['Design'] },
      want: { state: 'synced', label: 'Synced', server: 'https://s.example', pending: 0, teams: ['Design'] },
    },
    { name: 'pending without a label', raw: { state: 'pending', pending: 3 }, want: { state: 'pending', label: '3 pending', pending: 3 } },
    { name: 'an unknown state', raw: { state: 'exploded', pending: -2 }, want: { state: 'off', label: 'Not syncing', pending: 0 } },
    { name: 'nothing at all', raw: null, want: { state: 'off', label: 'Not syncing', teams: [] } },
    {
      name: 'needs attention, stuck',
      raw: { state: 'attention', label: 'Needs attention', stuck: 'Sync is stuck: 4 changes…', conflicts: 2 },
      want: { state: 'attention', stuck: 'Sync is stuck: 4 changes…', conflicts: 2 },
    },
  ])('$name', ({ raw, want }) => {
    expect(normaliseStatus(raw)).toMatchObject(want);
  });
});

describe('large files left on the team server', () => {
  it('are read from the status and said in words', () => {
    const st = normaliseStatus({ state: 'synced', blobs_on_server: 2, blobs_on_server_bytes: 64_000_000 });
    expect(st).toMatchObject({ blobs_on_server: 2, blobs_on_server_bytes: 64_000_000 });
    expect(filesOnServerText(st)).toBe('2 large files (64.0 MB) stay on the team server until opened.');
    expect(filesOnServerText({ blobs_on_server: 1, blobs_on_server_bytes: 21_500_000 })).toBe(
      '1 large file (21.5 MB) stays on the team server until opened.',
    );
    expect(filesOnServerText(normaliseStatus({ state: 'synced', blobs_on_server: -1 }))).toBe('');
  });
});

describe('syncStatus', () => {
  it('is null in a browser tab (the server has no device sync)', async () => {
    expect(await syncStatus()).toBeNull();
  });

  it('reads the desktop app state', async () => {
    fakeDesktop({ SyncStatus: async () => ({ state: 'offline', label: 'Offline', pending: 5 }) });
    expect(await syncStatus()).toMatchObject({ state: 'offline', label: 'Offline', pending: 5 });
  });

  it('passes a refusal on as an ApiError with its message', async () => {
    fakeDesktop({ SyncNow: () => Promise.reject({ code: 'unavailable', message: "the team server at https://s.example can't be reached" }) });
    const err = await syncNow().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toContain("can't be reached");
  });
});

describe('conflicts', () => {
  it('keeps only well-formed conflicts and settles one by id', async () => {
    const keep = vi.fn(async () => undefined);
    fakeDesktop({
      SyncConflicts: async () => [{ id: 'c1', table: 'tasks', row_id: 'r', field: 'title', winner_value: 'A', loser_value: 'B' }, null, { nope: 1 }],
      SyncKeep: keep,
    });
    const list = await syncConflicts();
    expect(list.map((c) => c.id)).toEqual(['c1']);
    await keepConflict('c1', 'loser');
    expect(keep).toHaveBeenCalledWith('c1', 'loser');
  });

  it.each([
    { v: null, want: '(empty)' },
    { v: '', want: '(empty)' },
    { v: true, want: 'yes' },
    { v: ['a', 'b'], want: 'a, b' },
    { v: [], want: '(none)' },
    { v: 2.5, want: '2.5' },
    { v: { k: 1 }, want: '{"k":1}' },
  ])('shows $v as $want', ({ v, want }) => {
    expect(showValue(v)).toBe(want);
  });

  it('names fields for people', () => {
    expect(fieldLabel('deadline')).toBe('due date');
    expect(fieldLabel('meeting_url')).toBe('meeting url');
  });
});
