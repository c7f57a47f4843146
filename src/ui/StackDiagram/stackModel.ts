/**
 * Pure helpers behind the stack diagram: labels, band heights, the rootfs and
 * base-image grouping, history markers and shared-layer captions. No React, no store, so they
 * are unit-tested on their own (stackModel.test.ts).
 */
import { displayName } from '../format/displayName';
import type { HistoryStep, ImageInfo, LayerRef } from '../../core/types';
import { stepLabel } from '../../core/model/buildStep';
import { sameBlobs } from '../../core/session';
import { ROW_GAP_PX, rowTops } from './stackWindow';

/**
 * Smallest band height: two 14 px text lines (the step, then size and counts)
 * plus 2 px padding each side. Small enough that 14 layers, the markers and the
 * bootfs/container bands fit a 1280×800 window without scrolling.
 */
export const BAND_MIN_PX = 32;
/** Height of a metadata-only history marker (one small text line). */
export const MARKER_PX = 16;
/**
 * Pixels shared out in proportion to the layers' sizes, on top of BAND_MIN_PX:
 * the room the pane has left when every band fits at its minimum (so a stack
 * that fits never scrolls), at most SIZE_PX_MAX (so one huge base layer does not
 * push everything else out of a tall window). When the stack has to scroll
 * anyway, SIZE_PX_PER_LAYER per layer, so the big layers still stand out.
 */
export const SIZE_PX_PER_LAYER = 8;
export const SIZE_PX_MAX = 360;

/**
 * A layer's figures for the diagram. Counts are null until the union model is
 * built (they are relative to everything below, so they need all lower layers).
 */
export interface LayerFigures {
  /** Bytes of regular-file data the layer adds (what dive and `docker history` call its size). */
  bytes: number;
  /** True while `bytes` is only the stored blob size (the layer is not indexed yet). */
  estimated: boolean;
  /** Bytes this layer ships that a later layer hides (overwrites or deletes). */
  hiddenBytes: number | null;
  added: number | null;
  modified: number | null;
  deleted: number | null;
  /** Directories re-stated with new attributes only. */
  metadataOnly: number | null;
  entries: number | null;
}

/**
 * Heights of the bands, bottom first: BAND_MIN_PX each plus a share of
 * `budgetPx` proportional to the layer's size (or to log(1 + size) on the log
 * scale, which keeps a few-byte layer visible next to a 100 MB base).
 */
export function bandHeights(sizes: readonly number[], logScale: boolean, budgetPx: number, minPx = BAND_MIN_PX): number[] {
  const w = sizes.map((b) => (b > 0 ? (logScale ? Math.log1p(b) : b) : 0));
  const total = w.reduce((a, b) => a + b, 0);
  if (total <= 0 || budgetPx <= 0) return sizes.map(() => minPx);
  return w.map((x) => minPx + Math.round((budgetPx * x) / total));
}

/** The proportional budget for a stack of `count` layers given the pixels available to the bands. */
export function sizeBudget(count: number, availablePx: number, minPx = BAND_MIN_PX): number {
  const room = availablePx - count * minPx;
  return room >= 0 ? Math.min(SIZE_PX_MAX, room) : count * SIZE_PX_PER_LAYER;
}

/** History steps that made no layer, grouped by the layer they sit above (-1: below layer 0). */
export function metadataMarkers(history: readonly HistoryStep[]): Map<number, HistoryStep[]> {
  const out = new Map<number, HistoryStep[]>();
  for (const h of history) {
    if (!h.emptyLayer) continue;
    const list = out.get(h.layerIndex);
    if (list) list.push(h);
    else out.set(h.layerIndex, [h]);
  }
  return out;
}

/** Instructions that finish an image: a base image's history ends with one of these. */
const IMAGE_END = /^(CMD|ENTRYPOINT)\b/;

