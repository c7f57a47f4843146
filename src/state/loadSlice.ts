/**
 * The loaded images: one load state per slot ('a' the explorer's image, 'b' a
 * second image for a comparison), each a value replaced whole, never mutated:
 *
 *   empty ──openFile──▶ loading ──▶ ready   (failed layers: still ready, marked failed)
 *                          │  └────▶ error  (a plain sentence saying what was recognized)
 *                          └─cancelLoad──▶ empty, or the image shown before
 *
 * The actions are made with their engine host injected (createLoadSlice(host):
 * the worker pools in the page, inProcessHost in Node tests), and go through
 * the engine's one entry (core/session.openImage), which also builds the
 * partial unions while layers are read and hands them over as data.
 *
 * - The structure (archive, image, layer list) is published as soon as it is
 *   known; per-layer state and progress, and the finished layers' indexes, are
 *   batched and published at most every FLUSH_INTERVAL_MS; a partial union as it
 *   arrives.
 * - The opened archive is kept so that switching image or platform re-uses its
 *   index instead of re-reading the file.
 * - A ready image's digests are checked behind it (`digests: 'checking'`), and
 *   the state replaced with the checked image when done.
 * - Slot 'b' is a comparison's second image (ui/Compare/compareRun.ts): loaded,
 *   digest-checked, cancelled and failed the same way, with no view of its own; it
 *   may reuse the archive slot a opened (`opened`: two images of one archive).
 * - For slot 'a' the view fields (viewSlice) are the slot's view: a load resets
 *   them, Cancel restores them with the image shown before. The URL hash
 *   (urlHash.ts) follows the slot by subscribing; the loader never calls it.
 */
import type { StateCreator } from 'zustand';
import type { AppState } from './store';
import type { EngineHost } from './engineHost';
import { defaultView, type TreeView } from './viewSlice';
import { describeLoadError, readHead } from './loadErrors';
import { openImage, verifyImage, type LayerState, type LoadedImage, type Progress } from '../core/session';
import type { PartialUnion } from '../core/partialUnions';
import type { OuterArchive } from '../core/read/archive';
import { blobOf } from '../core/read/archive';
import { LayerscopeError, isCancelled } from '../core/errors';
import type { ArchiveInfo, ImageInfo, LayerIndex, LayerRef, SeekWindow } from '../core/types';
import type { Checkpoint } from '../core/read/inflate/inflater';
import { inputEnd, pointBefore } from '../core/read/inflate/resume';
import { seekPlan } from '../core/read/speculativeRead';
import { withAnchor } from '../core/read/anchoredRead';
import { dropCovered } from '../core/read/scanWindows';
import { pointsFor } from '../core/read/toc/frames';
import { isFramePoint, type FramePoint, type ResumePoint } from '../core/read/toc/types';
import { layerSource } from './selectors';
import { imageForLink } from './linkIdentity';

/** A macrotask later: work started here runs after the current task and what it renders. */
const nextTask = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * Progress arrives per MiB per layer from every worker; publishing each one
 * would re-render the page hundreds of times a second. Each publish is a React
 * render plus a frame (style, paint, compositor commit: ~4 ms of CPU on the 2-core
 * dev machine), taken from the cores the workers decode on: at 100 ms the profile
 * of the 366 MB gzip image showed the main thread and compositor using ~7 s of CPU
 * in a load (issue 13). 250 ms (4 updates/s) still reads as a moving bar.
 */
export const FLUSH_INTERVAL_MS = 250;

export type SlotName = 'a' | 'b';

export interface LayerLoad {
  state: LayerState;
  bytesRead: number;
  bytesTotal: number;
  error: string | null;
}

/** The archive as opened: its index and entry map (to switch image without re-reading it, and to read file contents). */
export interface OpenedArchive {
  info: ArchiveInfo;
  outer: OuterArchive;
}

/**
 * How a load of slot 'a' relates to the view in the URL (urlHash.ts acts on it):
 * 'restore' the URL's view applies (the first file in this page, or the same file
 * dropped again); 'reset' another file: the old view is cleared; 'switch' another
 * image chosen in the page; 'url' another image named by the URL (Back/Forward).
 */
export type ViewIntent = 'restore' | 'reset' | 'switch' | 'url';

