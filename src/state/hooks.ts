/**
 * Selectors derived from the store: the layers in view, their union model, the
 * effective selected layer and its merged view. Derived values are cached at
 * module level (keyed by the objects they come from), so every component asking
 * for the union or a merged view shares one computation instead of making its own.
 *
 * While an archive loads, the tree is built from the layers finished so far
 * (`partialLayers`, null for the rest): buildUnion on a partial stack. Rebuilding
 * after every finished layer would be quadratic on big images, so rebuilds are
 * spaced by a multiple of how long the last one took (PARTIAL_REBUILD_FACTOR).
 */
import { useEffect, useState } from 'react';
import { useStore } from './store';
import { buildUnion, mergedAt, type MergedView, type UnionModel } from '../core/model/union';
import type { LayerIndex } from '../core/types';

export type Layers = readonly (LayerIndex | null)[];

const EMPTY: Layers = [];

/** Layer indexes in view: the loaded image's, or those finished so far while loading. */
export function useLayers(): Layers {
  const loaded = useStore((s) => s.loaded);
  const partial = useStore((s) => s.partialLayers);
  return loaded ? loaded.layers : partial.length ? partial : EMPTY;
}

/** Number of layers of the image in view (also while loading), for colors and labels. */
export function useLayerCount(): number {
  const loaded = useStore((s) => s.loaded);
  const image = useStore((s) => s.image);
  return loaded ? loaded.layers.length : image ? image.layers.length : 0;
}

/* ------------------------------------------------------------ union */

/**
 * A partial union costs about as much as a full one; waiting this many times the
 * last build's duration between rebuilds keeps loading at most ~1/(1+factor)
 * slower while the tree still fills in as layers finish.
 */
export const PARTIAL_REBUILD_FACTOR = 3;

const unionCache = new WeakMap<Layers, UnionModel>();
let lastBuildMs = 0;
let lastBuildEnd = 0;

/**
 * Where partial unions are built while an image loads. The loader points this at
 * its worker pool (a partial union of a million entries takes ~3 s, which on the
 * main thread would freeze the page each time); unset (tests, no Worker), they are
 * built here.
 */
type PartialUnionBuilder = (layers: (LayerIndex | null)[]) => Promise<UnionModel>;
let partialBuilder: PartialUnionBuilder | null = null;
export function setPartialUnionBuilder(fn: PartialUnionBuilder | null): void {
  partialBuilder = fn;
}
/** Orders results from the pool: a slower, older partial union must not replace a newer one. */
let partialSeq = 0;
let partialShown = 0;

/** The union of `layers`, built once per layers array. */
export function unionOf(layers: Layers): UnionModel {
  let u = unionCache.get(layers);
  if (!u) {
    const t0 = performance.now();
    u = buildUnion(layers as (LayerIndex | null)[]);
    lastBuildEnd = performance.now();
    lastBuildMs = lastBuildEnd - t0;
    unionCache.set(layers, u);
  }
  return u;
}

/** The union model in view with the layers it was built from: the loaded image's, or a partial one while loading. */
export function useUnionState(): { union: UnionModel; layers: Layers } | null {
  const loaded = useStore((s) => s.loaded);
  const partial = useStore((s) => s.partialLayers);
  const [partialUnion, setPartialUnion] = useState<{ union: UnionModel; layers: Layers } | null>(null);
  useEffect(() => {
    if (loaded || partial.length === 0 || !partial.some((l) => l)) return;
    // Every layer is in: openImage is building the full union right now, and this
    // one would cost as much again (~0.1 s per 15k entries, seconds on 1M) for a
    // view shown only until that one lands.
    if (partial.every((l) => l)) return;
    const cached = unionCache.get(partial);
    if (cached) {
      setPartialUnion({ layers: partial, union: cached });
      return;
    }
    const wait = Math.max(0, lastBuildEnd + PARTIAL_REBUILD_FACTOR * lastBuildMs - performance.now());
    const t = setTimeout(() => {
      const build = partialBuilder;
      if (!build) {
        setPartialUnion({ layers: partial, union: unionOf(partial) });
        return;
      }
      const seq = ++partialSeq;
      const t0 = performance.now();
      build(partial as (LayerIndex | null)[]).then(
        (union) => {
          lastBuildEnd = performance.now();
          lastBuildMs = lastBuildEnd - t0;
          unionCache.set(partial, union);
          if (seq < partialShown) return;
          partialShown = seq;
          setPartialUnion({ layers: partial, union });
        },
        () => {}, // a failed or cancelled partial view is simply not shown; the final one comes from openImage
      );
    }, wait);
    return () => clearTimeout(t);
  }, [loaded, partial]);
  if (loaded) return { union: loaded.union, layers: loaded.layers };
  // a partial union of an earlier load (other image) must not show: same stack height is the check
  if (partialUnion && partial.length > 0 && partialUnion.layers.length === partial.length) return partialUnion;
  return null;
}

