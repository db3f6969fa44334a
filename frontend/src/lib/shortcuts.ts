// Keyboard shortcuts of the task and capture screens, as pure functions so
// the rules can be tested without a browser.

export type ShortcutAction =
  | 'new'
  | 'search'
  | 'next'
  | 'prev'
  | 'toggle'
  | 'edit'
  | 'delete'
  | 'help'
  | 'close';

export const shortcutHelp: { keys: string[]; action: string }[] = [
  { keys: ['n'], action: 'New task' },
  { keys: ['/'], action: 'Search' },
  { keys: ['j'], action: 'Select next task' },
  { keys: ['k'], action: 'Select previous task' },
  { keys: ['x', 'Space'], action: 'Complete or reopen the selected task' },
  { keys: ['e'], action: 'Edit the selected task' },
  { keys: ['Delete', '#'], action: 'Delete the selected task' },
  { keys: ['c'], action: 'Capture tasks from text or files' },
  { keys: ['b'], action: 'Notebooks: ask your documents' },
  { keys: ['d'], action: 'Dashboard: workload and burnout risk' },
  { keys: ['Esc'], action: 'Close a dialog, or go back from Settings' },
  { keys: ['?'], action: 'Show these shortcuts' },
];

/** What kind of element has focus: text entry eats keys, controls eat Space and Enter. */
export type FocusKind = 'text' | 'control' | 'other';

interface ElementLike {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
}

const textInputTypes = new Set([
  'text', 'search', 'email', 'password', 'number', 'tel', 'url',
  'date', 'datetime-local', 'month', 'time', 'week', '',
]);

export function focusKind(target: unknown): FocusKind {
  if (!target || typeof target !== 'object') return 'other';
  const el = target as ElementLike;
  if (el.isContentEditable) return 'text';
  const tag = (el.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return 'text';
  if (tag === 'INPUT') return textInputTypes.has((el.type ?? '').toLowerCase()) ? 'text' : 'control';
  if (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY') return 'control';
  return 'other';
}

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** Where the key was pressed. */
  focus: FocusKind;
  /** A dialog is open: only Esc is ours then. */
  dialogOpen: boolean;
}

/** The action for a key press, or null to let the browser have it. */
export function shortcutFor(k: KeyInput): ShortcutAction | null {
  if (k.ctrlKey || k.metaKey || k.altKey) return null;
  if (k.key === 'Escape') return 'close';
  if (k.dialogOpen || k.focus === 'text') return null;
  switch (k.key) {
    case 'n':
    case 'N':
      return 'new';
    case '/':
      return 'search';
    case 'j':
    case 'J':
      return 'next';
    case 'k':
    case 'K':
      return 'prev';
    case 'x':
    case 'X':
      return 'toggle';
    case ' ':
    case 'Spacebar':
      // Space presses a focused button or ticks a focused checkbox.
      return k.focus === 'control' ? null : 'toggle';
    case 'e':
    case 'E':
      return 'edit';
    case 'Delete':
    case '#':
      return 'delete';
    case '?':
      return 'help';
    default:
      return null;
  }
}

/**
 * The id to select after moving by delta (1 down, -1 up). With nothing
 * selected, down picks the first and up the last; the ends do not wrap.
 */
export function moveSelection(ids: readonly string[], current: string | null, delta: number): string | null {
  if (ids.length === 0) return null;
  const i = current === null ? -1 : ids.indexOf(current);
  if (i === -1) return delta >= 0 ? ids[0] : ids[ids.length - 1];
  const next = Math.min(ids.length - 1, Math.max(0, i + delta));
  return ids[next];
}

/** The id to select once `removed` leaves the list: the next one, else the previous. */
export function selectionAfterRemoval(ids: readonly string[], removed: string): string | null {
  const i = ids.indexOf(removed);
  if (i === -1) return null;
  return ids[i + 1] ?? ids[i - 1] ?? null;
}

/** Keys that work on every screen. */
export type GlobalAction = 'capture' | 'notebooks' | 'dashboard';

/** c opens Capture from anywhere, unless typing or a dialog is open. */
export function globalShortcutFor(k: KeyInput): GlobalAction | null {
  if (k.ctrlKey || k.metaKey || k.altKey || k.dialogOpen || k.focus === 'text') return null;
  if (k.key === 'c' || k.key === 'C') return 'capture';
  if (k.key === 'b' || k.key === 'B') return 'notebooks';
  if (k.key === 'd' || k.key === 'D') return 'dashboard';
  return null;
}

export type ReviewAction = 'accept' | 'reject' | 'edit' | 'next' | 'prev' | 'close';

export const reviewShortcutHelp: { keys: string[]; action: string }[] = [
  { keys: ['j'], action: 'Next item' },
  { keys: ['k'], action: 'Previous item' },
  { keys: ['a'], action: 'Accept the selected draft' },
  { keys: ['e'], action: 'Edit, then accept' },
  { keys: ['r'], action: 'Reject' },
  { keys: ['Esc'], action: 'Back to tasks' },
];

/** The review action for a key press on the Capture screen, or null. */
export function reviewShortcutFor(k: KeyInput): ReviewAction | null {
  if (k.ctrlKey || k.metaKey || k.altKey) return null;
  if (k.key === 'Escape') return 'close';
  if (k.dialogOpen || k.focus === 'text') return null;
  switch (k.key) {
    case 'a':
    case 'A':
      return 'accept';
    case 'r':
    case 'R':
      return 'reject';
    case 'e':
    case 'E':
      return 'edit';
    case 'j':
    case 'J':
      return 'next';
    case 'k':
    case 'K':
      return 'prev';
    default:
      return null;
  }
}

/**
 * A keydown handler for full screens: Esc calls back (to the tasks). In a
 * text field it first leaves the field; an open dialog handles its own Esc.
 */
export function escapeBack(back: () => void, doc: Pick<Document, 'querySelector' | 'activeElement'> = document) {
  return (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || e.defaultPrevented || e.isComposing) return;
    if (doc.querySelector('dialog[open]')) return;
    const active = doc.activeElement;
    if (active && focusKind(active) === 'text') {
      (active as HTMLElement).blur();
      return;
    }
    e.preventDefault();
    back();
  };
}
