/**
 * The union through a symlinked parent directory (issue 9, point 13): layer 0
 * holds `etc/` and `etc2 -> /etc`, layer 1 adds `etc2/evil`. skopeo + umoci (the
 * reference, test/helpers/rootfsDiff.ts) and containerd resolve each entry's
 * parent inside the root filesystem: the file is /etc/evil and /etc2 stays a
 * link. Each case's archive is written here and its merged listing compared with
 * the reference's, path by path; then what we tell about it (warnings, the
 * `through` record) is checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDockerArchive } from './write/dockerArchive';
import { writeTar, type TarWriteEntry } from './write/tarWriter';
import { inProcessScanner, openImage, type LoadedImage } from './session';
import { listMerged } from './model/listing';
import { MAX_SYMLINK_FOLLOWS, lookup, writtenThrough } from './model/union';
import { CAN_UNPACK, oracleListing } from '../../test/helpers/rootfsDiff';
import { toOracleForm } from '../../test/helpers/oracleForm';
import { runCli } from '../../test/helpers/runCli';

const REASON = 'throughLinks.test: the reference needs root, skopeo and umoci (apt-get install -y skopeo umoci); skipping the comparisons';
if (!CAN_UNPACK) console.warn(REASON);
const T = 60_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'layerscope-through-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const enc = new TextEncoder();
const T0 = 1704067200;
const f = (path: string, text = 'x'): TarWriteEntry => ({ path, kind: 'file', data: enc.encode(text), mode: 0o644, uid: 0, gid: 0, mtime: T0 });
const d = (path: string, mode = 0o755): TarWriteEntry => ({ path, kind: 'dir', mode, uid: 0, gid: 0, mtime: T0 });
const sym = (path: string, target: string): TarWriteEntry => ({ path, kind: 'symlink', linkname: target, mode: 0o777, uid: 0, gid: 0, mtime: T0 });
const wh = (path: string): TarWriteEntry => f(path, '');

let n = 0;
async function archive(layers: TarWriteEntry[][]): Promise<string> {
  const bytes = await writeDockerArchive({
    layers: layers.map((l) => ({ tar: writeTar(l) })),
    config: { created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', config: {} },
    history: layers.map((_, i) => ({ created_by: `RUN step ${i}`, created: '2024-01-01T00:00:00Z' })),
    repoTag: `through/test:${n}`,
  });
  const p = join(dir, `img${n++}.tar`);
  writeFileSync(p, bytes);
  return p;
}

const scanner = inProcessScanner(2);
const open = (p: string): Promise<LoadedImage> => openImage(new Blob([readFileSync(p)]), { scanner });
const ours = (img: LoadedImage) => toOracleForm(listMerged(img.union, img.layers, img.image.layers.length - 1));
const warnings = (img: LoadedImage, code: string) => img.warnings.filter((w) => w.code === code).map((w) => w.message);

interface Case {
  name: string;
  layers: TarWriteEntry[][];
  /** Lines our listing must hold (checked with or without the reference). */
  has: string[];
  /** Paths that must not be in it. */
  hasNot: string[];
  /** [layer, tar path, link, dir] of each entry written through a link. */
  through: [number, string, string, string][];
}

