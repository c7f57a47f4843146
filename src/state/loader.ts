/**
 * Loading an archive into the store: drives the engine facade
 * (core/session.openImage) with the page's worker pool and turns its callbacks
 * into store updates the UI can render smoothly:
 *
 *   empty ──openFile──▶ loading ──▶ ready   (failed layers: still ready, marked failed)
 *                          │  └────▶ error  (a plain sentence saying what was recognized)
 *                          └─cancelLoad──▶ empty, or the image shown before
 *
 * - The structure (archive, image, layer list) is published as soon as it is
 *   known; per-layer state and progress, and the finished layers'
 *   indexes (`partialLayers`, from which the tree builds a partial union), are
 *   batched and published at most every FLUSH_INTERVAL_MS.
 * - One WorkerPool per page, reused across loads and for content reads.
 * - The opened archive (`opened`) is kept so that switching image or platform
 *   re-uses its index instead of re-reading the file.
 */
import { useStore } from './store';
import type { AppState } from './store';
import type { LayerLoad } from './loadSlice';
import { DEFAULT_FILTERS } from './viewSlice';
import { openImage, verifyImage, type LayerScanner, type LayerState, type LoadedImage, type Progress } from '../core/session';
import { openArchive, blobOf, type OuterArchive } from '../core/read/archive';
import { LayerscopeError, describeError, isLayerscopeError, isCancelled } from '../core/errors';
import type { ArchiveInfo, LayerIndex, LayerRef } from '../core/types';
import { WorkerPool } from '../worker/pool';
import type { Checkpoint } from '../core/read/inflate/inflater';
import { pointBefore as checkpointBefore, pointsFor } from '../core/read/toc/frames';
import { isFramePoint, type FramePoint, type ResumePoint } from '../core/read/toc/types';
import { setPartialUnionBuilder } from './hooks';
import { imageForLink } from './linkIdentity';
import { beginLoadView, installHashSync, loadAbandoned, loadFinished, structureKnown, type HashState } from './urlHash';

/**
 * Progress arrives per MiB per layer from every worker; publishing each one
 * would re-render the page hundreds of times a second. 100 ms (10 updates/s)
 * still looks continuous on a progress bar and leaves the main thread idle.
 */
export const FLUSH_INTERVAL_MS = 100;

/** Bytes read to recognize a file that is not an archive (the longest magic we test is 8 bytes, at offset 0; "ustar" sits at 257). */
export const FILE_KIND_SNIFF_BYTES = 512;

/** Where the built-in example image is served (public/example.tar, made by scripts/make-example-image.sh). */
export const EXAMPLE_URL = './example.tar';

let pool: WorkerPool | null = null;
/** The page's pool of scan workers (created on first use: a page that never opens a file starts no workers). */
export function getPool(): WorkerPool {
  pool ??= new WorkerPool();
  return pool;
}

let unionPool: WorkerPool | null = null;
/**
 * One more worker for union models and statistics (the partial ones while loading,
 * the final one). Apart from the scan pool so that a layer never waits in the queue
 * behind a union build: in the shared pool, small layers of the 894 MB benchmark
 * image waited 100–250 ms for partial unions before they started.
 */
function getUnionPool(): WorkerPool {
  unionPool ??= new WorkerPool(1);
  return unionPool;
}

/** The scan pool, with union building sent to the union worker. */
function pageScanner(): LayerScanner {
  const p = getPool();
  return {
    concurrency: p.concurrency,
    scan: (blob, layer, o) => p.scan(blob, layer, o),
    hashLayer: (blob, compression, o) => p.hashLayer(blob, compression, o),
    summarize: (layers, o) => getUnionPool().summarize(layers, o),
  };
}

if (typeof Worker !== 'undefined') {
  setPartialUnionBuilder((layers) =>
    getUnionPool()
      .summarize(layers, { stats: false })
      .then((r) => r.union),
  );
}

interface Run {
  token: number;
  ctl: AbortController;
  /** What the page showed before this load started, restored by Cancel. */
  previous: Partial<AppState> | null;
}

let run: Run | null = null;
let nextToken = 1;
/** Identity (name, size, mtime) of the last file that loaded, to recognize "the same file dropped again". */
let lastIdentity: string | null = null;
/** Whether any file has been opened in this page: the URL's view applies to the first one. */
let openedInPage = false;

function identityOf(file: File | Blob): string | null {
  if (typeof File !== 'undefined' && file instanceof File) return `${file.name}\u0000${file.size}\u0000${file.lastModified}`;
  return null;
}

