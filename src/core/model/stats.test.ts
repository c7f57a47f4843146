import { describe, expect, it } from 'vitest';
import { computeStats } from './stats';
import { buildUnion } from './union';
import { layer } from './union.testkit';

describe('computeStats', () => {
  const u = buildUnion(quirkyLayers());
  const s = computeStats(u, quirkyLayers());

  function quirkyLayers() {
    return [
      layer([
        ['app/', 'dir'],
        ['app/a', 'file', 100],
        ['app/b', 'file', 50],
        ['lib/', 'dir'],
        ['lib/x', 'file', 10],
        ['empty/', 'dir'],
        ['opq/f', 'file', 7],
      ]),
      layer([
        ['app/a', 'file', 120],
        ['lib/', 'dir', 0, { mode: 0o700 }],
        ['lib/y', 'file', 5],
      ]),
      layer([
        ['.wh.lib', 'whiteout'],
        ['app/.wh.b', 'whiteout'],
        ['empty/', 'dir'],
        ['opq/.wh..wh..opq', 'opaque'],
      ]),
      layer([
        ['.wh.app', 'whiteout'],
        ['.wh.ghost', 'whiteout'],
        ['z', 'file', 1],
      ]),
    ];
  }

  it('counts per layer', () => {
    // L0 adds app app/a app/b lib lib/x empty opq(implicit) opq/f
    // L1 modifies app/a, changes lib's mode only, adds lib/y
    // L2 deletes lib (+ lib/x lib/y replaced), app/b, hides opq/f; re-states empty unchanged
    // L3 deletes app (+ app/a replaced), adds z; the ghost whiteout removes nothing
    expect(s.layers.map(({ added, modified, deleted, metadataOnly }) => [added, modified, deleted, metadataOnly])).toEqual([
      [8, 0, 0, 0],
      [1, 1, 0, 1],
      [0, 0, 5, 0],
      [1, 0, 2, 0],
    ]);
    expect(s.layers.map((l) => l.entries)).toEqual([7, 3, 4, 3]);
    expect(s.layers.map((l) => l.opaqueDirs)).toEqual([0, 0, 1, 0]);
    expect(s.layers.map((l) => l.whiteouts)).toEqual([0, 0, 2, 2]);
  });

  it('bytes added and hidden bytes (overwritten, deleted, deleted with a directory, opaque-hidden)', () => {
    expect(s.layers.map((l) => l.bytesAdded)).toEqual([167, 125, 0, 1]);
    // L0: app/a overwritten, app/b deleted, lib/x with lib, opq/f opaque-hidden; L1: app/a with app, lib/y with lib
    expect(s.layers.map((l) => l.hiddenBytes)).toEqual([167, 125, 0, 0]);
    expect(s.imageSize).toBe(293);
    expect(s.hiddenBytes).toBe(292);
    expect(s.topHidden.map(({ path, bytes, versions, layers, visible }) => ({ path, bytes, versions, layers, visible }))).toEqual([
      { path: '/app/a', bytes: 220, versions: 2, layers: [0, 1], visible: false },
      { path: '/app/b', bytes: 50, versions: 1, layers: [0], visible: false },
      { path: '/lib/x', bytes: 10, versions: 1, layers: [0], visible: false },
      { path: '/opq/f', bytes: 7, versions: 1, layers: [0], visible: false },
      { path: '/lib/y', bytes: 5, versions: 1, layers: [1], visible: false },
    ]);
    expect(s.dive.score).toBe(136 / 307);
  });

  it('each hidden version counts once; the visible version is not hidden; same-layer duplicates are', () => {
    const layers = [
      layer([
        ['f', 'file', 10],
        ['f', 'file', 11],
      ]),
      layer([['f', 'file', 12]]),
      layer([['f', 'file', 13]]),
      null,
    ];
    const st = computeStats(buildUnion(layers), layers, { topN: 1 });
    expect(st.layers.map((l) => l.hiddenBytes)).toEqual([21, 12, 0, 0]);
    expect(st.topHidden).toEqual([{ node: 1, path: '/f', bytes: 33, versions: 3, layers: [0, 0, 1], visible: true }]);
    expect(st.layers[3]).toMatchObject({ entries: 0, bytesAdded: 0, hiddenBytes: 0 });
  });
});
