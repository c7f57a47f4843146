/**
 * scanLayer against ground truth: every layer blob of the fixture images, listed by
 * GNU tar (`tar -tv`, which also reads gzip and zstd), digests by node:crypto over
 * the stored bytes and over the bytes `zcat`/`zstd -d` produce.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { scanLayer, LayerIndexBuilder, progressGate, PROGRESS_EVERY_BYTES, PROGRESS_MIN_INTERVAL_MS } from './layerScan';
import { defaultCodecs } from '../codecs';
import { TarParser } from './tar/parser';
import { INFLATE_SWITCH_WINDOW } from './compression';
import { OUT_CHUNK } from './inflate/inflater';
import * as H from '../../../test/helpers/hostile.mjs';
import { EntryKind, type LayerIndex, type TarEntry } from '../types';
import { gnuList, TYPE_OF, type GnuEntry } from '../../../test/helpers/gnuTar';

const IMAGES = join(__dirname, '../../../test/fixtures/images');

function blobOf(b: Uint8Array): Blob {
  return new Blob([b as Uint8Array<ArrayBuffer>]);
}

interface LayerFile {
  name: string; // image:member
  file: string; // extracted to tmp
  bytes: Buffer;
}

let tmp: string;
const layers: LayerFile[] = [];

/** Layer blobs of every fixture image: regular members that GNU tar can list as a (possibly compressed) tar. */
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-scan-'));
  const seen = new Set<string>();
  for (const img of readdirSync(IMAGES).filter((f) => f.endsWith('.tar'))) {
    const path = join(IMAGES, img);
    const members = execFileSync('tar', ['-tvf', path], { env: { ...process.env, LC_ALL: 'C' } })
      .toString()
      .split('\n')
      .filter((l) => l.startsWith('-'))
      .map((l) => l.split(/\s+/).slice(5).join(' '));
    for (const m of members) {
      const bytes = execFileSync('tar', ['-xOf', path, m], { maxBuffer: 1 << 28 });
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (seen.has(digest) || bytes.length < 512 || bytes[0] === 0x7b /* JSON */) continue;
      const file = join(tmp, `${layers.length}.blob`);
      writeFileSync(file, bytes);
      try {
        execFileSync('tar', ['-tf', file], { stdio: 'ignore' });
      } catch {
        continue;
      }
      seen.add(digest);
      layers.push({ name: `${img}:${m}`, file, bytes });
    }
  }
}, 120_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** OCI image-spec layer.md "Whiteouts", applied to GNU tar's listing (independent of the code under test). */
function expectedKind(g: GnuEntry): EntryKind {
  const base = g.path.slice(g.path.lastIndexOf('/') + 1);
  if (base === '.wh..wh..opq') return EntryKind.Opaque;
  if (base.startsWith('.wh..wh.')) return EntryKind.WhiteoutMeta;
  if (base.startsWith('.wh.')) return EntryKind.Whiteout;
  return TYPE_OF[g.type]!;
}

function uncompressed(bytes: Buffer): Buffer {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return execFileSync('gzip', ['-dc'], { input: bytes, maxBuffer: 1 << 28 });
  if (bytes[0] === 0x28 && bytes[1] === 0xb5) return execFileSync('zstd', ['-dc'], { input: bytes, maxBuffer: 1 << 28 });
  return bytes;
}

