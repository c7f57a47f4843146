/**
 * Bad input through the whole engine (openImage: outer archive → manifests →
 * layers → union → listing). Issue 3, "Bad input": truncated archives, corrupt
 * gzip/zstd, files that are not tars, manifests naming missing blobs, digest
 * mismatches, `../` and absolute names, absurd sizes and counts, hardlink and
 * symlink cycles, index loops — each must give a clear error or a warning that
 * names the layer and offset, results for every layer that is fine, no hang,
 * bounded memory.
 *
 * The damaged archives are made here from the real fixtures (copied, damaged at
 * offsets GNU tar reports with `--block-number`, or re-packed with GNU tar) or
 * written with write/tarWriter.ts; tar headers with forged fields are assembled by
 * hand below (POSIX ustar layout), independent of the reader under test.
 * What "intact" means for the layers that are fine is GNU tar's listing of the
 * same layer blob, never a figure the engine computed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as session from './session';
import { openImage, type LoadedImage } from './session';
import { listMerged, MAX_HARDLINK_WARNINGS } from './model/listing';
import { isLayerscopeError, type LayerscopeError } from './errors';
import { writeTar, type TarWriteEntry } from './write/tarWriter';
import { gnuList, normPath } from '../../test/helpers/gnuTar';

const FIX = join(__dirname, '../../test/fixtures');
const IMAGES = join(FIX, 'images');
const ENV = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };
/** A hang is a failure: every case here is a few small archives. */
const T = 10_000;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'badinput-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

let counter = 0;
function save(bytes: Uint8Array, name = `a${counter++}.tar`): string {
  const f = join(tmp, name);
  writeFileSync(f, bytes);
  return f;
}

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(IMAGES, name)));
}

