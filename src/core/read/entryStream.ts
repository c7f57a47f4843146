/**
 * A file's contents (or a whole decoded layer) as a stream of bounded chunks,
 * for downloads of any size: the one-shot read (contents.ts) returns one buffer,
 * which for a multi-gigabyte file is more than a tab may hold ("ArrayBuffer …
 * exceeds the supported range", issue 9 point 4).
 *
 * The stream is pull-driven: nothing is decoded until the consumer asks, and at
 * most one chunk is being filled at a time — memory does not depend on the file's
 * size. The same producer feeds every sink (a worker posting chunks to the page,
 * a writable file from showSaveFilePicker, a disk-backed Blob).
 *
 * Where the bytes come from is as for readEntryBytes: slices of an uncompressed
 * layer; a gzip layer resumed from a checkpoint (read/inflate/resume.ts); or the
 * layer decoded from its start, skipping to the file.
 */
import { decompressBlob } from './compression';
import type { Checkpoint } from './inflate/inflater';
import { Inflater } from './inflate/inflater';
import { primedNativeDecoder } from './inflate/resume';
import { LayerscopeError, cancelled, throwIfAborted } from '../errors';
import type { Compression } from '../types';

/**
 * Downloads move in chunks of 1 MiB: big enough that posting one (a transfer, not a
 * copy) or writing one to disk costs little per byte, small enough that the few in
 * flight are no memory concern (a 2 GiB file is 2048 chunks).
 */
export const STREAM_CHUNK_BYTES = 1024 * 1024;

/**
 * Compressed input is handed to the TypeScript inflater in slices of 16 KiB: deflate
 * expands at most 1032:1 (RFC 1951's longest match per 2 bits), so one slice yields
 * at most ~16.5 MB before the stream gets a chance to hand it on.
 */
export const INFLATER_FEED_BYTES = 16 * 1024;

/**
 * Chunks a worker may post ahead of the page's reading them: decoding overlaps with
 * writing, and at most this many chunks (4 MiB) wait in the page's queue.
 */
export const STREAM_WINDOW_CHUNKS = 4;

/**
 * Regroups arbitrary pieces into owned chunks of exactly `size` bytes (the last may be
 * shorter). Each chunk is a fresh buffer, so it may be transferred or kept while the
 * decoder reuses its own output buffer.
 */
export class ChunkAssembler {
  private buf: Uint8Array;
  private fill = 0;
  constructor(readonly size = STREAM_CHUNK_BYTES) {
    if (!(size > 0)) throw new RangeError('chunk size must be positive');
    this.buf = new Uint8Array(size);
  }
  /** Adds `piece`; returns the chunks it completed (often none, at most ⌈piece/size⌉ + 1). */
  push(piece: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let p = piece;
    while (p.length > 0) {
      const n = Math.min(p.length, this.size - this.fill);
      this.buf.set(p.subarray(0, n), this.fill);
      this.fill += n;
      p = p.subarray(n);
      if (this.fill === this.size) {
        out.push(this.buf);
        this.buf = new Uint8Array(this.size);
        this.fill = 0;
      }
    }
    return out;
  }
  /** What is left (a short last chunk), or null. */
  flush(): Uint8Array | null {
    if (this.fill === 0) return null;
    const last = this.buf.slice(0, this.fill);
    this.fill = 0;
    return last;
  }
  /** Bytes waiting for a chunk to fill. */
  get pending(): number {
    return this.fill;
  }
}

/**
 * An async iterable of pieces as a pull-driven ReadableStream of owned chunks:
 * the source is advanced only when the consumer reads, so a slow consumer (a
 * disk, a worker's peer) holds the producer back.
 */
export function chunkedStream(source: () => AsyncIterator<Uint8Array>, size = STREAM_CHUNK_BYTES): ReadableStream<Uint8Array> {
  const asm = new ChunkAssembler(size);
  let it: AsyncIterator<Uint8Array> | null = null;
  let ready: Uint8Array[] = [];
  let ended = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        it ??= source();
        while (ready.length === 0 && !ended) {
          const r = await it.next();
          if (r.done) {
            ended = true;
            const last = asm.flush();
            if (last) ready.push(last);
          } else ready = asm.push(r.value);
        }
        const next = ready.shift();
        if (next) controller.enqueue(next);
        else controller.close();
        if (ended && ready.length === 0 && next) controller.close();
      },
      async cancel(reason) {
        ready = [];
        await it?.return?.(reason);
      },
    },
    // nothing is decoded ahead of a read: the consumer (a credit window, a disk) sets the pace
    { highWaterMark: 0 },
  );
}

export interface EntryStreamOptions {
  signal?: AbortSignal;
  /** gzip: the layer's last resume point at or before the data (read/inflate/resume.ts). */
  checkpoint?: Checkpoint | null;
  /** Use the platform's raw-deflate decoder from a checkpoint when it has one (default true; false for tests). */
  native?: boolean;
  chunkBytes?: number;
}

/**
 * `size` bytes of the layer's uncompressed stream from `dataOffset`, as a stream of
 * chunks of `chunkBytes` (STREAM_CHUNK_BYTES). Errors TRUNCATED when the layer ends
 * first, CANCELLED when the signal fires.
 */
export function readEntryStream(
  layerBlob: Blob,
  compression: Compression,
  dataOffset: number,
  size: number,
  opts: EntryStreamOptions = {},
): ReadableStream<Uint8Array> {
  return chunkedStream(() => entryPieces(layerBlob, compression, dataOffset, size, opts)[Symbol.asyncIterator](), opts.chunkBytes);
}

const truncated = (offset: number) => new LayerscopeError('TRUNCATED', 'the layer ends before this file’s data', { offset });