interface LoadCommon {
  /** Unique per load (a new id for every openFile/chooseImage; kept when the state is replaced with its checked digests). */
  id: number;
  file: File | Blob;
  fileName: string;
  startedAt: number;
  view: ViewIntent;
}

export interface EmptyLoad {
  kind: 'empty';
}

export interface LoadingLoad extends LoadCommon {
  kind: 'loading';
  /** Known once the archive's index is read (at once for an image switch). */
  opened: OpenedArchive | null;
  /** Outer archive progress (index read / .tar.gz decompression); null once the structure is known. */
  archiveProgress: Progress | null;
  /** The image being loaded, once known. */
  structure: ImageInfo | null;
  layers: LayerLoad[];
  /** Layer indexes finished so far (null for the rest). */
  indexes: (LayerIndex | null)[];
  /** The union of the layers finished so far, built by the engine (core/partialUnions.ts). */
  partial: PartialUnion | null;
}

export interface ReadyLoad extends LoadCommon {
  kind: 'ready';
  opened: OpenedArchive;
  loaded: LoadedImage;
  layers: LayerLoad[];
  finishedAt: number;
  /** The digest check behind the shown image: running, or done (then `loaded` holds its result). */
  digests: 'checking' | 'checked';
}

export interface ErrorLoad {
  kind: 'error';
  id: number;
  file: File | Blob | null;
  fileName: string | null;
  /** A plain-words message for role="alert" (what was recognized and what went wrong). */
  message: string;
  finishedAt: number;
}

export type LoadState = EmptyLoad | LoadingLoad | ReadyLoad | ErrorLoad;

export const EMPTY_LOAD: EmptyLoad = { kind: 'empty' };

export interface OpenFileOptions {
  /** Image index or tag (archives holding several images). */
  image?: number | string;
  /** `os/arch[/variant]` (archives holding an index of several platforms). */
  platform?: string;
  /** Which slot to load into (default 'a', the explorer). */
  slot?: SlotName;
  /**
   * When neither `image` nor `platform` is given: the image to open once the archive's
   * images are known (a comparison's URL naming B's image, which another file may not
   * have); undefined = the default. Slot a's shared link takes precedence over it.
   */
  pickImage?(info: ArchiveInfo): number | undefined;
  /**
   * `file`'s archive as another slot already opened it (comparing two images or two
   * platforms of one archive): its index is not read again, and both slots then read
   * the very same stored layers (which the comparison recognizes as the same bytes).
   */
  opened?: OpenedArchive;
}

export interface ReadOptions {
  signal?: AbortSignal;
  slot?: SlotName;
  /** Start this many bytes into the file ("load more", "jump to offset"); default 0. */
  from?: number;
  /**
   * The read a user waits on first (the preview of the file just clicked): it goes ahead
   * of other reads, e.g. the versions the details pane diffs, which are asked for in the
   * same render and would otherwise be served before it (worker/pool.ts).
   */
  first?: boolean;
}

export interface LoadSlice {
  slots: Readonly<Record<SlotName, LoadState>>;
  /** Open a file the user dropped or picked. Resolves when it is loaded, failed or was cancelled (never rejects). */
  openFile(file: File | Blob, opts?: OpenFileOptions): Promise<void>;
  /** Show another image of slot a's archive (no re-read of its index); `fromUrl`: the URL named it. */
  chooseImage(index: number, opts?: { fromUrl?: boolean }): Promise<void>;
  /** Show another platform of slot a's image index (`os/arch[/variant]`). */
  choosePlatform(platform: string): Promise<void>;
  /** Stop the load in progress: back to the empty page, or to the image shown before it. */
  cancelLoad(slot?: SlotName): void;
  /** Forget a slot's image (closing a comparison). */
  clearSlot(slot: SlotName): void;
  /** Show an image built elsewhere (the bench harness) as ready, its digests taken as checked. */
  showLoaded(loaded: LoadedImage, opts: { fileName: string; file?: File | Blob; slot?: SlotName }): void;
  /** Show an error that did not come from the engine (the example or a served archive could not be fetched). */
  loadFailed(message: string, fileName: string | null, slot?: SlotName): void;
  /**
   * Bytes of entry `entry` of layer `layer` of the image shown (up to `maxBytes`,
   * default the whole file). Compressed layers are decompressed from their start
   * (or the resume point before the file) up to it (see core/read/contents.ts).
   */
  readEntry(layer: number, entry: number, maxBytes?: number, opts?: ReadOptions): Promise<Uint8Array>;
  /** Where a read of [offset, offset + want) of layer `layer` of the image shown starts (resume points, TOC frames). */
  readStartOf(layer: number, offset: number, want: number, slot?: SlotName): { checkpoint: Checkpoint | null; frames: FramePoint[] | null };
  /**
   * Start the preview's first read of the file just selected (the tree's click or key), so the
   * worker decodes while the selection renders; the Preview's readEntry of the same bytes
   * (`first`, from 0, `maxBytes` the same) takes it over instead of reading again. null (or
   * another file) cancels the one started before unless a Preview has taken it (that Preview's
   * signal cancels it then). Slot a only: the tree is slot a's.
   */
  startPreviewRead(target: { layer: number; entry: number; maxBytes: number } | null): void;
}

