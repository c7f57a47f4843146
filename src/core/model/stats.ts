/**
 * Image statistics: per-layer change counts and bytes, bytes that ship but
 * are hidden by later layers, and dive's efficiency score (diveEfficiency.ts).
 *
 * Two different notions of waste live here, on purpose:
 *  - ours ("hidden bytes"): a file version whose bytes are in a layer's tar but
 *    that is not visible in the final filesystem (overwritten by a later
 *    layer, deleted by a whiteout, hidden by an opaque directory, removed with
 *    a replaced/deleted ancestor, or shadowed by a later entry of the same
 *    path in the same layer). Each such version counts once, in the layer that
 *    ships it. Computed from the union model (union.ts), i.e. OCI layer.md.
 *  - dive's ("efficiency", "wasted bytes", "user wasted percent"): reproduced
 *    exactly as wagoodman/dive computes them (filetree/efficiency.go,
 *    image/analysis.go), quirks included, so the figures match `dive --ci`.
 *    See diveEfficiency() (diveEfficiency.ts) for the rules and the quirks.
 */
import { EntryKind, type LayerIndex } from '../types';
import { type DiveStats, diveEfficiency } from './diveEfficiency';
import { Change, eventChange, pathOf, UnionEvent, type UnionModel } from './union';

/** How many files `topHidden` lists by default. */
export const DEFAULT_TOP_HIDDEN = 20;

export interface LayerStats {
  layer: number;
  /** Entries in the layer's tar (whiteouts and directories included). */
  entries: number;
  /** Paths this layer adds / modifies / deletes / changes only the metadata of (union.ts change semantics; implied directories count). */
  added: number;
  modified: number;
  deleted: number;
  metadataOnly: number;
  /** Directories made opaque (`.wh..wh..opq`) by this layer. */
  opaqueDirs: number;
  /** Whiteout entries (`.wh.<name>`) in this layer. */
  whiteouts: number;
  /** Sum of regular-file sizes in the layer (what it ships). */
  bytesAdded: number;
  /** Of bytesAdded, the bytes not visible in the final image (see the header comment). */
  hiddenBytes: number;
}

export interface HiddenFile {
  node: number;
  path: string;
  /** Bytes of this path's versions that ship but are not visible in the final image. */
  bytes: number;
  /** How many such versions. */
  versions: number;
  /** Layers shipping them (ascending, one per version). */
  layers: number[];
  /** Whether some version of the path is visible in the final image. */
  visible: boolean;
}

export interface ImageStats {
  layers: LayerStats[];
  /** Sum of the layers' regular-file bytes (bytesAdded). */
  imageSize: number;
  /** Sum of the layers' hiddenBytes. */
  hiddenBytes: number;
  /** Paths with the most hidden bytes, largest first. */
  topHidden: HiddenFile[];
  dive: DiveStats;
}