function tar(args: string[], opts: { cwd?: string } = {}): Buffer {
  return execFileSync('tar', args, { env: ENV, cwd: opts.cwd, maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Member of a tar file as GNU tar reports it: header block number (`-R`), size, name. */
interface Member {
  name: string;
  size: number;
  headerOffset: number;
  dataOffset: number;
}

/**
 * `tar -tvR`: "block N: <mode> <uid>/<gid> <size> <date> <time> <name>". The
 * names in these fixtures fit the ustar header, so the data follows the header block.
 */
function members(file: string): Member[] {
  const out = tar(['-tvR', '--numeric-owner', '-f', file]).toString('latin1');
  const res: Member[] = [];
  for (const line of out.split('\n')) {
    const m = /^block (\d+): (\S{10}) \d+\/\d+\s+(\d+) \S+ \S+ (.*)$/.exec(line);
    if (!m) continue;
    const name = m[2]![0] === 'l' || m[2]![0] === 'h' ? m[4]!.replace(/ (->|link to) .*$/, '') : m[4]!;
    const block = Number(m[1]);
    res.push({ name: normPath(name), size: Number(m[3]), headerOffset: block * 512, dataOffset: (block + 1) * 512 });
  }
  return res;
}

function member(file: string, name: string): Member {
  const m = members(file).find((x) => x.name === normPath(name));
  if (!m) throw new Error(`${name} not in ${file}`);
  return m;
}

/** Bytes of one member, as GNU tar extracts them. */
function extract(file: string, name: string): Buffer {
  return tar(['-xOf', file, name]);
}

/** JSON member of an archive. */
function jsonOf(file: string, name: string): any {
  return JSON.parse(extract(file, name).toString('utf8'));
}

/** Paths GNU tar lists for a layer blob (any compression GNU tar detects), as the engine normalizes them. */
function gnuPaths(layerBytes: Uint8Array): string[] {
  const f = save(layerBytes, `layer${counter++}`);
  const { entries, ok } = gnuList(f);
  expect(ok).toBe(true);
  return entries.map((e) => e.path).filter((p) => p !== '');
}

/** The layer blobs of an image's first manifest.json entry, bottom first. */
function dockerLayers(file: string): string[] {
  return jsonOf(file, 'manifest.json')[0].Layers as string[];
}

function layerPaths(img: LoadedImage, i: number): string[] {
  const l = img.layers[i];
  expect(l, `layer ${i} indexed`).not.toBeNull();
  return l!.paths.filter((p) => p !== '');
}

async function open(bytes: Uint8Array, opts: Parameters<typeof openImage>[1] = {}): Promise<LoadedImage> {
  return openImage(new Blob([bytes as Uint8Array<ArrayBuffer>]), opts);
}

/**
 * Open with every digest checked. Compressed layers are hashed while they stream;
 * uncompressed ones, indexed from headers only, are hashed in a second pass —
 * inside openImage, or by `verifyImage` where the engine splits that pass out
 * (so the page can show the image first).
 */
async function openVerified(bytes: Uint8Array): Promise<LoadedImage> {
  const img = await open(bytes, { verify: true });
  const verifyImage = (session as { verifyImage?: (i: LoadedImage) => Promise<LoadedImage> }).verifyImage;
  return verifyImage ? verifyImage(img) : img;
}

async function openFails(bytes: Uint8Array, opts: Parameters<typeof openImage>[1] = {}): Promise<LayerscopeError> {
  try {
    await open(bytes, opts);
  } catch (e) {
    expect(isLayerscopeError(e), `a LayerscopeError, got ${String(e)}`).toBe(true);
    return e as LayerscopeError;
  }
  throw new Error('openImage succeeded on bad input');
}

function sha256hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function flip(bytes: Uint8Array, from: number, n: number): Uint8Array {
  const out = bytes.slice();
  for (let i = from; i < from + n; i++) out[i]! ^= 0xff;
  return out;
}

// --- archives written for the test ---------------------------------------------

const te = new TextEncoder();
const file = (path: string, data = '', extra: Partial<TarWriteEntry> = {}): TarWriteEntry => ({
  path,
  kind: 'file',
  data: te.encode(data),
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  ...extra,
});
const dir = (path: string): TarWriteEntry => ({ path, kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 });
const link = (kind: 'symlink' | 'hardlink', path: string, linkname: string): TarWriteEntry => ({ path, kind, linkname, mode: 0o777, uid: 0, gid: 0, mtime: 0 });

/**
 * A `docker save` (legacy layout) of the given layer blobs: manifest.json,
 * config with rootfs.diff_ids (sha256 of each uncompressed layer, image-spec
 * config.md), `<n>/layer.tar`. `extra` entries are added to the outer tar.
 */
function dockerArchive(layers: Uint8Array[], opts: { diffIds?: string[]; extra?: TarWriteEntry[]; layerNames?: string[] } = {}): Uint8Array {
  const diffIds = opts.diffIds ?? layers.map((l) => `sha256:${sha256hex(l)}`);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layers.map((_, i) => ({ created_by: `step ${i}` })),
  });
  const names = opts.layerNames ?? layers.map((_, i) => `l${i}/layer.tar`);
  const manifest = JSON.stringify([{ Config: 'config.json', RepoTags: ['bad:input'], Layers: names }]);
  const entries: TarWriteEntry[] = [
    { ...file('manifest.json'), data: te.encode(manifest) },
    { ...file('config.json'), data: te.encode(config) },
    ...layers.map((l, i) => ({ ...file(names[i]!), data: l })),
    ...(opts.extra ?? []),
  ];
  return writeTar(entries);
}

/** A plain first layer every synthetic image starts with, so "the other layers are intact" can be checked. */
const BASE_LAYER = writeTar([dir('base'), file('base/one', 'one\n'), file('base/two', 'two\n')]);

/**
 * A ustar header written by hand (POSIX ustar field layout), so that fields can
 * hold what no writer would put there. `size` is the raw 12-byte size field.
 */
function rawHeader(name: string, type: string, sizeField: Uint8Array): Uint8Array {
  const h = new Uint8Array(512);
  h.set(te.encode(name).subarray(0, 100), 0);
  h.set(te.encode('0000644\0'), 100);
  h.set(te.encode('0000000\0'), 108);
  h.set(te.encode('0000000\0'), 116);
  h.set(sizeField.subarray(0, 12), 124);
  h.set(te.encode('00000000000\0'), 136);
  h[156] = type.charCodeAt(0);
  h.set(te.encode('ustar\x0000'), 257);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(te.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  return h;
}

const octalSize = (n: number) => te.encode(n.toString(8).padStart(11, '0') + '\0');
/** GNU base-256 number: high bit of the first byte set, big-endian two's complement (GNU tar, "Basic Tar Format"). */
function base256Size(n: bigint): Uint8Array {
  const f = new Uint8Array(12);
  let v = n;
  for (let i = 11; i >= 1; i--) {
    f[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  f[0] = 0x80;
  return f;
}

/** A PAX record "<len> <key>=<value>\n" with its self-including length (pax(1), "pax Extended Header"). */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len++;
  return `${len}${body}`;
}

function pad512(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(b.length / 512) * 512);
  out.set(b);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const END = new Uint8Array(1024);

// --- tests ------------------------------------------------------------------------

describe('corrupt compressed layers', () => {
  it(
    'a corrupt gzip layer among four: that layer fails with its index and offset, the others are intact',
    async () => {
      const path = join(IMAGES, 'crane-gzip-whiteout-dir.tar');
      const orig = fixture('crane-gzip-whiteout-dir.tar');
      const layers = dockerLayers(path);
      const bad = member(path, layers[1]!);
      // The middle of the deflate data (gzip header is 10 bytes, trailer 8: RFC 1952).
      const damaged = flip(orig, bad.dataOffset + Math.floor(bad.size / 2) - 8, 16);
      const img = await open(damaged);
      expect(img.layerErrors[1]).toMatch(/layer 1\b/);
      expect(img.layerErrors[1]).toMatch(/offset \d+/);
      // Reported as what it is (the gzip CRC-32 fails), even though the garbage it decoded to reached the tar reader first.
      expect(img.layers[1]?.error?.code).toBe('BAD_GZIP');
      for (const i of [0, 2, 3]) {
        expect(img.layerErrors[i]).toBeNull();
        expect(layerPaths(img, i)).toEqual(gnuPaths(extract(path, layers[i]!)));
      }
      // The merged tree below the broken layer is the undamaged one.
      const good = await open(orig);
      expect(listMerged(img.union, img.layers, 0)).toBe(listMerged(good.union, good.layers, 0));
    },
    T,
  );

  it(
    'a gzip layer damaged in its middle keeps the entries before the damage, in GNU tar order, and says where',
    async () => {
      const path = join(IMAGES, 'containerd-alpine-gzip.tar');
      const orig = fixture('containerd-alpine-gzip.tar');
      const manifest = jsonOf(path, 'manifest.json')[0];
      const layerName = manifest.Layers[0] as string;
      const m = member(path, layerName);
      const img = await open(flip(orig, m.dataOffset + Math.floor(m.size / 2), 64));
      const err = img.layers[0]?.error;
      expect(err?.code).toBe('BAD_GZIP');
      expect(img.layerErrors[0]).toMatch(/layer 0\b.*offset \d+/);
      const kept = layerPaths(img, 0);
      const all = gnuPaths(extract(path, layerName));
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(all.length);
      expect(kept).toEqual(all.slice(0, kept.length));
      // The offset is in the uncompressed stream, past the entries that were kept.
      expect(err!.offset).toBeGreaterThan(0);
    },
    T,
  );

  it(
    'a corrupt zstd layer: that layer fails, the others are intact',
    async () => {
      const path = join(IMAGES, 'umoci-edge-cases-zstd.oci.tar');
      const orig = fixture('umoci-edge-cases-zstd.oci.tar');
      const index = jsonOf(path, 'index.json');
      const mdigest = index.manifests[0].digest as string;
      const manifest = jsonOf(path, `blobs/sha256/${mdigest.slice(7)}`);
      const layerNames = (manifest.layers as { digest: string }[]).map((l) => `blobs/sha256/${l.digest.slice(7)}`);
      expect(layerNames.length).toBeGreaterThan(1);
      const target = layerNames.length - 1;
      const m = member(path, layerNames[target]!);
      const img = await open(flip(orig, m.dataOffset + Math.floor(m.size / 2), 16));
      expect(img.layerErrors[target]).toMatch(new RegExp(`layer ${target}\\b.*offset \\d+`));
      expect(img.layers[target]?.error?.code).toBe('BAD_ZSTD');
      for (let i = 0; i < target; i++) {
        expect(img.layerErrors[i]).toBeNull();
        // GNU tar reads zstd through the zstd program.
        const raw = execFileSync('zstd', ['-dc'], { input: extract(path, layerNames[i]!) });
        expect(layerPaths(img, i)).toEqual(gnuPaths(raw));
      }
    },
    T,
  );
});

/** Re-pack an archive with GNU tar, members in the given order (names as GNU tar lists them). */
function repack(path: string, order: string[]): Uint8Array {
  const d = join(tmp, `x${counter++}`);
  mkdirSync(d);
  tar(['-xf', path, '-C', d]);
  const out = join(tmp, `repacked${counter++}.tar`);
  tar(['--format=gnu', '--numeric-owner', '--no-recursion', '-cf', out, '-C', d, ...order]);
  return new Uint8Array(readFileSync(out));
}

describe('truncated archives', () => {
  it(
    'cut in the middle of the last (gzip) layer: the layers before it are intact, that layer fails',
    async () => {
      const path = join(IMAGES, 'crane-gzip-whiteout-dir.tar');
      const layers = dockerLayers(path);
      const config = jsonOf(path, 'manifest.json')[0].Config as string;
      const bytes = repack(path, ['manifest.json', config, ...layers]);
      const f = save(bytes);
      const last = member(f, layers[3]!);
      const img = await open(bytes.slice(0, last.dataOffset + Math.floor(last.size / 2)));
      expect(img.layerErrors[3]).toMatch(/layer 3\b/);
      expect(img.layers[3]?.error?.code).toBe('TRUNCATED');
      for (const i of [0, 1, 2]) {
        expect(img.layerErrors[i]).toBeNull();
        expect(layerPaths(img, i)).toEqual(gnuPaths(extract(path, layers[i]!)));
      }
      expect(img.warnings.some((w) => w.code === 'TRUNCATED')).toBe(true);
    },
    T,
  );

  it(
    'cut inside the last (uncompressed) layer: that layer keeps its entries before the cut and says where',
    async () => {
      const path = join(IMAGES, 'legacy-overwritten-file.tar');
      const layers = dockerLayers(path);
      const config = jsonOf(path, 'manifest.json')[0].Config as string;
      // Layer 1 (bar.txt, then the symlink foo.txt) goes last in the archive.
      const bytes = repack(path, ['manifest.json', config, 'repositories', layers[0]!, layers[2]!, layers[1]!]);
      const f = save(bytes);
      const m = member(f, layers[1]!);
      const inner = members(save(extract(path, layers[1]!)));
      const symlink = inner.find((x) => x.name === 'foo.txt')!;
      // Cut 100 bytes into the symlink's header.
      const img = await openVerified(bytes.slice(0, m.dataOffset + symlink.headerOffset + 100));
      expect(img.layers[1]?.error?.code).toBe('TRUNCATED');
      expect(img.layerErrors[1]).toMatch(new RegExp(`layer 1, offset ${symlink.headerOffset + 100}\\b`));
      expect(layerPaths(img, 1)).toEqual(['bar.txt']);
      expect(img.layerErrors[0]).toBeNull();
      expect(img.layerErrors[2]).toBeNull();
      expect(layerPaths(img, 0)).toEqual(gnuPaths(extract(path, layers[0]!)));
      // Layers before the cut still verify against their diff_ids.
      expect(img.integrity[0]!.diffId).toBe('ok');
      expect(img.integrity[2]!.diffId).toBe('ok');
    },
    T,
  );

  it(
    'cut inside manifest.json: a clear error naming it',
    async () => {
      const path = join(IMAGES, 'crane-gzip-whiteout-dir.tar');
      const m = member(path, 'manifest.json');
      const err = await openFails(fixture('crane-gzip-whiteout-dir.tar').slice(0, m.dataOffset + Math.floor(m.size / 2)));
      expect(err.code).toBe('TRUNCATED');
      expect(err.message).toMatch(/manifest\.json/);
    },
    T,
  );

  it(
    'cut before the manifest was reached: says the archive is truncated, not just "no manifest"',
    async () => {
      const path = join(IMAGES, 'crane-gzip-whiteout-dir.tar');
      const layers = dockerLayers(path);
      const m = member(path, layers[2]!);
      const err = await openFails(fixture('crane-gzip-whiteout-dir.tar').slice(0, m.dataOffset + 10));
      expect(err.code).toBe('TRUNCATED');
      expect(err.message).toMatch(/truncated|cut|ends/i);
    },
    T,
  );

  it(
    'a gzipped archive cut short: a clear error',
    async () => {
      const gz = gzipSync(fixture('legacy-overwritten-file.tar'));
      const err = await openFails(gz.subarray(0, Math.floor(gz.length / 2)));
      expect(err.code).toMatch(/^(TRUNCATED|BAD_GZIP)$/);
    },
    T,
  );
});

describe('integrity', () => {
  it(
    'one byte of file data changed in an uncompressed docker-archive layer: a diff_id mismatch warning, results unchanged',
    async () => {
      const path = join(IMAGES, 'legacy-overwritten-file.tar');
      const layers = dockerLayers(path);
      const outer = member(path, layers[0]!);
      const inner = members(save(extract(path, layers[0]!))).find((x) => x.name === 'foo.txt')!;
      expect(inner.size).toBeGreaterThan(0);
      const damaged = fixture('legacy-overwritten-file.tar');
      damaged[outer.dataOffset + inner.dataOffset]! ^= 0x01;
      const img = await openVerified(damaged);
      expect(img.layerErrors).toEqual([null, null, null]);
      expect(img.integrity.map((c) => c.diffId)).toEqual(['mismatch', 'ok', 'ok']);
      const w = img.warnings.find((x) => x.code === 'DIFF_ID_MISMATCH');
      expect(w?.layer).toBe(0);
      expect(w?.message).toMatch(/layer 0/);
      const expected = readFileSync(join(FIX, 'expected/legacy-overwritten-file.tsv'), 'utf8');
      expect(toOracle(listMerged(img.union, img.layers, 2))).toBe(expected);
    },
    T,
  );

  it(
    "one byte changed in an OCI layout's uncompressed layer: both the blob digest and the diff_id mismatch",
    async () => {
      const path = join(IMAGES, 'buildx-oci-uncompressed.tar');
      const index = jsonOf(path, 'index.json');
      const manifest = jsonOf(path, `blobs/sha256/${(index.manifests[0].digest as string).slice(7)}`);
      const layerName = `blobs/sha256/${(manifest.layers[0].digest as string).slice(7)}`;
      const outer = member(path, layerName);
      const inner = members(save(extract(path, layerName))).find((x) => x.size > 0)!;
      const damaged = fixture('buildx-oci-uncompressed.tar');
      damaged[outer.dataOffset + inner.dataOffset]! ^= 0x01;
      const img = await openVerified(damaged);
      expect(img.layerErrors[0]).toBeNull();
      expect(img.integrity[0]!.digest).toBe('mismatch');
      expect(img.integrity[0]!.diffId).toBe('mismatch');
      expect(img.integrity[0]!.computedDigest).toBe(`sha256:${sha256hex(extract(save(damaged), layerName))}`);
      expect(img.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['DIGEST_MISMATCH', 'DIFF_ID_MISMATCH']));
      expect(layerPaths(img, 0)).toEqual(gnuPaths(extract(path, layerName)));
    },
    T,
  );
});

/** The reference's form of a listing: 7 columns, a hardlink written as the file it is (oracle.test.ts). */
function toOracle(listing: string): string {
  return listing
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const c = l.split('\t');
      if (c[1] === 'hardlink') {
        c[1] = 'file';
        c[6] = '';
      }
      return `${c.slice(0, 7).join('\t')}\n`;
    })
    .join('');
}

