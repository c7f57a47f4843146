/**
 * Which rows of a long layer stack are drawn (issue 9, point 6: one layer listed
 * 10,000 times). Every band has an explicit height (stackModel.bandHeights) and
 * every history marker MARKER_PX, so each row's place in its column is known
 * without the DOM: the rows inside the scroll viewport (plus OVERSCAN_PX either
 * side) are drawn, and each run of rows outside it becomes one spacer of the
 * same height. The scrollbar, the frames and the positions stay what the whole
 * stack would give, and the page lays out, paints and re-renders ~60 bands
 * instead of 10,000 (which took tens of seconds of style, layout and paint on
 * every change). No React, no DOM: unit-tested in stackWindow.test.ts.
 */

/**
 * Stacks of at most this many layers are drawn whole (every band in the DOM, as
 * before): overlay2, Docker's storage driver, refuses images of more than 128
 * layers, so every real image is, and find-in-page and tests see every band.
 * Longer stacks only exist in hand-made archives; they are windowed.
 */
export const WINDOW_ABOVE_ROWS = 128;

/**
 * Pixels drawn beyond each edge of the viewport: ~20 minimum bands, so a wheel
 * flick or a PageDown shows bands, not the empty spacer, while the next window
 * renders.
 */
export const OVERSCAN_PX = 800;

/**
 * The gap between rows of a column (`gap` of .sd-list, .sd-rootfs and .sd-base,
 * set from here so a spacer's height and the CSS cannot disagree).
 */
export const ROW_GAP_PX = 3;

/** tops[k]: the offset of row k from the column's top (rows 0..k-1 and their gaps); tops[n] is past the last gap. */
export function rowTops(heights: readonly number[], gap = ROW_GAP_PX): Float64Array {
  const tops = new Float64Array(heights.length + 1);
  for (let k = 0; k < heights.length; k++) tops[k + 1] = tops[k]! + heights[k]! + gap;
  return tops;
}

/** The height of rows a..b-1 drawn together (their gaps between them, not after the last). */
export function spanHeight(tops: Float64Array, a: number, b: number, gap = ROW_GAP_PX): number {
  return b > a ? tops[b]! - tops[a]! - gap : 0;
}

/**
 * Rows [from, to) of a column that meet the band [top, bottom) of column
 * coordinates: the first whose bottom is below `top` through the last whose top
 * is above `bottom`. Binary searches over `tops`, so O(log n).
 */
export function rowsIn(tops: Float64Array, gap: number, top: number, bottom: number): [number, number] {
  const n = tops.length - 1;
  // first k with tops[k+1] - gap > top (row k ends below `top`)
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tops[mid + 1]! - gap > top) hi = mid;
    else lo = mid + 1;
  }
  const from = lo;
  // first k with tops[k] >= bottom (row k starts at or below `bottom`)
  lo = from;
  hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tops[mid]! >= bottom) hi = mid;
    else lo = mid + 1;
  }
  return [from, Math.max(from, lo)];
}

/** A column as drawn: rows by their index, and spacers standing for the rows between. */
export type WindowPart = { row: number } | { spacer: [from: number, to: number]; px: number };

/**
 * What a column of `tops.length - 1` rows draws: rows [from, to) and the rows in
 * `keep` (the selected band, so focus and scrollIntoView find it wherever it
 * is), in order, with one spacer for each run of rows left out. O(to - from +
 * keep.length): nothing here walks the rows outside the window.
 */
export function windowParts(tops: Float64Array, from: number, to: number, keep: readonly number[] = [], gap = ROW_GAP_PX): WindowPart[] {
  const n = tops.length - 1;
  const drawn = new Set<number>();
  for (let k = from; k < to; k++) drawn.add(k);
  for (const k of keep) if (k >= 0 && k < n) drawn.add(k);
  const rows = [...drawn].sort((a, b) => a - b);
  const out: WindowPart[] = [];
  let next = 0;
  for (const k of rows) {
    if (k > next) out.push({ spacer: [next, k], px: spanHeight(tops, next, k, gap) });
    out.push({ row: k });
    next = k + 1;
  }
  if (next < n) out.push({ spacer: [next, n], px: spanHeight(tops, next, n, gap) });
  return out;
}

/**
 * The pixels the bands of a stack take, windowed or not: every layer is one band
 * (in a column, or the container's above them) and a spacer stands for the bands
 * it replaces, so it is the sum of the band heights. The stack's fixed part (its
 * frames, captions, markers and gaps) is its measured height minus this — read
 * from the heights the stack is drawn with, not from the DOM (issue 13).
 */
export function stackBandsPx(heights: readonly number[]): number {
  let px = 0;
  for (const h of heights) px += h;
  return px;
}
