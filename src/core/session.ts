/**
 * The engine facade: open an archive, pick an image, scan its layers (through
 * an injectable scanner: a worker pool in the page, in-process in Node), then
 * compute the union view and the statistics. The page and the command line both
 * go through here, so they cannot disagree about what an image contains.
 *
 * Layers are independent until the union step, so they are scanned in parallel
 * and a layer that fails to read does not take down the others: it is kept as
 * `null` (treated as empty by the union) with its error recorded.
 */
import { openArchive, blobOf, selectImage, type OuterArchive, type OpenOptions as ArchiveOpenOptions } from './read/archive';
import { scanLayer } from './read/layerScan';
import { buildUnion, IncrementalUnion, type UnionModel } from './model/union';
import { computeStats, type ImageStats } from './model/stats';
import { hardlinkWarnings, throughLinkWarnings } from './model/listing';
import { describeError, isCancelled, throwIfAborted } from './errors';
import { hashLayer, type LayerDigests } from './read/verify';
import { PartialUnions, type PartialUnion } from './partialUnions';
import type { ResumePoint } from './read/toc/types';
import type { Codecs } from './codecs';
import { COMPRESSION_SNIFF_BYTES, sniffCompression, type DecompressedSink } from './read/compression';
import type { ArchiveInfo, BlobRef, Compression, ImageInfo, LayerIndex, LayerRef, EngineWarning } from './types';

export interface Progress {
  bytesRead: number;
  bytesTotal: number;
}

/** How one layer is turned into a LayerIndex. The page passes a worker pool. */
export interface LayerScanner {
  /** `hash`: see read/layerScan.ts ScanLayerOptions ('diffId': the uncompressed bytes only; a host may hash both). */
  scan(blob: Blob, layer: number, opts: { signal?: AbortSignal; onProgress?(p: Progress): void; hash: boolean | 'diffId' }): Promise<LayerIndex>;
  /** sha256 of a layer's stored blob and of its uncompressed tar (the integrity pass after indexing). */
  hashLayer(
    blob: Blob,
    compression: Compression,
    opts: {
      signal?: AbortSignal;
      onProgress?(p: Progress): void;
      onCheckpoints?(points: ResumePoint[]): void;
      /** The layer was listed from its TOC (read/toc/): compare the tar's listing, and return it when it differs. */
      tocFingerprint?: string | null;
    },
  ): Promise<LayerDigests>;
  /** How many layers to scan at once. */
  readonly concurrency: number;
  /**
   * The machine has cores beyond the scan workers (the page on more cores than its pool's
   * MAX_WORKERS): partial unions need not wait while every worker decodes (partialUnions.ts).
   */
  readonly spareCores?: boolean;
  /**
   * Build the union and the statistics elsewhere (the page: in a worker, so a
   * million-entry image does not freeze it for seconds). Absent: in this thread.
   */
  summarize?(layers: (LayerIndex | null)[], opts: { signal?: AbortSignal; stats: boolean }): Promise<{ union: UnionModel; stats: ImageStats | null }>;
  /**
   * The unions of one load (the partial ones while its layers are read, then the
   * final one), built elsewhere and incrementally: each layer's index is handed
   * over once, and a union applies only the layers above those already applied
   * (model/union.ts IncrementalUnion). Preferred over `summarize` for a load.
   */
  unions?(): UnionRun;
}

/** One load's unions, in the order they are asked for (LayerScanner.unions). */
export interface UnionRun {
  /** `last`: the final union; nothing more is asked of this run. */
  summarize(
    layers: (LayerIndex | null)[],
    opts: { signal?: AbortSignal; stats: boolean; last?: boolean },
  ): Promise<{ union: UnionModel; stats: ImageStats | null }>;
  /** The load is over (finished, failed or cancelled): what the run keeps is dropped. */
  close(): void;
}

/** A load's unions for `scanner`: its own run, its `summarize`, or built in this thread (Node, tests), incrementally too. */
function unionRunFor(scanner: LayerScanner): UnionRun {
  if (scanner.unions) return scanner.unions();
  const summarize = scanner.summarize?.bind(scanner);
  if (summarize) return { summarize: (layers, o) => summarize(layers, { signal: o.signal, stats: o.stats }), close() {} };
  const inc = new IncrementalUnion();
  return {
    summarize: async (layers, o) => {
      const union = inc.build(layers, { last: o.last });
      return { union, stats: o.stats ? computeStats(union, layers) : null };
    },
    close: () => inc.reset(),
  };
}

