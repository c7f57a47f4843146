/**
 * What the views read, derived from the load states (loadSlice.ts) and the
 * playground's overlay (playgroundSlice.ts). Every selector takes the slot
 * (default 'a', the explorer's image) and returns stable references (derived
 * objects are memoized by the values they come from), so `useStore(selectX)`
 * re-renders only when what it returns changed.
 *
 * The image shown in slot 'a' is the ready image with the playground's extra
 * layers on top (core/teach/playgroundImage.composeImage), composed here: the
 * playground never rewrites the load.
 */
import type { AppState } from './store';
import type { LayerLoad, LoadState, OpenedArchive, SlotName } from './loadSlice';
import type { LoadedImage, Progress } from '../core/session';
import type { PartialUnion } from '../core/partialUnions';
import type { ArchiveInfo, ImageInfo, LayerIndex } from '../core/types';
import type { UnionModel } from '../core/model/union';
import { composeImage, type ExtraLayer } from '../core/teach/playgroundImage';

export type LoadStatus = LoadState['kind'];

const NO_LOADS: LayerLoad[] = [];
const NO_INDEXES: (LayerIndex | null)[] = [];

export const selectSlot = (s: AppState, slot: SlotName = 'a'): LoadState => s.slots[slot];

/** 'empty' | 'loading' | 'ready' | 'error' */
export const selectStatus = (s: AppState, slot: SlotName = 'a'): LoadStatus => s.slots[slot].kind;

const composed = new WeakMap<LoadedImage, WeakMap<readonly ExtraLayer[], LoadedImage>>();

/** The ready image with `extras` on top, composed once per (image, extras). */
export function withOverlay(base: LoadedImage, extras: readonly ExtraLayer[]): LoadedImage {
  if (extras.length === 0) return base;
  let m = composed.get(base);
  if (!m) {
    m = new WeakMap();
    composed.set(base, m);
  }
  let img = m.get(extras);
  if (!img) {
    img = composeImage(base, [...extras]);
    m.set(extras, img);
  }
  return img;
}

/** The overlay that applies to slot a's ready load (the playground's layers), or null. */
export function selectOverlay(s: AppState): readonly ExtraLayer[] | null {
  const a = s.slots.a;
  return a.kind === 'ready' && s.pg.loadId === a.id && s.pg.overlay.length > 0 ? s.pg.overlay : null;
}

/** The image shown (ready only): slot a's with the playground's layers on top. Null while loading. */
export function selectShown(s: AppState, slot: SlotName = 'a'): LoadedImage | null {
  const l = s.slots[slot];
  if (l.kind !== 'ready') return null;
  const overlay = slot === 'a' ? selectOverlay(s) : null;
  return overlay ? withOverlay(l.loaded, overlay) : l.loaded;
}

/** The image as loaded, without the playground's layers. */
export function selectLoadedBase(s: AppState, slot: SlotName = 'a'): LoadedImage | null {
  const l = s.slots[slot];
  return l.kind === 'ready' ? l.loaded : null;
}

/** The image's structure: the shown image's, or the one being loaded once known. */
export function selectImageInfo(s: AppState, slot: SlotName = 'a'): ImageInfo | null {
  const l = s.slots[slot];
  if (l.kind === 'ready') return selectShown(s, slot)!.image;
  if (l.kind === 'loading') return l.structure;
  return null;
}

export function selectArchive(s: AppState, slot: SlotName = 'a'): ArchiveInfo | null {
  const l = s.slots[slot];
  if (l.kind === 'ready') return selectShown(s, slot)!.info;
  if (l.kind === 'loading') return l.opened?.info ?? null;
  return null;
}

const openedOf = new WeakMap<LoadedImage, OpenedArchive>();

/** The archive of what is shown ({info, outer}: the composed image's outer with the playground's layers). */
export function selectOpened(s: AppState, slot: SlotName = 'a'): OpenedArchive | null {
  const l = s.slots[slot];
  if (l.kind === 'loading') return l.opened;
  if (l.kind !== 'ready') return null;
  const shown = selectShown(s, slot)!;
  if (shown === l.loaded) return l.opened;
  let o = openedOf.get(shown);
  if (!o) {
    o = { info: l.opened.info, outer: shown.outer };
    openedOf.set(shown, o);
  }
  return o;
}

const loadsOf = new WeakMap<LoadedImage, LayerLoad[]>();

/** Per-layer load state (the playground's layers: indexed). */
export function selectLayerLoads(s: AppState, slot: SlotName = 'a'): LayerLoad[] {
  const l = s.slots[slot];
  if (l.kind === 'loading') return l.layers;
  if (l.kind !== 'ready') return NO_LOADS;
  const shown = selectShown(s, slot)!;
  if (shown === l.loaded) return l.layers;
  let loads = loadsOf.get(shown);
  if (!loads) {
    loads = shown.layers.map(
      (x, i) => l.layers[i] ?? { state: 'indexed' as const, bytesRead: x?.storedSize ?? 0, bytesTotal: x?.storedSize ?? 0, error: null },
    );
    loadsOf.set(shown, loads);
  }
  return loads;
}

