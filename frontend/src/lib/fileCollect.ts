// Files from a drop: plain files as they are, and dropped folders walked
// (with their sub-folders) for the files the extraction reads. What a
// folder holds that cannot be read is skipped and listed, so the screen can
// say so; a file dropped on its own is always kept (the server names what it
// cannot read).

import { fileClass } from './extraction';

/** The parts of FileSystemEntry the walk uses (a fake in tests). */
export interface EntryLike {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath?: string;
  file?(ok: (f: File) => void, fail?: (e: unknown) => void): void;
  createReader?(): { readEntries(ok: (entries: EntryLike[]) => void, fail?: (e: unknown) => void): void };
}

export interface ItemLike {
  kind: string;
  webkitGetAsEntry?: () => EntryLike | null;
  getAsFile(): File | null;
}

export interface Collected {
  files: File[];
  /** Paths of files in folders that were left out, and why. */
  skipped: { path: string; reason: string }[];
  /** Folders that were walked. */
  folders: string[];
  /** The walk stopped at the limit; more files were left. */
  truncated: boolean;
}

/** At most this many files are taken from one drop of folders. */
export const MAX_FOLDER_FILES = 200;

/** Files a folder holds that nobody means to send: system clutter. */
function isClutter(name: string): boolean {
  return name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini' || name.startsWith('~$');
}

function readFile(entry: EntryLike): Promise<File> {
  return new Promise((resolve, reject) => {
    if (!entry.file) reject(new Error('not a file'));
    else entry.file(resolve, reject);
  });
}

function readAll(entry: EntryLike): Promise<EntryLike[]> {
  const reader = entry.createReader?.();
  if (!reader) return Promise.resolve([]);
  // readEntries answers in batches (about 100 at a time): read until empty.
  return new Promise((resolve, reject) => {
    const all: EntryLike[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

const strip = (p: string) => p.replace(/^\/+/, '');

/**
 * Collects the files of a drop. Entries must be taken from the items during
 * the drop event itself (the browser empties the list afterwards): call
 * entriesOf in the handler, then collect.
 */
export function entriesOf(items: ArrayLike<ItemLike> | null | undefined, files?: ArrayLike<File> | null): (EntryLike | File)[] {
  const out: (EntryLike | File)[] = [];
  const list = items ? Array.from(items) : [];
  if (list.length === 0) return files ? Array.from(files) : [];
  for (const item of list) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.() ?? null;
    if (entry) {
      out.push(entry);
    } else {
      const f = item.getAsFile();
      if (f) out.push(f);
    }
  }
  return out;
}

function isEntry(x: EntryLike | File): x is EntryLike {
  return typeof (x as EntryLike).isDirectory === 'boolean' && typeof (x as File).arrayBuffer !== 'function';
}

export async function collect(dropped: (EntryLike | File)[], max = MAX_FOLDER_FILES): Promise<Collected> {
  const res: Collected = { files: [], skipped: [], folders: [], truncated: false };
  let fromFolders = 0;

  async function walk(entry: EntryLike, path: string): Promise<void> {
    if (res.truncated) return;
    if (entry.isDirectory) {
      res.folders.push(path);
      let children: EntryLike[];
      try {
        children = await readAll(entry);
      } catch {
        res.skipped.push({ path: path + '/', reason: 'the folder could not be read' });
        return;
      }
      children.sort((a, b) => a.name.localeCompare(b.name));
      for (const child of children) {
        if (res.truncated) return;
        await walk(child, `${path}/${child.name}`);
      }
      return;
    }
    if (!entry.isFile) return;
    if (isClutter(entry.name)) return;
    if (fileClass({ name: entry.name }) === 'unknown') {
      res.skipped.push({ path, reason: 'not a kind of file Sentry AI reads' });
      return;
    }
    if (fromFolders >= max) {
      res.truncated = true;
      return;
    }
    try {
      res.files.push(await readFile(entry));
      fromFolders++;
    } catch {
      res.skipped.push({ path, reason: 'the file could not be read' });
    }
  }

  for (const d of dropped) {
    if (!isEntry(d)) {
      res.files.push(d);
      continue;
    }
    if (d.isDirectory) {
      await walk(d, strip(d.fullPath || d.name));
    } else if (d.isFile) {
      // A file dropped on its own is kept whatever it is.
      try {
        res.files.push(await readFile(d));
      } catch {
        res.skipped.push({ path: d.name, reason: 'the file could not be read' });
      }
    }
  }
  return res;
}

/** One sentence about what a drop left out; '' when nothing was. */
export function skippedNote(c: Pick<Collected, 'skipped' | 'truncated'>, max = MAX_FOLDER_FILES): string {
  const parts: string[] = [];
  const n = c.skipped.length;
  if (n > 0) {
    const names = c.skipped.slice(0, 3).map((s) => s.path.split('/').pop() || s.path);
    const more = n > 3 ? ` and ${n - 3} more` : '';
    parts.push(`Skipped ${n === 1 ? '1 file' : `${n} files`} Sentry AI cannot read: ${names.join(', ')}${more}.`);
  }
  if (c.truncated) parts.push(`Only the first ${max} files of the folders were taken; drop the rest separately.`);
  return parts.join(' ');
}
