/**
 * The tree diff's rules on hand-built layers (union.testkit): what each kind of
 * change is called, whiteouts and opaque directories on one side only, the
 * content proof's decisions, failed layers, two layers of one image. The same
 * rules are checked against skopeo + umoci on real archives in oracle.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { buildUnion } from '../model/union';
import { layer, type EntrySpec } from '../model/union.testkit';
import type { LayerIndex } from '../types';
import { Diff, categoryOf, flagNames } from './flags';
import { DigestCache } from './digests';
import { ABSENT_KIND, Proof, diffTrees, type TreeDiff } from './tree';
import { applyDigests, proofJobs, proveContents, type ContentHasher } from './proof';
import { buildDiffTree, countIn, diffTotals, diffTreePath } from './rollup';
import type { CompareSide } from './side';

interface SideSpec {
  layers: (LayerIndex | null)[];
  /** Computed diff_ids per layer (defaults: unique per side and layer, i.e. nothing shared). */
  ids?: (string | null)[];
  claimed?: (string | null)[];
  failed?: number[];
  layer?: number;
}

let sideNo = 0;
function side(spec: SideSpec, id = `s${sideNo++}`): CompareSide {
  const n = spec.layers.length;
  return {
    id,
    union: buildUnion(spec.layers),
    layers: spec.layers,
    layer: spec.layer ?? n - 1,
    verifiedDiffIds: spec.ids ?? Array.from({ length: n }, (_, i) => `sha256:${id}-${i}`),
    claimedDiffIds: spec.claimed ?? Array.from({ length: n }, () => null),
    blobIds: Array.from({ length: n }, () => null),
    archive: null,
    failed: Array.from({ length: n }, (_, i) => spec.layers[i] === null || (spec.failed ?? []).includes(i)),
  };
}

/** path -> category (+ flag names) of every record. */
function summary(d: TreeDiff): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < d.count; i++) out[d.paths[i]!] = `${categoryOf(d.flags[i]!)} ${flagNames(d.flags[i]!).join(',')}`.trim();
  return out;
}
const cats = (d: TreeDiff): Record<string, string> => Object.fromEntries(Object.entries(summary(d)).map(([p, s]) => [p, s.split(' ')[0]!]));

const base: EntrySpec[] = [
  ['etc/', 'dir'],
  ['etc/motd', 'file', 12],
  ['etc/passwd', 'file', 30],
  ['usr/bin/tool', 'file', 3000, { mode: 0o755 }],
  ['usr/lib/a.so', 'file', 100],
  ['usr/lib/b.so', 'file', 200],
  ['link', 'symlink', 0, { link: 'etc/motd' }],
];
const SHARED = 'sha256:base';

