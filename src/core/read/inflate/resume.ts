/**
 * Reading from the middle of a gzip layer, starting at a recorded checkpoint
 * (inflater.ts) instead of the layer's first byte.
 *
 * The fast way uses the platform's own raw-deflate decoder, which knows nothing of
 * checkpoints, by feeding it a stream it can start on:
 *   1. a stored (uncompressed) deflate block holding the checkpoint's 32 KiB window,
 *      not final (RFC 1951 §3.2.4): it fills the decoder's history exactly as the
 *      original stream had it, so back-references into the window resolve;
 *   2. when the checkpoint's block starts inside a byte (bit s of it, s > 0), empty
 *      non-final blocks whose bits add up to s modulo 8 (alignedPrimer), so that the
 *      block starts at bit s of a byte, as in the original;
 *   3. the compressed bytes from the checkpoint's byte on, unchanged (its first byte's
 *      low s bits replaced by the empty blocks' last ones). The stream keeps its byte
 *      alignment: a stored block later in the range starts its data on the byte boundary
 *      the original has. (Shifting the bytes by s bits instead, as before, moved every
 *      byte boundary: a later stored block was read 8 − s bits off, and one of LEN ≥
 *      0xC000 — Go's compress/flate writes 65,535 — passes the LEN/NLEN check that way
 *      and decodes garbage without an error: wrong bytes, found on the 501 MB benchmark
 *      layer by the anchored read's header check, issue 13.)
 * This is zlib's inflatePrime + inflateSetDictionary done with input alone. The
 * platform decoder then runs at native speed and is cancelled once the wanted bytes
 * are out. Where it cannot go on (the read crosses into the next gzip member, whose
 * header a raw decoder refuses) or does not exist (older Node versions have no 'deflate-raw'),
 * the TypeScript Inflater resumes from the same checkpoint, which handles members.
 */
import { LayerscopeError, throwIfAborted } from '../../errors';
import { taskYielder } from '../../pause';
import { type Checkpoint, Inflater } from './inflater';
import { isFramePoint, type ResumePoint } from '../toc/types';