/** Layers scanned in this thread (Node, tests); `codecs` are the host's fast sha256/gzip (codecs.ts). */
export const inProcessScanner = (concurrency: number, codecs?: Codecs): LayerScanner => ({
  concurrency,
  scan: (blob, layer, opts) => scanLayer(blob, { ...opts, layer, codecs }),
  hashLayer: (blob, compression, { onCheckpoints, ...opts }) =>
    hashLayer(blob, compression, { ...opts, codecs, checkpoints: onCheckpoints ? { onCheckpoints } : undefined }),
});

export type LayerState = 'waiting' | 'decompressing' | 'indexed' | 'failed';

export interface IntegrityCheck {
  layer: number;
  /** 'ok': computed digest equals the expected one; 'mismatch': it does not; 'unchecked': nothing to compare against or not computed (yet). */
  diffId: 'ok' | 'mismatch' | 'unchecked';
  digest: 'ok' | 'mismatch' | 'unchecked';
  expectedDiffId: string | null;
  computedDiffId: string | null;
  expectedDigest: string | null;
  computedDigest: string | null;
}

export interface LoadedImage {
  info: ArchiveInfo;
  outer: OuterArchive;
  image: ImageInfo;
  layers: (LayerIndex | null)[];
  layerErrors: (string | null)[];
  union: UnionModel;
  stats: ImageStats;
  integrity: IntegrityCheck[];
  warnings: EngineWarning[];
}

export interface OpenCallbacks {
  /** The archive's structure is known: images, layers, configs (before any layer is scanned). */
  onStructure?(info: ArchiveInfo, image: ImageInfo, outer: OuterArchive): void;
  onLayerState?(layer: number, state: LayerState, detail?: string): void;
  onLayerProgress?(layer: number, p: Progress): void;
  /** A layer finished: its index, or null and the error that stopped it. */
  onLayerDone?(layer: number, index: LayerIndex | null, error: string | null): void;
  /** Archive-level progress (reading the outer index, or decompressing a .tar.gz). */
  onArchiveProgress?(p: Progress): void;
  /**
   * The union of the layers finished so far, while the others are read (partialUnions.ts:
   * its rebuild policy, one build at a time). Given, the engine builds them (through
   * `scanner.summarize` when the scanner has it); absent, none are built.
   */
  onPartial?(p: PartialUnion): void;
}

export interface OpenOptions extends OpenCallbacks {
  image?: number | string;
  /** When `image` and `platform` are not given: the image to open, once the archive's images are known (a shared link's); undefined = the default. */
  pickImage?(info: ArchiveInfo): number | undefined;
  platform?: string;
  scanner?: LayerScanner;
  signal?: AbortSignal;
  /**
   * Hash compressed layers while they stream (one pass over their bytes). Worth it
   * where sha256 is cheap (node:crypto, ~1.4 GB/s); in a browser it is WebAssembly
   * at ~190 MB/s, so the page indexes without it and runs `verifyImage` behind the
   * shown image. Uncompressed layers are indexed from headers only and always
   * hashed by `verifyImage`. 'diffIds': compressed layers' uncompressed bytes only
   * (`layerscope diff`: the proof needs diff_ids, not the stored blobs' digests).
   * Default false.
   */
  verify?: boolean | 'diffIds';
  /** The host's gzip decoder for a gzipped archive (codecs.ts); layers use the scanner's own. */
  gunzip?: Codecs['gunzip'];
  /** Where a compressed archive is decompressed to (read/archive.ts OpenOptions.sink). */
  sink?: () => DecompressedSink;
  /** Decompress a compressed archive elsewhere (the page: in a worker; read/archive.ts OpenOptions.unpack). */
  unpack?: ArchiveOpenOptions['unpack'];
  /** An archive already opened (e.g. to switch image without re-reading the outer index). */
  opened?: { info: ArchiveInfo; outer: OuterArchive };
}