describe('diffTrees: the categories', () => {
  it('identical images (the same layers) differ in nothing', () => {
    const a = side({ layers: [layer(base)], ids: [SHARED] });
    const b = side({ layers: [layer(base)], ids: [SHARED] });
    const d = diffTrees(a, b);
    expect(d.count).toBe(0);
    expect(d.compared).toBe(10); // etc, etc/motd, etc/passwd, usr, usr/bin, usr/bin/tool, usr/lib, a.so, b.so, link
    expect(diffTotals(d).counts.unchanged).toBe(10);
  });

  it('a shared base and a top layer that adds, overwrites with another size, deletes (whiteout), chmods', () => {
    const a = side({ layers: [layer(base)], ids: [SHARED] });
    const b = side({
      layers: [
        layer(base),
        layer([
          ['etc/motd', 'file', 40],
          ['etc/new.conf', 'file', 5],
          ['usr/lib/.wh.a.so', 'whiteout'],
          ['usr/bin/tool', 'file', 3000, { mode: 0o700 }],
        ]),
      ],
      ids: [SHARED, 'sha256:top'],
    });
    const d = diffTrees(a, b);
    expect(summary(d)).toEqual({
      '/etc/motd': 'changed size',
      '/etc/new.conf': 'added added',
      // same size from another layer: nothing is claimed before the bytes are hashed
      '/usr/bin/tool': 'pending mode,pending',
      '/usr/lib/a.so': 'removed removed',
    });
    expect(d.layerB[d.paths.indexOf('/etc/motd')]).toBe(1);
    expect(d.layerA[d.paths.indexOf('/etc/motd')]).toBe(0);
    expect(d.kindA[d.paths.indexOf('/etc/new.conf')]).toBe(ABSENT_KIND);
    const t = diffTotals(d);
    expect(t.bytesAdded).toBe(28 + 5);
    expect(t.bytesRemoved).toBe(100);
    expect(t.net).toBe(-67);
  });

  it('chmod only, in a layer with the same bytes: metadata (mode), content proven by the shared layer', () => {
    const a = side({ layers: [layer(base)], ids: [SHARED] });
    const b = side({
      layers: [layer(base.map(([p, k, s, o]) => (p === 'etc/passwd' ? [p, k, s, { ...o, mode: 0o600 }] : [p, k, s, o])))],
      ids: ['sha256:other'],
    });
    // different layers: equal sizes are only candidates
    let d = diffTrees(a, b);
    expect(cats(d)['/etc/passwd']).toBe('pending');
    // digests known (e.g. hashed earlier): identical bytes, so only the mode differs
    const cache = new DigestCache();
    for (let e = 0; e < 7; e++) {
      cache.set(a, 0, e, `sha256:content-${e}`);
      cache.set(b, 0, e, `sha256:content-${e}`);
    }
    d = diffTrees(a, b, {}, cache);
    expect(summary(d)).toEqual({ '/etc/passwd': 'metadata mode' });
    expect(d.proof[0]).toBe(Proof.Digest);
  });

  it('changed text of equal size: pending until hashed, then changed (content); same bytes drop out', async () => {
    const a = side({ layers: [layer(base)], ids: [SHARED] });
    const b = side({
      layers: [
        layer(base),
        layer([
          ['etc/motd', 'file', 12],
          ['etc/passwd', 'file', 30],
        ]),
      ],
      ids: [SHARED, 'sha256:top'],
    });
    const d = diffTrees(a, b);
    expect(cats(d)).toEqual({ '/etc/motd': 'pending', '/etc/passwd': 'pending' });
    const cache = new DigestCache();
    const jobs = proofJobs(d, a, b, cache);
    // only the candidates: A's two files of layer 0 and B's two of layer 1
    expect(jobs.map((j) => [j.side, j.layer, j.entries.length]).sort()).toEqual([
      ['a', 0, 2],
      ['b', 1, 2],
    ]);
    const digest: Record<string, string> = { a0: 'sha256:x', a1: 'sha256:p', b0: 'sha256:y', b1: 'sha256:p' };
    const hasher: ContentHasher = {
      concurrency: 2,
      hashRanges: async (s, L, ranges) => {
        const li = (s === 'a' ? a : b).layers[L]!;
        return ranges.map((r) => {
          const e = Array.from(li.sizes).findIndex((sz, i) => sz === r.size && li.dataOffsets[i] === r.offset && li.paths[i]!.startsWith('etc/'));
          return digest[`${s}${li.paths[e] === 'etc/motd' ? 0 : 1}`]!;
        });
      },
    };
    const progress: number[] = [];
    const r = await proveContents(d, a, b, hasher, cache, { onProgress: (p) => progress.push(p.filesDone) });
    expect(summary(r.diff)).toEqual({ '/etc/motd': 'changed content' });
    expect(r.hashed).toBe(4);
    expect(progress.at(-1)).toBe(4);
    // a second derivation hashes nothing
    expect(proofJobs(diffTrees(a, b, {}, cache), a, b, cache)).toEqual([]);
  });

  it('a file replaced by a directory: the path changed (type), its new children added; and back', () => {
    const a = side({ layers: [layer(base)], ids: [SHARED] });
    const b = side({
      layers: [
        layer(base),
        layer([
          ['etc/passwd/', 'dir'],
          ['etc/passwd/x', 'file', 1],
        ]),
      ],
      ids: [SHARED, 'sha256:top'],
    });
    expect(summary(diffTrees(a, b))).toEqual({ '/etc/passwd': 'changed type,mode', '/etc/passwd/x': 'added added' });
    expect(summary(diffTrees(b, a))).toEqual({ '/etc/passwd': 'changed type,mode', '/etc/passwd/x': 'removed removed' });
  });

  it('a whiteout in one side only removes the path and everything below it', () => {
    const a = side({ layers: [layer(base)], ids: [SHARED] });
    const b = side({ layers: [layer(base), layer([['.wh.usr', 'whiteout']])], ids: [SHARED, 'sha256:top'] });
    expect(cats(diffTrees(a, b))).toEqual({
      '/usr': 'removed',
      '/usr/bin': 'removed',
      '/usr/bin/tool': 'removed',
      '/usr/lib': 'removed',
      '/usr/lib/a.so': 'removed',
      '/usr/lib/b.so': 'removed',
    });
  });

  it('an opaque directory hides the lower children; the ones it writes again are compared, not added', () => {
    const a = side({ layers: [layer(base)], ids: [SHARED] });
    const b = side({
      layers: [
        layer(base),
        layer([
          ['usr/lib/', 'dir'],
          ['usr/lib/.wh..wh..opq', 'opaque'],
          ['usr/lib/b.so', 'file', 250],
          ['usr/lib/c.so', 'file', 7],
        ]),
      ],
      ids: [SHARED, 'sha256:top'],
    });
    expect(cats(diffTrees(a, b))).toEqual({ '/usr/lib/a.so': 'removed', '/usr/lib/b.so': 'changed', '/usr/lib/c.so': 'added' });
    // the same opaque layer on both sides: nothing differs
    const c = side({ layers: b.layers as LayerIndex[], ids: [SHARED, 'sha256:top'] });
    expect(diffTrees(b, c).count).toBe(0);
  });

  it('a whiteout of a path the lower layers never had changes nothing', () => {
    const a = side({ layers: [layer(base)], ids: [SHARED] });
    const b = side({
      layers: [
        layer(base),
        layer([
          ['etc/.wh.nothing', 'whiteout'],
          ['.wh..wh.plnk/x', 'meta'],
        ]),
      ],
      ids: [SHARED, 'sha256:top'],
    });
    expect(diffTrees(a, b).count).toBe(0);
  });

  it('symlink target, device numbers, owner, xattrs', () => {
    const specA: EntrySpec[] = [
      ['l', 'symlink', 0, { link: 'a' }],
      ['dev/null', 'char', 0, { mode: 0o666 }],
      ['f', 'file', 1, { uid: 1 }],
      ['g', 'file', 0],
      ['s', 'symlink', 0, { link: 'x', mode: 0o755 }],
    ];
    const A = layer(specA);
    const B = layer(
      specA.map(([p, k, s, o]) => {
        if (p === 'l') return [p, k, s, { link: 'b' }];
        if (p === 'f') return [p, k, s, { uid: 2, gid: 3 }];
        if (p === 's') return [p, k, s, { link: 'x', mode: 0o777 }]; // a symlink's mode is irrelevant
        return [p, k, s, o];
      }),
    );
    A.devs.set(1, [1, 3]);
    B.devs.set(1, [1, 5]);
    B.xattrs.set(3, { 'security.capability': new Uint8Array([1, 2]) });
    const d = diffTrees(side({ layers: [A] }), side({ layers: [B] }));
    expect(summary(d)).toEqual({
      '/dev/null': 'changed device',
      '/f': 'pending uid,gid,pending',
      '/g': 'metadata xattrs',
      '/l': 'changed link',
    });
  });

  it('mtime is ignored unless asked for; implied directories have none', () => {
    const A = layer([
      ['d/', 'dir'],
      ['d/f', 'file', 0],
      ['e/f', 'file', 0],
    ]);
    const B = layer([
      ['d/', 'dir'],
      ['d/f', 'file', 0],
      ['e/f', 'file', 0],
    ]);
    A.mtimes[0] = 100;
    B.mtimes[0] = 200;
    B.mtimes[1] = 5;
    const a = side({ layers: [A] });
    const b = side({ layers: [B] });
    expect(diffTrees(a, b).count).toBe(0);
    expect(summary(diffTrees(a, b, { mtime: true }))).toEqual({ '/d': 'metadata mtime', '/d/f': 'metadata mtime' });
  });

  it('a hardlink and a file with the same bytes are the same file; the link itself is metadata', () => {
    const A = layer([
      ['bin/a', 'file', 10],
      ['bin/b', 'hardlink', 0, { link: 'bin/a' }],
    ]);
    const B = layer([
      ['bin/b', 'file', 10],
      ['bin/a', 'hardlink', 0, { link: 'bin/b' }],
    ]);
    const a = side({ layers: [A] });
    const b = side({ layers: [B] });
    const cache = new DigestCache();
    cache.set(a, 0, 0, 'sha256:same');
    cache.set(b, 0, 0, 'sha256:same');
    const d = diffTrees(a, b, {}, cache);
    // both paths are the same 10-byte file on both sides; which name tar stored first changed
    expect(summary(d)).toEqual({ '/bin/a': 'metadata hardlink', '/bin/b': 'metadata hardlink' });
    expect(Array.from(d.sizeA)).toEqual([10, 10]);
    // a hardlink adds no bytes of its own
    expect(Array.from(d.bytesA)).toEqual([10, 0]);
    expect(Array.from(d.bytesB)).toEqual([0, 10]);
  });

  it('records come out sorted bytewise on the full path, like `ls`', () => {
    const names = ['a', 'a-b', 'a.b', 'a/b', 'a/b/c', 'a0', 'B', 'é', 'z', '\u{1F600}', '\uFFFD'];
    const d = diffTrees(side({ layers: [layer([])] }), side({ layers: [layer(names.map((n) => [n, 'file', 1]))] }));
    const byBytes = [...d.paths].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(d.paths).toEqual(byBytes);
    expect(d.paths).toContain('/a/b/c');
  });
});

