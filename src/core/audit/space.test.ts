/** The bytes tree behind the treemap: visible and hidden bytes per directory, owners, the cells of one view. */
import { describe, expect, it } from 'vitest';
import { buildUnion, lookup } from '../model/union';
import { layer } from '../model/union.testkit';
import { computeStats } from '../model/stats';
import { spaceModel, spaceTree, type SpaceCell } from './space';

const layers = [
  layer([
    ['usr/', 'dir'],
    ['usr/bin/', 'dir'],
    ['usr/bin/a', 'file', 100],
    ['usr/bin/b', 'file', 50],
    ['tmp/big', 'file', 1000],
    ['etc/conf', 'file', 10],
  ]),
  layer([
    ['usr/bin/a', 'file', 120],
    ['tmp/.wh.big', 'whiteout'],
    ['app/main', 'file', 30],
  ]),
];

describe('space model', () => {
  const u = buildUnion(layers);
  const m = spaceModel(u, layers);
  it('visible and hidden bytes add up to what stats.ts says', () => {
    const stats = computeStats(u, layers);
    expect(m.totalVisible + m.totalHidden).toBe(stats.imageSize);
    expect(m.totalHidden).toBe(stats.hiddenBytes);
    expect(m.totalHidden).toBe(1100);
    expect(m.visible[lookup(u, '/usr')]).toBe(170);
    expect(m.hidden[lookup(u, '/usr/bin')]).toBe(100);
    expect(m.hidden[lookup(u, '/tmp')]).toBe(1000);
  });
  it('owners: the providing layer of a file, the largest child for a directory', () => {
    expect(m.owner[lookup(u, '/usr/bin/a')]).toBe(1);
    expect(m.owner[lookup(u, '/usr/bin/b')]).toBe(0);
    expect(m.owner[lookup(u, '/usr/bin')]).toBe(1);
    expect(m.owner[lookup(u, '/app')]).toBe(1);
  });
  it('cells: largest first, hidden bytes as cells of their own at every level, the tail as "other"', () => {
    const root = spaceTree(m, u, 0, { depth: 2, maxChildren: 2, minShare: 0 });
    const names = (c: SpaceCell) => (c.children ?? []).map((x) => `${x.kind}:${x.name}:${x.bytes}`);
    expect(root.bytes).toBe(1310);
    expect(names(root)).toEqual(['dir:tmp:1000', 'dir:usr:270', 'other:2 more:40']);
    expect(names(root.children![0]!)).toEqual(['hidden:hidden by later layers:1000']);
    // /usr/bin is at the depth limit: its visible bytes, and its hidden ones (a's older version) beside it
    expect(names(root.children![1]!)).toEqual(['dir:bin:170', 'hidden:hidden by later layers:100']);
    const one = spaceTree(m, u, lookup(u, '/usr/bin'), { depth: 2, maxChildren: 10, minShare: 0 });
    expect(names(one)).toEqual(['file:a:120', 'hidden:hidden by later layers:100', 'file:b:50']);
    const sum = (c: SpaceCell): number => (c.children ? c.children.reduce((a, x) => a + sum(x), 0) : c.bytes);
    expect(sum(root)).toBe(root.bytes);
    expect(sum(one)).toBe(one.bytes);
  });
});