/** The fields a load replaces, and the view fields, captured to restore the page on Cancel. */
const SNAPSHOT_KEYS = [
  'status',
  'file',
  'fileName',
  'error',
  'archive',
  'image',
  'layerLoads',
  'partialLayers',
  'archiveProgress',
  'startedAt',
  'finishedAt',
  'loaded',
  'opened',
  'verifying',
  'selectedLayer',
  'selectedPath',
  'expanded',
  'filters',
  'onlyLayerChanges',
  'showDeleted',
  'sort',
  'search',
  'searchMode',
] as const satisfies readonly (keyof AppState)[];

function snapshot(s: AppState): Partial<AppState> {
  const out: Partial<AppState> = {};
  for (const k of SNAPSHOT_KEYS) (out as Record<string, unknown>)[k] = s[k];
  return out;
}

export interface OpenFileOptions {
  /** Image index or tag (archives holding several images). */
  image?: number | string;
  /** `os/arch[/variant]` (archives holding an index of several platforms). */
  platform?: string;
}

/** Open a file the user dropped or picked. Resolves when it is loaded, failed or was cancelled (never rejects). */
export async function openFile(file: File | Blob, opts: OpenFileOptions = {}): Promise<void> {
  const id = identityOf(file);
  const restore = !openedInPage || (id !== null && id === lastIdentity);
  const pending = beginLoadView(restore ? 'restore' : 'reset');
  const fileName = typeof File !== 'undefined' && file instanceof File ? file.name : 'archive';
  // An image named by the URL only applies if the archive has it (checked once the index is read).
  await load({ file, fileName, opened: null, image: opts.image, platform: opts.platform, link: pending ?? undefined });
}

/** Show another image of the archive that is open (no re-read of its index). */
export function chooseImage(index: number): Promise<void> {
  beginLoadView('switch');
  return reopen({ image: index });
}

/** Show another platform of the archive's image index (`os/arch[/variant]`). */
export function choosePlatform(platform: string): Promise<void> {
  beginLoadView('switch');
  return reopen({ platform });
}

function reopen(sel: { image?: number; platform?: string }): Promise<void> {
  const s = useStore.getState();
  if (!s.file) return Promise.resolve();
  return load({ file: s.file, fileName: s.fileName ?? 'archive', opened: s.opened, image: sel.image, platform: sel.platform });
}

/** Stop the load in progress: back to the empty page, or to the image shown before it. */
export function cancelLoad(): void {
  const r = run;
  if (!r) return;
  run = null;
  r.ctl.abort();
  loadAbandoned();
  if (r.previous && r.previous.status === 'ready') {
    useStore.setState(r.previous);
  } else {
    useStore.setState({
      ...snapshot(useStore.getInitialState()),
      status: 'empty',
    });
  }
}

interface LoadParams {
  file: File | Blob;
  fileName: string;
  opened: { info: ArchiveInfo; outer: OuterArchive } | null;
  image?: number | string;
  platform?: string;
  /** The URL hash's view: its image (by identity, else index) is opened when the archive has it. */
  link?: HashState;
}

