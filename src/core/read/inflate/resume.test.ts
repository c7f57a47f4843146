import { afterEach, describe, expect, it, vi } from 'vitest';
import { gzipSync, inflateRawSync } from 'node:zlib';
import { crc32Update } from './crc32';
import { type Checkpoint, Inflater, WSIZE } from './inflater';
import { GZIP_TRAILER_BYTES, NATIVE_FEED_BYTES, alignedPrimer, inputEnd, pointBefore, readFromCheckpoint } from './resume';
import { sample, xorshift32 } from './sample.testkit';

function record(gz: Uint8Array, spacing: number): Checkpoint[] {
  const points: Checkpoint[] = [];
  const inf = new Inflater({ onData() {}, checkpoints: { spacing, onCheckpoint: (c) => points.push(c) } });
  inf.push(gz, true);
  return points;
}

describe('reads from checkpoints', () => {
  const data = sample(4_000_000);
  const gz = gzipSync(data);
  const blob = new Blob([gz]);
  const points = record(gz, 300_000);

  it('primes the decoder for a checkpoint at any bit of a byte: the empty blocks add s bits modulo 8 and no output, in zlib and in the TypeScript inflater', () => {
    const window = sample(WSIZE, 3);
    for (let s = 0; s < 8; s++) {
      const p = alignedPrimer(window, s);
      // the rest of a stream from bit s of the primer's last byte: one literal 'A' (fixed code 0x71, 8 bits), end-of-block, final
      const tail: [number, number][] = [
        [0b011, 3],
        [0b10001110, 8],
        [0, 7],
      ];
      const bytes = [...p];
      let at = s === 0 ? p.length * 8 : (p.length - 1) * 8 + s;
      for (const [v, n] of tail) for (let i = 0; i < n; i++, at++) bytes[at >>> 3] = (bytes[at >>> 3] ?? 0) | (((v >>> i) & 1) << (at & 7));
      const raw = new Uint8Array(bytes);
      const want = Buffer.concat([Buffer.from(window), Buffer.from('A')]);
      expect(Buffer.from(inflateRawSync(raw)).equals(want)).toBe(true);
      const outs: Uint8Array[] = [];
      const inf = new Inflater({ format: 'raw', checkCrc: false, onData: (c) => outs.push(c.slice()) });
      inf.push(raw, true);
      expect(Buffer.concat(outs).equals(want)).toBe(true);
    }
  });

  it('finds the checkpoint at or before an offset', () => {
    expect(points[0]!.out).toBe(0);
    expect(pointBefore(points, -1)).toBe(null);
    expect(pointBefore(points, 0)).toBe(points[0]);
    expect(pointBefore(points, points[0]!.out)).toBe(points[0]);
    expect(pointBefore(points, points[3]!.out - 1)).toBe(points[2]);
    expect(pointBefore(points, Infinity)).toBe(points.at(-1));
  });

  for (const native of [true, false]) {
    it(`reads any range after a checkpoint (${native ? 'platform decoder, primed' : 'TypeScript inflater'})`, async () => {
      let s = 5;
      for (let k = 0; k < 25; k++) {
        s = (s * 1103515245 + 12345) >>> 0;
        const offset = points[0]!.out + (s % (data.length - points[0]!.out - 1));
        const want = Math.min(data.length - offset, 1 + (s % 300_000));
        const cp = pointBefore(points, offset)!;
        const got = await readFromCheckpoint(blob, cp, offset, want, { native });
        expect(Buffer.from(got).equals(Buffer.from(data.subarray(offset, offset + want)))).toBe(true);
      }
      await expect(readFromCheckpoint(blob, points.at(-1)!, data.length - 10, 20, { native })).rejects.toThrow(/ends before/);
    });
  }

  it("asks the blob only for the compressed bytes up to the next checkpoint's block (inputEnd), and reads the same bytes", async () => {
    // Every slice asked of the blob, and the bytes its streams handed over.
    const asked: { start: number; end: number; served: number }[] = [];
    const counting = {
      size: blob.size,
      slice(start = 0, end = blob.size) {
        const rec = { start, end: Math.min(end, blob.size), served: 0 };
        asked.push(rec);
        return {
          stream: () =>
            blob
              .slice(start, end)
              .stream()
              .pipeThrough(
                new TransformStream<Uint8Array, Uint8Array>({
                  transform(c, ctl) {
                    rec.served += c.length;
                    ctl.enqueue(c);
                  },
                }),
              ),
        };
      },
    } as unknown as Blob;
    let s = 11;
    for (let k = 0; k < 25; k++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const offset = points[0]!.out + (s % (data.length - points[0]!.out - 1));
      const want = Math.min(data.length - offset, 1 + (s % 100_000));
      const cp = pointBefore(points, offset)!;
      const end = inputEnd(points, offset + want);
      const next = points.find((p) => p.out >= offset + want);
      expect(end).toBe(next ? Math.floor(next.bit / 8) + 1 : null);
      asked.length = 0;
      const got = await readFromCheckpoint(counting, cp, offset, want, { inputEnd: end });
      expect(Buffer.from(got).equals(Buffer.from(data.subarray(offset, offset + want)))).toBe(true);
      // one bounded slice from the checkpoint's byte; the rest of the deflate data (never the trailer) only if the decoder pulled past it
      expect(asked[0]).toMatchObject({ start: Math.floor(cp.bit / 8), end: end ?? blob.size - GZIP_TRAILER_BYTES });
      for (const later of asked.slice(1)) expect(later).toMatchObject({ start: end, end: blob.size - GZIP_TRAILER_BYTES });
    }
  });

  it('goes on across gzip members when the platform decoder stops at the member end', async () => {
    const a = data.subarray(0, 1_000_000);
    const b = data.subarray(1_000_000, 2_000_000);
    const gz2 = new Uint8Array([...gzipSync(a), ...gzipSync(b)]);
    const pts = record(gz2, 200_000);
    const cp = pointBefore(pts, 990_000)!;
    expect(cp.member).toBe(false);
    const got = await readFromCheckpoint(new Blob([gz2]), cp, 990_000, 20_000);
    expect(Buffer.from(got).equals(Buffer.from(data.subarray(990_000, 1_010_000)))).toBe(true);
  });

  it('a read cancelled from another task (a worker message) stops before it ends', async () => {
    // 24 MB from the layer's start through the TypeScript inflater: hundreds of ms of
    // decoding, whose chunks an in-memory Blob hands over without a task in between. The
    // abort comes from a timer, as a worker's 'cancel' comes in a message: without the
    // read loop yielding to the task queue it would run only after the read had finished.
    const big = sample(24_000_000, 7);
    const bigBlob = new Blob([gzipSync(big, { level: 1 })]);
    const start: Checkpoint = { out: 0, bit: 0, window: new Uint8Array(0), member: true };
    const ctl = new AbortController();
    let abortedAt = -1;
    let settled = false;
    setTimeout(() => {
      abortedAt = settled ? 1 : 0;
      ctl.abort();
    }, 0);
    const read = readFromCheckpoint(bigBlob, start, big.length - 100, 100, { signal: ctl.signal, native: false }).finally(() => {
      settled = true;
    });
    await expect(read).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(abortedAt).toBe(0);
  });
});

