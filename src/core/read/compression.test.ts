import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGunzip, gzipSync } from 'node:zlib';
import { Duplex } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  ARCHIVE_EXPANSION_FLOOR_BYTES,
  ARCHIVE_EXPANSION_MAX_BYTES,
  boundedThrough,
  crc32,
  decompressBlob,
  decompressStream,
  decompressToBlob,
  expansionBound,
  GZIP_INPUT_SLICE,
  gunzipBlobInto,
  sniffCompression,
  ZSTD_MAX_WINDOW_LOG,
} from './compression';
import { declaredWindow, ZSTD_OUTPUT_PIECE } from './zstd';
import * as H from '../../../test/helpers/hostile.mjs';
import { createHasher } from '../sha256';
import { isLayerscopeError } from '../errors';

async function collect(s: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const r = s.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

const payload = Buffer.concat([Buffer.from('hello layers\n'.repeat(5000)), randomBytes(300_000)]);

describe('compression', () => {
  it('sniffs by magic bytes only', () => {
    expect(sniffCompression(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(sniffCompression(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(sniffCompression(new Uint8Array([0x50, 0x2a, 0x4d, 0x18]))).toBe('zstd');
    expect(sniffCompression(new TextEncoder().encode('ustar'))).toBe('none');
    expect(sniffCompression(new Uint8Array([0x1f]))).toBe('none');
  });

  it('gunzips a single member', async () => {
    const out = await collect(decompressBlob(new Blob([gzipSync(payload)]), 'gzip'));
    expect(out.equals(payload)).toBe(true);
  });

  it('gunzips a multi-member stream (concatenated members) seamlessly', async () => {
    const a = payload.subarray(0, 100_000);
    const b = payload.subarray(100_000);
    const out = await collect(decompressBlob(new Blob([gzipSync(a), gzipSync(b)]), 'gzip'));
    expect(out.length).toBe(payload.length);
    expect(out.equals(payload)).toBe(true);
  });

  it('decodes zstd made by the zstd CLI', async () => {
    const z = execFileSync('zstd', ['-q', '-c', '-3'], { input: payload });
    expect(sniffCompression(z.subarray(0, 4))).toBe('zstd');
    const out = await collect(decompressBlob(new Blob([z]), 'zstd'));
    expect(out.equals(payload)).toBe(true);
    const out2 = await collect(decompressStream(new Blob([z]).stream() as ReadableStream<Uint8Array>, 'zstd'));
    expect(out2.equals(payload)).toBe(true);
  });

  it('reports corrupt gzip and zstd with typed errors', async () => {
    const gz = gzipSync(payload);
    gz[gz.length - 20]! ^= 0xff; // inside the deflate data near the end / the CRC
    const bad = Buffer.concat([gz.subarray(0, 30), Buffer.from('not deflate at all'.repeat(50))]);
    for (const [data, code] of [
      [bad, 'BAD_GZIP'],
      [Buffer.concat([execFileSync('zstd', ['-q', '-c'], { input: payload }).subarray(0, 64), randomBytes(64)]), 'BAD_ZSTD'],
    ] as const) {
      let err: unknown = null;
      try {
        await collect(decompressBlob(new Blob([data]), code === 'BAD_GZIP' ? 'gzip' : 'zstd'));
      } catch (e) {
        err = e;
      }
      // Random bytes after a valid zstd prefix may read as a block longer than the
      // input: fzstd then reports the end of input (TRUNCATED), not a format error.
      expect(isLayerscopeError(err) ? err.code : err).toBeOneOf(code === 'BAD_ZSTD' ? ['BAD_ZSTD', 'TRUNCATED'] : [code]);
    }
  });

  it('a truncated gzip stream is an error, not silent success', async () => {
    const gz = gzipSync(payload);
    await expect(collect(decompressBlob(new Blob([gz.subarray(0, gz.length >> 1)]), 'gzip'))).rejects.toThrow();
  });

  it('decompressToBlob gathers the whole output', async () => {
    const b = await decompressToBlob(new Blob([gzipSync(payload)]), 'gzip');
    expect(Buffer.from(await b.arrayBuffer()).equals(payload)).toBe(true);
  });

  it('sha256 streams equal node:crypto', async () => {
    const h = await createHasher();
    h.update(payload.subarray(0, 1000));
    h.update(payload.subarray(1000));
    expect(h.digest()).toBe(`sha256:${createHash('sha256').update(payload).digest('hex')}`);
  });
});

/** A one-shot stream of `data` cut at the given sizes (split-boundary tests). */
function chunked(data: Uint8Array, sizes: () => number): ReadableStream<Uint8Array> {
  let pos = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (pos >= data.length) return ctl.close();
      const n = Math.max(1, sizes());
      ctl.enqueue(data.slice(pos, pos + n));
      pos += n;
    },
  });
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return isLayerscopeError(e) ? e.code : `untyped: ${String(e)}`;
  }
}

const small = Buffer.concat([Buffer.from('abc\n'.repeat(3000)), randomBytes(5000)]);
/** Stored (level 0) deflate blocks: flipping a data byte keeps the deflate stream valid, only the CRC catches it. */
function storedGzipWithFlippedByte(data: Buffer): Uint8Array<ArrayBuffer> {
  const gz = gzipSync(data, { level: 0 });
  gz[200]! ^= 0x01;
  return new Uint8Array(gz);
}

/**
 * A native DecompressionStream that behaves like Chromium's on multi-member input:
 * decodes the first member, then errors ("Junk found after end of compressed data").
 */
class FirstMemberOnlyDecompressionStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  constructor() {
    const ts = new TransformStream<Uint8Array, Uint8Array>();
    const parts: Uint8Array[] = [];
    const inner = new TransformStream<Uint8Array, Uint8Array>({
      transform(c) {
        parts.push(c);
      },
      flush(ctl) {
        const all = Buffer.concat(parts);
        const first = require('node:zlib').gunzipSync(all.subarray(0, firstMemberLength(all)));
        ctl.enqueue(new Uint8Array(first));
        if (firstMemberLength(all) < all.length) throw new TypeError('Junk found after end of compressed data.');
      },
    });
    void ts;
    this.readable = inner.readable;
    this.writable = inner.writable;
  }
}
/** Length of the first gzip member (test helper: re-gzips members of known sizes). */
let memberLengths: number[] = [];
function firstMemberLength(all: Buffer): number {
  return memberLengths[0] ?? all.length;
}

