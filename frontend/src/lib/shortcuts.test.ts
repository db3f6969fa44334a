import { describe, expect, it, vi } from 'vitest';
import {
  escapeBack,
  focusKind,
  globalShortcutFor,
  moveSelection,
  reviewShortcutFor,
  selectionAfterRemoval,
  shortcutFor,
  type KeyInput,
} from './shortcuts';

const key = (k: string, over: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  focus: 'other',
  dialogOpen: false,
  ...over,
});

describe('shortcutFor', () => {
  it.each([
    { name: 'n opens a new task', input: key('n'), want: 'new' },
    { name: '/ focuses search', input: key('/'), want: 'search' },
    { name: 'j moves down', input: key('j'), want: 'next' },
    { name: 'k moves up', input: key('k'), want: 'prev' },
    { name: 'x toggles', input: key('x'), want: 'toggle' },
    { name: 'space toggles', input: key(' '), want: 'toggle' },
    { name: 'e edits', input: key('e'), want: 'edit' },
    { name: 'Delete deletes', input: key('Delete'), want: 'delete' },
    { name: '# deletes', input: key('#'), want: 'delete' },
    { name: '? shows help', input: key('?'), want: 'help' },
    { name: 'Esc closes', input: key('Escape'), want: 'close' },
    { name: 'other keys do nothing', input: key('q'), want: null },
    { name: 'typing in a field is left alone', input: key('n', { focus: 'text' }), want: null },
    { name: 'slash in a field is typed', input: key('/', { focus: 'text' }), want: null },
    { name: 'Esc works while typing', input: key('Escape', { focus: 'text' }), want: 'close' },
    { name: 'an open dialog swallows shortcuts', input: key('j', { dialogOpen: true }), want: null },
    { name: 'Esc closes an open dialog', input: key('Escape', { dialogOpen: true }), want: 'close' },
    { name: 'Ctrl+N belongs to the browser', input: key('n', { ctrlKey: true }), want: null },
    { name: 'Cmd+/ belongs to the browser', input: key('/', { metaKey: true }), want: null },
    { name: 'Alt+x belongs to the system', input: key('x', { altKey: true }), want: null },
    { name: 'space on a focused button presses it', input: key(' ', { focus: 'control' }), want: null },
    { name: 'letters still work on a focused button', input: key('x', { focus: 'control' }), want: 'toggle' },
  ])('$name', ({ input, want }) => {
    expect(shortcutFor(input)).toBe(want);
  });
});

describe('focusKind', () => {
  it.each([
    { name: 'text input', el: { tagName: 'INPUT', type: 'text' }, want: 'text' },
    { name: 'search input', el: { tagName: 'INPUT', type: 'search' }, want: 'text' },
    { name: 'datetime input', el: { tagName: 'INPUT', type: 'datetime-local' }, want: 'text' },
    { name: 'checkbox', el: { tagName: 'INPUT', type: 'checkbox' }, want: 'control' },
    { name: 'textarea', el: { tagName: 'TEXTAREA' }, want: 'text' },
    { name: 'select', el: { tagName: 'SELECT' }, want: 'text' },
    { name: 'content editable', el: { tagName: 'DIV', isContentEditable: true }, want: 'text' },
    { name: 'button', el: { tagName: 'BUTTON' }, want: 'control' },
    { name: 'body', el: { tagName: 'BODY' }, want: 'other' },
    { name: 'nothing', el: null, want: 'other' },
  ])('$name', ({ el, want }) => {
    expect(focusKind(el)).toBe(want);
  });
});

describe('moveSelection', () => {
  const ids = ['a', 'b', 'c'];
  it.each([
    { name: 'down from nothing picks the first', current: null, delta: 1, want: 'a' },
    { name: 'up from nothing picks the last', current: null, delta: -1, want: 'c' },
    { name: 'down moves one', current: 'a', delta: 1, want: 'b' },
    { name: 'up moves one', current: 'c', delta: -1, want: 'b' },
    { name: 'down stops at the end', current: 'c', delta: 1, want: 'c' },
    { name: 'up stops at the top', current: 'a', delta: -1, want: 'a' },
    { name: 'a vanished selection restarts', current: 'z', delta: 1, want: 'a' },
  ])('$name', ({ current, delta, want }) => {
    expect(moveSelection(ids, current, delta)).toBe(want);
  });

  it('selects nothing in an empty list', () => {
    expect(moveSelection([], null, 1)).toBeNull();
  });
});

