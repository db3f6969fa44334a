import { afterEach, describe, expect, it, vi } from 'vitest';
import { canPickNatively, dialogFilters, pickFilesNatively, type DesktopBridge } from './desktop';

function fakeDesktop(methods: Partial<DesktopBridge>) {
  (globalThis as unknown as Window).go = { main: { Desktop: methods } };
  return methods;
}

afterEach(() => {
  delete (globalThis as unknown as Window).go;
});

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

describe('native file picking', () => {
  it('is not offered in a browser', () => {
    expect(canPickNatively()).toBe(false);
  });

  it('is offered when the app binds the dialog and the reader', () => {
    fakeDesktop({ OpenFileDialog: vi.fn(), ReadPickedFile: vi.fn() });
    expect(canPickNatively()).toBe(true);
  });

  it('reads each chosen file into a File', async () => {
    const d = fakeDesktop({
      OpenFilesDialog: vi.fn(async () => ['/home/me/notes/minutes.txt', '/home/me/memo.wav']),
      ReadPickedFile: vi.fn(async (path: string) =>
        path.endsWith('.txt') ? { name: 'minutes.txt', size: 9, data: b64('Café plan') } : { name: '', size: 2, data: b64('RI') },
      ),
    });
    const files = await pickFilesNatively('Choose files', ['Documents|*.txt']);
    expect(d.OpenFilesDialog).toHaveBeenCalledWith('Choose files', ['Documents|*.txt']);
    expect(files.map((f) => f.name)).toEqual(['minutes.txt', 'memo.wav']);
    expect(await files[0].text()).toBe('Café plan');
    expect(files[1].size).toBe(2);
  });

  it('falls back to the single-file dialog', async () => {
    fakeDesktop({
      OpenFileDialog: vi.fn(async () => '/tmp/a.pdf'),
      ReadPickedFile: vi.fn(async () => ({ name: 'a.pdf', size: 1, data: b64('%') })),
    });
    expect((await pickFilesNatively('t', [])).map((f) => f.name)).toEqual(['a.pdf']);
  });

  it('gives nothing when cancelled', async () => {
    const d = fakeDesktop({ OpenFilesDialog: vi.fn(async () => null), ReadPickedFile: vi.fn() });
    expect(await pickFilesNatively('t', [])).toEqual([]);
    expect(d.ReadPickedFile).not.toHaveBeenCalled();
  });

  it('turns a refused read into an ApiError with its message', async () => {
    fakeDesktop({
      OpenFilesDialog: vi.fn(async () => ['/x.txt']),
      ReadPickedFile: vi.fn(async () => Promise.reject({ code: 'too_large', message: 'The chosen file is larger than 512 MB.' })),
    });
    await expect(pickFilesNatively('t', [])).rejects.toMatchObject({ code: 'too_large', message: 'The chosen file is larger than 512 MB.' });
  });

  it('builds the dialog filters from the accepted extensions', () => {
    expect(dialogFilters('Readable files', '.pdf,.docx, .m4a,bad ext')).toEqual(['Readable files|*.pdf;*.docx;*.m4a', 'All files|*']);
    expect(dialogFilters('x', '')).toEqual([]);
  });
});
