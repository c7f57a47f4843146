/**
 * `layerscope diff` (issue 11, "Command line"): the TSV against skopeo + umoci +
 * sha256 of the unpacked trees (test/helpers/rootfsDiff.ts), exit codes 0/1/2,
 * errors naming the side, escaping, --summary, --json, two images and two layers
 * of one archive, a layer that cannot be read, and the built command's exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../test/helpers/runCli';
import { writeTar } from '../../core/write/tarWriter';
import { dockerArchive, tdir, tfile, tlink } from '../../../test/helpers/imageArchive';
import { CAN_UNPACK, diffRootfs, unpackedRootfs } from '../../../test/helpers/rootfsDiff';
import { ociIndexArchive } from '../../../test/helpers/ociIndex';

const ROOT = join(__dirname, '../../..');
const IMAGES = join(ROOT, 'test/fixtures/images');
const img = (name: string) => join(IMAGES, name);
const T = 60_000;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-diff-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const run = (...argv: string[]) => runCli(argv);

let saved = 0;
function save(bytes: Uint8Array): string {
  const f = join(tmp, `a${saved++}.tar`);
  writeFileSync(f, bytes);
  return f;
}

const rows = (out: string) =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));

/** A one-line user error naming the side. */
function expectSideError(r: { code: number; out: string; err: string }, side: 'A' | 'B', pattern: RegExp) {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  const lines = r.err.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^layerscope: ${side}\\b`));
  expect(lines[0]).toMatch(pattern);
  expect(r.err).not.toMatch(/^\s+at /m);
}

const base = writeTar([tdir('etc'), tfile('etc/motd', 'hello\n'), tfile('etc/conf', 'a=1\n'), tdir('bin'), tfile('bin/tool', 'tool v1', { mode: 0o755 })]);

/** Unpacking is the slow part (skopeo + umoci: seconds per image): once per image. */
const unpackedCache = new Map<string, ReturnType<typeof unpackedRootfs>>();
function unpacked(archive: string, image: string) {
  const key = `${archive}@${image}`;
  let t = unpackedCache.get(key);
  if (!t) {
    t = unpackedRootfs(archive, tmp, 'docker-archive', `@${image}`);
    unpackedCache.set(key, t);
  }
  return t;
}

describe('layerscope diff: the TSV against the unpacked trees', () => {
  const pairs: [string, string[]][] = [
    [
      'two images of one podman archive (a shared first layer)',
      [img('podman-two-images-shared-layer.docker.tar'), img('podman-two-images-shared-layer.docker.tar'), '--image-b', '1'],
    ],
    ['two images of a bazel bundle', [img('legacy-bundle-two-images.tar'), img('legacy-bundle-two-images.tar'), '--image-a', '0', '--image-b', '1']],
    ['two different images', [img('skopeo-busybox.tar'), img('skopeo-opaque-whiteout.tar')]],
    ['the reverse', [img('skopeo-opaque-whiteout.tar'), img('skopeo-busybox.tar')]],
  ];
  for (const [name, argv] of pairs) {
    it.skipIf(!CAN_UNPACK)(
      name,
      async () => {
        const r = await run('diff', ...argv);
        expect(r.err).toBe('');
        const got = rows(r.out);
        const [pa, pb] = argv as [string, string];
        const ia = argv.includes('--image-a') ? argv[argv.indexOf('--image-a') + 1]! : '0';
        const ib = argv.includes('--image-b') ? argv[argv.indexOf('--image-b') + 1]! : '0';
        const ta = unpacked(pa, ia);
        const tb = unpacked(pb, ib);
        const truth = diffRootfs(ta, tb);
        expect(Object.fromEntries(got.map((c) => [c[0], c[1]]))).toEqual(Object.fromEntries(truth));
        expect(r.code).toBe(truth.size > 0 ? 1 : 0);
        // six columns; sizes as on disk, empty where absent
        for (const c of got) {
          expect(c).toHaveLength(6);
          const [p, , sa, sb] = c as [string, string, string, string];
          const x = ta.get(p);
          const y = tb.get(p);
          expect(sa).toBe(x ? String(x.size) : '');
          expect(sb).toBe(y ? String(y.size) : '');
        }
        // sorted bytewise
        const paths = got.map((c) => c[0] as string);
        expect(paths).toEqual([...paths].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      },
      T,
    );
  }

  it(
    'the same image as a docker-archive and a zstd OCI archive: identical, exit 0, no output',
    async () => {
      const r = await run('diff', img('umoci-edge-cases.docker.tar'), img('umoci-edge-cases-zstd.oci.tar'));
      expect(r).toEqual({ code: 0, out: '', err: '' });
      const s = await run('diff', img('umoci-edge-cases.docker.tar'), img('umoci-edge-cases-zstd.oci.tar'), '--summary');
      expect(s.code).toBe(0);
      expect(s.out).toMatch(/^layers: 3 shared layers \(same diff_id\), 0 only in A, 0 only in B; the same stack$/m);
      expect(s.out).toMatch(/^paths: the trees are identical/m);
      // the docker layers were hashed (the zstd ones while indexing): the proof is the bytes, not the configs' word
      expect(s.out).toMatch(/3 shared layers hashed to prove they are the same bytes/);
    },
    T,
  );
});

describe('layerscope diff: exit codes and errors', () => {
  it('0 identical (the same file twice), 1 different', async () => {
    const a = save(dockerArchive([base]));
    const b = save(dockerArchive([base, writeTar([tfile('etc/motd', 'HELLO\n')])]));
    expect(await run('diff', a, a)).toEqual({ code: 0, out: '', err: '' });
    const r = await run('diff', a, b);
    expect(r.code).toBe(1);
    expect(r.out).toBe('/etc/motd\tchanged\t6\t6\t0\t1\n');
    const back = await run('diff', b, a);
    expect(back.out).toBe('/etc/motd\tchanged\t6\t6\t1\t0\n');
  });

  it('2 with one line naming the side: missing file, not an image, unknown image or platform, bad layer', async () => {
    const a = save(dockerArchive([base]));
    expectSideError(await run('diff', a, join(tmp, 'nope.tar')), 'B', /nope\.tar: no such file/);
    expectSideError(await run('diff', join(tmp, 'nope.tar'), a), 'A', /no such file/);
    const notImage = save(writeTar([tfile('hello.txt', 'hi')]));
    expectSideError(await run('diff', a, notImage), 'B', /not|image/i);
    expectSideError(await run('diff', a, a, '--image-b', '3'), 'B', /image/);
    expectSideError(await run('diff', img('containerd-busybox-multiarch-index.tar'), a, '--platform-a', 'linux/s390x'), 'A', /s390x|platform/);
    expectSideError(await run('diff', a, a, '--layer-b', '7'), 'B', /no layer 7/);
  });

  it('2 for usage errors', async () => {
    const a = save(dockerArchive([base]));
    for (const argv of [
      ['diff', a],
      ['diff', a, a, a],
      ['diff', '-', '-'],
      ['diff', a, a, '--layer-a', 'x'],
      ['diff', a, a, '--bogus'],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    }
  });

  it('a layer that cannot be read: what may depend on it is unknown, one line per failed layer, exit 2', async () => {
    const top = writeTar([tfile('etc/motd', 'new motd, a longer one\n'), tfile('etc/new', 'n')]);
    const good = save(dockerArchive([base, top]));
    // the same image with its base layer cut short: the config still names the whole layer
    const cut = base.subarray(0, 1024 + 100);
    const bad = save(dockerArchive([cut, top], { diffIds: [`sha256:${'0'.repeat(64)}`, `sha256:${'1'.repeat(64)}`] }));
    const r = await run('diff', good, bad);
    expect(r.code).toBe(2);
    const got = Object.fromEntries(rows(r.out).map((c) => [c[0], c[1]]));
    // layer 1 is whole on both sides: its files are compared; everything below depends on the failed base
    expect(got['/etc/motd']).toBeUndefined();
    expect(got['/etc/new']).toBeUndefined();
    expect(got['/etc/conf']).toBe('unknown');
    expect(got['/bin/tool']).toBe('unknown');
    expect(Object.values(got).every((c) => c === 'unknown')).toBe(true);
    const errs = r.err.split('\n').filter(Boolean);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^layerscope: B: .*\(layer 0, offset \d+\).*listed as unknown$/);
  });
});

describe('layerscope diff: output forms', () => {
  const a = () => save(dockerArchive([base, writeTar([tfile('etc/motd', 'v2\n')])], { tags: ['app:41'] }));
  const b = () =>
    save(
      dockerArchive([base, writeTar([tfile('etc/motd', 'v3\n'), tdir('opt'), tfile('opt/big', 'x'.repeat(5000))]), writeTar([tfile('bin/.wh.tool', '')])], {
        tags: ['app:42'],
      }),
    );

  it('--summary: shared and unique layers, docker images sum vs disk, path counts and byte totals', async () => {
    const r = await run('diff', a(), b(), '--summary');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^A: app:41/m);
    expect(r.out).toMatch(/^B: app:42/m);
    expect(r.out).toMatch(/^layers: 1 shared layer \(same diff_id\), 1 only in A, 2 only in B; the same base of 1 layer, diverging at layer 1$/m);
    expect(r.out).toMatch(/first difference/);
    expect(r.out).toMatch(/`docker images` lists add up to/);
    expect(r.out).toMatch(/^paths: 4 paths differ of \d+: 2 added, 1 removed, 1 changed$/m);
    expect(r.out).toMatch(/\+5 kB \/ −7 B/);
  });

  it('--json: the layers, totals and every path; with --summary without the paths', async () => {
    const r = await run('diff', a(), b(), '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.identical).toBe(false);
    expect(j.layers.commonBase).toBe(1);
    expect(j.layers.rows[0]).toEqual({ a: 0, b: 0, shared: true });
    expect(j.totals.counts).toMatchObject({ added: 2, removed: 1, changed: 1 });
    expect(j.paths.map((p: { path: string }) => p.path)).toEqual(['/bin/tool', '/etc/motd', '/opt', '/opt/big']);
    expect(j.paths[1]).toMatchObject({ change: 'changed', what: ['content'], typeA: 'file', typeB: 'file', sizeA: 3, sizeB: 3, layerA: 1, layerB: 1 });
    expect(j.paths[0]).toMatchObject({ change: 'removed', typeB: null, sizeB: null, layerB: null });
    const s = JSON.parse((await run('diff', a(), b(), '--json', '--summary')).out);
    expect(s.paths).toBeUndefined();
    expect(s.layers.files.sum).toBe(s.layers.files.a + s.layers.files.b);
  });

  it('--no-verify takes the diff_ids as proof (a lying config then goes unnoticed, which is why it is not the default)', async () => {
    const x = save(dockerArchive([writeTar([tfile('f', 'aaaa')])]));
    // the same diff_id claimed for other bytes of the same size
    const claimed = `sha256:${createHash('sha256')
      .update(writeTar([tfile('f', 'aaaa')]))
      .digest('hex')}`;
    const y = save(dockerArchive([writeTar([tfile('f', 'bbbb')])], { diffIds: [claimed] }));
    const proven = await run('diff', x, y);
    expect(proven.code).toBe(1);
    expect(proven.out).toBe('/f\tchanged\t4\t4\t0\t0\n');
    expect(proven.err).toMatch(/^layerscope: warning: B: layer 0 is not the diff_id its config claims/m);
    const trusted = await run('diff', x, y, '--no-verify', '--summary');
    expect(trusted.code).toBe(0);
    expect(trusted.out).toMatch(/on their configs' word \(--no-verify\)/);
  });

  it('--mtime counts modification times', async () => {
    const x = save(dockerArchive([writeTar([tfile('f', 'same', { mtime: 1 })])]));
    const y = save(dockerArchive([writeTar([tfile('f', 'same', { mtime: 2 })])]));
    expect((await run('diff', x, y)).code).toBe(0);
    const r = await run('diff', x, y, '--mtime');
    expect(r.code).toBe(1);
    expect(r.out).toBe('/f\tmetadata\t4\t4\t0\t0\n');
  });

  it('two platforms of one index: the base stored once is shared without hashing it', async () => {
    const common = writeTar([tdir('bin'), tfile('bin/sh', 'shell'), tfile('etc/os-release', 'ID=test\n')]);
    const f = save(
      ociIndexArchive([
        { os: 'linux', architecture: 'amd64', layers: [common, writeTar([tfile('bin/tool', 'x86-64 code'), tfile('etc/arch', 'amd64\n')])] },
        { os: 'linux', architecture: 'arm64', variant: 'v8', layers: [common, writeTar([tfile('bin/tool', 'aarch64 code!'), tfile('etc/arch', 'arm64\n')])] },
      ]),
    );
    const r = await run('diff', f, f, '--platform-a', 'linux/amd64', '--platform-b', 'linux/arm64/v8');
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toBe('/bin/tool\tchanged\t11\t13\t1\t1\n/etc/arch\tchanged\t6\t6\t1\t1\n');
    const j = JSON.parse((await run('diff', f, f, '--platform-a', 'linux/amd64', '--platform-b', 'linux/arm64/v8', '--json', '--summary')).out);
    expect(j.a.platform).toBe('linux/amd64');
    expect(j.b.platform).toBe('linux/arm64/v8');
    expect(j.layers.commonBase).toBe(1);
    // the same stored blob of one archive: no hashing needed to know it is the same layer
    expect(j.proof.layersHashed).toEqual([]);
    expect(j.proof.filesHashed).toBe(2);
  });

  it('two layers of one image (--layer-a / --layer-b)', async () => {
    const f = b();
    const r = await run('diff', f, f, '--layer-a', '1', '--layer-b', '2');
    expect(r.code).toBe(1);
    expect(r.out).toBe('/bin/tool\tremoved\t7\t\t0\t\n');
    expect((await run('diff', f, f, '--layer-a', '2', '--layer-b', '2')).code).toBe(0);
  });

  it('names from the image are escaped: one row per path, nothing raw reaches the terminal', async () => {
    const names = ['tab\there', 'nl\n/etc/shadow\tadded\t\t0\t\t0', 'esc\x1b[2J', 'bidi\u202egnp.exe'];
    const x = save(dockerArchive([base]));
    const y = save(dockerArchive([base, writeTar([tdir('d'), ...names.map((n) => tfile(`d/${n}`, 'x')), tlink('symlink', 'd/l', '\x1b]0;t\x07')])]));
    const r = await run('diff', x, y);
    expect(r.code).toBe(1);
    // nothing a terminal acts on: no C0 but the row's tabs and newlines, no DEL, C1 or bidi control
    const raw = [...r.out].filter((ch) => {
      const c = ch.charCodeAt(0);
      return (c < 0x20 && ch !== '\t' && ch !== '\n') || (c >= 0x7f && c <= 0x9f) || c === 0x202e;
    });
    expect(raw).toEqual([]);
    const got = rows(r.out);
    // /d, the names, the symlink, and the two directories the forged name's slashes imply
    expect(got).toHaveLength(1 + names.length + 1 + 2);
    for (const c of got) expect(c).toHaveLength(6);
    expect(got.map((c) => c[0])).toContain('/d/tab\\there');
    expect(got.map((c) => c[0])).toContain('/d/esc\\033[2J');
  });
});

describe('the built command', () => {
  it.skipIf(!existsSync(join(ROOT, 'dist-cli')))(
    'propagates exit codes 0, 1, 2',
    () => {
      const a = save(dockerArchive([base]));
      const b = save(dockerArchive([base, writeTar([tfile('x', 'x')])]));
      const bin = join(ROOT, 'bin/layerscope.mjs');
      const code = (...argv: string[]) => spawnSync(process.execPath, [bin, 'diff', ...argv], { encoding: 'utf8' }).status;
      expect(code(a, a)).toBe(0);
      expect(code(a, b)).toBe(1);
      expect(code(a, join(tmp, 'missing.tar'))).toBe(2);
      // stdin as B
      const out = execFileSync(process.execPath, [bin, 'diff', a, '-'], { input: readFileSync(a), encoding: 'utf8' });
      expect(out).toBe('');
    },
    T,
  );
});