/** The point with the largest `out` ≤ `offset` (points sorted by `out`), or null: a gzip checkpoint, or a zstd frame point. */
export function pointBefore<T extends { out: number }>(points: readonly T[], offset: number): T | null {
  let lo = 0;
  let hi = points.length - 1;
  let best: T | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.out <= offset) {
      best = points[mid]!;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/**
 * The byte of the layer blob by which every compressed bit of uncompressed [0, end) has
 * been read: the byte holding the block header of the first checkpoint at or past `end`
 * (its `bit` is where that block starts, and all output before it comes from bits before
 * it), or null when no checkpoint is past `end`. `points` sorted by `out`.
 */
export function inputEnd(points: readonly ResumePoint[], end: number): number | null {
  let lo = 0;
  let hi = points.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.out >= end) {
      at = mid;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  for (let i = at; i >= 0 && i < points.length; i++) {
    const p = points[i]!;
    if (!isFramePoint(p)) return Math.floor(p.bit / 8) + 1;
  }
  return null;
}

/** A non-final stored block carrying `window` (≤ 65,535 bytes, RFC 1951 §3.2.4): header byte, LEN, NLEN, data. */
export function primingBlock(window: Uint8Array): Uint8Array {
  const n = window.length;
  const b = new Uint8Array(5 + n);
  b[0] = 0; // BFINAL 0, BTYPE 00, then padding to the byte boundary
  b[1] = n & 0xff;
  b[2] = n >>> 8;
  b[3] = ~n & 0xff;
  b[4] = (~n >>> 8) & 0xff;
  b.set(window, 5);
  return b;
}

/**
 * An empty non-final fixed-Huffman block (RFC 1951 §3.2.6): BFINAL 0, BTYPE 01, end-of-block
 * (7 zero bits): 10 bits, so a run of k of them moves the bit position by 2k modulo 8.
 */
const EMPTY_FIXED_BITS = 10;
/**
 * An empty non-final dynamic-Huffman block of 93 bits (5 modulo 8, so with empty fixed blocks any
 * bit position is reached), as [value, bit count] fields written least significant bit first,
 * Huffman codes already bit-reversed: BFINAL 0, BTYPE 10, HLIT 0 (257 codes), HDIST 0 (1 code),
 * HCLEN 14 (18 code-length code lengths in §3.2.7's order 16, 17, 18, 0, 8, …, 14, 1: symbol 18
 * and 0 two bits, 1 one bit: canonical codes 1 → 0, 0 → 10, 18 → 11), then the 258 lengths:
 * 18 ×138 zeros, 18 ×118 zeros, 1 (end-of-block's code is 1 bit long), 0 (no distance code), and
 * the block's only symbol, end-of-block (0). A literal/length code of one 1-bit code is the one
 * incomplete code zlib accepts (inftrees.c), as does the TypeScript inflater.
 */
const EMPTY_DYNAMIC: readonly (readonly [number, number])[] = [
  [0b100, 3],
  [0, 5],
  [0, 5],
  [14, 4],
  [0, 3],
  [0, 3],
  [2, 3],
  [2, 3],
  ...Array.from({ length: 13 }, () => [0, 3] as const),
  [1, 3],
  [0b11, 2],
  [127, 7],
  [0b11, 2],
  [107, 7],
  [0, 1],
  [0b01, 2],
  [0, 1],
];

/**
 * The stream the platform decoder starts with for a checkpoint at bit `s` (0–7) of its byte:
 * the stored block with `window` (primingBlock), then empty blocks of s bits modulo 8 (none
 * for s = 0). When s > 0 its last byte holds only those blocks' last s bits, in its low bits:
 * the caller ORs in the top 8 − s bits of the checkpoint's byte.
 */
export function alignedPrimer(window: Uint8Array, s: number): Uint8Array {
  const primer = primingBlock(window);
  if (s === 0) return primer;
  const bits: (readonly [number, number])[] = [];
  // odd s: the dynamic block (5 mod 8) and (s − 5) / 2 fixed ones mod 4; even s: s / 2 fixed ones
  const fixed = s & 1 ? ((s - 5 + 8) % 8) / 2 : s / 2;
  if (s & 1) bits.push(...EMPTY_DYNAMIC);
  for (let i = 0; i < fixed; i++) bits.push([0b010, 3], [0, EMPTY_FIXED_BITS - 3]);
  const total = bits.reduce((n, [, b]) => n + b, 0);
  const out = new Uint8Array(primer.length + Math.ceil(total / 8));
  out.set(primer);
  let at = primer.length * 8;
  for (const [v, n] of bits) {
    for (let i = 0; i < n; i++, at++) out[at >>> 3]! |= ((v >>> i) & 1) << (at & 7);
  }
  return out;
}

/**
 * The most compressed bytes the primed platform decoder is handed in one write. A write is
 * decoded whole before the reader can stop it, and Chromium's Blob streams hand over chunks
 * of up to ~1 MiB (measured in the bench's reads: 4 chunks for 4 MiB), so a read of a few KiB
 * decoded and read ahead up to three such chunks — 2.8–4.8 MB of input for a gap of 0.3–1.5 MB
 * between the layer's checkpoints. 64 KiB is ~0.2 ms of native decoding: the read stops within
 * a few writes of its range's end. (As compression.ts GZIP_INPUT_SLICE for the scan.)
 */
export const NATIVE_FEED_BYTES = 64 * 1024;

let rawSupported: boolean | null = null;
function nativeRawDeflate(): boolean {
  if (rawSupported === null) {
    try {
      rawSupported = typeof DecompressionStream !== 'undefined' && !!new DecompressionStream('deflate-raw' as CompressionFormat);
    } catch {
      rawSupported = false;
    }
  }
  return rawSupported;
}

/**
 * Compressed bytes the TypeScript inflater is handed at a time by a read, which checks for
 * a cancel between slices: ~2–5 ms of decoding on the dev machine (as verify.ts's
 * RECORDING_SLICE_BYTES).
 */
export const INFLATER_SLICE_BYTES = 64 * 1024;

export interface ResumeReadOptions {
  signal?: AbortSignal;
  /**
   * Where in `layerBlob` the compressed bytes holding the wanted range end at the latest (the
   * byte holding the next recorded checkpoint's block header, `inputEnd(...)`): the platform
   * decoder's input is read up to there in one bounded slice, and only if it wants more from
   * the rest of the blob. Measured in a Chromium worker on the 501 MB benchmark layer (30
   * reads, 256 KiB each): p50 35 → 23 ms, mean 38 → 27 ms, against a slice to the blob's
   * end, which the browser reads ahead of the decoder until the read is cancelled.
   */
  inputEnd?: number | null;
  /** Use the platform decoder when it can (default true; false forces the TypeScript inflater, for tests). */
  native?: boolean;
  /**
   * Compressed bytes of the layer blob already in memory (anchoredRead.ts read them for its
   * decode, and they usually hold the whole range): the platform decoder is fed from them
   * before it reads the blob, which then starts no Blob stream of its own.
   */
  inHand?: InHand | null;
}

/** Bytes of a layer blob from byte `at`, already read. */
export interface InHand {
  at: number;
  bytes: Uint8Array;
}

/**
 * `want` bytes of the layer's uncompressed stream from `offset` (≥ cp.out), read
 * from checkpoint `cp` of `layerBlob` (the stored gzip blob). Throws TRUNCATED when
 * the layer ends first.
 */
export async function readFromCheckpoint(layerBlob: Blob, cp: Checkpoint, offset: number, want: number, opts: ResumeReadOptions = {}): Promise<Uint8Array> {
  if (offset < cp.out) throw new LayerscopeError('IO', 'internal: checkpoint after the offset read');
  const out = new Uint8Array(want);
  if (want === 0) return out;
  if ((opts.native ?? true) && !cp.member && nativeRawDeflate()) {
    const got = await nativeFrom(layerBlob, cp, offset, out, opts.signal, opts.inputEnd, opts.inHand);
    if (got === want) return out;
  }
  await inflaterFrom(layerBlob, cp, offset, out, opts.signal);
  return out;
}

/** Copies the part of `chunk` (at uncompressed offset `pos`) that falls in [offset, offset + out.length). Returns bytes copied. */
function take(chunk: Uint8Array, pos: number, offset: number, out: Uint8Array, got: number): number {
  const end = pos + chunk.length;
  if (end <= offset + got) return 0;
  const from = Math.max(0, offset + got - pos);
  const n = Math.min(chunk.length - from, out.length - got);
  if (n <= 0) return 0;
  out.set(chunk.subarray(from, from + n), got);
  return n;
}

/**
 * The 8-byte gzip member trailer, CRC-32 and ISIZE (RFC 1952 §2.3.1): in a layer of one member
 * (what docker, buildkit, pigz and crane write), the deflate data ends this many bytes before
 * the blob's end.
 */
export const GZIP_TRAILER_BYTES = 8;

/**
 * The platform's raw-deflate decoder over `blob` from checkpoint `cp`: the compressed bytes
 * from `cp.bit` (shifted when it is not on a byte boundary), after a stored block holding
 * `cp.window` (see the module comment). Its output starts `cp.window.length` bytes before `cp.out`.
 *
 * Its input stops before the blob's last GZIP_TRAILER_BYTES: a raw decoder takes the trailer
 * for bytes after the end of its stream, and Chromium's DecompressionStream then errors ("Junk
 * found after end of compressed data") and drops the output of that write, which holds the
 * layer's last files (measured: 131,072 of 300,000 bytes handed over). Every read of the tail
 * of a layer then went on in the TypeScript inflater from its checkpoint (issue 13: the last
 * files of the benchmark's largest layer took 130–480 ms after the digest check). A layer of
 * several members (or padded after its trailer) still meets bytes after its first member's
 * end, errors, and goes on in the inflater as before.
 */
export function primedNativeDecoder(
  blob: Blob,
  cp: Checkpoint,
  inputEnd: number | null = null,
  inHand: InHand | null = null,
): ReadableStreamDefaultReader<Uint8Array> {
  const stop = Math.max(0, blob.size - GZIP_TRAILER_BYTES);
  const reader = compressedFrom(blob, Math.floor(cp.bit / 8), inputEnd, stop, inHand).getReader();
  const s = cp.bit & 7;
  const primer = alignedPrimer(cp.window, s);
  // s > 0: the primer's last byte waits for the checkpoint's byte (alignedPrimer)
  let held = s > 0;
  // Pulled only when the decoder wants input, each blob chunk in NATIVE_FEED_BYTES writes:
  // no stage in between reads ahead of it (a TransformStream stage held a chunk).
  const input = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (!held) controller.enqueue(primer);
      },
      async pull(controller) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            return;
          }
          let v = value;
          if (!v.length) continue;
          if (held) {
            primer[primer.length - 1]! |= v[0]! & (0xff << s) & 0xff;
            controller.enqueue(primer);
            held = false;
            v = v.subarray(1);
            if (!v.length) return;
          }
          for (let o = 0; o < v.length; o += NATIVE_FEED_BYTES) controller.enqueue(v.subarray(o, Math.min(v.length, o + NATIVE_FEED_BYTES)));
          return;
        }
      },
      cancel() {
        return reader.cancel();
      },
    },
    { highWaterMark: 0 },
  );
  return input.pipeThrough(new DecompressionStream('deflate-raw' as CompressionFormat) as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
}