describe('missing blobs', () => {
  it(
    'an OCI manifest naming a layer blob the archive lacks: MISSING_BLOB naming the digest',
    async () => {
      const path = join(IMAGES, 'containerd-alpine-gzip.tar');
      const layer = jsonOf(path, 'manifest.json')[0].Layers[0] as string;
      const keep = members(path)
        .map((m) => m.name)
        .filter((n) => n !== layer);
      const err = await openFails(repack(path, keep));
      expect(err.code).toBe('MISSING_BLOB');
      expect(err.message).toContain(layer.split('/').pop());
    },
    T,
  );

  it(
    'a manifest.json naming a layer.tar the archive lacks: MISSING_BLOB naming it',
    async () => {
      const path = join(IMAGES, 'legacy-overwritten-file.tar');
      const layers = dockerLayers(path);
      const keep = members(path)
        .map((m) => m.name)
        .filter((n) => n !== layers[1]);
      const err = await openFails(repack(path, keep));
      expect(err.code).toBe('MISSING_BLOB');
      expect(err.message).toContain(layers[1]);
    },
    T,
  );

  it(
    'a manifest.json naming a config the archive lacks: MISSING_BLOB naming it',
    async () => {
      const path = join(IMAGES, 'legacy-overwritten-file.tar');
      const config = jsonOf(path, 'manifest.json')[0].Config as string;
      const keep = members(path)
        .map((m) => m.name)
        .filter((n) => n !== config);
      const err = await openFails(repack(path, keep));
      expect(err.code).toBe('MISSING_BLOB');
      expect(err.message).toContain(config);
    },
    T,
  );
});

