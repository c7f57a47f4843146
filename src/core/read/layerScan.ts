/**
 * Scan one layer into the compact LayerIndex (types.ts): the code a scan worker
 * runs, and the command line in-process.
 *
 * - Uncompressed layers are read header by header, skipping file data by offset
 *   (scanTarBlob over a byte source: one forward Blob.stream in the page, pread
 *   in the command line; read/tar/byteSource.ts): a 900 MB layer costs a few MB of reads.
 * - gzip / zstd layers stream through the decoder into the tar state machine;
 *   the stored and uncompressed bytes are hashed in the same pass when asked
 *   (they pass through the CPU anyway), for the integrity check.
 *
 * Whiteouts are classified as they are read (model/whiteout.ts, OCI image-spec
 * layer.md "Whiteouts"): a basename `.wh..wh..opq` is an opaque-directory
 * marker, other `.wh..wh.*` names are metadata (AUFS), `.wh.<name>` deletes
 * `<name>` from lower layers.
 *
 * A corrupt or truncated layer does not throw: the entries read before the
 * damage are kept and `error` says what happened and where. Only cancellation
 * throws.
 */
import { TarParser } from './tar/parser';
import { scanTarBlob } from './tar/scan';
import { decompressBlob, gunzipBlobInto, sniffBlob, type InflateSwitch } from './compression';
import type { Hasher } from '../sha256';
import { defaultCodecs, type Codecs } from '../codecs';
import { hashBlob } from './verify';
import { LayerscopeError, isLayerscopeError, cancelled, isCancelled, throwIfAborted } from '../errors';
import { EntryKind, type Compression, type EngineWarning, type LayerIndex, type TarEntry } from '../types';
import { classifyWhiteout } from '../model/whiteout';
import { scanTocLayer, seekTableOf, tocUnusable } from './toc/tocScan';
import type { TocInfo } from './toc/types';
import { SEEK_HINT_SPACING } from './speculativeRead';
import { ScanWindowRecorder } from './scanWindows';

/** Refuse layers with more entries than this: 5 M entries is ~10× the largest real images, and bounds memory (~100 B/entry). */
export const MAX_LAYER_ENTRIES = 5_000_000;
/** Report progress at most this often (bytes of the stored blob), so a worker does not flood the page with messages. */
export const PROGRESS_EVERY_BYTES = 1024 * 1024;
/**
 * …and at most this often in time. Per MiB alone, the 366 MB gzip benchmark image posted
 * ~370 progress messages in a 3–5 s load (~90 a second, each a structured clone in the
 * worker and a task on the page's main thread, issue 13), while the page shows progress
 * only every FLUSH_INTERVAL_MS (250 ms, state/loadSlice.ts): 100 ms keeps what it shows
 * at most that old and cuts the messages to ~10 a second per layer.
 */
export const PROGRESS_MIN_INTERVAL_MS = 100;

/**
 * The scan's progress gate: whether `read` bytes of `total` are reported now — the first
 * report at once, the end always, in between at least PROGRESS_EVERY_BYTES and
 * PROGRESS_MIN_INTERVAL_MS after the last one reported.
 */
export function progressGate(total: number, now: () => number = () => performance.now()): (read: number) => boolean {
  let lastRead = Number.NEGATIVE_INFINITY;
  let lastAt = Number.NEGATIVE_INFINITY;
  return (read) => {
    if (read !== total) {
      if (read - lastRead < PROGRESS_EVERY_BYTES) return false;
      const t = now();
      if (t - lastAt < PROGRESS_MIN_INTERVAL_MS) return false;
      lastAt = t;
    }
    lastRead = read;
    return true;
  };
}
/** First capacity of the column arrays; they double as needed. */
const INITIAL_CAPACITY = 1024;