/** Open `file`, pick the image, scan every layer, build the union and the statistics. */
export async function openImage(file: Blob, opts: OpenOptions = {}): Promise<LoadedImage> {
  const scanner = opts.scanner ?? inProcessScanner(DEFAULT_NODE_CONCURRENCY);
  const verify = opts.verify ?? false;
  const head: EarlyScan = { early: null, adopted: false };
  const unions = unionRunFor(scanner);
  try {
    return await openAndScan(file, opts, scanner, verify, head, unions);
  } finally {
    // The image was not the one guessed, or the load failed before the scans: the
    // early scan's result is not wanted, and its worker is wanted elsewhere.
    if (!head.adopted) head.early?.cancel();
    head.early?.unlink();
    unions.close();
  }
}

/** openImage, with `head` holding the early scan (set from openArchive's callback, adopted or not); the unions come from `unions`. */
async function openAndScan(
  file: Blob,
  opts: OpenOptions,
  scanner: LayerScanner,
  verify: boolean | 'diffIds',
  head: EarlyScan,
  unions: UnionRun,
): Promise<LoadedImage> {
  const { info, outer } =
    opts.opened ??
    (await openArchive(file, {
      signal: opts.signal,
      gunzip: opts.gunzip,
      sink: opts.sink,
      unpack: opts.unpack,
      onProgress: (r, t) => opts.onArchiveProgress?.({ bytesRead: r, bytesTotal: t }),
      // One image (the usual archive): its largest layer is what the load waits for
      // longest, so its scan starts now, while configs are read and hashed.
      onLayersListed: (lists, tar) => {
        if (lists.length === 1 && lists[0] && lists[0].length > 0) head.early = startHeadStart(lists[0], tar, scanner, verify, opts.signal);
      },
    }));
  const picked = opts.image === undefined && opts.platform === undefined ? opts.pickImage?.(info) : undefined;
  const image = selectImage(info, { image: opts.image ?? picked, platform: opts.platform });
  opts.onStructure?.(info, image, outer);

  const n = image.layers.length;
  const layers: (LayerIndex | null)[] = new Array(n).fill(null);
  const layerErrors: (string | null)[] = new Array(n).fill(null);
  const warnings: EngineWarning[] = [...info.warnings];
  for (let i = 0; i < n; i++) opts.onLayerState?.(i, 'waiting');
  // Distinct layers not yet finished (set below, with the scan order): while there are at
  // least as many as scan workers, every worker decodes and a partial union waits (partialUnions.ts).
  let unfinished = n;
  const partials = opts.onPartial
    ? new PartialUnions(layers, {
        build: (ls, signal) => unions.summarize(ls, { signal, stats: false }).then((r) => r.union),
        emit: opts.onPartial,
        signal: opts.signal,
        busy: () => !scanner.spareCores && unfinished >= scanner.concurrency,
      })
    : null;

  // Largest layer first (longest-processing-time-first scheduling): the biggest
  // layer is usually the critical path, and started last it would run alone at the
  // end while the other workers idle. On the 366 MB gzip benchmark image the 220 MB
  // layer is 5th of 6 in the stack.
  // A layer listed several times (the same stored bytes) is read once: its other
  // positions get the same index (issue 9, point 6: one layer listed 10,000 times
  // was read 10,000 times).
  const copies = sameBlobs(image);
  const order = largestFirst(image).filter((i) => copies.has(i));
  unfinished = order.length;
  // The early scan is this load's first layer only when it read the same bytes (the
  // image built as its manifest listed it); otherwise `finally` above cancels it.
  const takeEarly = head.early?.matches(order[0], image) ? head.early : null;
  head.adopted = takeEarly !== null;
  /** Give the copies of layer `i` what it got. */
  const shareResult = (i: number, idx: LayerIndex | null) => {
    unfinished--;
    for (const c of copies.get(i)!) {
      if (c === i) continue;
      layers[c] = idx;
      layerErrors[c] = layerErrors[i]!;
      opts.onLayerState?.(c, layerErrors[c] ? 'failed' : 'indexed', layerErrors[c] ?? undefined);
      opts.onLayerDone?.(c, idx, layerErrors[c]!);
    }
    partials?.layerDone();
  };
  try {
    await runPool(order.length, scanner.concurrency, async (k) => {
      const i = order[k]!;
      throwIfAborted(opts.signal);
      const ref = image.layers[i]!;
      opts.onLayerState?.(i, 'decompressing');
      try {
        const onProgress = (p: Progress) => opts.onLayerProgress?.(i, p);
        const idx =
          takeEarly && i === takeEarly.layer
            ? await takeEarly.adopt(onProgress)
            : await scanner.scan(blobOf(outer, ref.blob), i, { signal: opts.signal, hash: hashFor(ref.compression, verify), onProgress });
        layers[i] = idx;
        for (const w of idx.warnings) warnings.push({ ...w, layer: i });
        if (idx.error) {
          // the count is what was indexed: all of the tar when the damage lies past its end marker
          const kept = keptText(idx.count, idx.error.afterTarEnd === true);
          layerErrors[i] = `${idx.error.message} (layer ${i}, offset ${idx.error.offset}); ${kept}`;
          opts.onLayerState?.(i, 'failed', layerErrors[i]!);
        } else {
          opts.onLayerState?.(i, 'indexed');
        }
        opts.onLayerDone?.(i, idx, layerErrors[i]!);
        shareResult(i, idx);
      } catch (e) {
        if (isCancelled(e)) throw e;
        throwIfAborted(opts.signal);
        layerErrors[i] = `layer ${i}: ${describeError(e)}`;
        opts.onLayerState?.(i, 'failed', layerErrors[i]!);
        opts.onLayerDone?.(i, null, layerErrors[i]);
        shareResult(i, null);
      }
    });
  } finally {
    // Every layer is in (or the load failed): the final union is built next, no partial one.
    partials?.stop();
  }

  const r = await unions.summarize(layers, { signal: opts.signal, stats: true, last: true });
  const union = r.union;
  const stats = r.stats!;
  throwIfAborted(opts.signal);
  const integrity = checkIntegrity(image, layers);
  warnings.push(...throughLinkWarnings(union, layers), ...hardlinkWarnings(union, layers));
  return { info, outer, image, layers, layerErrors, union, stats, integrity, warnings: [...warnings, ...integrityWarnings(integrity)] };
}