/** Rows of `layerscope ls` as [path, type, link]. */
function rows(img: LoadedImage, layer = img.layers.length - 1): string[][] {
  return listMerged(img.union, img.layers, layer)
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
}

describe('names that climb out of the root', () => {
  it(
    '`../` and absolute names inside a layer stay under the root, with a warning naming the layer',
    async () => {
      const evil = writeTar([
        file('../../etc/passwd', 'root::0:0::/:/bin/sh\n'),
        file('/abs/file', 'abs\n'),
        file('ok/../../../up', 'up\n'),
        link('hardlink', 'hl', '../../etc/passwd'),
        link('symlink', 'sl', '../../../../etc/shadow'),
      ]);
      const img = await open(dockerArchive([BASE_LAYER, evil]));
      expect(img.layerErrors).toEqual([null, null]);
      const r = rows(img);
      const paths = r.map((x) => x[0]!);
      for (const p of paths) {
        expect(p.startsWith('/')).toBe(true);
        expect(p.split('/')).not.toContain('..');
      }
      expect(paths).toEqual(expect.arrayContaining(['/etc/passwd', '/abs/file', '/up', '/hl', '/sl', '/base/one']));
      // The hardlink points at the contained path; a symlink target is data, shown as written.
      expect(r.find((x) => x[0] === '/hl')![6]).toBe('/etc/passwd');
      expect(r.find((x) => x[0] === '/sl')![6]).toBe('../../../../etc/shadow');
      const unsafe = img.warnings.filter((w) => w.code === 'UNSAFE_PATH');
      expect(unsafe.length).toBeGreaterThanOrEqual(4);
      for (const w of unsafe) {
        expect(w.layer).toBe(1);
        expect(typeof w.offset).toBe('number');
      }
      expect(unsafe.map((w) => w.message).join('\n')).toMatch(/\.\.\/\.\.\/etc\/passwd[\s\S]*\/abs\/file/);
    },
    T,
  );

  it(
    '`../` names in the outer archive cannot reach a blob outside it: a warning, the image still opens',
    async () => {
      const img = await open(dockerArchive([BASE_LAYER], { extra: [file('../../outside', 'x')] }));
      expect(img.layerErrors).toEqual([null]);
      expect(img.warnings.some((w) => w.code === 'UNSAFE_PATH' && /\.\.\/\.\.\/outside/.test(w.message))).toBe(true);
    },
    T,
  );
});