type SlotView = TreeView;

function viewOf(s: AppState): SlotView {
  const { selectedLayer, selectedPath, expanded, filters, onlyLayerChanges, showDeleted, sort, search, searchMode } = s;
  return { selectedLayer, selectedPath, expanded, filters, onlyLayerChanges, showDeleted, sort, search, searchMode };
}

interface Run {
  id: number;
  ctl: AbortController;
  /** What the slot showed before this load started (and its view, for slot a), restored by Cancel. */
  previous: { load: ReadyLoad; view: SlotView | null } | null;
}

interface LoadParams {
  slot: SlotName;
  file: File | Blob;
  fileName: string;
  opened: OpenedArchive | null;
  image?: number | string;
  platform?: string;
  pickImage?: OpenFileOptions['pickImage'];
  view: ViewIntent;
}

function identityOf(file: File | Blob): string | null {
  if (typeof File !== 'undefined' && file instanceof File) return `${file.name}\u0000${file.size}\u0000${file.lastModified}`;
  return null;
}

const fileNameOf = (file: File | Blob) => (typeof File !== 'undefined' && file instanceof File ? file.name : 'archive');

/** The load slice with its engine host. */
export function createLoadSlice(host: EngineHost): StateCreator<AppState, [], [], LoadSlice> {
  return (set, get) => {
    const runs: Record<SlotName, Run | null> = { a: null, b: null };
    /** Aborts a slot's background digest check when another file or image is opened into it. */
    const verifies: Record<SlotName, AbortController | null> = { a: null, b: null };
    let nextId = 1;
    /** Identity (name, size, mtime) of the last file that loaded into slot a, to recognize "the same file dropped again". */
    let lastIdentity: string | null = null;
    /** Whether any file has been opened in this page: the URL's view applies to the first one. */
    let openedInPage = false;
    /**
     * Resume points for content reads in gzip layers, recorded by the digest check as
     * it decodes each layer (core/read/inflate): with them a read decodes at most
     * 2 MiB before its file instead of the whole layer up to it. Kept beside the
     * state, not in it: they are large (1.6% of the layer's uncompressed size), never
     * rendered, and grow while the check runs.
     */
    const resumePoints = new WeakMap<LayerRef, ResumePoint[]>();
    /**
     * The load's scan windows (core/read/scanWindows.ts) by layer, for the first read of a file
     * deep in a gzip layer before checkpoints reach it: moved out of each index as the load
     * finishes (large, never rendered, and not to be copied with the index), and dropped
     * as the digest check's checkpoints cover them, so the two together stay ≤ 2% of the layer.
     */
    const scanWindows = new WeakMap<LayerRef, readonly SeekWindow[]>();
    /**
     * The preview's read started at the selection (startPreviewRead), until a Preview takes it
     * (users > 0) or another selection replaces it. `idx` is the layer index it reads: a new
     * image (or overlay) has other indexes, so its Preview never takes a read of the old one.
     */
    let early: { layer: number; entry: number; want: number; idx: LayerIndex; ctl: AbortController; bytes: Promise<Uint8Array>; users: number } | null = null;
    /**
     * Checkpoints reads found on their way (the anchored first read, core/read/anchoredRead.ts),
     * sorted by `out`; apart from `resumePoints`, which the digest check appends to in order.
     * Dropped as the check's own points pass them.
     */
    const foundPoints = new WeakMap<LayerRef, readonly Checkpoint[]>();
    const keepFound = (ref: LayerRef, cp: Checkpoint) => {
      const list = foundPoints.get(ref) ?? [];
      const recorded = resumePoints.get(ref);
      if (recorded?.length && recorded.at(-1)!.out >= cp.out) return;
      const i = list.findIndex((p) => p.out >= cp.out);
      if (i >= 0 && list[i]!.out === cp.out) return;
      foundPoints.set(ref, i < 0 ? [...list, cp] : [...list.slice(0, i), cp, ...list.slice(i)]);
    };
    const takeWindows = (img: LoadedImage): LoadedImage => {
      let moved = false;
      const layers = img.layers.map((idx, i) => {
        if (!idx?.seekWindows) return idx;
        moved = true;
        scanWindows.set(img.image.layers[i]!, idx.seekWindows);
        return { ...idx, seekWindows: null };
      });
      return moved ? { ...img, layers } : img;
    };
    /**
     * Each layer's stored bytes as a Blob, sliced from the archive once: in Chromium a slice
     * is registered with the browser process, and the main-thread profile of click →
     * preview (bench-profile --contents) had Blob slice among its largest costs.
     */
    const layerBlobs = new WeakMap<OuterArchive, WeakMap<LayerRef, Blob>>();
    const layerBlob = (outer: OuterArchive, ref: LayerRef): Blob => {
      let of = layerBlobs.get(outer);
      if (!of) {
        of = new WeakMap();
        layerBlobs.set(outer, of);
      }
      let b = of.get(ref);
      if (!b) {
        b = blobOf(outer, ref.blob);
        of.set(ref, b);
      }
      return b;
    };

    /**
     * Where a read of [offset, offset + want) of a layer starts: the closest of the zran
     * checkpoints and zstd frame ends the digest check recorded, and the members/frames
     * the layer's TOC or seek table names (idx.toc, read/toc/). Null/null: from the start.
     */
    const readStart = (
      ref: LayerRef,
      idx: LayerIndex,
      offset: number,
      want: number,
    ): { checkpoint: Checkpoint | null; frames: FramePoint[] | null; inputEnd: number | null } => {
      const recorded = resumePoints.get(ref);
      let rp = recorded ? pointBefore(recorded, offset) : null;
      const found = foundPoints.get(ref);
      const fp = found ? pointBefore(found, offset) : null;
      if (fp && (!rp || rp.out < fp.out)) rp = fp;
      const toc = idx.toc?.points.length ? pointsFor(idx.toc.points, offset, want) : [];
      if (rp && isFramePoint(rp) && (toc.length === 0 || rp.out > toc[0]!.out)) return { checkpoint: null, frames: [rp], inputEnd: null };
      const checkpoint = rp && !isFramePoint(rp) ? rp : null;
      return { checkpoint, frames: toc.length ? toc : null, inputEnd: checkpoint && recorded ? inputEnd(recorded, offset + want) : null };
    };

    const setSlot = (slot: SlotName, st: LoadState, extra: Partial<AppState> = {}) => set((s) => ({ slots: { ...s.slots, [slot]: st }, ...extra }));

    /** Forget the selection's early read, cancelling it unless a Preview has taken it (that Preview's signal ends it then). */
    const dropEarly = () => {
      if (early && early.users === 0) early.ctl.abort();
      early = null;
    };
    const abortSlot = (slot: SlotName) => {
      runs[slot]?.ctl.abort();
      runs[slot] = null;
      verifies[slot]?.abort();
      verifies[slot] = null;
      // the early read is of slot a's image: another load or a clear leaves it nobody's (and it would keep the old layer's index)
      if (slot === 'a') dropEarly();
    };

    /** Each slot's digest check while it runs (the other slot of the same archive waits for it: see `sharedDigests`). */
    const checking: Record<SlotName, Promise<void> | null> = { a: null, b: null };

    /**
     * Two images (or platforms) of one archive open in both slots share stored layers:
     * the very same bytes of the file. Whatever the other slot's digest check computed
     * for them is this slot's too, so each shared blob is hashed once, not once per
     * slot (a comparison of two platforms of an index hashed their common base twice).
     * Layers listed from a table of contents are left to this slot's own check, which
     * also compares their tar with the TOC's listing. Resume points go along with the
     * digests (they are keyed by layer, and the other slot's are of the same bytes).
     */
    const sharedDigests = (slot: SlotName, img: LoadedImage): LoadedImage => {
      const other = get().slots[slot === 'a' ? 'b' : 'a'];
      if (other.kind !== 'ready' || other.loaded.outer !== img.outer) return img;
      const known = new Map<string, { idx: LayerIndex; ref: LayerRef }>();
      other.loaded.image.layers.forEach((ref, i) => {
        const idx = other.loaded.layers[i];
        if (idx?.diffIdComputed && idx.digestComputed && !idx.toc) known.set(`${ref.blob.offset}:${ref.blob.size}`, { idx, ref });
      });
      let reused = false;
      const layers = img.layers.map((idx, i) => {
        const ref = img.image.layers[i]!;
        const k = known.get(`${ref.blob.offset}:${ref.blob.size}`);
        if (!idx || idx.error || idx.toc || (idx.diffIdComputed && idx.digestComputed) || !k) return idx;
        reused = true;
        const points = resumePoints.get(k.ref);
        if (points && !resumePoints.has(ref)) resumePoints.set(ref, points);
        return { ...idx, diffIdComputed: k.idx.diffIdComputed, digestComputed: k.idx.digestComputed };
      });
      return reused ? { ...img, layers } : img;
    };

    /**
     * The integrity pass after the image is shown: uncompressed layers were indexed
     * from their headers only, so their bytes are hashed now, in the workers, while
     * the page is already usable. The result replaces the slot's state only if it
     * still shows that load.
     */
    const verify = (slot: SlotName, ready: ReadyLoad): Promise<void> => {
      const run = runVerify(slot, ready);
      const mine = run.finally(() => {
        if (checking[slot] === mine) checking[slot] = null;
      });
      checking[slot] = mine;
      return mine;
    };

    const runVerify = async (slot: SlotName, ready: ReadyLoad): Promise<void> => {
      const ctl = new AbortController();
      verifies[slot] = ctl;
      let verified: LoadedImage | null = null;
      try {
        // The other slot checking the same archive's layers: wait for it, then take what it computed.
        const other = get().slots[slot === 'a' ? 'b' : 'a'];
        const otherCheck = checking[slot === 'a' ? 'b' : 'a'];
        if (otherCheck && other.kind === 'ready' && other.loaded.outer === ready.loaded.outer) await otherCheck;
        // In a task of its own: its first steps (each layer's blob sliced and posted to a worker)
        // ran inside the task that shows the image, the longest of the load (issue 13).
        await nextTask();
        if (ctl.signal.aborted) return;
        // The check is about to take every worker; the first preview after ready gets one already started.
        host.prepareReads?.();
        verified = await verifyImage(sharedDigests(slot, ready.loaded), {
          scanner: host.verifier,
          signal: ctl.signal,
          onCheckpoints: (i, points) => {
            const ref = ready.loaded.image.layers[i];
            if (!ref) return;
            const list = resumePoints.get(ref);
            if (list) list.push(...points);
            else resumePoints.set(ref, points.slice());
            const windows = scanWindows.get(ref);
            const last = points.at(-1);
            if (windows && last) {
              const rest = dropCovered(windows, last.out);
              if (rest.length) scanWindows.set(ref, rest);
              else scanWindows.delete(ref);
            }
            const found = foundPoints.get(ref);
            if (found && last) {
              const rest = dropCovered(found, last.out);
              if (rest.length) foundPoints.set(ref, rest);
              else foundPoints.delete(ref);
            }
          },
        });
      } catch {
        // Cancelled, or a read failed: integrity stays "unchecked" for those layers.
      }
      if (verifies[slot] === ctl) verifies[slot] = null;
      if (ctl.signal.aborted) return;
      const cur = get().slots[slot];
      if (cur.kind === 'ready' && cur.id === ready.id) setSlot(slot, { ...cur, loaded: verified ?? cur.loaded, digests: 'checked' });
    };

    const load = async (p: LoadParams): Promise<void> => {
      const { slot } = p;
      const before = get();
      const prev = before.slots[slot];
      // A load replacing another load keeps the *original* page for Cancel.
      const previous = runs[slot]?.previous ?? (prev.kind === 'ready' ? { load: prev, view: slot === 'a' ? viewOf(before) : null } : null);
      abortSlot(slot);
      const id = nextId++;
      const ctl = new AbortController();
      runs[slot] = { id, ctl, previous };
      const live = () => runs[slot]?.id === id;

      let state: LoadingLoad = {
        kind: 'loading',
        id,
        file: p.file,
        fileName: p.fileName,
        startedAt: performance.now(),
        view: p.view,
        opened: p.opened,
        archiveProgress: p.opened ? null : { bytesRead: 0, bytesTotal: p.file.size },
        structure: null,
        layers: [],
        indexes: [],
        partial: null,
      };
      // Another image of the same archive keeps the filters and search; a new file starts from the defaults.
      const view: Partial<AppState> = slot !== 'a' ? {} : p.opened ? { selectedLayer: -1, selectedPath: null, expanded: new Set(['/']) } : defaultView();
      setSlot(slot, state, view);
      const publish = (patch: Partial<LoadingLoad>) => {
        state = { ...state, ...patch };
        if (live()) setSlot(slot, state);
      };

      // Mutable working copies; published by flush() (copied: the store never holds these arrays).
      let loads: LayerLoad[] = [];
      let indexes: (LayerIndex | null)[] = [];
      let archiveProgress: Progress | null = null;
      // What changed since the last flush: progress is frequent and cheap to render; the
      // layer indexes only when a layer has finished.
      let dirty = false;
      let indexesDirty = false;
      // The layer states as last published, and the layers changed since: a flush copies only
      // those (issue 9, point 6: 10,000 layers, one reading, were 10,000 new objects 4 times
      // a second); the others keep their identity, so what draws them can tell nothing changed.
      let published: LayerLoad[] = [];
      const changed = new Set<number>();
      let timer: ReturnType<typeof setTimeout> | null = null;
      const flush = () => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        if (!dirty || !live()) return;
        dirty = false;
        const patch: Partial<LoadingLoad> = {};
        if (changed.size > 0) {
          published = published.slice();
          for (const i of changed) published[i] = { ...loads[i]! };
          changed.clear();
          patch.layers = published;
        }
        if (indexesDirty) {
          patch.indexes = indexes.slice();
          indexesDirty = false;
        }
        if (archiveProgress) patch.archiveProgress = { ...archiveProgress };
        publish(patch);
      };
      const schedule = () => {
        dirty = true;
        if (timer === null) timer = setTimeout(flush, FLUSH_INTERVAL_MS);
      };

      // The union worker is first needed when a layer finishes: start it now, while the
      // archive's structure is read, so its start-up is not added to the load.
      host.prestart?.();
      // The image a link names (urlHash.ts keeps the URL's view in `urlLink`; by identity, else index)
      // is opened when the archive has it, by a load that restores the URL's view. The link is
      // slot a's view: it never picks the image of a second slot.
      const u = get().urlLink;
      const link = slot === 'a' && p.image === undefined && p.platform === undefined && u && (u.anyLoad || p.view === 'restore') ? u.view : null;
      try {
        const opened = await openImage(p.file, {
          opened: p.opened ?? undefined,
          image: p.image,
          pickImage: link ? (info) => imageForLink(info.images, link) : p.pickImage,
          platform: p.platform,
          scanner: host.scanner,
          unpack: host.unpack,
          signal: ctl.signal,
          // Digests come from the check behind the shown image: sha256 in a browser is
          // WebAssembly (~190 MB/s) and would hold the tree back (core/read/verify.ts).
          verify: false,
          onArchiveProgress(pr) {
            archiveProgress = { ...pr };
            schedule();
          },
          onStructure(info, im, outer) {
            if (!live()) return;
            loads = im.layers.map((l) => ({ state: 'waiting' as LayerState, bytesRead: 0, bytesTotal: l.blob.size, error: null }));
            indexes = new Array(im.layers.length).fill(null);
            archiveProgress = null;
            flush();
            published = loads.map((l) => ({ ...l }));
            changed.clear();
            publish({ opened: { info, outer }, structure: im, archiveProgress: null, layers: published, indexes: indexes.slice() });
          },
          onLayerState(i, st, detail) {
            const l = loads[i];
            if (!live() || !l) return;
            // the engine reports 'waiting' for every layer as it starts: not a change
            if (l.state === st && st !== 'failed') return;
            l.state = st;
            if (st === 'failed') l.error = detail ?? 'failed';
            if (st === 'indexed') l.bytesRead = l.bytesTotal;
            changed.add(i);
            schedule();
          },
          onLayerProgress(i, pr) {
            const l = loads[i];
            if (!live() || !l) return;
            l.bytesRead = pr.bytesRead;
            if (pr.bytesTotal > 0) l.bytesTotal = pr.bytesTotal;
            changed.add(i);
            schedule();
          },
          onLayerDone(i, index) {
            if (!live()) return;
            indexes[i] = index;
            indexesDirty = true;
            schedule();
          },
          // The tree is slot a's (hooks.ts useUnionState): a partial union of slot b (a comparison's
          // second image) would be built on the union worker and received by the page for nobody,
          // while its layers decode.
          onPartial:
            slot === 'a'
              ? (partial) => {
                  if (!live()) return;
                  flush();
                  publish({ partial });
                }
              : undefined,
        });
        if (timer !== null) clearTimeout(timer);
        if (!live()) return;
        const loaded = takeWindows(opened);
        const ready: ReadyLoad = {
          kind: 'ready',
          id,
          file: p.file,
          fileName: p.fileName,
          startedAt: state.startedAt,
          view: p.view,
          opened: { info: loaded.info, outer: loaded.outer },
          loaded,
          layers: loads.map((l, i) => ({
            ...l,
            state: loaded.layerErrors[i] ? 'failed' : 'indexed',
            bytesRead: loaded.layerErrors[i] ? l.bytesRead : l.bytesTotal,
            error: loaded.layerErrors[i] ?? null,
          })),
          finishedAt: performance.now(),
          digests: 'checking',
        };
        runs[slot] = null;
        if (slot === 'a') {
          lastIdentity = identityOf(p.file);
          openedInPage = true;
        }
        setSlot(slot, ready);
        void verify(slot, ready);
      } catch (e) {
        if (timer !== null) clearTimeout(timer);
        if (!live()) return; // cancelled or superseded: whoever did that has set the state
        runs[slot] = null;
        if (isCancelled(e)) return;
        // openedInPage stays as it was: after a wrong file, the URL's view still applies to the right one.
        const head = await readHead(p.file);
        if (get().slots[slot] !== state) return;
        setSlot(slot, {
          kind: 'error',
          id,
          file: p.file,
          fileName: p.fileName,
          message: describeLoadError(e, head, p.fileName),
          finishedAt: performance.now(),
        });
      }
    };

    const reopen = (sel: { image?: number; platform?: string }, view: ViewIntent): Promise<void> => {
      const a = get().slots.a;
      if (a.kind !== 'ready' && a.kind !== 'loading') return Promise.resolve();
      return load({ slot: 'a', file: a.file, fileName: a.fileName, opened: a.opened, image: sel.image, platform: sel.platform, view });
    };

    return {
      slots: { a: EMPTY_LOAD, b: EMPTY_LOAD },

      openFile: (file, opts = {}) => {
        const slot = opts.slot ?? 'a';
        const id = identityOf(file);
        const restore = slot === 'a' && (!openedInPage || (id !== null && id === lastIdentity));
        return load({
          slot,
          file,
          fileName: fileNameOf(file),
          opened: opts.opened ?? null,
          image: opts.image,
          platform: opts.platform,
          pickImage: opts.pickImage,
          view: restore ? 'restore' : 'reset',
        });
      },

      chooseImage: (index, opts = {}) => reopen({ image: index }, opts.fromUrl ? 'url' : 'switch'),
      choosePlatform: (platform) => reopen({ platform }, 'switch'),

      cancelLoad: (slot = 'a') => {
        const r = runs[slot];
        if (!r) return;
        runs[slot] = null;
        r.ctl.abort();
        if (r.previous) {
          setSlot(slot, r.previous.load, r.previous.view ?? {});
          // Its digest check was stopped by the load: run it again.
          if (r.previous.load.digests === 'checking') void verify(slot, r.previous.load);
        } else {
          setSlot(slot, EMPTY_LOAD, slot === 'a' ? defaultView() : {});
        }
      },

      clearSlot: (slot) => {
        abortSlot(slot);
        setSlot(slot, EMPTY_LOAD);
      },

      showLoaded: (loaded, opts) => {
        const slot = opts.slot ?? 'a';
        abortSlot(slot);
        const now = performance.now();
        setSlot(slot, {
          kind: 'ready',
          id: nextId++,
          file: opts.file ?? new Blob([]),
          fileName: opts.fileName,
          startedAt: now,
          finishedAt: now,
          view: 'reset',
          opened: { info: loaded.info, outer: loaded.outer },
          loaded,
          layers: loaded.layers.map((l, i) => ({
            state: loaded.layerErrors[i] ? 'failed' : 'indexed',
            bytesRead: l?.storedSize ?? 0,
            bytesTotal: l?.storedSize ?? 0,
            error: loaded.layerErrors[i] ?? null,
          })),
          digests: 'checked',
        });
      },

      loadFailed: (message, fileName, slot = 'a') => {
        abortSlot(slot);
        setSlot(slot, { kind: 'error', id: nextId++, file: null, fileName, message, finishedAt: performance.now() });
      },

      readStartOf: (layer, offset, want, slot = 'a') => {
        const { ref, idx } = layerSource(get(), layer, slot);
        return ref && idx ? readStart(ref, idx, offset, want) : { checkpoint: null, frames: null };
      },

      startPreviewRead: (target) => {
        const idx = target ? layerSource(get(), target.layer, 'a').idx : null;
        const want = target && idx && target.entry >= 0 && target.entry < idx.count ? Math.min(idx.sizes[target.entry]!, Math.floor(target.maxBytes)) : 0;
        if (early && target && early.idx === idx && early.layer === target.layer && early.entry === target.entry && early.want === want) return;
        // a read no Preview took is nobody's: the selection moved on before it rendered
        dropEarly();
        if (!target || !idx || want <= 0) return;
        const ctl = new AbortController();
        const bytes = get().readEntry(target.layer, target.entry, want, { signal: ctl.signal, first: true });
        // its errors are the taker's (the Preview shows them); untaken, they were never asked for
        bytes.catch(() => {});
        early = { layer: target.layer, entry: target.entry, want, idx, ctl, bytes, users: 0 };
      },

      readEntry: async (layer, entry, maxBytes, opts = {}) => {
        const s = get();
        const slot = opts.slot ?? 'a';
        const { outer, ref, idx } = layerSource(s, layer, slot);
        if (!outer || !ref) throw new LayerscopeError('UNKNOWN_LAYER', `There is no layer ${layer} in the image shown`, { layer });
        if (!idx) throw new LayerscopeError('NOT_FOUND', `Layer ${layer} has not been read (it failed or is still loading)`, { layer });
        if (!Number.isInteger(entry) || entry < 0 || entry >= idx.count) {
          throw new LayerscopeError('NOT_FOUND', `Layer ${layer} has no entry ${entry}`, { layer });
        }
        const size = idx.sizes[entry]!;
        const from = Math.max(0, Math.min(size, Math.floor(opts.from ?? 0)));
        const want = Math.max(0, Math.min(size - from, Math.floor(maxBytes ?? size)));
        if (want === 0) return new Uint8Array(0);
        const taken = early;
        if (
          opts.first &&
          from === 0 &&
          taken &&
          taken.idx === idx &&
          taken.layer === layer &&
          taken.entry === entry &&
          taken.want === want &&
          !opts.signal?.aborted
        ) {
          // the read the selection started: this caller's signal now owns it (cancelled when its last taker lets go)
          taken.users++;
          opts.signal?.addEventListener(
            'abort',
            () => {
              if (--taken.users > 0) return;
              taken.ctl.abort();
              if (early === taken) early = null;
            },
            { once: true },
          );
          return taken.bytes;
        }
        const at = idx.dataOffsets[entry]! + from;
        // From the closest resume point or TOC member/frame.
        const { checkpoint, frames, inputEnd } = readStart(ref, idx, at, want);
        // before the digest check's checkpoints reach this far: a speculative start from the scan's hints (core/read/speculativeRead.ts)
        const plan = idx.compression === 'gzip' ? seekPlan(idx.seekHints, idx.paths[entry]!, idx.dataOffsets[entry]!, size, at, want) : null;
        // with the scan's true window before the file, when it still has one (core/read/anchoredRead.ts)
        const seek = withAnchor(plan, scanWindows.get(ref));
        return host.read(layerBlob(outer, ref), idx.compression, at, size - from, want, opts.signal, checkpoint, frames, opts.first, inputEnd, seek, (cp) =>
          keepFound(ref, cp),
        );
      },
    };
  };
}