/** What a layer's scan hashes (ScanLayerOptions.hash): uncompressed layers are hashed by verifyImage, from their bytes as stored. */
function hashFor(compression: Compression | null, verify: boolean | 'diffIds'): boolean | 'diffId' {
  const compressed = compression !== null && compression !== 'none';
  return !compressed ? false : verify === 'diffIds' ? 'diffId' : verify === true;
}

/** openImage's early scan: the one started, if any, and whether the load took it. */
interface EarlyScan {
  early: HeadStart | null;
  adopted: boolean;
}

/**
 * The largest layer's scan, started as soon as the manifest says where its bytes are
 * (archive/build.ts LayersListed), before the config is read and hashed, the layers'
 * first bytes sniffed and the image built: on 2 cores that layer bounds the load
 * (issue 13: the 501 MB layer of the 366 MB benchmark image), and everything before
 * its first byte is added to the load whole. openImage adopts it when the image it
 * built has that layer first in its order, and cancels it otherwise.
 */
interface HeadStart {
  /** The layer's position in the manifest (and so in the image built from it). */
  readonly layer: number;
  /** The image's layer `layer` is the bytes scanned, and `first` is that layer. */
  matches(first: number | undefined, image: ImageInfo): boolean;
  /** The scan's result; progress from now on (and the latest before) goes to `onProgress`. */
  adopt(onProgress: (p: Progress) => void): Promise<LayerIndex>;
  cancel(): void;
  /** Stop following the load's signal (the load is over). */
  unlink(): void;
}

function startHeadStart(
  layers: readonly BlobRef[],
  tar: Blob,
  scanner: LayerScanner,
  verify: boolean | 'diffIds',
  signal: AbortSignal | undefined,
): HeadStart | null {
  if (signal?.aborted) return null;
  // Largest first, ties in stack order: what largestFirst puts first, and the first
  // position of a blob listed twice (sameBlobs' key).
  let layer = 0;
  for (let i = 1; i < layers.length; i++) if (layers[i]!.size > layers[layer]!.size) layer = i;
  const ref = layers[layer]!;
  const ctl = new AbortController();
  const follow = () => ctl.abort(signal?.reason);
  signal?.addEventListener('abort', follow, { once: true });
  let latest: Progress | null = null;
  let listener: ((p: Progress) => void) | null = null;
  const onProgress = (p: Progress) => {
    latest = p;
    listener?.(p);
  };
  const blob = tar.slice(ref.offset, ref.offset + ref.size);
  const result = (async () => {
    // What to hash depends on the compression, sniffed here as buildImage will; the page
    // hashes nothing while indexing (verify false) and needs no read for it.
    const compression = verify === false ? null : sniffCompression(new Uint8Array(await blob.slice(0, COMPRESSION_SNIFF_BYTES).arrayBuffer()));
    return scanner.scan(blob, layer, { signal: ctl.signal, hash: hashFor(compression, verify), onProgress });
  })();
  // Awaited when adopted; a cancelled or unwanted one's failure is nobody's.
  result.catch(() => {});
  return {
    layer,
    matches: (first, image) => first === layer && image.layers[layer]?.blob.offset === ref.offset && image.layers[layer]?.blob.size === ref.size,
    adopt(l) {
      listener = l;
      if (latest) l(latest);
      return result;
    },
    cancel: () => ctl.abort(),
    unlink: () => signal?.removeEventListener('abort', follow),
  };
}

