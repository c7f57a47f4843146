/**
 * Layer and archive compression: detected by magic bytes only (never by a file
 * name or media type), decompressed as streams so a multi-GB layer never sits
 * in memory.
 *
 * gzip (RFC 1952) goes through the platform's native DecompressionStream — in
 * Chromium about 2–3× faster than a JS inflate — with fflate as the fallback:
 * a stream of several gzip members (pigz, `cat a.gz b.gz`; RFC 1952 §2.2 "a gzip
 * file consists of a series of members") is refused by some native
 * implementations as "trailing junk", so when the native stream errors we
 * restart with fflate, which decodes every member, and skip the bytes already
 * handed out. fflate does not check the gzip trailer (CRC-32 and ISIZE, RFC 1952
 * §2.3.1), so the fallback checks every member's trailer itself: without that, data
 * the native decoder rejected as corrupt ("incorrect data check") would come out of
 * the fallback as silent garbage, and a stream cut inside its last trailer would pass.
 * zstd (RFC 8878) goes through fzstd's streaming decoder.
 *
 * Errors: BAD_GZIP / BAD_ZSTD for corrupt data, TRUNCATED when the stream stops
 * early; `offset` is the number of uncompressed bytes produced before the failure
 * (where the damage shows in the tar stream); the message names the compressed offset.
 */
import { Gunzip } from 'fflate';
import { Decompress as ZstdDecompress } from 'fzstd';
import { LayerscopeError, cancelled } from '../errors';
import type { Compression } from '../types';

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