describe('diffTrees: the content proof', () => {
  it('the same entry of the same layer bytes is proven without reading; a claimed diff_id only when trusted, and then provisional', () => {
    const L = layer(base);
    const a = side({ layers: [L, layer([['x', 'file', 5]])], ids: [null, null], claimed: [SHARED, 'sha256:1'] });
    const b = side({ layers: [L, layer([['x', 'file', 5]])], ids: [null, null], claimed: [SHARED, 'sha256:2'] });
    // nothing hashed: every equal-size file is a candidate
    const unproven = diffTrees(a, b);
    expect(Object.values(cats(unproven)).every((c) => c === 'pending')).toBe(true);
    expect(unproven.count).toBe(6);
    const trusted = diffTrees(a, b, { trustClaimedDiffIds: true });
    expect(cats(trusted)).toEqual({ '/x': 'pending' });
    expect(trusted.provisional).toBe(true);
    // computed digests are proof
    const c = side({ layers: a.layers as LayerIndex[], ids: [SHARED, null] });
    const e = side({ layers: b.layers as LayerIndex[], ids: [SHARED, null] });
    const proven = diffTrees(c, e);
    expect(cats(proven)).toEqual({ '/x': 'pending' });
    expect(proven.provisional).toBe(false);
  });

  it('the same stored bytes of one archive are the same layer without any digest', () => {
    const L = layer(base);
    const archive = {};
    const mk = (id: string): CompareSide => ({ ...side({ layers: [L], ids: [null] }, id), blobIds: ['blobs/sha256/x@512+1024'], archive });
    expect(diffTrees(mk('p'), mk('q')).count).toBe(0);
  });

  it('empty files need no proof', () => {
    const d = diffTrees(side({ layers: [layer([['e', 'file', 0]])] }), side({ layers: [layer([['e', 'file', 0]])] }));
    expect(d.count).toBe(0);
  });

  it('a layer that cannot be read for the proof leaves its candidates unknown, never unchanged', () => {
    const a = side({ layers: [layer([['f', 'file', 9]])] });
    const b = side({ layers: [layer([['f', 'file', 9]])] });
    const d = diffTrees(a, b);
    const after = applyDigests(d, a, b, new DigestCache(), new Set(['b0']));
    expect(summary(after)).toEqual({ '/f': 'unknown unreadable' });
  });
});

