/**
 * Widths of the explorer's side panes: a default that grows with the window,
 * the user's choice (drag or keyboard on a splitter) remembered in
 * localStorage, and the clamping that keeps the tree usable whatever the
 * window. Pure functions plus a small persisted store; the React side is
 * usePaneSizes().
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';

export type PaneSide = 'left' | 'right';

/** The layers pane: narrower than this cuts the band labels to a few letters; wider leaves the tree too little. */
export const LEFT_MIN = 200;
export const LEFT_MAX = 560;
/** The details pane: 320 px holds the attributes table; 960 px is two hex dumps wide, plenty. */
export const RIGHT_MIN = 320;
export const RIGHT_MAX = 960;
/** The tree never gets less than this between the two side panes (a name column of 120 px plus size, mode and layer). */
export const TREE_MIN = 340;
/** Width of a splitter (the grab area; the visible line is 1 px in its middle). */
export const SPLITTER_PX = 6;
/** Keyboard steps on a focused splitter: arrow keys, and with Shift. */
export const KEY_STEP = 16;
export const KEY_STEP_LARGE = 64;
/** Below this window width the panes stack (App layout in Explorer.css uses the same number). */
export const STACKED_MAX_WIDTH = 960;

export const STORAGE_KEY = 'layerscope.panes.v1';

/**
 * Defaults that grow with the window. The details pane grows fastest (it holds
 * previews: a 16-column hex dump with its ASCII needs ~560 px, which it gets
 * from ~1400 px windows; ~345 px at 1024, all of 820 px at 1920), the layers
 * pane takes a fifth, and the tree keeps the rest.
 */
export function defaultWidth(side: PaneSide, windowWidth: number): number {
  return side === 'left' ? clamp(Math.round(windowWidth * 0.2), 240, 360) : clamp(Math.round(windowWidth * 0.62 - 290), 340, 820);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

export interface Chosen {
  left: number | null;
  right: number | null;
}

/**
 * The widths to lay out with: the user's choice or the default, each within its
 * bounds, then shrunk (the other side first, then this one) until the tree keeps
 * TREE_MIN. `active` is the side being resized: it wins over the other.
 */
export function effectiveWidths(chosen: Chosen, windowWidth: number, active: PaneSide | null = null): { left: number; right: number } {
  let left = clamp(chosen.left ?? defaultWidth('left', windowWidth), LEFT_MIN, LEFT_MAX);
  let right = clamp(chosen.right ?? defaultWidth('right', windowWidth), RIGHT_MIN, RIGHT_MAX);
  const budget = windowWidth - 2 * SPLITTER_PX - TREE_MIN;
  let over = left + right - budget;
  if (over > 0) {
    // The details pane is the one people widen: the layers pane gives way first, unless it is the one being dragged.
    const order: PaneSide[] = active === 'left' ? ['right', 'left'] : ['left', 'right'];
    for (const side of order) {
      if (over <= 0) break;
      if (side === 'left') {
        const give = Math.min(over, left - LEFT_MIN);
        left -= give;
        over -= give;
      } else {
        const give = Math.min(over, right - RIGHT_MIN);
        right -= give;
        over -= give;
      }
    }
  }
  return { left, right };
}

/** Bounds of one side given the other, for the splitter's aria-valuemin/max and its keys. */
export function boundsOf(side: PaneSide, other: number, windowWidth: number): { min: number; max: number } {
  const room = windowWidth - 2 * SPLITTER_PX - TREE_MIN - other;
  return side === 'left'
    ? { min: LEFT_MIN, max: Math.max(LEFT_MIN, Math.min(LEFT_MAX, room)) }
    : { min: RIGHT_MIN, max: Math.max(RIGHT_MIN, Math.min(RIGHT_MAX, room)) };
}

/* ------------------------------------------------------------ persisted choice */

function read(): Chosen {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (!raw) return { left: null, right: null };
    const v = JSON.parse(raw) as Partial<Record<PaneSide, unknown>>;
    const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x > 0 && x < 10_000 ? Math.round(x) : null);
    return { left: num(v.left), right: num(v.right) };
  } catch {
    return { left: null, right: null };
  }
}

let chosen: Chosen = read();
const listeners = new Set<() => void>();

export function getChosen(): Chosen {
  return chosen;
}

/** Set one side (null: back to the default) and remember it. */
export function setChosen(side: PaneSide, width: number | null): void {
  chosen = { ...chosen, [side]: width === null ? null : Math.round(width) };
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(chosen));
  } catch {
    // storage full or disabled (private mode): the choice lasts for this page only
  }
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The window's width, following resizes. */
export function useWindowWidth(): number {
  const [w, setW] = useState(() => (typeof window === 'undefined' ? 1280 : window.innerWidth));
  useEffect(() => {
    const on = () => setW(window.innerWidth);
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return w;
}

export function usePaneSizes() {
  const c = useSyncExternalStore(subscribe, getChosen, getChosen);
  const windowWidth = useWindowWidth();
  const [active, setActive] = useState<PaneSide | null>(null);
  const widths = effectiveWidths(c, windowWidth, active);
  const set = useCallback((side: PaneSide, width: number | null) => setChosen(side, width), []);
  return { widths, windowWidth, set, setActive, stacked: windowWidth < STACKED_MAX_WIDTH };
}
