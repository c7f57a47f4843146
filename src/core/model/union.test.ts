import { describe, expect, it } from 'vitest';
import type { LayerIndex } from '../types';
import {
  Change,
  MAX_SYMLINK_FOLLOWS,
  NodeStatus,
  THROUGH_LOOP,
  UnionEvent,
  buildUnion,
  childrenOf,
  firstEventFrom,
  lookup,
  mergedAt,
  pathHistory,
  pathOf,
  stateAt,
  type UnionModel,
  ancestorsOf,
} from './union';
import { compareBytewise } from './pathTrie';
import { countingEvLayer, layer, type EntrySpec, type KindName } from './union.testkit';

const node = (u: UnionModel, p: string) => {
  const n = lookup(u, p);
  if (n < 0) throw new Error(`no node ${p}`);
  return n;
};

/** status/provider/entry/change of one path in mergedAt(layer). */
function at(u: UnionModel, layers: (LayerIndex | null)[], L: number, p: string) {
  const v = mergedAt(u, layers, L);
  const n = lookup(u, p);
  if (n < 0) return { status: NodeStatus.Absent, provider: -1, entry: -1, change: 0 };
  return { status: v.status[n], provider: v.provider[n], entry: v.entry[n], change: v.change[n] };
}

describe('compareBytewise', () => {
  it('orders like UTF-8 bytes (Buffer.compare), not UTF-16 units or locale', () => {
    const names = ['a', 'a-b', 'a/b', 'a.b', 'B', 'b', 'é', 'e\u0301', 'z', '\u{1F600}', '\uFFFD', '\uE000', '', 'a0', '日本'];
    const expected = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...names].sort(compareBytewise)).toEqual(expected);
    // the surrogate case where JS '<' is wrong
    expect('\u{1F600}' < '\uFFFD').toBe(true);
    expect(compareBytewise('\u{1F600}', '\uFFFD')).toBeGreaterThan(0);
  });
});