/**
 * Index of the top layer of the base image, or -1 when the history does not show one.
 *
 * The config does not record where the base image ends, so this is a reading
 * of the history: an image built FROM a base inherits the base's history, and a
 * distribution's image ends with its default command (`CMD ["sh"]`,
 * `CMD ["bash"]`…), a metadata-only step. So the layers below the first such
 * CMD/ENTRYPOINT step are the base's — unless that step sits above the top
 * layer (then the image is itself a base, or was built FROM scratch).
 */
export function baseImageTop(history: readonly HistoryStep[], layerCount: number): number {
  const end = baseImageEnd(history, layerCount);
  return end < 0 ? -1 : history[end]!.layerIndex;
}

/** Index in `history` of the step that ends the base image (see baseImageTop), or -1. */
export function baseImageEnd(history: readonly HistoryStep[], layerCount: number): number {
  for (let i = 0; i < history.length; i++) {
    const h = history[i]!;
    if (!h.emptyLayer) continue;
    if (!IMAGE_END.test(stepLabel(h.createdBy))) continue;
    return h.layerIndex >= 0 && h.layerIndex < layerCount - 1 ? i : -1;
  }
  return -1;
}

/**
 * How the stack is drawn, top first. OCI config.md: `rootfs.diff_ids` lists
 * every layer, and what a container sees at `/` is the union of all of them —
 * so the rootfs frame holds every image layer (committed ones included), and
 * keeps that meaning before and after a commit. Inside it, the layers that came
 * with the base image (`FROM`), when the history shows them, get a frame of
 * their own: "base image layers". A running container's read-write layer sits
 * above the rootfs (it is not in the image), bootfs below (it is the host's).
 *
 * `baseLayerCount` is the number of layers the image had as loaded: layers
 * committed in the page are never taken for the base, whatever their history.
 */
export interface StackLayout {
  /** Image layers in the rootfs (0..rootfsTop); -1 for an image without layers. */
  rootfsTop: number;
  /** Top layer of the base image, or -1 when the history shows no base. */
  baseTop: number;
  /** History index of the step that ends the base image (its CMD), -1 when none. */
  baseEnd: number;
  /** Index of the running container's layer, or -1. */
  container: number;
}

export function stackLayout(layers: readonly { synthetic?: 'container' | 'commit' }[], history: readonly HistoryStep[]): StackLayout {
  const n = layers.length;
  const container = n > 0 && layers[n - 1]?.synthetic === 'container' ? n - 1 : -1;
  const rootfsTop = (container >= 0 ? n - 1 : n) - 1;
  const original = layers.filter((l) => !l.synthetic).length;
  const baseEnd = baseImageEnd(history, original);
  const baseTop = baseEnd < 0 ? -1 : (history[baseEnd]?.layerIndex ?? -1);
  return { rootfsTop, baseTop, baseEnd, container };
}

/**
 * Lines of text a band of `heightPx` has room for (14 px lines, 2 px padding
 * each side, 1 px borders): the step text may wrap over the lines the size line
 * and the badge line do not need.
 */
export const LINE_PX = 14;
export function bandLines(heightPx: number): number {
  return Math.max(2, Math.floor((heightPx - 6) / LINE_PX));
}

/** How another image of the archive is named to users: its first tag, else "image N" (1-based, as the chooser counts). */
export function imageLabel(img: ImageInfo | undefined, index: number): string {
  const tag = img?.tags[0];
  return tag !== undefined ? displayName(tag) : `image ${index + 1}`;
}

/**
 * Images named in a "shared with" caption; beyond, "and N more". An archive may
 * list thousands of images sharing one layer (issue 9, point 5): naming them
 * all would make one caption of megabytes.
 */
export const SHARED_CAPTION_NAMES = 3;

/** "shared with alpine:3.19 and image 3", "shared with a, b, c and 19,996 more images". */
export function sharedCaption(sharedWith: readonly number[], images: readonly ImageInfo[]): string {
  if (sharedWith.length === 0) return '';
  const shown = sharedWith.slice(0, sharedWith.length > SHARED_CAPTION_NAMES + 1 ? SHARED_CAPTION_NAMES : SHARED_CAPTION_NAMES + 1);
  const names = shown.map((i) => imageLabel(images[i], i));
  const more = sharedWith.length - shown.length;
  if (more > 0) return `shared with ${names.join(', ')} and ${more.toLocaleString('en-US')} more images`;
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `shared with ${list}`;
}

