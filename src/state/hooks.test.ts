import { describe, expect, it } from 'vitest';
import { EntryKind, type LayerIndex } from '../core/types';
import { buildUnion, mergedAt } from '../core/model/union';
import { effectiveLayer, hasMerged, mergedCacheSize, mergedOf, MIN_MERGED_CACHED, MAX_MERGED_CACHED } from './hooks';

function layer(paths: string[]): LayerIndex {
  const n = paths.length;
  return {
    count: n,
    paths,
    kinds: new Uint8Array(n).fill(EntryKind.File),
    sizes: new Float64Array(n).fill(1),
    modes: new Uint16Array(n).fill(0o644),
    uids: new Uint32Array(n),
    gids: new Uint32Array(n),
    mtimes: new Float64Array(n),
    dataOffsets: new Float64Array(n),
    linkIds: new Int32Array(n).fill(-1),
    links: [],
    xattrs: new Map(),
    devs: new Map(),
    tarSize: 0,
    storedSize: 0,
    compression: 'none',
    diffIdComputed: null,
    digestComputed: null,
    warnings: [],
    error: null,
  };
}

describe('selected layer', () => {
  it('defaults to the top and clamps out-of-range selections', () => {
    expect(effectiveLayer(-1, 5)).toBe(4);
    expect(effectiveLayer(2, 5)).toBe(2);
    expect(effectiveLayer(9, 5)).toBe(4);
    expect(effectiveLayer(0, 0)).toBe(-1);
  });
});

describe('derived caches', () => {
  it('keeps merged views, the same as mergedAt computes, within a memory budget', () => {
    const ls = Array.from({ length: 20 }, (_, i) => layer([`f${i}`, 'shared']));
    const u = buildUnion(ls);
    const v3 = mergedOf(u, ls, 3);
    expect(mergedOf(u, ls, 3)).toBe(v3);
    expect(Array.from(v3.status)).toEqual(Array.from(mergedAt(u, ls, 3).status));
    // a small image keeps many views; after touching all 20, the oldest ones were dropped
    for (let L = 0; L < 20; L++) mergedOf(u, ls, L);
    expect(mergedOf(u, ls, 19)).toBe(mergedOf(u, ls, 19));
    expect(mergedOf(u, ls, 3)).not.toBe(v3);
    expect(mergedCacheSize(u.nodeCount)).toBe(MAX_MERGED_CACHED);
    expect(mergedCacheSize(1_000_000)).toBe(4);
    expect(mergedCacheSize(50_000_000)).toBe(MIN_MERGED_CACHED);
  });

  it('prefetched views never push out the one being looked at', () => {
    const ls = Array.from({ length: 40 }, (_, i) => layer([`f${i}`]));
    const u = buildUnion(ls);
    const keep = mergedCacheSize(u.nodeCount);
    const current = mergedOf(u, ls, 0);
    for (let L = 1; L <= keep + 3; L++) mergedOf(u, ls, L, false);
    expect(hasMerged(u, 0)).toBe(true);
    expect(mergedOf(u, ls, 0)).toBe(current);
    expect(hasMerged(u, keep + 3)).toBe(true); // the latest prefetch is kept too
  });
});
