/**
 * Every keyboard shortcut of the explorer, in one table: the help dialog (`?`)
 * lists it, and the handlers test events against it, so the two cannot drift.
 * dive's keys are kept as dive has them (Ctrl+A/R/M/U, Ctrl+Space, Ctrl+B,
 * Ctrl+L, Tab), so someone who knows dive's TUI finds their way here.
 */

export type KeyAction =
  | 'filter-added'
  | 'filter-deleted'
  | 'filter-modified'
  | 'filter-unchanged'
  | 'collapse-all'
  | 'attributes'
  | 'layer-changes'
  | 'search'
  | 'help';

export interface KeyBinding {
  /** What the help shows, e.g. "Ctrl+A". */
  keys: string;
  what: string;
  group: 'dive' | 'tree' | 'stack' | 'panes' | 'page';
  /** Set for shortcuts handled by matchShortcut() (the others belong to a focused widget). */
  action?: KeyAction;
}

export const KEY_BINDINGS: readonly KeyBinding[] = [
  { keys: 'Ctrl+A', what: 'show or hide added paths', group: 'dive', action: 'filter-added' },
  { keys: 'Ctrl+R', what: 'show or hide removed (deleted) paths', group: 'dive', action: 'filter-deleted' },
  { keys: 'Ctrl+M', what: 'show or hide modified paths', group: 'dive', action: 'filter-modified' },
  { keys: 'Ctrl+U', what: 'show or hide unmodified paths', group: 'dive', action: 'filter-unchanged' },
  { keys: 'Ctrl+Space', what: 'collapse every directory (again: expand every directory)', group: 'dive', action: 'collapse-all' },
  { keys: 'Ctrl+B', what: 'show or hide the attributes columns (mode, uid:gid)', group: 'dive', action: 'attributes' },
  { keys: 'Ctrl+L', what: 'this layer’s changes only, or the whole merged tree', group: 'dive', action: 'layer-changes' },
  { keys: 'Tab / Shift+Tab', what: 'move between the layers, the tree and the details', group: 'panes' },
  { keys: '↑ ↓', what: 'previous / next row', group: 'tree' },
  { keys: '→ ←', what: 'open a directory or go to its first child / close it or go to its parent', group: 'tree' },
  { keys: 'Home End PageUp PageDown', what: 'first / last row, a page up or down', group: 'tree' },
  { keys: 'Enter', what: 'open or close a directory; a file: its details', group: 'tree' },
  { keys: 'Space', what: 'open or close a directory', group: 'tree' },
  { keys: '*', what: 'open everything under the selected directory', group: 'tree' },
  { keys: 'a–z 0–9 …', what: 'type the start of a name to jump to it', group: 'tree' },
  { keys: '↑ ↓', what: 'the layer above / below', group: 'stack' },
  { keys: 'Home End PageUp PageDown', what: 'top layer / base layer / five layers up or down', group: 'stack' },
  { keys: '/', what: 'search paths (Enter: first match, Esc: clear)', group: 'page', action: 'search' },
  { keys: '?', what: 'this list', group: 'page', action: 'help' },
];

export const KEY_GROUPS: Record<KeyBinding['group'], string> = {
  dive: 'dive’s keys',
  panes: 'Panes',
  tree: 'Tree (when it has focus)',
  stack: 'Layer stack (when it has focus)',
  page: 'Anywhere',
};

/** Ctrl+letter shortcuts (dive's), by KeyboardEvent.code so that they work on any keyboard layout. */
const CTRL_CODES: Readonly<Record<string, KeyAction>> = {
  KeyA: 'filter-added',
  KeyR: 'filter-deleted',
  KeyM: 'filter-modified',
  KeyU: 'filter-unchanged',
  Space: 'collapse-all',
  KeyB: 'attributes',
  KeyL: 'layer-changes',
};

/** Whether an event's target takes text (then no shortcut applies: Ctrl+A selects the field's text, `/` is typed). */
export function isTypingTarget(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el?.tagName) return false;
  if (el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName)) return true;
  if (el.tagName !== 'INPUT') return false;
  const type = (el as HTMLInputElement).type;
  return !/^(checkbox|radio|button|submit|reset|range|color|file)$/.test(type);
}

/** The explorer shortcut an event is, or null. */
export function matchShortcut(e: Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'target'>): KeyAction | null {
  if (isTypingTarget(e.target)) return null;
  if (e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) return CTRL_CODES[e.code] ?? null;
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === '/') return 'search';
  if (e.key === '?') return 'help';
  return null;
}

/** A document event that opens the key list (for buttons that show it: the tree's status line). */
export const OPEN_KEY_HELP = 'layerscope:key-help';

/** Type-ahead: keys typed within this long of each other form one prefix (as file managers and the WAI-ARIA tree pattern do). */
export const TYPEAHEAD_RESET_MS = 700;

/** Whether a key press is a printable character for type-ahead (not a shortcut or a navigation key). */
export function isTypeaheadKey(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey) return false;
  if (Array.from(e.key).length !== 1) return false;
  return !/^[\s/*?]$/.test(e.key);
}

/**
 * The next row whose name starts with `prefix` (case-insensitive), searching
 * from `from` (inclusive) and wrapping around; -1 when none does.
 */
export function findByPrefix(count: number, nameAt: (row: number) => string, prefix: string, from: number): number {
  if (count === 0 || prefix === '') return -1;
  const p = prefix.toLocaleLowerCase();
  const start = ((from % count) + count) % count;
  for (let k = 0; k < count; k++) {
    const i = (start + k) % count;
    if (nameAt(i).toLocaleLowerCase().startsWith(p)) return i;
  }
  return -1;
}
