/**
 * Layer and archive compression: detected by magic bytes only (never by a file
 * name or media type), decompressed as streams so a multi-GB layer never sits
 * in memory — and with BOUNDED output: a decoder produces the next piece only
 * when the consumer has taken the previous one, so memory never depends on the
 * decompressed size (issue 9: 1 MB of zstd RLE blocks is 32 GiB of zeros; a
 * 1 MiB gzip chunk of zeros inflates to 1 GiB).
 *
 * gzip (RFC 1952) goes through the platform's native DecompressionStream — in
 * Chromium about 2–3× faster than a JS inflate — (or the host's own, node:zlib in
 * the command line), fed GZIP_INPUT_SLICE bytes at a time and only when its
 * output has been read (boundedThrough), with fflate as the fallback: a stream
 * of several gzip members (pigz, `cat a.gz b.gz`; RFC 1952 §2.2 "a gzip file
 * consists of a series of members") is refused by some native implementations
 * as "trailing junk", so when the native stream errors we restart with fflate,
 * which decodes every member, and skip the bytes already handed out. fflate does
 * not check the gzip trailer (CRC-32 and ISIZE, RFC 1952 §2.3.1), so the fallback
 * checks every member's trailer itself: without that, data the native decoder
 * rejected as corrupt ("incorrect data check") would come out of the fallback as
 * silent garbage, and a stream cut inside its last trailer would pass.
 * A layer scan reads gzip through gunzipBlobInto, which hands the decoder's pieces
 * straight to the tar parser and leaves the platform decoder for the TypeScript
 * inflater where the data expands beyond anything real (INFLATE_SWITCH_RATIO: a
 * file of zeros), whose large pieces cost a fraction of the native 16 KiB ones.
 * zstd (RFC 8878) goes through libzstd compiled to WebAssembly (zstd.ts), whose
 * streaming API produces at most one output piece per call.
 *
 * A whole compressed archive (`.tar.gz`) must be decompressed before its entries
 * can be sliced; that expansion is bounded (ARCHIVE_EXPANSION_*), since nothing
 * else stops 10 MB from filling a disk with 10 GiB.
 *
 * Errors: BAD_GZIP / BAD_ZSTD for corrupt data, TRUNCATED when the stream stops
 * early, LIMIT past a bound; `offset` is the number of uncompressed bytes
 * produced before the failure (where the damage shows in the tar stream); the
 * message names the compressed offset.
 */
import { Gunzip } from 'fflate';
import { LayerscopeError, cancelled, throwIfAborted } from '../errors';
import { Inflater } from './inflate/inflater';
import type { Compression } from '../types';
import { createZstdDecoder, type PullDecoder } from './zstd';

export { ZSTD_MAX_WINDOW, ZSTD_MAX_WINDOW_LOG, type PullDecoder } from './zstd';

/** gzip member header: ID1 ID2 (RFC 1952 §2.3.1). */
const GZIP_MAGIC = [0x1f, 0x8b] as const;
/** zstd frame magic 0xFD2FB528, little-endian (RFC 8878 §3.1.1). */
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;
/** Skippable zstd frames: magic 0x184D2A50..5F (RFC 8878 §3.1.2). */
function isZstdSkippable(h: Uint8Array): boolean {
  return h.length >= 4 && (h[0]! & 0xf0) === 0x50 && h[1] === 0x2a && h[2] === 0x4d && h[3] === 0x18;
}

/** Bytes to read to sniff a compression format (the longest magic, zstd's, is 4). */
export const COMPRESSION_SNIFF_BYTES = 4;

export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return 'gzip';
  if (head.length >= 4 && ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  if (isZstdSkippable(head)) return 'zstd';
  return 'none';
}

export async function sniffBlob(blob: Blob): Promise<Compression> {
  return sniffCompression(new Uint8Array(await blob.slice(0, COMPRESSION_SNIFF_BYTES).arrayBuffer()));
}

type PushDecoder = { push(chunk: Uint8Array, final?: boolean): void };