async function load(p: LoadParams): Promise<void> {
  const store = useStore;
  const before = store.getState();
  // A load replacing another load keeps the *original* page for Cancel.
  const previous = run ? run.previous : before.status === 'ready' ? snapshot(before) : null;
  run?.ctl.abort();
  verifyCtl?.abort();
  const token = nextToken++;
  const ctl = new AbortController();
  run = { token, ctl, previous };
  const live = () => run?.token === token;

  store.setState({
    status: 'loading',
    file: p.file,
    fileName: p.fileName,
    error: null,
    archive: p.opened?.info ?? null,
    image: null,
    layerLoads: [],
    partialLayers: [],
    archiveProgress: p.opened ? null : { bytesRead: 0, bytesTotal: p.file.size },
    startedAt: performance.now(),
    finishedAt: 0,
    loaded: null,
    opened: p.opened,
    verifying: false,
    selectedLayer: -1,
    selectedPath: null,
    expanded: new Set(['/']),
    // A new file starts with the default filters and no search (the URL's view, if it
    // applies, sets them once the structure is known); another image of the same
    // archive keeps them.
    ...(p.opened
      ? {}
      : { search: '', searchMode: 'substring' as const, filters: DEFAULT_FILTERS, onlyLayerChanges: false, showDeleted: true, sort: 'name' as const }),
  });

  // Mutable working copies; published by flush() (replaced whole: the store never holds these arrays).
  let loads: LayerLoad[] = [];
  let partial: (LayerIndex | null)[] = [];
  let archiveProgress: Progress | null = null;
  // What changed since the last flush: progress is frequent and cheap to render; a new
  // partial layer list makes the tree rebuild its partial union, so it is published only
  // when a layer has finished.
  let dirty = false;
  let layersDirty = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (!dirty || !live()) return;
    dirty = false;
    const patch: Partial<AppState> = { layerLoads: loads.map((l) => ({ ...l })) };
    if (layersDirty) {
      patch.partialLayers = partial.slice();
      layersDirty = false;
    }
    if (archiveProgress) patch.archiveProgress = { ...archiveProgress };
    const allDone = loads.length > 0 && loads.every((l) => l.state === 'indexed' || l.state === 'failed');
    if (allDone !== store.getState().verifying) patch.verifying = allDone;
    store.setState(patch);
  };
  const schedule = () => {
    dirty = true;
    if (timer === null) timer = setTimeout(flush, FLUSH_INTERVAL_MS);
  };

  // The union worker is first needed when a layer finishes: start it now, while the
  // archive's structure is read, so its start-up is not added to the load.
  if (typeof Worker !== 'undefined') getUnionPool().prestart();
  try {
    let opened = p.opened;
    if (!opened) {
      opened = await openArchive(p.file, {
        signal: ctl.signal,
        // A .tar.gz is decompressed in a worker, into Blob parts (never held in this page's memory), within the expansion bound.
        unpack: typeof Worker !== 'undefined' ? (b, c, o) => getPool().unpack(b, c, o) : undefined,
        onProgress: (bytesRead, bytesTotal) => {
          archiveProgress = { bytesRead, bytesTotal };
          schedule();
        },
      });
      if (!live()) return;
      flush();
      store.setState({ opened, archive: opened.info, archiveProgress: null });
      archiveProgress = null;
    }
    let image = p.image;
    if (image === undefined && p.platform === undefined && p.link) image = imageForLink(opened.info.images, p.link);

    const loaded = await openImage(p.file, {
      opened,
      image,
      platform: p.platform,
      scanner: pageScanner(),
      signal: ctl.signal,
      // Digests come from verifyInBackground once the image is shown: sha256 in a
      // browser is WebAssembly (~190 MB/s) and would hold the tree back (core/read/verify.ts).
      verify: false,
      onStructure(info, im) {
        if (!live()) return;
        loads = im.layers.map((l) => ({ state: 'waiting' as LayerState, bytesRead: 0, bytesTotal: l.blob.size, error: null }));
        partial = new Array(im.layers.length).fill(null);
        store.setState({
          archive: info,
          image: im,
          layerLoads: loads.map((l) => ({ ...l })),
          partialLayers: partial.slice(),
        });
        structureKnown(store);
      },
      onLayerState(i, state, detail) {
        if (!live() || !loads[i]) return;
        loads[i].state = state;
        if (state === 'failed') loads[i].error = detail ?? 'failed';
        if (state === 'indexed') loads[i].bytesRead = loads[i].bytesTotal;
        schedule();
      },
      onLayerProgress(i, pr) {
        if (!live() || !loads[i]) return;
        loads[i].bytesRead = pr.bytesRead;
        if (pr.bytesTotal > 0) loads[i].bytesTotal = pr.bytesTotal;
        schedule();
      },
      onLayerDone(i, index) {
        if (!live()) return;
        partial[i] = index;
        layersDirty = true;
        schedule();
      },
    });
    if (!live()) return;
    dirty = true;
    flush();
    store.setState({
      status: 'ready',
      archive: loaded.info,
      image: loaded.image,
      loaded,
      partialLayers: loaded.layers,
      layerLoads: loads.map((l, i) => ({
        ...l,
        state: loaded.layerErrors[i] ? 'failed' : 'indexed',
        error: loaded.layerErrors[i] ?? null,
      })),
      finishedAt: performance.now(),
      verifying: false,
      archiveProgress: null,
    });
    run = null;
    lastIdentity = identityOf(p.file);
    openedInPage = true;
    loadFinished(store);
    void verifyInBackground(loaded);
  } catch (e) {
    if (timer !== null) clearTimeout(timer);
    if (!live()) return; // cancelled or superseded: whoever did that has set the state
    run = null;
    loadAbandoned();
    if (isCancelled(e)) return;
    // openedInPage stays as it was: after a wrong file, the URL's view still applies to the right one.
    const head = await readHead(p.file);
    store.setState({
      status: 'error',
      error: describeLoadError(e, head, p.fileName),
      archive: null,
      image: null,
      loaded: null,
      opened: null,
      layerLoads: [],
      partialLayers: [],
      archiveProgress: null,
      verifying: false,
      finishedAt: performance.now(),
    });
  }
}

