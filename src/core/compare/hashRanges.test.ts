/**
 * hashRanges against node:crypto over the files' own bytes: uncompressed (runs
 * of close files in one stream, far ones in another), gzip and zstd (one decode
 * pass), chunks fed 1 byte at a time, and a layer that ends too early.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { writeTar } from '../write/tarWriter';
import { scanLayer } from '../read/layerScan';
import { LayerscopeError } from '../errors';
import { RUN_GAP, costOfRanges, hashRanges } from './hashRanges';

/** A Blob of bytes (Node's Buffer and Uint8Array<ArrayBufferLike> are BlobParts at run time). */
const blobOf = (b: Uint8Array): Blob => new Blob([b as BlobPart]);
const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);

const files = [
  { path: 'a', data: bytes(10, 1) },
  { path: 'b', data: bytes(700, 2) },
  { path: 'gap', data: bytes(RUN_GAP + 5000, 3) }, // not hashed: a gap wider than RUN_GAP
  { path: 'c', data: bytes(3, 4) },
  { path: 'empty', data: new Uint8Array(0) },
  { path: 'd', data: bytes(7_000, 5) },
];
const tar = writeTar(files.map((f) => ({ path: f.path, kind: 'file' as const, data: f.data, mode: 0o644, uid: 0, gid: 0, mtime: 0 })));
const wanted = ['d', 'a', 'c', 'empty', 'b']; // unsorted on purpose

async function rangesOf(blob: Blob) {
  const idx = await scanLayer(blob);
  return wanted.map((p) => {
    const e = idx.paths.indexOf(p);
    return { offset: idx.dataOffsets[e]!, size: idx.sizes[e]! };
  });
}
const expected = wanted.map((p) => sha(files.find((f) => f.path === p)!.data));

/** A Blob whose stream yields `n` bytes per chunk (the tar scan is not affected: it slices). */
function chunkyBlob(b: Uint8Array, n: number): Blob {
  const blob = blobOf(b);
  const slice = blob.slice.bind(blob);
  return Object.assign(blob, {
    slice: (s?: number, e?: number) => chunkyBlob(new Uint8Array(b.subarray(s ?? 0, e ?? b.length)), n),
    stream: () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < b.length; i += n) c.enqueue(b.slice(i, i + n));
          c.close();
        },
      }),
    _slice: slice,
  });
}

describe('hashRanges', () => {
  it('uncompressed: each file hashed, the far gap not read', async () => {
    const blob = blobOf(tar);
    const ranges = await rangesOf(blob);
    const progress: [number, number][] = [];
    const got = await hashRanges(blob, 'none', ranges, { onProgress: (d, t) => progress.push([d, t]) });
    expect(got).toEqual(expected);
    const total = 10 + 700 + 3 + 7_000;
    expect(costOfRanges('none', ranges)).toBe(total);
    expect(progress.at(-1)).toEqual([total, total]);
  });

  it('uncompressed, one byte per chunk', async () => {
    const blob = chunkyBlob(tar, 1);
    expect(await hashRanges(blob, 'none', await rangesOf(blobOf(tar)))).toEqual(expected);
  });

  it('uncompressed from a source with cheap reads (pread): piece by piece, never through a stream', async () => {
    const reads: [number, number][] = [];
    const blob = Object.assign(blobOf(tar), {
      cheapReads: true,
      read: (s: number, e: number) => {
        reads.push([s, e]);
        return tar.subarray(s, e);
      },
      stream: () => {
        throw new Error('streamed');
      },
    });
    expect(await hashRanges(blob, 'none', await rangesOf(blobOf(tar)))).toEqual(expected);
    // only the files' bytes were read (the far gap was not)
    expect(reads.reduce((n, [s, e]) => n + e - s, 0)).toBe(10 + 700 + 3 + 7_000);
  });

  it('gzip: one decode pass, stopped after the last file', async () => {
    const gz = blobOf(gzipSync(tar));
    const ranges = await rangesOf(blobOf(tar));
    expect(await hashRanges(gz, 'gzip', ranges)).toEqual(expected);
    expect(costOfRanges('gzip', ranges)).toBe(Math.max(...ranges.map((r) => r.offset + r.size)));
  });

  it.skipIf(spawnSync('sh', ['-c', 'command -v zstd']).status !== 0)('zstd', async () => {
    const z = spawnSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 64 * 1024 * 1024 });
    expect(z.status).toBe(0);
    expect(await hashRanges(blobOf(z.stdout), 'zstd', await rangesOf(blobOf(tar)))).toEqual(expected);
  });

  it('a layer that ends inside a file is TRUNCATED, never a digest of fewer bytes', async () => {
    const ranges = await rangesOf(blobOf(tar));
    const cut = blobOf(tar.subarray(0, ranges[0]!.offset + 100));
    await expect(hashRanges(cut, 'none', ranges)).rejects.toThrow(LayerscopeError);
    await expect(hashRanges(blobOf(gzipSync(tar.subarray(0, ranges[0]!.offset + 100))), 'gzip', ranges)).rejects.toMatchObject({ code: 'TRUNCATED' });
  });

  it('cancels', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(hashRanges(blobOf(gzipSync(tar)), 'gzip', await rangesOf(blobOf(tar)), { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