const CASES: Case[] = [
  {
    name: 'absolute link: etc2 -> /etc, then etc2/evil',
    layers: [[d('etc/'), f('etc/passwd'), sym('etc2', '/etc')], [f('etc2/evil', 'planted')]],
    has: ['/etc/evil\tfile\t7\t0644\t0\t0\t', '/etc2\tsymlink\t0\t0777\t0\t0\t/etc'],
    hasNot: ['/etc2/evil'],
    through: [[1, 'etc2/evil', '/etc2', '/etc']],
  },
  {
    name: 'relative links: d2 -> d, d3 -> ../d at the root (clamped), sub/d4 -> ../d',
    layers: [
      [d('d/'), d('sub/'), sym('d2', 'd'), sym('d3', '../d'), sym('sub/d4', '../d')],
      [f('d2/x'), f('d3/y'), f('sub/d4/z')],
    ],
    has: ['/d/x\tfile\t1\t0644\t0\t0\t', '/d/y\tfile\t1\t0644\t0\t0\t', '/d/z\tfile\t1\t0644\t0\t0\t', '/sub/d4\tsymlink\t0\t0777\t0\t0\t../d'],
    hasNot: ['/d2/x', '/d3/y', '/sub/d4/z'],
    through: [
      [1, 'd2/x', '/d2', '/d'],
      [1, 'd3/y', '/d3', '/d'],
      [1, 'sub/d4/z', '/sub/d4', '/d'],
    ],
  },
  {
    name: 'a chain: lib64 -> usr/lib64 -> lib (relative to usr), a -> b -> /c',
    layers: [
      [d('usr/'), d('usr/lib/'), sym('usr/lib64', 'lib'), sym('lib64', 'usr/lib64'), d('c/'), sym('b', '/c'), sym('a', 'b')],
      [f('lib64/ld.so'), d('a/deep/'), f('a/deep/f')],
    ],
    has: ['/usr/lib/ld.so\tfile\t1\t0644\t0\t0\t', '/c/deep\tdir\t0\t0755\t0\t0\t', '/c/deep/f\tfile\t1\t0644\t0\t0\t'],
    hasNot: ['/lib64/ld.so', '/usr/lib64/ld.so', '/a/deep'],
    through: [
      [1, 'lib64/ld.so', '/lib64', '/usr/lib'],
      [1, 'a/deep', '/a', '/c'],
      [1, 'a/deep/f', '/a', '/c/deep'],
    ],
  },
  {
    name: 'links that point outside the root stay inside it',
    layers: [
      [d('etc/'), d('var/'), sym('var/up', '../../../../etc'), sym('abs', '/../../etc/../etc'), sym('far', '../../../tmp/new')],
      [f('var/up/a'), f('abs/b'), f('far/c')],
    ],
    has: [
      '/etc/a\tfile\t1\t0644\t0\t0\t',
      '/etc/b\tfile\t1\t0644\t0\t0\t',
      '/tmp/new/c\tfile\t1\t0644\t0\t0\t',
      '/far\tsymlink\t0\t0777\t0\t0\t../../../tmp/new',
    ],
    hasNot: ['/var/up/a', '/abs/b', '/far/c'],
    through: [
      [1, 'var/up/a', '/var/up', '/etc'],
      [1, 'abs/b', '/abs', '/etc'],
      [1, 'far/c', '/far', '/tmp/new'],
    ],
  },
  {
    name: 'a whiteout and an opaque marker through a linked parent',
    layers: [
      [d('etc/'), f('etc/passwd'), f('etc/shadow'), sym('etc2', '/etc'), d('d/'), f('d/a'), f('d/b'), sym('d2', 'd')],
      [wh('etc2/.wh.passwd'), wh('d2/.wh..wh..opq'), f('d2/c')],
    ],
    has: ['/etc/shadow\tfile\t1\t0644\t0\t0\t', '/d/c\tfile\t1\t0644\t0\t0\t', '/etc2\tsymlink\t0\t0777\t0\t0\t/etc', '/d2\tsymlink\t0\t0777\t0\t0\td'],
    hasNot: ['/etc/passwd', '/d/a', '/d/b', '/d2/c'],
    through: [
      [1, 'etc2/.wh.passwd', '/etc2', '/etc'],
      [1, 'd2/.wh..wh..opq', '/d2', '/d'],
      [1, 'd2/c', '/d2', '/d'],
    ],
  },
  {
    name: 'the link made earlier in the same layer, a link to a missing directory, links replaced by a file and a directory',
    layers: [
      [d('d/'), sym('gone', 'd')],
      [sym('lnk', 'd'), f('lnk/y'), sym('ghost', '/nowhere/deeper'), f('ghost/x'), f('gone', 'now a file')],
      [d('lnk/'), f('lnk/w')],
    ],
    has: [
      '/d/y\tfile\t1\t0644\t0\t0\t',
      '/nowhere/deeper/x\tfile\t1\t0644\t0\t0\t',
      '/gone\tfile\t10\t0644\t0\t0\t',
      '/lnk\tdir\t0\t0755\t0\t0\t',
      '/lnk/w\tfile\t1\t0644\t0\t0\t',
    ],
    hasNot: ['/lnk/y', '/ghost/x', '/d/w'],
    through: [
      [1, 'lnk/y', '/lnk', '/d'],
      [1, 'ghost/x', '/ghost', '/nowhere/deeper'],
    ],
  },
];

