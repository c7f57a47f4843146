import { describe, expect, it } from 'vitest';
import { EntryKind, type LayerIndex } from '../core/types';
import { buildUnion, lookup, mergedAt, pathOf, type UnionModel } from '../core/model/union';
import {
  changeName,
  compileSearch,
  expandedFlags,
  filterTree,
  flattenTree,
  globSegmentSource,
  matchNodes,
  modeOctal,
  modeString,
  nodeFlags,
  nodeInfo,
  shippedBelow,
  F_MATCH,
  F_HAS_CHILD,
  F_UNDER_MATCH,
  autoOpen,
  warmUpSteps,
  type SearchSpec,
} from './treeModel';
import { DEFAULT_FILTERS, type ChangeFilters, type SearchMode } from './viewSlice';

/* ------------------------------------------------------------ hand-made layers */

type Spec = [path: string, kind: 'file' | 'dir' | 'symlink' | 'hardlink' | 'whiteout' | 'opaque', size?: number, link?: string];

const KIND: Record<Spec[1], EntryKind> = {
  file: EntryKind.File,
  dir: EntryKind.Dir,
  symlink: EntryKind.Symlink,
  hardlink: EntryKind.Hardlink,
  whiteout: EntryKind.Whiteout,
  opaque: EntryKind.Opaque,
};

