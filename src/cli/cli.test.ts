/**
 * The `layerscope` command line (issue 3, "Command line"), run in-process through
 * `main(argv, io)` with a capturing io, plus the real built command spawned with
 * `node bin/layerscope.mjs` to prove the bin works and exit codes propagate.
 *
 * Ground truth, never the code under test:
 *  - `ls`: the skopeo + umoci merged listings in test/fixtures/expected (first 7
 *    columns; the reference writes a hardlink as `file` with an empty link), and
 *    for `--layer N` a union computed here from GNU tar's listing of each layer;
 *  - `inspect`: GNU tar (`tar -tv`, `tar -xO`) over the archive for sizes, entry
 *    counts, diff_ids and build steps; dive's own test for its figures on
 *    dive-legacy-14-layers.tar (wagoodman/dive, image_archive_analysis_test.go:
 *    efficiency 0.9844212134184309, sizeBytes 1220598, userSizeBytes 66237,
 *    wastedBytes 32025, wastedUserPercent 0.4834911001404049);
 *  - `ci`: dive's rule semantics (fail when efficiency < lowest, wasted > highest).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { COMMANDS, main, type Io } from './main';
import { runCli, type CliResult } from '../../test/helpers/runCli';
import { writeTar, type TarWriteEntry } from '../core/write/tarWriter';
import { gnuList, type GnuEntry } from '../../test/helpers/gnuTar';
import { toOracleForm } from '../../test/helpers/oracleForm';

const ROOT = join(__dirname, '../..');
const FIX = join(ROOT, 'test/fixtures');
const IMAGES = join(FIX, 'images');
const img = (name: string) => join(IMAGES, name);
const ENV = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };
/** Every run here reads a small archive; a hang is a failure. */
const T = 20_000;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-cli-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

type Run = CliResult;
const run = (...argv: string[]): Promise<Run> => runCli(argv);

/** A user error: exit 2, nothing on stdout, ONE line on stderr starting `layerscope:`, no stack trace. */
function expectUserError(r: Run, pattern?: RegExp): string {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  const lines = r.err.split('\n').filter((l) => l.length > 0);
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^layerscope: \S/);
  expect(r.err).not.toMatch(/^\s+at /m);
  if (pattern) expect(lines[0]).toMatch(pattern);
  return lines[0]!;
}