describe('selectionAfterRemoval', () => {
  it('prefers the next task, then the previous one', () => {
    expect(selectionAfterRemoval(['a', 'b', 'c'], 'b')).toBe('c');
    expect(selectionAfterRemoval(['a', 'b', 'c'], 'c')).toBe('b');
    expect(selectionAfterRemoval(['a'], 'a')).toBeNull();
    expect(selectionAfterRemoval(['a'], 'x')).toBeNull();
  });
});

describe('globalShortcutFor', () => {
  it.each([
    { name: 'c opens Capture', input: key('c'), want: 'capture' },
    { name: 'C opens Capture too', input: key('C'), want: 'capture' },
    { name: 'c on a focused button still opens it', input: key('c', { focus: 'control' }), want: 'capture' },
    { name: 'c typed in a field is left alone', input: key('c', { focus: 'text' }), want: null },
    { name: 'not while a dialog is open', input: key('c', { dialogOpen: true }), want: null },
    { name: 'Ctrl+C copies', input: key('c', { ctrlKey: true }), want: null },
    { name: 'Cmd+C copies', input: key('c', { metaKey: true }), want: null },
    { name: 'b opens Notebooks', input: key('b'), want: 'notebooks' },
    { name: 'b typed in a field is left alone', input: key('b', { focus: 'text' }), want: null },
    { name: 'd opens the Dashboard', input: key('d'), want: 'dashboard' },
    { name: 'd typed in a field is left alone', input: key('d', { focus: 'text' }), want: null },
    { name: 'other keys are not global', input: key('n'), want: null },
  ])('$name', ({ input, want }) => {
    expect(globalShortcutFor(input)).toBe(want);
  });
});

describe('reviewShortcutFor', () => {
  it.each([
    { name: 'a accepts', input: key('a'), want: 'accept' },
    { name: 'r rejects', input: key('r'), want: 'reject' },
    { name: 'e edits', input: key('e'), want: 'edit' },
    { name: 'j moves down', input: key('j'), want: 'next' },
    { name: 'k moves up', input: key('k'), want: 'prev' },
    { name: 'Esc closes', input: key('Escape'), want: 'close' },
    { name: 'Esc closes while typing (ends an edit)', input: key('Escape', { focus: 'text' }), want: 'close' },
    { name: 'a typed in the text box is left alone', input: key('a', { focus: 'text' }), want: null },
    { name: 'letters work on a focused button', input: key('r', { focus: 'control' }), want: 'reject' },
    { name: 'Ctrl+R reloads the page', input: key('r', { ctrlKey: true }), want: null },
    { name: 'Cmd+A selects all', input: key('a', { metaKey: true }), want: null },
    { name: 'an open dialog swallows them', input: key('a', { dialogOpen: true }), want: null },
    { name: 'task keys mean nothing here', input: key('x'), want: null },
  ])('$name', ({ input, want }) => {
    expect(reviewShortcutFor(input)).toBe(want);
  });
});

describe('escapeBack', () => {
  const key = (k: string) => ({ key: k, defaultPrevented: false, isComposing: false, preventDefault: vi.fn() }) as unknown as KeyboardEvent;
  it('goes back on Esc', () => {
    const back = vi.fn();
    const e = key('Escape');
    escapeBack(back, { querySelector: () => null, activeElement: null })(e);
    expect(back).toHaveBeenCalledTimes(1);
    expect(e.preventDefault).toHaveBeenCalled();
  });
  it('leaves a text field first', () => {
    const back = vi.fn();
    const blur = vi.fn();
    const input = { tagName: 'INPUT', type: 'text', blur } as unknown as Element;
    escapeBack(back, { querySelector: () => null, activeElement: input })(key('Escape'));
    expect(blur).toHaveBeenCalled();
    expect(back).not.toHaveBeenCalled();
  });
  it('lets an open dialog and other keys be', () => {
    const back = vi.fn();
    escapeBack(back, { querySelector: () => ({}) as Element, activeElement: null })(key('Escape'));
    escapeBack(back, { querySelector: () => null, activeElement: null })(key('Enter'));
    expect(back).not.toHaveBeenCalled();
  });
});
