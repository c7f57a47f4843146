import { describe, expect, it } from 'vitest';
import { OVERSCAN_PX, ROW_GAP_PX, rowTops, rowsIn, spanHeight, windowParts, type WindowPart } from './stackWindow';

/** The column as the browser lays it out: each drawn part's height, gaps between parts. */
function laidOut(parts: WindowPart[], heights: number[]): number {
  const px = parts.map((p) => ('row' in p ? heights[p.row]! : p.px));
  return px.reduce((a, b) => a + b, 0) + ROW_GAP_PX * Math.max(0, px.length - 1);
}

describe('stack windowing', () => {
  // 10,000 bands of 32–40 px (issue 9, point 6), a marker here and there
  const heights = Array.from({ length: 10_000 }, (_, k) => (k % 97 === 0 ? 16 : 32 + (k % 9)));
  const tops = rowTops(heights);
  const whole = spanHeight(tops, 0, heights.length);

  it('a window with its spacers is as tall as the whole column, and rows keep their offsets', () => {
    for (const [a, b] of [
      [0, 30],
      [4_000, 4_030],
      [9_970, 10_000],
      [0, 10_000],
    ] as const) {
      const parts = windowParts(tops, a, b);
      expect(laidOut(parts, heights)).toBe(whole);
      // the first drawn row sits where the whole column has it: the spacer above plus one gap
      const before = parts[0]!;
      const offset = 'spacer' in before ? before.px + ROW_GAP_PX : 0;
      expect(offset).toBe(tops[a]);
    }
  });

  it('draws only the rows near the viewport: bounded by the viewport, not by the column', () => {
    const viewport = 800;
    for (const scroll of [0, 123_456, whole - viewport]) {
      const [from, to] = rowsIn(tops, ROW_GAP_PX, scroll - OVERSCAN_PX, scroll + viewport + OVERSCAN_PX);
      // (800 + 2 × 800) px of rows at ≥ 16 + 3 px each
      expect(to - from).toBeLessThanOrEqual(Math.ceil((viewport + 2 * OVERSCAN_PX) / (16 + ROW_GAP_PX)) + 2);
      expect(to - from).toBeGreaterThan(0);
      // every row meeting the viewport is drawn
      for (let k = 0; k < heights.length; k++) {
        const meets = tops[k]! < scroll + viewport && tops[k]! + heights[k]! > scroll;
        if (meets) expect(k >= from && k < to).toBe(true);
      }
      expect(windowParts(tops, from, to).length).toBeLessThanOrEqual(to - from + 2);
    }
  });

  it('rowsIn at the edges: rows that only touch the band are out, the column ends clamp', () => {
    const t = rowTops([10, 10, 10]); // rows at 0, 13, 26
    expect(rowsIn(t, ROW_GAP_PX, 0, 10)).toEqual([0, 1]);
    expect(rowsIn(t, ROW_GAP_PX, 10, 13)).toEqual([1, 1]); // the gap only
    expect(rowsIn(t, ROW_GAP_PX, 11, 14)).toEqual([1, 2]);
    expect(rowsIn(t, ROW_GAP_PX, -500, 5_000)).toEqual([0, 3]);
    expect(rowsIn(t, ROW_GAP_PX, 5_000, 6_000)).toEqual([3, 3]);
    expect(rowsIn(rowTops([]), ROW_GAP_PX, 0, 100)).toEqual([0, 0]);
  });

  it('keeps a row outside the window (the selected band) in its place, between two spacers', () => {
    const parts = windowParts(tops, 100, 120, [7_000]);
    expect(parts.filter((p) => 'row' in p).map((p) => ('row' in p ? p.row : -1))).toEqual([...Array.from({ length: 20 }, (_, k) => 100 + k), 7_000]);
    expect(parts.filter((p) => 'spacer' in p).map((p) => ('spacer' in p ? p.spacer : null))).toEqual([
      [0, 100],
      [120, 7_000],
      [7_001, 10_000],
    ]);
    expect(laidOut(parts, heights)).toBe(whole);
    // a kept row inside the window, or out of range, changes nothing
    expect(windowParts(tops, 100, 120, [110, -1, 10_000])).toEqual(windowParts(tops, 100, 120));
  });
});