describe('entries under a symlinked directory land where the link points (point 13)', () => {
  for (const c of CASES) {
    it(
      c.name,
      async () => {
        const p = await archive(c.layers);
        const img = await open(p);
        const list = ours(img);
        for (const line of c.has) expect(list).toContain(line);
        for (const path of c.hasNot) expect(list.map((l) => l.split('\t')[0])).not.toContain(path);
        const got = c.through.map(([L, tarPath]) => {
          const e = img.layers[L]!.paths.indexOf(tarPath);
          const w = writtenThrough(img.union, img.layers, L, e);
          return [L, tarPath, w?.link, w?.dir];
        });
        expect(got).toEqual(c.through);
        expect(img.union.through.layer.length).toBe(c.through.length);
        // one warning per entry, naming the entry, the link and where it went
        const msgs = warnings(img, 'WRITTEN_THROUGH_SYMLINK');
        expect(msgs).toHaveLength(c.through.length);
        for (const [L, tarPath, link] of c.through)
          expect(msgs.some((m) => m.startsWith(`layer ${L}: `) && m.includes(`/${tarPath} `) && m.includes(`symlink ${link} → `))).toBe(true);
        if (CAN_UNPACK) expect(list).toEqual(oracleListing(p, dir));
      },
      T,
    );
  }

  it('the warning reads as a sentence with the link, its target and the landing path; a link above the root says so', async () => {
    const img = await open(await archive(CASES[0]!.layers));
    expect(warnings(img, 'WRITTEN_THROUGH_SYMLINK')).toEqual([
      'layer 1: /etc2/evil is written through the symlink /etc2 → /etc: it lands at /etc/evil, as umoci and containerd apply the layer, and /etc2 stays a symlink',
    ]);
    const up = await open(await archive(CASES[3]!.layers));
    expect(warnings(up, 'WRITTEN_THROUGH_SYMLINK')[0]).toMatch(
      /var\/up\/a is written through the symlink \/var\/up → \.\.\/\.\.\/\.\.\/\.\.\/etc: it lands at \/etc\/a.*points above the root and is kept inside it$/,
    );
  });

  it(
    `a loop (and a chain longer than ${MAX_SYMLINK_FOLLOWS} links) is followed ${MAX_SYMLINK_FOLLOWS} times, then the entry is left out with a warning`,
    async () => {
      const chain: TarWriteEntry[] = [d('end/')];
      // c0 -> c1 -> … -> c40 -> /end: 41 links
      for (let i = 0; i <= MAX_SYMLINK_FOLLOWS; i++) chain.push(sym(`c${i}`, i === MAX_SYMLINK_FOLLOWS ? '/end' : `c${i + 1}`));
      // 40 links: still followed
      const p = await archive([
        [sym('a', 'b'), sym('b', '/a'), sym('self', 'self/x'), ...chain],
        [f('a/x'), f('self/y'), f('c0/long'), f('c1/ok'), f('ok')],
      ]);
      const img = await open(p);
      const loops = warnings(img, 'SYMLINK_LOOP');
      expect(loops).toHaveLength(3);
      expect(loops[0]).toBe(
        `layer 1: /a/x is not applied: its parent path follows more than ${MAX_SYMLINK_FOLLOWS} symlinks, starting at the symlink /a → b (a loop; umoci and containerd refuse such a layer)`,
      );
      const list = ours(img).map((l) => l.split('\t')[0]);
      expect(list).toContain('/end/ok');
      expect(list).toContain('/ok');
      for (const gone of ['/a/x', '/b/x', '/self/y', '/end/long', '/c0/long']) expect(list).not.toContain(gone);
      expect(writtenThrough(img.union, img.layers, 1, 0)).toMatchObject({ link: '/a', loop: true, dir: '' });
      expect(img.union.entryNode[1]![0]).toBe(-1);
      expect(lookup(img.union, '/a')).toBeGreaterThan(0);
      // the reference refuses the loop outright (securejoin: "too many links")
      const loop = await archive([[sym('a', 'b'), sym('b', '/a')], [f('a/x')]]);
      if (CAN_UNPACK) expect(() => oracleListing(loop, dir)).toThrow(/umoci unpack/);
    },
    T,
  );
});

describe('the command line says it', () => {
  it('ls lists /etc/evil and warns on stderr; inspect lists the warning; an ESC in the name is escaped', async () => {
    const p = await archive([
      [d('etc/'), sym('etc2', '/etc')],
      [f('etc2/evil'), f('etc2/\x1b[2Jx')],
    ]);
    const run = (...argv: string[]) => runCli(argv);
    const ls = await run('ls', p);
    expect(ls.code).toBe(0);
    expect(ls.out).toContain('/etc/evil\tfile\t');
    expect(ls.out).not.toContain('/etc2/evil');
    const lines = ls.err.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'layerscope: warning: layer 1: /etc2/evil is written through the symlink /etc2 → /etc: it lands at /etc/evil, as umoci and containerd apply the layer, and /etc2 stays a symlink',
    );
    expect(lines).toHaveLength(2);
    expect(ls.err).not.toContain('\x1b');
    // as of layer 0 nothing was written through anything
    expect((await run('ls', p, '--layer', '0')).err).toBe('');
    const inspect = await run('inspect', p);
    expect(inspect.out).toContain('warning: layer 1: /etc2/evil is written through the symlink /etc2 → /etc');
  });
});