export function computeStats(u: UnionModel, layers: readonly (LayerIndex | null)[], opts: { topN?: number } = {}): ImageStats {
  const topN = opts.topN ?? DEFAULT_TOP_HIDDEN;
  const nL = layers.length;
  const per: LayerStats[] = [];
  for (let L = 0; L < nL; L++) {
    const idx = layers[L];
    let bytes = 0;
    let opaque = 0;
    let whiteouts = 0;
    if (idx) {
      const seenOpaque = new Set<number>();
      for (let i = 0; i < idx.count; i++) {
        const k = idx.kinds[i];
        if (k === EntryKind.File) bytes += idx.sizes[i]!;
        else if (k === EntryKind.Whiteout) whiteouts++;
        else if (k === EntryKind.Opaque) {
          const d = u.entryNode[L]?.[i] ?? -1;
          if (d >= 0 && !seenOpaque.has(d)) {
            seenOpaque.add(d);
            opaque++;
          }
        }
      }
    }
    per.push({
      layer: L,
      entries: idx ? idx.count : 0,
      added: 0,
      modified: 0,
      deleted: 0,
      metadataOnly: 0,
      opaqueDirs: opaque,
      whiteouts,
      bytesAdded: bytes,
      hiddenBytes: 0,
    });
  }

  // Change counts: one pass over every node's events (the root is not a listed path).
  const { evStart, evLayer, evKind, evEntry } = u;
  const visibleBytes = new Float64Array(nL);
  for (let n = 1; n < u.nodeCount; n++) {
    const s = evStart[n]!;
    const e = evStart[n + 1]!;
    for (let j = s; j < e; j++) {
      const st = per[evLayer[j]!]!;
      const c = eventChange(u, layers, n, j);
      if (c === Change.Added) st.added++;
      else if (c === Change.Modified) st.modified++;
      else if (c === Change.Deleted) st.deleted++;
      else if (c === Change.MetadataOnly) st.metadataOnly++;
    }
    // the final version of the path: its bytes are the ones NOT hidden
    if (e > s && evKind[e - 1] === UnionEvent.Set) {
      const li = layers[evLayer[e - 1]!];
      const x = evEntry[e - 1]!;
      if (li && li.kinds[x] === EntryKind.File) visibleBytes[evLayer[e - 1]!]! += li.sizes[x]!;
    }
  }
  let imageSize = 0;
  let hiddenTotal = 0;
  for (let L = 0; L < nL; L++) {
    per[L]!.hiddenBytes = per[L]!.bytesAdded - visibleBytes[L]!;
    imageSize += per[L]!.bytesAdded;
    hiddenTotal += per[L]!.hiddenBytes;
  }

  return {
    layers: per,
    imageSize,
    hiddenBytes: hiddenTotal,
    topHidden: topHiddenFiles(u, layers, topN),
    dive: diveEfficiency(layers, u),
  };
}

/** Whether entry i of layer L is the version of its path visible in the final image. */
function isFinalVersion(u: UnionModel, L: number, i: number, node: number): boolean {
  const e = u.evStart[node + 1]!;
  if (e === u.evStart[node]) return false;
  return u.evKind[e - 1] === UnionEvent.Set && u.evLayer[e - 1] === L && u.evEntry[e - 1] === i;
}

function topHiddenFiles(u: UnionModel, layers: readonly (LayerIndex | null)[], topN: number): HiddenFile[] {
  if (topN <= 0) return [];
  const bytes = new Float64Array(u.nodeCount);
  const versions = new Uint32Array(u.nodeCount);
  const forEachHidden = (fn: (node: number, L: number, size: number) => void) => {
    layers.forEach((li, L) => {
      if (!li) return;
      const map = u.entryNode[L]!;
      for (let i = 0; i < li.count; i++) {
        if (li.kinds[i] !== EntryKind.File) continue;
        const n = map[i]!;
        if (n <= 0 || isFinalVersion(u, L, i, n)) continue;
        fn(n, L, li.sizes[i]!);
      }
    });
  };
  forEachHidden((n, _L, size) => {
    bytes[n]! += size;
    versions[n]!++;
  });
  const cands: number[] = [];
  for (let n = 1; n < u.nodeCount; n++) if (versions[n]! > 0) cands.push(n);
  cands.sort((a, b) => bytes[b]! - bytes[a]! || versions[b]! - versions[a]! || a - b);
  const top = cands.slice(0, topN);
  const layersOf = new Map<number, number[]>(top.map((n) => [n, []]));
  forEachHidden((n, L) => layersOf.get(n)?.push(L));
  return top.map((n) => {
    const e = u.evStart[n + 1]!;
    const k = e > u.evStart[n]! ? u.evKind[e - 1] : -1;
    return {
      node: n,
      path: pathOf(u, n),
      bytes: bytes[n]!,
      versions: versions[n]!,
      layers: layersOf.get(n)!,
      visible: k === UnionEvent.Set || k === UnionEvent.Implicit,
    };
  });
}
