/**
 * compareImages on real archives built here, against an independent computation
 * (test/helpers/rootfsDiff.ts): skopeo + umoci unpack both images to disk, the
 * trees are walked with lstat and every file hashed with node:crypto. The pairs:
 * a shared base, changed text of equal size, chmod only, a file replaced by a
 * directory, a whiteout in one side only, an opaque directory — then randomized
 * pairs over a shared base. And the same image as a docker-archive and as a gzip
 * OCI archive (every layer shared once hashed: no difference).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDockerArchive } from '../write/dockerArchive';
import { writeTar, type TarWriteEntry } from '../write/tarWriter';
import { inProcessScanner, openImage, type LoadedImage } from '../session';
import { categoryOf } from './flags';
import { compareImages, type Comparison } from './compareImages';
import { CAN_UNPACK, diffRootfs, unpackedRootfs, type OracleChange } from '../../../test/helpers/rootfsDiff';

if (!CAN_UNPACK) console.warn('compare/oracle.test: needs root, skopeo and umoci (apt-get install -y skopeo umoci); skipping');
const T = 60_000;
/** Randomized pairs: each costs four unpacks (~1 s). */
const ROUNDS = 8;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'layerscope-compare-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const enc = new TextEncoder();
const T0 = 1704067200;
const f = (path: string, text: string, extra: Partial<TarWriteEntry> = {}): TarWriteEntry => ({
  path,
  kind: 'file',
  data: enc.encode(text),
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: T0,
  ...extra,
});
const d = (path: string, extra: Partial<TarWriteEntry> = {}): TarWriteEntry => ({ path, kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: T0, ...extra });
const sym = (path: string, target: string): TarWriteEntry => ({ path, kind: 'symlink', linkname: target, mode: 0o777, uid: 0, gid: 0, mtime: T0 });
const wh = (path: string): TarWriteEntry => f(path, '');