/** Every slice asked of `blob` (start, end), passing the bytes through. */
function slicesOf(blob: Blob): { blob: Blob; asked: { start: number; end: number }[] } {
  const asked: { start: number; end: number }[] = [];
  const counting = {
    size: blob.size,
    slice(start = 0, end = blob.size) {
      asked.push({ start, end: Math.min(end, blob.size) });
      return blob.slice(start, end);
    },
  } as unknown as Blob;
  return { blob: counting, asked };
}

/**
 * A 'deflate-raw' DecompressionStream that treats input as Chromium's does (Node's ignores
 * it): bytes after the end of the deflate stream are "junk", and the stream errors without
 * handing over the output of that input; input ending inside the stream errors too.
 */
class StrictRawDecompression extends TransformStream<Uint8Array, Uint8Array> {
  constructor(format: string) {
    if (format !== 'deflate-raw') throw new TypeError(`unsupported ${format}`);
    const chunks: Uint8Array[] = [];
    super({
      transform(c) {
        chunks.push(c);
      },
      flush(ctl) {
        const all = Buffer.concat(chunks);
        const r = inflateRawSync(all, { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
        if (r.engine.bytesWritten < all.length) throw new TypeError('Junk found after end of compressed data.');
        ctl.enqueue(new Uint8Array(r.buffer));
      },
    });
  }
}

describe('reads near the ends of a layer', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("records a resume point at the first member's deflate data (out 0, no window), and reads from it with the input bounded", async () => {
    const data = sample(1_500_000, 3);
    // a gzip header with a file name (FLG.FNAME, RFC 1952 §2.3.1): the deflate data starts after it
    const plain = gzipSync(data);
    const name = new TextEncoder().encode('layer.tar\0');
    const gz = new Uint8Array([...plain.subarray(0, 3), plain[3]! | 8, ...plain.subarray(4, 10), ...name, ...plain.subarray(10)]);
    const points = record(gz, 500_000);
    expect(points[0]).toMatchObject({ out: 0, bit: (10 + name.length) * 8, member: false });
    expect(points[0]!.window.length).toBe(0);
    expect(points[1]!.out).toBeGreaterThanOrEqual(500_000);
    for (const native of [true, false]) {
      const { blob, asked } = slicesOf(new Blob([gz]));
      const end = inputEnd(points, 100_000 + 4096);
      const got = await readFromCheckpoint(blob, points[0]!, 100_000, 4096, { native, inputEnd: end });
      expect(Buffer.from(got).equals(Buffer.from(data.subarray(100_000, 104_096)))).toBe(true);
      if (native) {
        // from the header's end, not byte 0, in one bounded slice first (the rest only as the decoder pulls)
        expect(asked[0]).toEqual({ start: 10 + name.length, end });
        for (const later of asked.slice(1)) expect(later.start).toBe(end);
      }
    }
  });

  it("decodes the layer's last bytes in the platform decoder: the gzip trailer never reaches it (a decoder that errors on bytes after the stream, as Chromium's does)", async () => {
    vi.stubGlobal('DecompressionStream', StrictRawDecompression);
    let shifted = 0;
    for (const [n, level, seed] of [
      [700_000, 6, 1],
      [650_001, 1, 2],
      [900_003, 9, 3],
      [512_000, 6, 4],
      [777_777, 4, 5],
    ] as const) {
      const data = sample(n, seed);
      const gz = gzipSync(data, { level });
      const points = record(gz, 100_000);
      for (const cp of points.slice(-3)) {
        if (cp.bit & 7) shifted++;
        const { blob, asked } = slicesOf(new Blob([gz]));
        const from = data.length - 1000;
        const got = await readFromCheckpoint(blob, cp, from, 1000, { inputEnd: inputEnd(points, data.length) });
        expect(Buffer.from(got).equals(Buffer.from(data.subarray(from)))).toBe(true);
        // no slice reached the trailer: neither the decoder's input nor the TypeScript inflater's (the fallback reads to the blob's end)
        for (const a of asked) expect(a.end).toBeLessThanOrEqual(gz.length - GZIP_TRAILER_BYTES);
      }
    }
    expect(shifted).toBeGreaterThan(3);
  });

  it('takes compressed bytes in hand first (inHand), and asks the blob only for what follows them, if the decoder wants it', async () => {
    const data = sample(4_000_000);
    const gz = gzipSync(data);
    const blob = new Blob([gz]);
    const points = record(gz, 300_000);
    // a decoder that takes a write only when its output was read, as Chromium's (Node's takes writes ahead)
    vi.stubGlobal('DecompressionStream', decoderRecording([]));
    const { blob: counting, asked } = slicesOf(blob);
    let s = 23;
    let fromBlobOnly = 0;
    let inHandOnly = 0;
    for (let k = 0; k < 30; k++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const offset = points[1]!.out + (s % (data.length - points[1]!.out - 1));
      const want = Math.min(data.length - offset, 1 + (s % 100_000));
      const cp = pointBefore(points, offset)!;
      const first = Math.floor(cp.bit / 8);
      // in hand: from a few bytes before the checkpoint's byte, 1 byte to past the blob's end (the trailer must still never be fed)
      const at = first - (s % 64);
      const len = 1 + ((s >>> 8) % (gz.length - at + 100));
      const inHand = { at, bytes: gz.subarray(at, at + len) };
      asked.length = 0;
      const got = await readFromCheckpoint(counting, cp, offset, want, { inHand });
      expect(Buffer.from(got).equals(Buffer.from(data.subarray(offset, offset + want)))).toBe(true);
      const handEnd = Math.min(at + len, blob.size - GZIP_TRAILER_BYTES);
      for (const a of asked) expect(a).toMatchObject({ start: handEnd, end: blob.size - GZIP_TRAILER_BYTES });
      if (asked.length === 0) inHandOnly++;
      else fromBlobOnly++;
    }
    // both cases ran: the bytes in hand were enough, and the read went on into the blob after them
    expect(inHandOnly).toBeGreaterThan(3);
    expect(fromBlobOnly).toBeGreaterThan(3);
    // bytes in hand that begin after the checkpoint's byte are not used
    asked.length = 0;
    const cp = points[2]!;
    const got = await readFromCheckpoint(counting, cp, cp.out, 1000, {
      inHand: { at: Math.floor(cp.bit / 8) + 1, bytes: gz.subarray(Math.floor(cp.bit / 8) + 1) },
    });
    expect(Buffer.from(got).equals(Buffer.from(data.subarray(cp.out, cp.out + 1000)))).toBe(true);
    expect(asked[0]).toMatchObject({ start: Math.floor(cp.bit / 8) });
  });
});

/**
 * A 'deflate-raw' DecompressionStream as a web TransformStream over the TypeScript inflater:
 * each write is decoded whole when it is taken, and writes wait while output is unread (a
 * TransformStream's backpressure; Node's own adapter takes writes ahead of reads). `writes`
 * gets each write's length.
 */
function decoderRecording(writes: number[]) {
  return class {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    constructor(format: string) {
      if (format !== 'deflate-raw') throw new TypeError(`unsupported ${format}`);
      let sink: TransformStreamDefaultController<Uint8Array> | null = null;
      const inf = new Inflater({ format: 'raw', checkCrc: false, onData: (c) => sink!.enqueue(c.slice()) });
      const t = new TransformStream<Uint8Array, Uint8Array>({
        transform(c, ctl) {
          writes.push(c.length);
          sink = ctl;
          inf.push(c);
        },
        flush(ctl) {
          sink = ctl;
          inf.push(new Uint8Array(0), true);
        },
      });
      this.readable = t.readable;
      this.writable = t.writable;
    }
  };
}

describe('what a read from a checkpoint decodes', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('hands the platform decoder a few NATIVE_FEED_BYTES writes for a small range, however large the chunks the blob hands over', async () => {
    const data = sample(6_000_000, 9);
    const gz = gzipSync(data, { level: 6 });
    const points = record(gz, 3_000_000);
    const cp = points[1]!;
    const gap = (points[2] ? Math.floor(points[2].bit / 8) : gz.length) - Math.floor(cp.bit / 8);
    expect(gap).toBeGreaterThan(8 * NATIVE_FEED_BYTES);
    // a blob whose streams hand over each slice as one chunk (Chromium's reach ~1 MiB)
    const whole = new Blob([gz]);
    const chunky = {
      size: whole.size,
      slice: (start = 0, end = whole.size) => ({
        stream: () =>
          new ReadableStream<Uint8Array>({
            async pull(ctl) {
              ctl.enqueue(new Uint8Array(await whole.slice(start, end).arrayBuffer()));
              ctl.close();
            },
          }),
      }),
    } as unknown as Blob;
    const writes: number[] = [];
    vi.stubGlobal('DecompressionStream', decoderRecording(writes));
    const offset = cp.out + 1000;
    const got = await readFromCheckpoint(chunky, cp, offset, 500, { inputEnd: inputEnd(points, offset + 500) });
    expect(Buffer.from(got).equals(Buffer.from(data.subarray(offset, offset + 500)))).toBe(true);
    // the primer, then compressed writes of at most NATIVE_FEED_BYTES, stopped within a few of the range's end
    expect(writes[0]).toBe(alignedPrimer(cp.window, cp.bit & 7).length);
    expect(Math.max(...writes.slice(1))).toBeLessThanOrEqual(NATIVE_FEED_BYTES);
    expect(writes.slice(1).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(4 * NATIVE_FEED_BYTES);
  });
});

/**
 * A raw deflate stream written bit by bit (RFC 1951): fixed-Huffman blocks of literals, which end
 * anywhere in a byte, and stored blocks of LEN 65,535 (as Go's compress/flate writes them for
 * incompressible data), whose data starts on the next byte boundary of the stream.
 */
function handDeflate(blocks: { stored: boolean; data: Uint8Array }[]): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let n = 0;
  const put = (v: number, bits: number) => {
    for (let i = 0; i < bits; i++) {
      acc |= ((v >>> i) & 1) << n;
      if (++n === 8) {
        out.push(acc);
        acc = 0;
        n = 0;
      }
    }
  };
  // Huffman codes are packed most significant bit first (§3.1.1)
  const code = (c: number, bits: number) => {
    for (let i = bits - 1; i >= 0; i--) put((c >>> i) & 1, 1);
  };
  const align = () => {
    if (n) put(0, 8 - n);
  };
  for (const b of blocks) {
    if (b.stored) {
      put(0, 1);
      put(0, 2);
      align();
      put(b.data.length, 16);
      put(~b.data.length & 0xffff, 16);
      for (const x of b.data) put(x, 8);
    } else {
      put(0, 1);
      put(1, 2);
      for (const x of b.data) x < 144 ? code(0x30 + x, 8) : code(0x190 + x - 144, 9);
      code(0, 7);
    }
  }
  // the final block: empty, fixed
  put(1, 1);
  put(1, 2);
  code(0, 7);
  align();
  return new Uint8Array(out);
}