/** What a failed layer still shows: "all 3 entries of the tar were read before it", "1 entry before it was kept". */
export function keptText(count: number, whole: boolean): string {
  const entries = `${count} entr${count === 1 ? 'y' : 'ies'}`;
  if (whole) return count === 1 ? 'the 1 entry of the tar was read before it' : `all ${entries} of the tar were read before it`;
  return `${entries} before it ${count === 1 ? 'was' : 'were'} kept`;
}

function integrityWarnings(integrity: IntegrityCheck[]): EngineWarning[] {
  const out: EngineWarning[] = [];
  for (const c of integrity) {
    if (c.diffId === 'mismatch')
      out.push({
        code: 'DIFF_ID_MISMATCH',
        layer: c.layer,
        message: `layer ${c.layer}: sha256 of the uncompressed tar is ${c.computedDiffId}, the config says ${c.expectedDiffId}`,
      });
    if (c.digest === 'mismatch')
      out.push({
        code: 'DIGEST_MISMATCH',
        layer: c.layer,
        message: `layer ${c.layer}: sha256 of the stored blob is ${c.computedDigest}, the manifest says ${c.expectedDigest}`,
      });
  }
  return out;
}

/**
 * The integrity pass that indexing leaves out: uncompressed layers were indexed
 * from their headers only, and compressed ones without hashing unless `verify`
 * was set, so their bytes are hashed now (a compressed layer is decoded again).
 * Runs after the image is shown (the page stays usable meanwhile). Returns a new
 * LoadedImage (the input is not mutated) whose `integrity` and `warnings` cover
 * every layer.
 */
export async function verifyImage(
  img: LoadedImage,
  opts: {
    scanner?: LayerScanner;
    signal?: AbortSignal;
    onLayerProgress?(layer: number, p: Progress): void;
    /**
     * Resume points for content reads, recorded while gzip layers are decoded for
     * their digests (read/inflate): given, this pass records them, and each batch
     * arrives here as soon as it is made.
     */
    onCheckpoints?(layer: number, points: ResumePoint[]): void;
    /** A layer listed from its TOC turned out to differ from its tar: the tar's listing replaced it (with a TOC_MISMATCH warning). */
    onListingReplaced?(layer: number): void;
  } = {},
): Promise<LoadedImage> {
  const scanner = opts.scanner ?? inProcessScanner(DEFAULT_NODE_CONCURRENCY);
  const layers = img.layers.slice();
  const warnings = img.warnings.filter((w) => w.code !== 'DIFF_ID_MISMATCH' && w.code !== 'DIGEST_MISMATCH');
  // Largest first, as in openImage: the largest layer is the longest to check, and the
  // one whose files cost most to read until its resume points exist.
  const copies = sameBlobs(img.image);
  const replaced: number[] = [];
  const order = largestFirst(img.image).filter((i) => copies.has(i));
  await runPool(order.length, scanner.concurrency, async (k) => {
    const i = order[k]!;
    const idx = layers[i];
    if (!idx || idx.error || (idx.diffIdComputed && idx.digestComputed)) return;
    try {
      const d = await scanner.hashLayer(blobOf(img.outer, img.image.layers[i]!.blob), idx.compression, {
        signal: opts.signal,
        onProgress: (p) => opts.onLayerProgress?.(i, p),
        onCheckpoints: opts.onCheckpoints
          ? (points) => {
              for (const c of copies.get(i)!) opts.onCheckpoints!(c, points);
            }
          : undefined,
        tocFingerprint: idx.toc?.fingerprint ?? null,
      });
      let hashed: LayerIndex = { ...idx, digestComputed: d.digest, diffIdComputed: d.diffId };
      if (d.listing) {
        // The TOC the layer was listed from does not describe its tar (read/toc/tocScan.ts):
        // the tar is what a runtime unpacks and what the diff_id covers, so its listing wins.
        hashed = { ...d.listing, warnings: [...d.listing.warnings, tocMismatch(i, idx)] };
        replaced.push(i);
      }
      for (const c of copies.get(i)!) if (layers[c] === idx) layers[c] = hashed;
    } catch (e) {
      throwIfAborted(opts.signal);
      warnings.push({ code: 'VERIFY_FAILED', message: `could not hash layer ${i}: ${describeError(e)}`, layer: i });
    }
  });
  let { union, stats } = img;
  if (replaced.length > 0) {
    // A layer's listing changed: the union and statistics are rebuilt from the tars' listings.
    for (const i of replaced) for (const c of copies.get(i)!) opts.onListingReplaced?.(c);
    if (scanner.summarize) {
      const r = await scanner.summarize(layers, { signal: opts.signal, stats: true });
      union = r.union;
      stats = r.stats!;
    } else {
      union = buildUnion(layers);
      stats = computeStats(union, layers);
    }
    warnings.push(...layers.flatMap((l, i) => (l && replaced.includes(i) ? l.warnings.filter((w) => w.code === 'TOC_MISMATCH') : [])));
  }
  const integrity = checkIntegrity(img.image, layers);
  return { ...img, layers, union, stats, integrity, warnings: [...warnings, ...integrityWarnings(integrity)] };
}