/** Growable column store for one layer's entries; no per-entry objects survive. */
export class LayerIndexBuilder {
  count = 0;
  private cap = INITIAL_CAPACITY;
  paths: string[] = [];
  kinds = new Uint8Array(this.cap);
  sizes = new Float64Array(this.cap);
  modes = new Uint16Array(this.cap);
  uids = new Uint32Array(this.cap);
  gids = new Uint32Array(this.cap);
  mtimes = new Float64Array(this.cap);
  dataOffsets = new Float64Array(this.cap);
  linkIds = new Int32Array(this.cap);
  links: string[] = [];
  private linkIntern = new Map<string, number>();
  xattrs = new Map<number, Record<string, Uint8Array>>();
  devs = new Map<number, [number, number]>();

  private grow() {
    this.cap *= 2;
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(this.cap);
      b.set(a);
      return b;
    };
    this.kinds = g(this.kinds);
    this.sizes = g(this.sizes);
    this.modes = g(this.modes);
    this.uids = g(this.uids);
    this.gids = g(this.gids);
    this.mtimes = g(this.mtimes);
    this.dataOffsets = g(this.dataOffsets);
    this.linkIds = g(this.linkIds);
  }

  add(e: TarEntry): void {
    if (this.count >= MAX_LAYER_ENTRIES) throw new LayerscopeError('LIMIT', `more than ${MAX_LAYER_ENTRIES} entries in one layer`, { offset: e.headerOffset });
    if (this.count === this.cap) this.grow();
    const i = this.count++;
    const kind = classifyWhiteout(e.path, e.kind);
    this.paths.push(e.path);
    this.kinds[i] = kind;
    this.sizes[i] = kind === EntryKind.File ? e.size : 0;
    this.modes[i] = e.mode & 0o7777;
    this.uids[i] = e.uid >>> 0;
    this.gids[i] = e.gid >>> 0;
    this.mtimes[i] = e.mtime;
    this.dataOffsets[i] = e.dataOffset;
    if (e.linkname && (kind === EntryKind.Symlink || kind === EntryKind.Hardlink)) {
      let id = this.linkIntern.get(e.linkname);
      if (id === undefined) {
        id = this.links.length;
        this.links.push(e.linkname);
        this.linkIntern.set(e.linkname, id);
      }
      this.linkIds[i] = id;
    } else {
      this.linkIds[i] = -1;
    }
    if (e.xattrs && Object.keys(e.xattrs).length > 0) this.xattrs.set(i, e.xattrs);
    if (kind === EntryKind.Char || kind === EntryKind.Block) this.devs.set(i, [e.devmajor, e.devminor]);
  }

  finish(meta: Pick<LayerIndex, 'tarSize' | 'storedSize' | 'compression' | 'diffIdComputed' | 'digestComputed' | 'warnings' | 'error'>): LayerIndex {
    const n = this.count;
    // Exact-length copies: the page receives these by transfer, so no slack crosses the boundary.
    return {
      count: n,
      paths: this.paths,
      kinds: this.kinds.slice(0, n),
      sizes: this.sizes.slice(0, n),
      modes: this.modes.slice(0, n),
      uids: this.uids.slice(0, n),
      gids: this.gids.slice(0, n),
      mtimes: this.mtimes.slice(0, n),
      dataOffsets: this.dataOffsets.slice(0, n),
      linkIds: this.linkIds.slice(0, n),
      links: this.links,
      xattrs: this.xattrs,
      devs: this.devs,
      ...meta,
    };
  }
}

/**
 * A LayerIndex for `paths` with every column zeroed (no links, no xattrs): the
 * start for layers made without scanning a tar (the playground's read-write
 * layer, hand-built layers in tests), which then fill the columns they know.
 */
export function emptyLayerIndex(paths: string[], meta: Partial<Pick<LayerIndex, 'tarSize' | 'storedSize' | 'links'>> = {}): LayerIndex {
  const n = paths.length;
  return {
    count: n,
    paths,
    kinds: new Uint8Array(n),
    sizes: new Float64Array(n),
    modes: new Uint16Array(n),
    uids: new Uint32Array(n),
    gids: new Uint32Array(n),
    mtimes: new Float64Array(n),
    dataOffsets: new Float64Array(n),
    linkIds: new Int32Array(n).fill(-1),
    links: meta.links ?? [],
    xattrs: new Map(),
    devs: new Map(),
    tarSize: meta.tarSize ?? 0,
    storedSize: meta.storedSize ?? 0,
    compression: 'none',
    diffIdComputed: null,
    digestComputed: null,
    warnings: [],
    error: null,
  };
}

