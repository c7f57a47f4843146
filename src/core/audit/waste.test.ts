import { describe, expect, it } from 'vitest';
import type { LayerIndex } from '../types';
import { buildUnion } from '../model/union';
import { countingEvLayer, layer } from '../model/union.testkit';
import { wasteItems } from './waste';

describe('waste of a path written by many layers (issue 9, point 6)', () => {
  it("finds each version's next event by binary search: work near-linear in the versions", async () => {
    const COPIES = 1024;
    const one = layer([
      ['d/', 'dir'],
      ['d/a', 'file', 10],
      ['d/b', 'file', 20],
    ]);
    const layers = new Array<LayerIndex>(COPIES).fill(one);
    const c = countingEvLayer(buildUnion(layers));
    const { items, groups } = await wasteItems(c.u, layers, null);
    // every version but the last is overwritten by the next layer
    expect(items).toHaveLength(2 * (COPIES - 1));
    expect(items.filter((w) => w.path === '/d/a').every((w) => w.hiddenBy === w.createdBy + 1 && w.cause === 'overwritten')).toBe(true);
    expect(groups.reduce((n, g) => n + g.bytes, 0)).toBe(30 * (COPIES - 1));
    // a walk from each version's first event read ~COPIES²/2 per path (1,048,576 here)
    expect(c.reads()).toBeLessThan(items.length * (Math.log2(COPIES) + 4));
  });
});