/** The union model in view (null before any layer is known). */
export function useUnion(): UnionModel | null {
  return useUnionState()?.union ?? null;
}

/* ------------------------------------------------------------ selection */

/** The layer whose filesystem is shown: the selection clamped to the stack, the top by default. */
export function effectiveLayer(selected: number, count: number): number {
  if (count <= 0) return -1;
  return selected < 0 || selected >= count ? count - 1 : selected;
}

export function useSelectedLayer(): number {
  const sel = useStore((s) => s.selectedLayer);
  const count = useLayerCount();
  return effectiveLayer(sel, count);
}

/* ------------------------------------------------------------ merged views */

/**
 * Merged views are kept per union so that switching back and forth between a
 * few layers is instant. A view (plus the tree's per-view sizes) costs about
 * BYTES_PER_NODE_PER_VIEW bytes per node, so the number kept is bounded by a
 * memory budget: many for ordinary images, MIN_MERGED_CACHED for a million files.
 */
export const MERGED_CACHE_BUDGET_BYTES = 64 * 1024 * 1024;
export const BYTES_PER_NODE_PER_VIEW = 16;
export const MIN_MERGED_CACHED = 2;
export const MAX_MERGED_CACHED = 16;

export function mergedCacheSize(nodeCount: number): number {
  const fit = Math.floor(MERGED_CACHE_BUDGET_BYTES / Math.max(1, nodeCount * BYTES_PER_NODE_PER_VIEW));
  return Math.max(MIN_MERGED_CACHED, Math.min(MAX_MERGED_CACHED, fit));
}

const mergedCache = new WeakMap<UnionModel, Map<number, MergedView>>();

/** Whether the merged view of `layer` is cached. */
export function hasMerged(u: UnionModel, layer: number): boolean {
  return !!mergedCache.get(u)?.has(layer);
}

/**
 * mergedAt, cached (least recently used views dropped beyond mergedCacheSize()).
 * `touch` false (prefetching) adds a view just below the most recent one, so a
 * prefetched neighbour never pushes out the view being looked at.
 */
export function mergedOf(u: UnionModel, layers: Layers, layer: number, touch = true): MergedView {
  let m = mergedCache.get(u);
  if (!m) {
    m = new Map();
    mergedCache.set(u, m);
  }
  let v = m.get(layer);
  if (v) {
    if (touch) {
      m.delete(layer); // re-insert: most recent last
      m.set(layer, v);
    }
    return v;
  }
  v = mergedAt(u, layers as (LayerIndex | null)[], layer);
  if (touch) m.set(layer, v);
  else {
    // a prefetched view goes just before the most recent one: older views leave first
    const entries = [...m.entries()];
    const last = entries.pop();
    m.clear();
    for (const [k, x] of entries) m.set(k, x);
    m.set(layer, v);
    if (last) m.set(last[0], last[1]);
  }
  const keep = mergedCacheSize(u.nodeCount);
  while (m.size > keep) m.delete(m.keys().next().value!);
  return v;
}

export interface MergedState {
  union: UnionModel;
  layers: Layers;
  layer: number;
  merged: MergedView;
}

/** Union, layers, effective layer and its merged view, or null while nothing is known. */
export function useMerged(): MergedState | null {
  const us = useUnionState();
  const sel = useStore((s) => s.selectedLayer);
  if (!us || us.union.layerCount === 0) return null;
  const layer = effectiveLayer(sel, us.union.layerCount);
  return { union: us.union, layers: us.layers, layer, merged: mergedOf(us.union, us.layers, layer) };
}