/** Maps a decoder exception to a LayerscopeError (fflate code 0 = "unexpected EOF"). */
function decodeError(e: unknown, code: 'BAD_GZIP' | 'BAD_ZSTD', produced: number, consumed: number): LayerscopeError {
  if (e instanceof LayerscopeError) return e;
  const name = code === 'BAD_GZIP' ? 'gzip' : 'zstd';
  const ecode = (e as { code?: unknown }).code;
  const eof = code === 'BAD_GZIP' && ecode === 0;
  if (eof) return new LayerscopeError('TRUNCATED', `the ${name} stream ends early (truncated)`, { offset: produced, cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  return new LayerscopeError(code, `corrupt ${name} data near compressed byte ${consumed}: ${msg}`, { offset: produced, cause: e });
}

/**
 * A pull decoder as a stream: each read of the result asks the decoder for its
 * next piece, reading input only when it needs more. highWaterMark 0: nothing is
 * decoded ahead of the consumer, so at most one output piece exists at a time
 * (plus what the consumer keeps). This is the backpressure the decoders need:
 * a TransformStream's transform() must emit ALL output of an input chunk before
 * the next, whatever its size.
 */
export function pullStream(
  input: ReadableStream<Uint8Array>,
  make: () => PullDecoder | Promise<PullDecoder>,
  code: 'BAD_GZIP' | 'BAD_ZSTD',
): ReadableStream<Uint8Array> {
  let dec: PullDecoder | null = null;
  const reader = input.getReader();
  let inputDone = false;
  let consumed = 0;
  let produced = 0;
  const release = () => {
    dec?.free();
    dec = null;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          dec ??= await make();
          for (;;) {
            const out = dec.next();
            if (out) {
              produced += out.length;
              controller.enqueue(out);
              return;
            }
            if (inputDone) {
              release();
              controller.close();
              return;
            }
            const r = await reader.read();
            if (r.done) {
              inputDone = true;
              if (consumed === 0) throw new LayerscopeError('TRUNCATED', `the ${code === 'BAD_GZIP' ? 'gzip' : 'zstd'} stream is empty`, { offset: 0 });
              dec.end();
              continue;
            }
            consumed += r.value.length;
            dec.push(r.value);
          }
        } catch (e) {
          release();
          reader.cancel().catch(() => {});
          throw decodeError(e, code, produced, consumed);
        }
      },
      cancel(reason) {
        release();
        return reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Compressed bytes handed to a gzip decoder at a time. Deflate expands at most
 * 1032:1 (RFC 1951: a 258-byte match coded in 2 bits… of which a block of zeros
 * gets close), so one slice is at most ~66 MiB of output queued, whatever the
 * data; normal layers (3–5:1) see no difference. Measured on the 501 MB gzip
 * benchmark layer through node:zlib, slices of 64 KiB cost no time against the
 * 1 MiB chunks of a file stream; 16 KiB ones add ~10 %.
 */
export const GZIP_INPUT_SLICE = 64 * 1024;

/**
 * Decoded bytes read ahead of the consumer from a native decoder, at most: enough
 * to keep the decoder busy while the consumer works (Node's zlib runs on another
 * thread), little enough not to matter.
 */
export const NATIVE_READ_AHEAD_BYTES = 8 * 1024 * 1024;
/** Input slices handed to a native decoder and not yet taken by it, at most. */
const NATIVE_SLICES_IN_FLIGHT = 2;

/**
 * Feed `input` through a native transform pair (DecompressionStream, node:zlib)
 * with a bound on what is decoded ahead of the consumer: decoded output is read
 * into a queue of at most NATIVE_READ_AHEAD_BYTES, and input is written (one
 * GZIP_INPUT_SLICE at a time, at most NATIVE_SLICES_IN_FLIGHT at once) only while
 * that queue has room. So at most the queue plus the output of the slices in
 * flight (≤ 1032:1 each) exists ahead of the consumer, whatever the platform's own
 * queueing does — Node's DecompressionStream adapter, for one, lets writes run
 * ahead of reads. Cancelling the result cancels the source.
 */
export function boundedThrough(
  input: ReadableStream<Uint8Array>,
  pair: ReadableWritablePair<Uint8Array, Uint8Array>,
  slice = GZIP_INPUT_SLICE,
): ReadableStream<Uint8Array> {
  const writer = pair.writable.getWriter();
  const source = input.getReader();
  const out = pair.readable.getReader();
  const queue: Uint8Array[] = [];
  let queued = 0;
  let outDone = false;
  let failure: unknown = null;
  let stopped = false;
  /** Whoever waits for a change (the consumer, the reader loop, the writer loop), woken together. */
  let waiters: (() => void)[] = [];
  const changed = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const waitChange = () => new Promise<void>((r) => waiters.push(r));
  const room = () => queued < NATIVE_READ_AHEAD_BYTES;
  // Hysteresis: once full, the loops wait until half of the queue was consumed, so
  // they wake once per few MB instead of once per chunk.
  const refill = () => queued <= NATIVE_READ_AHEAD_BYTES / 2;
  let full = false;
  // The writer: slices of input, while there is room for their output.
  void (async () => {
    let inFlight = 0;
    try {
      for (;;) {
        const r = await source.read();
        if (r.done) break;
        for (let o = 0; o < r.value.length; o += slice) {
          while ((full || !room() || inFlight >= NATIVE_SLICES_IN_FLIGHT) && !stopped && !failure) await waitChange();
          if (stopped || failure) return;
          await writer.ready;
          inFlight++;
          writer.write(r.value.subarray(o, Math.min(r.value.length, o + slice))).then(
            () => {
              inFlight--;
              changed();
            },
            () => {},
          );
        }
      }
      await writer.close();
    } catch (e) {
      // the decoder failed: its readable side reports it
      source.cancel(e).catch(() => {});
    }
  })();
  // The reader: decoded output into the queue, while there is room.
  void (async () => {
    try {
      for (;;) {
        if (!room()) {
          full = true;
          while (!refill() && !stopped) await waitChange();
          full = false;
        }
        if (stopped) return;
        const r = await out.read();
        if (r.done) {
          outDone = true;
          changed();
          return;
        }
        queue.push(r.value);
        queued += r.value.length;
        changed();
      }
    } catch (e) {
      failure = e;
      changed();
    }
  })();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const v = queue.shift();
          if (v) {
            queued -= v.length;
            if (!full || refill()) changed();
            controller.enqueue(v);
            return;
          }
          if (failure) throw failure;
          if (outDone) {
            controller.close();
            return;
          }
          await waitChange();
        }
      },
      cancel(reason) {
        stopped = true;
        changed();
        source.cancel(reason).catch(() => {});
        writer.abort(reason).catch(() => {});
        return out.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/** CRC-32 (IEEE 802.3 polynomial, reflected), the gzip trailer's checksum (RFC 1952 §8). */
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(crc: number, b: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * How far back (in compressed bytes) a member's 8-byte trailer is kept for checking
 * when the next member starts. The next member's header (FEXTRA/FNAME/FCOMMENT) would
 * have to be longer than this for a trailer to fall out of reach; such a member's
 * trailer goes unchecked rather than holding unbounded input.
 */
export const GZIP_TRAILER_LOOKBACK = 256 * 1024;

/** The most recent compressed chunks (by reference, no copies), to read trailers back. */
class RecentInput {
  private chunks: { start: number; data: Uint8Array }[] = [];
  end = 0;
  add(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push({ start: this.end, data });
    this.end += data.length;
    while (this.chunks.length > 1 && this.chunks[1]!.start <= this.end - GZIP_TRAILER_LOOKBACK) this.chunks.shift();
  }
  /** Bytes [start, start + n), or null when no longer held. */
  get(start: number, n: number): Uint8Array | null {
    if (start < 0 || this.chunks.length === 0 || start < this.chunks[0]!.start || start + n > this.end) return null;
    const out = new Uint8Array(n);
    let ci = 0;
    for (let i = 0; i < n; i++) {
      const p = start + i;
      while (p >= this.chunks[ci]!.start + this.chunks[ci]!.data.length) ci++;
      out[i] = this.chunks[ci]!.data[p - this.chunks[ci]!.start]!;
    }
    return out;
  }
}

function le32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Smallest gzip member: 10-byte header + empty deflate block (2) + 8-byte trailer (RFC 1952 §2.3). */
const GZIP_MIN_MEMBER = 20;

/**
 * fflate's streaming Gunzip plus what it leaves out: each member's CRC-32 and ISIZE
 * (size mod 2^32) are checked against its trailer (RFC 1952 §2.3.1). fflate reports
 * where each new member starts (onmember), after emitting all of the previous
 * member's output, so the previous trailer is the 8 bytes before that offset.
 */
class CheckedGunzip implements PushDecoder {
  private readonly g: Gunzip;
  private readonly recent = new RecentInput();
  private crc = 0;
  private isize = 0;
  private member = 1;
  private produced = 0;
  constructor(emit: (chunk: Uint8Array) => void) {
    this.g = new Gunzip((chunk) => {
      this.crc = crc32(this.crc, chunk);
      this.isize = (this.isize + chunk.length) % 2 ** 32;
      this.produced += chunk.length;
      emit(chunk);
    });
    this.g.onmember = (offset) => {
      this.checkTrailer(offset);
      this.member++;
      this.crc = 0;
      this.isize = 0;
    };
  }
  private checkTrailer(end: number): void {
    const t = this.recent.get(end - 8, 8);
    if (!t) return; // out of reach (GZIP_TRAILER_LOOKBACK)
    if (le32(t, 0) !== this.crc || le32(t, 4) !== this.isize) {
      throw new LayerscopeError('BAD_GZIP', `gzip member ${this.member} fails its CRC-32/length check (corrupt or truncated data)`, { offset: this.produced });
    }
  }
  push(chunk: Uint8Array, final = false): void {
    this.recent.add(chunk);
    this.g.push(chunk, final);
    if (final) {
      // fflate accepts a last member whose trailer is missing or cut short.
      if (this.recent.end < GZIP_MIN_MEMBER) throw new LayerscopeError('TRUNCATED', 'the gzip stream ends early (truncated)', { offset: this.produced });
      this.checkTrailer(this.recent.end);
    }
  }
}

/**
 * fflate's gunzip (with trailer checks) as a pull decoder: input is pushed to it
 * GZIP_INPUT_SLICE at a time, so one step emits at most ~66 MiB (1032:1).
 */
class FflatePull implements PullDecoder {
  private readonly out: Uint8Array[] = [];
  private readonly g = new CheckedGunzip((c) => this.out.push(c));
  private pending: Uint8Array | null = null;
  /**
   * An error of the slice just pushed, held back until the output decoded before it
   * is taken: a whole small layer fits in one slice, and throwing at once dropped the
   * complete tar in front of trailing junk or a bad trailer ("0 entries before it
   * were kept", issue 9 point 12).
   */
  private failure: { e: unknown } | null = null;
  push(chunk: Uint8Array): void {
    this.pending = this.pending?.length ? concatBytes(this.pending, chunk) : chunk;
  }
  next(): Uint8Array | null {
    for (;;) {
      const o = this.out.shift();
      if (o) return o;
      if (this.failure) throw this.failure.e;
      const p = this.pending;
      if (!p || p.length === 0) return null;
      const n = Math.min(p.length, GZIP_INPUT_SLICE);
      this.pending = n < p.length ? p.subarray(n) : null;
      this.pushHeld(p.subarray(0, n), false);
    }
  }
  end(): void {
    this.pushHeld(new Uint8Array(0), true);
    if (this.failure && this.out.length === 0) throw this.failure.e;
  }
  private pushHeld(chunk: Uint8Array, final: boolean): void {
    try {
      this.g.push(chunk, final);
    } catch (e) {
      this.failure = { e };
      this.pending = null;
    }
  }
  free(): void {}
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}

/** fflate's streaming gunzip with trailer checks; decodes every member of a multi-member stream. */
export function fflateGunzipStream(input: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return pullStream(input, () => new FflatePull(), 'BAD_GZIP');
}

/** zstd through libzstd (zstd.ts), one bounded piece per read. */
export function zstdStream(input: ReadableStream<Uint8Array>, onFrameEnd?: (consumed: number, produced: number) => void): ReadableStream<Uint8Array> {
  return pullStream(input, () => createZstdDecoder({ onFrameEnd }), 'BAD_ZSTD');
}

function nativeGunzip(input: ReadableStream<Uint8Array>, gunzip?: () => ReadableWritablePair<Uint8Array, Uint8Array>): ReadableStream<Uint8Array> | null {
  if (gunzip) return boundedThrough(input, gunzip());
  if (typeof DecompressionStream === 'undefined') return null;
  return boundedThrough(input, new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
}

/**
 * A one-shot stream through a decoder. It cannot be re-read, so the native gzip
 * decoder (which some platforms stop at the first member) cannot be tried first:
 * gzip goes through fflate, which decodes every member. Prefer decompressBlob.
 */
export function decompressStream(input: ReadableStream<Uint8Array>, c: Compression): ReadableStream<Uint8Array> {
  if (c === 'none') return input;
  if (c === 'zstd') return zstdStream(input);
  return fflateGunzipStream(input);
}

/**
 * A decoder restarted from the stream's start (the fflate fallback, the switch to
 * the TypeScript inflater) gives again the bytes already handed out: this drops
 * the first `bytes` of what passes through it, so the consumer sees each decoded
 * byte once.
 */
class RepeatedPrefix {
  constructor(private bytes: number) {}
  /** What of `v` is new (null: nothing yet). */
  pass(v: Uint8Array): Uint8Array | null {
    if (this.bytes === 0) return v;
    if (v.length <= this.bytes) {
      this.bytes -= v.length;
      return null;
    }
    const rest = v.subarray(this.bytes);
    this.bytes = 0;
    return rest;
  }
}

/**
 * Decompress a Blob as a stream. gzip: native first, then fflate from the start
 * if the native decoder refuses the stream (multi-member), skipping what was
 * already emitted, so the consumer sees one seamless stream either way.
 */
export interface DecompressBlobOptions {
  signal?: AbortSignal;
  /**
   * Sees the stored (compressed) bytes as they are read, with their offset in the
   * blob: for progress and for hashing the blob in the same pass. Each stored byte
   * is seen once, in order, even when the gzip fallback re-reads the blob.
   */
  onInput?(chunk: Uint8Array, offset: number): void;
  /** The host's own whole-stream gzip decoder (codecs.ts), tried before fflate instead of DecompressionStream. */
  gunzip?: () => ReadableWritablePair<Uint8Array, Uint8Array>;
  /** zstd only: where each frame ends, in compressed bytes consumed and uncompressed bytes produced (zstd.ts). */
  onFrameEnd?(consumed: number, produced: number): void;
}

/** Native decoders' words for a stream cut short (Node/zlib: "unexpected end of file"; Chromium: "Compressed input was truncated"). */
const NATIVE_TRUNCATED_RE = /end of (file|stream|input)|truncated|premature/i;

/**
 * `onInput` as given, but each stored byte shown once, in order, however often the
 * blob is read again from its start (the gzip fallback and the inflater switch
 * re-read from 0): a high-water mark of the bytes already shown.
 */
function onceEach(onInput: ((chunk: Uint8Array, offset: number) => void) | undefined): (chunk: Uint8Array, offset: number) => void {
  let seen = 0;
  return (chunk, off) => {
    const end = off + chunk.length;
    if (end <= seen) return;
    onInput?.(off >= seen ? chunk : chunk.subarray(seen - off), Math.max(off, seen));
    seen = end;
  };
}

/** The blob from its start as a stream, each chunk shown to `onInput` (if any) with its offset. */
function tappedStream(blob: Blob, onInput?: (chunk: Uint8Array, offset: number) => void): ReadableStream<Uint8Array> {
  const raw = blob.stream() as ReadableStream<Uint8Array>;
  if (!onInput) return raw;
  let off = 0;
  return raw.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onInput(chunk, off);
        off += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * The error to report when the fflate fallback failed after the native decoder
 * (whose message is `nativeError`; null when it was not tried). The native
 * decoder's verdict on truncation is the better one: fflate cannot tell "cut
 * short" from "garbage that parses as a long deflate block", and a cut last
 * member only shows as a bad trailer.
 */
function fallbackFailure(e: unknown, nativeError: string | null): LayerscopeError {
  let err =
    e instanceof LayerscopeError ? e : new LayerscopeError('BAD_GZIP', `corrupt gzip data: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  if (nativeError !== null && err.code !== 'CANCELLED' && err.code !== 'IO') {
    const nativeSaysTruncated = NATIVE_TRUNCATED_RE.test(nativeError);
    if (nativeSaysTruncated && err.code !== 'TRUNCATED') {
      err = new LayerscopeError('TRUNCATED', 'the gzip stream ends early (truncated)', { offset: err.offset, cause: err });
    } else if (!nativeSaysTruncated && err.code === 'TRUNCATED') {
      err = new LayerscopeError('BAD_GZIP', `corrupt gzip data: ${nativeError}`, { offset: err.offset, cause: err });
    }
  }
  return err;
}

export function decompressBlob(blob: Blob, c: Compression, opts: DecompressBlobOptions = {}): ReadableStream<Uint8Array> {
  const onInput = opts.onInput ? onceEach(opts.onInput) : undefined;
  const source = (): ReadableStream<Uint8Array> => tappedStream(blob, onInput);
  if (c === 'none') return source();
  if (c === 'zstd') return zstdStream(source(), opts.onFrameEnd);
  let reader = (nativeGunzip(source(), opts.gunzip) ?? fflateGunzipStream(source())).getReader();
  let usingFallback = !opts.gunzip && typeof DecompressionStream === 'undefined';
  let nativeError: string | null = null;
  let emitted = 0;
  let repeated = new RepeatedPrefix(0);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (opts.signal?.aborted) {
            reader.cancel().catch(() => {});
            controller.error(cancelled());
            return;
          }
          let r: ReadableStreamReadResult<Uint8Array>;
          try {
            r = await reader.read();
          } catch (e) {
            if (usingFallback || (e instanceof LayerscopeError && e.code !== 'BAD_GZIP')) {
              controller.error(fallbackFailure(e, nativeError));
              return;
            }
            nativeError = e instanceof Error ? e.message : String(e);
            usingFallback = true;
            repeated = new RepeatedPrefix(emitted);
            reader = fflateGunzipStream(source()).getReader();
            continue;
          }
          if (r.done) {
            controller.close();
            return;
          }
          const v = repeated.pass(r.value);
          if (!v) continue;
          emitted += v.length;
          controller.enqueue(v);
          return;
        }
      },
      cancel() {
        return reader.cancel().catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * When a gzip stream leaves the platform decoder for the TypeScript inflater
 * (inflate/inflater.ts): once a window of `windowBytes` decoded bytes came from
 * less than 1/`ratio` as many stored bytes. The platform's DecompressionStream
 * hands out 16 KiB pieces (Chromium and Node alike), each a stream read and a few
 * promise hops before the tar parser skips it: 65,536 of them per GiB, so a file of
 * zeros in a gzip layer cost the page 10× the command line (issue 9, point 3: 1 GiB
 * took 21 CPU-seconds in the scan against 11 for the bare native decode and 9 for
 * the TypeScript inflater, which emits 512 KiB pieces straight into the parser).
 * On ordinary data (3–5:1) the native decoder is as fast or faster, so it stays.
 * Why 64: real file data stays far below (text and binaries 2–10:1, logs ~20:1);
 * runs of one byte reach deflate's 1032:1. 32 MiB: a window holds many of the
 * blob's read chunks, so the stored-byte count is not a single chunk's jump.
 */
export const INFLATE_SWITCH_RATIO = 64;
export const INFLATE_SWITCH_WINDOW = 32 * 1024 * 1024;

export interface InflateSwitch {
  ratio: number;
  windowBytes: number;
}

export const DEFAULT_INFLATE_SWITCH: InflateSwitch = { ratio: INFLATE_SWITCH_RATIO, windowBytes: INFLATE_SWITCH_WINDOW };

export interface GunzipIntoOptions {
  signal?: AbortSignal;
  /** As DecompressBlobOptions.onInput: each stored byte once, in order, across restarts. */
  onInput?(chunk: Uint8Array, offset: number): void;
  /** The host's own gzip decoder (codecs.ts): used throughout, never switched from (node:zlib is fast on any data). */
  gunzip?: DecompressBlobOptions['gunzip'];
  /** Where to leave the platform decoder (default DEFAULT_INFLATE_SWITCH); null: never. */
  switchAt?: InflateSwitch | null;
  /** Told when decoding moves to the TypeScript inflater, with the decoded bytes already handed out. */
  onSwitch?(emitted: number): void;
}

/**
 * The platform decoder (a DecompressionStream pair) driven without streams
 * between it and the consumer: the blob's reader writes GZIP_INPUT_SLICE slices
 * into the decoder, at most NATIVE_SLICES_IN_FLIGHT not yet taken by it, and each
 * decoded piece goes to `take` as it is read. Chromium decodes on the worker's own
 * thread, inside the write the reader's pull lets run (the readable side has no
 * queue of its own: highWaterMark 0), so nothing decodes ahead: what exists beyond
 * the piece in hand is the output of the slice being decoded (≤ 1032:1). Each
 * slice's stored bytes go to `onInput` as they are written (progress, hashing).
 * Resolves `{ failed }` when the decoder rejected the data (the caller retries
 * with fflate), `{ switched }` when `take` asked to leave it; a failure to read
 * the blob itself, a cancel, or an error thrown by `take` rejects.
 */
async function nativeGunzipInto(
  blob: Blob,
  pair: ReadableWritablePair<Uint8Array, Uint8Array>,
  take: (piece: Uint8Array) => boolean,
  onInput: (chunk: Uint8Array, offset: number) => void,
  signal: AbortSignal | undefined,
): Promise<{ failed?: { e: unknown }; switched: boolean }> {
  const source = (blob.stream() as ReadableStream<Uint8Array>).getReader();
  const writer = pair.writable.getWriter();
  const out = pair.readable.getReader();
  /** The blob could not be read (or onInput threw): that, not the decoder's echo of it, is the error. */
  let inputFailure: { e: unknown } | null = null;
  let stopped = false;
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const wakeWriter = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const written = () => {
    inFlight--;
    wakeWriter();
  };
  // A rejected write means the decoder failed: its readable side reports that.
  const ignore = () => {};
  void (async () => {
    try {
      let off = 0;
      for (;;) {
        const r = await source.read();
        if (r.done) break;
        const chunk = r.value;
        for (let o = 0; o < chunk.length; o += GZIP_INPUT_SLICE) {
          while (inFlight >= NATIVE_SLICES_IN_FLIGHT && !stopped) await new Promise<void>((res) => (wake = res));
          if (stopped) return;
          const slice = chunk.subarray(o, Math.min(chunk.length, o + GZIP_INPUT_SLICE));
          onInput(slice, off + o);
          inFlight++;
          writer.write(slice).then(written, ignore);
        }
        off += chunk.length;
      }
      writer.close().catch(ignore);
    } catch (e) {
      if (stopped) return;
      inputFailure = { e };
      writer.abort(e).catch(ignore);
    }
  })();
  try {
    for (;;) {
      throwIfAborted(signal);
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await out.read();
      } catch (e) {
        if (inputFailure) throw (inputFailure as { e: unknown }).e;
        return { failed: { e }, switched: false };
      }
      if (r.done) return { switched: false };
      if (take(r.value)) return { switched: true };
    }
  } finally {
    stopped = true;
    wakeWriter();
    source.cancel().catch(ignore);
    writer.abort().catch(ignore);
    out.cancel().catch(ignore);
  }
}

/**
 * Decode a gzip blob into `onData`, called synchronously with each decoded piece
 * in order (no stream between the decoder and the consumer, whose work on a
 * piece is its backpressure). A piece is valid during the call only: the
 * inflater writes its buffer again (copy what you keep).
 *
 * In the page it starts on the platform's DecompressionStream, driven directly
 * (nativeGunzipInto: the blob's reader feeds the decoder's writer, its reader
 * calls `onData`) — one stage where a stream per stage cost a promise hop per
 * stage per 16 KiB piece; then fflate from the start for streams the native
 * decoder refuses (multi-member). With a host decoder (`opts.gunzip`, node:zlib in
 * the command line) it reads decompressBlob, whose read-ahead queue keeps
 * zlib's thread busy while the parser runs. When the expansion passes `switchAt`,
 * it decodes again from the start with the TypeScript inflater, which checks
 * every member's CRC-32 and length, handing out only what comes after the bytes
 * already given. The redo costs what the inflater needs for the prefix: little,
 * since the switch happens where the data became extreme.
 */
export async function gunzipBlobInto(blob: Blob, onData: (chunk: Uint8Array) => void, opts: GunzipIntoOptions = {}): Promise<void> {
  let inputSeen = 0;
  const shown = onceEach(opts.onInput);
  const onInput = (chunk: Uint8Array, off: number) => {
    inputSeen = Math.max(inputSeen, off + chunk.length);
    shown(chunk, off);
  };
  const sw = opts.gunzip ? null : opts.switchAt === undefined ? DEFAULT_INFLATE_SWITCH : opts.switchAt;
  let emitted = 0;
  let winOut = 0;
  let winIn = 0;
  /** Hands a piece on; true when decoding should move to the TypeScript inflater. */
  const take = (value: Uint8Array): boolean => {
    emitted += value.length;
    onData(value);
    if (sw && emitted - winOut >= sw.windowBytes) {
      if (emitted - winOut >= sw.ratio * Math.max(1, inputSeen - winIn)) return true;
      winOut = emitted;
      winIn = inputSeen;
    }
    return false;
  };
  /** Reads `reader` to its end into take(), after dropping its first `skip` bytes (already handed out); true: switch. */
  const drain = async (reader: ReadableStreamDefaultReader<Uint8Array>, skip: number): Promise<boolean> => {
    const repeated = new RepeatedPrefix(skip);
    try {
      for (;;) {
        throwIfAborted(opts.signal);
        const { done, value } = await reader.read();
        if (done) return false;
        const v = repeated.pass(value);
        if (v && take(v)) return true;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  };
  let switched: boolean;
  if (!opts.gunzip && typeof DecompressionStream !== 'undefined') {
    const r = await nativeGunzipInto(
      blob,
      new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
      take,
      onInput,
      opts.signal,
    );
    if (r.failed) {
      const nativeError = r.failed.e instanceof Error ? r.failed.e.message : String(r.failed.e);
      try {
        switched = await drain(fflateGunzipStream(tappedStream(blob, onInput)).getReader(), emitted);
      } catch (e) {
        throw fallbackFailure(e, nativeError);
      }
    } else switched = r.switched;
  } else {
    switched = await drain(decompressBlob(blob, 'gzip', { signal: opts.signal, gunzip: opts.gunzip, onInput }).getReader(), 0);
  }
  if (!switched) return;
  opts.onSwitch?.(emitted);
  const repeated = new RepeatedPrefix(emitted);
  const inf = new Inflater({
    reuseOutput: true,
    onData: (c) => {
      const v = repeated.pass(c);
      if (v) onData(v);
    },
  });
  const src = (blob.stream() as ReadableStream<Uint8Array>).getReader();
  let off = 0;
  try {
    for (;;) {
      const r = await src.read();
      if (r.done) break;
      // Sliced: one slice inflates to at most ~66 MiB (1032:1), so cancellation and
      // progress (each slice's stored bytes are shown as it is decoded) stay prompt.
      for (let o = 0; o < r.value.length; o += GZIP_INPUT_SLICE) {
        if (opts.signal?.aborted) throw cancelled();
        const slice = r.value.subarray(o, Math.min(r.value.length, o + GZIP_INPUT_SLICE));
        onInput(slice, off + o);
        inf.push(slice);
      }
      off += r.value.length;
    }
    inf.push(new Uint8Array(0), true);
  } catch (e) {
    src.cancel().catch(() => {});
    throw e;
  }
}

/**
 * Bounds on decompressing a whole archive (`.tar.gz`, `.tar.zst`) before its
 * entries can be read: the expanded size may be at most
 *   min(ARCHIVE_EXPANSION_MAX_BYTES, max(ARCHIVE_EXPANSION_FLOOR_BYTES, ARCHIVE_EXPANSION_MAX_RATIO × stored size)).
 * Why these: gzip of real image content (binaries, text, already-compressed
 * layers) stays under ~10:1; deflate's own maximum is 1032:1, reached only by
 * runs of one byte value — a decompression bomb — so 100:1 leaves a 10× margin.
 * The floor lets any archive expand to 1 GiB whatever its ratio (a small image
 * of mostly empty files). The cap, 32 GiB, is above the largest images seen
 * (CUDA and model images reach ~20 GB) and is what the page asks the browser to
 * keep on disk. Past the bound the decompression stops with a sentence saying
 * what was found and what to do: decompress the file first, since an
 * uncompressed archive is read by offset and never unpacked.
 */
export const ARCHIVE_EXPANSION_MAX_RATIO = 100;
export const ARCHIVE_EXPANSION_FLOOR_BYTES = 1024 ** 3;
export const ARCHIVE_EXPANSION_MAX_BYTES = 32 * 1024 ** 3;

export interface ExpansionLimit {
  maxRatio: number;
  floorBytes: number;
  maxBytes: number;
}

export const DEFAULT_EXPANSION_LIMIT: ExpansionLimit = {
  maxRatio: ARCHIVE_EXPANSION_MAX_RATIO,
  floorBytes: ARCHIVE_EXPANSION_FLOOR_BYTES,
  maxBytes: ARCHIVE_EXPANSION_MAX_BYTES,
};

/** The most a `storedSize`-byte compressed archive may expand to under `limit`. */
export function expansionBound(storedSize: number, limit: ExpansionLimit = DEFAULT_EXPANSION_LIMIT): number {
  return Math.min(limit.maxBytes, Math.max(limit.floorBytes, limit.maxRatio * storedSize));
}

const gb = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)} MB`);

/**
 * Parts of the Blob a decompressed archive is gathered into: 8 MiB keeps the
 * number of parts small without large copies. Each part becomes a Blob of its
 * own as soon as it is full, so the page holds at most one part in JS memory;
 * browsers keep Blob data outside the page's heap (Chromium: in the browser
 * process, paged to disk past its in-memory quota).
 */
export const BLOB_PART_BYTES = 8 * 1024 * 1024;

/**
 * Where a decompressed archive is kept. The default gathers it into a Blob of
 * Blobs; Node's Blobs live in memory, so the command line passes a temporary
 * file instead (src/cli/nodeIo.ts `tempFileSink`).
 */
export interface DecompressedSink {
  write(chunk: Uint8Array): void;
  /** All written: the bytes as a Blob. */
  finish(): Blob;
  /** The decompression failed or was cancelled: drop what was written. */
  abort(): void;
}

/** The default sink: 8 MiB parts, each handed to a Blob as soon as it is full. */
export function blobSink(): DecompressedSink {
  let parts: Blob[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pendingBytes === 0) return;
    const part = new Uint8Array(pendingBytes);
    let o = 0;
    for (const p of pending) {
      part.set(p, o);
      o += p.length;
    }
    parts.push(new Blob([part as BlobPart]));
    pending = [];
    pendingBytes = 0;
  };
  return {
    write(chunk) {
      // Decoders may reuse their output buffer: keep a copy (of at most one chunk) until the part is full.
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= BLOB_PART_BYTES) flush();
    },
    finish() {
      flush();
      return new Blob(parts);
    },
    abort() {
      parts = [];
      pending = [];
      pendingBytes = 0;
    },
  };
}

export interface DecompressToBlobOptions {
  signal?: AbortSignal;
  onProgress?(storedBytesRead: number, storedBytesTotal: number): void;
  gunzip?: DecompressBlobOptions['gunzip'];
  sink?: DecompressedSink;
  /** Bounds on the expanded size (default DEFAULT_EXPANSION_LIMIT). */
  limit?: ExpansionLimit;
}

/**
 * Decompress a whole archive into `opts.sink` (default a Blob), stopping with a
 * LIMIT error before the output passes expansionBound(): the sink never receives
 * a byte beyond it (the command line's temporary file stays within the bound).
 */
export async function decompressToBlob(blob: Blob, c: Compression, opts: DecompressToBlobOptions = {}): Promise<Blob> {
  if (c === 'none') return blob;
  const sink = opts.sink ?? blobSink();
  const bound = expansionBound(blob.size, opts.limit);
  let storedRead = 0;
  let written = 0;
  const reader = decompressBlob(blob, c, {
    signal: opts.signal,
    gunzip: opts.gunzip,
    onInput: (chunk, off) => {
      storedRead = Math.max(storedRead, off + chunk.length);
    },
  }).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (written + value.length > bound) {
        reader.cancel().catch(() => {});
        const name = c === 'gzip' ? 'gzip' : 'zstd';
        throw new LayerscopeError(
          'LIMIT',
          `This ${name}-compressed archive expands to more than ${gb(bound)} (its first ${gb(storedRead)} of ${gb(blob.size)} already gave ${gb(written + value.length)}, ${Math.round((written + value.length) / Math.max(1, storedRead))}:1; real images compress about 2–10:1), so decompressing it was stopped there. If it is a genuine image, decompress it first (gunzip -k FILE, or zstd -d FILE) and open the .tar: an uncompressed archive is read in place, without unpacking.`,
          { offset: written },
        );
      }
      sink.write(value);
      written += value.length;
      opts.onProgress?.(storedRead, blob.size);
    }
  } catch (e) {
    sink.abort();
    throw e;
  }
  return sink.finish();
}