function tocMismatch(layer: number, idx: LayerIndex): EngineWarning {
  const what = idx.toc?.format === 'estargz' ? 'eStargz TOC (stargz.index.json)' : 'zstd:chunked TOC (its tar-split)';
  return {
    code: 'TOC_MISMATCH',
    layer,
    message: `layer ${layer}: its ${what} does not describe the tar it is stored with; the listing shown first came from the TOC and was replaced by the tar's own (${idx.count} entries in the TOC)`,
  };
}

/**
 * Layers that are the same stored bytes (the same range of the archive), keyed by
 * the first of them: each first one maps to every position holding those bytes,
 * itself included. Positions that repeat an earlier one are not keys.
 */
export function sameBlobs(image: { readonly layers: readonly Pick<LayerRef, 'blob'>[] }): Map<number, number[]> {
  const first = new Map<string, number>();
  const out = new Map<number, number[]>();
  image.layers.forEach((l, i) => {
    const key = `${l.blob.offset}:${l.blob.size}`;
    const f = first.get(key);
    if (f === undefined) {
      first.set(key, i);
      out.set(i, [i]);
    } else out.get(f)!.push(i);
  });
  return out;
}

/** Layer indexes by stored size, largest first (ties in stack order). */
function largestFirst(image: ImageInfo): number[] {
  return image.layers.map((_, i) => i).sort((a, b) => image.layers[b]!.blob.size - image.layers[a]!.blob.size || a - b);
}

/** Compare computed digests with the config's diff_ids and the manifest's blob digests. */
export function checkIntegrity(image: ImageInfo, layers: (LayerIndex | null)[]): IntegrityCheck[] {
  return image.layers.map((ref, i) => {
    const idx = layers[i];
    const cmp = (expected: string | null, computed: string | null | undefined) =>
      !expected || !computed ? 'unchecked' : expected === computed ? 'ok' : 'mismatch';
    // A legacy docker-archive names layers by the digest of the (uncompressed) tar, so
    // the blob digest is only checkable where the format recorded one.
    return {
      layer: i,
      diffId: cmp(ref.diffId, idx?.diffIdComputed),
      digest: cmp(ref.digest, idx?.digestComputed),
      expectedDiffId: ref.diffId,
      computedDiffId: idx?.diffIdComputed ?? null,
      expectedDigest: ref.digest,
      computedDigest: idx?.digestComputed ?? null,
    } as IntegrityCheck;
  });
}

/** In Node the zlib work runs on libuv's thread pool, so a few layers at once keep both cores busy. */
export const DEFAULT_NODE_CONCURRENCY = 4;

/** Run task(0..n-1) with at most `limit` in flight; the first rejection rejects the whole run. */
export async function runPool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, n)) }, async () => {
    while (next < n) {
      const i = next++;
      await task(i);
    }
  });
  await Promise.all(lanes);
}