describe('diffTrees: a side with a layer that could not be read', () => {
  const lower = layer(base);
  const mid = layer([['etc/motd', 'file', 99]]);
  const top = layer([['usr/bin/tool', 'file', 1]]);

  it('paths provided above the failed layer are compared; the rest is unknown, not unchanged', () => {
    const a = side({ layers: [lower, null, top], ids: [SHARED, null, 'sha256:t'] });
    const b = side({ layers: [lower, mid, top], ids: [SHARED, 'sha256:m', 'sha256:t'] });
    const d = diffTrees(a, b);
    const c = cats(d);
    expect(d.failedA).toBe(1);
    expect(d.failedB).toBe(-1);
    // /usr/bin/tool comes from layer 2 on both sides, above the failed layer: proven the same (same layer bytes)
    expect(c['/usr/bin/tool']).toBeUndefined();
    expect(c['/etc/motd']).toBe('unknown');
    expect(c['/etc/passwd']).toBe('unknown');
    expect(summary(d)['/etc/passwd']).toBe('unknown unknown-a');
    // an implied parent above the failed layer is not certain either (the failed layer may have made it)
    expect(c['/usr/bin']).toBe('unknown');
    expect(diffTotals(d).counts.unknown).toBe(d.count);
  });

  it('a partial index (entries before the failure kept) is as uncertain as a missing one', () => {
    const partial = layer([['etc/motd', 'file', 99]]);
    partial.error = { code: 'TRUNCATED', message: 'cut', offset: 1024 };
    const a = side({ layers: [lower, partial], ids: [SHARED, null], failed: [1] });
    const b = side({ layers: [lower, mid], ids: [SHARED, 'sha256:m'] });
    expect(cats(diffTrees(a, b))['/etc/motd']).toBe('unknown');
  });
});