describe('reads from a checkpoint inside a byte', () => {
  it('decode stored blocks after the checkpoint exactly: the stream keeps its byte alignment (a shifted stream misread them)', async () => {
    // literal blocks of varied lengths (so they end at every bit of a byte), each followed by a stored block
    const rnd = xorshift32(5);
    const blocks: { stored: boolean; data: Uint8Array }[] = [];
    for (let i = 0; i < 40; i++) {
      const lit = sample(2000 + (rnd() % 3000), i);
      blocks.push({ stored: false, data: lit.slice(0, 2000 + (rnd() % 1000)) });
      blocks.push({ stored: true, data: new Uint8Array(65_535).map(() => rnd() & 255) });
    }
    const raw = handDeflate(blocks);
    const data = new Uint8Array(Buffer.concat(blocks.map((b) => b.data)));
    expect(Buffer.from(inflateRawSync(raw)).equals(Buffer.from(data))).toBe(true);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32Update(0, data) >>> 0, 0);
    trailer.writeUInt32LE(data.length >>> 0, 4);
    const gz = new Uint8Array(Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]), raw, trailer]));
    const blob = new Blob([gz]);
    const points = record(gz, 1);
    const inByte = points.filter((p) => !p.member && p.out > 0 && p.bit & 7);
    const shifts = new Set(inByte.map((p) => p.bit & 7));
    expect(shifts.size).toBe(7);
    let wrong = 0;
    let reads = 0;
    for (const cp of inByte) {
      // a range that ends inside a later stored block, as a preview's read does
      for (const want of [20_000, 70_000]) {
        if (cp.out + want > data.length) continue;
        const got = await readFromCheckpoint(blob, cp, cp.out, want);
        reads++;
        if (!Buffer.from(got).equals(Buffer.from(data.subarray(cp.out, cp.out + want)))) wrong++;
      }
    }
    expect(reads).toBeGreaterThan(40);
    expect(wrong).toBe(0);
  });
});
