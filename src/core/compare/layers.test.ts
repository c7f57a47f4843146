import { describe, expect, it } from 'vitest';
import { MAX_ALIGN_CELLS, matchLayers, type LayerSideInfo } from './layers';

/** A side from layer keys ('' = no diff_id) and sizes (files = stored = size). */
function side(keys: string[], sizes: number[] = keys.map(() => 100), computed: (string | null)[] = keys.map(() => null)): LayerSideInfo {
  return {
    refs: keys.map((k, i) => ({ diffId: k ? `sha256:${k}` : null, digest: null, createdBy: null, blob: { entryName: `l${i}`, offset: 0, size: sizes[i]! } })),
    indexes: keys.map((_, i) => (computed[i] ? ({ diffIdComputed: computed[i] } as never) : null)),
    fileBytes: sizes,
    failed: keys.map(() => false),
    top: keys.length - 1,
  };
}

describe('matchLayers', () => {
  it('a shared base: aligned, linked, the divergence marked; docker images sum vs disk', () => {
    const m = matchLayers(side(['base', 'deps', 'app1'], [1000, 300, 10]), side(['base', 'deps', 'app2', 'extra'], [1000, 300, 20, 5]));
    expect(m.commonBase).toBe(2);
    expect(m.divergence).toBe(2);
    expect(m.identical).toBe(false);
    expect(m.rows).toEqual([
      { a: 0, b: 0, shared: true },
      { a: 1, b: 1, shared: true },
      { a: 2, b: 2, shared: false },
      { a: null, b: 3, shared: false },
    ]);
    expect(m.partnersA).toEqual([[0], [1], []]);
    expect(m.files).toEqual({ a: 1310, b: 1325, sum: 2635, shared: 1300, uniqueA: 10, uniqueB: 25, distinct: 1335, disk: 1335 });
  });

  it('a shared layer on another base is shared by content, not on disk (ChainID)', () => {
    const m = matchLayers(side(['alpine', 'tool'], [500, 50]), side(['debian', 'tool'], [800, 50]));
    expect(m.commonBase).toBe(0);
    expect(m.rows).toEqual([
      { a: 0, b: 0, shared: false },
      { a: 1, b: 1, shared: true },
    ]);
    expect(m.files.shared).toBe(50);
    expect(m.files.distinct).toBe(1350);
    expect(m.files.disk).toBe(1400); // unpacked once per chain: both copies of "tool"
  });

  it('reordered layers: a longest common subsequence on rows, the others linked', () => {
    const m = matchLayers(side(['x', 'a', 'b', 'c']), side(['x', 'c', 'a', 'b']));
    const sharedRows = m.rows.filter((r) => r.shared).map((r) => [r.a, r.b]);
    expect(sharedRows).toEqual([
      [0, 0],
      [1, 2],
      [2, 3],
    ]);
    expect(m.partnersA[3]).toEqual([1]); // c, not on a shared row, still linked
  });

  it('identical stacks; a computed digest wins over the claim; null ids never match', () => {
    expect(matchLayers(side(['a', 'b']), side(['a', 'b'])).identical).toBe(true);
    const m = matchLayers(side(['a', 'b'], undefined, ['sha256:a', 'sha256:tampered']), side(['a', 'b'], undefined, ['sha256:a', 'sha256:b']));
    expect(m.commonBase).toBe(1);
    expect(m.verifiedA).toEqual([true, true]);
    expect(matchLayers(side(['', '']), side(['', ''])).commonBase).toBe(0);
  });

  it('the same layer twice in one image is stored once', () => {
    const m = matchLayers(side(['e', 'e', 'f']), side(['g']));
    expect(m.files.a).toBe(300);
    expect(m.files.distinct).toBe(300); // e once, f, g
  });

  it('absurd stacks are aligned by their common ends only (bounded work)', () => {
    const n = Math.ceil(Math.sqrt(MAX_ALIGN_CELLS)) + 10;
    const ka = ['base', ...Array.from({ length: n }, (_, i) => `a${i}`), 'top'];
    const kb = ['base', ...Array.from({ length: n }, (_, i) => `b${i}`), 'top'];
    const m = matchLayers(side(ka), side(kb));
    expect(m.rows[0]).toEqual({ a: 0, b: 0, shared: true });
    expect(m.rows.at(-1)).toEqual({ a: n + 1, b: n + 1, shared: true });
  });
});