/** An onInput that checks each stored byte arrives once, in order; bytes() is all it saw. */
function inputRecorder() {
  const seen: Buffer[] = [];
  let lastEnd = 0;
  return {
    onInput(chunk: Uint8Array, off: number) {
      expect(off).toBe(lastEnd);
      lastEnd = off + chunk.length;
      seen.push(Buffer.from(chunk));
    },
    bytes: () => Buffer.concat(seen),
  };
}

/**
 * A platform decoder that stops after the first member (Chromium's): `run` (a gzip
 * entry point) must restart with fflate, give the output seamlessly, show each stored
 * byte once, and still catch a corrupt later member after the restart.
 */
async function restartsWithFflate(run: (blob: Blob, onInput?: (chunk: Uint8Array, off: number) => void) => Promise<Buffer>) {
  const a = gzipSync(payload.subarray(0, 70_000));
  const b = gzipSync(payload.subarray(70_000, 200_000));
  const c = gzipSync(payload.subarray(200_000));
  memberLengths = [a.length];
  vi.stubGlobal('DecompressionStream', FirstMemberOnlyDecompressionStream);
  const all = Buffer.concat([a, b, c]);
  const input = inputRecorder();
  const out = await run(new Blob([all]), input.onInput);
  expect(out.equals(payload)).toBe(true);
  expect(input.bytes().equals(all)).toBe(true);
  const bb = Buffer.from(gzipSync(small, { level: 0 }));
  bb[300]! ^= 1;
  expect(await codeOf(run(new Blob([a, bb])))).toBe('BAD_GZIP');
}