/**
 * Resume points for content reads in gzip layers, per layer of the image shown,
 * recorded by the digest check as it decodes each layer (core/read/inflate): with
 * them a read decodes at most 2 MiB before its file instead of the whole layer up to
 * it. Kept beside the store, not in it: they are large (1.6% of the layer's
 * uncompressed size), never rendered, and grow while the check runs.
 */
const resumePoints = new WeakMap<LayerRef, ResumePoint[]>();

/**
 * Where a read of [offset, offset + want) of a layer starts: the closest of the zran
 * checkpoints and zstd frame ends the digest check recorded, and the members/frames
 * the layer's TOC or seek table names (idx.toc, read/toc/). Null/null: from the start.
 */
export function readStart(ref: LayerRef, idx: LayerIndex, offset: number, want: number): { checkpoint: Checkpoint | null; frames: FramePoint[] | null } {
  const recorded = resumePoints.get(ref);
  const rp = recorded ? checkpointBefore(recorded, offset) : null;
  const toc = idx.toc?.points.length ? pointsFor(idx.toc.points, offset, want) : [];
  if (rp && isFramePoint(rp) && (toc.length === 0 || rp.out > toc[0]!.out)) return { checkpoint: null, frames: [rp] };
  const checkpoint = rp && !isFramePoint(rp) ? rp : null;
  return { checkpoint, frames: toc.length ? toc : null };
}

/** Aborts the background digest check when another file or image is opened. */
let verifyCtl: AbortController | null = null;

/**
 * The integrity pass after the image is shown: uncompressed layers were indexed from
 * their headers only, so their bytes are hashed now, in the workers, while the page
 * is already usable. The result replaces `loaded` only if nothing else (another load,
 * the playground's composed image) has replaced it meanwhile.
 */
async function verifyInBackground(loaded: LoadedImage): Promise<void> {
  const ctl = new AbortController();
  verifyCtl = ctl;
  useStore.setState({ verifying: true });
  try {
    const verified = await verifyImage(loaded, {
      scanner: getPool(),
      signal: ctl.signal,
      onCheckpoints: (i, points) => {
        const ref = loaded.image.layers[i];
        if (!ref) return;
        const list = resumePoints.get(ref);
        if (list) list.push(...points);
        else resumePoints.set(ref, points.slice());
      },
    });
    if (ctl.signal.aborted) return;
    if (useStore.getState().loaded === loaded) useStore.setState({ loaded: verified });
  } catch {
    // Cancelled, or a read failed: integrity stays "unchecked" for those layers.
  } finally {
    if (verifyCtl === ctl) {
      verifyCtl = null;
      useStore.setState({ verifying: false });
    }
  }
}

async function readHead(file: Blob): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await file.slice(0, FILE_KIND_SNIFF_BYTES).arrayBuffer());
  } catch {
    return null;
  }
}

/* ----------------------------------------------------------- content reads */

/** Previews read at most this much unless the caller asks otherwise: the whole file would be read for a download. */
export interface ReadOptions {
  signal?: AbortSignal;
}

/**
 * Bytes of entry `entry` of layer `layer` of the image shown (up to `maxBytes`,
 * default the whole file). Compressed layers are decompressed from their start
 * up to the file in a worker (see core/read/contents.ts for the cost).
 */
export async function readEntry(layer: number, entry: number, maxBytes?: number, opts: ReadOptions = {}): Promise<Uint8Array> {
  const s = useStore.getState();
  const outer = s.opened?.outer;
  const image = s.loaded?.image ?? s.image;
  const idx = (s.loaded?.layers ?? s.partialLayers)[layer];
  if (!outer || !image?.layers[layer]) throw new LayerscopeError('UNKNOWN_LAYER', `There is no layer ${layer} in the image shown`, { layer });
  if (!idx) throw new LayerscopeError('NOT_FOUND', `Layer ${layer} has not been read (it failed or is still loading)`, { layer });
  if (!Number.isInteger(entry) || entry < 0 || entry >= idx.count) {
    throw new LayerscopeError('NOT_FOUND', `Layer ${layer} has no entry ${entry}`, { layer });
  }
  const size = idx.sizes[entry]!;
  const want = Math.max(0, Math.min(size, maxBytes ?? size));
  if (want === 0) return new Uint8Array(0);
  const ref = image.layers[layer]!;
  const { checkpoint, frames } = readStart(ref, idx, idx.dataOffsets[entry]!, want);
  return getPool().read(blobOf(outer, ref.blob), idx.compression, idx.dataOffsets[entry]!, size, want, opts.signal, checkpoint, frames);
}