/**
 * A layer made of hand-written headers: the second layer of an image whose first
 * layer is BASE_LAYER. Returns the image and how long and how much heap it took.
 */
async function openWithForgedLayer(layer: Uint8Array, compress = false): Promise<{ img: LoadedImage; ms: number; heapMB: number }> {
  const stored = compress ? new Uint8Array(gzipSync(layer)) : layer;
  const archive = dockerArchive([BASE_LAYER, stored], { diffIds: [`sha256:${sha256hex(BASE_LAYER)}`, `sha256:${sha256hex(layer)}`] });
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const img = await openVerified(archive);
  const ms = performance.now() - t0;
  const heapMB = Math.max(process.memoryUsage().heapUsed - heap0, process.memoryUsage().rss - rss0) / 1e6;
  return { img, ms, heapMB };
}

/** The first entry of every forged layer: something real that must survive the damage after it. */
const SURVIVOR = writeTar([file('survivor', 'still here\n')]).subarray(0, 1024);

describe('absurd sizes', () => {
  const cases: { name: string; layer: () => Uint8Array; codes: RegExp; gnuLenient?: boolean }[] = [
    {
      name: 'a header whose size field says 8 EiB (base-256)',
      layer: () => concat(SURVIVOR, rawHeader('huge', '0', base256Size(1n << 63n)), new Uint8Array(512), END),
      codes: /^BAD_HEADER$/,
    },
    {
      name: 'a header whose size field says 1 PiB (base-256), data absent',
      layer: () => concat(SURVIVOR, rawHeader('huge', '0', base256Size(1n << 50n)), new Uint8Array(512), END),
      codes: /^TRUNCATED$/,
    },
    {
      name: 'a header whose octal size says 8 GiB - 1, data absent',
      layer: () => concat(SURVIVOR, rawHeader('huge', '0', octalSize(0o77777777777)), new Uint8Array(512), END),
      codes: /^TRUNCATED$/,
    },
    {
      name: 'a PAX size record of 1e18',
      layer: () => {
        const pax = te.encode(paxRecord('size', '1000000000000000000'));
        return concat(
          SURVIVOR,
          rawHeader('PaxHeader/huge', 'x', octalSize(pax.length)),
          pad512(pax),
          rawHeader('huge', '0', octalSize(4)),
          pad512(te.encode('abcd')),
          END,
        );
      },
      codes: /^BAD_HEADER$/,
      gnuLenient: true,
    },
    {
      name: 'a PAX header claiming 8 GiB of records',
      layer: () => concat(SURVIVOR, rawHeader('PaxHeader/huge', 'x', octalSize(0o77777777777)), new Uint8Array(512), END),
      codes: /^LIMIT$/,
    },
    {
      name: 'a PAX record whose length field is 20 digits',
      layer: () => {
        const pax = te.encode('99999999999999999999 path=x\n');
        return concat(SURVIVOR, rawHeader('PaxHeader/x', 'x', octalSize(pax.length)), pad512(pax), rawHeader('x', '0', octalSize(0)), END);
      },
      codes: /^BAD_PAX$/,
      gnuLenient: true,
    },
    {
      name: 'a GNU long name (L) claiming 8 GiB',
      layer: () => concat(SURVIVOR, rawHeader('././@LongLink', 'L', octalSize(0o77777777777)), new Uint8Array(512), END),
      codes: /^LIMIT$/,
    },
    {
      name: 'a global PAX header (g) claiming 1 TiB (base-256)',
      layer: () => concat(SURVIVOR, rawHeader('pax_global_header', 'g', base256Size(1n << 40n)), new Uint8Array(512), END),
      codes: /^LIMIT$/,
    },
  ];
  for (const c of cases) {
    for (const compress of [false, true]) {
      it(
        `${c.name}${compress ? ' (gzip layer)' : ''}: a clear error for that layer, fast, no huge allocation`,
        async () => {
          const { img, ms, heapMB } = await openWithForgedLayer(c.layer(), compress);
          expect(img.layers[1]?.error?.code).toMatch(c.codes);
          expect(img.layerErrors[1]).toMatch(/layer 1\b.*offset \d+/);
          // Entries before the damage are kept. Where the header itself is whole (only its
          // data is missing), GNU tar lists the entry before giving up, and so do we; GNU
          // tar skips over a PAX record it cannot use, where we refuse the entry.
          const gnu = gnuList(save(c.layer(), `forged${counter++}.tar`));
          expect(gnu.ok).toBe(false);
          expect(layerPaths(img, 1)).toEqual(c.gnuLenient ? ['survivor'] : gnu.entries.map((e) => e.path));
          expect(layerPaths(img, 1)[0]).toBe('survivor');
          // The layer below is untouched.

          expect(img.layerErrors[0]).toBeNull();
          expect(layerPaths(img, 0)).toEqual(['base', 'base/one', 'base/two']);
          expect(ms).toBeLessThan(3000);
          expect(heapMB).toBeLessThan(200);
        },
        T,
      );
    }
  }

  it(
    'manifest.json of 17 MiB: refused (LIMIT) without reading it',
    async () => {
      const big = new Uint8Array(17 * 1024 * 1024).fill(0x20);
      big[0] = 0x5b; // '['
      big[big.length - 1] = 0x5d; // ']'
      const archive = writeTar([{ ...file('manifest.json'), data: big }]);
      const err = await openFails(archive);
      expect(err.code).toBe('LIMIT');
      expect(err.message).toMatch(/manifest\.json/);
    },
    T,
  );

  it(
    'an outer header whose size says 8 EiB: a clear error',
    async () => {
      const archive = concat(rawHeader('manifest.json', '0', base256Size(1n << 63n)), new Uint8Array(512), END);
      const err = await openFails(archive);
      expect(err.code).toBe('BAD_HEADER');
      expect(err.offset).toBe(0);
    },
    T,
  );

  it(
    'a manifest listing 40 000 layers: refused quickly (LIMIT), not scanned 40 000 times',
    async () => {
      const n = 40_000;
      const diff = `sha256:${sha256hex(BASE_LAYER)}`;
      const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: new Array(n).fill(diff) } });
      const manifest = JSON.stringify([{ Config: 'config.json', RepoTags: ['many:layers'], Layers: new Array(n).fill('l/layer.tar') }]);
      const archive = writeTar([
        { ...file('manifest.json'), data: te.encode(manifest) },
        { ...file('config.json'), data: te.encode(config) },
        { ...file('l/layer.tar'), data: BASE_LAYER },
      ]);
      const t0 = performance.now();
      const err = await openFails(archive);
      expect(err.code).toBe('LIMIT');
      expect(performance.now() - t0).toBeLessThan(3000);
    },
    T,
  );
});