describe('buildUnion: structure', () => {
  it('interns paths, keeps children sorted bytewise, lookup/pathOf round-trip', () => {
    const names = ['z', 'a-b', 'a', 'é', '\u{1F600}', '\uFFFD', 'B', 'a.b'];
    const L0 = layer([...names.map((n): EntrySpec => [`d/${n}`, 'file', 1]), ['a/b/c', 'file', 1]]);
    const u = buildUnion([L0]);
    const d = node(u, '/d');
    const kids = Array.from(childrenOf(u, d), (c) => u.names[u.nameId[c]!]);
    expect(kids).toEqual([...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    for (const p of ['/d/é', '/a/b/c', '/a', '/d/\u{1F600}']) expect(pathOf(u, node(u, p))).toBe(p);
    expect(lookup(u, 'a/b/c')).toBe(lookup(u, '/a/b/c/'));
    expect(lookup(u, '/')).toBe(0);
    expect(lookup(u, '')).toBe(0);
    expect(pathOf(u, 0)).toBe('/');
    expect(lookup(u, '/a/x')).toBe(-1);
    expect(u.parent[0]).toBe(-1);
    expect(u.entryNode[0]![0]).toBe(node(u, '/d/z'));
  });

  it('throws UNKNOWN_LAYER for a layer out of range', () => {
    const u = buildUnion([layer([['a', 'file', 1]])]);
    expect(() => mergedAt(u, [null], 1)).toThrow(/no layer 1/);
  });
});

describe('whiteouts (layer.md "Whiteouts")', () => {
  const L0 = layer([
    ['etc/', 'dir'],
    ['etc/motd', 'file', 12],
    ['etc/hosts', 'file', 5],
    ['a/', 'dir'],
    ['a/b/', 'dir'],
    ['a/b/c', 'file', 3],
    ['a/d', 'file', 4],
  ]);
  const L1 = layer([
    ['etc/.wh.motd', 'whiteout'],
    ['.wh.a', 'whiteout'],
  ]);
  const layers = [L0, L1];
  const u = buildUnion(layers);

  it('removes a file from lower layers', () => {
    expect(at(u, layers, 0, '/etc/motd')).toEqual({ status: NodeStatus.Visible, provider: 0, entry: 1, change: Change.Added });
    expect(at(u, layers, 1, '/etc/motd')).toEqual({ status: NodeStatus.Deleted, provider: 1, entry: -1, change: Change.Deleted });
    expect(at(u, layers, 1, '/etc/hosts')).toEqual({ status: NodeStatus.Visible, provider: 0, entry: 2, change: Change.Unchanged });
    expect(stateAt(u, node(u, '/etc/motd'), 1)).toEqual({ status: 'deleted', layer: 1, entry: -1, hiddenVersions: 1 });
    expect(pathHistory(u, layers, node(u, '/etc/motd'))).toEqual([
      { layer: 0, action: 'added', entry: 1 },
      { layer: 1, action: 'deleted', entry: 0 },
    ]);
    expect(u.entryNode[1]![0]).toBe(node(u, '/etc/motd'));
  });

  it('removes a directory and its whole subtree; every descendant knows who deleted it', () => {
    for (const p of ['/a/b', '/a/b/c', '/a/d']) {
      expect(at(u, layers, 1, p)).toMatchObject({ status: NodeStatus.Deleted, provider: 1, change: Change.Deleted });
      const h = pathHistory(u, layers, node(u, p));
      expect(h[h.length - 1]).toEqual({ layer: 1, action: 'replaced', entry: 1 }); // entry 1 of layer 1 = .wh.a
    }
    expect(pathHistory(u, layers, node(u, '/a'))).toEqual([
      { layer: 0, action: 'added', entry: 3 },
      { layer: 1, action: 'deleted', entry: 1 },
    ]);
    // the whiteout file itself is never a path of the filesystem
    expect(lookup(u, '/.wh.a')).toBe(-1);
    expect(lookup(u, '/etc/.wh.motd')).toBe(-1);
  });

  it('removes from LOWER layers only: the same layer may re-add the path', () => {
    const l = [
      layer([
        ['x/', 'dir'],
        ['x/old', 'file', 1],
      ]),
      layer([
        ['.wh.x', 'whiteout'],
        ['x/', 'dir'],
        ['x/new', 'file', 2],
      ]),
    ];
    const v = buildUnion(l);
    expect(at(v, l, 1, '/x')).toMatchObject({ status: NodeStatus.Visible, provider: 1, change: Change.Unchanged });
    expect(at(v, l, 1, '/x/old')).toMatchObject({ status: NodeStatus.Deleted, provider: 1, change: Change.Deleted });
    expect(at(v, l, 1, '/x/new')).toMatchObject({ status: NodeStatus.Visible, provider: 1, change: Change.Added });
    // order inside the layer does not matter: whiteouts first (even when listed after the entries)
    const l2 = [
      l[0]!,
      layer([
        ['x/', 'dir'],
        ['x/new', 'file', 2],
        ['.wh.x', 'whiteout'],
      ]),
    ];
    const v2 = buildUnion(l2);
    expect(at(v2, l2, 1, '/x/new').status).toBe(NodeStatus.Visible);
    expect(at(v2, l2, 1, '/x/old').status).toBe(NodeStatus.Deleted);
  });

  it('a whiteout of a path that never existed changes nothing', () => {
    const l = [layer([['a', 'file', 1]]), layer([['.wh.nothing', 'whiteout']])];
    const v = buildUnion(l);
    expect(at(v, l, 1, '/nothing').status).toBe(NodeStatus.Absent);
    expect(pathHistory(v, l, node(v, '/nothing'))).toEqual([]);
  });
});

describe('opaque directories (layer.md "Opaque Whiteout")', () => {
  const L0 = layer([
    ['d/', 'dir'],
    ['d/x', 'file', 10],
    ['d/sub/', 'dir'],
    ['d/sub/y', 'file', 20],
    ['e/', 'dir'],
    ['e/keep', 'file', 1],
  ]);
  const L1 = layer([
    ['d/', 'dir'],
    ['d/.wh..wh..opq', 'opaque'],
    ['d/new', 'file', 3],
    ['d/x', 'file', 4],
  ]);
  const layers = [L0, L1];
  const u = buildUnion(layers);

  it("hides every lower child (and what is below them), keeps the same layer's children", () => {
    expect(at(u, layers, 1, '/d/sub')).toMatchObject({ status: NodeStatus.Deleted, provider: 1, change: Change.Deleted });
    expect(at(u, layers, 1, '/d/sub/y')).toMatchObject({ status: NodeStatus.Deleted, provider: 1, change: Change.Deleted });
    expect(at(u, layers, 1, '/d/new')).toMatchObject({ status: NodeStatus.Visible, provider: 1, entry: 2, change: Change.Added });
    // d/x: hidden and written again by the same layer: a new version of a path that was there
    expect(at(u, layers, 1, '/d/x')).toMatchObject({ status: NodeStatus.Visible, provider: 1, entry: 3, change: Change.Modified });
    expect(at(u, layers, 1, '/d')).toMatchObject({ status: NodeStatus.Visible, provider: 1, change: Change.Unchanged });
    expect(at(u, layers, 1, '/e/keep')).toMatchObject({ status: NodeStatus.Visible, provider: 0, change: Change.Unchanged });
    expect(pathHistory(u, layers, node(u, '/d/sub/y'))).toEqual([
      { layer: 0, action: 'added', entry: 3 },
      { layer: 1, action: 'opaque-hidden', entry: 1 },
    ]);
    expect(u.entryNode[1]![1]).toBe(node(u, '/d'));
    expect(lookup(u, '/d/.wh..wh..opq')).toBe(-1);
  });

  it('at the root: hides everything lower', () => {
    const l = [
      L0,
      layer([
        ['.wh..wh..opq', 'opaque'],
        ['f', 'file', 1],
      ]),
    ];
    const v = buildUnion(l);
    const m = mergedAt(v, l, 1);
    const visible = [...Array(v.nodeCount).keys()].filter((n) => n > 0 && m.status[n] === NodeStatus.Visible).map((n) => pathOf(v, n));
    expect(visible).toEqual(['/f']);
  });

  it('AUFS metadata (.wh..wh.plnk and below) is never shown', () => {
    const l = [
      layer([
        ['.wh..wh.plnk/', 'meta'],
        ['.wh..wh.plnk/123.456', 'file', 9],
        ['a/.wh..wh.aufs', 'meta'],
      ]),
    ];
    const v = buildUnion(l);
    expect(lookup(v, '/.wh..wh.plnk')).toBe(-1);
    expect(v.entryNode[0]![1]).toBe(-1);
    expect(at(v, l, 0, '/a')).toMatchObject({ status: NodeStatus.Visible, entry: -1 }); // its parent exists
  });
});

describe('replacement by type', () => {
  it('a non-directory over a directory: the lower subtree disappears', () => {
    const l = [
      layer([
        ['a/', 'dir'],
        ['a/b/', 'dir'],
        ['a/b/c', 'file', 1],
      ]),
      layer([['a', 'file', 7]]),
    ];
    const u = buildUnion(l);
    expect(at(u, l, 1, '/a')).toMatchObject({ status: NodeStatus.Visible, provider: 1, entry: 0, change: Change.Modified });
    for (const p of ['/a/b', '/a/b/c']) {
      expect(at(u, l, 1, p)).toMatchObject({ status: NodeStatus.Deleted, provider: 1, change: Change.Deleted });
      expect(pathHistory(u, l, node(u, p)).pop()).toEqual({ layer: 1, action: 'replaced', entry: 0 });
    }
  });

  it('a directory over a file replaces it (modified: the type changed)', () => {
    const l = [
      layer([['f', 'file', 3]]),
      layer([
        ['f/', 'dir'],
        ['f/g', 'file', 1],
      ]),
    ];
    const u = buildUnion(l);
    expect(at(u, l, 1, '/f')).toMatchObject({ status: NodeStatus.Visible, provider: 1, change: Change.Modified });
    expect(at(u, l, 1, '/f/g')).toMatchObject({ status: NodeStatus.Visible, change: Change.Added });
  });

  it('a directory over a directory merges, attributes from the upper one', () => {
    const l = [
      layer([
        ['d/', 'dir', 0, { mode: 0o700 }],
        ['d/x', 'file', 1],
        ['s/', 'dir'],
      ]),
      layer([
        ['d/', 'dir', 0, { mode: 0o755, uid: 1 }],
        ['d/y', 'file', 1],
        ['s/', 'dir'],
      ]),
    ];
    const u = buildUnion(l);
    expect(at(u, l, 1, '/d')).toMatchObject({ provider: 1, entry: 0, change: Change.MetadataOnly });
    expect(at(u, l, 1, '/s')).toMatchObject({ provider: 1, entry: 2, change: Change.Unchanged });
    expect(at(u, l, 1, '/d/x')).toMatchObject({ status: NodeStatus.Visible, provider: 0, change: Change.Unchanged });
    expect(pathHistory(u, l, node(u, '/s')).map((h) => h.action)).toEqual(['added', 'unchanged']);
    expect(pathHistory(u, l, node(u, '/d')).map((h) => h.action)).toEqual(['added', 'metadata']);
  });

  it('a file written again is modified even with identical attributes (its bytes ship again)', () => {
    const l = [
      layer([
        ['f', 'file', 3],
        ['s', 'symlink', 0, { link: 'x' }],
      ]),
      layer([
        ['f', 'file', 3],
        ['s', 'symlink', 0, { link: 'x' }],
      ]),
    ];
    const u = buildUnion(l);
    expect(at(u, l, 1, '/f').change).toBe(Change.Modified);
    expect(at(u, l, 1, '/s').change).toBe(Change.Modified);
    expect(stateAt(u, node(u, '/f'), 1)).toEqual({ status: 'visible', layer: 1, entry: 0, hiddenVersions: 1 });
  });
});

describe('implicit parents', () => {
  it('exist without an entry (0755 root:root); a later explicit entry is compared with those attributes', () => {
    const l = [
      layer([['x/y/z', 'file', 1]]),
      layer([
        ['x/', 'dir', 0, { mode: 0o755 }],
        ['x/y/', 'dir', 0, { mode: 0o700 }],
      ]),
    ];
    const u = buildUnion(l);
    expect(at(u, l, 0, '/x')).toEqual({ status: NodeStatus.Visible, provider: 0, entry: -1, change: Change.Added });
    expect(stateAt(u, node(u, '/x/y'), 0)).toEqual({ status: 'visible', layer: 0, entry: -1, hiddenVersions: 0 });
    expect(pathHistory(u, l, node(u, '/x/y'))).toEqual([
      { layer: 0, action: 'implicit', entry: -1 },
      { layer: 1, action: 'metadata', entry: 1 },
    ]);
    expect(at(u, l, 1, '/x').change).toBe(Change.Unchanged);
  });

  it('a lower explicit directory stays the provider when a later layer only implies it', () => {
    const l = [layer([['x/', 'dir', 0, { mode: 0o711 }]]), layer([['x/f', 'file', 1]])];
    const u = buildUnion(l);
    expect(at(u, l, 1, '/x')).toMatchObject({ provider: 0, entry: 0, change: Change.Unchanged });
  });

  it('an implied parent replaces a non-directory in the way', () => {
    const l = [layer([['a', 'file', 1]]), layer([['a/b', 'file', 1]])];
    const u = buildUnion(l);
    expect(at(u, l, 1, '/a')).toMatchObject({ status: NodeStatus.Visible, provider: 1, entry: -1, change: Change.Modified });
  });
});

describe('same path twice in one layer', () => {
  it('the later entry wins; one event per layer', () => {
    const l = [
      layer([
        ['a', 'file', 5],
        ['a', 'file', 9],
      ]),
    ];
    const u = buildUnion(l);
    expect(at(u, l, 0, '/a')).toMatchObject({ entry: 1, change: Change.Added });
    expect(pathHistory(u, l, node(u, '/a'))).toEqual([{ layer: 0, action: 'added', entry: 1 }]);
  });

  it('a directory then a file: what the directory held in that layer never existed', () => {
    const l = [
      layer([
        ['d/', 'dir'],
        ['d/x', 'file', 1],
        ['d', 'file', 2],
      ]),
    ];
    const u = buildUnion(l);
    expect(at(u, l, 0, '/d')).toMatchObject({ status: NodeStatus.Visible, entry: 2 });
    expect(at(u, l, 0, '/d/x').status).toBe(NodeStatus.Absent);
    expect(pathHistory(u, l, node(u, '/d/x'))).toEqual([]);
  });
});

describe('mergedAt at each layer, history, hidden versions', () => {
  const layers = [
    layer([
      ['etc/', 'dir'],
      ['etc/conf', 'file', 100],
      ['bin/', 'dir'],
      ['bin/tool', 'file', 3000],
    ]),
    layer([['etc/conf', 'file', 200]]),
    null, // unavailable layer: treated as empty
    layer([['etc/conf', 'file', 300]]),
    layer([['etc/.wh.conf', 'whiteout']]),
    layer([['etc/conf', 'file', 50]]),
  ];
  const u = buildUnion(layers);
  const conf = node(u, '/etc/conf');

  it('answers for every layer', () => {
    const expected = [
      { status: NodeStatus.Visible, provider: 0, entry: 1, change: Change.Added },
      { status: NodeStatus.Visible, provider: 1, entry: 0, change: Change.Modified },
      { status: NodeStatus.Visible, provider: 1, entry: 0, change: Change.Unchanged },
      { status: NodeStatus.Visible, provider: 3, entry: 0, change: Change.Modified },
      { status: NodeStatus.Deleted, provider: 4, entry: -1, change: Change.Deleted },
      { status: NodeStatus.Visible, provider: 5, entry: 0, change: Change.Added },
    ];
    expected.forEach((e, L) => {
      expect(at(u, layers, L, '/etc/conf')).toEqual(e);
    });
    expect(mergedAt(u, layers, 3).layer).toBe(3);
  });

  it('history and hidden versions', () => {
    expect(pathHistory(u, layers, conf).map((h) => [h.layer, h.action])).toEqual([
      [0, 'added'],
      [1, 'modified'],
      [3, 'modified'],
      [4, 'deleted'],
      [5, 'added'],
    ]);
    expect(stateAt(u, conf, 3).hiddenVersions).toBe(2);
    expect(stateAt(u, conf, 2)).toEqual({ status: 'visible', layer: 1, entry: 0, hiddenVersions: 1 });
    expect(stateAt(u, conf, 4)).toEqual({ status: 'deleted', layer: 4, entry: -1, hiddenVersions: 3 });
    expect(stateAt(u, conf, 5).hiddenVersions).toBe(0); // the path re-appeared: nothing below it in this run
    expect(u.evKind[u.evStart[conf + 1]! - 2]).toBe(UnionEvent.Delete);
  });

  it('the root is always visible', () => {
    expect(stateAt(u, 0, 0).status).toBe('visible');
    expect(mergedAt(u, layers, 0).status[0]).toBe(NodeStatus.Visible);
  });
});

describe('a path written by many layers (issue 9, point 6: one blob listed 1,000 times)', () => {
  const COPIES = 1024;
  const one = layer([
    ['d/', 'dir'],
    ['d/a', 'file', 1],
    ['d/b', 'file', 2],
  ]);
  const layers = new Array<LayerIndex>(COPIES).fill(one);
  const u = buildUnion(layers);

  it('finds the event of a layer by binary search, not by walking the events', () => {
    const a = node(u, '/d/a');
    expect(u.evStart[a + 1]! - u.evStart[a]!).toBe(COPIES);
    for (const L of [0, 1, 511, COPIES - 1, COPIES]) expect(firstEventFrom(u, a, L)).toBe(u.evStart[a]! + L);
    const c = countingEvLayer(u);
    const views = [0, 7, COPIES - 1].map((L) => mergedAt(c.u, layers, L));
    // a walk from the top reads up to COPIES events per node and view
    expect(c.reads()).toBeLessThan(views.length * u.nodeCount * (Math.log2(COPIES) + 3));
    expect(views.map((v) => [...v.provider])).toEqual([0, 7, COPIES - 1].map((L) => [...mergedAt(u, layers, L).provider]));
    const r0 = c.reads();
    expect(stateAt(c.u, a, 3)).toMatchObject({ status: 'visible', layer: 3, entry: 1 });
    expect(c.reads() - r0).toBeLessThan(Math.log2(COPIES) + 3);
  });
});

/* -------------------------------------------------------------- randomized cross-check */

/**
 * An independent, deliberately naive reading of layer.md: the filesystem as a
 * Map from path string to version, prefix scans for subtrees. The union model
 * must agree with it at every layer.
 */
interface NaiveVersion {
  layer: number;
  entry: number; // -1 implicit
  dir: boolean;
  /** Symlink target. */
  link?: string;
}
function naiveApply(layers: EntrySpec[][]): Map<string, NaiveVersion>[] {
  const states: Map<string, NaiveVersion>[] = [];
  let fs = new Map<string, NaiveVersion>();
  const dropUnder = (p: string) => {
    for (const k of [...fs.keys()]) if (k.startsWith(p + '/')) fs.delete(k);
  };
  layers.forEach((spec, L) => {
    fs = new Map(fs);
    // a parent path with symlinks followed inside the root (securejoin), null after 40 links
    const resolve = (dir: string): string | null => {
      const pending = dir.split('/').reverse();
      const cur: string[] = [];
      let follows = 0;
      while (pending.length > 0) {
        const seg = pending.pop()!;
        if (seg === '' || seg === '.') continue;
        if (seg === '..') {
          cur.pop();
          continue;
        }
        const v = fs.get([...cur, seg].join('/'));
        if (v?.link === undefined) {
          cur.push(seg);
          continue;
        }
        if (++follows > MAX_SYMLINK_FOLLOWS) return null;
        if (v.link.startsWith('/')) cur.length = 0;
        pending.push(...v.link.split('/').reverse());
      }
      return cur.join('/');
    };
    const ensure = (dir: string) => {
      if (dir === '') return;
      const parts = dir.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const p = parts.slice(0, i).join('/');
        const v = fs.get(p);
        if (!v?.dir) fs.set(p, { layer: L, entry: -1, dir: true });
      }
    };
    spec.forEach(([raw, kind], i) => {
      const p = raw.replace(/\/+$/, '');
      const slash = p.lastIndexOf('/');
      const base = p.slice(slash + 1);
      if (kind !== 'whiteout' && kind !== 'opaque') return;
      const dir = resolve(slash < 0 ? '' : p.slice(0, slash));
      if (dir === null) return;
      if (kind === 'whiteout') {
        ensure(dir);
        const t = (dir ? dir + '/' : '') + base.slice(4);
        fs.delete(t);
        dropUnder(t);
      } else if (kind === 'opaque') {
        ensure(dir);
        if (dir === '') fs.clear();
        else dropUnder(dir);
      }
      void i;
    });
    spec.forEach(([raw, kind, , o], i) => {
      if (kind === 'whiteout' || kind === 'opaque') return;
      const lexical = raw.replace(/\/+$/, '');
      const slash = lexical.lastIndexOf('/');
      const parent = resolve(slash < 0 ? '' : lexical.slice(0, slash));
      if (parent === null) return;
      ensure(parent);
      const p = (parent ? parent + '/' : '') + lexical.slice(slash + 1);
      const dir = kind === 'dir';
      if (!dir && fs.get(p)?.dir) dropUnder(p);
      fs.set(p, { layer: L, entry: i, dir, ...(kind === 'symlink' ? { link: o?.link ?? '' } : {}) });
    });
    states.push(fs);
  });
  return states;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('randomized: union model = naive application of layer.md', () => {
  it('agrees on status, provider, entry and change at every layer of 400 random images', () => {
    const segs = ['a', 'b', 'a-b', 'é', 'c'];
    const kinds: KindName[] = ['file', 'file', 'dir', 'dir', 'symlink', 'whiteout', 'opaque'];
    let through = 0;
    let loops = 0;
    for (let iter = 0; iter < 400; iter++) {
      const r = rng(iter + 1);
      const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]!;
      const nLayers = 1 + Math.floor(r() * 5);
      const specs: EntrySpec[][] = [];
      for (let L = 0; L < nLayers; L++) {
        const spec: EntrySpec[] = [];
        const nEntries = Math.floor(r() * 8);
        for (let i = 0; i < nEntries; i++) {
          const depth = 1 + Math.floor(r() * 3);
          const parts = Array.from({ length: depth }, () => pick(segs));
          const kind = pick(kinds);
          if (kind === 'whiteout') parts[parts.length - 1] = '.wh.' + parts[parts.length - 1];
          if (kind === 'opaque') parts[parts.length - 1] = '.wh..wh..opq';
          // symlink targets: relative, absolute, above the root, back into itself (loops)
          const link = kind === 'symlink' ? pick(['a', 'b/c', '../a', '/a/b', '', '.', '../../../c', '/', 'a-b/..', parts.join('/')]) : undefined;
          spec.push([parts.join('/'), kind, Math.floor(r() * 100), { mode: pick([0o755, 0o700]), ...(link !== undefined ? { link } : {}) }]);
        }
        specs.push(spec);
      }
      const layers = specs.map(layer);
      const u = buildUnion(layers);
      through += u.through.layer.length;
      for (const fl of u.through.flags) if (fl & THROUGH_LOOP) loops++;
      const naive = naiveApply(specs);
      const everVisible = new Set<string>();
      for (let L = 0; L < nLayers; L++) {
        const m = mergedAt(u, layers, L);
        const fs = naive[L]!;
        const prev = L > 0 ? naive[L - 1]! : new Map<string, NaiveVersion>();
        for (const k of prev.keys()) everVisible.add(k);
        const ctx = () => `seed ${iter + 1} layer ${L}: ${JSON.stringify(specs)}`;
        for (let n = 1; n < u.nodeCount; n++) {
          const p = pathOf(u, n).slice(1);
          const v = fs.get(p);
          if (v) {
            expect(m.status[n], ctx()).toBe(NodeStatus.Visible);
            expect([m.provider[n], m.entry[n]], `${p} ${ctx()}`).toEqual([v.layer, v.entry]);
            const pv = prev.get(p);
            let change: number = Change.Unchanged;
            if (v.layer === L) {
              if (!pv) change = Change.Added;
              else if (!v.dir || !pv.dir) change = Change.Modified;
              else {
                const mode = (x: NaiveVersion, li: LayerIndex | null) => (x.entry < 0 || !li ? 0o755 : li.modes[x.entry]);
                change = mode(v, layers[v.layer]!) === mode(pv, layers[pv.layer]!) ? Change.Unchanged : Change.MetadataOnly;
              }
            }
            expect(m.change[n], `${p} ${ctx()}`).toBe(change);
          } else {
            const wasThere = everVisible.has(p);
            expect(m.status[n], `${p} ${ctx()}`).toBe(wasThere ? NodeStatus.Deleted : NodeStatus.Absent);
            expect(m.change[n], `${p} ${ctx()}`).toBe(prev.has(p) ? Change.Deleted : Change.Unchanged);
            if (wasThere) {
              // the deleting layer: the last layer at whose end the path went away
              let lastGone = -1;
              for (let k = 1; k <= L; k++) if (naive[k - 1]!.has(p) && !naive[k]!.has(p)) lastGone = k;
              expect(m.provider[n], `${p} ${ctx()}`).toBe(lastGone);
            }
          }
        }
      }
    }
    // the images did go through symlinked parents, loops included
    expect(through).toBeGreaterThan(50);
    expect(loops).toBeGreaterThan(5);
  });
});

describe('ancestorsOf', () => {
  it('lists the directories a tree expands to show a path, root first', () => {
    expect(ancestorsOf('/etc/apt/sources.list')).toEqual(['/', '/etc', '/etc/apt']);
    expect(ancestorsOf('/a/b/c')).toEqual(['/', '/a', '/a/b']);
    expect(ancestorsOf('/etc')).toEqual(['/']);
    expect(ancestorsOf('/')).toEqual(['/']);
  });
});