/**
 * The whole of entry `entry` of layer `layer`, as a stream of chunks read in a worker
 * with backpressure (WorkerPool.readStream): for downloads of any size, in bounded
 * memory. Cancel the stream to stop the read.
 */
export function readEntryStream(layer: number, entry: number): { stream: ReadableStream<Uint8Array>; size: number } {
  const s = useStore.getState();
  const outer = s.opened?.outer;
  const image = s.loaded?.image ?? s.image;
  const idx = (s.loaded?.layers ?? s.partialLayers)[layer];
  if (!outer || !image?.layers[layer]) throw new LayerscopeError('UNKNOWN_LAYER', `There is no layer ${layer} in the image shown`, { layer });
  if (!idx) throw new LayerscopeError('NOT_FOUND', `Layer ${layer} has not been read (it failed or is still loading)`, { layer });
  if (!Number.isInteger(entry) || entry < 0 || entry >= idx.count) {
    throw new LayerscopeError('NOT_FOUND', `Layer ${layer} has no entry ${entry}`, { layer });
  }
  const size = idx.sizes[entry]!;
  const ref = image.layers[layer]!;
  // a zran checkpoint when the digest check recorded one before the file; zstd frames and
  // TOC members are not used by the streamed read yet (it decodes from the layer's start)
  const { checkpoint } = readStart(ref, idx, idx.dataOffsets[entry]!, size);
  return { stream: getPool().readStream(blobOf(outer, ref.blob), idx.compression, idx.dataOffsets[entry]!, size, checkpoint), size };
}

/** A layer's whole uncompressed tar (its diff_id's bytes) as a stream decoded in a worker. */
export function readLayerTarStream(layer: number): { stream: ReadableStream<Uint8Array>; size: number } {
  const s = useStore.getState();
  const outer = s.opened?.outer;
  const image = s.loaded?.image ?? s.image;
  const idx = (s.loaded?.layers ?? s.partialLayers)[layer];
  if (!outer || !image?.layers[layer]) throw new LayerscopeError('UNKNOWN_LAYER', `There is no layer ${layer} in the image shown`, { layer });
  if (!idx) throw new LayerscopeError('NOT_FOUND', `Layer ${layer} has not been read (it failed or is still loading)`, { layer });
  const ref = image.layers[layer]!;
  return { stream: getPool().readStream(blobOf(outer, ref.blob), idx.compression, 0, idx.tarSize, null), size: idx.tarSize };
}

/* ------------------------------------------------------------------ example */

/** Whether the built-in example is served (it is generated, so a fork may lack it). */
export async function exampleAvailable(): Promise<boolean> {
  try {
    const r = await fetch(EXAMPLE_URL, { method: 'HEAD', cache: 'no-store' });
    return r.ok;
  } catch {
    return false;
  }
}

/** Fetch the example image (same origin, nothing leaves the machine) and open it. */
export async function openExample(): Promise<void> {
  let blob: Blob;
  try {
    const r = await fetch(EXAMPLE_URL);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    blob = await r.blob();
  } catch (e) {
    useStore.setState({ status: 'error', error: `The example image could not be fetched (${describeError(e)}).`, fileName: 'example.tar' });
    return;
  }
  const file = new File([blob], 'example.tar', { type: 'application/x-tar', lastModified: 0 });
  await openFile(file);
}

/* ------------------------------------------------------------------- wiring */

let installed = false;
/** Start the URL-hash sync (once per page). */
export function installLoader(win: Window = window): () => void {
  if (installed) return () => {};
  installed = true;
  const stop = installHashSync({
    store: useStore,
    win,
    chooseImage: (index: number, _pending: HashState) => void reopen({ image: index }),
  });
  return () => {
    stop();
    installed = false;
  };
}

/* ------------------------------------------------------------------- errors */