describe('compression: fallback, integrity, chunking', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    memberLengths = [];
  });

  it('crc32 matches zlib', () => {
    const zlib = require('node:zlib') as typeof import('node:zlib');
    if (typeof (zlib as { crc32?: unknown }).crc32 === 'function') {
      expect(crc32(0, payload)).toBe((zlib as unknown as { crc32(b: Uint8Array): number }).crc32(payload));
    }
    // gzip trailer of a known stream holds the CRC-32 of its content
    const gz = gzipSync(payload);
    expect(crc32(0, payload)).toBe(gz.readUInt32LE(gz.length - 8));
  });

  it('CRC-corrupt gzip is BAD_GZIP on the native path and on the fflate path', async () => {
    const bad = storedGzipWithFlippedByte(small);
    expect(await codeOf(collect(decompressBlob(new Blob([bad]), 'gzip')))).toBe('BAD_GZIP');
    expect(await codeOf(collect(decompressStream(new Blob([bad]).stream() as ReadableStream<Uint8Array>, 'gzip')))).toBe('BAD_GZIP');
    vi.stubGlobal('DecompressionStream', undefined);
    expect(await codeOf(collect(decompressBlob(new Blob([bad]), 'gzip')))).toBe('BAD_GZIP');
  });

  it('a gzip stream cut inside its trailer is an error on every path', async () => {
    const gz = gzipSync(small);
    for (const cut of [1, 4, 7]) {
      const t = gz.subarray(0, gz.length - cut);
      expect(await codeOf(collect(decompressBlob(new Blob([t]), 'gzip')))).not.toBeNull();
      expect(await codeOf(collect(decompressStream(new Blob([t]).stream() as ReadableStream<Uint8Array>, 'gzip')))).not.toBeNull();
    }
    expect(await codeOf(collect(decompressBlob(new Blob([gz.subarray(0, gz.length >> 1)]), 'gzip')))).toBe('TRUNCATED');
    expect(await codeOf(collect(decompressStream(new Blob([]).stream() as ReadableStream<Uint8Array>, 'gzip')))).toBe('TRUNCATED');
  });

  it('Chromium-like native decoder (first member only): restarts with fflate, output seamless, stored bytes seen once', () =>
    restartsWithFflate((blob, onInput) => collect(decompressBlob(blob, 'gzip', { onInput }))));

  it('split-boundary equivalence: gzip (multi-member) and zstd (multi-frame + skippable) at 1-byte and random cuts', async () => {
    const gz = Buffer.concat([gzipSync(small.subarray(0, 4000)), gzipSync(small.subarray(4000))]);
    const zs = Buffer.concat([
      Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]), // skippable frame
      execFileSync('zstd', ['-q', '-c'], { input: small.subarray(0, 9000) }),
      execFileSync('zstd', ['-q', '-c', '--check'], { input: small.subarray(9000) }),
    ]);
    expect(sniffCompression(zs)).toBe('zstd');
    for (const [data, c] of [
      [gz, 'gzip'],
      [zs, 'zstd'],
    ] as const) {
      expect((await collect(decompressBlob(new Blob([data]), c))).equals(small)).toBe(true);
      expect(
        (
          await collect(
            decompressStream(
              chunked(data, () => 1),
              c,
            ),
          )
        ).equals(small),
      ).toBe(true);
      const r = rng(7);
      expect(
        (
          await collect(
            decompressStream(
              chunked(data, () => Math.floor(r() * 700)),
              c,
            ),
          )
        ).equals(small),
      ).toBe(true);
    }
  });

  it('zstd: truncated is TRUNCATED, garbage is BAD_ZSTD', async () => {
    const z = execFileSync('zstd', ['-q', '-c'], { input: payload });
    expect(await codeOf(collect(decompressBlob(new Blob([z.subarray(0, z.length - 10)]), 'zstd')))).toBe('TRUNCATED');
    expect(await codeOf(collect(decompressBlob(new Blob([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]), 'zstd')))).not.toBeNull();
  });

  it('decompressToBlob: zstd and gzip equal the input; progress reaches the stored size', async () => {
    const z = execFileSync('zstd', ['-q', '-c'], { input: payload });
    const seen: number[] = [];
    const b = await decompressToBlob(new Blob([z]), 'zstd', { onProgress: (r, t) => seen.push(r / t) });
    expect(Buffer.from(await b.arrayBuffer()).equals(payload)).toBe(true);
    expect(seen[seen.length - 1]).toBe(1);
    const none = new Blob([payload]);
    expect(await decompressToBlob(none, 'none')).toBe(none);
  });

  it('cancellation: an aborted signal stops the stream with CANCELLED', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await codeOf(collect(decompressBlob(new Blob([gzipSync(payload)]), 'gzip', { signal: ac.signal })))).toBe('CANCELLED');
  });
});