function expectedListing(file: string): string[] {
  return readFileSync(join(FIX, 'expected', file), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

function tar(args: string[], input?: Buffer): Buffer {
  return execFileSync('tar', args, { env: ENV, input, maxBuffer: 256 * 1024 * 1024, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
}

const extract = (archive: string, member: string): Buffer => tar(['-xOf', archive, member]);
const jsonOf = (archive: string, member: string): any => JSON.parse(extract(archive, member).toString('utf8'));

/** Sizes of an archive's members, from `tar -tv`. */
function memberSizes(archive: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of tar(['-tv', '--numeric-owner', '-f', archive]).toString('latin1').split('\n')) {
    const x = /^\S{10} \d+\/\d+\s+(\d+) \S+ \S+ (.*?)(?: -> .*)?$/.exec(line);
    if (x) m.set(x[2]!, Number(x[1]));
  }
  return m;
}

let saved = 0;
function save(bytes: Uint8Array, name = `f${saved++}`): string {
  const f = join(tmp, name);
  writeFileSync(f, bytes);
  return f;
}

/** GNU tar's listing of one layer blob of an archive (GNU tar detects gzip itself). */
function gnuLayer(archive: string, member: string): GnuEntry[] {
  const { entries, ok } = gnuList(save(extract(archive, member)));
  expect(ok).toBe(true);
  return entries;
}

// ---------------------------------------------------------------------------------

describe('layerscope ls', () => {
  const expected = readdirSync(join(FIX, 'expected')).filter((f) => f.endsWith('.tsv'));

  it('there are reference listings to compare with', () => {
    expect(expected.length).toBeGreaterThanOrEqual(15);
  });

  for (const f of expected) {
    const m = /^(.*?)(?:@(\d+))?\.tsv$/.exec(f)!;
    const archive = m[1] === 'example' ? join(ROOT, 'public/example.tar') : img(`${m[1]}.tar`);
    const argv = ['ls', archive, ...(m[2] !== undefined ? ['--image', m[2]] : [])];
    it(
      `${f}: \`layerscope ${argv.slice(0, 1).concat(argv.slice(2)).join(' ')}\` equals the reference`,
      async () => {
        const r = await run(...argv);
        expect(r.err).toBe('');
        expect(r.code).toBe(0);
        expect(toOracleForm(r.out)).toEqual(expectedListing(f));
        // The 8th column is a layer index of this image.
        for (const line of r.out.split('\n').filter(Boolean)) expect(line.split('\t')[7]).toMatch(/^\d+$/);
      },
      T,
    );
  }

  /**
   * The merged tree as of each layer, computed from GNU tar's listing of every
   * layer blob with the rules of OCI image-spec layer.md: an entry replaces the
   * path (a non-directory also removes what was under it), `.wh.<name>` removes
   * `<name>` and its subtree from lower layers, `.wh..wh..opq` removes the lower
   * children of its directory. Enough for fixtures without hardlinks.
   */
  function naiveUnion(layers: GnuEntry[][], upto: number): string[] {
    const TYPE: Record<string, string> = { '-': 'file', d: 'dir', l: 'symlink', c: 'char', b: 'block', p: 'fifo' };
    const rows = new Map<string, { type: string; size: number; mode: number; uid: number; gid: number; link: string; layer: number }>();
    const dropUnder = (p: string) => {
      for (const k of [...rows.keys()]) if (k.startsWith(`${p}/`) || (p === '' && k !== '')) rows.delete(k);
    };
    for (let L = 0; L <= upto; L++) {
      const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
      const parent = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
      // Whiteouts apply to the layers below only, so before this layer's own entries.
      for (const e of layers[L]!) {
        if (base(e.path) === '.wh..wh..opq') dropUnder(parent(e.path));
        else if (base(e.path).startsWith('.wh.')) {
          const target = `${parent(e.path) ? `${parent(e.path)}/` : ''}${base(e.path).slice(4)}`;
          rows.delete(target);
          dropUnder(target);
        }
      }
      for (const e of layers[L]!) {
        if (e.path === '' || base(e.path).startsWith('.wh.')) continue;
        expect(TYPE[e.type], `no hardlinks in the fixtures used here (${e.path})`).toBeDefined();
        if (e.type !== 'd') dropUnder(e.path);
        rows.set(e.path, {
          type: TYPE[e.type]!,
          size: e.type === '-' ? e.size! : 0,
          mode: e.type === 'l' ? 0o777 : e.mode,
          uid: e.uid,
          gid: e.gid,
          link: e.link ?? '',
          layer: L,
        });
      }
    }
    for (const p of rows.keys()) if (p.includes('/')) expect(rows.has(p.slice(0, p.lastIndexOf('/'))), `parent of ${p} listed`).toBe(true);
    return [...rows.entries()]
      .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .map(([p, r]) => [`/${p}`, r.type, r.size, r.mode.toString(8).padStart(4, '0'), r.uid, r.gid, r.link, r.layer].join('\t'));
  }

  for (const name of ['legacy-overwritten-file.tar', 'crane-gzip-whiteout-dir.tar']) {
    it(
      `--layer N on ${name} equals the union of GNU tar's listings of layers 0..N`,
      async () => {
        const layerNames = jsonOf(img(name), 'manifest.json')[0].Layers as string[];
        const layers = layerNames.map((l) => gnuLayer(img(name), l));
        for (let n = 0; n < layers.length; n++) {
          const r = await run('ls', img(name), '--layer', String(n));
          expect(r.code).toBe(0);
          expect(r.out.split('\n').filter(Boolean), `layer ${n}`).toEqual(naiveUnion(layers, n));
        }
        // Without --layer: the top.
        const top = await run('ls', img(name));
        expect(top.out).toBe((await run('ls', img(name), `--layer=${layers.length - 1}`)).out);
      },
      T,
    );
  }

  it(
    'legacy-overwritten-file.tar --layer 0 is exactly what `tar -tvf` shows in layer 0',
    async () => {
      const layer0 = jsonOf(img('legacy-overwritten-file.tar'), 'manifest.json')[0].Layers[0] as string;
      const listed = tar(['-tv', '--numeric-owner'], extract(img('legacy-overwritten-file.tar'), layer0)).toString('utf8');
      // "-r-xr-xr-x 0/0 4 1970-01-01 00:00 ./foo.txt" and the root "./".
      const files = listed.split('\n').filter((l) => l.startsWith('-'));
      expect(files).toHaveLength(1);
      const f = /^(\S{10}) (\d+)\/(\d+)\s+(\d+) \S+ \S+ \.\/(.*)$/.exec(files[0]!)!;
      const mode = f[1]!
        .slice(1)
        .split('')
        .reduce((acc, c) => acc * 2 + (c === '-' ? 0 : 1), 0);
      const r = await run('ls', img('legacy-overwritten-file.tar'), '--layer', '0');
      expect(r.out).toBe(`/${f[5]}\tfile\t${f[4]}\t${mode.toString(8).padStart(4, '0')}\t${f[2]}\t${f[3]}\t\t0\n`);
    },
    T,
  );

  for (const [name, refs] of [
    ['legacy-bundle-two-images', ['@0', '@1']],
    ['podman-two-images-shared-layer.docker', ['@0', '@1']],
    ['legacy-two-images-symlinked-layer', ['@0']],
  ] as const) {
    it(
      `${name}: --image N and --image TAG (manifest.json's RepoTags) pick the same image`,
      async () => {
        const manifest = jsonOf(img(`${name}.tar`), 'manifest.json') as { RepoTags: string[] }[];
        expect(manifest.length).toBe(2);
        for (const ref of refs) {
          const n = Number(ref.slice(1));
          const want = expectedListing(`${name}${ref}.tsv`);
          const byIndex = await run('ls', img(`${name}.tar`), '--image', String(n));
          expect(toOracleForm(byIndex.out)).toEqual(want);
          const byTag = await run('ls', img(`${name}.tar`), '--image', manifest[n]!.RepoTags[0]!);
          expect(byTag.code).toBe(0);
          expect(toOracleForm(byTag.out)).toEqual(want);
        }
        // The default is the first image.
        expect((await run('ls', img(`${name}.tar`))).out).toBe((await run('ls', img(`${name}.tar`), '--image', '0')).out);
      },
      T,
    );
  }

  it(
    '--platform linux/amd64 on a multi-platform index; an absent platform is a one-line error listing what is there',
    async () => {
      const f = img('containerd-busybox-multiarch-index.tar');
      const r = await run('ls', f, '--platform', 'linux/amd64');
      expect(r.code).toBe(0);
      expect(toOracleForm(r.out)).toEqual(expectedListing('containerd-busybox-multiarch-index.tsv'));
      // The index lists 20 platforms; only linux/amd64's blobs were saved.
      const index = jsonOf(f, 'index.json');
      const list = jsonOf(f, `blobs/sha256/${(index.manifests[0].digest as string).slice(7)}`);
      const arm64 = (list.manifests as { platform: { os: string; architecture: string; variant?: string } }[]).find(
        (m) => m.platform.architecture === 'arm64',
      )!;
      expect(arm64).toBeDefined();
      const absent = expectUserError(await run('ls', f, '--platform', 'linux/arm64'), /linux\/amd64/);
      expect(absent).toMatch(/linux\/arm64/);
      expect(absent).toMatch(/not in this archive/);
      expectUserError(await run('ls', f, '--platform', 'windows/amd64'), /windows\/amd64.*available: linux\/amd64/);
      expectUserError(await run('ls', f, '--platform', 'amd64'), /os\/architecture/);
    },
    T,
  );
});

describe('layerscope inspect', () => {
  const DIVE = img('dive-legacy-14-layers.tar');

  it(
    'prints the images, the layers table, totals, dive efficiency and integrity',
    async () => {
      const r = await run('inspect', DIVE);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      const manifest = jsonOf(DIVE, 'manifest.json')[0];
      const config = jsonOf(DIVE, manifest.Config);
      expect(r.out).toContain(manifest.RepoTags[0]);
      expect(r.out).toMatch(/^#\s+digest\s+compr\s+stored\s+tar\s+entries\s+changes\s+created by$/m);
      // One row per layer, in order, named by its diff_id (a legacy archive records no blob digest).
      const rows = r.out.split('\n').filter((l) => /^\s*\d+\s+[0-9a-f]{12}\s/.test(l));
      expect(rows).toHaveLength(14);
      rows.forEach((row, i) => {
        const c = row.trim().split(/\s+/);
        expect(c[0]).toBe(String(i));
        expect(c[1]).toBe((config.rootfs.diff_ids[i] as string).slice(7, 19));
        expect(c[2]).toBe('none');
      });
      // dive's figures, as dive prints them (its test: 0.9844212134184309, 32025 bytes, 0.4834911001404049).
      expect(r.out).toContain(`dive efficiency score: ${(0.9844212134184309 * 100).toFixed(4)} %`);
      expect(r.out).toContain('wasted bytes: 32 kB');
      expect(r.out).toContain(`user wasted: ${(0.4834911001404049 * 100).toFixed(2)} %`);
      expect(r.out).toMatch(/^total size: 1\.22 MB of files in 14 layers$/m);
      expect(r.out).toMatch(/^hidden bytes: /m);
      expect(r.out).toMatch(/^integrity: 14\/14 layers verified$/m);
    },
    T,
  );

  it(
    '--json: the documented fields, against GNU tar and dive on dive-legacy-14-layers.tar',
    async () => {
      const r = await run('inspect', DIVE, '--json');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      const manifest = jsonOf(DIVE, 'manifest.json')[0];
      const config = jsonOf(DIVE, manifest.Config);
      const sizes = memberSizes(DIVE);
      const steps = (config.history as { created_by: string; empty_layer?: boolean }[]).filter((h) => !h.empty_layer).map((h) => h.created_by);
      expect(j.format).toBe('docker-legacy');
      expect(j.image.tags).toEqual(manifest.RepoTags);
      expect(j.layers).toHaveLength(14);
      j.layers.forEach((l: any, i: number) => {
        expect(l.index).toBe(i);
        expect(l.diffId).toBe(config.rootfs.diff_ids[i]);
        expect(l.compression).toBe('none');
        expect(l.storedSize).toBe(sizes.get(manifest.Layers[i]));
        expect(l.tarSize).toBe(sizes.get(manifest.Layers[i]));
        expect(l.entries).toBe(gnuLayer(DIVE, manifest.Layers[i]).length);
        expect(l.createdBy).toBe(steps[i]);
        expect(l.error).toBeNull();
        expect(l.integrity.diffId).toBe('ok');
        expect('digest' in l).toBe(true);
      });
      expect(j.totals.dive.score).toBe(0.9844212134184309);
      expect(j.totals.dive.wastedBytes).toBe(32025);
      expect(j.totals.dive.userWastedPercent).toBe(0.4834911001404049);
      expect(j.totals.dive.sizeBytes).toBe(1220598);
      expect(j.totals.dive.userSizeBytes).toBe(66237);
      expect(typeof j.totals.imageSize).toBe('number');
      expect(typeof j.totals.hiddenBytes).toBe('number');
      expect(j.integrity.ok).toBe(true);
      expect(j.integrity.verified).toEqual([...Array(14).keys()]);
      expect(j.integrity.mismatched).toEqual([]);
    },
    T,
  );

  it(
    '--json on an OCI gzip archive: blob digest, gzip, stored and tar sizes, entries (GNU tar, gzip -dc)',
    async () => {
      const f = img('containerd-alpine-gzip.tar');
      const r = await run('inspect', f, '--json');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      // index.json → (a manifest list) → the manifest whose blob was saved.
      const sizes = memberSizes(f);
      let manifest = jsonOf(f, 'index.json');
      while (manifest.manifests) {
        const present = (manifest.manifests as { digest: string }[]).find((d) => sizes.has(`blobs/sha256/${d.digest.slice(7)}`))!;
        manifest = jsonOf(f, `blobs/sha256/${present.digest.slice(7)}`);
      }
      expect(j.layers).toHaveLength(manifest.layers.length);
      j.layers.forEach((l: any, i: number) => {
        const blob = `blobs/sha256/${(manifest.layers[i].digest as string).slice(7)}`;
        expect(l.digest).toBe(manifest.layers[i].digest);
        expect(l.compression).toBe('gzip');
        expect(l.storedSize).toBe(sizes.get(blob));
        expect(l.tarSize).toBe(execFileSync('gzip', ['-dc'], { input: extract(f, blob), maxBuffer: 1 << 28 }).length);
        expect(l.entries).toBe(gnuLayer(f, blob).length);
        expect(l.integrity).toMatchObject({ digest: 'ok', diffId: 'ok' });
      });
      expect(j.integrity.ok).toBe(true);
      // --no-verify checks nothing, and says so.
      const nv = JSON.parse((await run('inspect', f, '--json', '--no-verify')).out);
      expect(nv.integrity.verified).toEqual([]);
      expect(nv.integrity.unchecked).toEqual([...Array(manifest.layers.length).keys()]);
    },
    T,
  );

  it(
    'a layer whose data does not match its diff_id: reported, exit 0 (a warning, not a failure)',
    async () => {
      const f = img('legacy-overwritten-file.tar');
      const layer0 = jsonOf(f, 'manifest.json')[0].Layers[0] as string;
      const bytes = new Uint8Array(readFileSync(f));
      // GNU tar --block-number: the layer's header block, then foo.txt's inside it.
      const outer = Number(
        /^block (\d+):/m.exec(
          tar(['-tR', '-f', f])
            .toString()
            .split('\n')
            .find((l) => l.endsWith(layer0))!,
        )![1],
      );
      const inner = Number(
        /^block (\d+):/.exec(
          tar(['-tR'], extract(f, layer0))
            .toString()
            .split('\n')
            .find((l) => l.endsWith('foo.txt'))!,
        )![1],
      );
      bytes[(outer + 1) * 512 + (inner + 1) * 512]! ^= 0x20;
      const r = await run('inspect', save(bytes));
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^integrity: 1 layer\(s\) do NOT match their digests$/m);
      expect(r.out).toMatch(/^ {2}layer 0: diff_id sha256:[0-9a-f]{64} != sha256:[0-9a-f]{64}$/m);
      const j = JSON.parse((await run('inspect', save(bytes), '--json')).out);
      expect(j.integrity).toMatchObject({ ok: false, mismatched: [0], verified: [1, 2] });
      expect(j.warnings.some((w: any) => w.code === 'DIFF_ID_MISMATCH' && w.layer === 0)).toBe(true);
    },
    T,
  );
});

describe('layerscope ci', () => {
  const DIVE = img('dive-legacy-14-layers.tar');
  const status = (out: string, rule: string) => new RegExp(`^ {2}(PASS|FAIL|SKIP): ${rule}\\b`, 'm').exec(out)?.[1];

  it(
    'loose thresholds pass (exit 0), every rule named with its verdict',
    async () => {
      const r = await run('ci', DIVE, '--lowest-efficiency', '0.9', '--highest-wasted-bytes', '1MB', '--highest-user-wasted-percent', '0.5');
      expect(r.code).toBe(0);
      expect(status(r.out, 'lowestEfficiency')).toBe('PASS');
      expect(status(r.out, 'highestWastedBytes')).toBe('PASS');
      expect(status(r.out, 'highestUserWastedPercent')).toBe('PASS');
      expect(r.out).toMatch(/^Result: PASS$/m);
      expect(r.out).toContain('wastedBytes: 32025 bytes');
    },
    T,
  );

  it(
    'strict thresholds fail (exit 1): --lowest-efficiency 0.99, --highest-wasted-bytes 20KB',
    async () => {
      const eff = await run('ci', DIVE, '--lowest-efficiency', '0.99', '--highest-user-wasted-percent', '0.5');
      expect(eff.code).toBe(1);
      expect(status(eff.out, 'lowestEfficiency')).toBe('FAIL');
      expect(status(eff.out, 'highestWastedBytes')).toBe('SKIP');
      expect(status(eff.out, 'highestUserWastedPercent')).toBe('PASS');
      expect(eff.out).toMatch(/^Result: FAIL$/m);
      // 20KB is 20 000 bytes (dive reads sizes with humanize.ParseBytes); 32025 are wasted.
      const wasted = await run('ci', DIVE, '--highest-wasted-bytes', '20KB', '--highest-user-wasted-percent', '0.5');
      expect(wasted.code).toBe(1);
      expect(status(wasted.out, 'highestWastedBytes')).toBe('FAIL');
      expect(status(wasted.out, 'lowestEfficiency')).toBe('PASS');
    },
    T,
  );

  it(
    "dive's defaults (lowest efficiency 0.9, user wasted 0.1, wasted bytes disabled): this image fails on user wasted",
    async () => {
      const r = await run('ci', DIVE);
      expect(r.code).toBe(1);
      expect(status(r.out, 'lowestEfficiency')).toBe('PASS');
      expect(status(r.out, 'highestWastedBytes')).toBe('SKIP');
      expect(status(r.out, 'highestUserWastedPercent')).toBe('FAIL');
    },
    T,
  );

  it(
    "thresholds equal to the image's figures pass, as in dive (strict comparisons)",
    async () => {
      const r = await run(
        'ci',
        DIVE,
        '--lowest-efficiency',
        '0.9844212134184309',
        '--highest-wasted-bytes',
        '32025',
        '--highest-user-wasted-percent',
        '0.4834911001404049',
      );
      expect(r.code).toBe(0);
      const over = await run('ci', DIVE, '--highest-wasted-bytes', '32024', '--highest-user-wasted-percent', '1');
      expect(over.code).toBe(1);
    },
    T,
  );

  it(
    'bad thresholds are user errors',
    async () => {
      expectUserError(await run('ci', DIVE, '--lowest-efficiency', 'high'), /lowest-efficiency/);
      expectUserError(await run('ci', DIVE, '--highest-wasted-bytes', '20XB'), /20XB/);
    },
    T,
  );
});

describe('user errors: exit 2, one line on stderr', () => {
  it(
    'a missing file, a directory, random bytes, a PNG, a tar that is not an image',
    async () => {
      expectUserError(await run('ls', join(tmp, 'nope.tar')), /nope\.tar.*no such file/);
      expectUserError(await run('inspect', tmp), /not a file/);
      const rnd = new Uint8Array(4096);
      for (let i = 0; i < rnd.length; i++) rnd[i] = (i * 2654435761) >>> 24;
      expectUserError(await run('ls', save(rnd)), /not a tar archive/);
      expectUserError(await run('inspect', join(FIX, 'preview/python.png')), /not a tar archive/);
      const te = new TextEncoder();
      const plain = writeTar([{ path: 'notes.txt', kind: 'file', data: te.encode('hello\n'), mode: 0o644, uid: 0, gid: 0, mtime: 0 }]);
      expectUserError(await run('ci', save(plain)), /no manifest\.json or index\.json.*notes\.txt/);
    },
    T,
  );

  it(
    'an unknown image, an unknown platform, --layer out of range',
    async () => {
      const two = img('legacy-bundle-two-images.tar');
      expectUserError(await run('ls', two, '--image', '7'), /no image #7.*has 2/);
      expectUserError(await run('ls', two, '--image', 'nosuch:tag'), /nosuch:tag/);
      expectUserError(await run('inspect', img('skopeo-busybox.tar'), '--platform', 'linux/s390x'), /linux\/s390x.*available: linux\/amd64/);
      const three = img('legacy-overwritten-file.tar');
      expectUserError(await run('ls', three, '--layer', '3'), /no layer 3.*3 layers \(0–2\)/);
      expectUserError(await run('ls', three, '--layer', '-1'), /no layer -1/);
      expectUserError(await run('ls', three, '--layer', 'top'), /--layer/);
    },
    T,
  );

  it('an unknown flag, a flag without its value, an unknown command, a missing or extra argument', async () => {
    expectUserError(await run('ls', img('legacy-overwritten-file.tar'), '--frobnicate'), /unknown option --frobnicate/);
    expectUserError(await run('ls', img('legacy-overwritten-file.tar'), '--layer'), /--layer needs a value/);
    expectUserError(await run('explode', img('legacy-overwritten-file.tar')), /unknown command "explode"/);
    expectUserError(await run('ls'), /ARCHIVE/);
    expectUserError(await run('ls', 'a.tar', 'b.tar'), /unexpected argument "b\.tar"/);
  });

  it('--help and help exit 0 with the usage on stdout; no command at all is exit 2', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await run(...argv);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(/^usage:$/m);
      for (const cmd of ['inspect', 'ls', 'ci']) expect(r.out).toContain(`layerscope ${cmd} ARCHIVE`);
      expect(r.out).toMatch(/^exit codes:$/m);
    }
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.out).toMatch(/^usage:$/m);
    expect((await run('--version')).out).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect((await run('ls', '--version')).out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('--version is the version in package.json', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect((await run('--version')).out).toBe(`${pkg.version}\n`);
  });

  it('help COMMAND and COMMAND --help: that command, every option the parser accepts, examples', async () => {
    for (const cmd of COMMANDS) {
      const a = await run('help', cmd.name);
      const b = await run(cmd.name, '--help');
      expect(a.code).toBe(0);
      expect(b).toEqual(a);
      expect(a.out).toMatch(new RegExp(`^usage: layerscope ${cmd.name} `));
      for (const o of cmd.options) {
        expect(a.out).toContain(`--${o.name}${o.value ? ` ${o.value}` : ''}`);
        // Each declared option is accepted by the parser (a value one with a value).
        const probe = await run(cmd.name, `--${o.name}`, ...(o.value ? ['x'] : []), '--help');
        expect(probe.code, `${cmd.name} --${o.name}`).toBe(0);
      }
      expect(a.out).toMatch(/^examples:$/m);
      expect(cmd.examples.length).toBeGreaterThan(0);
      for (const e of cmd.examples) expect(a.out).toContain(e.line);
    }
    expectUserError(await run('help', 'explode'), /unknown command "explode"/);
  });

  it(
    'a layer that cannot be read: what could be read is printed, one line per failed layer, exit 2',
    async () => {
      const f = img('crane-gzip-whiteout-dir.tar');
      const layers = jsonOf(f, 'manifest.json')[0].Layers as string[];
      const block = Number(
        /^block (\d+):/.exec(
          tar(['-tR', '-f', f])
            .toString()
            .split('\n')
            .find((l) => l.endsWith(layers[1]!))!,
        )![1],
      );
      const bytes = new Uint8Array(readFileSync(f));
      const size = memberSizes(f).get(layers[1]!)!;
      for (let i = 0; i < 16; i++) bytes[(block + 1) * 512 + Math.floor(size / 2) - 8 + i]! ^= 0xff;
      const bad = save(bytes);
      const ls = await run('ls', bad, '--layer', '0');
      expect(ls.code).toBe(2);
      // Layer 0 is whole: its tree is printed as GNU tar lists it.
      expect(
        ls.out
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('\t')[0]),
      ).toEqual(gnuLayer(f, layers[0]!).map((e) => `/${e.path}`));
      const lines = ls.err.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^layerscope: .*layer 1, offset \d+/);
      const ci = await run('ci', bad, '--highest-user-wasted-percent', '1');
      expect(ci.code).toBe(2);
      expect(ci.out).toMatch(/^Result: ERROR/m);
      const inspect = await run('inspect', bad);
      expect(inspect.code).toBe(2);
      expect(inspect.out).toMatch(/^\s*1 .*FAILED: .*layer 1, offset \d+/m);
    },
    T,
  );
});

describe('"-": the archive from stdin', () => {
  const stdinIo = (data: Buffer | null, isTTY = false) => {
    let out = '';
    let err = '';
    const stream = Object.assign(Readable.from(data ? chunks(data, 7777) : []), { isTTY });
    const io: Io = {
      out: (s) => {
        out += s;
      },
      err: (s) => {
        err += s;
      },
      isTTY: false,
      stdin: stream,
    };
    return { io, result: () => ({ out, err }) };
  };
  /** Odd-sized chunks, as a pipe delivers them. */
  function* chunks(b: Buffer, n: number) {
    for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
  }

  for (const name of ['legacy-overwritten-file.tar', 'containerd-alpine-gzip.tar', 'docker25-hello-world.tar', 'skopeo-busybox.tar.gz']) {
    it(
      `ls, inspect --json and ci on ${name} from stdin equal the same commands on the file`,
      async () => {
        // A whole archive gzipped (.tar.gz) goes through the same spool, then is decompressed.
        const f = name.endsWith('.gz') ? save(gzipSync(readFileSync(img(name.slice(0, -3)))), name) : img(name);
        for (const argv of [['ls'], ['inspect', '--json'], ['ci', '--highest-user-wasted-percent', '1']]) {
          const fromFile = await run(argv[0]!, f, ...argv.slice(1));
          const s = stdinIo(readFileSync(f));
          const code = await main([argv[0]!, '-', ...argv.slice(1)], s.io);
          expect(code, s.result().err).toBe(fromFile.code);
          expect(s.result().out).toBe(fromFile.out);
        }
      },
      T,
    );
  }

  it('a terminal on stdin, an empty stdin, and two "-" arguments are one-line user errors', async () => {
    const tty = stdinIo(null, true);
    expect(await main(['ls', '-'], tty.io)).toBe(2);
    expect(tty.result().err).toMatch(/^layerscope: .*stdin is a terminal.*\n$/);
    const empty = stdinIo(Buffer.alloc(0));
    expect(await main(['inspect', '-'], empty.io)).toBe(2);
    expect(empty.result().err).toMatch(/^layerscope: stdin was empty/);
    expect(empty.result().out).toBe('');
    // A command with two ARCHIVE arguments (diff) cannot read stdin twice.
    const { openArchiveArg } = await import('./input');
    const twice = stdinIo(readFileSync(img('legacy-overwritten-file.tar')));
    const first = await openArchiveArg('-', twice.io);
    first.close();
    await expect(openArchiveArg('-', twice.io)).rejects.toThrow(/only one ARCHIVE can be -/);
  });

  it(
    'the built command: `layerscope ls - < file` works and leaves nothing in $TMPDIR, even when killed mid-read',
    async () => {
      const BIN = join(ROOT, 'bin/layerscope.mjs');
      const TMP = mkdtempSync(join(tmpdir(), 'layerscope-spool-'));
      try {
        const f = img('crane-gzip-whiteout-dir.tar');
        const r = spawnSync(process.execPath, [BIN, 'ls', '-'], { input: readFileSync(f), env: { ...process.env, TMPDIR: TMP }, encoding: 'utf8', timeout: T });
        expect(r.status, r.stderr).toBe(0);
        expect(toOracleForm(r.stdout)).toEqual(expectedListing('crane-gzip-whiteout-dir.tsv'));
        expect(readdirSync(TMP)).toEqual([]);
        // Killed while the archive is still arriving: the spool file was unlinked when it was made.
        const child = spawn(process.execPath, [BIN, 'inspect', '-'], { env: { ...process.env, TMPDIR: TMP }, stdio: ['pipe', 'ignore', 'ignore'] });
        // The child is killed mid-read, so the pipe breaks: that is the point, not an error.
        child.stdin.on('error', () => {});
        // 4 MiB is far more than a pipe buffers: the write completes only once the child
        // has read most of it, i.e. while it is spooling (however slow the machine is).
        await new Promise<void>((res) => child.stdin.write(Buffer.alloc(4 << 20), () => res()));
        const during = readdirSync(TMP);
        child.kill('SIGKILL');
        await new Promise((res) => child.on('close', res));
        expect(during).toEqual([]);
        expect(readdirSync(TMP)).toEqual([]);
      } finally {
        rmSync(TMP, { recursive: true, force: true });
      }
    },
    T,
  );
});

describe('progress', () => {
  it(
    'progress goes to stderr only when it is a terminal, and never into the output',
    async () => {
      const f = img('containerd-alpine-gzip.tar');
      const plain = await run('ls', f);
      let out = '';
      let err = '';
      const code = await main(['ls', f], {
        out: (x) => {
          out += x;
        },
        err: (x) => {
          err += x;
        },
        isTTY: true,
      });
      expect(code).toBe(0);
      expect(out).toBe(plain.out);
      expect(plain.err).toBe('');
      // Redrawn in place (carriage return, erase line) and erased at the end.
      expect(err.length).toBeGreaterThan(0);
      expect(err.endsWith('\r\x1b[K')).toBe(true);
      expect(err).not.toContain('\n');
    },
    T,
  );
});

describe('the built command (node bin/layerscope.mjs)', () => {
  const BIN = join(ROOT, 'bin/layerscope.mjs');
  const BUNDLE = join(ROOT, 'dist-cli/layerscope.mjs');

  /** Newest source the bundle is built from (src/cli, src/core; tests excluded). */
  function newestSource(): number {
    let newest = 0;
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
      }
    };
    walk(join(ROOT, 'src/cli'));
    walk(join(ROOT, 'src/core'));
    return newest;
  }

  beforeAll(() => {
    // `npm run build:cli`; built here when missing or older than its sources.
    if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < newestSource()) {
      execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'ignore' });
    }
    expect(existsSync(BUNDLE)).toBe(true);
  }, 120_000);

  const node = (...argv: string[]) => spawnSync(process.execPath, [BIN, ...argv], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: T });

  it(
    'ls prints the reference listing and exits 0',
    () => {
      const r = node('ls', img('umoci-edge-cases.docker.tar'));
      expect(r.status).toBe(0);
      expect(toOracleForm(r.stdout)).toEqual(expectedListing('umoci-edge-cases.docker.tsv'));
    },
    T,
  );

  it(
    'exit codes propagate: 1 for a failed ci rule, 2 for a user error with one line on stderr',
    () => {
      const ci = node('ci', img('dive-legacy-14-layers.tar'), '--lowest-efficiency', '0.99');
      expect(ci.status).toBe(1);
      expect(ci.stdout).toMatch(/FAIL: lowestEfficiency/);
      const missing = node('inspect', join(tmp, 'absent.tar'));
      expect(missing.status).toBe(2);
      expect(missing.stdout).toBe('');
      expect(missing.stderr.trim().split('\n')).toHaveLength(1);
      expect(missing.stderr).toMatch(/^layerscope: /);
    },
    T,
  );

  it(
    'a reader that stops early (`ls | head -1`) gets no stack trace',
    async () => {
      // A listing far bigger than a pipe's buffer: 6 000 files with long names.
      const te = new TextEncoder();
      const files: TarWriteEntry[] = [{ path: 'd', kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 }];
      for (let i = 0; i < 6000; i++) files.push({ path: `d/${'x'.repeat(80)}-${i}`, kind: 'file', data: te.encode(''), mode: 0o644, uid: 0, gid: 0, mtime: 0 });
      const layer = writeTar(files);
      const { createHash } = await import('node:crypto');
      const diff = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
      const archive = writeTar([
        {
          path: 'manifest.json',
          kind: 'file',
          data: te.encode(JSON.stringify([{ Config: 'c.json', RepoTags: ['many:files'], Layers: ['l/layer.tar'] }])),
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: 0,
        },
        {
          path: 'c.json',
          kind: 'file',
          data: te.encode(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [diff] } })),
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: 0,
        },
        { path: 'l/layer.tar', kind: 'file', data: layer, mode: 0o644, uid: 0, gid: 0, mtime: 0 },
      ]);
      const f = save(archive, 'many.tar');
      const child = spawn(process.execPath, [BIN, 'ls', f], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const first = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d))));
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(first.startsWith('/d\tdir')).toBe(true);
      expect(err).toBe('');
      expect(code).toBe(0);
    },
    T,
  );
});