/** Layer indexes known: every one when ready, those finished so far while loading. */
export function selectIndexes(s: AppState, slot: SlotName = 'a'): (LayerIndex | null)[] {
  const l = s.slots[slot];
  if (l.kind === 'ready') return selectShown(s, slot)!.layers;
  if (l.kind === 'loading') return l.indexes;
  return NO_INDEXES;
}

const unionStates = new WeakMap<LoadedImage, PartialUnion>();

/** The union in view and the layers it was built from: the shown image's, or the engine's partial one while loading. */
export function selectUnionState(s: AppState, slot: SlotName = 'a'): { union: UnionModel; layers: readonly (LayerIndex | null)[] } | null {
  const l = s.slots[slot];
  if (l.kind === 'loading') return l.partial;
  if (l.kind !== 'ready') return null;
  const shown = selectShown(s, slot)!;
  let u = unionStates.get(shown);
  if (!u) {
    u = { union: shown.union, layers: shown.layers };
    unionStates.set(shown, u);
  }
  return u;
}

export function selectFile(s: AppState, slot: SlotName = 'a'): File | Blob | null {
  const l = s.slots[slot];
  return l.kind === 'empty' ? null : l.file;
}

export function selectFileName(s: AppState, slot: SlotName = 'a'): string | null {
  const l = s.slots[slot];
  return l.kind === 'empty' ? null : l.fileName;
}

/** The plain-words message of a failed load, or null. */
export function selectError(s: AppState, slot: SlotName = 'a'): string | null {
  const l = s.slots[slot];
  return l.kind === 'error' ? l.message : null;
}

export function selectArchiveProgress(s: AppState, slot: SlotName = 'a'): Progress | null {
  const l = s.slots[slot];
  return l.kind === 'loading' ? l.archiveProgress : null;
}

export function selectStartedAt(s: AppState, slot: SlotName = 'a'): number {
  const l = s.slots[slot];
  return l.kind === 'loading' || l.kind === 'ready' ? l.startedAt : 0;
}

export function selectFinishedAt(s: AppState, slot: SlotName = 'a'): number {
  const l = s.slots[slot];
  return l.kind === 'ready' || l.kind === 'error' ? l.finishedAt : 0;
}

/** Every layer is read and the engine builds the union and statistics (a pass it reports no progress for). */
export function selectBuilding(s: AppState, slot: SlotName = 'a'): boolean {
  const l = s.slots[slot];
  return l.kind === 'loading' && l.layers.length > 0 && l.layers.every((x) => x.state === 'indexed' || x.state === 'failed');
}

/** The digest check behind the shown image is running (uncompressed layers hashed, compressed ones decoded again). */
export function selectDigestsChecking(s: AppState, slot: SlotName = 'a'): boolean {
  const l = s.slots[slot];
  return l.kind === 'ready' && l.digests === 'checking';
}

/** Where layer `layer`'s files are read from in what a slot shows (loading: the layers finished so far). */
export function layerSource(s: AppState, layer: number, slot: SlotName = 'a') {
  const l = s.slots[slot];
  if (l.kind === 'ready') {
    const img = selectShown(s, slot)!;
    return { outer: img.outer, ref: img.image.layers[layer], idx: img.layers[layer] };
  }
  if (l.kind === 'loading') return { outer: l.opened?.outer, ref: l.structure?.layers[layer], idx: l.indexes[layer] };
  return { outer: undefined, ref: undefined, idx: undefined };
}

/** The image the playground is on (slot a's ready image as loaded, below its overlay), or null when it is not in use on it. */
export function selectPlaygroundBase(s: AppState): LoadedImage | null {
  const a = s.slots.a;
  return a.kind === 'ready' && s.pg.loadId === a.id ? a.loaded : null;
}

const progressOf = new WeakMap<LoadState, Progress>();

/**
 * How far a slot's load has read, in bytes: the archive's own progress while its index
 * is read (or a .tar.gz decompressed), then the sum over its layers. Null unless loading.
 */
export function selectLoadProgress(s: AppState, slot: SlotName = 'a'): Progress | null {
  const l = s.slots[slot];
  if (l.kind !== 'loading') return null;
  let p = progressOf.get(l);
  if (!p) {
    if (l.archiveProgress) p = l.archiveProgress;
    else {
      let bytesRead = 0;
      let bytesTotal = 0;
      for (const x of l.layers) {
        bytesRead += x.bytesRead;
        bytesTotal += x.bytesTotal;
      }
      p = { bytesRead, bytesTotal };
    }
    progressOf.set(l, p);
  }
  return p;
}

/**
 * A slot's failed load as a comparison names it: slot b's message starts "B: " (the
 * explorer's own, slot a's, is shown as it is). Null unless the load failed.
 */
export function selectSideError(s: AppState, slot: SlotName): string | null {
  const m = selectError(s, slot);
  return m === null ? null : slot === 'b' ? `B: ${m}` : m;
}
