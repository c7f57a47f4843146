/**
 * Hooks over the selectors: the union in view (the shown image's, or the
 * engine's partial one while loading: selectors.ts selectUnionState), the
 * effective selected layer and its merged view. Merged views are cached at
 * module level keyed by the union they come from (WeakMap: they go with it), so
 * every component asking for a merged view shares one computation.
 */
import { useDeferredValue, useMemo } from 'react';
import { useStore } from './store';
import { mergedAt, type MergedView, type UnionModel } from '../core/model/union';
import type { LayerIndex } from '../core/types';
import { selectUnionState } from './selectors';

export type Layers = readonly (LayerIndex | null)[];

/** The union model in view with the layers it was built from: the loaded image's, or a partial one while loading. */
export function useUnionState(): { union: UnionModel; layers: Layers } | null {
  return useStore(selectUnionState);
}

/* ------------------------------------------------------------ selection */

/** The layer whose filesystem is shown: the selection clamped to the stack, the top by default. */
export function effectiveLayer(selected: number, count: number): number {
  if (count <= 0) return -1;
  return selected < 0 || selected >= count ? count - 1 : selected;
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

/**
 * The merged state, for the panes that draw a union's contents (the tree, the path's details): a new
 * union (the load's ready, a partial one while loading) reaches them in a second commit.
 * useDeferredValue renders them for it as a transition, time-sliced, after the commit that
 * updates the rest of the page; at ready both were one task, the longest while loading the
 * benchmark images (issue 13), and these panes (the merged view, the tree's filter and rows)
 * were half of it. A layer switch is not deferred: the union stays.
 */
export function useDeferredMerged(): MergedState | null {
  const us = useDeferredValue(useUnionState());
  const selectedLayer = useStore((s) => s.selectedLayer);
  return useMemo(() => mergedState(us, selectedLayer), [us, selectedLayer]);
}

/** Union, layers, effective layer and its merged view, or null while nothing is known. */
export function mergedState(us: { union: UnionModel; layers: Layers } | null, selectedLayer: number): MergedState | null {
  if (!us || us.union.layerCount === 0) return null;
  const layer = effectiveLayer(selectedLayer, us.union.layerCount);
  return { union: us.union, layers: us.layers, layer, merged: mergedOf(us.union, us.layers, layer) };
}