/**
 * The stack's three columns of rows, each top first (DOM order = reading order):
 * 'own' the rootfs frame's rows above the base image, 'base' the base image's
 * frame, 'below' the metadata steps under layer 0. A row is a band or a history
 * marker; `tops`/`bandPx` are their offsets (stackWindow.rowTops) and the band
 * heights before each row, so a windowed stack draws any part of a column alone.
 */
export type ColName = 'own' | 'base' | 'below';
export const COLUMN_NAMES: readonly ColName[] = ['own', 'base', 'below'];
export type StackRow = { band: number } | { step: HistoryStep; key: string };
export interface StackColumn {
  rows: StackRow[];
  tops: Float64Array;
  /** bandPx[k]: the heights of the bands among rows 0..k-1 (markers and gaps left out). */
  bandPx: Float64Array;
  /** Row of each band in this column, by layer. */
  rowOfBand: Map<number, number>;
}

export function stackColumns(
  layout: StackLayout,
  markers: ReadonlyMap<number, readonly HistoryStep[]>,
  history: readonly HistoryStep[],
  heights: readonly number[],
  gap = ROW_GAP_PX,
): Record<ColName, StackColumn> {
  // Each step's place in the history, once (indexOf per marker was quadratic in the history's length).
  const at = new Map<HistoryStep, number>();
  history.forEach((h, i) => {
    at.set(h, i);
  });
  const rows: Record<ColName, StackRow[]> = { own: [], base: [], below: [] };
  const addMarkers = (to: StackRow[], below: number, which: 'all' | 'base' | 'own') => {
    (markers.get(below) ?? []).forEach((step, k) => {
      if (which !== 'all' && (which === 'base') !== (at.get(step) ?? -1) <= layout.baseEnd) return;
      to.push({ step, key: `m${below}-${k}` });
    });
  };
  for (let i = layout.rootfsTop; i >= 0; i--) {
    if (i === layout.baseTop) {
      // Metadata steps above the base: the base image's own (up to its CMD) stay in
      // its frame; those of the image built on it go above the frame.
      addMarkers(rows.own, i, 'own');
      addMarkers(rows.base, i, 'base');
    } else addMarkers(i < layout.baseTop ? rows.base : rows.own, i, 'all');
    (i <= layout.baseTop ? rows.base : rows.own).push({ band: i });
  }
  addMarkers(rows.below, -1, 'all');
  const column = (list: StackRow[]): StackColumn => {
    const h = list.map((r) => ('band' in r ? (heights[r.band] ?? BAND_MIN_PX) : MARKER_PX));
    const bandPx = new Float64Array(list.length + 1);
    const rowOfBand = new Map<number, number>();
    list.forEach((r, k) => {
      bandPx[k + 1] = bandPx[k]! + ('band' in r ? h[k]! : 0);
      if ('band' in r) rowOfBand.set(r.band, k);
    });
    return { rows: list, tops: rowTops(h, gap), bandPx, rowOfBand };
  };
  return { own: column(rows.own), base: column(rows.base), below: column(rows.below) };
}

/** Layers that are the same stored bytes: each layer's first position with them, and how many positions list them. */
export interface BlobCopies {
  first: Int32Array;
  count: Int32Array;
}

/**
 * One blob listed at several positions of an image (issue 9, point 6): the engine
 * reads it once (session.sameBlobs, the same rule), the diagram says so on each.
 */
export function blobCopies(layers: readonly LayerRef[]): BlobCopies {
  const first = new Int32Array(layers.length);
  const count = new Int32Array(layers.length);
  for (const [f, positions] of sameBlobs({ layers })) {
    for (const p of positions) first[p] = f;
    count[f] = positions.length;
  }
  return { first, count };
}
