import { describe, expect, it } from 'vitest';
import { collect, entriesOf, skippedNote, type EntryLike, type ItemLike } from './fileCollect';

function fileEntry(path: string, opts: { fail?: boolean } = {}): EntryLike {
  const name = path.split('/').pop()!;
  return {
    isFile: true,
    isDirectory: false,
    name,
    fullPath: '/' + path,
    file(ok, fail) {
      if (opts.fail) fail?.(new Error('gone'));
      else ok(new File(['x'], name));
    },
  };
}

/** A folder whose reader answers in batches of batch, as browsers do. */
function dirEntry(path: string, children: EntryLike[], batch = 2): EntryLike {
  return {
    isFile: false,
    isDirectory: true,
    name: path.split('/').pop()!,
    fullPath: '/' + path,
    createReader() {
      let at = 0;
      return {
        readEntries(ok) {
          const out = children.slice(at, at + batch);
          at += batch;
          setTimeout(() => ok(out), 0);
        },
      };
    },
  };
}

describe('collect', () => {
  it('walks folders and sub-folders, reading every batch, skipping what cannot be read', async () => {
    const tree = dirEntry('notes', [
      fileEntry('notes/b.pdf'),
      fileEntry('notes/a.txt'),
      fileEntry('notes/.DS_Store'),
      fileEntry('notes/setup.exe'),
      dirEntry('notes/audio', [fileEntry('notes/audio/memo.m4a'), fileEntry('notes/audio/cover.psd')]),
      fileEntry('notes/broken.md', { fail: true }),
    ]);
    const got = await collect([tree]);
    expect(got.files.map((f) => f.name)).toEqual(['a.txt', 'memo.m4a', 'b.pdf']);
    expect(got.skipped).toEqual([
      { path: 'notes/audio/cover.psd', reason: 'not a kind of file Sentry AI reads' },
      { path: 'notes/broken.md', reason: 'the file could not be read' },
      { path: 'notes/setup.exe', reason: 'not a kind of file Sentry AI reads' },
    ]);
    expect(got.folders).toEqual(['notes', 'notes/audio']);
    expect(got.truncated).toBe(false);
  });

  it('keeps a file dropped on its own whatever it is', async () => {
    const got = await collect([fileEntry('setup.exe'), new File(['y'], 'plain.txt')]);
    expect(got.files.map((f) => f.name)).toEqual(['setup.exe', 'plain.txt']);
    expect(got.skipped).toEqual([]);
  });

  it('stops at the limit and says so', async () => {
    const many = dirEntry('big', Array.from({ length: 5 }, (_, i) => fileEntry(`big/f${i}.txt`)), 100);
    const got = await collect([many], 3);
    expect(got.files).toHaveLength(3);
    expect(got.truncated).toBe(true);
    expect(skippedNote(got, 3)).toContain('Only the first 3 files');
  });
});

describe('entriesOf', () => {
  it('takes entries from the items, and files when there are no items', () => {
    const e = fileEntry('a.txt');
    const f = new File(['z'], 'z.txt');
    const items: ItemLike[] = [
      { kind: 'file', webkitGetAsEntry: () => e, getAsFile: () => null },
      { kind: 'string', getAsFile: () => null },
      { kind: 'file', getAsFile: () => f },
    ];
    expect(entriesOf(items)).toEqual([e, f]);
    expect(entriesOf([], [f])).toEqual([f]);
    expect(entriesOf(null, null)).toEqual([]);
  });
});

describe('skippedNote', () => {
  it.each([
    { name: 'nothing skipped', c: { skipped: [], truncated: false }, want: '' },
    { name: 'one', c: { skipped: [{ path: 'a/x.exe', reason: '' }], truncated: false }, want: 'Skipped 1 file Sentry AI cannot read: x.exe.' },
    {
      name: 'many',
      c: { skipped: ['a.exe', 'b.zip', 'c.psd', 'd.iso', 'e.dmg'].map((p) => ({ path: 'f/' + p, reason: '' })), truncated: false },
      want: 'Skipped 5 files Sentry AI cannot read: a.exe, b.zip, c.psd and 2 more.',
    },
  ])('$name', ({ c, want }) => {
    expect(skippedNote(c)).toBe(want);
  });
});