/** A LayerIndex as the scanner would make it from these tar entries. */
function layer(specs: Spec[]): LayerIndex {
  const n = specs.length;
  const links: string[] = [];
  const linkIds = new Int32Array(n).fill(-1);
  specs.forEach(([, , , l], i) => {
    if (l !== undefined) {
      linkIds[i] = links.length;
      links.push(l);
    }
  });
  return {
    count: n,
    paths: specs.map(([p]) => p.replace(/\/$/, '')),
    kinds: Uint8Array.from(specs.map(([, k]) => KIND[k])),
    sizes: Float64Array.from(specs.map(([, k, s]) => (k === 'file' ? (s ?? 0) : 0))),
    modes: Uint16Array.from(specs.map(([, k]) => (k === 'dir' ? 0o755 : 0o644))),
    uids: new Uint32Array(n),
    gids: new Uint32Array(n),
    mtimes: new Float64Array(n),
    dataOffsets: new Float64Array(n),
    linkIds,
    links,
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

/*
 * The small image used throughout (sizes chosen so every directory total differs):
 *   L0: /bin/sh 100, /etc/motd 12, /etc/passwd 30, /usr/lib/libc.so 1000 (implicit /usr, /usr/lib), /tmp/
 *   L1: /etc/motd 20 (modified), whiteout /etc/passwd, /app/server.sh 5 (added), opaque /usr (hides /usr/lib), /usr/local/x 1
 *   L2: /app/big 10000
 */
const L0 = layer([
  ['bin/', 'dir'],
  ['bin/sh', 'file', 100],
  ['etc/', 'dir'],
  ['etc/motd', 'file', 12],
  ['etc/passwd', 'file', 30],
  ['usr/lib/libc.so', 'file', 1000],
  ['tmp/', 'dir'],
]);
const L1 = layer([
  ['etc/motd', 'file', 20],
  ['etc/.wh.passwd', 'whiteout'],
  ['app/', 'dir'],
  ['app/server.sh', 'file', 5],
  ['usr/.wh..wh..opq', 'opaque'],
  ['usr/local/x', 'file', 1],
]);
const L2 = layer([['app/big', 'file', 10000]]);
const LAYERS = [L0, L1, L2];
const U = buildUnion(LAYERS);

const ALL_DIRS = ['/app', '/bin', '/etc', '/tmp', '/usr', '/usr/lib', '/usr/local'];

interface Opts {
  layer: number;
  filters?: Partial<ChangeFilters>;
  only?: boolean;
  showDeleted?: boolean;
  sort?: 'name' | 'size';
  expanded?: string[];
  search?: Partial<SearchSpec> & { text: string };
}

function rowsOf(u: UnionModel, layers: LayerIndex[], o: Opts) {
  const mv = mergedAt(u, layers, o.layer);
  const c = o.search ? compileSearch({ mode: 'substring', caseSensitive: false, ...o.search }) : null;
  if (c && !c.ok) throw new Error(c.error);
  const match = c ? matchNodes(u, c.c) : null;
  const flt = filterTree(u, mv, {
    filters: { ...DEFAULT_FILTERS, ...o.filters },
    onlyLayerChanges: o.only ?? false,
    showDeleted: o.showDeleted ?? true,
    match,
  });
  const rows = flattenTree(u, layers, mv, flt, {
    sort: o.sort ?? 'name',
    expanded: expandedFlags(u, o.expanded ?? ALL_DIRS, lookup),
    autoExpand: !!match,
    collapsed: null,
  });
  const out: string[] = [];
  for (let i = 0; i < rows.count; i++) out.push(pathOf(u, rows.nodes[i]!));
  const depths = Array.from(rows.depths.subarray(0, rows.count));
  const changes = Object.fromEntries(out.map((p, i) => [p, changeName(mv, rows.nodes[i]!)]));
  return { paths: out, depths, changes, flt, mv, rows };
}

describe('flattening', () => {
  it('lists the merged tree in bytewise name order, depth first, with deleted paths of the layer', () => {
    const r = rowsOf(U, LAYERS, { layer: 1 });
    expect(r.paths).toEqual([
      '/app',
      '/app/server.sh',
      '/bin',
      '/bin/sh',
      '/etc',
      '/etc/motd',
      '/etc/passwd',
      '/tmp',
      '/usr',
      '/usr/lib',
      '/usr/lib/libc.so',
      '/usr/local',
      '/usr/local/x',
    ]);
    expect(r.depths).toEqual([0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 2, 1, 2]);
    expect(r.changes).toEqual({
      '/app': 'added',
      '/app/server.sh': 'added',
      '/bin': 'unchanged',
      '/bin/sh': 'unchanged',
      '/etc': 'unchanged',
      '/etc/motd': 'modified',
      '/etc/passwd': 'deleted',
      '/tmp': 'unchanged',
      '/usr': 'unchanged',
      '/usr/lib': 'deleted',
      '/usr/lib/libc.so': 'deleted',
      '/usr/local': 'added',
      '/usr/local/x': 'added',
    });
  });

  it('descends only into expanded directories', () => {
    const r = rowsOf(U, LAYERS, { layer: 0, expanded: ['/usr'] });
    expect(r.paths).toEqual(['/bin', '/etc', '/tmp', '/usr', '/usr/lib']);
    // nested: /usr/lib open but /usr closed shows nothing below /usr
    expect(rowsOf(U, LAYERS, { layer: 0, expanded: ['/usr/lib'] }).paths).toEqual(['/bin', '/etc', '/tmp', '/usr']);
  });

  it('at layer 0 everything is added and nothing of later layers exists', () => {
    const r = rowsOf(U, LAYERS, { layer: 0 });
    expect(r.paths).toEqual(['/bin', '/bin/sh', '/etc', '/etc/motd', '/etc/passwd', '/tmp', '/usr', '/usr/lib', '/usr/lib/libc.so']);
    expect(new Set(Object.values(r.changes))).toEqual(new Set(['added']));
  });

  it('paths deleted by a lower layer are unchanged at later layers, and hidden without show-deleted', () => {
    const r = rowsOf(U, LAYERS, { layer: 2 });
    expect(r.changes['/etc/passwd']).toBe('unchanged');
    expect(r.changes['/app/big']).toBe('added');
    const hidden = rowsOf(U, LAYERS, { layer: 2, showDeleted: false });
    expect(hidden.paths).not.toContain('/etc/passwd');
    expect(hidden.paths).not.toContain('/usr/lib');
    expect(hidden.paths).not.toContain('/usr/lib/libc.so');
    expect(hidden.paths).toContain('/usr/local/x');
    // show-deleted off hides what the selected layer deletes too
    expect(rowsOf(U, LAYERS, { layer: 1, showDeleted: false }).paths).not.toContain('/etc/passwd');
  });
});

describe('filters', () => {
  it('change filters keep ancestors of what passes as context', () => {
    const r = rowsOf(U, LAYERS, { layer: 1, filters: { modified: false, deleted: false, unchanged: false } });
    expect(r.paths).toEqual(['/app', '/app/server.sh', '/usr', '/usr/local', '/usr/local/x']);
    const usr = lookup(U, '/usr');
    expect(nodeFlags(U, r.flt, usr) & 2 /* F_PASS */).toBe(0); // context only
  });

  it('deleted only', () => {
    const r = rowsOf(U, LAYERS, { layer: 1, filters: { added: false, modified: false, unchanged: false } });
    expect(r.paths).toEqual(['/etc', '/etc/passwd', '/usr', '/usr/lib', '/usr/lib/libc.so']);
  });

  it('only this layer’s changes', () => {
    const r = rowsOf(U, LAYERS, { layer: 1, only: true });
    expect(r.paths).toEqual([
      '/app',
      '/app/server.sh',
      '/etc',
      '/etc/motd',
      '/etc/passwd',
      '/usr',
      '/usr/lib',
      '/usr/lib/libc.so',
      '/usr/local',
      '/usr/local/x',
    ]);
    expect(rowsOf(U, LAYERS, { layer: 2, only: true }).paths).toEqual(['/app', '/app/big']);
  });

  it('all filters off shows nothing', () => {
    expect(rowsOf(U, LAYERS, { layer: 1, filters: { added: false, modified: false, deleted: false, unchanged: false } }).paths).toEqual([]);
  });
});

describe('sort by size', () => {
  it('orders siblings by subtree bytes, largest first, names breaking ties', () => {
    // layer 2: /app 10005, /bin 100, /etc 20, /usr 1 (libc.so hidden by the opaque dir), /tmp 0
    const r = rowsOf(U, LAYERS, { layer: 2, expanded: [], sort: 'size' });
    expect(r.paths).toEqual(['/app', '/bin', '/etc', '/usr', '/tmp']);
    const inApp = rowsOf(U, LAYERS, { layer: 2, expanded: ['/app'], sort: 'size' }).paths;
    expect(inApp.slice(0, 3)).toEqual(['/app', '/app/big', '/app/server.sh']);
    // layer 0: /usr 1000, /bin 100, /etc 42 (passwd 30 before motd 12, unlike name order), /tmp 0
    expect(rowsOf(U, LAYERS, { layer: 0, expanded: ['/etc'], sort: 'size' }).paths).toEqual(['/usr', '/bin', '/etc', '/etc/passwd', '/etc/motd', '/tmp']);
  });

  it('reports directory sizes as the visible subtree', () => {
    const mv = mergedAt(U, LAYERS, 2);
    expect(nodeInfo(U, LAYERS, mv, lookup(U, '/app')).size).toBe(10005);
    expect(nodeInfo(U, LAYERS, mv, lookup(U, '/usr')).size).toBe(1);
    expect(nodeInfo(U, LAYERS, mv, 0).size).toBe(10000 + 5 + 100 + 20 + 1);
  });
});

describe('row details', () => {
  it('gives a deleted path the deleting layer and its last version', () => {
    const mv = mergedAt(U, LAYERS, 2);
    const info = nodeInfo(U, LAYERS, mv, lookup(U, '/etc/passwd'));
    expect(info.status).toBe('deleted');
    expect(info.layer).toBe(1);
    expect(info.versionLayer).toBe(0);
    expect(info.size).toBe(30);
  });

  it('counts the lower versions a file hides and their bytes', () => {
    const ls = [layer([['a', 'file', 7]]), layer([['a', 'file', 9]]), layer([['b', 'file', 1]]), layer([['a', 'file', 11]])];
    const u = buildUnion(ls);
    const a = lookup(u, '/a');
    expect(nodeInfo(u, ls, mergedAt(u, ls, 0), a)).toMatchObject({ hiddenVersions: 0, hiddenBytes: 0, size: 7, layer: 0 });
    expect(nodeInfo(u, ls, mergedAt(u, ls, 1), a)).toMatchObject({ hiddenVersions: 1, hiddenBytes: 7, size: 9 });
    expect(nodeInfo(u, ls, mergedAt(u, ls, 3), a)).toMatchObject({ hiddenVersions: 2, hiddenBytes: 16, size: 11, layer: 3 });
    // a deletion in between starts over: the version after it hides nothing
    const ls2 = [layer([['a', 'file', 7]]), layer([['.wh.a', 'whiteout']]), layer([['a', 'file', 3]])];
    const u2 = buildUnion(ls2);
    expect(nodeInfo(u2, ls2, mergedAt(u2, ls2, 2), lookup(u2, '/a'))).toMatchObject({ hiddenVersions: 0, hiddenBytes: 0, change: 'added' });
  });

  it('shows link targets', () => {
    const ls = [
      layer([
        ['bin/busybox', 'file', 5],
        ['bin/sh', 'symlink', 0, 'busybox'],
        ['bin/ash', 'hardlink', 0, 'bin/busybox'],
      ]),
    ];
    const u = buildUnion(ls);
    const mv = mergedAt(u, ls, 0);
    expect(nodeInfo(u, ls, mv, lookup(u, '/bin/sh')).link).toBe('busybox');
    expect(nodeInfo(u, ls, mv, lookup(u, '/bin/ash'))).toMatchObject({ link: 'bin/busybox', kind: EntryKind.Hardlink, size: 5 });
  });

  it('counts the bytes a deletion leaves in the lower layers', () => {
    // /etc/passwd (30, layer 0) deleted in layer 1: 30 bytes still ship
    expect(shippedBelow(U, LAYERS, lookup(U, '/etc/passwd'), 1)).toEqual({ bytes: 30, versions: 1, layers: [0] });
    // the opaque /usr hides /usr/lib with libc.so (1000)
    expect(shippedBelow(U, LAYERS, lookup(U, '/usr/lib'), 1)).toEqual({ bytes: 1000, versions: 1, layers: [0] });
    // every version counts: a file written in 0 and 1, deleted in 2
    const ls = [
      layer([
        ['d/a', 'file', 7],
        ['d/b', 'file', 1],
      ]),
      layer([['d/a', 'file', 9]]),
      layer([['.wh.d', 'whiteout']]),
    ];
    const u = buildUnion(ls);
    expect(shippedBelow(u, ls, lookup(u, '/d'), 2)).toEqual({ bytes: 17, versions: 3, layers: [0, 1] });
  });
});

describe('search', () => {
  const paths = (o: Omit<Opts, 'search'> & { search: Partial<SearchSpec> & { text: string } }) => rowsOf(U, LAYERS, { expanded: [], ...o });
  const matched = (o: Parameters<typeof paths>[0]) => {
    const r = paths(o);
    return r.paths.filter((_, i) => r.rows.flags[i]! & F_MATCH);
  };

  it('substring on names, with matches revealed and counted', () => {
    const r = paths({ layer: 2, search: { text: 'sh' } });
    expect(r.paths).toEqual(['/app', '/app/server.sh', '/bin', '/bin/sh']);
    expect(r.flt.matchCount).toBe(2);
  });

  it('is case-insensitive unless asked', () => {
    expect(matched({ layer: 2, search: { text: 'MOTD' } })).toEqual(['/etc/motd']);
    expect(matched({ layer: 2, search: { text: 'MOTD', caseSensitive: true } })).toEqual([]);
    expect(matched({ layer: 2, search: { text: 'M*D', mode: 'glob' } })).toEqual(['/etc/motd']);
    expect(matched({ layer: 2, search: { text: '^MO', mode: 'regex', caseSensitive: true } })).toEqual([]);
  });

  it('substring with "/" matches the path where the occurrence ends in the node', () => {
    expect(matched({ layer: 2, search: { text: '/etc/m' } })).toEqual(['/etc/motd']);
    expect(matched({ layer: 2, search: { text: 'c/m' } })).toEqual(['/etc/motd']);
    expect(matched({ layer: 2, search: { text: '/usr' } })).toEqual(['/usr']); // not every file below it
    expect(matched({ layer: 2, search: { text: 'etc/' } })).toEqual(['/etc/motd', '/etc/passwd']);
    expect(matched({ layer: 2, search: { text: 'usr/local/x' } })).toEqual(['/usr/local/x']);
  });

  it('glob: names without "/", paths with it', () => {
    expect(matched({ layer: 0, search: { text: '*.so', mode: 'glob' } })).toEqual(['/usr/lib/libc.so']);
    expect(matched({ layer: 2, search: { text: '/usr/**/x', mode: 'glob' } })).toEqual(['/usr/local/x']);
    expect(matched({ layer: 2, search: { text: 'local/*', mode: 'glob' } })).toEqual(['/usr/local/x']);
    expect(matched({ layer: 2, search: { text: '/etc/*', mode: 'glob' } })).toEqual(['/etc/motd', '/etc/passwd']);
    expect(matched({ layer: 2, search: { text: '/*/sh', mode: 'glob' } })).toEqual(['/bin/sh']);
    expect(matched({ layer: 2, search: { text: '/etc', mode: 'glob' } })).toEqual(['/etc']);
    expect(matched({ layer: 2, search: { text: 'm[a-o]td', mode: 'glob' } })).toEqual(['/etc/motd']);
    expect(matched({ layer: 2, search: { text: '[!m]otd', mode: 'glob' } })).toEqual([]);
    expect(matched({ layer: 2, search: { text: 's?', mode: 'glob' } })).toEqual(['/bin/sh']);
  });

  it('regex on names, or on paths when it contains "/"', () => {
    expect(matched({ layer: 2, search: { text: '^s', mode: 'regex' } })).toEqual(['/app/server.sh', '/bin/sh']);
    expect(matched({ layer: 2, search: { text: '/etc/.*d$', mode: 'regex' } })).toEqual(['/etc/motd', '/etc/passwd']);
    expect(compileSearch({ text: '(', mode: 'regex', caseSensitive: false })).toMatchObject({ ok: false });
  });

  it('a match on a directory shows what it holds; its subdirectories start closed unless they lead to a match', () => {
    // "usr" matches /usr only: its contents are shown as context, not as matches.
    const r = paths({ layer: 2, search: { text: 'usr' } });
    // (/usr/lib is shown deleted: layer 1's opaque /usr hides it.)
    expect(r.paths).toEqual(['/usr', '/usr/lib', '/usr/local']);
    expect(r.flt.matchCount).toBe(1);
    expect(r.flt.passCount).toBe(1);
    const local = r.rows.flags[2]!;
    expect(local & F_MATCH).toBe(0);
    expect(local & F_UNDER_MATCH).toBeTruthy();
    expect(local & F_HAS_CHILD).toBeTruthy();
    expect(autoOpen(local)).toBe(false);
    // Opened by hand (the flipped set), /usr/local shows its file.
    const mv = r.mv;
    const opened = flattenTree(U, LAYERS, mv, r.flt, {
      sort: 'name',
      expanded: new Uint8Array(U.nodeCount),
      autoExpand: true,
      collapsed: new Set([lookup(U, '/usr/local')]),
    });
    expect(Array.from(opened.nodes.subarray(0, opened.count), (n) => pathOf(U, n))).toEqual(['/usr', '/usr/lib', '/usr/local', '/usr/local/x']);
    // A subdirectory that leads to another match opens by itself.
    const etc = paths({ layer: 2, search: { text: '/etc', mode: 'glob' } });
    expect(etc.paths).toEqual(['/etc', '/etc/motd', '/etc/passwd']);
    const both = paths({ layer: 2, search: { text: '^(usr|x)$', mode: 'regex' } });
    expect(both.paths).toEqual(['/usr', '/usr/lib', '/usr/local', '/usr/local/x']);
    // The other filters still apply inside: only added paths under /etc at layer 1 (none).
    expect(paths({ layer: 1, filters: { unchanged: false, modified: false, deleted: false }, search: { text: 'etc' } }).paths).toEqual([]);
  });

  it('counts only matches that pass the other filters', () => {
    expect(paths({ layer: 2, search: { text: 'passwd' } }).flt.matchCount).toBe(1);
    expect(paths({ layer: 2, showDeleted: false, search: { text: 'passwd' } }).flt.matchCount).toBe(0);
  });

  it('glob segments translate like fnmatch', () => {
    expect(new RegExp(`^${globSegmentSource('a*b?[xy][!z][^q]')}$`).test('a--bcxyr')).toBe(true);
    expect(new RegExp(`^${globSegmentSource('[]]')}$`).test(']')).toBe(true);
    expect(new RegExp(`^${globSegmentSource('a.b')}$`).test('axb')).toBe(false);
    expect(new RegExp(`^${globSegmentSource('x[')}$`).test('x[')).toBe(true);
  });
});

/* ------------------------------------------------------------ against naive oracles on random images */

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomImage(seed: number) {
  const r = rng(seed);
  const names = ['a', 'b', 'ab', 'ba', 'a.b', 'B', 'aa', 'x-y', 'é', 'conf.d'];
  const pick = () => names[Math.floor(r() * names.length)];
  const layers: LayerIndex[] = [];
  for (let l = 0; l < 4; l++) {
    const specs: Spec[] = [];
    for (let i = 0; i < 60; i++) {
      const depth = 1 + Math.floor(r() * 4);
      const segs = Array.from({ length: depth }, pick);
      const roll = r();
      if (l > 0 && roll < 0.1) specs.push([[...segs.slice(0, -1), '.wh.' + segs[depth - 1]].join('/'), 'whiteout']);
      else if (l > 0 && roll < 0.13) specs.push([[...segs, '.wh..wh..opq'].join('/'), 'opaque']);
      else if (roll < 0.4) specs.push([segs.join('/') + '/', 'dir']);
      else specs.push([segs.join('/'), 'file', Math.floor(r() * 1000)]);
    }
    layers.push(layer(specs));
  }
  return layers;
}

function fullPaths(u: UnionModel): string[] {
  const out: string[] = new Array(u.nodeCount);
  for (let i = 0; i < u.nodeCount; i++) out[i] = i === 0 ? '' : pathOf(u, i);
  return out;
}

/** The documented semantics, implemented the slow obvious way on full path strings. */
function oracleMatch(u: UnionModel, P: string[], spec: SearchSpec): boolean[] {
  const ci = !spec.caseSensitive;
  const norm = (s: string) => (ci ? s.toLowerCase() : s);
  const out: boolean[] = [false];
  for (let i = 1; i < u.nodeCount; i++) {
    const path = P[i]!;
    const parentPath = P[u.parent[i]!]!;
    const name = u.names[u.nameId[i]!]!;
    let m = false;
    if (spec.mode === 'substring') {
      const needle = norm(spec.text);
      if (!spec.text.includes('/')) m = norm(name).includes(needle);
      else {
        const hay = norm(path);
        for (let at = hay.indexOf(needle); at >= 0 && !m; at = hay.indexOf(needle, at + 1)) m = at + needle.length > parentPath.length;
      }
    } else if (spec.mode === 'regex') {
      const re = new RegExp(spec.text, ci ? 'i' : '');
      m = spec.text.includes('/') ? re.test(path) && !re.test(parentPath) : re.test(name);
    } else {
      const segRe = (s: string) => new RegExp(`^${globSegmentSource(s)}$`, ci ? 'iu' : 'u');
      if (!spec.text.includes('/')) m = segRe(spec.text).test(name);
      else {
        let pat = spec.text.split('/').filter((s) => s !== '');
        if (!spec.text.startsWith('/')) pat = ['**', ...pat];
        const segs = path.split('/').slice(1);
        const rec = (pi: number, si: number): boolean => {
          if (pi === pat.length) return si === segs.length;
          if (pat[pi] === '**') return rec(pi + 1, si) || (si < segs.length && rec(pi, si + 1));
          return si < segs.length && segRe(pat[pi]!).test(segs[si]!) && rec(pi + 1, si + 1);
        };
        m = rec(0, 0);
      }
    }
    out.push(m);
  }
  return out;
}

describe('search against a naive oracle on random images', () => {
  const patterns: Array<[SearchMode, string]> = [
    ['substring', 'a'],
    ['substring', 'A.'],
    ['substring', 'a/b'],
    ['substring', '/a'],
    ['substring', 'b/'],
    ['substring', 'a/a/a'],
    ['substring', '/'],
    ['substring', 'é/c'],
    ['glob', '*.b'],
    ['glob', 'a/*'],
    ['glob', '/a/**'],
    ['glob', '**/b/a*'],
    ['glob', '/?/[ab]*/**/b'],
    ['glob', 'x-y/**/a'],
    ['regex', '^a+$'],
    ['regex', 'b/a'],
    ['regex', '/a/.*\\.b$'],
    ['regex', '(^|/)conf\\.d/'],
  ];
  for (const seed of [1, 2, 3]) {
    const ls = randomImage(seed);
    const u = buildUnion(ls);
    const P = fullPaths(u);
    for (const [mode, text] of patterns) {
      for (const caseSensitive of [false, true]) {
        it(`seed ${seed}: ${mode} ${JSON.stringify(text)}${caseSensitive ? ' (case)' : ''}`, () => {
          const spec = { mode, text, caseSensitive };
          const c = compileSearch(spec);
          if (!c?.ok) throw new Error('did not compile');
          const got = Array.from(matchNodes(u, c.c), (x) => x === 1);
          expect(got).toEqual(oracleMatch(u, P, spec));
        });
      }
    }
  }
});

/** Bytewise order of full paths compared segment by segment: the tree's depth-first order. */
function treeOrder(x: string, y: string): number {
  const xs = x.split('/');
  const ys = y.split('/');
  for (let k = 0; k < Math.min(xs.length, ys.length); k++) {
    if (xs[k] !== ys[k]) {
      const a = Array.from(xs[k]!, (ch) => ch.codePointAt(0)!);
      const b = Array.from(ys[k]!, (ch) => ch.codePointAt(0)!);
      for (let m = 0; m < Math.min(a.length, b.length); m++) if (a[m] !== b[m]) return a[m]! - b[m]!;
      return a.length - b.length;
    }
  }
  return xs.length - ys.length;
}

describe('filters against a naive oracle on random images', () => {
  const cases: Array<{ name: string; filters: ChangeFilters; only: boolean; showDeleted: boolean; search: string | null }> = [
    { name: 'default view', filters: DEFAULT_FILTERS, only: false, showDeleted: true, search: null },
    { name: 'default view without deleted', filters: DEFAULT_FILTERS, only: false, showDeleted: false, search: null },
    { name: 'only-changes + no modified + search', filters: { ...DEFAULT_FILTERS, modified: false }, only: true, showDeleted: true, search: 'a' },
    {
      name: 'no unchanged, no deleted, without show-deleted',
      filters: { ...DEFAULT_FILTERS, unchanged: false, deleted: false },
      only: false,
      showDeleted: false,
      search: null,
    },
  ];
  for (const seed of [4, 5]) {
    const ls = randomImage(seed);
    const u = buildUnion(ls);
    const P = fullPaths(u);
    for (let L = 0; L < ls.length; L++) {
      for (const cs of cases) {
        it(`seed ${seed} layer ${L}: ${cs.name}, all expanded`, () => {
          const mv = mergedAt(u, ls, L);
          let match: Uint8Array | null = null;
          if (cs.search) {
            const c = compileSearch({ mode: 'substring', text: cs.search, caseSensitive: false })!;
            if (!c.ok) throw new Error();
            match = matchNodes(u, c.c);
          }
          const flt = filterTree(u, mv, { filters: cs.filters, onlyLayerChanges: cs.only, showDeleted: cs.showDeleted, match });
          const all = new Uint8Array(u.nodeCount).fill(1);
          const rows = flattenTree(u, ls, mv, flt, { sort: 'name', expanded: all, autoExpand: false, collapsed: null });
          const got = Array.from(rows.nodes.subarray(0, rows.count), (n) => P[n]);
          // oracle: a node passes if present (a path deleted by a lower layer counts as unchanged
          // and needs show-deleted), its change kind is enabled, it changed when only-changes is on,
          // and it matches — or lies inside a present directory that matches (a match on a
          // directory shows what it holds); it is shown if it or a descendant passes.
          const matches = (i: number) => !cs.search || new RegExp(cs.search, 'i').test(u.names[u.nameId[i]!]!);
          const insideMatch = (i: number) => P.some((q, j) => j > 0 && P[i]!.startsWith(q + '/') && mv.status[j] !== 0 && matches(j));
          const passes = (i: number) => {
            if (mv.status[i] === 0) return false;
            if (mv.status[i] === 2 && !cs.showDeleted) return false;
            if (cs.only && mv.change[i] === 0) return false;
            if (cs.search && !matches(i) && !insideMatch(i)) return false;
            return cs.filters[changeName(mv, i)];
          };
          const shown = P.map((p, i) => i > 0 && P.some((q, j) => (j === i || q.startsWith(p + '/')) && passes(j)));
          expect(got).toEqual(P.filter((_, i) => shown[i]).sort(treeOrder));
        });
      }
    }
  }
});

describe('formatting', () => {
  it('modes like ls -l', () => {
    expect(modeString(EntryKind.Dir, 0o755)).toBe('drwxr-xr-x');
    expect(modeString(EntryKind.File, 0o4755)).toBe('-rwsr-xr-x');
    expect(modeString(EntryKind.File, 0o2644)).toBe('-rw-r-Sr--');
    expect(modeString(EntryKind.Dir, 0o1777)).toBe('drwxrwxrwt');
    expect(modeString(EntryKind.Symlink, 0o777)).toBe('lrwxrwxrwx');
    expect(modeOctal(0o4755)).toBe('4755');
    expect(modeOctal(0o644)).toBe('0644');
  });
});

describe('scale', () => {
  // Correctness at a million nodes (counts, matches). How fast search, filter and flatten are at this
  // size is measured by the benchmark (npm run bench: bench-tree.mjs), not by a timed unit test.
  it('a million nodes: search, filter and flatten give the right counts', () => {
    // 1000 directories x 1000 files in one layer, a second layer rewriting every 10th file
    const N = 1000;
    const mk = (step: number) => {
      const n = step === 1 ? N * N + N : N * (N / 10);
      const li = layer([]);
      const paths: string[] = new Array(n);
      const kinds = new Uint8Array(n);
      const sizes = new Float64Array(n);
      let k = 0;
      for (let d = 0; d < N; d++) {
        if (step === 1) {
          paths[k] = `usr/d${d}`;
          kinds[k++] = EntryKind.Dir;
        }
        for (let f = 0; f < N; f += step) {
          paths[k] = `usr/d${d}/file-${f}.txt`;
          kinds[k] = EntryKind.File;
          sizes[k++] = f + d;
        }
      }
      return {
        ...li,
        count: n,
        paths,
        kinds,
        sizes,
        modes: new Uint16Array(n),
        uids: new Uint32Array(n),
        gids: new Uint32Array(n),
        mtimes: new Float64Array(n),
        dataOffsets: new Float64Array(n),
        linkIds: new Int32Array(n).fill(-1),
      };
    };
    const ls = [mk(1), mk(10)];
    const u = buildUnion(ls);
    expect(u.nodeCount).toBe(1 + 1 + N + N * N);
    const mv = mergedAt(u, ls, 1);
    const c = compileSearch({ text: 'file-99', mode: 'substring', caseSensitive: false })!;
    if (!c.ok) throw new Error();
    const match = matchNodes(u, c.c);
    const flt = filterTree(u, mv, { filters: DEFAULT_FILTERS, onlyLayerChanges: false, showDeleted: true, match });
    const rows = flattenTree(u, ls, mv, flt, { sort: 'name', expanded: new Uint8Array(u.nodeCount), autoExpand: true, collapsed: null });
    // file-99, file-990..999 in each directory
    expect(flt.matchCount).toBe(N * 11);
    expect(rows.count).toBe(1 + N + N * 11);
    const glob = compileSearch({ text: '/usr/d1*/file-5?.txt', mode: 'glob', caseSensitive: false })!;
    if (!glob.ok) throw new Error();
    const g = matchNodes(u, glob.c);
    // d1, d10..d19, d100..d199: 111 directories x 10 files
    expect(g.reduce((a, b) => a + b, 0)).toBe(111 * 10);
  });
});

describe('warmUpSteps (issue 13: the warm-up after a load within idle deadlines)', () => {
  // 50,000 distinct names: the search part takes several of its cursor's slices
  const ls = [layer(Array.from({ length: 50_000 }, (_, i): Spec => [`d${i % 100}/file-${i}`, 'file', 1]))];
  const u = buildUnion(ls);
  const mv = mergedAt(u, ls, 0);

  it('out of time, each call makes one step and returns; it ends after the walk, the search slices and the filter pass', () => {
    const steps = warmUpSteps(u, mv);
    let calls = 1;
    while (!steps.run(0)) calls++; // a deadline long passed
    // the walk, at least two slices of the search, the filter pass (its call returns true)
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(steps.run(0)).toBe(true);
  });

  it('given the time, all in one call; without a merged view, no filter pass', () => {
    expect(warmUpSteps(u, mv).run(Number.POSITIVE_INFINITY)).toBe(true);
    const noView = warmUpSteps(u);
    let calls = 1;
    while (!noView.run(0)) calls++;
    expect(calls).toBeGreaterThanOrEqual(3);
  });
});