/* ------------------------------------------------------------------ bounded output (issue 9, points 1–3) */

/** Read `n` pieces of `s` (keeping none), return their sizes; then cancel. */
async function firstPieces(s: ReadableStream<Uint8Array>, n: number): Promise<number[]> {
  const r = s.getReader();
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const { done, value } = await r.read();
    if (done) break;
    sizes.push(value.length);
  }
  await r.cancel();
  return sizes;
}

/** Memory held outside the JS heap by ArrayBuffers (decoded output lives there). */
const bufferMemory = () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return m.arrayBuffers + m.heapUsed;
};

/** One chunk holding the whole input: what a decoder without backpressure turns into all of its output at once. */
const oneChunk = (b: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(b);
      c.close();
    },
  });

describe('bounded output', () => {
  it('zstd: 1 GiB of RLE blocks comes out in pieces of at most ZSTD_OUTPUT_PIECE, decoded only as they are read', async () => {
    const z = H.zstdZeroTar(H.GiB);
    const before = bufferMemory();
    const sizes = await firstPieces(decompressStream(oneChunk(z), 'zstd'), 4);
    expect(sizes).toHaveLength(4);
    for (const n of sizes) expect(n).toBeLessThanOrEqual(ZSTD_OUTPUT_PIECE);
    // before: the whole gigabyte was decoded (and held) for the first read
    expect(bufferMemory() - before).toBeLessThan(64e6);
  });

  it('gzip (fflate): a 1 MB chunk of deflated zeros is inflated a slice at a time', async () => {
    const g = H.gzipZeroTar(H.GiB);
    const before = bufferMemory();
    const sizes = await firstPieces(decompressStream(oneChunk(g), 'gzip'), 4);
    expect(sizes.length).toBe(4);
    // one slice of input is at most 1032:1 of output
    for (const n of sizes) expect(n).toBeLessThanOrEqual(GZIP_INPUT_SLICE * 1040);
    expect(bufferMemory() - before).toBeLessThan(256e6);
  });

  it('gzip (native pairs): a slice is fed only when output was asked for and none was left', async () => {
    const g = H.gzipZeroTar(H.GiB);
    const pairs: [string, () => ReadableWritablePair<Uint8Array, Uint8Array>][] = [
      ['DecompressionStream', () => new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>],
      ['node:zlib', () => Duplex.toWeb(createGunzip({ chunkSize: 1 << 20 })) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>],
    ];
    for (const [name, make] of pairs) {
      // the compressed stream in 16 KiB chunks, counting what is pulled from it
      let pulled = 0;
      let off = 0;
      const source = new ReadableStream<Uint8Array>(
        {
          pull(c) {
            if (off >= g.length) return c.close();
            const part = g.subarray(off, off + 16 * 1024);
            off += part.length;
            pulled += part.length;
            c.enqueue(part);
          },
        },
        { highWaterMark: 0 },
      );
      const before = bufferMemory();
      const sizes = await firstPieces(boundedThrough(source, make()), 8);
      expect(sizes.length, name).toBe(8);
      // 8 pieces of output need a few slices of input, not the whole megabyte (which is 1 GiB of zeros)
      expect(pulled, name).toBeLessThanOrEqual(4 * GZIP_INPUT_SLICE);
      expect(bufferMemory() - before, name).toBeLessThan(256e6);
    }
  });

  it('zstd: a frame declaring a window above 2^27 is refused (LIMIT) with a sentence', async () => {
    expect(declaredWindow(H.zstdZeroTar(H.MiB, { windowLog: 28 }))).toBe(2 ** 28);
    expect(declaredWindow(H.zstdDeclaringContentSize(5 * H.GiB))).toBe(5 * H.GiB);
    for (const z of [H.zstdZeroTar(H.MiB, { windowLog: 31 }), H.zstdDeclaringContentSize(32 * H.GiB)]) {
      const e = await errorOf(collect(decompressBlob(new Blob([z as BlobPart]), 'zstd')));
      expect(e?.code).toBe('LIMIT');
      expect(e?.message).toMatch(/declares a window of \d+ MiB, more than the 128 MiB \(2\^27\) zstd itself accepts without --long/);
    }
    // 2^27 itself is what zstd accepts by default
    const ok = await collect(decompressBlob(new Blob([H.zstdZeroTar(H.MiB, { windowLog: ZSTD_MAX_WINDOW_LOG }) as BlobPart]), 'zstd'));
    expect(ok.length).toBe(H.MiB + 1536);
  });

  it('an archive expanding past the bound stops with LIMIT; the sink never gets a byte beyond it', async () => {
    expect(expansionBound(10e6)).toBe(ARCHIVE_EXPANSION_FLOOR_BYTES);
    expect(expansionBound(100e6)).toBe(100 * 100e6);
    expect(expansionBound(1e12)).toBe(ARCHIVE_EXPANSION_MAX_BYTES);
    const g = H.gzipZeroTar(64 * H.MiB);
    const limit = { maxRatio: 100, floorBytes: 8 * H.MiB, maxBytes: H.GiB };
    let written = 0;
    let aborted = false;
    const sink = {
      write: (c: Uint8Array) => void (written += c.length),
      finish: () => new Blob([]),
      abort: () => void (aborted = true),
    };
    const e = await errorOf(decompressToBlob(new Blob([g as BlobPart]), 'gzip', { sink, limit }));
    expect(e?.code).toBe('LIMIT');
    expect(e?.message).toMatch(/gzip-compressed archive expands to more than 8\.4 MB .* decompress it first \(gunzip -k FILE/);
    expect(written).toBeLessThanOrEqual(8 * H.MiB);
    expect(aborted).toBe(true);
    // within the bound it is whole
    const b = await decompressToBlob(new Blob([g as BlobPart]), 'gzip', { limit: { ...limit, floorBytes: 128 * H.MiB } });
    expect(b.size).toBe(64 * H.MiB + 1536);
  });
});

async function errorOf(p: Promise<unknown>) {
  try {
    await p;
    return null;
  } catch (e) {
    return isLayerscopeError(e) ? e : null;
  }
}

/* ------------------------------------------------------------------ gunzipBlobInto: the scan's one-stage gzip path */

/** A Blob-shaped source of `data` in `piece`-byte chunks that counts what was pulled and how often it was opened. */
function countingBlob(data: Uint8Array, piece = 16 * 1024, failAt = Infinity) {
  const stats = { pulled: 0, opened: 0, cancelled: 0 };
  const blob = {
    size: data.length,
    stream() {
      stats.opened++;
      let off = 0;
      return new ReadableStream<Uint8Array>(
        {
          pull(c) {
            if (off >= failAt) throw new TypeError('NotReadableError: the file could not be read');
            if (off >= data.length) return c.close();
            const part = data.slice(off, off + piece);
            off += part.length;
            stats.pulled += part.length;
            c.enqueue(part);
          },
          cancel() {
            stats.cancelled++;
          },
        },
        { highWaterMark: 0 },
      );
    },
  } as unknown as Blob;
  return { blob, stats };
}

async function gunzipAll(blob: Blob, opts: Parameters<typeof gunzipBlobInto>[2] = {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  await gunzipBlobInto(blob, (c) => parts.push(Buffer.from(c)), opts);
  return Buffer.concat(parts);
}

describe('gunzipBlobInto (the platform decoder driven directly)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    memberLengths = [];
  });

  it('decodes single and multi-member gzip; each stored byte reaches onInput once, in order', async () => {
    const multi = Buffer.concat([gzipSync(payload.subarray(0, 100_000)), gzipSync(payload.subarray(100_000))]);
    for (const gz of [gzipSync(payload), multi]) {
      const input = inputRecorder();
      const out = await gunzipAll(new Blob([gz]), { onInput: input.onInput });
      expect(out.equals(payload)).toBe(true);
      expect(input.bytes().equals(gz)).toBe(true);
    }
  });

  it('Chromium-like native decoder (first member only): restarts with fflate, output seamless, stored bytes seen once', () =>
    restartsWithFflate((blob, onInput) => gunzipAll(blob, { onInput })));

  it('corrupt and truncated streams: BAD_GZIP for a CRC mismatch, TRUNCATED for a cut, an error for a cut trailer', async () => {
    expect(await codeOf(gunzipAll(new Blob([storedGzipWithFlippedByte(small)])))).toBe('BAD_GZIP');
    const gz = gzipSync(small);
    expect(await codeOf(gunzipAll(new Blob([gz.subarray(0, gz.length >> 1)])))).toBe('TRUNCATED');
    for (const cut of [1, 4, 7]) expect(await codeOf(gunzipAll(new Blob([gz.subarray(0, gz.length - cut)])))).not.toBeNull();
    expect(await codeOf(gunzipAll(new Blob([])))).toBe('TRUNCATED');
  });

  it('a blob that cannot be read fails with its own error, without a fallback re-read', async () => {
    const { blob, stats } = countingBlob(gzipSync(payload), 16 * 1024, 64 * 1024);
    const e = await gunzipAll(blob).catch((x: unknown) => x);
    expect(String(e)).toMatch(/NotReadableError/);
    expect(isLayerscopeError(e)).toBe(false); // scanLayer reports it as IO, not as corrupt gzip
    expect(stats.opened).toBe(1);
  });

  it('an error thrown by the consumer is the consumer’s (no fallback), and the blob is released', async () => {
    const { blob, stats } = countingBlob(gzipSync(payload));
    const e = await gunzipBlobInto(blob, () => {
      throw new RangeError('consumer');
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RangeError);
    expect(stats.opened).toBe(1);
    expect(stats.cancelled).toBe(1);
  });

  it('bounded: 1 GiB of zeros is read a few slices ahead of the consumer, never all at once', async () => {
    const g = H.gzipZeroTar(H.GiB) as Uint8Array;
    const { blob, stats } = countingBlob(g);
    const ac = new AbortController();
    let pieces = 0;
    let pulledAt8 = 0;
    const before = bufferMemory();
    const e = await codeOf(
      gunzipBlobInto(
        blob,
        () => {
          if (++pieces === 8) {
            pulledAt8 = stats.pulled;
            ac.abort();
          }
        },
        { signal: ac.signal, switchAt: null },
      ),
    );
    expect(e).toBe('CANCELLED');
    expect(pieces).toBe(8);
    // NATIVE_SLICES_IN_FLIGHT slices written, one more chunk read: not the ~1 MB that is all of it
    expect(pulledAt8).toBeLessThanOrEqual(4 * GZIP_INPUT_SLICE);
    expect(stats.cancelled).toBe(1);
    expect(bufferMemory() - before).toBeLessThan(256e6);
  });

  it('an aborted signal stops it with CANCELLED', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await codeOf(gunzipAll(new Blob([gzipSync(payload)]), { signal: ac.signal }))).toBe('CANCELLED');
  });
});