describe('two layers of one image', () => {
  it('the tree as of layer N against layer M: what the layers between changed', () => {
    const layers = [
      layer(base),
      layer([
        ['etc/motd', 'file', 40],
        ['tmp/x', 'file', 3],
      ]),
      layer([
        ['tmp/.wh.x', 'whiteout'],
        ['etc/passwd', 'file', 30, { mode: 0o600 }],
      ]),
    ];
    const u = buildUnion(layers);
    const s = (L: number): CompareSide => ({ ...side({ layers, ids: ['sha256:0', 'sha256:1', 'sha256:2'] }, 'img'), union: u, layer: L });
    expect(cats(diffTrees(s(0), s(1)))).toEqual({ '/etc/motd': 'changed', '/tmp': 'added', '/tmp/x': 'added' });
    // /tmp/x added in 1 and deleted in 2: from 0 to 2 only the directory is left
    const d02 = diffTrees(s(0), s(2));
    expect(cats(d02)).toEqual({ '/etc/motd': 'changed', '/etc/passwd': 'pending', '/tmp': 'added' });
    expect(diffTrees(s(2), s(2)).count).toBe(0);
  });
});

describe('roll-ups', () => {
  it('per directory: bytes added and removed below it, paths per category', () => {
    const a = side({ layers: [layer(base)], ids: [SHARED] });
    const b = side({
      layers: [
        layer(base),
        layer([
          ['usr/lib/.wh.a.so', 'whiteout'],
          ['usr/lib/b.so', 'file', 260],
          ['usr/lib/x/y.so', 'file', 1000],
          ['etc/motd', 'file', 2],
        ]),
      ],
      ids: [SHARED, 'sha256:top'],
    });
    const d = diffTrees(a, b);
    const t = buildDiffTree(d);
    const byPath = new Map(Array.from({ length: t.count }, (_, v) => [diffTreePath(t, v), v]));
    const lib = byPath.get('/usr/lib')!;
    expect(t.record[lib]).toBe(-1); // the directory itself is the same on both sides
    expect(t.plus[lib]).toBe(60 + 1000);
    expect(t.minus[lib]).toBe(100);
    expect(countIn(t, lib, new Set(['added']))).toBe(2); // x and x/y.so
    expect(countIn(t, lib, new Set(['removed', 'changed']))).toBe(2);
    expect(t.plus[0]).toBe(1060);
    expect(t.minus[0]).toBe(110);
    const kids = Array.from(t.children.subarray(t.childStart[0], t.childStart[1]), (v) => t.names[v]);
    expect(kids).toEqual(['etc', 'usr']);
    expect(diffTotals(d)).toMatchObject({ bytesAdded: 1060, bytesRemoved: 110, net: 950 });
  });
});

describe('flags', () => {
  it('unknown wins over every other category; pending over metadata; changed over pending', () => {
    expect(categoryOf(Diff.Added | Diff.UnknownA)).toBe('unknown');
    expect(categoryOf(Diff.Mode | Diff.Pending)).toBe('pending');
    expect(categoryOf(Diff.Type | Diff.Pending)).toBe('changed');
    expect(categoryOf(Diff.Mtime)).toBe('metadata');
    expect(categoryOf(0)).toBe('unchanged');
  });
});
