/**
 * Integrity pass: sha256 of a layer's stored blob (its manifest digest) and of its
 * uncompressed tar (its config diff_id, OCI image-spec config.md "rootfs"), each
 * computed over a stream so a multi-GB layer is never held in memory.
 *
 * Indexing does not hash by default (session.ts `openImage`): in a browser the only
 * incremental sha256 is WebAssembly (hash-wasm, ~190 MB/s on the dev machine, where
 * DecompressionStream inflates ~200 MB/s of tar), so hashing the stored and the
 * uncompressed bytes inline would more than double the time to a usable tree. The
 * page shows the image first and runs this pass behind it.
 *
 * Blob.stream(), not slices: in Chromium a File is read through the browser
 * process, and measured on the 2-core dev machine a stream delivers ~200–400 MB/s
 * where 1 MiB slice reads manage ~80 MB/s (each slice is a separate round trip).
 */
import { defaultCodecs, type Codecs } from '../codecs';
import { decompressBlob } from './compression';
import { LayerscopeError, isLayerscopeError, throwIfAborted } from '../errors';
import { type Checkpoint, Inflater } from './inflate/inflater';
import type { Compression, EngineWarning, LayerIndex } from '../types';
import { LayerIndexBuilder } from './layerScan';
import { TarParser } from './tar/parser';
import { listingFingerprint } from './toc/fingerprint';
import type { FramePoint, ResumePoint } from './toc/types';
import type { PauseSignal } from '../pause';

/** Report progress at most this often, in bytes (keeps worker messages few). */
export const HASH_PROGRESS_BYTES = 4 * 1024 * 1024;

export interface HashOptions {
  signal?: AbortSignal;
  onProgress?(p: { bytesRead: number; bytesTotal: number }): void;
  codecs?: Codecs;
  /**
   * Record resume points for content reads while a gzip layer is decoded (see
   * inflate/inflater.ts): the layer is then decoded by the TypeScript inflater
   * instead of the platform's, and `onCheckpoints` receives them in batches, in order,
   * as the pass goes (a read can use the first ones before the pass ends).
   */
  checkpoints?: { onCheckpoints(points: ResumePoint[]): void };
  /**
   * The layer was listed from its table of contents, whose listing has this
   * fingerprint (toc/fingerprint.ts): the tar decoded here is parsed too, and when
   * its listing differs, it is returned (`LayerDigests.listing`) to replace the TOC's.
   */
  tocFingerprint?: string | null;
  /**
   * Asked before each chunk: the page pauses this pass while a file's contents are read
   * (core/pause.ts), so the read has the CPU; the pass goes on where it stopped.
   */
  pause?: PauseSignal;
}

/**
 * Output between two resume points. A read from a checkpoint decodes at most this
 * much before the file it wants (~10 ms natively on the dev machine), and each point
 * keeps a 32 KiB window: 32 KiB / 2 MiB = 1.56% of the layer's uncompressed size,
 * under the 2% budget (issue 13).
 */
export const CHECKPOINT_SPACING = 2 * 1024 * 1024;
/**
 * Compressed bytes the recording pass hands its inflater at a time, asking between
 * slices whether a read wants it paused (core/pause.ts): ~2–5 ms of TypeScript inflate
 * on the dev machine, so a read waits at most that for the CPU.
 */
export const RECORDING_SLICE_BYTES = 64 * 1024;
/** Resume points are posted in batches of this many (each batch is one worker message). */
export const CHECKPOINT_BATCH = 16;