describe('link cycles', () => {
  it(
    'hardlink and symlink cycles inside a layer: the listing completes',
    async () => {
      const layer = writeTar([
        file('x', 'data'),
        link('hardlink', 'a', 'b'),
        link('hardlink', 'b', 'a'),
        link('hardlink', 'self', 'self'),
        link('symlink', 's1', 's2'),
        link('symlink', 's2', 's1'),
        link('symlink', 'loop', 'loop'),
        link('symlink', 'dot', '.'),
      ]);
      // The cycle also spans layers: c (layer 2) → a (layer 1) → b → a.
      const top = writeTar([link('hardlink', 'c', 'a'), link('hardlink', 'a', 'c')]);
      const img = await open(dockerArchive([BASE_LAYER, layer, top]));
      expect(img.layerErrors).toEqual([null, null, null]);
      for (let L = 0; L < 3; L++) expect(rows(img, L).length).toBeGreaterThan(0);
      const top3 = rows(img);
      expect(top3.map((r) => r[0])).toEqual(expect.arrayContaining(['/x', '/a', '/b', '/c', '/self', '/s1', '/s2', '/loop', '/dot', '/base/one']));
      const s1 = top3.find((r) => r[0] === '/s1')!;
      expect([s1[1], s1[6]]).toEqual(['symlink', 's2']);
      // Each link tar could not create is a warning naming its layer, path and cause.
      const hl = img.warnings.filter((w) => w.code === 'HARDLINK_UNRESOLVED').map((w) => w.message);
      expect(hl).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^layer 1: hardlink \/a → \/b .*cycle/),
          expect.stringMatching(/^layer 1: hardlink \/self → \/self .*links to itself/),
          expect.stringMatching(/^layer 2: hardlink \/c → \/a .*cycle/),
        ]),
      );
      // Symlinks are data (their targets are never followed while loading): no warning.
      expect(img.warnings.some((w) => /s1|loop|dot/.test(w.message))).toBe(false);
    },
    T,
  );

  it(
    'hardlinks tar could not create: missing target, a directory, a target only in a higher layer; many are summarized',
    async () => {
      const many = Array.from({ length: MAX_HARDLINK_WARNINGS + 5 }, (_, i) => link('hardlink', `m${i}`, `gone${i}`));
      const layer = writeTar([link('hardlink', 'to-dir', 'base'), link('hardlink', 'early', 'later'), ...many]);
      const top = writeTar([file('later', 'x')]);
      const img = await open(dockerArchive([BASE_LAYER, layer, top]));
      const hl = img.warnings.filter((w) => w.code === 'HARDLINK_UNRESOLVED');
      expect(hl.length).toBe(MAX_HARDLINK_WARNINGS + 1);
      expect(hl[0]).toMatchObject({ layer: 1, message: expect.stringMatching(/hardlink \/to-dir → \/base .*directory/) });
      // a link may point into lower layers only: /later appears one layer up
      expect(hl[1]!.message).toMatch(/hardlink \/early → \/later .*does not exist at that layer/);
      expect(hl[1]!.offset).toBeGreaterThan(0);
      expect(hl.at(-1)!.message).toMatch(/^7 more hardlinks cannot be created/);
      // The links are still listed (as tar would have to skip them, size 0).
      expect(rows(img).map((r) => r[0])).toEqual(expect.arrayContaining(['/to-dir', '/early', '/m0']));
    },
    T,
  );

  it(
    'an outer-archive symlink loop for layer.tar: LOOP',
    async () => {
      // skopeo writes `<id>/layer.tar` as a symlink; here two of them point at each other.
      const diff = `sha256:${sha256hex(BASE_LAYER)}`;
      const looped = writeTar([
        { ...file('manifest.json'), data: te.encode(JSON.stringify([{ Config: 'config.json', RepoTags: ['loop:1'], Layers: ['l0/layer.tar'] }])) },
        { ...file('config.json'), data: te.encode(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diff] } })) },
        link('symlink', 'l0/layer.tar', '../l1/layer.tar'),
        link('symlink', 'l1/layer.tar', '../l0/layer.tar'),
      ]);
      const err = await openFails(looped);
      expect(err.code).toBe('LOOP');
      expect(err.message).toMatch(/l0\/layer\.tar/);
    },
    T,
  );

  it(
    'a symlinked directory loop on the way to layer.tar: LOOP',
    async () => {
      const diff = `sha256:${sha256hex(BASE_LAYER)}`;
      const looped = writeTar([
        { ...file('manifest.json'), data: te.encode(JSON.stringify([{ Config: 'config.json', RepoTags: ['loop:2'], Layers: ['d/layer.tar'] }])) },
        { ...file('config.json'), data: te.encode(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diff] } })) },
        link('symlink', 'd', 'e'),
        link('symlink', 'e', 'd'),
      ]);
      const err = await openFails(looped);
      expect(err.code).toBe('LOOP');
    },
    T,
  );
});