let n = 0;
async function archive(layers: TarWriteEntry[][], tag = `compare/test:${n}`): Promise<string> {
  const history = layers.map((_, i) => ({ created_by: `RUN step ${i}`, created: '2024-01-01T00:00:00Z' }));
  const bytes = await writeDockerArchive({
    layers: layers.map((l) => ({ tar: writeTar(l) })),
    config: { created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', config: {} },
    history,
    repoTag: tag,
  });
  const p = join(dir, `img${n++}.tar`);
  writeFileSync(p, bytes);
  return p;
}

const scanner = inProcessScanner(2);
const open = (p: string): Promise<LoadedImage> => openImage(new Blob([readFileSync(p)]), { scanner });

async function ours(pa: string, pb: string): Promise<{ map: Map<string, string>; cmp: Comparison }> {
  const cmp = await compareImages({ id: pa, img: await open(pa) }, { id: pb, img: await open(pb) }, { scanner });
  const map = new Map<string, string>();
  for (let i = 0; i < cmp.diff.count; i++) map.set(cmp.diff.paths[i]!, categoryOf(cmp.diff.flags[i]!));
  return { map, cmp };
}

function oracle(pa: string, pb: string, transport: 'docker-archive' | 'oci-archive' = 'docker-archive'): Map<string, OracleChange> {
  return diffRootfs(unpackedRootfs(pa, dir), unpackedRootfs(pb, dir, transport));
}

const sorted = (m: Map<string, string>) => Object.fromEntries([...m].sort(([x], [y]) => Buffer.compare(Buffer.from(x), Buffer.from(y))));

const baseLayer: TarWriteEntry[] = [
  d('etc'),
  f('etc/motd', 'hello, world\n'),
  f('etc/hosts', '127.0.0.1 localhost\n'),
  d('usr'),
  d('usr/bin'),
  f('usr/bin/tool', '#!/bin/sh\necho tool\n', { mode: 0o755 }),
  { path: 'usr/bin/tool2', kind: 'hardlink', linkname: 'usr/bin/tool', mode: 0o755, uid: 0, gid: 0, mtime: T0 },
  d('usr/lib'),
  f('usr/lib/a.so', 'A'.repeat(1000)),
  f('usr/lib/b.so', 'B'.repeat(2000)),
  d('var'),
  d('var/cache'),
  f('var/cache/x', 'cache x'),
  f('var/cache/y', 'cache y'),
  sym('motd', 'etc/motd'),
  { path: 'run-fifo', kind: 'fifo', mode: 0o600, uid: 0, gid: 0, mtime: T0 },
];

describe.skipIf(!CAN_UNPACK)('compareImages against skopeo + umoci + sha256 of the unpacked trees', () => {
  const cases: [string, TarWriteEntry[][], TarWriteEntry[][]][] = [
    [
      'a shared base, then adds, overwrites and deletes',
      [baseLayer],
      [baseLayer, [d('etc'), f('etc/motd', 'a longer message of the day\n'), f('etc/new', 'n'), wh('usr/lib/.wh.a.so')]],
    ],
    [
      'changed text of equal size, and the same text written again in a new layer',
      [baseLayer],
      [baseLayer, [d('etc'), f('etc/motd', 'HELLO, WORLD\n'), f('etc/hosts', '127.0.0.1 localhost\n')]],
    ],
    [
      'chmod only, and chown only',
      [baseLayer],
      [baseLayer, [d('usr/lib'), f('usr/lib/a.so', 'A'.repeat(1000), { mode: 0o600 }), f('usr/lib/b.so', 'B'.repeat(2000), { uid: 1000, gid: 1000 })]],
    ],
    [
      'a file replaced by a directory, a directory by a file',
      [baseLayer],
      [baseLayer, [d('etc/hosts'), f('etc/hosts/inner', 'x'), f('var/cache', 'now a file')]],
    ],
    ['a whiteout in one side only (a directory)', [baseLayer, [f('etc/extra', 'e')]], [baseLayer, [f('etc/extra', 'e')], [wh('usr/.wh.lib')]]],
    ['an opaque directory', [baseLayer], [baseLayer, [d('var/cache'), wh('var/cache/.wh..wh..opq'), f('var/cache/y', 'cache Y'), f('var/cache/z', 'z')]]],
    ['a symlink retargeted, a fifo turned into a file', [baseLayer], [baseLayer, [sym('motd', 'etc/hosts'), f('run-fifo', '')]]],
    [
      'both sides built on the base differently',
      [baseLayer, [f('etc/motd', 'version A\n'), f('a-only', '1')]],
      [baseLayer, [f('etc/motd', 'version B\n'), f('b-only', '2')]],
    ],
  ];
  for (const [name, la, lb] of cases) {
    it(
      name,
      async () => {
        const pa = await archive(la);
        const pb = await archive(lb);
        const { map, cmp } = await ours(pa, pb);
        expect(sorted(map)).toEqual(sorted(oracle(pa, pb)));
        // the base is shared (same diff_id) and proven by hashing it
        expect(cmp.layers.commonBase).toBeGreaterThanOrEqual(1);
        expect(cmp.layers.keysA[0]).toBe(cmp.layers.keysB[0]);
        expect(map.size).toBeGreaterThan(0);
      },
      T,
    );
  }

  it(
    'equal-size candidates are hashed, and only they',
    async () => {
      const pa = await archive([baseLayer]);
      const pb = await archive([baseLayer, [d('etc'), f('etc/motd', 'HELLO, WORLD\n'), f('etc/hosts', '127.0.0.1 localhost\n'), f('etc/other', 'o')]]);
      const { map, cmp } = await ours(pa, pb);
      expect(sorted(map)).toEqual({ '/etc/motd': 'changed', '/etc/other': 'added' });
      // motd and passwd on each side; /etc/other has no counterpart, the base's other files are the same layer
      expect(cmp.proof.hashed).toBe(4);
      expect(cmp.proof.failures).toEqual([]);
    },
    T,
  );

  it(
    'randomized pairs over a shared base agree with the unpacked trees',
    async () => {
      let seed = 12345;
      const rnd = (k: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) % k;
      };
      const files = ['etc/motd', 'etc/hosts', 'usr/lib/a.so', 'usr/lib/b.so', 'var/cache/x', 'var/cache/y', 'usr/bin/tool'];
      const dirs = ['etc', 'usr/lib', 'var/cache', 'usr/bin'];
      const randomLayer = (): TarWriteEntry[] => {
        const out: TarWriteEntry[] = [];
        const used = new Set<string>();
        for (let k = 0; k < 3; k++) {
          const op = rnd(9);
          const p = files[rnd(files.length)]!;
          const dp = dirs[rnd(dirs.length)]!;
          if (used.has(p) || used.has(dp)) continue;
          used.add(p);
          const parent = p.slice(0, p.lastIndexOf('/'));
          if (op === 0)
            out.push(d(parent), f(p, 'z'.repeat(readBase(p).length))); // same size, other bytes
          else if (op === 1) out.push(d(parent), f(p, `resized ${rnd(100)}`));
          else if (op === 2)
            out.push(d(parent), f(p, readBase(p), { mode: 0o600 + rnd(2) * 0o100 })); // chmod
          else if (op === 3) out.push(d(parent), wh(`${parent}/.wh.${p.slice(parent.length + 1)}`));
          else if (op === 4) out.push(d(dp), wh(`${dp}/.wh..wh..opq`), f(`${dp}/fresh${rnd(3)}`, 'fresh'));
          else if (op === 5) out.push(d(p), f(`${p}/inside`, 'in'));
          else if (op === 6)
            out.push(d(parent), f(p, readBase(p))); // the same bytes again
          else if (op === 7) out.push(d(dp, { uid: 1 + rnd(2) }));
          else {
            used.add(dp);
            out.push(
              wh(`${dp.includes('/') ? dp.slice(0, dp.lastIndexOf('/')) + '/' : ''}.wh.${dp.slice(dp.lastIndexOf('/') + 1)}`),
              f(`new${rnd(5)}/f`, 'new'),
            );
          }
        }
        return out.length ? out : [f('filler', `${rnd(1000)}`)];
      };
      const seen = new Set<string>();
      for (let round = 0; round < ROUNDS; round++) {
        const la = [baseLayer, ...Array.from({ length: 1 + rnd(2) }, randomLayer)];
        const lb = [baseLayer, ...Array.from({ length: 1 + rnd(2) }, randomLayer)];
        const pa = await archive(la);
        const pb = await archive(lb);
        const { map } = await ours(pa, pb);
        const truth = oracle(pa, pb);
        expect(sorted(map), `round ${round}`).toEqual(sorted(truth));
        for (const c of truth.values()) seen.add(c);
      }
      // the rounds exercised every kind of change
      expect([...seen].sort()).toEqual(['added', 'changed', 'metadata', 'removed']);
    },
    ROUNDS * T,
  );

  it(
    'the same image as a docker-archive and as a gzip OCI archive: every layer shared, nothing differs',
    async () => {
      const pa = await archive([baseLayer, [f('etc/motd', 'v2\n')], [wh('var/.wh.cache')]], 'compare/same:1');
      const pb = join(dir, 'same.oci.tar');
      const r = spawnSync('skopeo', ['copy', '-q', '--dest-compress', `docker-archive:${pa}`, `oci-archive:${pb}:same`]);
      expect(r.status, r.stderr?.toString()).toBe(0);
      const A = await open(pa);
      const B = await open(pb);
      expect(B.layers.every((l) => l?.compression === 'gzip')).toBe(true);
      const cmp = await compareImages({ id: 'a', img: A }, { id: 'b', img: B }, { scanner });
      expect(cmp.diff.count).toBe(0);
      expect(cmp.layers.identical).toBe(true);
      expect(cmp.proof.hashed).toBe(0);
      // the shared layers were hashed first: the proof rests on computed digests, not claims
      expect(cmp.layersHashed.length).toBeGreaterThan(0);
      expect(cmp.mismatches).toEqual([]);
      expect(oracle(pa, pb, 'oci-archive').size).toBe(0);
    },
    T,
  );
});

function readBase(p: string): string {
  const e = baseLayer.find((x) => x.path === p);
  return e?.data ? new TextDecoder().decode(e.data) : '';
}
