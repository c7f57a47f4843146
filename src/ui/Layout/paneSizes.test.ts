import { describe, expect, it } from 'vitest';
import { LEFT_MIN, RIGHT_MAX, RIGHT_MIN, SPLITTER_PX, TREE_MIN, boundsOf, defaultWidth, effectiveWidths } from './paneSizes';

const none = { left: null, right: null };
const tree = (w: number, x: { left: number; right: number }) => w - x.left - x.right - 2 * SPLITTER_PX;

describe('pane widths', () => {
  it('the details pane grows with the window (a 16-column hex dump fits at 1920)', () => {
    const at = (w: number) => effectiveWidths(none, w).right;
    expect(at(1024)).toBeLessThan(at(1440));
    expect(at(1440)).toBeLessThan(at(1920));
    expect(at(1920)).toBeGreaterThanOrEqual(600);
    expect(defaultWidth('right', 4000)).toBeLessThanOrEqual(RIGHT_MAX);
  });

  it('keeps the tree at least TREE_MIN wide, the layers pane giving way first', () => {
    for (const w of [960, 1024, 1280, 1440, 1920]) {
      const x = effectiveWidths(none, w);
      expect(tree(w, x), `${w}`).toBeGreaterThanOrEqual(TREE_MIN);
    }
    const x = effectiveWidths({ left: 500, right: 900 }, 1100);
    expect(tree(1100, x)).toBeGreaterThanOrEqual(TREE_MIN);
    expect(x.left).toBe(LEFT_MIN);
    // While the layers pane is dragged, the details pane gives way instead.
    const y = effectiveWidths({ left: 400, right: 900 }, 1100, 'left');
    expect(y.left).toBe(400);
    expect(tree(1100, y)).toBeGreaterThanOrEqual(TREE_MIN);
  });

  it('clamps remembered widths to the bounds', () => {
    expect(effectiveWidths({ left: 10, right: 10 }, 1920)).toEqual({ left: LEFT_MIN, right: RIGHT_MIN });
    expect(boundsOf('right', 300, 1280)).toEqual({ min: RIGHT_MIN, max: 1280 - 2 * SPLITTER_PX - TREE_MIN - 300 });
  });
});