/**
 * `blob` from byte `start` to `stop` (default: its end): up to `end` (when given) as one
 * bounded slice, then — only if the reader asks for more — the rest up to `stop`. The input
 * stream does not end at `end`: a DecompressionStream whose input ends mid-stream errors, and
 * an errored stream drops output it has queued but not yet handed over. Bytes `inHand` holds
 * from `start` on come first, NATIVE_FEED_BYTES per pull (what the decoder does not ask for
 * is never shifted or written); the blob is read from where they end, only if asked.
 */
export function compressedFrom(
  blob: Blob,
  start: number,
  end: number | null = null,
  stop = blob.size,
  inHand: InHand | null = null,
): ReadableStream<Uint8Array> {
  const have =
    inHand && inHand.at <= start && start < inHand.at + inHand.bytes.length ? inHand.bytes.subarray(start - inHand.at, Math.max(0, stop - inHand.at)) : null;
  if (!have?.length) return blobFrom(blob, start, end, stop);
  let o = 0;
  let rest: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (o < have.length) {
          controller.enqueue(have.subarray(o, Math.min(have.length, o + NATIVE_FEED_BYTES)));
          o += NATIVE_FEED_BYTES;
          return;
        }
        const next = start + have.length;
        if (next >= stop) return controller.close();
        rest ??= blobFrom(blob, next, end, stop).getReader();
        const r = await rest.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      cancel(reason) {
        return rest?.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** compressedFrom without bytes in hand. */
function blobFrom(blob: Blob, start: number, end: number | null, stop: number): ReadableStream<Uint8Array> {
  if (end === null || end <= start || end >= stop) return blob.slice(start, Math.max(start, stop)).stream() as ReadableStream<Uint8Array>;
  let part = (blob.slice(start, end).stream() as ReadableStream<Uint8Array>).getReader();
  let rest = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const r = await part.read();
          if (!r.done) return controller.enqueue(r.value);
          if (rest) return controller.close();
          rest = true;
          part = (blob.slice(end, stop).stream() as ReadableStream<Uint8Array>).getReader();
        }
      },
      cancel(reason) {
        return part.cancel(reason);
      },
    },
    // nothing read ahead of the decoder's asking
    { highWaterMark: 0 },
  );
}