/** Maps a decoder exception to a LayerscopeError (fflate code 0 / fzstd code 5 = "unexpected EOF"). */
function decodeError(e: unknown, code: 'BAD_GZIP' | 'BAD_ZSTD', produced: number, consumed: number): LayerscopeError {
  if (e instanceof LayerscopeError) return e;
  const name = code === 'BAD_GZIP' ? 'gzip' : 'zstd';
  const ecode = (e as { code?: unknown }).code;
  const eof = code === 'BAD_GZIP' ? ecode === 0 : ecode === 5;
  if (eof) return new LayerscopeError('TRUNCATED', `the ${name} stream ends early (truncated)`, { offset: produced, cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  return new LayerscopeError(code, `corrupt ${name} data near compressed byte ${consumed}: ${msg}`, { offset: produced, cause: e });
}

/** Wrap a push-style JS decoder (fflate, fzstd) as a TransformStream. */
function pushTransform(make: (emit: (chunk: Uint8Array) => void) => PushDecoder, code: 'BAD_GZIP' | 'BAD_ZSTD'): TransformStream<Uint8Array, Uint8Array> {
  let out: Uint8Array[] = [];
  let dec: PushDecoder;
  let consumed = 0;
  let produced = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    start() {
      dec = make((c) => {
        produced += c.length;
        out.push(c);
      });
    },
    transform(chunk, controller) {
      consumed += chunk.length;
      try {
        dec.push(chunk, false);
      } catch (e) {
        throw decodeError(e, code, produced, consumed);
      }
      for (const c of out) controller.enqueue(c);
      out = [];
    },
    flush(controller) {
      if (consumed === 0) throw new LayerscopeError('TRUNCATED', `the ${code === 'BAD_GZIP' ? 'gzip' : 'zstd'} stream is empty`, { offset: 0 });
      try {
        dec.push(new Uint8Array(0), true);
      } catch (e) {
        throw decodeError(e, code, produced, consumed);
      }
      for (const c of out) controller.enqueue(c);
      out = [];
    },
  });
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

/** fflate's streaming gunzip with trailer checks; decodes every member of a multi-member stream. */
export function fflateGunzip(): TransformStream<Uint8Array, Uint8Array> {
  return pushTransform((emit) => new CheckedGunzip(emit), 'BAD_GZIP');
}

export function zstdDecoder(): TransformStream<Uint8Array, Uint8Array> {
  return pushTransform((emit) => new ZstdDecompress((chunk) => emit(chunk)), 'BAD_ZSTD');
}

function nativeGunzip(input: ReadableStream<Uint8Array>, gunzip?: () => ReadableWritablePair<Uint8Array, Uint8Array>): ReadableStream<Uint8Array> | null {
  if (gunzip) return input.pipeThrough(gunzip());
  if (typeof DecompressionStream === 'undefined') return null;
  return input.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
}

/**
 * A one-shot stream through a decoder. It cannot be re-read, so the native gzip
 * decoder (which some platforms stop at the first member) cannot be tried first:
 * gzip goes through fflate, which decodes every member. Prefer decompressBlob.
 */
export function decompressStream(input: ReadableStream<Uint8Array>, c: Compression): ReadableStream<Uint8Array> {
  if (c === 'none') return input;
  if (c === 'zstd') return input.pipeThrough(zstdDecoder());
  return input.pipeThrough(fflateGunzip());
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
}

/** Native decoders' words for a stream cut short (Node/zlib: "unexpected end of file"; Chromium: "Compressed input was truncated"). */
const NATIVE_TRUNCATED_RE = /end of (file|stream|input)|truncated|premature/i;

export function decompressBlob(blob: Blob, c: Compression, opts: DecompressBlobOptions = {}): ReadableStream<Uint8Array> {
  // High-water mark of stored bytes already shown to onInput (the fallback re-reads from 0).
  let seenInput = 0;
  const source = (): ReadableStream<Uint8Array> => {
    const raw = blob.stream() as ReadableStream<Uint8Array>;
    const onInput = opts.onInput;
    if (!onInput) return raw;
    let off = 0;
    return raw.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          const end = off + chunk.length;
          if (end > seenInput) {
            onInput(off >= seenInput ? chunk : chunk.subarray(seenInput - off), Math.max(off, seenInput));
            seenInput = end;
          }
          off = end;
          controller.enqueue(chunk);
        },
      }),
    );
  };
  if (c === 'none') return source();
  if (c === 'zstd') return source().pipeThrough(zstdDecoder());
  let reader = (nativeGunzip(source(), opts.gunzip) ?? source().pipeThrough(fflateGunzip())).getReader();
  let usingFallback = !opts.gunzip && typeof DecompressionStream === 'undefined';
  let nativeError: string | null = null;
  let emitted = 0;
  let skip = 0;
  return new ReadableStream<Uint8Array>({
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
            let err =
              e instanceof LayerscopeError
                ? e
                : new LayerscopeError('BAD_GZIP', `corrupt gzip data: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
            // When both decoders fail, the native one's verdict on truncation is the
            // better one: fflate cannot tell "cut short" from "garbage that parses as a
            // long deflate block", and a cut last member only shows as a bad trailer.
            if (nativeError !== null && err.code !== 'CANCELLED' && err.code !== 'IO') {
              const nativeSaysTruncated = NATIVE_TRUNCATED_RE.test(nativeError);
              if (nativeSaysTruncated && err.code !== 'TRUNCATED') {
                err = new LayerscopeError('TRUNCATED', 'the gzip stream ends early (truncated)', { offset: err.offset, cause: err });
              } else if (!nativeSaysTruncated && err.code === 'TRUNCATED') {
                err = new LayerscopeError('BAD_GZIP', `corrupt gzip data: ${nativeError}`, { offset: err.offset, cause: err });
              }
            }
            controller.error(err);
            return;
          }
          nativeError = e instanceof Error ? e.message : String(e);
          usingFallback = true;
          skip = emitted;
          reader = source().pipeThrough(fflateGunzip()).getReader();
          continue;
        }
        if (r.done) {
          controller.close();
          return;
        }
        let v = r.value;
        if (skip > 0) {
          if (v.length <= skip) {
            skip -= v.length;
            continue;
          }
          v = v.subarray(skip);
          skip = 0;
        }
        emitted += v.length;
        controller.enqueue(v);
        return;
      }
    },
    cancel() {
      return reader.cancel().catch(() => {});
    },
  });
}

/**
 * Chunks gathered into one Blob: for a whole `.tar.gz` archive, which must be
 * decompressed before its entries can be sliced. Browsers back large Blobs with
 * disk; 8 MiB parts keep the number of parts small without large copies.
 */
export const BLOB_PART_BYTES = 8 * 1024 * 1024;

/**
 * Where a decompressed archive is kept. The default gathers it into a Blob, which
 * browsers back with disk; Node's Blobs live in memory, so the command line passes
 * a temporary file instead (src/cli/nodeIo.ts `tempFileSink`).
 */
export interface DecompressedSink {
  write(chunk: Uint8Array): void;
  /** All written: the bytes as a Blob. */
  finish(): Blob;
  /** The decompression failed or was cancelled: drop what was written. */
  abort(): void;
}

/** The default sink: 8 MiB parts of one Blob. */
export function blobSink(): DecompressedSink {
  const parts: Uint8Array[] = [];
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
    parts.push(part);
    pending = [];
    pendingBytes = 0;
  };
  return {
    write(chunk) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= BLOB_PART_BYTES) flush();
    },
    finish() {
      flush();
      return new Blob(parts as BlobPart[]);
    },
    abort() {
      parts.length = 0;
      pending = [];
    },
  };
}

export async function decompressToBlob(
  blob: Blob,
  c: Compression,
  opts: {
    signal?: AbortSignal;
    onProgress?(storedBytesRead: number, storedBytesTotal: number): void;
    gunzip?: DecompressBlobOptions['gunzip'];
    sink?: DecompressedSink;
  } = {},
): Promise<Blob> {
  if (c === 'none') return blob;
  const sink = opts.sink ?? blobSink();
  let storedRead = 0;
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
      sink.write(value);
      opts.onProgress?.(storedRead, blob.size);
    }
  } catch (e) {
    sink.abort();
    throw e;
  }
  return sink.finish();
}