/** An OCI image layout whose blobs are given by digest (content need not hash to it: a loop cannot). */
function ociLayout(index: unknown, blobs: Record<string, unknown>): Uint8Array {
  return writeTar([
    { ...file('oci-layout'), data: te.encode('{"imageLayoutVersion":"1.0.0"}') },
    { ...file('index.json'), data: te.encode(JSON.stringify(index)) },
    ...Object.entries(blobs).map(([d, v]) => ({ ...file(`blobs/sha256/${d.slice(7)}`), data: te.encode(JSON.stringify(v)) })),
  ]);
}

const IDX = 'application/vnd.oci.image.index.v1+json';
const dg = (c: string) => `sha256:${c.repeat(64)}`;
const desc = (digest: string) => ({ mediaType: IDX, digest, size: 100 });

describe('index loops', () => {
  it(
    'index.json → A → B → A: LOOP naming the chain',
    async () => {
      const A = dg('a');
      const B = dg('b');
      const err = await openFails(
        ociLayout(
          { schemaVersion: 2, manifests: [desc(A)] },
          { [A]: { schemaVersion: 2, manifests: [desc(B)] }, [B]: { schemaVersion: 2, manifests: [desc(A)] } },
        ),
      );
      expect(err.code).toBe('LOOP');
      expect(err.message).toContain(A);
      expect(err.message).toContain(B);
    },
    T,
  );

  it(
    'an index that lists itself: LOOP',
    async () => {
      const A = dg('c');
      const err = await openFails(ociLayout({ schemaVersion: 2, manifests: [desc(A)] }, { [A]: { schemaVersion: 2, manifests: [desc(A)] } }));
      expect(err.code).toBe('LOOP');
    },
    T,
  );

  it(
    'indexes nested 20 deep: refused (LIMIT)',
    async () => {
      const blobs: Record<string, unknown> = {};
      const chain = Array.from({ length: 20 }, (_, i) => `sha256:${sha256hex(te.encode(String(i)))}`);
      chain.forEach((d, i) => {
        blobs[d] = { schemaVersion: 2, manifests: i + 1 < chain.length ? [desc(chain[i + 1]!)] : [] };
      });
      const err = await openFails(ociLayout({ schemaVersion: 2, manifests: [desc(chain[0]!)] }, blobs));
      expect(err.code).toBe('LIMIT');
    },
    T,
  );

  it(
    'a fan-out bomb (each index lists the next one 200 times, 4 deep): refused or finished quickly',
    async () => {
      const levels = [dg('1'), dg('2'), dg('3'), dg('4')];
      const blobs: Record<string, unknown> = {};
      levels.forEach((d, i) => {
        blobs[d] = { schemaVersion: 2, manifests: i + 1 < levels.length ? new Array(200).fill(desc(levels[i + 1]!)) : [] };
      });
      const t0 = performance.now();
      const err = await openFails(ociLayout({ schemaVersion: 2, manifests: [desc(levels[0]!)] }, blobs));
      expect(err.code).toMatch(/^(LIMIT|NOT_AN_IMAGE)$/);
      expect(performance.now() - t0).toBeLessThan(3000);
    },
    T,
  );
});