function sha(b: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

function expectIndexMatchesGnu(idx: LayerIndex, gnu: GnuEntry[], ctxName: string) {
  expect(idx.paths, ctxName).toEqual(gnu.map((g) => g.path));
  for (let i = 0; i < gnu.length; i++) {
    const g = gnu[i]!;
    const ctx = `${ctxName} ${g.path}`;
    const kind = expectedKind(g);
    expect(idx.kinds[i], ctx).toBe(kind);
    expect(idx.modes[i], ctx).toBe(g.mode);
    expect(idx.uids[i], ctx).toBe(g.uid);
    expect(idx.gids[i], ctx).toBe(g.gid);
    expect(Math.floor(idx.mtimes[i]!), ctx).toBe(g.mtime);
    expect(idx.sizes[i], ctx).toBe(kind === EntryKind.File ? g.size : 0);
    if (g.link !== null) expect(idx.links[idx.linkIds[i]!], ctx).toBe(g.link);
    else expect(idx.linkIds[i], ctx).toBe(-1);
    if (g.dev) expect(idx.devs.get(i), ctx).toEqual(g.dev);
  }
}

describe('scanLayer on the fixture images’ layers', () => {
  it('finds layers in gzip, zstd and uncompressed form', () => {
    const kinds = new Set(layers.map((l) => (l.bytes[0] === 0x1f ? 'gzip' : l.bytes[0] === 0x28 ? 'zstd' : 'none')));
    expect([...kinds].sort()).toEqual(['gzip', 'none', 'zstd']);
    expect(layers.length).toBeGreaterThan(20);
  });

  it('every layer: entries equal GNU tar’s listing; digests equal sha256 of the stored and uncompressed bytes', async () => {
    for (const l of layers) {
      const idx = await scanLayer(blobOf(l.bytes), { hash: true });
      expect(idx.error, l.name).toBeNull();
      const gnu = gnuList(l.file);
      expect(gnu.ok, l.name).toBe(true);
      expectIndexMatchesGnu(idx, gnu.entries, l.name);
      const raw = uncompressed(l.bytes);
      expect(idx.storedSize, l.name).toBe(l.bytes.length);
      expect(idx.tarSize, l.name).toBe(raw.length);
      expect(idx.digestComputed, l.name).toBe(sha(l.bytes));
      expect(idx.diffIdComputed, l.name).toBe(sha(raw));
      expect(idx.compression, l.name).toBe(l.bytes[0] === 0x1f ? 'gzip' : l.bytes[0] === 0x28 ? 'zstd' : 'none');
      // data offsets point at each file's bytes in the uncompressed stream (checked on the first file)
      const f = [...idx.kinds].findIndex((k, i) => k === EntryKind.File && idx.sizes[i]! > 0);
      if (f >= 0) {
        const want = execFileSync('tar', ['-xOf', l.file, '--occurrence=1', rawName(l.file, f)], { maxBuffer: 1 << 28 });
        expect(raw.subarray(idx.dataOffsets[f], idx.dataOffsets[f]! + idx.sizes[f]!).equals(want), l.name).toBe(true);
      }
    }
  }, 120_000);

  it('xattrs (security.capability as raw bytes) from the umoci edge-case image', async () => {
    const all = await Promise.all(layers.map((l) => scanLayer(blobOf(l.bytes))));
    const withX = all.filter((x) => x.xattrs.size > 0);
    expect(withX.length).toBeGreaterThan(0);
    const caps = withX.flatMap((x) => [...x.xattrs.values()]).filter((r) => r['security.capability']);
    expect(caps.length).toBeGreaterThan(0);
    // VFS_CAP_REVISION_2 header (linux/capability.h): magic 0x02000000 little-endian, maybe | VFS_CAP_FLAGS_EFFECTIVE
    const v = caps[0]!['security.capability']!;
    expect(v).toBeInstanceOf(Uint8Array);
    expect(v[3]).toBe(0x02);
  });
});

/** Raw member name of the i-th member, as tar needs it for -x. */
function rawName(file: string, i: number): string {
  return execFileSync('tar', ['-tf', file], { env: { ...process.env, LC_ALL: 'C' } })
    .toString('latin1')
    .split('\n')[i]!;
}

describe('scanLayer: same content, any compression', () => {
  let richestCache: LayerFile | null = null;
  function richest(): LayerFile {
    // the uncompressed layer with the most kinds of entries
    if (richestCache) return richestCache;
    let best: LayerFile | null = null;
    let bestKinds = -1;
    for (const l of layers) {
      if (l.bytes[0] === 0x1f || l.bytes[0] === 0x28) continue;
      const k = new Set(gnuList(l.file).entries.map((g) => g.type)).size;
      if (k > bestKinds) {
        bestKinds = k;
        best = l;
      }
    }
    richestCache = best!;
    return best!;
  }

  it('none / gzip / multi-member gzip / zstd give identical indexes', async () => {
    const l = richest();
    const tar = l.bytes;
    const variants: [string, Buffer][] = [
      ['none', tar],
      ['gzip', gzipSync(tar)],
      ['gzip-multi', Buffer.concat([gzipSync(tar.subarray(0, 1000)), gzipSync(tar.subarray(1000, 5000)), gzipSync(tar.subarray(5000))])],
      ['zstd', execFileSync('zstd', ['-q', '-c'], { input: tar })],
    ];
    const strip = (x: LayerIndex) => ({ ...x, compression: null, storedSize: null, digestComputed: null, seekHints: null });
    const base = await scanLayer(blobOf(tar), { hash: true });
    expect(base.count).toBeGreaterThan(5);
    for (const [name, bytes] of variants) {
      const idx = await scanLayer(blobOf(bytes), { hash: true });
      expect(strip(idx), name).toEqual(strip(base));
      expect(idx.diffIdComputed, name).toBe(sha(tar));
      expect(idx.digestComputed, name).toBe(sha(bytes));
      if (name.startsWith('gzip')) {
        // moved to the TypeScript inflater after the platform decoder's first piece (compression.ts gunzipBlobInto)
        const switched = await scanLayer(blobOf(bytes), { hash: true, inflateSwitch: { ratio: 0, windowBytes: 1 } });
        expect(strip(switched), `${name}, switched`).toEqual(strip(base));
        expect(switched.diffIdComputed).toBe(sha(tar));
        expect(switched.digestComputed).toBe(sha(bytes));
      }
    }
  });

  it("hash: 'diffId' hashes the uncompressed bytes only: the same index and diff_id, no stored digest, one hasher", async () => {
    const l = richest();
    const tar = l.bytes;
    for (const [name, bytes] of [
      ['gzip', gzipSync(tar)],
      ['zstd', execFileSync('zstd', ['-q', '-c'], { input: tar })],
    ] as [string, Buffer][]) {
      const both = await scanLayer(blobOf(bytes), { hash: true });
      let hashers = 0;
      const counting = {
        ...defaultCodecs,
        createHasher: async () => {
          hashers++;
          return defaultCodecs.createHasher();
        },
      };
      const idx = await scanLayer(blobOf(bytes), { hash: 'diffId', codecs: counting });
      expect(idx.diffIdComputed, name).toBe(sha(tar));
      expect(idx.digestComputed, name).toBeNull();
      expect(hashers, name).toBe(1);
      expect({ ...idx, digestComputed: null }, name).toEqual({ ...both, digestComputed: null });
    }
  });

  it('truncated gzip and zstd: the entries before the cut, then an error (no throw)', async () => {
    const l = richest();
    const full = await scanLayer(blobOf(l.bytes));
    for (const bytes of [gzipSync(l.bytes), execFileSync('zstd', ['-q', '-c'], { input: l.bytes })]) {
      const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
      const idx = await scanLayer(blobOf(cut), { hash: true });
      expect(idx.error).not.toBeNull();
      expect(['TRUNCATED', 'BAD_GZIP', 'BAD_ZSTD']).toContain(idx.error!.code);
      expect(idx.count).toBeLessThan(full.count);
      expect(idx.paths).toEqual(full.paths.slice(0, idx.count));
      expect(idx.diffIdComputed).toBeNull();
      if (bytes[0] === 0x1f) {
        const switched = await scanLayer(blobOf(cut), { hash: true, inflateSwitch: { ratio: 0, windowBytes: 1 } });
        expect(switched.error?.code).toBe('TRUNCATED');
        expect(switched.paths).toEqual(full.paths.slice(0, switched.count));
        expect(switched.diffIdComputed).toBeNull();
      }
    }
  });

  it('truncated and corrupt uncompressed layers: partial entries + error with the offset', async () => {
    const l = richest();
    const full = await scanLayer(blobOf(l.bytes));
    const hdr = full.dataOffsets[3]! - 512; // header of entry 3 (its data follows one header block unless PAX/GNU ext)
    const cut = l.bytes.subarray(0, hdr + 100);
    let idx = await scanLayer(blobOf(cut));
    expect(idx.error?.code).toBe('TRUNCATED');
    expect(idx.error?.offset).toBe(cut.length);
    expect(idx.paths).toEqual(full.paths.slice(0, idx.count));
    const bad = Buffer.from(l.bytes);
    bad[hdr + 1]! ^= 0x55;
    idx = await scanLayer(blobOf(bad));
    expect(idx.error?.code).toBe('BAD_HEADER');
    expect(idx.error?.offset).toBe(hdr);
    expect(idx.count).toBe(3);
  });

  it('progress is throttled, monotone and ends at the stored size; cancellation throws CANCELLED', async () => {
    const one = richest().bytes;
    const big = gzipSync(Buffer.concat(Array.from({ length: 40 }, () => one)));
    const seen: number[] = [];
    await scanLayer(blobOf(big), { onProgress: (p) => seen.push(p.bytesRead) });
    expect(seen[seen.length - 1]).toBe(big.length);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    const ac = new AbortController();
    ac.abort();
    await expect(scanLayer(blobOf(big), { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(scanLayer(blobOf(richest().bytes), { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('a huge file of zeros in a gzip layer (issue 9, point 3)', () => {
  // 512 MiB of zeros in ~512 KB: the platform decoder's 16 KiB pieces would be 32,768
  // trips through the tar parser; past the first window it goes to the TypeScript
  // inflater's OUT_CHUNK pieces, written straight into the parser.
  const SIZE = 512 * H.MiB;
  const gz = H.gzipZeroTar(SIZE) as Uint8Array;

  it('is skipped through the decoder in large pieces: few parser calls, the whole entry listed', async () => {
    const push = vi.spyOn(TarParser.prototype, 'push');
    try {
      const idx = await scanLayer(blobOf(gz));
      expect(idx.error).toBeNull();
      expect(idx.count).toBe(1);
      expect(idx.sizes[0]).toBe(SIZE);
      expect(idx.tarSize).toBe(512 + SIZE + 1024);
      // at most two windows in platform pieces (≥ 16 KiB), the rest in OUT_CHUNK pieces
      const bound = (2 * INFLATE_SWITCH_WINDOW) / (16 * 1024) + SIZE / (OUT_CHUNK - 32 * 1024) + 16;
      expect(push.mock.calls.length).toBeLessThan(bound);
      expect(bound).toBeLessThan(SIZE / (16 * 1024) / 4);
    } finally {
      push.mockRestore();
    }
  });

  it('a damaged trailer is still caught after the switch (the inflater checks CRC-32 and length)', async () => {
    const bad = gz.slice();
    bad[bad.length - 8]! ^= 0xff;
    const idx = await scanLayer(blobOf(bad));
    expect(idx.error?.code).toBe('BAD_GZIP');
    expect(idx.error?.afterTarEnd).toBe(true);
    expect(idx.count).toBe(1);
  });
});

describe('the builder', () => {
  it('grows past its first capacity, interns link targets, keeps sparse columns', () => {
    const b = new LayerIndexBuilder();
    const N = 5000;
    for (let i = 0; i < N; i++) {
      const e: TarEntry = {
        path: `d/f${i}`,
        kind: i % 2 ? EntryKind.Symlink : EntryKind.File,
        size: i,
        mode: 0o4755,
        uid: 2 ** 32 - 1,
        gid: i,
        mtime: i + 0.5,
        linkname: i % 2 ? `t${i % 3}` : '',
        uname: '',
        gname: '',
        devmajor: 0,
        devminor: 0,
        xattrs: i === 7 ? { 'user.x': new Uint8Array([1]) } : null,
        headerOffset: i * 1024,
        dataOffset: i * 1024 + 512,
        storedSize: 0,
        sparse: false,
      };
      b.add(e);
    }
    const idx = b.finish({ tarSize: 1, storedSize: 1, compression: 'none', diffIdComputed: null, digestComputed: null, warnings: [], error: null });
    expect(idx.count).toBe(N);
    expect(idx.kinds.length).toBe(N);
    expect(idx.paths[4999]).toBe('d/f4999');
    expect(idx.sizes[4998]).toBe(4998);
    expect(idx.sizes[4999]).toBe(0); // symlink
    expect(idx.uids[10]).toBe(2 ** 32 - 1);
    expect(idx.modes[10]).toBe(0o4755);
    expect(idx.mtimes[10]).toBe(10.5);
    expect(idx.dataOffsets[4000]).toBe(4000 * 1024 + 512);
    expect(idx.links.sort()).toEqual(['t0', 't1', 't2']);
    expect(idx.linkIds[0]).toBe(-1);
    expect([...idx.xattrs.keys()]).toEqual([7]);
  });
});

describe('the progress gate (issue 13: the page is posted ~10 reports a second per layer, not one per MiB)', () => {
  const MiB = PROGRESS_EVERY_BYTES;
  it('reports the first at once, then only after both a MiB and PROGRESS_MIN_INTERVAL_MS, and the end always', () => {
    let t = 0;
    const due = progressGate(100 * MiB, () => t);
    expect(due(MiB)).toBe(true);
    // a MiB more but too soon
    t += PROGRESS_MIN_INTERVAL_MS - 1;
    expect(due(3 * MiB)).toBe(false);
    // long enough, but less than a MiB since the last report
    t += 2;
    expect(due(MiB + MiB / 2)).toBe(false);
    expect(due(4 * MiB)).toBe(true);
    // the end is reported at once, however soon
    expect(due(100 * MiB)).toBe(true);
  });

  it('a fast scan of 64 MiB in 1 MiB steps, 10 ms apart: one report per interval, not 64', () => {
    let t = 0;
    const due = progressGate(64 * MiB, () => t);
    let n = 0;
    for (let r = MiB; r <= 64 * MiB; r += MiB) {
      t += 10;
      if (due(r)) n++;
    }
    // 640 ms of reading: the first, one per 100 ms, and the end
    expect(n).toBeLessThanOrEqual(2 + Math.ceil(640 / PROGRESS_MIN_INTERVAL_MS));
    expect(n).toBeGreaterThanOrEqual(640 / PROGRESS_MIN_INTERVAL_MS - 1);
  });
});