/** Magic numbers of files people drop by mistake, to say what the file is instead. */
const MAGICS: ReadonlyArray<{ bytes: number[]; at?: number; what: string }> = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive' },
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'an empty ZIP archive' },
  { bytes: [0x42, 0x5a, 0x68], what: 'a bzip2-compressed file' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'an xz-compressed file' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'an ELF executable' },
  { bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], what: 'a RAR archive' },
  { bytes: [0x1f, 0x8b], what: 'a gzip-compressed file' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'a zstd-compressed file' },
  { bytes: [0x51, 0x46, 0x49, 0xfb], what: 'a QEMU disk image (qcow)' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], what: 'an SQLite database' },
];

/** What the first bytes of a file look like, in words ("a PNG image"), or null if unrecognized. */
export function recognizeFile(head: Uint8Array | null): string | null {
  if (!head) return null;
  if (head.length === 0) return 'an empty file';
  for (const m of MAGICS) {
    const at = m.at ?? 0;
    if (head.length >= at + m.bytes.length && m.bytes.every((b, i) => head[at + i] === b)) return m.what;
  }
  // Text: JSON (a manifest.json or index.json on its own), else plain text.
  const sample = head.subarray(0, Math.min(head.length, FILE_KIND_SNIFF_BYTES));
  let printable = 0;
  for (const b of sample) if (b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7f) || b >= 0x80) printable++;
  if (printable === sample.length) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(sample).trimStart();
    if (text.startsWith('{') || text.startsWith('[')) return 'a JSON document';
    if (text.startsWith('<')) return 'an XML or HTML document';
    return 'a text file';
  }
  return null;
}

const FORMATS_HINT =
  'Layerscope opens image archives: what docker save, podman save, skopeo copy (docker-archive: or oci-archive:), buildx --output type=oci or type=docker, ctr export or crane save write.';

/**
 * One plain paragraph for role="alert": what the file was recognized as, what
 * is wrong, and what Layerscope expects. Never a stack trace.
 */
export function describeLoadError(e: unknown, head: Uint8Array | null, fileName: string): string {
  const name = `“${fileName}”`;
  const detail = describeError(e);
  if (!isLayerscopeError(e)) return `${name} could not be opened: ${detail}.`.replace(/\.\.$/, '.');
  const sentence = (s: string) => (/[.!?]$/.test(s) ? s : s + '.');
  switch (e.code) {
    case 'NOT_A_TAR': {
      const what = recognizeFile(head);
      if (what === 'a gzip-compressed file' || what === 'a zstd-compressed file') {
        return `${name} is ${what}, but what it contains is not a tar archive, so it is not a docker save or OCI image archive. ${FORMATS_HINT}`;
      }
      return `${name} is not a tar archive${what ? `: it looks like ${what}` : ''}, so it is not a docker save or OCI image archive. ${FORMATS_HINT}`;
    }
    case 'BAD_MANIFEST':
      // It HAS the document: say what is wrong with it (issue 9, point 12).
      return `${name} is a tar archive with an image manifest Layerscope cannot use: ${sentence(detail)} ${FORMATS_HINT}`;
    case 'NOT_AN_IMAGE':
      return `${name} is a tar archive but has no manifest.json or index.json, so it is not a docker save or OCI image archive. ${sentence(detail)}`;
    case 'TRUNCATED':
      return `${name} is a tar archive that ends early (${detail}): the file looks incomplete, perhaps an interrupted download or copy.`;
    case 'BAD_HEADER':
      return `${name} starts like a tar archive, but it is damaged: ${sentence(detail)}`;
    case 'BAD_GZIP':
    case 'BAD_ZSTD':
      return `${name} is compressed, but the compressed data is damaged: ${sentence(detail)}`;
    case 'BAD_JSON':
      return `${name} is an image archive, but one of its JSON documents is invalid: ${sentence(detail)}`;
    case 'MISSING_BLOB':
      return `${name} is an image archive, but it lacks data its manifest names: ${sentence(detail)}`;
    case 'LIMIT':
      return `${name} was refused to protect this page's memory: ${sentence(detail)}`;
    case 'LOOP':
      return `${name} is an image archive with a reference loop: ${sentence(detail)}`;
    case 'UNKNOWN_IMAGE':
    case 'UNKNOWN_PLATFORM':
      return `${name} is an image archive, but the image asked for is not in it: ${sentence(detail)}`;
    case 'IO':
      return `${name} could not be read: ${sentence(detail)}`;
    default:
      return `${name} could not be opened: ${sentence(detail)}`;
  }
}
