import { describe, expect, it } from 'vitest';
import { buildUnion } from '../../core/model/union';
import { layer, type EntrySpec } from '../../core/model/union.testkit';
import type { LayerIndex } from '../../core/types';
import { diffTrees } from '../../core/compare/tree';
import { buildDiffTree } from '../../core/compare/rollup';
import type { CompareSide } from '../../core/compare/side';
import type { Category } from '../../core/compare/flags';
import { ancestorPaths, diffRows, initialExpanded, type RowSource } from './diffRows';

function side(id: string, layers: LayerIndex[], ids: string[]): CompareSide {
  return {
    id,
    union: buildUnion(layers),
    layers,
    layer: layers.length - 1,
    verifiedDiffIds: ids,
    claimedDiffIds: ids,
    blobIds: layers.map(() => null),
    archive: null,
    failed: layers.map(() => false),
  };
}
const base: EntrySpec[] = [
  ['etc/motd', 'file', 10],
  ['etc/keep', 'file', 5],
  ['usr/lib/a.so', 'file', 100],
  ['usr/lib/b.so', 'file', 200],
  ['usr/share/x', 'file', 1],
];
function source(): RowSource {
  const L0 = layer(base);
  const a = side('a', [L0], ['sha256:0']);
  const b = side(
    'b',
    [
      L0,
      layer([
        ['etc/motd', 'file', 50],
        ['usr/lib/.wh.a.so', 'whiteout'],
        ['usr/lib/c.so', 'file', 7000],
      ]),
    ],
    ['sha256:0', 'sha256:1'],
  );
  const diff = diffTrees(a, b);
  return { diff, tree: buildDiffTree(diff), a, b };
}
const all = new Set<Category>(['added', 'removed', 'changed', 'metadata', 'pending', 'unknown']);

describe('diffRows', () => {
  it('the differing paths under their directories, expanded by path; the rest on demand', () => {
    const src = source();
    const exp = initialExpanded(src, all);
    expect([...exp].sort()).toEqual(['/etc', '/usr', '/usr/lib']);
    const rows = diffRows(src, { filter: all, sort: 'name', expanded: exp });
    expect(rows.map((r) => `${'  '.repeat(r.depth)}${r.name} ${r.category}`)).toEqual([
      'etc unchanged',
      '  motd changed',
      'usr unchanged',
      '  lib unchanged',
      '    a.so removed',
      '    c.so added',
    ]);
    const lib = rows.find((r) => r.path === '/usr/lib')!;
    expect([lib.plus, lib.minus, lib.below]).toEqual([7000, 100, 2]);
    expect(diffRows(src, { filter: all, sort: 'name', expanded: new Set() }).map((r) => r.path)).toEqual(['/etc', '/usr']);
  });

  it('filters by category; sorts by size delta', () => {
    const src = source();
    const exp = initialExpanded(src, all);
    expect(diffRows(src, { filter: new Set(['added']), sort: 'name', expanded: exp }).map((r) => r.path)).toEqual(['/usr', '/usr/lib', '/usr/lib/c.so']);
    const byDelta = diffRows(src, { filter: all, sort: 'delta', expanded: exp });
    expect(byDelta.filter((r) => r.depth === 0).map((r) => r.name)).toEqual(['usr', 'etc']);
  });

  it('with "unchanged" on, the unchanged paths too, read from the unions', () => {
    const src = source();
    const filter = new Set<Category>([...all, 'unchanged']);
    const rows = diffRows(src, { filter, sort: 'name', expanded: new Set(['/etc', '/usr', '/usr/lib', '/usr/share']) });
    expect(rows.map((r) => `${r.path} ${r.category}`)).toEqual([
      '/etc unchanged',
      '/etc/keep unchanged',
      '/etc/motd changed',
      '/usr unchanged',
      '/usr/lib unchanged',
      '/usr/lib/a.so removed',
      '/usr/lib/b.so unchanged',
      '/usr/lib/c.so added',
      '/usr/share unchanged',
      '/usr/share/x unchanged',
    ]);
    expect(rows.find((r) => r.path === '/usr/share')!.hasChildren).toBe(true);
  });

  it('ancestorPaths', () => {
    expect(ancestorPaths('/a/b/c')).toEqual(['/a', '/a/b']);
    expect(ancestorPaths('/a')).toEqual([]);
  });
});