export interface ScanLayerOptions {
  signal?: AbortSignal;
  onProgress?(p: { bytesRead: number; bytesTotal: number }): void;
  /**
   * Hash the stored and the uncompressed bytes (integrity). For an uncompressed layer this reads the whole blob.
   * 'diffId': the uncompressed bytes only (`digestComputed` stays null) — what a comparison needs to prove a
   * layer's identity (its diff_id); the stored blob's digest would be one more sha256 over it for nothing.
   */
  hash?: boolean | 'diffId';
  layer?: number;
  /** The host's sha256 and gzip (codecs.ts); default hash-wasm and DecompressionStream. */
  codecs?: Codecs;
  /**
   * List an eStargz / zstd:chunked layer from its table of contents instead of
   * decoding it (read/toc/tocScan.ts), when it is not hashed now (`hash`: the
   * command line decodes every layer to hash it anyway, so it reads the tar itself).
   * Default true.
   */
  toc?: boolean;
  /** Where a gzip layer leaves the platform decoder (compression.ts DEFAULT_INFLATE_SWITCH; null: never): tests lower it. */
  inflateSwitch?: InflateSwitch | null;
}

export async function scanLayer(blob: Blob, opts: ScanLayerOptions = {}): Promise<LayerIndex> {
  const compression: Compression = await sniffBlob(blob);
  const b = new LayerIndexBuilder();
  const warnings: EngineWarning[] = [];
  const handlers = {
    onEntry: (e: TarEntry) => {
      b.add(e);
    },
    onWarning: (w: EngineWarning) => {
      warnings.push(w);
    },
  };
  const total = blob.size;
  const due = progressGate(total);
  const progress = (read: number) => {
    if (due(read)) opts.onProgress?.({ bytesRead: read, bytesTotal: total });
  };
  let toc: TocInfo | null = null;
  if (compression !== 'none' && !opts.hash && opts.toc !== false) {
    try {
      const listed = await scanTocLayer(blob, compression, { signal: opts.signal, layer: opts.layer, codecs: opts.codecs });
      if (listed) {
        progress(total);
        return listed;
      }
      if (compression === 'zstd') toc = await seekTableOf(blob);
    } catch (e) {
      if (opts.signal?.aborted || isCancelled(e)) throw cancelled();
      warnings.push(tocUnusable(compression, e, opts.layer));
    }
  }
  let tarSize = 0;
  let diffId: string | null = null;
  let digest: string | null = null;
  let error: LayerIndex['error'] = null;
  let seekHints: Float64Array | null = null;
  let seekWindows: LayerIndex['seekWindows'] = null;

  if (compression === 'none') {
    try {
      const r = await scanTarBlob(blob, handlers, { signal: opts.signal, layer: opts.layer, onProgress: (read) => progress(read) });
      tarSize = r.tarSize;
    } catch (e) {
      error = toLayerError(e, opts.signal);
      tarSize = total;
    }
    if (opts.hash && !error) {
      diffId = digest = await hashBlob(blob, { signal: opts.signal, codecs: opts.codecs });
    }
  } else {
    const codecs = opts.codecs ?? defaultCodecs;
    const storedHasher: Hasher | null = opts.hash === true ? await codecs.createHasher() : null;
    const tarHasher: Hasher | null = opts.hash ? await codecs.createHasher() : null;
    // High-water mark: after a gzip fallback restart the input is read again from 0.
    let storedSeen = 0;
    const parser = new TarParser(handlers, { layer: opts.layer });
    const onInput = (chunk: Uint8Array, off: number) => {
      const end = off + chunk.length;
      if (end > storedSeen) {
        storedHasher?.update(off >= storedSeen ? chunk : chunk.subarray(storedSeen - off));
        storedSeen = end;
        progress(end);
      }
    };
    // Set when the tar reader fails first. Damaged deflate/zstd data often decodes to
    // garbage before the decoder notices (a gzip CRC-32 is only checked at the end,
    // RFC 1952), so the tar reader sees a bad header first; the rest of the stream is
    // then decoded, without parsing, to learn whether the compressed data is the cause.
    // (typed by assertion: it is set inside the sink, which flow analysis does not see)
    let tarError = null as LayerIndex['error'];
    /** Each decoded piece, in order. */
    // (in, out) pairs for speculative reads (speculativeRead.ts): cheap, a push per MiB
    const hints: number[] = [];
    let nextHint = SEEK_HINT_SPACING;
    // the true window every SCAN_WINDOW_SPACING, for the anchored first read before a digest check's
    // checkpoints exist (scanWindows.ts); a scan that hashes (the command line) has no such check behind it
    const windows = compression === 'gzip' && !opts.hash ? new ScanWindowRecorder() : null;
    const sink = (value: Uint8Array) => {
      tarHasher?.update(value);
      tarSize += value.length;
      // not once all input is in (Node's in-memory Blobs arrive as one chunk): `in` would say nothing
      if (storedSeen < total) windows?.push(value, tarSize, storedSeen);
      if (tarSize >= nextHint) {
        // every output byte so far came from input fed so far: storedSeen bounds where tarSize lies
        hints.push(storedSeen, tarSize);
        nextHint = tarSize + SEEK_HINT_SPACING;
      }
      // Keep reading after the tar's end marker: the diff_id covers every byte.
      if (!parser.finished && !tarError) {
        try {
          parser.push(value);
        } catch (e) {
          tarError = toLayerError(e, opts.signal, tarSize);
        }
      }
    };
    try {
      if (compression === 'gzip') {
        // Pieces go straight from the decoder into the parser (no stream per piece),
        // and a stretch of extreme expansion moves to the TypeScript inflater's
        // large pieces (compression.ts gunzipBlobInto, issue 9 point 3).
        await gunzipBlobInto(blob, sink, { signal: opts.signal, gunzip: codecs.gunzip, onInput, switchAt: opts.inflateSwitch });
      } else {
        const reader = decompressBlob(blob, compression, { signal: opts.signal, onInput }).getReader();
        try {
          for (;;) {
            throwIfAborted(opts.signal);
            const { done, value } = await reader.read();
            if (done) break;
            sink(value);
          }
        } catch (e) {
          reader.cancel().catch(() => {});
          throw e;
        }
      }
      if (compression === 'gzip') seekHints = Float64Array.from(hints);
      if (windows?.windows.length) seekWindows = windows.windows;
      if (!tarError) parser.end();
      if (tarHasher) diffId = tarHasher.digest();
      if (storedHasher) digest = storedHasher.digest();
    } catch (e) {
      const streamError = toLayerError(e, opts.signal, tarSize);
      error = tarError
        ? {
            ...streamError,
            message: `${streamError.message}; the data decoded before that was already not a valid tar: ${tarError.message}`,
            offset: tarError.offset,
          }
        : parser.finished
          ? { ...streamError, afterTarEnd: true }
          : streamError;
    }
    if (!error && tarError) {
      // The compressed stream is sound: the tar inside it is what is broken.
      error = tarError;
      diffId = digest = null;
    }
  }
  throwIfAborted(opts.signal);
  progress(total);
  const index = b.finish({ tarSize, storedSize: total, compression, diffIdComputed: diffId, digestComputed: digest, warnings, error });
  const withHints = seekHints ? { ...index, seekHints, ...(seekWindows ? { seekWindows } : {}) } : index;
  return toc ? { ...withHints, toc } : withHints;
}

function toLayerError(e: unknown, signal: AbortSignal | undefined, offset = 0): NonNullable<LayerIndex['error']> {
  if (signal?.aborted || isCancelled(e)) throw cancelled();
  if (isLayerscopeError(e)) return { code: e.code, message: e.message, offset: e.offset ?? offset };
  return { code: 'IO', message: e instanceof Error ? e.message : String(e), offset };
}