/** The wanted bytes as they come out of the decoder (views of its buffers; chunkedStream copies them). */
async function* entryPieces(blob: Blob, c: Compression, dataOffset: number, size: number, opts: EntryStreamOptions): AsyncGenerator<Uint8Array> {
  if (size <= 0) return;
  const signal = opts.signal;
  if (c === 'none') {
    if (dataOffset + size > blob.size) throw truncated(dataOffset);
    const step = opts.chunkBytes ?? STREAM_CHUNK_BYTES;
    for (let o = 0; o < size; o += step) {
      throwIfAborted(signal);
      yield new Uint8Array(await blob.slice(dataOffset + o, dataOffset + Math.min(size, o + step)).arrayBuffer());
    }
    return;
  }
  let got = 0;
  const cp = opts.checkpoint;
  if (c === 'gzip' && cp && cp.out <= dataOffset) {
    if ((opts.native ?? true) && !cp.member && nativeRawDeflate()) {
      // The platform decoder stops at the end of a gzip member; the inflater goes on from there.
      for await (const piece of nativeFrom(blob, cp, dataOffset, size, signal)) {
        got += piece.length;
        yield piece;
      }
      if (got === size) return;
    }
    yield* inflaterFrom(blob, cp, dataOffset + got, size - got, signal);
    return;
  }
  const reader = decompressBlob(blob, c, { signal }).getReader();
  let pos = 0;
  try {
    while (got < size) {
      throwIfAborted(signal);
      const { done, value } = await reader.read();
      if (done) throw truncated(pos);
      const piece = cut(value, pos, dataOffset + got, size - got);
      pos += value.length;
      if (piece) {
        got += piece.length;
        yield piece;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** The part of `chunk` (at uncompressed offset `pos`) in [from, from + want), or null. */
function cut(chunk: Uint8Array, pos: number, from: number, want: number): Uint8Array | null {
  const a = Math.max(0, from - pos);
  const b = Math.min(chunk.length, from + want - pos);
  return b > a ? chunk.subarray(a, b) : null;
}

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

/** The platform decoder primed from `cp` (resume.ts explains the priming); ends quietly where it cannot go on. */
async function* nativeFrom(blob: Blob, cp: Checkpoint, offset: number, want: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const dec = primedNativeDecoder(blob, cp);
  let pos = cp.out - cp.window.length;
  let got = 0;
  try {
    while (got < want) {
      if (signal?.aborted) throw cancelled();
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await dec.read();
      } catch {
        return; // the end of the member (trailer, next header): inflaterFrom goes on
      }
      if (r.done) return;
      const piece = cut(r.value, pos, offset + got, want - got);
      pos += r.value.length;
      if (piece) {
        got += piece.length;
        yield piece;
      }
    }
  } finally {
    dec.cancel().catch(() => {});
  }
}

/** The TypeScript inflater from `cp`, across gzip members, fed in INFLATER_FEED_BYTES slices. */
async function* inflaterFrom(blob: Blob, cp: Checkpoint, offset: number, want: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (want <= 0) return;
  let pos = cp.out;
  let got = 0;
  let out: Uint8Array[] = [];
  const inf = new Inflater({
    format: 'gzip',
    resume: cp,
    onData: (c) => {
      const piece = cut(c, pos, offset + got, want - got);
      pos += c.length;
      if (piece) {
        // the inflater reuses its window: keep a copy until it is yielded
        out.push(piece.slice());
        got += piece.length;
      }
    },
  });
  const reader = (blob.slice(Math.floor(cp.bit / 8)).stream() as ReadableStream<Uint8Array>).getReader();
  try {
    while (got < want) {
      if (signal?.aborted) throw cancelled();
      const r = await reader.read();
      if (r.done) {
        inf.push(new Uint8Array(0), true);
        yield* out;
        out = [];
        break;
      }
      for (let i = 0; i < r.value.length && got < want; i += INFLATER_FEED_BYTES) {
        inf.push(r.value.subarray(i, i + INFLATER_FEED_BYTES), false);
        yield* out;
        out = [];
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  if (got < want) throw truncated(pos);
}

/**
 * Flow control for a stream posted across a message channel (a worker to the page):
 * the sender may have at most `window` chunks unacknowledged; `take()` waits for a
 * credit, `give()` returns one when the receiver has consumed a chunk.
 */
export class CreditGate {
  private credits: number;
  private waiting: Array<() => void> = [];
  private closed = false;
  constructor(window = STREAM_WINDOW_CHUNKS) {
    this.credits = window;
  }
  /** Resolves when a chunk may be sent (false once closed). */
  async take(): Promise<boolean> {
    while (this.credits === 0 && !this.closed) await new Promise<void>((r) => this.waiting.push(r));
    if (this.closed) return false;
    this.credits--;
    return true;
  }
  give(n = 1): void {
    this.credits += n;
    this.wake();
  }
  /** Releases every waiter (the stream was cancelled). */
  close(): void {
    this.closed = true;
    this.wake();
  }
  get available(): number {
    return this.credits;
  }
  private wake() {
    const w = this.waiting;
    this.waiting = [];
    for (const r of w) r();
  }
}

/**
 * Sends every chunk of `stream` through `post`, never more than the gate allows
 * ahead of the receiver. Returns the bytes sent.
 */
export async function pumpWithCredit(
  stream: ReadableStream<Uint8Array>,
  gate: CreditGate,
  post: (chunk: Uint8Array) => void,
  signal?: AbortSignal,
): Promise<number> {
  const reader = stream.getReader();
  let sent = 0;
  try {
    for (;;) {
      if (!(await gate.take())) throw cancelled();
      throwIfAborted(signal);
      const { done, value } = await reader.read();
      if (done) return sent;
      sent += value.length;
      post(value);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