export async function hashBlob(blob: Blob, opts: HashOptions = {}): Promise<string> {
  const h = await (opts.codecs ?? defaultCodecs).createHasher();
  const reader = (blob.stream() as ReadableStream<Uint8Array>).getReader();
  let read = 0;
  let reported = 0;
  try {
    for (;;) {
      throwIfAborted(opts.signal);
      const { done, value } = await reader.read();
      if (done) break;
      h.update(value);
      read += value.length;
      if (read - reported >= HASH_PROGRESS_BYTES) {
        reported = read;
        opts.onProgress?.({ bytesRead: read, bytesTotal: blob.size });
      }
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
  if (read !== blob.size) throw new LayerscopeError('TRUNCATED', `read ${read} of ${blob.size} bytes`, { offset: read });
  opts.onProgress?.({ bytesRead: read, bytesTotal: blob.size });
  return h.digest();
}

export interface LayerDigests {
  /** sha256 of the stored blob. */
  digest: string;
  /** sha256 of the uncompressed tar (equal to `digest` for an uncompressed layer). */
  diffId: string;
  /** The tar's own listing, when it differs from the TOC's the layer was listed from (see HashOptions.tocFingerprint). */
  listing?: LayerIndex;
}

/**
 * Both digests of one layer in one pass: the stored bytes are hashed as they are
 * read and the decoder's output as it comes out. Progress counts stored bytes.
 */
export async function hashLayer(blob: Blob, compression: Compression, opts: HashOptions = {}): Promise<LayerDigests> {
  if (compression === 'none') {
    const d = await hashBlob(blob, opts);
    return { digest: d, diffId: d };
  }
  const codecs = opts.codecs ?? defaultCodecs;
  if (compression === 'gzip' && opts.checkpoints && !opts.tocFingerprint) {
    try {
      return await hashGzipRecording(blob, opts, codecs);
    } catch (e) {
      if (opts.signal?.aborted || (isLayerscopeError(e) && (e.code === 'CANCELLED' || e.code === 'IO'))) throw e;
      // A stream our inflater refuses (where the platform's accepted it, since the layer
      // indexed): today's path gives the verdict, so the result never depends on which
      // decoder ran. The points recorded before the failure are still right.
    }
  }
  const stored = await codecs.createHasher();
  const tar = await codecs.createHasher();
  let storedSeen = 0;
  let reported = 0;
  // zstd: each frame end at least CHECKPOINT_SPACING past the last point recorded is a
  // place reads can start (no window needed: frames are independent, RFC 8878 §3.1).
  let frames: FramePoint[] = [];
  let lastFrameOut = 0;
  const sendFrames = () => {
    if (frames.length === 0) return;
    opts.checkpoints?.onCheckpoints(frames);
    frames = [];
  };
  const onFrameEnd =
    compression === 'zstd' && opts.checkpoints
      ? (consumed: number, produced: number) => {
          if (produced - lastFrameOut < CHECKPOINT_SPACING || consumed >= blob.size) return;
          lastFrameOut = produced;
          frames.push({ kind: 'frame', in: consumed, inEnd: blob.size, out: produced, size: -1, digest: null });
          if (frames.length >= CHECKPOINT_BATCH) sendFrames();
        }
      : undefined;
  // A TOC-listed layer: its tar is listed here as well, to compare.
  const listed = opts.tocFingerprint ? new TarListing(opts.signal) : null;
  const reader = decompressBlob(blob, compression, {
    signal: opts.signal,
    gunzip: codecs.gunzip,
    onFrameEnd,
    onInput: (chunk, off) => {
      stored.update(chunk);
      storedSeen = off + chunk.length;
      if (storedSeen - reported >= HASH_PROGRESS_BYTES) {
        reported = storedSeen;
        opts.onProgress?.({ bytesRead: storedSeen, bytesTotal: blob.size });
      }
    },
  }).getReader();
  try {
    for (;;) {
      const paused = opts.pause?.wait();
      if (paused) {
        if (opts.pause!.isPaused) sendFrames();
        await paused;
      }
      throwIfAborted(opts.signal);
      const { done, value } = await reader.read();
      if (done) break;
      tar.update(value);
      listed?.push(value);
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    sendFrames();
    throw e;
  }
  sendFrames();
  if (storedSeen !== blob.size) throw new LayerscopeError('TRUNCATED', `read ${storedSeen} of ${blob.size} bytes`, { offset: storedSeen });
  opts.onProgress?.({ bytesRead: blob.size, bytesTotal: blob.size });
  const d: LayerDigests = { digest: stored.digest(), diffId: tar.digest() };
  if (listed) {
    const index = listed.finish(blob.size, compression, d);
    if (listingFingerprint(index, await codecs.createHasher()) !== opts.tocFingerprint) d.listing = index;
  }
  return d;
}

/** The tar's listing built while the digest pass decodes it (as layerScan.ts builds it at indexing). */
class TarListing {
  private readonly b = new LayerIndexBuilder();
  private readonly warnings: EngineWarning[] = [];
  private readonly parser: TarParser;
  private error: LayerIndex['error'] = null;
  private size = 0;
  constructor(private readonly signal?: AbortSignal) {
    this.parser = new TarParser({ onEntry: (e) => void this.b.add(e), onWarning: (w) => void this.warnings.push(w) });
  }
  push(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (this.error || this.parser.finished) return;
    try {
      this.parser.push(chunk);
    } catch (e) {
      this.fail(e);
    }
  }
  private fail(e: unknown): void {
    throwIfAborted(this.signal);
    this.error = isLayerscopeError(e)
      ? { code: e.code, message: e.message, offset: e.offset ?? this.size }
      : { code: 'IO', message: String(e), offset: this.size };
  }
  finish(storedSize: number, compression: Compression, d: LayerDigests): LayerIndex {
    if (!this.error) {
      try {
        this.parser.end();
      } catch (e) {
        this.fail(e);
      }
    }
    return this.b.finish({
      tarSize: this.size,
      storedSize,
      compression,
      diffIdComputed: d.diffId,
      digestComputed: d.digest,
      warnings: this.warnings,
      error: this.error,
    });
  }
}

/**
 * hashLayer for a gzip layer, decoded by the TypeScript inflater so that resume
 * points can be recorded. The member CRC-32s are not checked: the layer already
 * decoded with them checked when it was indexed, and both sha256 digests computed
 * here cover every byte (CRC-32 in JavaScript would cost ~40% of the decoding).
 */
async function hashGzipRecording(blob: Blob, opts: HashOptions, codecs: Codecs): Promise<LayerDigests> {
  const stored = await codecs.createHasher();
  const tar = await codecs.createHasher();
  let pending: Checkpoint[] = [];
  const sink = opts.checkpoints!;
  const inf = new Inflater({
    format: 'gzip',
    checkCrc: false,
    onData: (c) => tar.update(c),
    checkpoints: { spacing: CHECKPOINT_SPACING, onCheckpoint: (c) => pending.push(c) },
  });
  const send = () => {
    if (pending.length === 0) return;
    sink.onCheckpoints(pending);
    pending = [];
  };
  const reader = (blob.stream() as ReadableStream<Uint8Array>).getReader();
  let read = 0;
  let reported = 0;
  try {
    for (;;) {
      throwIfAborted(opts.signal);
      const { done, value } = await reader.read();
      if (done) break;
      stored.update(value);
      // In slices, asking before each whether to pause: a stream chunk may be the whole
      // blob (Node's in-memory Blobs), which the inflater would otherwise take in one go.
      for (let o = 0; o < value.length; o += RECORDING_SLICE_BYTES) {
        const paused = opts.pause?.wait();
        if (paused) {
          // What the pass has recorded so far goes to the page now: the next read can use it.
          if (opts.pause!.isPaused) send();
          await paused;
          throwIfAborted(opts.signal);
        }
        inf.push(value.subarray(o, Math.min(value.length, o + RECORDING_SLICE_BYTES)), false);
      }
      read += value.length;
      if (pending.length >= CHECKPOINT_BATCH) send();
      if (read - reported >= HASH_PROGRESS_BYTES) {
        reported = read;
        send();
        opts.onProgress?.({ bytesRead: read, bytesTotal: blob.size });
      }
    }
    inf.push(new Uint8Array(0), true);
  } catch (e) {
    reader.cancel().catch(() => {});
    send();
    throw e;
  }
  send();
  if (read !== blob.size) throw new LayerscopeError('TRUNCATED', `read ${read} of ${blob.size} bytes`, { offset: read });
  opts.onProgress?.({ bytesRead: blob.size, bytesTotal: blob.size });
  return { digest: stored.digest(), diffId: tar.digest() };
}