describe('not an image', () => {
  it(
    'random bytes, a PNG, gzipped random bytes, an empty file, a plain tar: clear errors',
    async () => {
      const rnd = new Uint8Array(5000);
      for (let i = 0; i < rnd.length; i++) rnd[i] = (i * 2654435761) >>> 24;
      expect((await openFails(rnd)).code).toBe('NOT_A_TAR');
      expect((await openFails(new Uint8Array(readFileSync(join(FIX, 'preview/python.png'))))).code).toBe('NOT_A_TAR');
      expect((await openFails(new Uint8Array(gzipSync(rnd)))).code).toBe('NOT_A_TAR');
      expect((await openFails(new Uint8Array(0))).code).toBe('NOT_A_TAR');
      const plain = await openFails(writeTar([file('hello.txt', 'hi')]));
      expect(plain.code).toBe('NOT_AN_IMAGE');
      expect(plain.message).toContain('hello.txt');
    },
    T,
  );

  it(
    'manifest.json that is not JSON: BAD_JSON naming it',
    async () => {
      const err = await openFails(writeTar([file('manifest.json', '[{"Config": ')]));
      expect(err.code).toBe('BAD_JSON');
      expect(err.message).toContain('manifest.json');
    },
    T,
  );
});

describe('what a failed layer still shows (issue 9, point 12)', () => {
  const layerTar = writeTar(
    ['a', 'b', 'c'].map((n): TarWriteEntry => ({ path: n, kind: 'file', data: new TextEncoder().encode(n), mode: 0o644, uid: 0, gid: 0, mtime: 0 })),
  );
  const gz = new Uint8Array(gzipSync(layerTar));
  const withLayer = async (layer: Uint8Array) => {
    const { dockerArchive } = await import('../../test/helpers/imageArchive');
    return openImage(new Blob([dockerArchive([layer], { diffIds: ['sha256:' + '0'.repeat(64)] }) as BlobPart]));
  };
  const cases: [string, () => Uint8Array, RegExp][] = [
    // the whole tar decoded, then junk after the gzip member: its entries used to be dropped ("0 entries")
    ['junk after the gzip member', () => new Uint8Array([...gz, 1, 2, 3, 4, 5]), /; all 3 entries of the tar were read before it$/],
    [
      'a bad CRC-32 in the trailer',
      () => {
        const b = gz.slice();
        b[b.length - 6]! ^= 0xff;
        return b;
      },
      /CRC-32.*; all 3 entries of the tar were read before it$/,
    ],
    // cut inside the tar: not "all 1 entries were read", which said the tar was whole
    ['a tar cut inside its second header', () => layerTar.slice(0, 1024 + 100), /ends inside a header.*; 1 entry before it was kept$/],
    ['the same, gzipped', () => new Uint8Array(gzipSync(layerTar.slice(0, 1024 + 100))), /ends inside a header.*; 1 entry before it was kept$/],
  ];
  for (const [name, make, want] of cases) {
    it(
      name,
      async () => {
        const img = await withLayer(make());
        expect(img.layerErrors[0]).toMatch(want);
        const count = Number(/(\d+) entr/.exec(img.layerErrors[0]!)![1]);
        expect(img.layers[0]!.count).toBe(count);
      },
      T,
    );
  }
  it('keptText: singular and plural', () => {
    expect(session.keptText(0, false)).toBe('0 entries before it were kept');
    expect(session.keptText(1, true)).toBe('the 1 entry of the tar was read before it');
  });
});