/** The platform decoder from `cp` (see the module comment). Returns the bytes it filled; fewer than asked when it stopped early. */
async function nativeFrom(
  blob: Blob,
  cp: Checkpoint,
  offset: number,
  out: Uint8Array,
  signal?: AbortSignal,
  inputEnd: number | null = null,
  inHand: InHand | null = null,
): Promise<number> {
  const dec = primedNativeDecoder(blob, cp, inputEnd, inHand);
  // decoder output position, counted from the start of the primed window
  let pos = cp.out - cp.window.length;
  let got = 0;
  const turn = taskYielder();
  try {
    while (got < out.length) {
      await turn();
      throwIfAborted(signal);
      const r = await dec.read();
      if (r.done) break;
      got += take(r.value, pos, offset, out, got);
      pos += r.value.length;
    }
  } catch (e) {
    if (e instanceof LayerscopeError && e.code === 'CANCELLED') throw e;
    // the raw decoder met the end of the member (trailer, next header): the inflater goes on from the checkpoint
  } finally {
    dec.cancel().catch(() => {});
  }
  return got;
}

/** The TypeScript inflater from `cp`, across members, until `out` is full. */
async function inflaterFrom(blob: Blob, cp: Checkpoint, offset: number, out: Uint8Array, signal?: AbortSignal): Promise<void> {
  let pos = cp.out;
  let got = 0;
  const inf = new Inflater({
    format: 'gzip',
    resume: cp,
    onData: (c) => {
      got += take(c, pos, offset, out, got);
      pos += c.length;
    },
  });
  const reader = (blob.slice(Math.floor(cp.bit / 8)).stream() as ReadableStream<Uint8Array>).getReader();
  const turn = taskYielder();
  try {
    while (got < out.length) {
      throwIfAborted(signal);
      const r = await reader.read();
      if (r.done) {
        inf.push(new Uint8Array(0), true);
        break;
      }
      // in slices: a stream chunk may be the whole blob (Node's in-memory Blobs), and a
      // cancel is only seen between them (pause.ts taskYielder)
      for (let o = 0; o < r.value.length && got < out.length; o += INFLATER_SLICE_BYTES) {
        await turn();
        throwIfAborted(signal);
        inf.push(r.value.subarray(o, Math.min(r.value.length, o + INFLATER_SLICE_BYTES)), false);
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  if (got < out.length) throw new LayerscopeError('TRUNCATED', 'the layer ends before this file’s data', { offset: pos });
}
